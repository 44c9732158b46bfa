// A small scanner over ICU character properties. ICU's UAX #29 word break iterator would do
// most of this, but it splits at ZWSP and cannot split ৫০টি or COVIDের, both common in Bengali
// news, and the rules below are short enough to state and test directly.
#include "sondhan/analyzers/tokenizer.h"

#include <array>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "unicode_chars.h"

namespace sondhan::analyzers {
namespace {

enum class CharClass { kSeparator, kBengaliLetter, kOtherLetter, kMark, kDigit, kIgnorable };

CharClass classify_with_icu(UChar32 c);

// The Bengali block's classes, from ICU once: nearly every character of our text is in it, and
// a table lookup is several times cheaper than asking ICU per character.
const std::array<CharClass, 128>& bengali_classes() {
  static const std::array<CharClass, 128> table = [] {
    std::array<CharClass, 128> t{};
    for (UChar32 c = 0x0980; c < 0x0A00; ++c) t[static_cast<size_t>(c - 0x0980)] = classify_with_icu(c);
    return t;
  }();
  return table;
}

CharClass classify(UChar32 c) {
  if (c < 0x80) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return CharClass::kOtherLetter;
    if (c >= '0' && c <= '9') return CharClass::kDigit;
    return CharClass::kSeparator;
  }
  if (chars::is_bengali_block(c)) return bengali_classes()[static_cast<size_t>(c - 0x0980)];
  return classify_with_icu(c);
}

CharClass classify_with_icu(UChar32 c) {
  if (chars::is_ignorable(c)) return CharClass::kIgnorable;
  const uint32_t mask = U_GET_GC_MASK(c);
  if (mask & U_GC_L_MASK) {
    return chars::is_bengali_block(c) ? CharClass::kBengaliLetter : CharClass::kOtherLetter;
  }
  if (mask & U_GC_M_MASK) return CharClass::kMark;
  if (mask & U_GC_ND_MASK) return CharClass::kDigit;
  return CharClass::kSeparator;
}

// The kind of run a token is made of, to decide where a script or digit change splits it.
enum class Run { kNone, kBengali, kOther, kDigits };

Run run_of(CharClass cls) {
  switch (cls) {
    case CharClass::kBengaliLetter: return Run::kBengali;
    case CharClass::kOtherLetter: return Run::kOther;
    case CharClass::kDigit: return Run::kDigits;
    default: return Run::kNone;
  }
}

// Whether a character of run `next` may continue a token whose last run was `last`.
bool continues(Run last, Run next) {
  if (last == next) return true;
  // Latin letters and digits belong together (covid19, 4g); Bengali does not mix with either.
  return (last == Run::kOther && next == Run::kDigits) ||
         (last == Run::kDigits && next == Run::kOther);
}

struct Decoded {
  UChar32 c;
  int32_t begin;
  int32_t end;
  CharClass cls;
};

}  // namespace

void tokenize(std::string_view text, std::vector<TokenSpan>* out) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());

  const auto& bengali = bengali_classes();
  auto decode_at = [&](int32_t at) {
    Decoded d{0, at, at, CharClass::kSeparator};
    if (at >= length) return d;
    // Fast path for the Bengali block, nearly all of our text: E0 A6/A7 followed by a
    // continuation byte is U+0980..U+09FF, classified from the table.
    if (s[at] == 0xE0 && at + 2 < length && (s[at + 1] == 0xA6 || s[at + 1] == 0xA7) &&
        (s[at + 2] & 0xC0) == 0x80) {
      const int offset = ((s[at + 1] - 0xA6) << 6) | (s[at + 2] & 0x3F);
      d.c = 0x0980 + offset;
      d.end = at + 3;
      d.cls = bengali[static_cast<size_t>(offset)];
      return d;
    }
    int32_t i = at;
    U8_NEXT(s, i, length, d.c);
    d.end = i;
    d.cls = d.c < 0 ? CharClass::kSeparator : classify(d.c);
    return d;
  };

  int32_t token_begin = -1;  // -1: not inside a token
  int32_t token_end = 0;     // end of the last word character of the token
  Run last_run = Run::kNone;
  bool has_letter = false;   // a number token becomes a word once a letter joins it (covid19)
  bool orphan = false;       // inside a fragment that started with a mark: skipped whole

  auto finish = [&]() {
    if (token_begin >= 0) {
      out->push_back({static_cast<uint32_t>(token_begin), static_cast<uint32_t>(token_end),
                      has_letter ? TokenKind::kWord : TokenKind::kNumber});
    }
    token_begin = -1;
    last_run = Run::kNone;
    has_letter = false;
  };

  int32_t i = 0;
  while (i < length) {
    const Decoded d = decode_at(i);
    i = d.end;
    switch (d.cls) {
      case CharClass::kSeparator: {
        // ',' or '.' between two digits is part of a number (১২,৫০০ or 3.5).
        if (token_begin >= 0 && last_run == Run::kDigits && !has_letter &&
            (d.c == ',' || d.c == '.') && token_end == d.begin) {
          const Decoded next = decode_at(d.end);
          if (next.cls == CharClass::kDigit) {
            token_end = next.end;
            i = next.end;
            continue;
          }
        }
        // An apostrophe between Latin letters (don't, O'Brien) stays inside the word.
        if (token_begin >= 0 && last_run == Run::kOther && (d.c == '\'' || d.c == 0x2019) &&
            token_end == d.begin) {
          const Decoded next = decode_at(d.end);
          if (next.cls == CharClass::kOtherLetter) {
            token_end = next.end;
            i = next.end;
            continue;
          }
        }
        finish();
        orphan = false;
        break;
      }
      case CharClass::kIgnorable:
        // Inside a token it is skipped over (and removed by the normalizer) only if a word
        // character follows; a trailing one is left outside the token's span. Except ZWJ right
        // after a virama: ত্‍ at a word's end (বিদ্যুত্‍) is khanda ta, and the normalizer needs it.
        if (d.c == chars::kZwj && token_begin >= 0 && token_end == d.begin && d.begin >= 3 &&
            text.substr(static_cast<size_t>(d.begin) - 3, 3) == "\u09CD") {
          token_end = d.end;
        }
        break;
      case CharClass::kMark:
        // A mark belongs to the letter before it, in the same script; one that cannot (the ে of
        // COVIDের, or a mark after a space) starts an orphaned fragment, skipped to its end.
        if (token_begin >= 0 && !orphan &&
            (last_run == Run::kBengali) == chars::is_bengali_block(d.c)) {
          token_end = d.end;
        } else {
          finish();
          orphan = true;
        }
        break;
      default: {
        const Run run = run_of(d.cls);
        if (orphan && run == Run::kBengali) break;
        orphan = false;
        if (token_begin >= 0 && !continues(last_run, run)) finish();
        if (token_begin < 0) token_begin = d.begin;
        token_end = d.end;
        last_run = run;
        if (run != Run::kDigits) has_letter = true;
        break;
      }
    }
  }
  finish();
}

}  // namespace sondhan::analyzers
