#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "word_positions.h"
#include "word_terms.h"

using namespace sondhan::core;
using Lists = std::vector<std::vector<Xapian::termpos>>;

namespace {

// `words` laid out as the document builder lays out a title and a body: the title from 1, the
// body after a gap of 100; an empty word stands for a stop word (a position without a word).
std::string value_of(const std::vector<std::string>& title, const std::vector<std::string>& body) {
  PositionsWriter writer;
  Xapian::termpos offset = 0;
  for (const auto* field : {&title, &body}) {
    for (size_t i = 0; i < field->size(); ++i) {
      if (!(*field)[i].empty()) writer.add(word_term((*field)[i]), offset + static_cast<Xapian::termpos>(i) + 1);
    }
    writer.end_field(field->empty() ? offset : offset + static_cast<Xapian::termpos>(field->size()) + 1);
    if (!field->empty()) offset += static_cast<Xapian::termpos>(field->size()) + 100;
  }
  return writer.finish();
}

Lists positions_of(const std::string& value, const std::vector<std::string>& words, int field = kAnyField) {
  PositionsReader reader;
  REQUIRE(reader.parse(value));
  std::vector<uint32_t> keys;
  for (const std::string& word : words) keys.push_back(position_key(word_term(word)));
  Lists out;
  reader.positions(keys, field, &out);
  return out;
}

}  // namespace

TEST_CASE("a document's word positions read back by word and by field", "[core][positions]") {
  const std::string value = value_of({"পদ্মা", "সেতু", "", "উদ্বোধন"},
                                     {"পদ্মা", "", "আজ", "সকাল", "সেতু", "উদ্বোধন", "পদ্মা"});
  // Title: 1, 2, (stop word), 4. Body from 105: 105, (stop word), 107, 108, 109, 110, 111.
  CHECK(positions_of(value, {"পদ্মা"}) == Lists{{1, 105, 111}});
  CHECK(positions_of(value, {"সেতু", "উদ্বোধন"}) == Lists{{2, 109}, {4, 110}});
  CHECK(positions_of(value, {"পদ্মা"}, 0) == Lists{{1}});
  CHECK(positions_of(value, {"পদ্মা"}, 1) == Lists{{105, 111}});
  // A word the document lacks has none; a word asked twice is given to both.
  CHECK(positions_of(value, {"ঢাকা", "আজ", "আজ"}) == Lists{{}, {107}, {107}});
  CHECK(positions_of(value, {"সকাল"}, 5) == Lists{{}});
  // An empty title: the body is field 1 all the same.
  const std::string body_only = value_of({}, {"পদ্মা", "সেতু"});
  CHECK(positions_of(body_only, {"পদ্মা", "সেতু"}, 1) == Lists{{1}, {2}});
  CHECK(positions_of(body_only, {"পদ্মা"}, 0) == Lists{{}});
  CHECK(value_of({}, {}).empty());
}

TEST_CASE("positions survive long gaps, shared positions and documents of many words", "[core][positions]") {
  std::mt19937 random(11);
  for (const int distinct : {5, 250, 254, 300, 5000}) {
    INFO(distinct);
    std::map<std::string, std::vector<Xapian::termpos>> expected;
    PositionsWriter writer;
    Xapian::termpos position = 1;
    for (int i = 0; i < 3 * distinct; ++i) {
      const std::string word = "শব্দ" + std::to_string(random() % static_cast<unsigned>(distinct));
      const auto step = random() % 10;
      // Mostly the next position; now and then a stop word's gap, a long gap, or the same place.
      if (i > 0) position += step < 6 ? 1 : step < 8 ? 2 : step < 9 ? 1000 + random() % 100000 : 0;
      writer.add(word_term(word), position);
      auto& list = expected[word];
      if (list.empty() || list.back() != position) list.push_back(position);
    }
    writer.end_field(position + 1);
    const std::string value = writer.finish();
    PositionsReader reader;
    REQUIRE(reader.parse(value));
    std::vector<uint32_t> keys;
    Lists want;
    for (const auto& [word, list] : expected) {
      keys.push_back(position_key(word_term(word)));
      want.push_back(list);
    }
    Lists got;
    reader.positions(keys, kAnyField, &got);
    // Words that share a key (20 bits) read as one: compare only the others.
    std::map<uint32_t, int> uses;
    for (const uint32_t key : keys) ++uses[key];
    for (size_t i = 0; i < keys.size(); ++i) {
      if (uses[keys[i]] == 1) CHECK(got[i] == want[i]);
    }
  }
}

TEST_CASE("values that are not positions read as none", "[core][positions]") {
  PositionsReader reader;
  CHECK_FALSE(reader.parse(""));
  CHECK_FALSE(reader.parse("\x02"));
  CHECK_FALSE(reader.parse(std::string("\x01\x05", 2)));
  // Any truncation of a real value, and random bytes, neither crash nor read out of bounds.
  const std::string value = value_of({"পদ্মা", "সেতু"}, {"পদ্মা", "নদী", "সেতু"});
  Lists out;
  for (size_t n = 0; n < value.size(); ++n) {
    if (reader.parse(value.substr(0, n))) reader.positions({position_key(word_term("সেতু"))}, kAnyField, &out);
  }
  std::mt19937 random(5);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(1 + random() % 40, '\0');
    for (char& c : junk) c = static_cast<char>(random());
    junk[0] = '\x01';
    if (reader.parse(junk)) reader.positions({1, 2, 3}, i % 3 - 1, &out);
  }
}

TEST_CASE("phrase and proximity fits", "[core][positions]") {
  // In order, each after the one before, within the window (first to last).
  CHECK(in_order_within({{1, 10}, {2}}, 2));
  CHECK_FALSE(in_order_within({{2}, {1}}, 2));
  CHECK_FALSE(in_order_within({{1}, {3}}, 2));
  CHECK(in_order_within({{1}, {3}}, 3));  // a stop word between: "উত্তর ও দক্ষিণ"
  CHECK(in_order_within({{1, 7}, {3, 8}, {9}}, 3));
  CHECK_FALSE(in_order_within({{1, 7}, {3, 8}, {20}}, 3));
  // A repeated word takes two positions.
  CHECK(in_order_within({{4, 5}, {4, 5}}, 2));
  CHECK_FALSE(in_order_within({{4}, {4}}, 2));
  CHECK_FALSE(in_order_within({{1}, {}}, 5));
  // Near: any order, within the window, on distinct positions.
  CHECK(near_within({{10}, {3}}, 8));
  CHECK_FALSE(near_within({{11}, {3}}, 8));
  CHECK(near_within({{3, 40}, {45, 100}}, 8));
  CHECK_FALSE(near_within({{5}, {5}}, 8));
  CHECK(near_within({{5, 9}, {5, 9}}, 8));
  CHECK_FALSE(near_within({{5}, {}}, 8));
}
