// Parses the user's query language into a Xapian::Query, running every word through the same
// analyzer as the documents.
//
// Language (docs/api.md has examples):
//   words            ranked by relevance; documents with all the words come first
//   "a phrase"       the words next to each other, in order (required)
//   -word, NOT word  exclude; -"a phrase" too
//   +word, a AND b   require
//   a OR b           either
//   ( ... )          grouping
//   title:word       in the title only; title:"a phrase"
//   source:X category:X author:X tag:X year:2024   exact filters (quote values with spaces)
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <xapian.h>

#include "sondhan/analyzers/analyzer.h"
#include "sondhan/core/config.h"
#include "position_filter.h"
#include "sondhan/core/status.h"

namespace sondhan::core {

/// A pair of neighbouring query words whose standing close together in an article adds to its
/// weight: the two words' weights in the article, times `factor`.
struct ProximityPair {
  PositionPattern pattern;  // how close, in what order
  std::string first, second;  // the two words' terms
  double factor = 0;
};

struct ParsedQuery {
  Xapian::Query query;                          // what matches, and its base ranking; MatchAll
                                                //   when only filters were given
  Xapian::Query proximity;                      // extra weight for neighbouring query words found
                                                //   close together; empty when the query has none
  std::vector<ProximityPair> proximity_pairs;   // the same, pair by pair, where the positions
                                                //   are in a value (index.positions = "compact")
  std::unordered_set<std::string> highlight;    // stems to mark in snippets
  bool has_text = false;                        // false: no ranking words (sort by date then)
  std::shared_ptr<DeferredPositions> deferred;  // the phrase checks a ranked match can defer
                                                //   (index.positions = "compact"); or null
  // A query that ranks the articles with all its words first (ranking.all_words_boost) split
  // in two: `all_words` matches those and `other_words` the rest of `query`'s matches, each
  // document with the weight `query` gives it (up to rounding: an all-words article's weight is
  // `1 + all_words_boost` times its words' sum, not the sum plus the boost's share). The best
  // articles with every word set a floor below which the others need not be weighed, which
  // Xapian's bounds on `query` as a whole (each word's spellings and fallbacks adding up) cannot.
  // Both empty when the query has no such part at its top level.
  Xapian::Query all_words, other_words;

  /// The query with its proximity weight: the same matches as `query`, ranked in full.
  Xapian::Query with_proximity() const {
    return proximity.empty() ? query : Xapian::Query(Xapian::Query::OP_AND_MAYBE, query, proximity);
  }
};

/// `query`'s description (Xapian's get_description()) with its words in UTF-8 again, for tests
/// and logs: words are spelt as word_terms.h says, which Xapian prints as \xHH escapes.
std::string readable_description(const Xapian::Query& query);

/// The stems (UTF-8) filed under a spelling key (document_builder.h's spelling_key), appended
/// to `stems`: the Searcher reads them from the database's synonym table.
using VariantLookup = std::function<void(const std::string& key, std::vector<std::string>* stems)>;

/// How many articles hold the word `stem` (UTF-8): the Searcher asks its database. Tells which
/// split of a compound query word the archive writes as two words.
using TermFrequency = std::function<Xapian::doccount(const std::string& stem)>;

/// Thread safety: as its analyzer: one thread at a time.
class QueryBuilder {
 public:
  QueryBuilder(const analyzers::Analyzer& analyzer, const Config& config);

  /// kInvalidArgument for malformed UTF-8, an over-long or over-deep query, too many terms,
  /// an unknown field or an unbalanced parenthesis; the message says which. Without
  /// `variants`, words are not expanded to the spelling variants the index has seen; without
  /// `frequency`, a compound does not also match its two words.
  Result<ParsedQuery> parse(std::string_view text, const VariantLookup& variants = {},
                            const TermFrequency& frequency = {}) const;

  /// Where the database searched keeps word positions (index.positions, as it was built:
  /// "table" or "compact"), which decides how phrases are matched.
  void use_positions(std::string positions) { index_.positions = std::move(positions); }

 private:
  friend class QueryParserState;
  const analyzers::Analyzer& analyzer_;
  RankingOptions ranking_;
  IndexOptions index_;
  SearchOptions search_;
  // Each stem -> the other stems of its groups.
  using StemGroups = std::unordered_map<std::string, std::vector<std::string>>;
  // Adds a group of words (as written, separated by spaces) to `groups`, as stems.
  void add_group(std::string_view group, StemGroups* groups) const;

  StemGroups synonyms_;     // ranking.synonyms and the built-in spellings: matched as one word
  StemGroups paraphrases_;  // the built-in paraphrases: matched at ranking.paraphrase_weight
};

}  // namespace sondhan::core
