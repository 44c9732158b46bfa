// What the fuzz targets share: an invariant check that aborts in every build type (a finding for
// libFuzzer, a failed test for the replay driver), and a UTF-8 check written without ICU so that
// the product's own is compared against something independent.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

/// Aborts with the condition's text and place when `cond` is false. Unlike assert(), it stays
/// on in Release builds, where the replay tests run.
#define SONDHAN_FUZZ_CHECK(cond)                                        \
  do {                                                                  \
    if (!(cond)) ::sondhan::fuzz::fail(#cond, __FILE__, __LINE__);      \
  } while (false)

namespace sondhan::fuzz {

[[noreturn]] inline void fail(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, condition);
  std::abort();
}

/// Whether `text` is well-formed UTF-8 by the Unicode Standard's table 3-7: no stray or
/// truncated sequences, no overlong forms, no surrogates, nothing above U+10FFFF.
inline bool well_formed_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  auto in = [](uint8_t b, uint8_t lo, uint8_t hi) { return b >= lo && b <= hi; };
  for (size_t i = 0; i < n;) {
    const uint8_t b = s[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint8_t lo = 0x80, hi = 0xBF;  // the range of the second byte
    if (in(b, 0xC2, 0xDF)) len = 2;
    else if (b == 0xE0) len = 3, lo = 0xA0;
    else if (in(b, 0xE1, 0xEC) || in(b, 0xEE, 0xEF)) len = 3;
    else if (b == 0xED) len = 3, hi = 0x9F;
    else if (b == 0xF0) len = 4, lo = 0x90;
    else if (in(b, 0xF1, 0xF3)) len = 4;
    else if (b == 0xF4) len = 4, hi = 0x8F;
    else return false;
    if (n - i < len || !in(s[i + 1], lo, hi)) return false;
    for (size_t k = 2; k < len; ++k) {
      if (!in(s[i + k], 0x80, 0xBF)) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace sondhan::fuzz
