// One byte a Bengali letter (bengali_bytes.h).
#include "bengali_bytes.h"

#include <algorithm>

namespace sondhan::core {
namespace {

// Length of the UTF-8 sequence that starts with `lead` (1 for a stray byte).
size_t sequence_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

}  // namespace

void append_bengali_bytes(std::string_view utf8, unsigned char escape, std::string* out, size_t max_bytes) {
  for (size_t i = 0; i < utf8.size();) {
    const auto b = static_cast<unsigned char>(utf8[i]);
    unsigned char one = b;  // the character's one byte, when it has one
    size_t consumed = 1;
    if (b >= 0x80) {
      one = escape;  // none yet
      // E0 A6 80..BF is U+0980..U+09BF; E0 A7 80..BF is U+09C0..U+09FF.
      if (b == 0xE0 && i + 2 < utf8.size()) {
        const auto b1 = static_cast<unsigned char>(utf8[i + 1]);
        const auto b2 = static_cast<unsigned char>(utf8[i + 2]);
        if ((b1 == 0xA6 || b1 == 0xA7) && (b2 & 0xC0) == 0x80) {
          one = static_cast<unsigned char>(0x80 + ((b1 - 0xA6) << 6) + (b2 & 0x3F));
          consumed = 3;
        }
      }
    }
    if (one != escape) {
      if (out->size() + 1 > max_bytes) return;
      out->push_back(static_cast<char>(one));
      i += consumed;
      continue;
    }
    const size_t n = std::min(sequence_length(b), utf8.size() - i);
    if (out->size() + 1 + n > max_bytes) return;
    out->push_back(static_cast<char>(escape));
    out->append(utf8, i, n);
    i += n;
  }
}

char* write_bengali_utf8(std::string_view encoded, unsigned char escape, char* out) {
  const auto* in = reinterpret_cast<const unsigned char*>(encoded.data());
  const size_t n = encoded.size();
  for (size_t i = 0; i < n;) {
    const unsigned char b = in[i];
    if (b == escape) {
      if (i + 1 >= n) break;
      const size_t len = std::min(sequence_length(in[i + 1]), n - i - 1);
      for (size_t k = 0; k < len; ++k) *out++ = static_cast<char>(in[i + 1 + k]);
      i += 1 + len;
    } else if (b >= 0x80) {
      const unsigned offset = b - 0x80;  // code point - 0x0980
      *out++ = '\xE0';
      *out++ = static_cast<char>(0xA6 + (offset >> 6));
      *out++ = static_cast<char>(0x80 + (offset & 0x3F));
      ++i;
    } else {
      *out++ = static_cast<char>(b);
      ++i;
    }
  }
  return out;
}

}  // namespace sondhan::core
