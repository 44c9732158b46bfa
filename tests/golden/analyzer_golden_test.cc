// Data-driven analyzer tests, in the style of Xapian's stemtest:
//  - conflation.tsv: real news words in groups that must meet, stay apart, or give identical
//    terms; scored by kind against floors measured when the analyzer last changed;
//  - words.tsv / sentences.tsv: exact expected terms (and offsets) for every input.
// SONDHAN_UPDATE_GOLDEN=1 rewrites words.tsv and sentences.tsv from the current analyzer, for a
// reviewer to read as a diff.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "sondhan/analyzers/analyzer.h"
#include "test_support.h"

namespace {

using sondhan::analyzers::Analyzer;

std::vector<std::vector<std::string>> read_tsv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    rows.push_back(cols);
  }
  return rows;
}

std::vector<std::string> split_spaces(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string w;
  while (ss >> w) out.push_back(w);
  return out;
}

std::string joined_terms(const Analyzer& a, const std::string& text) {
  std::string out;
  for (const std::string& t : a.terms(text)) out += (out.empty() ? "" : " ") + t;
  return out;
}

bool update_golden() {
  const char* v = std::getenv("SONDHAN_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

std::string golden(const std::string& name) {
  return (sondhan::testing::source_dir() / "tests/golden/analyzer" / name).string();
}

}  // namespace

TEST_CASE("conflation set: groups meet, look-alikes stay apart", "[analyzers][golden]") {
  const Analyzer analyzer;
  const auto rows = read_tsv(golden("conflation.tsv"));
  REQUIRE(rows.size() >= 300);
  std::map<std::string, std::pair<int, int>> score;  // kind -> (passed, total)
  for (const auto& row : rows) {
    REQUIRE(row.size() >= 2);
    const std::string& kind = row[0];
    std::vector<std::string> terms;
    for (const std::string& word : split_spaces(row[1])) terms.push_back(joined_terms(analyzer, word));
    const std::set<std::string> distinct(terms.begin(), terms.end());
    const bool ok = kind == "apart" ? distinct.size() == terms.size()
                                    : distinct.size() == 1 && !terms[0].empty();
    ++score[kind].second;
    score[kind].first += ok;
    if (!ok) UNSCOPED_INFO(kind << ": " << row[1]);
  }
  for (const auto& [kind, s] : score) {
    WARN(kind << ": " << s.first << "/" << s.second);
  }
  // Floors: the figures measured when the analyzer last changed. Raise them with it.
  CHECK(score["meet"].first >= 179);
  CHECK(score["apart"].first >= 77);
  CHECK(score["equiv"].first >= 40);
  CHECK(score["variant"].first >= 45);
}

TEST_CASE("a word's key lets the highlighter find it by its term", "[analyzers][golden]") {
  // The highlighter analyses only the words whose word_key is a query term's (or, for a term
  // of one letter, whose first letter is): a word the key turned away would never be marked.
  const Analyzer analyzer;
  auto findable = [](const std::string& raw, const std::string& term) {
    const uint64_t word = sondhan::analyzers::word_key(raw);
    const uint64_t key = sondhan::analyzers::word_key(term);
    return word == key || (key == sondhan::analyzers::first_char_key(key) &&
                           sondhan::analyzers::first_char_key(word) == key);
  };
  // ো and ৌ written in two parts, as some keyboards and scrapers leave them.
  auto two_part_vowels = [](std::string w) {
    for (const auto& [one, two] : {std::pair<std::string, std::string>{"\u09CB", "\u09C7\u09BE"},
                                   {"\u09CC", "\u09C7\u09D7"}}) {
      for (size_t at = w.find(one); at != std::string::npos; at = w.find(one, at + two.size())) {
        w.replace(at, one.size(), two);
      }
    }
    return w;
  };
  size_t checked = 0;
  for (const auto& row : read_tsv(golden("conflation.tsv"))) {
    for (const std::string& word : split_spaces(row[1])) {
      for (const std::string& raw : {word, two_part_vowels(word)}) {
        const auto terms = analyzer.terms(raw);
        if (terms.size() != 1) continue;  // stop words; words the tokenizer splits
        INFO(raw << " -> " << terms[0]);
        CHECK(findable(raw, terms[0]));
        CHECK(findable(raw, analyzer.loose(terms[0])));
        ++checked;
      }
    }
  }
  // And every word of the golden sentences and of the bundled sample articles, read as text.
  std::vector<std::string> texts;
  for (const auto& row : read_tsv(golden("sentences.tsv"))) texts.push_back(row[0]);
  std::ifstream sample(sondhan::testing::source_dir() / "tests/data/sample.jsonl");
  for (std::string line; std::getline(sample, line);) texts.push_back(line);
  REQUIRE(texts.size() > 50);
  for (const std::string& text : texts) {
    std::vector<sondhan::analyzers::Token> tokens;
    analyzer.analyze(text, {}, &tokens);
    for (const auto& t : tokens) {
      const std::string raw = text.substr(t.begin, t.end - t.begin);
      INFO(raw << " -> " << t.term);
      CHECK(findable(raw, t.term));
      ++checked;
    }
  }
  CHECK(checked > 1000);
}

TEST_CASE("golden word -> terms", "[analyzers][golden]") {
  const Analyzer analyzer;
  if (update_golden()) {
    std::ofstream out(golden("words.tsv"));
    out << "# input<TAB>terms (sondhan-analyze output). Regenerate: SONDHAN_UPDATE_GOLDEN=1\n";
    std::set<std::string> seen;
    for (const auto& row : read_tsv(golden("conflation.tsv"))) {
      for (const std::string& word : split_spaces(row[1])) {
        if (seen.insert(word).second) out << word << '\t' << joined_terms(analyzer, word) << '\n';
      }
    }
    SUCCEED("rewrote words.tsv");
    return;
  }
  const auto rows = read_tsv(golden("words.tsv"));
  REQUIRE(rows.size() >= 300);
  for (const auto& row : rows) {
    INFO("input: " << row[0]);
    CHECK(joined_terms(analyzer, row[0]) == (row.size() > 1 ? row[1] : ""));
  }
}

TEST_CASE("golden sentences -> terms with offsets", "[analyzers][golden]") {
  const Analyzer analyzer;
  auto render = [&](const std::string& text) {
    std::vector<sondhan::analyzers::Token> tokens;
    analyzer.analyze(text, {}, &tokens);
    std::string out;
    for (const auto& t : tokens) {
      out += (out.empty() ? "" : " ") + t.term + "@" + std::to_string(t.begin) + ":" + std::to_string(t.end);
    }
    return out;
  };
  const auto rows = read_tsv(golden("sentences.tsv"));
  REQUIRE(rows.size() >= 10);
  if (update_golden()) {
    std::ofstream out(golden("sentences.tsv"));
    out << "# sentence<TAB>term@begin:end ... (byte offsets into the sentence). Regenerate: "
           "SONDHAN_UPDATE_GOLDEN=1\n";
    for (const auto& row : rows) out << row[0] << '\t' << render(row[0]) << '\n';
    SUCCEED("rewrote sentences.tsv");
    return;
  }
  for (const auto& row : rows) {
    INFO("sentence: " << row[0]);
    CHECK(render(row[0]) == (row.size() > 1 ? row[1] : ""));
  }
}

// A database records the analyzer version it was built with, and a server refuses one built
// with another (core's manifest). So any change to what the analyzer makes of text must bump
// kAnalyzerVersion: this test fingerprints its output (terms and loose forms) over every golden
// input and fails when the fingerprint changes while the version does not. SONDHAN_UPDATE_GOLDEN=1
// records a new version's fingerprint.
TEST_CASE("the analyzer's version changes whenever its output does", "[analyzers][golden]") {
  const Analyzer a;
  uint64_t hash = 14695981039346656037ULL;  // FNV-1a
  auto add = [&](const std::string& s) {
    for (const unsigned char c : s) {
      hash ^= c;
      hash *= 1099511628211ULL;
    }
    hash ^= 0xff;  // separator
    hash *= 1099511628211ULL;
  };
  size_t inputs = 0;
  for (const char* file : {"words.tsv", "sentences.tsv"}) {
    for (const auto& row : read_tsv(golden(file))) {
      add(row.at(0));
      for (const std::string& term : a.terms(row.at(0))) {
        add(term);
        add(a.loose(term));
      }
      ++inputs;
    }
  }
  for (const auto& row : read_tsv(golden("conflation.tsv"))) {
    for (const std::string& word : split_spaces(row.at(1))) {
      add(word);
      for (const std::string& term : a.terms(word)) add(term + " " + a.loose(term));
      ++inputs;
    }
  }
  REQUIRE(inputs > 1000);
  char fingerprint[20];
  std::snprintf(fingerprint, sizeof fingerprint, "%016llx", static_cast<unsigned long long>(hash));
  const std::string current = std::to_string(sondhan::analyzers::kAnalyzerVersion) + "\t" + fingerprint;

  const std::string path = golden("version.tsv");
  std::string recorded;
  for (const auto& row : read_tsv(path)) recorded = row.at(0) + "\t" + row.at(1);
  if (update_golden()) {
    std::ofstream(path) << "# kAnalyzerVersion<TAB>fingerprint of the analyzer's output over the golden inputs\n"
                        << current << "\n";
    SUCCEED("rewrote version.tsv");
    return;
  }
  INFO("recorded: " << recorded << "\nnow:      " << current);
  INFO("The analyzer's output changed: bump kAnalyzerVersion (analyzers/include/sondhan/analyzers/"
       "analyzer.h), then record it with SONDHAN_UPDATE_GOLDEN=1. Databases built before then must "
       "be rebuilt (sondhan-index --rebuild).");
  CHECK(recorded == current);
}
