#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "sondhan/analyzers/analyzer.h"
#include "sondhan/analyzers/numbers.h"

using sondhan::analyzers::Analyzer;
using sondhan::analyzers::number_value;

namespace {
// What a query word is looked up by: its term.
std::string value_of(const std::string& word) {
  static const Analyzer a;
  const auto terms = a.terms(word);
  return terms.size() == 1 ? number_value(terms[0]) : "none";
}
}  // namespace

TEST_CASE("number words give the digits the index holds for ৩ and 3", "[analyzers][numbers]") {
  static const Analyzer a;
  CHECK(a.terms("৩ পুলিশ")[0] == "3");  // what the digits must equal
  CHECK(value_of("তিন") == "3");
  CHECK(value_of("চৌদ্দটি") == "14");
  CHECK(value_of("পাঁচজন") == "5");
  CHECK(value_of("ষোলজনের") == "16");
  CHECK(value_of("দশটা") == "10");
  CHECK(value_of("তিরিশ") == "30");
  CHECK(value_of("ত্রিশ") == "30");
  CHECK(value_of("পঁয়ষট্টি") == "65");
  CHECK(value_of("নিরানব্বই") == "99");
  CHECK(value_of("দুইশ") == "200");
  CHECK(value_of("বারোশো") == "1200");
  CHECK(value_of("একশো") == "100");
  // Spelling variants and decomposed input reach the same term.
  CHECK(value_of("পনের") == "15");
  CHECK(value_of("পনেরো") == "15");
  CHECK(value_of("ছ\u09DF") == "6");        // য় as one code point
  CHECK(value_of("ছ\u09AF\u09BC") == "6");  // and as য + nukta
  CHECK(value_of("পাঁ\u200Cচ") == "5");      // a zero-width non-joiner inside
}

TEST_CASE("words that only look like numbers, or are mostly something else, have no value",
          "[analyzers][numbers]") {
  CHECK(value_of("বার").empty());     // "time(s)", also an old spelling of 12
  CHECK(value_of("একটি").empty());    // "a"
  CHECK(value_of("একজন").empty());
  CHECK(value_of("পুলিশ").empty());
  CHECK(value_of("দশক").empty());     // decade
  CHECK(value_of("চারপাশে").empty());
  CHECK(number_value("3").empty());   // digits are already digits
}

TEST_CASE("numbers in the thousands as news text writes them out", "[analyzers][numbers]") {
  using sondhan::analyzers::thousands_terms;
  static const Analyzer a;
  auto terms_of = [&](const std::string& text) { return a.terms(text); };
  CHECK(thousands_terms(terms_of("5820")[0]) == terms_of("৫ হাজার ৮২০"));
  CHECK(thousands_terms(terms_of("৫,৮২০")[0]) == terms_of("৫ হাজার ৮২০"));
  CHECK(thousands_terms("11000") == terms_of("১১ হাজার"));
  CHECK(thousands_terms("26738") == terms_of("২৬ হাজার ৭৩৮"));
  CHECK(thousands_terms("1006") == terms_of("১ হাজার ৬"));
  // Not in the thousands, not a whole number, or not digits: nothing.
  CHECK(thousands_terms("999").empty());
  CHECK(thousands_terms("2023").empty());  // a year
  CHECK(thousands_terms("1899") == terms_of("১ হাজার ৮৯৯"));
  CHECK(thousands_terms("100000").empty());
  CHECK(thousands_terms("3.5").empty());
  CHECK(thousands_terms("0123").empty());
  CHECK(thousands_terms("covid19").empty());
}

TEST_CASE("numbers written out in thousands are read back as their values", "[analyzers][numbers]") {
  using sondhan::analyzers::spoken_thousands;
  using sondhan::analyzers::thousands_terms;
  static const Analyzer a;
  auto read = [&](const std::string& text) {
    const std::vector<std::string> t = a.terms(text);
    return spoken_thousands(t.at(0), t.at(1), t.size() > 2 ? t[2] : "");
  };
  using Values = std::vector<std::string>;
  CHECK(read("৫ হাজার ৮২০") == Values{"5000", "5820"});
  CHECK(read("১১ হাজার") == Values{"11000"});
  CHECK(read("৫ হাজার টাকা") == Values{"5000"});
  CHECK(read("১ হাজার ৯৮০") == Values{"1000"});  // 1980 is a year, and so is 2000
  CHECK(read("২ হাজার টাকা").empty());
  CHECK(read("১০০ হাজার").empty());
  CHECK(read("৫ লাখ ৮২০").empty());
  // Every number that thousands_terms() writes out reads back as itself.
  for (int value = 1000; value < 100000; ++value) {
    const std::string digits = std::to_string(value);
    const std::vector<std::string> terms = thousands_terms(digits);
    if (terms.empty()) continue;
    const Values values = spoken_thousands(terms[0], terms[1], terms.size() > 2 ? terms[2] : "");
    CHECK(std::find(values.begin(), values.end(), digits) != values.end());
  }
}
