// UTF-8 validation by simdjson (SIMD, and the validator its JSON parser runs on every record).
#include "sondhan/core/utf8.h"

#include <simdjson.h>

namespace sondhan::core {

bool is_valid_utf8(std::string_view text) { return simdjson::validate_utf8(text.data(), text.size()); }

}  // namespace sondhan::core
