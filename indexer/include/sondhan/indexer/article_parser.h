// Validates one JSON Lines record into a core::Change (an article to upsert or an id to delete).
#pragma once

#include <string_view>

#include "sondhan/core/config.h"
#include "sondhan/core/index_writer.h"
#include "sondhan/core/status.h"

namespace sondhan::indexer {

/// Parses `line` (one JSON object) using `fields` to find each canonical field under its input
/// names. kInvalidArgument with a reason (no line number: the caller adds FILE:LINE) when the
/// line is not valid UTF-8 or JSON, is not an object, lacks an id, has neither title nor body,
/// has a date that is not ISO 8601, or has a field of the wrong type.
/// A record {"id": "...", "deleted": true} is a deletion.
core::Result<core::Change> parse_article(std::string_view line, const core::FieldMapping& fields);

}  // namespace sondhan::indexer
