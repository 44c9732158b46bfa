// relevance_eval: scores a built index on the relevance sets and prints the figures (and JSON).
//   build/bin/relevance_eval --db DIR [--config FILE] [--json OUT] [--misses] [--topics]
//   build/bin/relevance_eval --run FILE   scores another engine's rankings instead (a peer's)
//   --pool RUN...   also scores topical queries against judgments pooled from these runs only
//   --no-collapse   one hit per article (searches collapse copies of a story by default)
//   --known-item FILE --half tune|report   another known-item set, or one half of it
// Ranking settings can be varied per run with SONDHAN_RANKING_* environment variables.
#include <cstdio>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "evaluate.h"

namespace {

using namespace sondhan;

void print(const relevance::Figures& f, bool show_misses, bool show_topics) {
  std::printf("known-item queries   %zu\n", f.known_item_queries);
  std::printf("  MRR@10             %.3f\n", f.mrr10);
  std::printf("  Success@1          %.3f\n", f.success1);
  std::printf("  Success@10         %.3f\n", f.success10);
  std::printf("  no result          %.3f\n", f.no_result);
  std::printf("topical queries      %zu\n", f.topical_queries);
  std::printf("  nDCG@10            %.3f\n", f.ndcg10);
  if (f.ndcg10_stories >= 0) std::printf("  nDCG@10 by story   %.3f\n", f.ndcg10_stories);
  std::printf("query latency (in-process, with snippets)  p50 %.2f ms  p99 %.2f ms\n",
              f.latency_p50_ms, f.latency_p99_ms);
  if (show_misses) {
    for (const std::string& m : f.misses) std::printf("  miss: %s\n", m.c_str());
  }
  if (show_topics) {
    for (const auto& t : f.topics) {
      std::printf("  %s %.3f judged %2zu/10  %s\n", t.id.c_str(), t.ndcg10, t.judged_in_top10, t.query.c_str());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Scores a sondhan index, or another engine's run, on the relevance test sets."};
  std::string db, run_path, config_path, json_out, dump_unjudged, run_out;
  std::vector<std::string> pool_paths;
  std::string known_path = std::string(SONDHAN_SOURCE_DIR) + "/bench/relevance/known_item.tsv";
  std::string topical_path = std::string(SONDHAN_SOURCE_DIR) + "/bench/relevance/topical.tsv";
  bool show_misses = false, show_topics = false, no_collapse = false;
  std::string half;
  auto* db_option = app.add_option("--db", db, "database built from ../shared/corpus/bn_news.jsonl.gz");
  auto* run_option = app.add_option("--run", run_path, "score this run file (query<TAB>id<TAB>id...) instead");
  db_option->excludes(run_option);  // both ways
  app.add_option("--config", config_path, "TOML configuration");
  app.add_option("--known-item", known_path, "known-item queries (TSV)");
  app.add_option("--topical", topical_path, "topical queries with judgments (TSV)");
  app.add_option("--pool", pool_paths, "run files: also report nDCG@10 with judgments pooled from them only");
  app.add_option("--json", json_out, "also write the figures as JSON here");
  app.add_flag("--no-collapse", no_collapse, "one hit per article, not per story");
  app.add_option("--half", half, "known-item queries: 'tune' (1st, 3rd, 5th...) or 'report' (2nd, 4th...) only")
      ->check(CLI::IsMember({"tune", "report"}));
  app.add_flag("--misses", show_misses, "list known-item queries whose target is not in the top 10");
  app.add_flag("--topics", show_topics, "per topic: nDCG@10 and how many of the top 10 are judged");
  app.add_option("--unjudged", dump_unjudged, "append topic<TAB>doc for unjudged top-10 documents here (pooling)");
  app.add_option("--write-run", run_out, "write the rankings as a run file");
  CLI11_PARSE(app, argc, argv);
  if (db.empty() == run_path.empty()) {
    std::cerr << "relevance_eval: give --db or --run\n";
    return 2;
  }

  try {
    auto known = relevance::load_known_items(known_path);
    if (!half.empty()) {
      // A fixed split of the set: tune on one half, report the other (docs/relevance.md).
      std::vector<relevance::KnownItemQuery> kept;
      for (size_t i = half == "tune" ? 0 : 1; i < known.size(); i += 2) kept.push_back(known[i]);
      known = std::move(kept);
    }
    const auto topical = relevance::load_topical(topical_path);
    relevance::Ranker rank;
    std::unique_ptr<core::Searcher> searcher;
    if (!run_path.empty()) {
      rank = [run = relevance::load_run(run_path)](const std::string& q) {
        auto it = run.find(q);
        return it == run.end() ? std::vector<std::string>{} : it->second;
      };
    } else {
      core::Config config;
      if (!config_path.empty()) {
        auto loaded = core::load_config(config_path, {.keys = {}, .other_sections = {"server"}});
        if (!loaded.is_ok()) throw std::runtime_error(loaded.status().message());
        config = loaded.value();
      }
      if (auto s = core::apply_environment(&config, core::process_environment()); !s.is_ok()) {
        throw std::runtime_error(s.message());
      }
      config.db_path = db;
      if (auto s = config.validate(); !s.is_ok()) throw std::runtime_error(s.message());
      auto opened = core::Searcher::open(config);
      if (!opened.is_ok()) throw std::runtime_error(opened.status().message());
      searcher = std::move(opened).value();
      rank = relevance::searcher_ranker(*searcher, !no_collapse);
      // A first pass warms the operating system's cache; the second is measured.
      relevance::evaluate(rank, known, topical);
    }
    relevance::Run ranked;
    // Judgments by story too: copies folded into a hit are not lost relevant articles.
    const relevance::StoryOf story_of = searcher ? relevance::searcher_stories(*searcher) : relevance::StoryOf();
    const relevance::Figures f = relevance::evaluate(
        [&](const std::string& q) { return ranked[q] = rank(q); }, known, topical, story_of);
    print(f, show_misses, show_topics);

    double pooled_ndcg10 = -1;
    if (!pool_paths.empty()) {
      std::vector<relevance::Run> pool;
      for (const std::string& path : pool_paths) pool.push_back(relevance::load_run(path));
      pooled_ndcg10 = relevance::evaluate([&](const std::string& q) { return ranked[q]; }, {},
                                          relevance::restrict_to_pool(topical, pool))
                          .ndcg10;
      std::printf("  nDCG@10, judgments pooled from %zu runs  %.3f\n", pool.size(), pooled_ndcg10);
    }
    if (!run_out.empty()) relevance::write_run(run_out, ranked);
    if (!dump_unjudged.empty()) {
      std::ofstream out(dump_unjudged, std::ios::app);
      for (size_t t = 0; t < f.topics.size(); ++t) {
        for (const std::string& id : f.topics[t].top10) {
          if (!topical[t].grades.count(id)) out << f.topics[t].id << '\t' << id << '\n';
        }
      }
    }
    if (!json_out.empty()) {
      nlohmann::json j = {{"known_item_queries", f.known_item_queries}, {"mrr10", f.mrr10},
                          {"success1", f.success1},   {"success10", f.success10},
                          {"no_result", f.no_result}, {"topical_queries", f.topical_queries},
                          {"ndcg10", f.ndcg10},       {"ndcg10_stories", f.ndcg10_stories},
                          {"query_p50_ms", f.latency_p50_ms},
                          {"query_p99_ms", f.latency_p99_ms}};
      if (pooled_ndcg10 >= 0) j["ndcg10_peer_pooled"] = pooled_ndcg10;
      std::ofstream(json_out) << j.dump(2) << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "relevance_eval: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
