// The schema: its rows are consistent with each other, and the API docs' field table is made
// from it (SONDHAN_UPDATE_GOLDEN=1 rewrites the table in docs/api.md).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "sondhan/core/schema.h"
#include "test_support.h"

using namespace sondhan::core;

TEST_CASE("schema rows do not collide", "[core][schema]") {
  std::set<std::string_view> names, filter_names, prefixes;
  std::set<int> slots;
  for (const Field& f : schema()) {
    INFO(f.name);
    CHECK(names.insert(f.name).second);
    CHECK_FALSE(f.description.empty());
    if (!f.filter_name.empty()) CHECK(filter_names.insert(f.filter_name).second);
    if (!f.prefix.empty()) CHECK(prefixes.insert(f.prefix).second);
    for (int slot : {f.slot, f.sort_slot}) {
      if (slot >= 0) CHECK(slots.insert(slot).second);
    }
    if (f.filter) CHECK_FALSE(f.prefix.empty());
    if (f.filter || f.facet) CHECK_FALSE(f.filter_name.empty());
    if (f.facet) CHECK(f.slot >= 0);
    if (f.suggest) CHECK(f.kind == FieldKind::kText);
    // Prefixes of index terms that belong to no field (index_layout.h) stay free.
    for (const char* taken : {"XP", "XW", "XL"}) CHECK(f.prefix != taken);
  }
  // A prefix must not be the start of another one: XA and XAB would share terms.
  for (std::string_view a : prefixes) {
    for (std::string_view b : prefixes) {
      if (a != b) CHECK_FALSE(b.substr(0, a.size()) == a);
    }
  }
  REQUIRE(find_field("id") != nullptr);
  CHECK(find_field("id")->kind == FieldKind::kId);
  CHECK(find_filter("tag") == find_field("tags"));
  CHECK(id_term("x") == std::string(find_field("id")->prefix) + "x");
  CHECK(facet_names() == std::vector<std::string>{"source", "category", "edition", "author", "tag",
                                                  "year", "month"});
}

TEST_CASE("the API docs' field table is the schema's", "[core][schema][golden]") {
  const std::string path = (sondhan::testing::source_dir() / "docs/api.md").string();
  const std::string doc = sondhan::testing::read_file(path);
  const std::string begin = "<!-- fields: made from core's schema by tests/unit/core/schema_test.cc -->\n";
  const std::string end = "<!-- /fields -->";
  const size_t from = doc.find(begin);
  const size_t to = doc.find(end);
  REQUIRE(from != std::string::npos);
  REQUIRE(to != std::string::npos);
  const std::string table = doc.substr(from + begin.size(), to - from - begin.size());
  const char* update = std::getenv("SONDHAN_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(path) << doc.substr(0, from + begin.size()) << schema_markdown() << doc.substr(to);
    SUCCEED("rewrote the field table of docs/api.md");
    return;
  }
  CHECK(table == schema_markdown());
}
