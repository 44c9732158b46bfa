// A Xapian::PostingSource that keeps the articles whose stored positions match a pattern, and a
// Xapian::MatchDecider that takes over its checks where a ranked match can make them later.
#include "position_filter.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "sondhan/core/schema.h"
#include "word_terms.h"

namespace sondhan::core {

// A pattern with its words as terms, and whether a DeferredPositions has taken its check over.
class PositionCheck {
 public:
  PositionCheck(PositionPattern pattern, std::string_view field_prefix) : matcher(std::move(pattern)) {
    for (const std::string& stem : matcher.pattern().stems) terms.push_back(word_term(field_prefix, stem));
    sorted_terms = terms;
    std::sort(sorted_terms.begin(), sorted_terms.end());
  }

  const PositionMatcher matcher;
  std::vector<std::string> terms;         // the pattern's words as terms, in its order
  std::vector<std::string> sorted_terms;  // the same, in the index's order
  bool deferred = false;  // set by a DeferredPositions::Scope: the filter answers `passes`
  bool passes = true;
};

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
  explicit PositionFilter(std::shared_ptr<PositionCheck> check) : check_(std::move(check)) {}

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

  PositionFilter* clone() const override { return new PositionFilter(check_); }
  // As Xapian describes its own phrases: "a PHRASE 2 b", "a NEAR 8 b" (the words as terms).
  std::string get_description() const override {
    const PositionPattern& p = check_->matcher.pattern();
    const std::string op = (p.in_order ? " PHRASE " : " NEAR ") + std::to_string(p.window) + " ";
    std::string d;
    for (const std::string& term : check_->terms) d += (d.empty() ? "" : op) + term;
    return d;
  }

 private:
  // Whether the candidate `did`, which has every word, has them as the pattern says; while the
  // check is deferred, what the decider will be asked.
  bool matches(Xapian::docid did) {
    if (check_->deferred) return check_->passes;
    if (values_ == shard_.valuestream_end(0)) return false;
    if (values_.get_docid() < did) values_.skip_to(did);
    return values_ != shard_.valuestream_end(0) && values_.get_docid() == did && check_->matcher.matches(*values_, &scratch_);
  }

  // To the first article at or after `from` with every word whose positions match.
  void advance(Xapian::docid from) {
    after_ = false;
    if (check_->deferred && !check_->passes) {
      at_end_ = true;
      return;
    }
    if (lists_.empty()) {
      for (const std::string& term : check_->terms) lists_.emplace_back(shard_.postlist_begin(term), shard_.postlist_end(term));
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

  std::shared_ptr<PositionCheck> check_;
  Xapian::Database shard_;
  Xapian::doccount doccount_ = 0;
  Xapian::ValueIterator values_;
  std::vector<std::pair<Xapian::PostingIterator, Xapian::PostingIterator>> lists_;
  Xapian::docid did_ = 0;
  bool after_ = false;  // did_ was checked and is not a match
  bool at_end_ = false;
  PositionMatcher::Scratch scratch_;
};

// Whether `doc` has every one of `terms` (in the index's order).
bool has_terms(const Xapian::Document& doc, const std::vector<std::string>& terms) {
  Xapian::TermIterator it = doc.termlist_begin();
  const Xapian::TermIterator end = doc.termlist_end();
  for (const std::string& term : terms) {
    it.skip_to(term);
    if (it == end || *it != term) return false;
  }
  return true;
}

Xapian::Query filter_of(std::shared_ptr<PositionCheck> check) {
  return Xapian::Query((new PositionFilter(std::move(check)))->release());  // owned by the query
}

}  // namespace

Xapian::Query positions_filter(PositionPattern pattern, std::string_view field_prefix) {
  return filter_of(std::make_shared<PositionCheck>(std::move(pattern), field_prefix));
}

Xapian::Query positions_query(PositionPattern pattern, std::string_view field_prefix,
                              std::shared_ptr<PositionCheck>* check) {
  auto made = std::make_shared<PositionCheck>(std::move(pattern), field_prefix);
  std::vector<Xapian::Query> words;
  for (const std::string& term : made->terms) words.emplace_back(term);
  if (check != nullptr) *check = made;
  return Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query(Xapian::Query::OP_AND, words.begin(), words.end()),
                       filter_of(std::move(made)));
}

Xapian::Query positions_query(PositionPattern pattern, std::string_view field_prefix) {
  return positions_query(std::move(pattern), field_prefix, nullptr);
}

bool DeferredPositions::operator()(const Xapian::Document& doc) const {
  const std::string value = doc.get_value(static_cast<Xapian::valueno>(kPositionsSlot));
  for (const auto& [check, required] : checks_) {
    bool found = check->matcher.matches(value, &scratch_);
    // A required phrase's words are all in the document (the query has their AND), but an
    // excluded one's need not be, and a word it lacks may share its hash with one it has
    // (word_positions.h): only the document's terms can say the words are there.
    if (found && !required) found = has_terms(doc, check->sorted_terms);
    if (found != required) return false;
  }
  return true;
}

DeferredPositions::Scope::Scope(const DeferredPositions& deferred) : deferred_(deferred) {
  for (const auto& [check, required] : deferred_.checks_) {
    check->deferred = true;
    check->passes = required;
  }
}

DeferredPositions::Scope::~Scope() {
  for (const auto& d : deferred_.checks_) d.check->deferred = false;
}

}  // namespace sondhan::core
