#include "merge_policy.h"

#include <algorithm>
#include <map>

namespace sondhan::core {

size_t tier_of(size_t docs, size_t unit) {
  unit = std::max<size_t>(unit, 1);
  size_t tier = 0;
  for (size_t ceiling = unit; docs >= ceiling && tier < 64; ceiling *= kTierGrowth) ++tier;
  return tier;
}

std::vector<size_t> next_merge(const std::vector<size_t>& docs, size_t unit) {
  std::map<size_t, std::vector<size_t>> tiers;  // lowest first
  for (size_t i = 0; i < docs.size(); ++i) tiers[tier_of(docs[i], unit)].push_back(i);
  for (const auto& [tier, members] : tiers) {
    if (members.size() >= kShardsPerTier) return members;
  }
  return {};
}

}  // namespace sondhan::core
