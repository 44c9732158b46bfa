// Phrase and proximity matching over the articles' stored word positions (word_positions.h), for
// databases built with index.positions = "compact": their position table is empty, so Xapian's
// OP_PHRASE and OP_NEAR would find nothing.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include <xapian.h>

#include "word_positions.h"

namespace sondhan::core {

/// Articles with every word of `pattern` (each as its term with `field_prefix`), standing as the
/// pattern says: the words' own query, weighted as Xapian weighs a phrase (the words' weights),
/// filtered by a check of each candidate's positions. `pattern.field` should be the field whose
/// prefix is `field_prefix` (or -1 with no prefix).
Xapian::Query positions_query(PositionPattern pattern, std::string_view field_prefix);

/// The filter alone, with no weight: the articles with every word (as terms with `field_prefix`)
/// whose positions match. positions_query() is this ANDed with the words' own query.
Xapian::Query positions_filter(PositionPattern pattern, std::string_view field_prefix);

/// The check a positions_query()'s filter makes, which a DeferredPositions can take over.
class PositionCheck;

/// positions_query(), with its filter's check in `*check`.
Xapian::Query positions_query(PositionPattern pattern, std::string_view field_prefix,
                              std::shared_ptr<PositionCheck>* check);

/// Position checks moved from the walk over the postings to the documents the matcher would
/// keep, as Xapian defers the checks of its own phrases until a candidate's weight could put it
/// in the results (its SelectPostList): a phrase of common words has tens of thousands of
/// candidates at a million articles, which the matcher weighs, but once its page is full and its
/// count reached (count_at_least) it keeps few of them.
///
/// Only for phrases that every match must have, or that no match may have (the query's own
/// words, quoted or required, outside any OR). While a Scope lives, the filters of those phrases
/// answer without reading positions (a required phrase as if every candidate matched, an
/// excluded one as if none did), and this decider, given to the same match
/// (Enquire::get_mset), checks them on each document the matcher would keep. Outside a Scope
/// the filters check every candidate themselves, so a match run without the decider is exact.
class DeferredPositions : public Xapian::MatchDecider {
 public:
  void require(std::shared_ptr<PositionCheck> check) { checks_.push_back({std::move(check), true}); }
  void exclude(std::shared_ptr<PositionCheck> check) { checks_.push_back({std::move(check), false}); }
  bool empty() const { return checks_.empty(); }

  bool operator()(const Xapian::Document& doc) const override;

  /// Defers the checks to the decider while it lives. One match at a time.
  class Scope {
   public:
    explicit Scope(const DeferredPositions& deferred);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    const DeferredPositions& deferred_;
  };

 private:
  struct Deferred {
    std::shared_ptr<PositionCheck> check;
    bool required;  // false: excluded
  };
  std::vector<Deferred> checks_;
  mutable PositionMatcher::Scratch scratch_;
};

}  // namespace sondhan::core
