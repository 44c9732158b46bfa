// Splits raw UTF-8 text into word and number tokens, keeping byte offsets into the original
// (un-normalized) text so that highlighting can mark the exact bytes a reader sees.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "sondhan/analyzers/normalizer.h"

namespace sondhan::analyzers {

/// One token as it stands in the original text: [begin, end) in bytes.
struct TokenSpan {
  uint32_t begin = 0;
  uint32_t end = 0;
  TokenKind kind = TokenKind::kWord;
};

/// Appends the tokens of `text` to *out, in order. The rules:
///  - letters, combining marks (Bengali vowel signs, virama, nukta, chandrabindu) and digits are
///    word characters; ZWJ/ZWNJ/ZWSP/soft hyphen/BOM inside a word are kept in its span (the
///    normalizer drops them), elsewhere they separate nothing and are skipped;
///  - danda (।, ॥), spaces, hyphens, quotes and other punctuation separate words, so
///    ঢাকা-চট্টগ্রাম is two tokens;
///  - a number is digits with ',' or '.' between digits (১২,৫০০, 3.5);
///  - a change between Bengali letters and digits or Latin letters starts a new token
///    (৫০টি -> ৫০ | টি, COVIDের -> COVID | ের), while Latin letters and digits stay together
///    (covid19, g20); a token that would start with a combining mark (the orphaned ের above) is
///    dropped, since no word starts with one;
///  - bytes that are not valid UTF-8 separate tokens and are never part of one.
/// Thread safety: a pure function.
void tokenize(std::string_view text, std::vector<TokenSpan>* out);

}  // namespace sondhan::analyzers
