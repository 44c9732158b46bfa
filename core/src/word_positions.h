// Where the words of a document stand, kept as one value per document (kPositionsSlot) instead
// of in Xapian's position table. Glass stores one B-tree entry per (word, document), keyed by the
// whole term: at a million articles that table was 1.98 GB of a 4.48 GB database, and writing it
// a fifth of the indexing time. Phrases and the proximity boost only ever ask "where do these few
// words stand in this document", which one short value per document answers (position_filter.h).
//
// A document's value:
//   byte      format (1)
//   varint    F, then F varints: where each text field's positions end (schema order, deltas)
//   varint    N, then N varints: the sorted keys (position_key) of the document's distinct
//             words, as deltas
//   byte      W: the width of a code (1 when N + 3 <= 256, else 2, little-endian)
//   codes     the positions in order: 0 skips one position, 1 + varint k skips k, 2 puts the
//             next word at the previous word's position, 3 + i is the i-th key's word
// A word's key is 20 bits of its term's CRC-32: two words of one document that share a key read
// as one. That can only make a phrase match that should not, and rarely: one document in 50 to
// 100 has such a pair, and then only a phrase with one of the two, standing where the other one
// does, is wrong.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

namespace sondhan::core {

/// The key of a word (its term as the index spells it, without a field prefix).
uint32_t position_key(std::string_view term);

/// Which text field a phrase is confined to: its place among the schema's text fields, or
/// kAnyField.
inline constexpr int kAnyField = -1;
/// The place of the text field with term prefix `prefix` among the schema's text fields, or
/// kAnyField when `prefix` is empty or no text field has it.
int text_field_number(std::string_view prefix);

/// Builds one document's value: words in increasing position order, end_field() after each text
/// field of the schema (with words or not), in schema order.
class PositionsWriter {
 public:
  void add(std::string_view term, Xapian::termpos position);
  void end_field(Xapian::termpos end);  // positions of the field are below `end`
  /// The value; empty when the document has no words.
  std::string finish();

 private:
  std::vector<std::pair<Xapian::termpos, uint32_t>> words_;  // position, key
  std::vector<Xapian::termpos> field_ends_;
};

/// Reads one document's value: the positions of a few words.
class PositionsReader {
 public:
  /// False when `value` is not a positions value (then no word has positions). Keeps a view of
  /// `value`, which must outlive the reading.
  bool parse(std::string_view value);
  /// For each of `keys`, its positions, ascending, within text field `field` (or kAnyField).
  void positions(const std::vector<uint32_t>& keys, int field,
                 std::vector<std::vector<Xapian::termpos>>* out) const;

 private:
  std::string_view codes_;
  std::vector<uint32_t> keys_;
  std::vector<Xapian::termpos> field_ends_;
  unsigned width_ = 1;
};

/// Whether the words of `positions` (one list each, ascending) stand in that order, each after
/// the one before, the first and last within `window` positions (Xapian's OP_PHRASE).
bool in_order_within(const std::vector<std::vector<Xapian::termpos>>& positions, Xapian::termpos window);

/// Whether one position of each list fits in `window` positions, in any order, no two lists on
/// one position (Xapian's OP_NEAR).
bool near_within(const std::vector<std::vector<Xapian::termpos>>& positions, Xapian::termpos window);

}  // namespace sondhan::core
