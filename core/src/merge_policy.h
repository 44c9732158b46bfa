// Which shards of a database that takes updates to merge, and when: the tiers of a log-structured
// index (as Lucene's merge policies keep them), so that no write ever goes into a large B-tree
// and no article is merged more than about once per tier.
#pragma once

#include <cstddef>
#include <vector>

namespace sondhan::core {

/// How many shards of one tier are merged into one, and how much larger each tier's shards are
/// than the one below: at most kShardsPerTier - 1 shards of a tier stay apart, so a database
/// has about that many shards per tenfold of its size.
inline constexpr size_t kShardsPerTier = 4;
inline constexpr size_t kTierGrowth = 10;

/// The tier of a shard of `docs` articles, where `unit` is the size a new shard fills up to
/// (index.segment_articles): 0 below it, 1 up to ten times it, and so on.
size_t tier_of(size_t docs, size_t unit);

/// Given the article counts of the shards that may be merged (in stub order; the shard still
/// being written is not among them), the positions of the shards to merge next, in order, or
/// none: all the shards of the lowest tier that has kShardsPerTier of them. Call it again after
/// each merge, with the counts as they are then.
std::vector<size_t> next_merge(const std::vector<size_t>& docs, size_t unit);

}  // namespace sondhan::core
