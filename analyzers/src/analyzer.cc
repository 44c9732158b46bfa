// The analysis pipeline: tokenizer -> normalizer -> stop words -> stemmer.
#include "sondhan/analyzers/analyzer.h"

#include <unordered_map>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "unicode_chars.h"

namespace sondhan::analyzers {

Analyzer::Analyzer() : stopwords_(normalizer_) {}

void truncate_term(std::string* term, size_t max_bytes) {
  if (term->size() <= max_bytes) return;
  size_t cut = max_bytes;
  // Step back over UTF-8 continuation bytes (10xxxxxx) to a character boundary.
  while (cut > 0 && (static_cast<unsigned char>((*term)[cut]) & 0xC0) == 0x80) --cut;
  term->resize(cut);
}

void Analyzer::analyze(std::string_view text, const AnalyzeOptions& options,
                       std::vector<Token>* out) const {
  std::vector<TokenSpan> spans;
  spans.reserve(text.size() / 12);
  tokenize(text, &spans);

  uint32_t position = 0;
  for (const TokenSpan& span : spans) {
    ++position;
    Token token;
    token.term = term_of(text.substr(span.begin, span.end - span.begin), span.kind, options);
    if (token.term.empty()) continue;
    token.begin = span.begin;
    token.end = span.end;
    token.position = position;
    token.kind = span.kind;
    out->push_back(std::move(token));
  }
}

uint64_t TermCache::hash_of(std::string_view raw) {
  const uint64_t h = std::hash<std::string_view>{}(raw);
  return h == 0 ? 1 : h;
}

size_t TermCache::slot_of(std::string_view raw, uint64_t hash) const {
  size_t i = hash & (kSlots - 1);
  for (;; i = (i + 1) & (kSlots - 1)) {
    const Slot& slot = slots_[i];
    if (slot.hash == 0) return i;
    if (slot.hash == hash && slot.raw_size == raw.size() && bytes_.compare(slot.at, slot.raw_size, raw) == 0) return i;
  }
}

bool TermCache::find(std::string_view raw, std::string_view* term) const {
  if (slots_.empty()) return false;
  const Slot& slot = slots_[slot_of(raw, hash_of(raw))];
  if (slot.hash == 0) return false;
  *term = std::string_view(bytes_).substr(slot.at + slot.raw_size, slot.term_size);
  return true;
}

void TermCache::insert(std::string_view raw, std::string_view term) {
  if (raw.size() > kMaxBytes || term.size() > kMaxBytes) return;
  if (entries_ >= kMaxEntries || bytes_.size() > kMaxBuffer || slots_.empty()) {
    slots_.assign(kSlots, Slot());
    bytes_.clear();
    entries_ = 0;
  }
  const uint64_t h = hash_of(raw);
  Slot& slot = slots_[slot_of(raw, h)];
  if (slot.hash != 0) return;  // cached already
  slot = {h, static_cast<uint32_t>(bytes_.size()), static_cast<uint16_t>(raw.size()),
          static_cast<uint16_t>(term.size())};
  bytes_.append(raw);
  bytes_.append(term);
  ++entries_;
}

std::string Analyzer::term_of(std::string_view raw, TokenKind kind,
                              const AnalyzeOptions& options) const {
  // Only the default options are cached (the index's and queries' terms).
  const bool cacheable = options.stem && !options.keep_stopwords;
  if (cacheable) {
    if (std::string_view term; cache_.find(raw, &term)) return std::string(term);
  }
  std::string term = analyze_token(raw, kind, options);
  if (cacheable) cache_.insert(raw, term);
  return term;
}

std::string Analyzer::analyze_token(std::string_view raw, TokenKind kind,
                                    const AnalyzeOptions& options) const {
  std::string canonical;
  normalizer_.normalize_token(raw, kind, &canonical);
  if (canonical.empty()) return canonical;
  if (kind == TokenKind::kWord && !options.keep_stopwords && stopwords_.contains(canonical)) return {};
  std::string term = options.stem && kind == TokenKind::kWord ? stemmer_.stem(canonical) : canonical;
  truncate_term(&term);
  return term;
}

namespace {

// One character folded the way normalization and stemming can change it, so that a raw word
// and its term agree on it.
UChar32 fold_key_char(UChar32 c) {
  if (u_charType(c) == U_DECIMAL_DIGIT_NUMBER) return '0' + u_charDigitValue(c);
  switch (c) {
    case U'ণ': return U'ন';
    case U'ষ':
    case U'শ': return U'স';    // and the loose key's শ/ষ/স
    case U'য': return U'জ';    // the loose key's য/জ (য় is য + nukta, and nukta is skipped)
    case U'ঙ': return U'ং';
    case U'ৎ': return U'ত';
    case U'ফ': return U'প';    // ফত -> প্ত inside a word (দফতর -> দপ্তর)
    case 0x09DF: return U'জ';  // precomposed য়, ড়, ঢ়: NFC splits off the nukta (and য is জ, above)
    case 0x09DC: return U'ড';
    case 0x09DD: return U'ঢ';
    case U'অ':
    case U'এ': return U'আ';    // অ + া is আ; verb roots alternate: এসেছে -> আস
    case U'উ': return U'ও';    // উঠেছে -> ওঠ
    case U'ি':
    case U'ী':
    case U'ে': return U'া';    // রেখেছে -> রাখ, লিখেছেন -> লেখ, সরকারী -> সরকারি
    case U'ূ':
    case U'ো':
    case U'ৌ': return U'ু';    // খুলেছে -> খোল, ভূমিকা -> ভুমিকা, সউদি -> সৌদি
    default: return chars::is_bengali_block(c) ? c : u_foldCase(c, U_FOLD_CASE_DEFAULT);
  }
}

}  // namespace

uint64_t word_key(std::string_view word) {
  const auto* s = reinterpret_cast<const uint8_t*>(word.data());
  const auto length = static_cast<int32_t>(word.size());
  UChar32 key[2] = {0, 0};
  int n = 0;
  UChar32 previous = 0;
  for (int32_t i = 0; i < length && n < 2;) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    const UChar32 before = previous;
    previous = c;
    if (c < 0 || chars::is_ignorable(c) || c == chars::kBengaliNukta || c == U'ঁ') continue;
    if (c == 0x09CD && before == U'ঙ') continue;  // ঙ্ক is folded to ংক: the virama goes
    if (n == 1 && key[0] == U'আ' && c == chars::kBengaliAaSign) continue;  // অ + া
    if (c == U',' ) continue;  // grouping commas of numbers
    // After a consonant, উ/ও become ৌ (সউদি -> সৌদি), and ে + া or ে + ৗ compose to ো/ৌ.
    if (n == 1 && (c == U'উ' || c == U'ও')) c = U'ৌ';
    if (n == 1 && c == U'ে' && i < length) {
      UChar32 next;
      int32_t j = i;
      U8_NEXT(s, j, length, next);
      if (next == chars::kBengaliAaSign || next == 0x09D7) c = U'ৌ';
    }
    key[n++] = fold_key_char(c);
  }
  return (static_cast<uint64_t>(static_cast<uint32_t>(key[0])) << 32) | static_cast<uint32_t>(key[1]);
}

std::vector<std::pair<std::string, std::string>> Analyzer::compound_splits(std::string_view term) const {
  // Byte offsets of the letters (consonants and independent vowels) that may start a word, with
  // the number of letters before each.
  std::vector<std::pair<size_t, size_t>> starts;
  size_t letters = 0;
  UChar32 previous = 0;
  const auto* s = reinterpret_cast<const uint8_t*>(term.data());
  const auto length = static_cast<int32_t>(term.size());
  for (int32_t i = 0; i < length;) {
    const int32_t at = i;
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0) return {};
    const bool letter = chars::is_bengali_consonant(c) || chars::is_bengali_independent_vowel(c);
    if (letter) {
      if (letters >= 2 && previous != chars::kBengaliVirama) starts.emplace_back(static_cast<size_t>(at), letters);
      ++letters;
    } else if (!chars::is_bengali_block(c)) {
      return {};  // Bengali words only
    }
    previous = c;
  }
  std::vector<std::pair<std::string, std::string>> splits;
  for (const auto& [at, before] : starts) {
    // Two letters on the right too (a lone consonant with its vowel sign is a suffix, not a word).
    if (letters - before < 2) continue;
    std::string left = term_of(term.substr(0, at), TokenKind::kWord);
    std::string right = term_of(term.substr(at), TokenKind::kWord);
    if (!left.empty() && !right.empty()) splits.emplace_back(std::move(left), std::move(right));
  }
  return splits;
}

std::vector<std::string> Analyzer::terms(std::string_view text, const AnalyzeOptions& options) const {
  std::vector<Token> tokens;
  analyze(text, options, &tokens);
  std::vector<std::string> result;
  result.reserve(tokens.size());
  for (Token& t : tokens) result.push_back(std::move(t.term));
  return result;
}

std::string Analyzer::normalize(std::string_view word, TokenKind kind) const {
  std::string canonical;
  normalizer_.normalize_token(word, kind, &canonical);
  return canonical;
}

}  // namespace sondhan::analyzers
