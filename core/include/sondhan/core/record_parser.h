// One record (a JSON object, from a JSON Lines file or an HTTP request) validated into a Change:
// an article to upsert or an id to delete. The one way a record becomes an Article.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "sondhan/core/article.h"
#include "sondhan/core/config.h"
#include "sondhan/core/status.h"

namespace sondhan::core {

/// Parses records, finding each schema field under its input names in `fields`. Keeps its
/// buffers from one record to the next. Thread safety: one thread at a time.
class RecordParser {
 public:
  explicit RecordParser(FieldMapping fields, size_t max_bytes = SIZE_MAX);
  ~RecordParser();
  RecordParser(const RecordParser&) = delete;
  RecordParser& operator=(const RecordParser&) = delete;

  /// `json` (one JSON object) as a Change. kInvalidArgument with a reason (the caller adds
  /// where the record came from: a line number, an item's index) when the record is longer than
  /// max_bytes, is not valid UTF-8 or JSON, is not an object, lacks an id, has no text, has a
  /// date that is not ISO 8601, or has a field of the wrong type. A record
  /// {"id": "...", "deleted": true} is a deletion. With a `path_id` (PUT /documents/{id}), a
  /// record without an id gets that one, and one with another id is rejected.
  Result<Change> parse(std::string_view json, std::string_view path_id = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One record with a parser of its own, for tests and one-off callers.
Result<Change> parse_record(std::string_view json, const FieldMapping& fields = {});

}  // namespace sondhan::core
