// The index spelling of words (word_terms.h).
#include "word_terms.h"

#include <algorithm>
#include <cstdint>

namespace sondhan::core {
namespace {

constexpr uint32_t kBlockFirst = 0x0980;  // the Bengali block, U+0980..U+09FF
constexpr unsigned char kFirstLetterByte = 0x80;

// The bytes a UTF-8 sequence with this lead byte has; 1 for a byte that leads none.
size_t sequence_bytes(unsigned char lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 1;
}

}  // namespace

std::string word_term(std::string_view prefix, std::string_view word, size_t max_bytes) {
  std::string out(prefix);
  out.reserve(prefix.size() + word.size());
  size_t i = 0;
  while (i < word.size()) {
    const auto c = static_cast<unsigned char>(word[i]);
    if (c < 0x80) {
      if (out.size() + 1 > max_bytes) break;
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (c == 0xE0 && i + 2 < word.size()) {
      const auto b1 = static_cast<unsigned char>(word[i + 1]);
      const auto b2 = static_cast<unsigned char>(word[i + 2]);
      if ((b1 == 0xA6 || b1 == 0xA7) && b2 >= 0x80 && b2 <= 0xBF) {
        const uint32_t offset = (static_cast<uint32_t>(b1 - 0xA6) << 6) | (b2 - 0x80u);
        if (offset != kEscape - kFirstLetterByte) {
          if (out.size() + 1 > max_bytes) break;
          out.push_back(static_cast<char>(kFirstLetterByte + offset));
          i += 3;
          continue;
        }
      }
    }
    const size_t n = std::min(sequence_bytes(c), word.size() - i);
    if (out.size() + 1 + n > max_bytes) break;
    out.push_back(static_cast<char>(kEscape));
    out.append(word, i, n);
    i += n;
  }
  return out;
}

std::string word_of_term(std::string_view term) {
  std::string out;
  out.reserve(term.size() * 3);
  size_t i = 0;
  while (i < term.size()) {
    const auto b = static_cast<unsigned char>(term[i]);
    if (b < 0x80) {
      out.push_back(static_cast<char>(b));
      ++i;
    } else if (b == kEscape) {
      if (++i == term.size()) break;
      const size_t n = std::min(sequence_bytes(static_cast<unsigned char>(term[i])), term.size() - i);
      out.append(term, i, n);
      i += n;
    } else {
      const uint32_t cp = kBlockFirst + (b - kFirstLetterByte);
      out.push_back(static_cast<char>(0xE0));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      ++i;
    }
  }
  return out;
}

}  // namespace sondhan::core
