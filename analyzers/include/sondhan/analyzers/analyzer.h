// The one definition of how text becomes index terms: tokenize, normalize, drop stop words,
// stem. Indexing, query parsing, highlighting and sondhan-analyze all go through it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sondhan/analyzers/bengali_stemmer.h"
#include "sondhan/analyzers/normalizer.h"
#include "sondhan/analyzers/stopwords.h"
#include "sondhan/analyzers/tokenizer.h"

namespace sondhan::analyzers {

/// The analyzer's version: bumped by any change to what text becomes (normalization, folds,
/// stop words, stemming). A database records the version it was built with; a golden test
/// (tests/golden/analyzer/version.tsv) fails when the output changes and this does not.
inline constexpr int kAnalyzerVersion = 2;  // 2: ফত -> প্ত inside words

/// Xapian refuses terms over 245 bytes; with room for a field prefix, we cut terms at a code
/// point boundary below this many bytes rather than drop the word. Both sides cut alike, so a
/// 90-letter word still matches itself.
constexpr size_t kMaxTermBytes = 200;

/// One index term and where it came from.
struct Token {
  std::string term;        // canonical, stemmed term
  uint32_t begin = 0;      // byte offsets of the source word in the original text
  uint32_t end = 0;
  uint32_t position = 0;   // 1-based word position; stop words take a position too
  TokenKind kind = TokenKind::kWord;
};

struct AnalyzeOptions {
  /// Keep stop words (sondhan-analyze --keep-stopwords; the index never has them).
  bool keep_stopwords = false;
  /// Stem words; off gives the canonical surface form (used by --explain and exact matching).
  bool stem = true;
};

/// Raw token -> term. Word frequencies are Zipfian, so most tokens of a news text were seen
/// before: the cache turns normalizing and stemming (a third of indexing time) into a hash
/// lookup. Bounded: cleared when full. One flat table of slots (hash, where the entry is) over
/// one buffer of entries (the raw token, then its term): a look-up touches two cache lines,
/// where a node-based map touched four (5% of the indexer's time went to its look-ups).
class TermCache {
 public:
  /// Sets *term to the term of `raw` (a view into the cache, valid until the next insert())
  /// and returns true if it is cached.
  bool find(std::string_view raw, std::string_view* term) const;
  void insert(std::string_view raw, std::string_view term);

 private:
  static constexpr size_t kMaxEntries = 50000;  // a few MB
  static constexpr size_t kSlots = size_t{1} << 17;  // a power of two, over twice kMaxEntries
  static constexpr size_t kMaxBytes = 0xFFFF;        // longer tokens or terms are not cached
  // bytes_ starts afresh beyond this: a bound on memory, and offsets fit in 32 bits.
  static constexpr size_t kMaxBuffer = size_t{1} << 26;
  struct Slot {
    uint64_t hash = 0;  // 0: empty
    uint32_t at = 0;    // in bytes_: the raw token, then the term
    uint16_t raw_size = 0, term_size = 0;
  };
  static uint64_t hash_of(std::string_view raw);
  // The slot that holds `raw`, or else the empty one where it would go.
  size_t slot_of(std::string_view raw, uint64_t hash) const;
  std::vector<Slot> slots_;  // open addressing, linear probing; made by the first insert()
  std::string bytes_;
  size_t entries_ = 0;
};

/// Thread safety: one thread at a time (it caches the terms it makes): give each worker its own.
/// Analyzers are cheap to make, and all make the same terms.
class Analyzer {
 public:
  /// Throws std::runtime_error if ICU data is missing.
  Analyzer();

  /// Appends the tokens of `text` to *out. Invalid UTF-8 bytes separate words.
  void analyze(std::string_view text, const AnalyzeOptions& options, std::vector<Token>* out) const;

  /// Convenience: just the terms, in order.
  std::vector<std::string> terms(std::string_view text, const AnalyzeOptions& options = {}) const;

  /// The term of one token as tokenize() found it (normalized, stemmed, cut to kMaxTermBytes),
  /// or "" when nothing is indexed for it (a stop word, or nothing left after normalization).
  /// analyze() is tokenize() plus this for every token.
  std::string term_of(std::string_view raw, TokenKind kind, const AnalyzeOptions& options = {}) const;

  /// The stages of one word, for --explain and for query building.
  std::string normalize(std::string_view word, TokenKind kind = TokenKind::kWord) const;
  bool is_stopword(std::string_view canonical) const { return stopwords_.contains(canonical); }
  std::string stem(std::string_view canonical) const { return stemmer_.stem(canonical); }
  /// BengaliStemmer::loose() of a term.
  std::string loose(std::string_view term) const { return stemmer_.loose(term); }

  /// The ways a Bengali term may be a compound of two words (দক্ষিণপশ্চিমাঞ্চল: দক্ষিণ +
  /// পশ্চিমাঞ্চল), as pairs of terms: cut before each letter that starts a syllable (not after
  /// a hasanta), with at least two letters either side, and both halves neither stop words nor
  /// empty. Which split, if any, is right is for the index's vocabulary to say.
  std::vector<std::pair<std::string, std::string>> compound_splits(std::string_view term) const;

 private:
  std::string analyze_token(std::string_view raw, TokenKind kind, const AnalyzeOptions& options) const;

  Normalizer normalizer_;
  StopWords stopwords_;
  BengaliStemmer stemmer_;
  mutable TermCache cache_;  // terms of raw tokens seen before (default options only)
};

/// Cuts `term` to at most `max_bytes` bytes without splitting a UTF-8 sequence.
void truncate_term(std::string* term, size_t max_bytes = kMaxTermBytes);

/// A cheap key of a word's first two characters, equal for a raw word and for its term: the
/// folds that normalization and stemming can apply there (digits, case, nukta letters, ণ/ন,
/// ষ/স, ঙ/ং, ৎ/ত, spelling variants and verb-root vowel changes) are applied, coarsely. Lets a
/// highlighter skip the words that cannot match without analysing them. A term of one
/// character has that character's key alone (`first_char_key`), which a word must be looked up
/// by too.
uint64_t word_key(std::string_view word);

/// The key of a word's first character alone: what a one-character term's word_key is.
inline uint64_t first_char_key(uint64_t key) { return key & ~uint64_t{0xFFFFFFFF}; }

}  // namespace sondhan::analyzers
