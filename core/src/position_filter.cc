// A Xapian::PostingSource that keeps the articles whose stored positions match a pattern.
#include "position_filter.h"

#include <memory>
#include <utility>

#include "sondhan/core/schema.h"
#include "word_terms.h"

namespace sondhan::core {
namespace {

// Under OP_FILTER with the pattern's words, the matcher moves the rarest word's list and asks this
// source about each candidate with check(): one read of the candidate's positions. It says it
// could match every article, so that it is asked last, after the words' lists. (Estimating half,
// as Xapian does for its phrases, made the estimated counts Xapian's but phrases of common words
// half as slow again at a million articles; so the counts estimated are those of the words' AND.)
// next() and skip_to(), which the matcher calls only if it drives from this source, walk the
// words' own lists.
class PositionFilter : public Xapian::PostingSource {
 public:
  PositionFilter(std::shared_ptr<const PositionMatcher> matcher, std::vector<std::string> terms)
      : matcher_(std::move(matcher)), terms_(std::move(terms)) {}

  void init(const Xapian::Database& shard) override {
    shard_ = shard;
    doccount_ = shard.get_doccount();
    values_ = shard.valuestream_begin(static_cast<Xapian::valueno>(kPositionsSlot));
    lists_.clear();
    did_ = 0;
    after_ = false;
    at_end_ = false;
  }
  Xapian::doccount get_termfreq_min() const override { return 0; }
  Xapian::doccount get_termfreq_est() const override { return doccount_; }
  Xapian::doccount get_termfreq_max() const override { return doccount_; }

  bool check(Xapian::docid did, double) override {
    did_ = did;
    after_ = !matches(did);  // not here: next() and skip_to() go on from after it
    return !after_;
  }
  void next(double) override { advance(did_ + 1); }
  void skip_to(Xapian::docid did, double) override {
    if (after_ && did <= did_) {
      advance(did_ + 1);
    } else if (did > did_) {
      advance(did);
    }
  }
  bool at_end() const override { return at_end_; }
  Xapian::docid get_docid() const override { return did_; }

  PositionFilter* clone() const override { return new PositionFilter(matcher_, terms_); }
  // As Xapian describes its own phrases: "a PHRASE 2 b", "a NEAR 8 b" (the words as terms).
  std::string get_description() const override {
    const PositionPattern& p = matcher_->pattern();
    const std::string op = (p.in_order ? " PHRASE " : " NEAR ") + std::to_string(p.window) + " ";
    std::string d;
    for (const std::string& term : terms_) d += (d.empty() ? "" : op) + term;
    return d;
  }

 private:
  bool matches(Xapian::docid did) {
    if (values_ == shard_.valuestream_end(0)) return false;
    if (values_.get_docid() < did) values_.skip_to(did);
    return values_ != shard_.valuestream_end(0) && values_.get_docid() == did && matcher_->matches(*values_, &scratch_);
  }

  // To the first article at or after `from` with every word whose positions match.
  void advance(Xapian::docid from) {
    after_ = false;
    if (lists_.empty()) {
      for (const std::string& term : terms_) lists_.emplace_back(shard_.postlist_begin(term), shard_.postlist_end(term));
    }
    Xapian::docid candidate = from;
    while (!lists_.empty()) {
      bool all = true;
      for (auto& [it, end] : lists_) {
        it.skip_to(candidate);
        if (it == end) {
          at_end_ = true;
          return;
        }
        if (*it > candidate) {
          candidate = *it;
          all = false;
          break;
        }
      }
      if (all && matches(candidate)) {
        did_ = candidate;
        return;
      }
      if (all) ++candidate;
    }
    at_end_ = true;
  }

  std::shared_ptr<const PositionMatcher> matcher_;
  std::vector<std::string> terms_;
  Xapian::Database shard_;
  Xapian::doccount doccount_ = 0;
  Xapian::ValueIterator values_;
  std::vector<std::pair<Xapian::PostingIterator, Xapian::PostingIterator>> lists_;
  Xapian::docid did_ = 0;
  bool after_ = false;  // did_ was checked and is not a match
  bool at_end_ = false;
  PositionMatcher::Scratch scratch_;
};

}  // namespace

Xapian::Query positions_filter(PositionPattern pattern, std::string_view field_prefix) {
  std::vector<std::string> terms;
  for (const std::string& stem : pattern.stems) terms.push_back(word_term(field_prefix, stem));
  auto matcher = std::make_shared<const PositionMatcher>(std::move(pattern));
  return Xapian::Query((new PositionFilter(std::move(matcher), std::move(terms)))->release());  // owned by the query
}

Xapian::Query positions_query(PositionPattern pattern, std::string_view field_prefix) {
  std::vector<Xapian::Query> words;
  for (const std::string& stem : pattern.stems) words.emplace_back(word_term(field_prefix, stem));
  return Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query(Xapian::Query::OP_AND, words.begin(), words.end()),
                       positions_filter(std::move(pattern), field_prefix));
}

}  // namespace sondhan::core
