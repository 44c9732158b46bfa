// Golden query parsing, in the style of Xapian's api_queryparser: each line of
// tests/golden/query/queries.tsv is a query and the Xapian query it must become with the
// default configuration. SONDHAN_UPDATE_GOLDEN=1 rewrites the expectations.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include "document_builder.h"
#include "query_builder.h"
#include "test_support.h"

TEST_CASE("golden queries -> Xapian queries", "[core][golden]") {
  const std::string path = (sondhan::testing::source_dir() / "tests/golden/query/queries.tsv").string();
  std::ifstream in(path);
  REQUIRE(in);
  std::vector<std::pair<std::string, std::string>> rows;
  std::string header, line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      header += line + "\n";
      continue;
    }
    const size_t tab = line.find('\t');
    rows.emplace_back(line.substr(0, tab), tab == std::string::npos ? "" : line.substr(tab + 1));
  }
  REQUIRE(rows.size() >= 30);

  const sondhan::analyzers::Analyzer analyzer;
  const sondhan::core::Config config;
  const sondhan::core::QueryBuilder builder(analyzer, config);
  // Stands in for the index's synonym table: these spellings were seen, and are filed as the
  // writer files them (a stem under its loose form's key, when the two differ).
  std::map<std::string, std::set<std::string>> table;
  for (const char* word : {"গরীব", "গরিব", "সরকারী", "সরকারি", "মানুষ", "বাজেট", "কোরিয়া"}) {
    std::vector<sondhan::analyzers::Token> tokens;
    analyzer.analyze(word, {}, &tokens);
    const std::string& stem = tokens.at(0).term;
    if (std::string key = sondhan::core::filing_key(analyzer, stem); !key.empty()) table[key].insert(stem);
  }
  const sondhan::core::VariantLookup variants = [&](const std::string& key, std::vector<std::string>* stems) {
    if (auto it = table.find(key); it != table.end()) stems->assign(it->second.begin(), it->second.end());
  };
  auto describe = [&](const std::string& q) {
    auto parsed = builder.parse(q, variants);
    return parsed.is_ok() ? sondhan::core::readable_description(parsed->with_proximity()) : "ERROR " + parsed.status().message();
  };
  const char* update = std::getenv("SONDHAN_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream out(path);
    out << header;
    for (const auto& [q, expected] : rows) out << q << '\t' << describe(q) << '\n';
    SUCCEED("rewrote queries.tsv");
    return;
  }
  for (const auto& [q, expected] : rows) {
    INFO("query: " << q);
    CHECK(describe(q) == expected);
  }
}
