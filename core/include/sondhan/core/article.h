// The article model: what the indexer validates input into and what the index stores.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sondhan/core/schema.h"

namespace sondhan::core {

/// A calendar date with an optional time of day, as given in the input.
struct ArticleDate {
  int year = 0, month = 0, day = 0;   // the article's own calendar date
  int64_t epoch_seconds = 0;          // the instant, UTC (midnight UTC for a plain date)
  std::string iso;                    // as written in the input, for display

  /// "YYYYMMDD": the form of the date value slot, which sorts and ranges as a string.
  std::string ymd() const;
};

/// A validated article: each field of the schema (schema.h) by its place in the table.
struct Article {
  std::string id;
  std::optional<ArticleDate> date;
  /// By field_index(): a kText, kKeyword or kStored field's one value, a kKeywordList's values;
  /// empty when the record has none. Unused for the id, the date and derived fields.
  std::vector<std::vector<std::string>> values = std::vector<std::vector<std::string>>(schema().size());
  /// The whole record as stored and returned by the server, serialized JSON: the schema's fields
  /// under their canonical names, plus every other field of the input, as is.
  std::string record;

  /// The (first) value of the field `name`, or "". REQUIRES: schema() has a field `name`.
  const std::string& text(std::string_view name) const;
  /// The values of the field `name`. REQUIRES: schema() has a field `name`.
  std::vector<std::string>& values_of(std::string_view name);
  const std::vector<std::string>& values_of(std::string_view name) const;
};

/// What applying a change did.
enum class ChangeOutcome { kPending, kAdded, kUpdated, kDeleted, kNotFound };

/// One change of a batch: an article to upsert, or an id to delete.
struct Change {
  Article article;      // the article to upsert (id only, when deleting)
  bool is_delete = false;
  ChangeOutcome outcome = ChangeOutcome::kPending;  // set by IndexWriter::apply
};

/// Parses an ISO 8601 date ("2024-03-05") or date-time ("2024-03-05T10:00:00", with "Z" or
/// "+06:00"; seconds and fractions optional). A date-time without a zone is taken as UTC.
/// Returns nullopt when `text` is not such a date or names an impossible day.
std::optional<ArticleDate> parse_iso_date(const std::string& text);

}  // namespace sondhan::core
