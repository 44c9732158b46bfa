// Fuzz target: the query language. QueryBuilder::parse must turn any bytes into a query or a
// kInvalidArgument, never throw or crash; a parsed query must describe itself and hold only
// terms Xapian can look up. The builder is internal to core: this target reaches into core/src
// as core's own tests do.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

#include "fuzz_check.h"
#include "query_builder.h"
#include "sondhan/analyzers/analyzer.h"
#include "sondhan/core/config.h"

namespace {

using namespace sondhan;

// Xapian's glass backend refuses longer terms.
constexpr size_t kMaxXapianTermBytes = 245;

const analyzers::Analyzer& analyzer() {
  static const analyzers::Analyzer instance;
  return instance;
}

// The default configuration with positions kept `where` ("table" or "compact").
core::Config positions_in(const char* where) {
  core::Config config;
  config.index.positions = where;
  return config;
}

// Positions in Xapian's table, and in a value (position_filter.h).
const core::QueryBuilder& builder() {
  static const core::QueryBuilder instance(analyzer(), positions_in("table"));
  return instance;
}
const core::QueryBuilder& compact_builder() {
  static const core::QueryBuilder instance(analyzer(), positions_in("compact"));
  return instance;
}

/// Stands in for the synonym table: a key gets 0 to 19 stems (more than the builder keeps), the
/// first of them its own loose form, so that both the cut and the expansion are exercised.
void variants(const std::string& key, std::vector<std::string>* stems) {
  const size_t n = key.size() % 20;
  for (size_t i = 0; i < n; ++i) {
    stems->push_back(i == 0 && key.size() > 2 ? key.substr(2) : "বিকল্প" + std::to_string(i));
  }
}

/// Stands in for the article counts: anything from 0 to 99, so that compounds are split.
Xapian::doccount frequency(const std::string& term) {
  return static_cast<Xapian::doccount>(std::hash<std::string>{}(term) % 100);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const core::VariantLookup lookup = variants;
  const core::TermFrequency counts = frequency;
  // Anything thrown escapes to libFuzzer (and terminates the replay): a finding either way.
  const auto parsed = builder().parse(text, lookup, counts);
  if (!parsed.is_ok()) {
    SONDHAN_FUZZ_CHECK(parsed.status().code() == core::Code::kInvalidArgument);
    SONDHAN_FUZZ_CHECK(!parsed.status().message().empty());
    SONDHAN_FUZZ_CHECK(fuzz::well_formed_utf8(parsed.status().message()) || !fuzz::well_formed_utf8(text));
    return 0;
  }
  SONDHAN_FUZZ_CHECK(fuzz::well_formed_utf8(text));
  const Xapian::Query& query = parsed->query;
  SONDHAN_FUZZ_CHECK(!query.get_description().empty());
  for (auto it = query.get_unique_terms_begin(); it != query.get_unique_terms_end(); ++it) {
    SONDHAN_FUZZ_CHECK((*it).size() <= kMaxXapianTermBytes);
  }
  SONDHAN_FUZZ_CHECK(parsed->has_text == !parsed->highlight.empty());
  for (const std::string& term : parsed->highlight) {
    SONDHAN_FUZZ_CHECK(!term.empty() && term.size() <= analyzers::kMaxTermBytes);
    SONDHAN_FUZZ_CHECK(fuzz::well_formed_utf8(term));
  }
  // The same text parses to the same query (the analyzer's term cache is warm the second time).
  SONDHAN_FUZZ_CHECK(builder().parse(text, lookup, counts)->query.get_description() == query.get_description());
  // With positions in a value: the same words, and deferred checks only for a query that has
  // phrases (a position filter).
  const auto compact = compact_builder().parse(text, lookup, counts);
  SONDHAN_FUZZ_CHECK(compact.is_ok());
  SONDHAN_FUZZ_CHECK(compact->highlight == parsed->highlight);
  SONDHAN_FUZZ_CHECK(parsed->deferred == nullptr);
  if (compact->deferred != nullptr) {
    SONDHAN_FUZZ_CHECK(!compact->deferred->empty());
    SONDHAN_FUZZ_CHECK(compact->query.get_description().find("PostingSource(") != std::string::npos);
  }
  return 0;
}
