// One byte for each character of the Bengali block (U+0980..U+09FF, three bytes in UTF-8): the
// byte 0x80 + (code point - 0x0980). ASCII stays itself; any other character, and any character
// whose byte would be `escape`, is `escape` followed by its UTF-8 bytes. Stored records
// (record_codec.h, escape 0x00) and the index's words (word_terms.h, escape 0x84, as terms
// should hold no zero byte) are written so. Encoding then decoding gives back any bytes, UTF-8
// or not, and the encoding of a string's prefix is a prefix of its encoding.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

namespace sondhan::core {

/// Appends the encoding of `utf8` to *out, stopping before a character that would make *out
/// longer than `max_bytes`.
void append_bengali_bytes(std::string_view utf8, unsigned char escape, std::string* out,
                          size_t max_bytes = std::numeric_limits<size_t>::max());

/// Writes the UTF-8 of `encoded` at `out`, which has room for 3 * encoded.size() bytes, and
/// returns the end of what it wrote. Malformed input decodes as far as it can be read.
char* write_bengali_utf8(std::string_view encoded, unsigned char escape, char* out);

}  // namespace sondhan::core
