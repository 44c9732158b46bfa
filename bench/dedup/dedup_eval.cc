// Precision and recall of the same-story test (core/fingerprint.h) against the hand-labelled
// pairs of bench/dedup/pairs.tsv, with the fingerprints the index makes, at a range of
// thresholds; and how many of the "same" pairs share a band term (the index finds them).
// With --db (the corpus indexed by sondhan-index), the same for the stories the index made
// (a pair counts as "same" when both articles are in one story), and the share of the corpus
// in stories of two or more.
//   dedup_eval [--corpus FILE.jsonl.gz] [--pairs bench/dedup/pairs.tsv] [--dump OUT.tsv] [--db DIR]
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "sondhan/analyzers/analyzer.h"
#include "sondhan/core/fingerprint.h"
#include "sondhan/core/record_parser.h"
#include "sondhan/core/searcher.h"
#include "sondhan/indexer/line_reader.h"

namespace {

struct Pair {
  std::string a, b;
  bool same = false;
  double python_jaccard = 0;
};

std::vector<Pair> read_pairs(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<Pair> pairs;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Pair p;
    std::string label, sim;
    std::getline(fields, p.a, '\t');
    std::getline(fields, p.b, '\t');
    std::getline(fields, label, '\t');
    std::getline(fields, sim, '\t');
    if (label != "same" && label != "different") continue;
    p.same = label == "same";
    p.python_jaccard = std::atof(sim.c_str());
    pairs.push_back(p);
  }
  return pairs;
}

// The bands two articles are compared on: none when either is too short to be grouped.
size_t bands_of(const sondhan::core::Fingerprint& a, const sondhan::core::Fingerprint& b) {
  return a.ignored() || b.ignored() ? 0 : sondhan::core::kBands;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sondhan;
  CLI::App app{"same-story precision and recall on hand-labelled pairs"};
  std::string corpus = SONDHAN_SOURCE_DIR "/../shared/corpus/bn_news.jsonl.gz";
  std::string pairs_path = SONDHAN_SOURCE_DIR "/bench/dedup/pairs.tsv";
  std::string dump, db;
  app.add_option("--db", db, "an index of the corpus: evaluate its stories");
  app.add_option("--corpus", corpus);
  app.add_option("--pairs", pairs_path);
  app.add_option("--dump", dump, "write each pair's estimates here");
  CLI11_PARSE(app, argc, argv);

  const std::vector<Pair> pairs = read_pairs(pairs_path);
  std::set<std::string> wanted;
  for (const Pair& p : pairs) {
    wanted.insert(p.a);
    wanted.insert(p.b);
  }
  analyzers::Analyzer analyzer;
  std::map<std::string, core::Fingerprint> fps;
  std::vector<std::string> all_ids;
  auto reader = indexer::LineReader::open(corpus);
  if (!reader.is_ok()) {
    std::cerr << reader.status().message() << "\n";
    return 2;
  }
  std::string line;
  core::RecordParser parser(core::FieldMapping{});
  for (;;) {
    auto more = reader.value()->next(&line);
    if (!more.is_ok() || !more.value()) break;
    auto change = parser.parse(line);
    if (!change.is_ok()) continue;
    all_ids.push_back(change->article.id);
    if (wanted.count(change->article.id) == 0) continue;
    fps[change->article.id] = core::fingerprint_of(analyzer.terms(change->article.text("body")));
  }

  std::ofstream out;
  if (!dump.empty()) out.open(dump);
  if (out) out << "a\tb\tlabel\tpython_jaccard\tjaccard\tcontainment\tshared_bands\tshingles_a\tshingles_b\n";
  struct Row {
    bool same;
    core::Resemblance r;
    bool found;
    bool ignored;
  };
  std::vector<Row> rows;
  size_t missing = 0;
  for (const Pair& p : pairs) {
    auto a = fps.find(p.a), b = fps.find(p.b);
    if (a == fps.end() || b == fps.end()) {
      ++missing;
      continue;
    }
    size_t shared = 0;
    for (size_t i = 0; i < bands_of(a->second, b->second); ++i) {
      shared += core::band_value(a->second, i) == core::band_value(b->second, i);
    }
    const core::Resemblance r = core::resemblance(a->second, b->second);
    const bool ignored = a->second.ignored() || b->second.ignored();
    rows.push_back({p.same, r, shared > 0, ignored});
    if (out) {
      out << p.a << '\t' << p.b << '\t' << (p.same ? "same" : "different") << '\t' << p.python_jaccard << '\t'
          << r.jaccard << '\t' << r.containment << '\t' << shared << '\t' << a->second.shingles << '\t'
          << b->second.shingles << '\n';
    }
  }
  // How many bands it takes: the same pairs the test accepts that share one of the first n.
  {
    std::map<size_t, size_t> found_by;
    size_t accepted = 0;
    for (const Pair& p : pairs) {
      auto a = fps.find(p.a), b = fps.find(p.b);
      if (a == fps.end() || b == fps.end() || !p.same || !core::same_story(a->second, b->second)) continue;
      ++accepted;
      for (size_t n : {4, 8, 12, 16, 20, 24, 32}) {
        for (size_t i = 0; i < n && i < bands_of(a->second, b->second); ++i) {
          if (core::band_value(a->second, i) == core::band_value(b->second, i)) {
            ++found_by[n];
            break;
          }
        }
      }
    }
    for (const auto& [n, found] : found_by) std::printf("first %zu bands find %zu of %zu accepted same pairs\n", n, found, accepted);
  }
  size_t same = 0, same_found = 0;
  for (const Row& r : rows) {
    same += r.same;
    same_found += r.same && r.found && !r.ignored;
  }
  std::printf("pairs %zu (same %zu), missing from the corpus %zu\n", rows.size(), same, missing);
  std::printf("same pairs sharing a band term (candidates the index finds): %zu of %zu (%.3f)\n", same_found, same,
              same ? static_cast<double>(same_found) / same : 0.0);
  auto report = [&](const char* what, double threshold, bool containment, bool need_band) {
    size_t tp = 0, fp = 0, fn = 0;
    for (const Row& r : rows) {
      const double v = containment ? r.r.containment : r.r.jaccard;
      const bool yes = !r.ignored && v >= threshold && (!need_band || r.found);
      tp += yes && r.same;
      fp += yes && !r.same;
      fn += !yes && r.same;
    }
    const double p = tp + fp ? static_cast<double>(tp) / (tp + fp) : 0, rc = tp + fn ? static_cast<double>(tp) / (tp + fn) : 0;
    std::printf("%-12s %-5s >= %.2f  precision %.3f  recall %.3f  (tp %zu fp %zu fn %zu)\n", what,
                need_band ? "index" : "exact", threshold, p, rc, tp, fp, fn);
  };
  for (double t : {0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6}) report("jaccard", t, false, false);
  for (double t : {0.6, 0.65, 0.7, 0.72, 0.75, 0.78, 0.8, 0.85}) report("containment", t, true, false);
  for (double t : {0.7, 0.72, 0.75, 0.78, 0.8}) report("containment", t, true, true);
  if (db.empty()) return 0;

  core::Config config;
  config.db_path = db;
  auto searcher = core::Searcher::open(config);
  if (!searcher.is_ok()) {
    std::cerr << searcher.status().message() << "\n";
    return 2;
  }
  std::map<std::string, std::set<std::string>> story;  // id -> its story's ids
  size_t grouped = 0, stories = 0, largest = 0;
  for (const std::string& id : all_ids) {
    auto versions = searcher.value()->versions(id);
    if (!versions.is_ok()) continue;
    auto& ids = story[id];
    for (const auto& v : versions.value()) ids.insert(v.id);
    if (ids.size() > 1) {
      ++grouped;
      if (*ids.begin() == id) ++stories;
      largest = std::max(largest, ids.size());
    }
  }
  size_t tp = 0, fp = 0, fn = 0;
  for (const Pair& p : pairs) {
    const bool yes = story[p.a].count(p.b) > 0;
    tp += yes && p.same;
    fp += yes && !p.same;
    fn += !yes && p.same;
  }
  std::printf("index stories: precision %.3f  recall %.3f  (tp %zu fp %zu fn %zu)\n",
              tp + fp ? static_cast<double>(tp) / (tp + fp) : 0.0, tp + fn ? static_cast<double>(tp) / (tp + fn) : 0.0,
              tp, fp, fn);
  std::printf("articles %zu; in stories of two or more %zu (%.1f%%); such stories %zu, largest %zu\n",
              all_ids.size(), grouped, 100.0 * grouped / std::max<size_t>(1, all_ids.size()), stories, largest);
  return 0;
}
