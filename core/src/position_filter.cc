#include "position_filter.h"

#include <algorithm>

#include "sondhan/core/schema.h"
#include "word_positions.h"
#include "word_terms.h"

namespace sondhan::core {
namespace {

// The documents (of one shard) whose positions value has `keys` standing as `how` says.
class PositionFilter : public Xapian::PostingSource {
 public:
  PositionFilter(std::vector<std::string> terms, std::vector<uint32_t> keys, int field, Xapian::termcount window,
                 Proximity how)
      : terms_(std::move(terms)), keys_(std::move(keys)), field_(field), window_(window), how_(how) {}

  void init(const Xapian::Database& shard) override {
    set_maxweight(0);  // boolean: the words' AND weighs
    shard_ = shard;
    lists_.clear();  // opened when the filter leads, which it should not
    values_ = shard.valuestream_begin(static_cast<Xapian::valueno>(kPositionsSlot));
    documents_ = shard.get_doccount();
    current_ = 0;
    matched_ = false;
    at_end_ = terms_.empty();
  }

  // Xapian's AND leads with its rarest part and asks the others with check(): the filter must
  // not lead, or every skip_to() of the AND would make it read positions until the next match.
  // Half the shard also makes the AND's estimate half its words' AND, Xapian's own estimate
  // for a phrase.
  Xapian::doccount get_termfreq_min() const override { return 0; }
  Xapian::doccount get_termfreq_est() const override { return std::max<Xapian::doccount>(documents_ / 2, 1); }
  Xapian::doccount get_termfreq_max() const override { return documents_; }

  void next(double) override { advance(current_ + 1); }
  void skip_to(Xapian::docid did, double) override {
    if (did > current_ || !matched_) advance(std::max(did, current_ + 1));
  }
  bool check(Xapian::docid did, double) override {
    // `did` is not before current_: Xapian moves forward only.
    current_ = did;
    matched_ = fits(did);
    return matched_;  // false: "indeterminate", next() and skip_to() go on after `did`
  }
  bool at_end() const override { return at_end_; }
  Xapian::docid get_docid() const override { return current_; }

  PositionFilter* clone() const override { return new PositionFilter(terms_, keys_, field_, window_, how_); }

  std::string get_description() const override {
    std::string out = how_ == Proximity::kPhrase ? "PHRASE " : "NEAR ";
    out += std::to_string(window_);
    for (const std::string& term : terms_) out += " " + term;
    return out;
  }

 private:
  // To the first document from `did` on that has every word, standing as asked.
  void advance(Xapian::docid did) {
    if (lists_.empty()) {
      for (const std::string& term : terms_) lists_.push_back(shard_.postlist_begin(term));
    }
    const Xapian::PostingIterator end;
    for (size_t i = 0; i < lists_.size();) {
      Xapian::PostingIterator& list = lists_[i];
      if (list != end && *list < did) list.skip_to(did);
      if (list == end) {
        at_end_ = true;
        return;
      }
      if (*list > did) {
        did = *list;
        i = 0;  // every list again from the new document
        continue;
      }
      if (++i == lists_.size()) {
        if (fits(did)) break;
        ++did;
        i = 0;
      }
    }
    current_ = did;
    matched_ = true;
  }

  bool fits(Xapian::docid did) {
    const Xapian::ValueIterator end;
    if (values_ != end && values_.get_docid() < did) values_.skip_to(did);
    if (values_ == end || values_.get_docid() != did) return false;
    value_ = *values_;
    if (!reader_.parse(value_)) return false;
    reader_.positions(keys_, field_, &positions_);
    return how_ == Proximity::kPhrase ? in_order_within(positions_, window_) : near_within(positions_, window_);
  }

  const std::vector<std::string> terms_;  // as indexed, with the field prefix
  const std::vector<uint32_t> keys_;      // position_key() of each word, without it
  const int field_;
  const Xapian::termcount window_;
  const Proximity how_;

  Xapian::Database shard_;
  std::vector<Xapian::PostingIterator> lists_;  // each word's, once the filter has led
  Xapian::ValueIterator values_;
  Xapian::doccount documents_ = 0;
  Xapian::docid current_ = 0;
  bool matched_ = false;  // current_ matched (else check() left it undecided)
  bool at_end_ = false;
  std::string value_;       // the document's positions value, which reader_ reads
  PositionsReader reader_;
  std::vector<std::vector<Xapian::termpos>> positions_;
};

}  // namespace

Xapian::Query positional_query(Proximity how, const std::vector<std::string>& words, Xapian::termcount window,
                               std::string_view prefix) {
  std::vector<std::string> terms;
  std::vector<uint32_t> keys;
  std::vector<Xapian::Query> parts;
  for (const std::string& word : words) {
    terms.push_back(word_term(prefix, word));
    keys.push_back(position_key(word_term(word)));
    parts.emplace_back(terms.back());
  }
  if (parts.size() == 1) return parts.front();
  Xapian::Query all(Xapian::Query::OP_AND, parts.begin(), parts.end());
  window = std::max<Xapian::termcount>(window, static_cast<Xapian::termcount>(words.size()));
  auto* filter = new PositionFilter(std::move(terms), std::move(keys), text_field_number(prefix), window, how);
  return Xapian::Query(Xapian::Query::OP_FILTER, all, Xapian::Query(filter->release()));
}

}  // namespace sondhan::core
