// Canonicalisation of one token; see normalizer.h for the steps and why each exists.
#include "sondhan/analyzers/normalizer.h"

#include <stdexcept>

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "unicode_chars.h"

namespace sondhan::analyzers {
namespace {

bool is_ascii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// Plain ASCII tokens (Latin words, ASCII numbers) are common enough to skip ICU entirely.
void normalize_ascii(std::string_view token, TokenKind kind, std::string* out) {
  for (char c : token) {
    if (kind == TokenKind::kNumber && c == ',') continue;
    out->push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
}

void append_utf8(UChar32 c, std::string* out) {
  char buf[U8_MAX_LENGTH];
  int32_t len = 0;
  U8_APPEND_UNSAFE(buf, len, c);
  out->append(buf, static_cast<size_t>(len));
}

}  // namespace

Normalizer::Normalizer() {
  UErrorCode status = U_ZERO_ERROR;
  nfc_ = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status) || nfc_ == nullptr) {
    throw std::runtime_error(std::string("ICU NFC data unavailable: ") + u_errorName(status));
  }
}

void Normalizer::normalize_token(std::string_view token, TokenKind kind, std::string* out) const {
  out->clear();
  if (is_ascii(token)) {
    normalize_ascii(token, kind, out);
    return;
  }

  // Pass 1, code point by code point: khanda ta, ignorables, digits, case.
  std::string folded;
  folded.reserve(token.size());
  const auto* s = reinterpret_cast<const uint8_t*>(token.data());
  const auto length = static_cast<int32_t>(token.size());
  int32_t i = 0;
  while (i < length) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0) continue;  // Not reached: the tokenizer only hands over valid UTF-8.
    if (c == chars::kBengaliTa && i + 6 <= length) {
      // ত্‍ (ta, virama, ZWJ) is how khanda ta was written before U+09CE existed (Unicode 4.1);
      // ICU's NFC leaves it alone, so উত্‍সব and উৎসব would otherwise never meet.
      UChar32 next, after;
      int32_t j = i;
      U8_NEXT(s, j, length, next);
      U8_NEXT(s, j, length, after);
      if (next == chars::kBengaliVirama && after == chars::kZwj) {
        append_utf8(chars::kBengaliKhandaTa, &folded);
        i = j;
        continue;
      }
    }
    if (chars::is_ignorable(c)) continue;
    if (kind == TokenKind::kNumber && c == ',') continue;
    if (u_charType(c) == U_DECIMAL_DIGIT_NUMBER) {
      folded.push_back(static_cast<char>('0' + u_charDigitValue(c)));
      continue;
    }
    if (!chars::is_bengali_block(c)) c = u_foldCase(c, U_FOLD_CASE_DEFAULT);
    append_utf8(c, &folded);
  }

  // Pass 2: NFC. Most text arrives already in NFC, so check before copying again.
  UErrorCode status = U_ZERO_ERROR;
  icu::StringPiece piece(folded.data(), static_cast<int32_t>(folded.size()));
  if (nfc_->isNormalizedUTF8(piece, status) && U_SUCCESS(status)) {
    *out = std::move(folded);
  } else {
    status = U_ZERO_ERROR;
    icu::StringByteSink<std::string> sink(out);
    nfc_->normalizeUTF8(0, piece, sink, nullptr, status);
    if (U_FAILURE(status)) *out = std::move(folded);  // Keep the token rather than lose it.
  }

  // অ + া is the same letter as আ but NFC does not compose it (no canonical decomposition).
  static const std::string kAAa = "\u0985\u09BE";
  static const std::string kAa = "\u0986";
  for (size_t pos = out->find(kAAa); pos != std::string::npos; pos = out->find(kAAa, pos)) {
    out->replace(pos, kAAa.size(), kAa);
  }
}

}  // namespace sondhan::analyzers
