// The canonical form of a word: what makes Unicode-equivalent spellings of one Bengali word
// byte-identical before stop words and stemming see it.
#pragma once

#include <string>
#include <string_view>

#include <unicode/uversion.h>

U_NAMESPACE_BEGIN
class Normalizer2;
U_NAMESPACE_END

namespace sondhan::analyzers {

/// Whether a token is a run of letters or a number (digits with inner ',' or '.').
enum class TokenKind { kWord, kNumber };

/// Canonicalises single tokens. In order:
///  1. ত + ্ + ZWJ (U+09A4 U+09CD U+200D), the pre-Unicode-4.1 spelling of khanda ta, becomes ৎ
///     (U+09CE); then ZWJ, ZWNJ, ZWSP, soft hyphen, word joiner and BOM are removed.
///  2. Unicode NFC (ICU): ো/ৌ as one code point, য়/ড়/ঢ় as letter + nukta (they are composition
///     exclusions, so NFC is the decomposed form), অ + া becomes আ.
///  3. Any decimal digit (Bengali ০-৯ included) becomes ASCII; the grouping commas of a number
///     are dropped, so ১২,৫০০ and 12500 meet.
///  4. Other scripts are case-folded (Latin "BNP" -> "bnp").
/// Thread safety: immutable after construction; share one instance freely.
class Normalizer {
 public:
  /// Throws std::runtime_error if ICU's normalization data cannot be loaded.
  Normalizer();

  /// Appends the canonical form of one token to *out (which is cleared first).
  /// REQUIRES: token is valid UTF-8 (the tokenizer guarantees it).
  void normalize_token(std::string_view token, TokenKind kind, std::string* out) const;

 private:
  const icu::Normalizer2* nfc_;
};

}  // namespace sondhan::analyzers
