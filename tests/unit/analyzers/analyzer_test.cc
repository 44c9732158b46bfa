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
