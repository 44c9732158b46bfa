// The number words, written for sondhan from Bengali grammar: the cardinals have irregular
// forms up to 99 (একুশ 21, বিয়াল্লিশ 42, নিরানব্বই 99), several with two current spellings
// (পনেরো/পনের, ত্রিশ/তিরিশ, ঊনত্রিশ/উনত্রিশ). Each is looked up by the term the analyzer makes
// of it, so the table follows normalization and stemming.
#include "sondhan/analyzers/numbers.h"

#include <unordered_map>
#include <utility>

#include "sondhan/analyzers/analyzer.h"

namespace sondhan::analyzers {
namespace {

struct NumberWord {
  const char* word;
  int value;
};

// 2-99 (not 1: see numbers.h), every spelling in use.
constexpr NumberWord kCardinals[] = {
    {"দুই", 2}, {"দু", 2}, {"তিন", 3}, {"চার", 4}, {"পাঁচ", 5}, {"ছয়", 6}, {"সাত", 7}, {"আট", 8},
    {"দশ", 10}, {"এগারো", 11}, {"এগার", 11}, {"বারো", 12}, {"তেরো", 13}, {"তের", 13},
    {"চৌদ্দ", 14}, {"চোদ্দ", 14}, {"পনেরো", 15}, {"পনের", 15}, {"ষোলো", 16}, {"ষোল", 16},
    {"সতেরো", 17}, {"সতের", 17}, {"আঠারো", 18}, {"আঠার", 18}, {"উনিশ", 19}, {"বিশ", 20},
    {"কুড়ি", 20}, {"একুশ", 21}, {"বাইশ", 22}, {"তেইশ", 23}, {"চব্বিশ", 24}, {"পঁচিশ", 25},
    {"ছাব্বিশ", 26}, {"সাতাশ", 27}, {"আটাশ", 28}, {"ঊনত্রিশ", 29}, {"উনত্রিশ", 29}, {"ত্রিশ", 30},
    {"তিরিশ", 30}, {"একত্রিশ", 31}, {"বত্রিশ", 32}, {"তেত্রিশ", 33}, {"চৌত্রিশ", 34},
    {"পঁয়ত্রিশ", 35}, {"ছত্রিশ", 36}, {"সাঁইত্রিশ", 37}, {"আটত্রিশ", 38}, {"ঊনচল্লিশ", 39},
    {"উনচল্লিশ", 39}, {"চল্লিশ", 40}, {"একচল্লিশ", 41}, {"বিয়াল্লিশ", 42}, {"তেতাল্লিশ", 43},
    {"চুয়াল্লিশ", 44}, {"পঁয়তাল্লিশ", 45}, {"ছেচল্লিশ", 46}, {"সাতচল্লিশ", 47}, {"আটচল্লিশ", 48},
    {"ঊনপঞ্চাশ", 49}, {"উনপঞ্চাশ", 49}, {"পঞ্চাশ", 50}, {"একান্ন", 51}, {"বাহান্ন", 52},
    {"বায়ান্ন", 52}, {"তিপ্পান্ন", 53}, {"চুয়ান্ন", 54}, {"পঞ্চান্ন", 55}, {"ছাপ্পান্ন", 56},
    {"সাতান্ন", 57}, {"আটান্ন", 58}, {"ঊনষাট", 59}, {"উনষাট", 59}, {"ষাট", 60}, {"একষট্টি", 61},
    {"বাষট্টি", 62}, {"তেষট্টি", 63}, {"চৌষট্টি", 64}, {"পঁয়ষট্টি", 65}, {"ছেষট্টি", 66},
    {"সাতষট্টি", 67}, {"আটষট্টি", 68}, {"ঊনসত্তর", 69}, {"উনসত্তর", 69}, {"সত্তর", 70},
    {"একাত্তর", 71}, {"বাহাত্তর", 72}, {"তিয়াত্তর", 73}, {"চুয়াত্তর", 74}, {"পঁচাত্তর", 75},
    {"ছিয়াত্তর", 76}, {"সাতাত্তর", 77}, {"আটাত্তর", 78}, {"ঊনআশি", 79}, {"উনআশি", 79},
    {"আশি", 80}, {"একাশি", 81}, {"বিরাশি", 82}, {"তিরাশি", 83}, {"চুরাশি", 84}, {"পঁচাশি", 85},
    {"ছিয়াশি", 86}, {"সাতাশি", 87}, {"আটাশি", 88}, {"ঊননব্বই", 89}, {"উননব্বই", 89},
    {"নব্বই", 90}, {"একানব্বই", 91}, {"বিরানব্বই", 92}, {"তিরানব্বই", 93}, {"চুরানব্বই", 94},
    {"পঁচানব্বই", 95}, {"ছিয়ানব্বই", 96}, {"সাতানব্বই", 97}, {"আটানব্বই", 98}, {"নিরানব্বই", 99},
};

// Counting words written onto a number (পাঁচজন, চৌদ্দটি, দশটা): the article prints the digits
// with the same word, or with another, so only the number is matched.
constexpr const char* kCounters[] = {"জন", "টি", "টা"};
// Hundreds: দুইশ, দুশো, বারোশো (1,200), একশ.
constexpr const char* kHundreds[] = {"শ", "শো", "শত"};

using Table = std::unordered_map<std::string, std::string>;

void add(const Analyzer& analyzer, const std::string& word, int value, Table* table) {
  const std::string term = analyzer.term_of(word, TokenKind::kWord);
  // A form that is a stop word, or that the stemmer leaves as something else's term, is not
  // added: try_emplace keeps the first (the plain cardinal) when two forms meet.
  if (!term.empty()) table->try_emplace(term, std::to_string(value));
}

const Table& table() {
  // Its own analyzer: an Analyzer caches the terms it makes, so it is not shared across threads.
  static const Table words = [] {
    const Analyzer a;
    Table t;
    for (const NumberWord& n : kCardinals) add(a, n.word, n.value, &t);
    for (const NumberWord& n : kCardinals) {
      for (const char* counter : kCounters) add(a, std::string(n.word) + counter, n.value, &t);
    }
    for (const char* hundred : kHundreds) {
      add(a, std::string("এক") + hundred, 100, &t);
      for (const NumberWord& n : kCardinals) {
        if (n.value < 20) add(a, std::string(n.word) + hundred, n.value * 100, &t);
      }
    }
    return t;
  }();
  return words;
}

}  // namespace

std::string number_value(std::string_view term) {
  const Table& t = table();
  auto it = t.find(std::string(term));
  return it == t.end() ? std::string() : it->second;
}

namespace {

const std::string& thousand_term() {
  static const std::string thousand = Analyzer().term_of("হাজার", TokenKind::kWord);
  return thousand;
}

// 1900-2099 is a year, which news text prints in digits.
bool is_year(int value) { return value >= 1900 && value < 2100; }

// The value of `term` when it is 1 to `max_digits` ASCII digits without a leading zero, else -1.
int small_number(std::string_view term, size_t max_digits) {
  if (term.empty() || term.size() > max_digits || term.front() == '0') return -1;
  int value = 0;
  for (const char c : term) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

std::vector<std::string> spoken_thousands(std::string_view count, std::string_view thousand, std::string_view rest) {
  const int thousands = small_number(count, 2);
  if (thousands < 1 || thousand != thousand_term()) return {};
  std::vector<std::string> values;
  if (!is_year(thousands * 1000)) values.push_back(std::to_string(thousands * 1000));
  if (const int more = small_number(rest, 3); more >= 1 && !is_year(thousands * 1000 + more)) {
    values.push_back(std::to_string(thousands * 1000 + more));
  }
  return values;
}

std::vector<std::string> thousands_terms(std::string_view term) {
  if (term.size() < 4) return {};
  const int value = small_number(term, 5);
  if (value < 0 || is_year(value)) return {};
  std::vector<std::string> terms{std::to_string(value / 1000), thousand_term()};
  if (value % 1000 != 0) terms.push_back(std::to_string(value % 1000));
  return terms;
}

}  // namespace sondhan::analyzers
