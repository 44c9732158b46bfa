// Fuzz target: one input line through the record parser, then, for an accepted article, the
// Xapian document the index would store (built in memory), and the stored-record codec, which
// must give back exactly the record it was given.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <xapian.h>

#include "fuzz_check.h"
#include "sondhan/analyzers/analyzer.h"
#include "sondhan/core/config.h"
#include "document_builder.h"
#include "sondhan/core/record_codec.h"
#include "record_store.h"
#include "sondhan/core/record_parser.h"
#include "sondhan/core/schema.h"

namespace {

using namespace sondhan;

// Xapian refuses terms over 245 bytes. Its glass tables also store a zero byte of a term as two,
// and a posting-list key (the term so stored, then a few bytes of document id) may not pass 255
// bytes: 248 counted that way always fits, and a term of 130 zero bytes is "Key too long" at
// commit.
constexpr size_t kMaxXapianTermBytes = 245;
constexpr size_t kMaxGlassTermKeyBytes = 248;

/// A term's length as glass stores it: zero bytes count twice.
size_t glass_key_bytes(const std::string& term) {
  return term.size() + static_cast<size_t>(std::count(term.begin(), term.end(), '\0'));
}

const analyzers::Analyzer& analyzer() {
  static const analyzers::Analyzer instance;
  return instance;
}

const core::DocumentBuilder& document_builder() {
  static const core::DocumentBuilder instance(analyzer(), [] {
    core::IndexOptions options;
    options.prefix_letters = 4;  // on, so that the sub-word fallback terms are built too
    return options;
  }());
  return instance;
}

/// decode(encode(x)) == x for valid UTF-8; any stored bytes decode without harm.
void check_codec(std::string_view text) {
  const std::string decoded = core::decode_record(text);
  if (!text.empty() && text[0] != '\x02') SONDHAN_FUZZ_CHECK(decoded == text);  // plain JSON
  if (!fuzz::well_formed_utf8(text)) return;
  const std::string stored = core::encode_record(text);
  SONDHAN_FUZZ_CHECK(stored.size() <= 2 * text.size() + 1);  // a NUL byte takes two
  SONDHAN_FUZZ_CHECK(core::decode_record(stored) == text);
}

void check_document(const core::Article& article) {
  std::vector<std::string> stems;
  const Xapian::Document doc = document_builder().build(article, &stems);
  std::string stored;
  SONDHAN_FUZZ_CHECK(core::RecordReader().decompress(doc.get_value(core::kRecordSlot), &stored));
  SONDHAN_FUZZ_CHECK(stored == core::encode_record(article.record));
  SONDHAN_FUZZ_CHECK(doc.get_data().empty());
  bool has_id = false;
  for (auto it = doc.termlist_begin(); it != doc.termlist_end(); ++it) {
    const std::string term = *it;
    SONDHAN_FUZZ_CHECK(!term.empty() && term.size() <= kMaxXapianTermBytes);
    SONDHAN_FUZZ_CHECK(glass_key_bytes(term) <= kMaxGlassTermKeyBytes);
    has_id = has_id || term == core::id_term(article.id);
  }
  SONDHAN_FUZZ_CHECK(has_id);
  for (const std::string& stem : stems) {
    SONDHAN_FUZZ_CHECK(!stem.empty() && stem.size() <= analyzers::kMaxTermBytes);
    SONDHAN_FUZZ_CHECK(glass_key_bytes(core::filing_key(analyzer(), stem)) <= kMaxGlassTermKeyBytes);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  check_codec(line);

  static core::RecordParser parser{core::FieldMapping{}};
  auto parsed = parser.parse(line);
  if (!parsed.is_ok()) {
    SONDHAN_FUZZ_CHECK(parsed.status().code() == core::Code::kInvalidArgument);
    return 0;
  }
  // The parser keeps no state between records that could change its answer.
  const auto again = parser.parse(line);
  SONDHAN_FUZZ_CHECK(again.is_ok() && again->article.record == parsed->article.record);

  const core::Article& article = parsed->article;
  SONDHAN_FUZZ_CHECK(!article.id.empty() && article.id.size() <= 200);
  SONDHAN_FUZZ_CHECK(fuzz::well_formed_utf8(article.id));
  if (parsed->is_delete) return 0;
  SONDHAN_FUZZ_CHECK(!article.text("title").empty() || !article.text("body").empty());
  // The stored record is what the server reads back and returns: whole UTF-8 and JSON.
  SONDHAN_FUZZ_CHECK(fuzz::well_formed_utf8(article.record));
  SONDHAN_FUZZ_CHECK(nlohmann::json::accept(article.record));
  check_codec(article.record);
  check_document(article);
  return 0;
}
