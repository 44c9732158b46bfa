// Word positions kept in a value (word_positions.h) and the phrase and proximity filter over them
// (position_filter.h): checked against a plain reference on random articles, on articles of many
// words, on damaged values, and through Xapian's matcher in one shard and several.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <xapian.h>

#include "position_filter.h"
#include "sondhan/core/schema.h"
#include "word_positions.h"
#include "word_terms.h"

using sondhan::core::PositionMatcher;
using sondhan::core::PositionPattern;
using sondhan::core::WordPositionsBuilder;

namespace {

// An article as the builder takes it: each field's words by position (1-based; "" = a stop word).
struct TestArticle {
  std::vector<std::vector<std::string>> fields;
};

std::string encode(const TestArticle& a) {
  WordPositionsBuilder b;
  for (size_t f = 0; f < a.fields.size(); ++f) {
    for (size_t i = 0; i < a.fields[f].size(); ++i) {
      if (!a.fields[f][i].empty()) b.add(static_cast<int>(f), static_cast<uint32_t>(i + 1), a.fields[f][i]);
    }
  }
  return b.finish();
}

bool matches(const PositionPattern& p, const TestArticle& a) {
  PositionMatcher::Scratch scratch;
  return PositionMatcher(p).matches(encode(a), &scratch);
}

PositionPattern phrase(std::vector<std::string> words, uint32_t window, int field = -1) {
  PositionPattern p;
  p.in_order = true;
  p.window = window;
  p.field = field;
  p.stems = std::move(words);
  return p;
}

PositionPattern near(std::vector<std::string> words, uint32_t window) {
  PositionPattern p = phrase(std::move(words), window);
  p.in_order = false;
  return p;
}

// The reference: every way of giving each pattern word its own position in one field.
bool reference(const PositionPattern& p, const TestArticle& a) {
  for (size_t f = 0; f < a.fields.size(); ++f) {
    if (p.field >= 0 && static_cast<size_t>(p.field) != f) continue;
    const std::vector<std::string>& words = a.fields[f];
    std::vector<size_t> chosen;
    // Depth-first over the pattern's words; positions distinct, in order for a phrase.
    const auto search = [&](auto&& self, size_t k) -> bool {
      if (k == p.stems.size()) {
        const auto [lo, hi] = std::minmax_element(chosen.begin(), chosen.end());
        return *hi - *lo + 1 <= p.window;
      }
      for (size_t i = 0; i < words.size(); ++i) {
        if (words[i] != p.stems[k]) continue;
        if (std::find(chosen.begin(), chosen.end(), i) != chosen.end()) continue;
        if (p.in_order && k > 0 && i <= chosen.back()) continue;
        chosen.push_back(i);
        if (self(self, k + 1)) return true;
        chosen.pop_back();
      }
      return false;
    };
    if (search(search, 0)) return true;
  }
  return false;
}

bool has_all(const PositionPattern& p, const TestArticle& a) {
  for (const std::string& w : p.stems) {
    bool found = false;
    for (const auto& field : a.fields) found = found || std::find(field.begin(), field.end(), w) != field.end();
    if (!found) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("word positions: phrases in order, near in any order, within a window and a field",
          "[core][positions]") {
  const TestArticle a{{{"উত্তর", "কোরিয়া", "সেনা"}, {"সীমান্তে", "", "উত্তর", "", "", "কোরিয়া", "উত্তর"}}};
  CHECK(matches(phrase({"উত্তর", "কোরিয়া"}, 2), a));
  CHECK(matches(phrase({"কোরিয়া", "উত্তর"}, 2), a));  // the body's 6 and 7
  CHECK_FALSE(matches(phrase({"কোরিয়া", "উত্তর"}, 2, 0), a));
  CHECK_FALSE(matches(phrase({"কোরিয়া", "সেনা", "সীমান্তে"}, 10), a));  // title's end, body's start
  CHECK(matches(phrase({"উত্তর", "কোরিয়া", "সেনা"}, 3, 0), a));
  CHECK_FALSE(matches(phrase({"উত্তর", "কোরিয়া", "সেনা"}, 3, 1), a));
  CHECK(matches(phrase({"সীমান্তে", "উত্তর"}, 3), a));       // a stop word between
  CHECK_FALSE(matches(phrase({"সীমান্তে", "উত্তর"}, 2), a));
  CHECK(matches(near({"কোরিয়া", "সীমান্তে"}, 6), a));
  CHECK_FALSE(matches(near({"কোরিয়া", "সীমান্তে"}, 5), a));
  CHECK(matches(near({"উত্তর", "উত্তর"}, 5), a));           // the same word twice: two places
  CHECK_FALSE(matches(near({"সেনা", "সেনা"}, 5), a));
  CHECK_FALSE(matches(phrase({"উত্তর", "ঢাকা"}, 5), a));     // a word it does not have
  CHECK(encode(TestArticle{{{"", ""}}}).empty());
}

TEST_CASE("word positions: random articles agree with a plain search of every placement",
          "[core][positions]") {
  std::mt19937 rng(20261205);
  const std::vector<std::string> vocabulary = {"ক", "খ", "গ", "ঘ", "ঙ", "চ", ""};
  for (int round = 0; round < 3000; ++round) {
    TestArticle a;
    a.fields.resize(1 + rng() % 2);
    for (auto& field : a.fields) {
      field.resize(rng() % 12);
      for (auto& w : field) w = vocabulary[rng() % vocabulary.size()];
    }
    PositionPattern p;
    p.in_order = rng() % 2 == 0;
    p.window = 2 + rng() % 6;
    p.field = static_cast<int>(rng() % 3) - 1;
    p.stems.resize(2 + rng() % 2);
    for (auto& w : p.stems) w = vocabulary[rng() % (vocabulary.size() - 1)];
    if (!has_all(p, a)) continue;  // the filter's callers guarantee every word (position_filter.h)
    INFO("round " << round);
    CHECK(matches(p, a) == reference(p, a));
  }
}

TEST_CASE("word positions: an article of many distinct words keeps every one apart",
          "[core][positions]") {
  TestArticle a{{{}}};
  for (int i = 0; i < 40000; ++i) a.fields[0].push_back("w" + std::to_string(i));
  const std::string value = encode(a);
  CHECK(value.size() < 40000 * 8);
  PositionMatcher::Scratch scratch;
  for (int i = 0; i + 1 < 40000; i += 997) {
    const std::string x = "w" + std::to_string(i), y = "w" + std::to_string(i + 1);
    CHECK(PositionMatcher(phrase({x, y}, 2)).matches(value, &scratch));
    CHECK_FALSE(PositionMatcher(phrase({y, x}, 2)).matches(value, &scratch));
  }
}

TEST_CASE("word positions: a damaged value matches nothing and reads nothing outside it",
          "[core][positions]") {
  const TestArticle a{{{"উত্তর", "কোরিয়া", "সেনা"}, {"সীমান্তে", "", "উত্তর", "কোরিয়া"}}};
  const std::string value = encode(a);
  const PositionMatcher m(phrase({"উত্তর", "কোরিয়া"}, 2));
  PositionMatcher::Scratch scratch;
  REQUIRE(m.matches(value, &scratch));
  for (size_t n = 0; n < value.size(); ++n) CHECK_FALSE(m.matches(value.substr(0, n), &scratch));
  std::mt19937 rng(7);
  for (int round = 0; round < 20000; ++round) {
    std::string damaged = value;
    for (int k = 0; k < 3; ++k) damaged[rng() % damaged.size()] = static_cast<char>(rng());
    (void)m.matches(damaged, &scratch);  // any answer, but no read past the end (ASan, fuzz builds)
  }
  std::string other = value;
  other[0] = 9;  // another format
  CHECK_FALSE(m.matches(other, &scratch));
}

TEST_CASE("position filter: Xapian finds the phrases, alone, ANDed and across shards", "[core][positions]") {
  using sondhan::core::kPositionsSlot;
  using sondhan::core::word_term;
  // Article i of shard s: the body "ক খ" when i is a multiple of 3, "খ ক" otherwise.
  const auto shard = [&](int count) {
    Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
    for (int i = 0; i < count; ++i) {
      const std::vector<std::string> words = i % 3 == 0 ? std::vector<std::string>{"ক", "খ"}
                                                        : std::vector<std::string>{"খ", "ক"};
      Xapian::Document doc;
      WordPositionsBuilder b;
      for (size_t k = 0; k < words.size(); ++k) {
        doc.add_term(word_term(words[k]));
        b.add(1, static_cast<uint32_t>(k + 1), words[k]);
      }
      doc.add_value(static_cast<Xapian::valueno>(kPositionsSlot), b.finish());
      db.add_document(doc);
    }
    db.commit();
    return db;
  };
  Xapian::WritableDatabase one = shard(30), two = shard(7);
  Xapian::Database both(one);
  both.add_database(two);
  const auto count = [](const Xapian::Database& db, const Xapian::Query& q) {
    Xapian::Enquire enquire(db);
    enquire.set_query(q);
    return enquire.get_mset(0, 1000).size();
  };
  const PositionPattern p = phrase({"ক", "খ"}, 2);
  CHECK(count(one, sondhan::core::positions_query(p, "")) == 10);
  CHECK(count(one, sondhan::core::positions_filter(p, "")) == 10);  // the filter drives: next()
  CHECK(count(both, sondhan::core::positions_query(p, "")) == 13);
  CHECK(count(both, sondhan::core::positions_filter(p, "")) == 13);
  CHECK(count(both, Xapian::Query(Xapian::Query::OP_AND_NOT, Xapian::Query::MatchAll,
                                  sondhan::core::positions_query(p, ""))) == 24);
  CHECK(count(both, sondhan::core::positions_query(phrase({"খ", "ক"}, 2), "")) == 24);
  CHECK(count(both, sondhan::core::positions_query(near({"খ", "ক"}, 2), "")) == 37);
  CHECK(count(both, sondhan::core::positions_query(phrase({"ক", "খ"}, 2, 0), "")) == 0);  // not in field 0
}
