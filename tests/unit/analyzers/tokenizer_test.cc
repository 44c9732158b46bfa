#include <catch2/catch.hpp>

#include "sondhan/analyzers/tokenizer.h"

using namespace sondhan::analyzers;

namespace {
std::vector<std::string> spans(const std::string& text) {
  std::vector<TokenSpan> out;
  tokenize(text, &out);
  std::vector<std::string> words;
  for (const auto& s : out) words.push_back(text.substr(s.begin, s.end - s.begin));
  return words;
}
}  // namespace

TEST_CASE("danda and punctuation separate words", "[analyzers][tokenizer]") {
  CHECK(spans("সেনা। কোরিয়া, ঢাকা!") == std::vector<std::string>{"সেনা", "কোরিয়া", "ঢাকা"});
  CHECK(spans("‘বন্ধুত্ব’") == std::vector<std::string>{"বন্ধুত্ব"});
}

TEST_CASE("offsets point into the original bytes", "[analyzers][tokenizer]") {
  const std::string text = "আজ ঢাকায়";
  std::vector<TokenSpan> out;
  tokenize(text, &out);
  REQUIRE(out.size() == 2);
  CHECK(out[1].begin == std::string("আজ ").size());
  CHECK(out[1].end == text.size());
}

TEST_CASE("numbers keep inner separators", "[analyzers][tokenizer]") {
  std::vector<TokenSpan> out;
  tokenize("১২,৫০০ টাকা ৩.৫ শতাংশ", &out);
  REQUIRE(out.size() == 4);
  CHECK(out[0].kind == TokenKind::kNumber);
  CHECK(out[2].kind == TokenKind::kNumber);
  CHECK(spans("২০২০. এবং")[0] == "২০২০");
}

TEST_CASE("hyphens split, script changes split, Latin+digits stay", "[analyzers][tokenizer]") {
  CHECK(spans("ঢাকা-চট্টগ্রাম") == std::vector<std::string>{"ঢাকা", "চট্টগ্রাম"});
  CHECK(spans("৫০টি") == std::vector<std::string>{"৫০", "টি"});
  CHECK(spans("COVIDের") == std::vector<std::string>{"COVID"});
  CHECK(spans("covid19 G20") == std::vector<std::string>{"covid19", "G20"});
  CHECK(spans("don't") == std::vector<std::string>{"don't"});
}

TEST_CASE("zero-width characters stay inside a word", "[analyzers][tokenizer]") {
  CHECK(spans("র\u200D্যাব") == std::vector<std::string>{"র\u200D্যাব"});
  CHECK(spans("ঢা\u200Bকা") == std::vector<std::string>{"ঢা\u200Bকা"});
  CHECK(spans("ঢাকা\u200B ") == std::vector<std::string>{"ঢাকা"});
}

TEST_CASE("invalid UTF-8 separates and never crashes", "[analyzers][tokenizer]") {
  CHECK(spans("ঢাকা\xff\xfeসেনা") == std::vector<std::string>{"ঢাকা", "সেনা"});
  CHECK(spans(std::string("\xe0\xa6", 2)).empty());
  CHECK(spans("").empty());
}

