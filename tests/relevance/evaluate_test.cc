// The scoring itself, on hand-made rankings: what the relevance figures and the peer comparison
// rest on.
#include <cmath>

#include <catch2/catch.hpp>

#include "evaluate.h"
#include "test_support.h"

using namespace sondhan::relevance;

namespace {
Ranker fixed(Run run) {
  return [run = std::move(run)](const std::string& q) {
    auto it = run.find(q);
    return it == run.end() ? std::vector<std::string>{} : it->second;
  };
}
}  // namespace

TEST_CASE("known-item figures: reciprocal rank within the top 10, near-duplicates count", "[relevance]") {
  const std::vector<KnownItemQuery> known = {
      {"a", {"t1"}}, {"b", {"t2", "dup2"}}, {"c", {"t3"}}, {"d", {"t4"}}};
  Run run;
  run["a"] = {"t1", "x"};                                      // rank 1
  run["b"] = {"x", "y", "dup2"};                               // rank 3, by its duplicate
  run["c"] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "t3"};  // rank 11: a miss
  // "d" gets no result at all.
  const Figures f = evaluate(fixed(run), known, {});
  CHECK(f.mrr10 == Approx((1.0 + 1.0 / 3) / 4));
  CHECK(f.success1 == Approx(0.25));
  CHECK(f.success10 == Approx(0.5));
  CHECK(f.no_result == Approx(0.25));
  CHECK(f.misses.size() == 2);
}

TEST_CASE("nDCG@10 against all judgments, and against judgments pooled from other runs", "[relevance]") {
  const std::vector<TopicalQuery> topical = {{"T1", "q", {{"a", 2}, {"b", 1}, {"c", 2}}}};
  Run ours;
  ours["q"] = {"c", "b", "z"};
  const Figures full = evaluate(fixed(ours), {}, topical);
  // DCG: 3/log2(2) + 1/log2(3); ideal: 3 + 3/log2(3) + 1/log2(4).
  const double dcg = 3.0 + 1.0 / std::log2(3.0);
  CHECK(full.ndcg10 == Approx(dcg / (3.0 + 3.0 / std::log2(3.0) + 0.5)));
  CHECK(full.topics[0].judged_in_top10 == 2);

  // A peer that found only "b" and "a": "c" becomes unjudged, so our first hit scores nothing
  // and the ideal shrinks to what the pool holds.
  Run peer;
  peer["q"] = {"b", "a", "y"};
  const auto pooled = restrict_to_pool(topical, {peer});
  REQUIRE(pooled[0].grades.size() == 2);
  CHECK_FALSE(pooled[0].grades.count("c"));
  const Figures p = evaluate(fixed(ours), {}, pooled);
  CHECK(p.ndcg10 == Approx((1.0 / std::log2(3.0)) / (3.0 + 1.0 / std::log2(3.0))));
}

TEST_CASE("a run file round-trips", "[relevance]") {
  sondhan::testing::TempDir dir;
  const std::string path = dir.str("peer.run");
  Run run;
  run["উত্তর কোরিয়া"] = {"id-1", "id-2"};
  run["empty"] = {};
  write_run(path, run);
  CHECK(load_run(path) == run);
  CHECK_THROWS(load_run(dir.str("missing.run")));
}
