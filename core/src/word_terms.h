// How a word is spelt in the index. UTF-8 spends three bytes on every Bengali letter; the index
// stores each word's terms, positions and table keys over and over (a million articles hold about
// 200 million term-document pairs, each keyed by its term), so words are stored with one byte per
// letter of the Bengali block instead, as stored records are (bengali_bytes.h): U+0980 + n becomes
// byte 0x80 + n, ASCII stays as it is, and any other character is kEscape followed by its UTF-8. The code is a bijection, maps each
// character on its own (a prefix of a word is a prefix of its term, so prefix scans still work),
// and keeps ASCII prefixes (XP, XW, title's) readable. On the shared corpus it made the database
// 25% smaller and indexing 10% faster (docs/scale.md).
//
// Which strings are words: the terms of text fields (with and without their field prefix), the
// sub-word fallback (XP), suggestion words (XW), exact filter values and the synonym table's
// spelling keys (XL) and stems. Ids and story keys keep their UTF-8 (the writer and the story
// grouper look them up by it); dates and months are ASCII, the same either way.
#pragma once

#include <string>
#include <string_view>

#include "index_layout.h"

namespace sondhan::core {

/// The byte that introduces a character outside the Bengali block: U+0984, which Unicode leaves
/// unassigned (and which itself is escaped).
inline constexpr unsigned char kEscape = 0x84;

/// `prefix` + the index spelling of `word`, cut at a character so that it fits `max_bytes`
/// (Xapian's term limit by default). `prefix` must be ASCII. Bytes that are not UTF-8 are kept,
/// escaped, so that nothing is lost or merged.
std::string word_term(std::string_view prefix, std::string_view word,
                      size_t max_bytes = kMaxXapianTermBytes);
inline std::string word_term(std::string_view word) { return word_term({}, word); }

/// The UTF-8 that word_term() spelt as `term` (its prefix included, as it is ASCII).
std::string word_of_term(std::string_view term);

/// Whether `term` is a word's own term, with no prefix: prefixes are upper-case ASCII letters
/// (schema.h, index_layout.h), and the analyzer folds case, so no word starts with one.
inline bool is_word_term(std::string_view term) { return !term.empty() && !(term[0] >= 'A' && term[0] <= 'Z'); }

}  // namespace sondhan::core
