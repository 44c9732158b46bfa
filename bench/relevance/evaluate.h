// Relevance evaluation over a built index: known-item queries (MRR@10, Success@1/@10, share of
// queries without results) and topical queries with graded judgments (nDCG@10), plus the
// in-process latency of the same searches. Used by the relevance_eval tool and the floor test.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sondhan/core/searcher.h"

namespace sondhan::relevance {

struct KnownItemQuery {
  std::string query;
  std::vector<std::string> targets;  // the target and its near-duplicates ("dup:" in the file)
};

struct TopicalQuery {
  std::string id;
  std::string query;
  std::map<std::string, int> grades;  // doc id -> 0, 1, 2; unjudged documents count as 0
};

struct Figures {
  size_t known_item_queries = 0;
  double mrr10 = 0, success1 = 0, success10 = 0, no_result = 0;
  size_t topical_queries = 0;
  double ndcg10 = 0;
  double ndcg10_stories = -1;                     // judged by story (evaluate's story_of); -1 without
  double latency_p50_ms = 0, latency_p99_ms = 0;  // search + snippets, in-process
  std::vector<std::string> misses;                // known-item queries not in the top 10
  struct Topic {
    std::string id, query;
    double ndcg10 = 0;
    size_t judged_in_top10 = 0;  // how much of the top 10 the judgments cover
    std::vector<std::string> top10;
  };
  std::vector<Topic> topics;
};

/// Reads bench/relevance/known_item.tsv. Throws std::runtime_error if it cannot be read.
std::vector<KnownItemQuery> load_known_items(const std::string& path);
/// Reads bench/relevance/topical.tsv.
std::vector<TopicalQuery> load_topical(const std::string& path);

/// Answers a query with the ids of its top 10, best first. An entry may name, after the id of
/// the article shown, the ids of the copies folded into it (collapsed search), each after a
/// kVersionSeparator: a known-item target among them counts as found at that rank (the reader
/// sees its story there); topical judgments and run files use the shown id.
using Ranker = std::function<std::vector<std::string>(const std::string& query)>;
inline constexpr char kVersionSeparator = '\x1f';
/// The shown id of a ranker's entry.
std::string shown_id(const std::string& entry);

/// A run: each query's top 10, as one engine ranked them. On disk one line per query,
/// query<TAB>id<TAB>id..., which is what the peers in relevance/peers/ write.
using Run = std::map<std::string, std::vector<std::string>>;
Run load_run(const std::string& path);
void write_run(const std::string& path, const Run& run);

/// The judgments as a pool of other engines would give them: for each topic only the documents
/// some run in `pool` ranked in its top 10 keep their grade (the rest become unjudged). This is
/// how judgments pooled from peers score a system that finds documents the peers did not.
std::vector<TopicalQuery> restrict_to_pool(std::vector<TopicalQuery> topical, const std::vector<Run>& pool);

/// The story an article belongs to (any name shared by its copies and only them).
using StoryOf = std::function<std::string(const std::string& id)>;

/// Runs every query through `rank` and scores it; latency is that of `rank`. With `story_of`
/// (for a ranker that collapses stories), Figures::ndcg10_stories is also computed: judgments
/// by story, each story graded by its best article, so that the ideal top 10 holds one
/// article per story too.
Figures evaluate(const Ranker& rank, const std::vector<KnownItemQuery>& known,
                 const std::vector<TopicalQuery>& topical, const StoryOf& story_of = {});

/// The story of each article as `searcher` lists its versions (the smallest id of the story).
StoryOf searcher_stories(core::Searcher& searcher);

/// Ranks with `searcher` (limit 10, highlighting on, as the server answers; collapsed by
/// story unless `collapse` is false). Throws std::runtime_error if a search fails.
Ranker searcher_ranker(core::Searcher& searcher, bool collapse = true);

/// evaluate(searcher_ranker(searcher), known, topical).
Figures evaluate(core::Searcher& searcher, const std::vector<KnownItemQuery>& known,
                 const std::vector<TopicalQuery>& topical);

}  // namespace sondhan::relevance
