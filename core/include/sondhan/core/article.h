// The article model: what the indexer validates input into and what the index stores.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sondhan::core {

/// A calendar date with an optional time of day, as given in the input.
struct ArticleDate {
  int year = 0, month = 0, day = 0;   // the article's own calendar date
  int64_t epoch_seconds = 0;          // the instant, UTC (midnight UTC for a plain date)
  std::string iso;                    // as written in the input, for display

  /// "YYYYMMDD": the form of the date value slot, which sorts and ranges as a string.
  std::string ymd() const;
};

struct Article {
  std::string id;
  std::string title;
  std::string body;
  std::optional<ArticleDate> date;
  std::string source;
  std::string category;
  std::vector<std::string> authors;
  std::vector<std::string> tags;
  std::string url;
  /// The whole record as stored and returned by the server, serialized JSON: the canonical
  /// fields above under their canonical names, plus every other field of the input, as is.
  std::string record;
};

/// Parses an ISO 8601 date ("2024-03-05") or date-time ("2024-03-05T10:00:00", with "Z" or
/// "+06:00"; seconds and fractions optional). A date-time without a zone is taken as UTC.
/// Returns nullopt when `text` is not such a date or names an impossible day.
std::optional<ArticleDate> parse_iso_date(const std::string& text);

}  // namespace sondhan::core
