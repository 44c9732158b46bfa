// Golden query parsing, in the style of Xapian's api_queryparser: each line of
// tests/golden/query/queries.tsv is a query and the Xapian query it must become with the
// default configuration. SONDHAN_UPDATE_GOLDEN=1 rewrites the expectations.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include "sondhan/core/query_builder.h"
#include "test_support.h"

TEST_CASE("golden queries -> Xapian queries", "[core][golden]") {
  const std::string path = (sondhan::testing::source_dir() / "tests/golden/query/queries.tsv").string();
  std::ifstream in(path);
  REQUIRE(in);
  std::vector<std::pair<std::string, std::string>> rows;
  std::string header, line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '#') {
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
  auto describe = [&](const std::string& q) {
    auto parsed = builder.parse(q);
    return parsed.is_ok() ? parsed->query.get_description() : "ERROR " + parsed.status().message();
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
