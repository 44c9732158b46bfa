#include <catch2/catch.hpp>

#include "sondhan/analyzers/analyzer.h"

using namespace sondhan::analyzers;

TEST_CASE("the seed query meets the seed article's forms", "[analyzers]") {
  const Analyzer a;
  CHECK(a.terms("উত্তর কোরিয়া সেনা") == a.terms("উত্তর কোরিয়ার সেনারা"));
}

TEST_CASE("stop words are dropped but keep their position", "[analyzers]") {
  const Analyzer a;
  std::vector<Token> tokens;
  a.analyze("বাংলাদেশ ও ভারত", {}, &tokens);
  REQUIRE(tokens.size() == 2);
  CHECK(tokens[0].position == 1);
  CHECK(tokens[1].position == 3);
  AnalyzeOptions keep;
  keep.keep_stopwords = true;
  CHECK(a.terms("বাংলাদেশ ও ভারত", keep).size() == 3);
  // Content words that Lucene's list drops are searchable here.
  CHECK(a.terms("উত্তর হাজার কোটি নতুন") .size() == 4);
}

TEST_CASE("very long words are cut, not dropped", "[analyzers]") {
  const Analyzer a;
  std::string word;
  for (int i = 0; i < 100; ++i) word += "ক";
  const auto terms = a.terms(word + " ঢাকা");
  REQUIRE(terms.size() == 2);
  CHECK(terms[0].size() <= kMaxTermBytes);
  CHECK(terms[0].size() % 3 == 0);  // cut at a character boundary
  CHECK(a.terms(word) == a.terms(word));
}

TEST_CASE("NFC and decomposed input give the same terms", "[analyzers]") {
  const Analyzer a;
  CHECK(a.terms("নিরাপত্তা বাহিনীর কো\u09DFালিশন") == a.terms("নিরাপত্তা বাহিনীর কো\u09AF\u09BCালিশন"));
  CHECK(a.terms("\u0995\u09C7\u09BEরিয়া") == a.terms("কোরিয়া"));
}

TEST_CASE("compound splits: at syllable starts, two letters a side, halves analysed", "[analyzers]") {
  static const Analyzer a;
  const std::string term = a.terms("দক্ষিণপশ্চিমাঞ্চলে").at(0);
  const auto splits = a.compound_splits(term);
  auto has = [&](const std::string& left, const std::string& right) {
    return std::find(splits.begin(), splits.end(), std::make_pair(a.terms(left).at(0), a.terms(right).at(0))) !=
           splits.end();
  };
  CHECK(has("দক্ষিণ", "পশ্চিমাঞ্চল"));
  // Never after a hasanta (inside a conjunct: দক্ + ষিণ), never before a vowel sign or mark.
  auto first_code_point = [](const std::string& s) {
    REQUIRE(s.size() >= 3);
    return ((s[0] & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);
  };
  for (const auto& [left, right] : splits) {
    INFO(left << " + " << right);
    CHECK(left.substr(left.size() - 3) != "\u09CD");
    const int c = first_code_point(right);
    CHECK_FALSE((c >= 0x09BC && c <= 0x09D7));
  }
  CHECK_FALSE(has("দক্", "ষিণপশ্চিমাঞ্চল"));
  CHECK(a.compound_splits(a.terms("ভিডিওবার্তা").at(0)).size() >= 1);
  CHECK(a.compound_splits("ঢাকা").empty());   // too short for two words of two letters
  CHECK(a.compound_splits("covid").empty());  // Bengali words only
  CHECK(a.compound_splits("5820").empty());
}

TEST_CASE("the term cache gives each word its own term, across the cache filling up", "[analyzers]") {
  // More distinct words than the cache holds (it starts afresh when full), each inflected, each
  // analysed by one analyzer again and again; a new analyzer for each word never answers from
  // its cache.
  const char* const stems[] = {"কর", "দেখ", "বল", "খেল", "পড়", "লিখ", "চল", "ধর"};
  const char* const endings[] = {"", "ে", "েছে", "বে", "ার", "ের", "েরা", "লেন"};
  std::vector<std::string> words;
  for (int n = 0; n < 2600; ++n) {
    for (const char* stem : stems) {
      for (const char* ending : endings) {
        // A different word for each n: its decimal digits spelt as letters (0 -> ক, 1 -> খ, ...).
        std::string word;
        for (int k = n; k > 0; k /= 10) word += std::string("কখগঘঙচছজঝঞ" + 3 * (k % 10), 3);
        words.push_back(word + stem + ending);
      }
    }
  }
  REQUIRE(words.size() > 150000);
  const Analyzer cached;
  for (int round = 0; round < 2; ++round) {
    for (size_t i = round; i < words.size(); i += 97) {
      const std::vector<std::string> expected = Analyzer().terms(words[i]);
      REQUIRE(cached.terms(words[i]) == expected);
      REQUIRE(cached.terms(words[i]) == expected);  // from the cache now
    }
    for (const std::string& word : words) (void)cached.terms(word);  // fills and clears the cache
  }
}
