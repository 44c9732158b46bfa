// Encoding and decoding of stored records (the format is described in record_codec.h).
#include "sondhan/core/record_codec.h"

#include "bengali_bytes.h"

namespace sondhan::core {
namespace {

constexpr char kMagic = '\x02';
constexpr unsigned char kEscape = 0x00;

}  // namespace

std::string encode_record(std::string_view json) {
  std::string out;
  out.reserve(json.size() / 2 + 16);
  out.push_back(kMagic);
  append_bengali_bytes(json, kEscape, &out);
  return out;
}

std::string decode_record(std::string_view stored) {
  if (stored.empty() || stored[0] != kMagic) return std::string(stored);
  // At most three bytes out per byte in; write through a pointer, then trim (this runs for
  // every hit of every search).
  std::string out(stored.size() * 3, '\0');
  char* end = write_bengali_utf8(stored.substr(1), kEscape, out.data());
  out.resize(static_cast<size_t>(end - out.data()));
  return out;
}

}  // namespace sondhan::core
