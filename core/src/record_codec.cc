// Encoding and decoding of stored records (the format is described in record_codec.h).
#include "sondhan/core/record_codec.h"

namespace sondhan::core {
namespace {

constexpr char kMagic = '\x02';
constexpr unsigned char kEscape = 0x00;

// Length of the UTF-8 sequence that starts with `lead` (1 for a stray byte).
size_t sequence_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

}  // namespace

std::string encode_record(std::string_view json) {
  std::string out;
  out.reserve(json.size() / 2 + 16);
  out.push_back(kMagic);
  for (size_t i = 0; i < json.size();) {
    const auto b = static_cast<unsigned char>(json[i]);
    if (b != 0 && b < 0x80) {
      out.push_back(static_cast<char>(b));
      ++i;
      continue;
    }
    // E0 A6 80..BF is U+0980..U+09BF; E0 A7 80..BF is U+09C0..U+09FF.
    if (b == 0xE0 && i + 2 < json.size()) {
      const auto b1 = static_cast<unsigned char>(json[i + 1]);
      const auto b2 = static_cast<unsigned char>(json[i + 2]);
      if ((b1 == 0xA6 || b1 == 0xA7) && (b2 & 0xC0) == 0x80) {
        out.push_back(static_cast<char>(0x80 + ((b1 - 0xA6) << 6) + (b2 & 0x3F)));
        i += 3;
        continue;
      }
    }
    const size_t n = std::min(sequence_length(b), json.size() - i);
    out.push_back(static_cast<char>(kEscape));
    out.append(json, i, n);
    i += n;
  }
  return out;
}

std::string decode_record(std::string_view stored) {
  if (stored.empty() || stored[0] != kMagic) return std::string(stored);
  // At most three bytes out per byte in; write through a pointer, then trim (this runs for
  // every hit of every search).
  std::string out(stored.size() * 3, '\0');
  char* o = out.data();
  const auto* in = reinterpret_cast<const unsigned char*>(stored.data());
  const size_t n = stored.size();
  for (size_t i = 1; i < n;) {
    const unsigned char b = in[i];
    if (b >= 0x80) {
      const unsigned offset = b - 0x80;  // code point - 0x0980
      *o++ = '\xE0';
      *o++ = static_cast<char>(0xA6 + (offset >> 6));
      *o++ = static_cast<char>(0x80 + (offset & 0x3F));
      ++i;
    } else if (b == kEscape) {
      if (i + 1 >= n) break;
      const size_t len = std::min(sequence_length(in[i + 1]), n - i - 1);
      for (size_t k = 0; k < len; ++k) *o++ = static_cast<char>(in[i + 1 + k]);
      i += 1 + len;
    } else {
      *o++ = static_cast<char>(b);
      ++i;
    }
  }
  out.resize(static_cast<size_t>(o - out.data()));
  return out;
}

}  // namespace sondhan::core
