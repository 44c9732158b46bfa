// UTF-8 validation: the one check that every input (records, queries, request parameters)
// passes before anything else reads it.
#pragma once

#include <string_view>

namespace sondhan::core {

/// Whether `text` is well-formed UTF-8 (no stray, truncated, overlong or surrogate sequences).
/// simdjson's validator: the same one that checks every record the indexer reads.
bool is_valid_utf8(std::string_view text);

}  // namespace sondhan::core
