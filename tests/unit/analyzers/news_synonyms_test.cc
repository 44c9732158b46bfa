#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>
#include <string>

#include "sondhan/analyzers/analyzer.h"
#include "sondhan/analyzers/news_synonyms.h"

using sondhan::analyzers::Analyzer;

namespace {

// Each group's words as terms; fails the test for a word that is not one searchable term, and
// for a group whose words the analyzer already makes one (the entry would do nothing).
std::vector<std::set<std::string>> terms_of(const std::vector<std::string_view>& groups) {
  static const Analyzer a;
  std::vector<std::set<std::string>> out;
  for (std::string_view group : groups) {
    std::set<std::string> terms;
    std::istringstream words{std::string(group)};
    for (std::string word; words >> word;) {
      INFO(group << ": " << word);
      const std::vector<std::string> t = a.terms(word);
      REQUIRE(t.size() == 1);  // not a stop word, not split in two
      terms.insert(t[0]);
    }
    INFO(group);
    CHECK(terms.size() >= 2);
    out.push_back(std::move(terms));
  }
  return out;
}

}  // namespace

TEST_CASE("built-in synonym groups: every word one term, no group folded away by the analyzer",
          "[analyzers][synonyms]") {
  const auto spellings = terms_of(sondhan::analyzers::spelling_groups());
  const auto paraphrases = terms_of(sondhan::analyzers::paraphrase_groups());
  // A term in two spelling groups would join two words that are not spellings of each other.
  std::map<std::string, int> seen;
  for (const auto& group : spellings) {
    for (const std::string& term : group) {
      INFO(term);
      CHECK(++seen[term] == 1);
    }
  }
  CHECK(spellings.size() >= 20);
  CHECK(paraphrases.size() >= 40);
}
