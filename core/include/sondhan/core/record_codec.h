// How a stored record is laid out in the database: UTF-8 JSON with every character of the
// Bengali block (U+0980..U+09FF, three bytes in UTF-8) written as one byte, then compressed
// (core/src/record_store.h): a third of the bytes is a third of the compressor's work and
// shorter matches for it to find.
//
// Encoded form: the byte 0x02, then for each character of the JSON text
//   U+0001..U+007F       the ASCII byte itself
//   U+0980..U+09FF       one byte 0x80 + (code point - 0x0980)
//   anything else        0x00, then its UTF-8 bytes
// Data that does not start with 0x02 is plain JSON (written by an earlier version) and decodes
// to itself.
#pragma once

#include <string>
#include <string_view>

namespace sondhan::core {

/// REQUIRES: json is valid UTF-8 (records are validated before they are stored).
std::string encode_record(std::string_view json);

/// The JSON text of a stored record. Malformed input decodes as far as it can be read.
std::string decode_record(std::string_view stored);

}  // namespace sondhan::core
