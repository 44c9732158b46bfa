// Code points and character classes the Bengali pipeline names: one place, so that every rule
// elsewhere reads as the character it means.
#pragma once

#include <unicode/uchar.h>

namespace sondhan::analyzers::chars {

constexpr UChar32 kZwsp = 0x200B;
constexpr UChar32 kZwnj = 0x200C;
constexpr UChar32 kZwj = 0x200D;
constexpr UChar32 kWordJoiner = 0x2060;
constexpr UChar32 kBom = 0xFEFF;
constexpr UChar32 kSoftHyphen = 0x00AD;

constexpr UChar32 kBengaliTa = 0x09A4;       // ত
constexpr UChar32 kBengaliVirama = 0x09CD;   // ্ (hasanta)
constexpr UChar32 kBengaliKhandaTa = 0x09CE; // ৎ
constexpr UChar32 kBengaliNukta = 0x09BC;    // ়
constexpr UChar32 kBengaliAaSign = 0x09BE;   // া

/// Format characters that change only rendering or line breaking, never the word: dropped.
inline bool is_ignorable(UChar32 c) {
  return c == kZwsp || c == kZwnj || c == kZwj || c == kWordJoiner || c == kBom ||
         c == kSoftHyphen;
}

inline bool is_bengali_block(UChar32 c) { return c >= 0x0980 && c <= 0x09FF; }

/// অ..ঔ: independent vowels.
inline bool is_bengali_independent_vowel(UChar32 c) { return c >= 0x0985 && c <= 0x0994; }

/// ক..হ, ৎ, ড় ঢ় য় (precomposed), ৰ ৱ.
inline bool is_bengali_consonant(UChar32 c) {
  return (c >= 0x0995 && c <= 0x09B9) || c == kBengaliKhandaTa || (c >= 0x09DC && c <= 0x09DF) ||
         c == 0x09F0 || c == 0x09F1;
}

/// া ি ী ু ূ ৃ ৄ ে ৈ ো ৌ and the au length mark ৗ.
inline bool is_bengali_vowel_sign(UChar32 c) {
  return (c >= 0x09BE && c <= 0x09CC) || c == 0x09D7 || c == 0x09E2 || c == 0x09E3;
}

/// A letter in the sense of "a syllable's core": consonants and independent vowels.
inline bool is_bengali_letter(UChar32 c) {
  return is_bengali_consonant(c) || is_bengali_independent_vowel(c);
}

inline bool is_mark(UChar32 c) {
  return (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0;
}

}  // namespace sondhan::analyzers::chars
