#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "document_builder.h"
#include "word_terms.h"

using namespace sondhan::core;

TEST_CASE("words are stored one byte a Bengali letter, and read back as written", "[core][terms]") {
  // Conjuncts, vowel signs, khanda ta, Bengali digits, the sandhi mark: each letter one byte.
  for (const std::string word : {"কোরিয়া", "প্রধানমন্ত্রী", "উৎসব", "৫৮২০", "সেনা", "\u09FE", "ঀ"}) {
    const std::string term = word_term(word);
    CHECK(term.size() * 3 == word.size());
    CHECK(word_of_term(term) == word);
  }
  // ASCII and prefixes stay as they are; other characters are escaped and come back.
  CHECK(word_term("XP", "covid19") == "XPcovid19");
  for (const std::string word : {"café", "हिन्दी", "ঢাকা-ঠাকুর", "a\u200Cb", "😀ক", "\u0984", "ক\u0984খ"}) {
    CHECK(word_of_term(word_term("S", word)) == "S" + word);
  }
  // U+0984 is unassigned, and is the escape: it is never one byte.
  CHECK(word_term("\u0984").size() == 4);
}

TEST_CASE("a word's prefix spells a prefix of its term, so prefix scans find it", "[core][terms]") {
  const std::string word = "উত্তরকোরিয়া";
  size_t at = 0;
  while (at < word.size()) {
    at += 3;  // each of these characters is three bytes
    const std::string head = word_term("XW", word.substr(0, at));
    CHECK(word_term("XW", word).compare(0, head.size(), head) == 0);
  }
}

TEST_CASE("any bytes survive the index spelling, distinct strings stay distinct", "[core][terms]") {
  std::mt19937 random(7);
  const std::vector<std::string> pieces = {"ক", "া", "\xE0\xA6", "\xE0", "\xA6\x95", "\x84", "\xC3\xA9", "\xF0\x9F",
                                           "a", "\x80", "\xFF", "\xE0\xA7\xBF", "\xE0\xA6\x84", "ঁ"};
  std::map<std::string, std::string> word_of;  // term -> the word it spells
  for (int n = 0; n < 5000; ++n) {
    std::string word;
    const int length = static_cast<int>(random() % 6);
    for (int i = 0; i < length; ++i) word += pieces[random() % pieces.size()];
    const std::string term = word_term({}, word, 1000);
    INFO("word bytes: " << word.size());
    CHECK(word_of_term(term) == word);
    CHECK(word_of.emplace(term, word).first->second == word);
  }
  CHECK(word_of.size() > 1000);
}

TEST_CASE("a long word is cut at a character to fit Xapian's term limit", "[core][terms]") {
  std::string word;
  for (int i = 0; i < 100; ++i) word += "কé";  // 100 one-byte letters and 100 three-byte escapes
  const std::string term = word_term("XW", word);
  CHECK(term.size() <= kMaxXapianTermBytes);
  CHECK(term.size() > kMaxXapianTermBytes - 4);
  const std::string back = word_of_term(term);
  CHECK(word.compare(0, back.size() - 2, back.substr(2)) == 0);
  CHECK(back.substr(0, 2) == "XW");
  CHECK(word_term(word_of_term(term).substr(2)) == term.substr(2));
}

TEST_CASE("filter values, fallbacks and spelling keys are spelt as words", "[core][terms]") {
  const sondhan::analyzers::Analyzer analyzer;
  CHECK(word_of_term(filter_term(analyzer, "XS", "প্রথম আলো")) == "XSপ্রথম আলো");
  CHECK(word_of_term(spelling_key("গরিব")) == "XLগরিব");
  CHECK(spelling_key("গরিব").size() == 2 + 4);
  CHECK(word_of_term(prefix_term("প্রধানমন্ত্রী", 4)) == "XPপ্রধান");
}
