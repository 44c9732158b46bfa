// Answers searches and document lookups over a sondhan database. One Searcher per thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sondhan/core/config.h"
#include "sondhan/core/status.h"

namespace sondhan::core {

enum class SortOrder { kRelevance, kDateAscending, kDateDescending };

struct SearchRequest {
  std::string query;                       // the query language of docs/api.md; may be empty
  size_t offset = 0;
  size_t limit = 10;
  SortOrder sort = SortOrder::kRelevance;
  std::optional<std::string> from_date;    // "YYYY-MM-DD", inclusive
  std::optional<std::string> to_date;      // "YYYY-MM-DD", inclusive
  /// Exact filters by the schema's filter_name (source, tag...): OR within one, AND across.
  std::map<std::string, std::vector<std::string>> filters;
  std::vector<std::string> facets;         // facet_names() to count
  bool highlight = true;
  /// Relevance-sorted searches show one hit per story (the best-ranked of its articles), with
  /// the other matching articles of the story in Hit::version_ids. Date-sorted searches list
  /// every article.
  bool collapse = true;
};

struct Hit {
  std::string id;
  double score = 0;
  /// The schema's shown fields the record has (not the id), by name, each value as the JSON
  /// text stored ("\"2025-08-13\"", "[\"a\",\"b\"]").
  std::vector<std::pair<std::string, std::string>> fields;
  std::string snippet;                     // escaped body passage, matches marked
  std::string title_html;                  // escaped title, matches marked
  size_t title_matches = 0;
  /// With collapse: the other articles of this hit's story that match the search (copies
  /// folded into it), best first.
  std::vector<std::string> version_ids;
};

/// An article listed by id with its shown fields (a story's versions, related articles).
struct ArticleRef {
  std::string id;
  std::vector<std::pair<std::string, std::string>> fields;  // as in Hit
  std::string snippet;                     // the body's opening, escaped, unmarked
  double score = 0;                        // related(): how alike; 0 for versions()
};

struct FacetCount {
  std::string value;
  size_t count = 0;
};

struct SearchResult {
  size_t total = 0;                        // estimated number of matches
  bool total_is_exact = false;
  std::vector<Hit> hits;
  std::map<std::string, std::vector<FacetCount>> facets;
  std::string query_description;           // Xapian's description, for debugging
};

/// A stored article, as GET /documents/{id} gives it.
struct StoredArticle {
  std::string record;                      // the record as indexed (JSON)
  bool highlighted = false;                // a query was given: the two below are set
  std::string title_html, body_html;       // escaped, with the query's matches marked
};

/// One completion of the word being typed.
struct Completion {
  std::string word;                        // the completed word, as titles write it (canonical form)
  std::string text;                        // the whole query with its last word completed
  size_t count = 0;                        // articles whose title has the word
};

struct IndexStats {
  size_t documents = 0;
  uint64_t revision = 0;                   // grows with every commit
  uint64_t total_length = 0;               // sum of document lengths
  size_t facet_memory_bytes = 0;           // the process's facet columns (search.facet_memory_mb)
  std::string manifest;                    // how the database was built (manifest.h), JSON; ""
                                           //   for an empty database without one
};

/// Not thread-safe: give each thread its own. Before each call the database is reopened, so
/// that commits made by the indexer become visible at once.
class Searcher {
 public:
  /// kUnavailable if the database cannot be opened (missing, or not a Xapian database) or was
  /// built with other terms than this binary and configuration make (the message says what
  /// differs and how to rebuild it).
  static Result<std::unique_ptr<Searcher>> open(const Config& config);
  ~Searcher();
  Searcher(const Searcher&) = delete;
  Searcher& operator=(const Searcher&) = delete;

  /// kInvalidArgument for a bad query, date or facet name; kUnavailable if the database went away.
  Result<SearchResult> search(const SearchRequest& request);

  /// The stored article; kNotFound if no article has this id. With a `highlight_query`, also
  /// the whole title and body, HTML-escaped, with the words that query matches marked
  /// (kInvalidArgument if it does not parse).
  Result<StoredArticle> document(const std::string& id, const std::string& highlight_query = "");

  /// Completions of the last, unfinished word of `query` (as typed into a search box) from the
  /// words of the index's titles, most frequent first, at most `limit`. None when `query` is
  /// empty or ends with a space (no word being typed). kInvalidArgument for invalid UTF-8 or an
  /// over-long query.
  Result<std::vector<Completion>> suggest(const std::string& query, size_t limit);

  Result<IndexStats> stats();

  /// Every article of the story `id` belongs to (near-duplicates grouped at index time),
  /// itself included, oldest first (then by id); just itself when it has no copies.
  /// kNotFound if no article has this id.
  Result<std::vector<ArticleRef>> versions(const std::string& id);

  /// At most `limit` articles most like `id` that are not copies of it (another story), one
  /// per story, most alike first: the article's most distinctive words (Xapian's relevance-set
  /// expansion, from the index's own term statistics) searched for. kNotFound if no article
  /// has this id.
  Result<std::vector<ArticleRef>> related(const std::string& id, size_t limit);

 private:
  struct Impl;
  explicit Searcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sondhan::core
