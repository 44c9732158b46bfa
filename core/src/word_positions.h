// Where each word of an article stands, kept with the article in a value slot (kPositionsSlot)
// instead of Xapian's position table. Glass keeps one B-tree entry per (word, article), keyed by
// the word and the docid; two thirds of them hold a single position, so the keys outweigh the
// positions. At 300,000 articles that table was 42% of the database, and writing, committing and
// merging it 29% of the build's time (docs/scale.md). Here an article's positions are one short
// string: short hashes of its distinct words, sorted, then each text field's positions in order
// as indexes into that list, all packed in as few bits as they need.
//
// Phrase and proximity checks (position_filter.h) read it only for articles that have every word
// of the phrase: they are ANDed with the words' terms. So a hash only has to tell an article's
// own words apart, not every word there is: the builder picks, for each article, the hashes'
// width (about twice the bits of its number of words) and a seed under which its words' hashes
// are distinct. A word's hash finds its index; one pass over the packed indexes finds where it
// stands.
//
// Format (varint: 7 bits a byte, low bits first, high bit set when more follow; packed: entries
// of a fixed number of bits, low bit first, the last byte padded with zeros):
//   byte       kWordPositionsFormat
//   byte       b, the hashes' width in bits (1 to 32)
//   byte       the hashes' seed (word_position_hash)
//   varint     n, the number of distinct words (at least 1)
//   varint     r, the number of runs (one for each text field that has words)
//   r x        varint field (its index in the schema), varint first position, varint length
//   packed     the n hashes, b bits each, ascending and distinct (unless no seed could make them
//              so, which takes tens of thousands of distinct words: words with one hash are then
//              one word to phrases)
//   packed     each run's `length` entries in order, bit_width(n) bits each: 0 for a position
//              with no word (a stop word), i for the i-th hash
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sondhan::core {

inline constexpr unsigned char kWordPositionsFormat = 1;

/// The hash of a word (the analyzer's term, UTF-8) that an article's positions store: the top
/// `bits` bits of a mix of `seed` and word_position_base(the word).
uint64_t word_position_base(std::string_view stem);
uint32_t word_position_hash(uint64_t base, unsigned seed, unsigned bits);

/// Collects one article's words, field by field in schema order and in position order within a
/// field, and encodes them.
class WordPositionsBuilder {
 public:
  void add(int field, uint32_t position, std::string_view stem);
  /// The encoded value ("" if no word was added), and the builder emptied for the next article.
  std::string finish();

 private:
  struct Entry {
    int field;
    uint32_t position;
    uint64_t base;  // word_position_base
  };
  std::vector<Entry> entries_;
  // finish()'s work space: the distinct words' bases, and their hashes with the bases.
  std::vector<uint64_t> bases_;
  std::vector<std::pair<uint32_t, uint64_t>> hashes_;
  std::vector<std::pair<uint64_t, uint32_t>> index_;  // (base, the word's index from 1), hashed
};

/// How a query's words must stand in an article.
struct PositionPattern {
  bool in_order = true;            // true: a phrase, each word after the one before; false: near, any order
  uint32_t window = 2;             // first to last word within this many positions
  int field = -1;                  // the schema index of the one field to look in; -1: any text field
  std::vector<std::string> stems;  // the words, in the query's order (at least two)
};

struct PackedBits;

/// A pattern, ready to test articles' encoded positions.
class PositionMatcher {
 public:
  explicit PositionMatcher(PositionPattern pattern);

  /// Per-caller work space, so that one matcher serves many threads.
  struct Scratch {
    std::vector<uint32_t> ordinals;                    // each distinct word's index in the article
    std::vector<int64_t> starts;                       // for a phrase
    std::vector<std::pair<uint32_t, uint32_t>> hits;   // (position, distinct word), for near
    std::vector<uint32_t> counts;                      // for near
    std::vector<std::pair<uint64_t, uint64_t>> runs;   // (field, length) of each run
  };

  /// Whether the article whose encoded positions are `value`, and which has every word of the
  /// pattern, has them as the pattern says. A value that is empty, malformed or of another format
  /// has no match.
  bool matches(std::string_view value, Scratch* scratch) const;

  const PositionPattern& pattern() const { return pattern_; }

 private:
  bool phrase_in_run(const PackedBits& entries, uint64_t first, uint64_t length, Scratch* s) const;
  bool near_in_run(const PackedBits& entries, uint64_t first, uint64_t length, Scratch* s) const;

  PositionPattern pattern_;
  std::vector<uint64_t> bases_;   // the pattern's distinct words' word_position_base
  std::vector<uint32_t> word_;    // for each word of the pattern, its index in bases_
  std::vector<uint32_t> needed_;  // for each distinct word, how often the pattern has it
};

}  // namespace sondhan::core
