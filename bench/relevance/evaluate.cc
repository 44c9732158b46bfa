// Known-item and topical relevance figures over a built index (see evaluate.h).
#include "evaluate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>

namespace sondhan::relevance {
namespace {

std::vector<std::vector<std::string>> read_rows(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    rows.push_back(std::move(cols));
  }
  return rows;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(std::ceil(p * v.size())) - 1);
  return v[i];
}

}  // namespace

std::vector<KnownItemQuery> load_known_items(const std::string& path) {
  std::vector<KnownItemQuery> out;
  for (const auto& row : read_rows(path)) {
    if (row.size() < 2) continue;
    KnownItemQuery q{row[0], {row[1]}};
    if (row.size() > 2) {
      // "dup:<id>,<id>" anywhere in the note names near-duplicates that also count.
      for (size_t at = row[2].find("dup:"); at != std::string::npos; at = row[2].find("dup:", at + 4)) {
        size_t end = at + 4;
        while (end < row[2].size() && row[2][end] != ' ' && row[2][end] != ';' && row[2][end] != ')' &&
               row[2][end] != ']') {
          ++end;
        }
        std::stringstream ids(row[2].substr(at + 4, end - at - 4));
        std::string id;
        while (std::getline(ids, id, ',')) {
          if (!id.empty()) q.targets.push_back(id);
        }
      }
    }
    out.push_back(std::move(q));
  }
  return out;
}

std::vector<TopicalQuery> load_topical(const std::string& path) {
  std::vector<TopicalQuery> out;
  std::map<std::string, size_t> index;
  for (const auto& row : read_rows(path)) {
    if (row.size() >= 3 && row[0] == "Q") {
      index[row[1]] = out.size();
      out.push_back({row[1], row[2], {}});
    } else if (row.size() >= 4 && row[0] == "J" && index.count(row[1])) {
      out[index[row[1]]].grades[row[2]] = std::stoi(row[3]);
    }
  }
  return out;
}

Run load_run(const std::string& path) {
  Run run;
  for (auto& row : read_rows(path)) run[row[0]].assign(row.begin() + 1, row.end());
  return run;
}

std::string shown_id(const std::string& entry) { return entry.substr(0, entry.find(kVersionSeparator)); }

void write_run(const std::string& path, const Run& run) {
  std::ofstream out(path);
  for (const auto& [query, ids] : run) {
    out << query;
    for (const std::string& id : ids) out << '\t' << shown_id(id);
    out << '\n';
  }
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::vector<TopicalQuery> restrict_to_pool(std::vector<TopicalQuery> topical, const std::vector<Run>& pool) {
  for (TopicalQuery& q : topical) {
    std::map<std::string, int> pooled;
    for (const Run& run : pool) {
      auto ids = run.find(q.query);
      if (ids == run.end()) continue;
      for (size_t i = 0; i < ids->second.size() && i < 10; ++i) {
        if (auto g = q.grades.find(ids->second[i]); g != q.grades.end()) pooled.insert(*g);
      }
    }
    q.grades = std::move(pooled);
  }
  return topical;
}

namespace {

// nDCG@10 with judgments by story: an entry is graded by the best judged article among the one
// shown and the copies folded into it, and the ideal ranking has each story once, at the
// grade of its best article.
double story_ndcg10(const TopicalQuery& q, const std::vector<std::string>& entries, const StoryOf& story_of) {
  std::map<std::string, int> best;  // story -> grade
  for (const auto& [id, grade] : q.grades) {
    int& g = best[story_of(id)];
    g = std::max(g, grade);
  }
  double dcg = 0;
  std::set<std::string> credited;
  for (size_t i = 0; i < entries.size() && i < 10; ++i) {
    int grade = 0;
    std::string story;
    size_t start = 0;
    while (start <= entries[i].size()) {
      size_t end = entries[i].find(kVersionSeparator, start);
      if (end == std::string::npos) end = entries[i].size();
      if (auto g = q.grades.find(entries[i].substr(start, end - start)); g != q.grades.end() && g->second > grade) {
        grade = g->second;
        story = story_of(g->first);
      }
      start = end + 1;
    }
    if (grade > 0 && credited.insert(story).second) {
      dcg += (std::pow(2.0, grade) - 1) / std::log2(static_cast<double>(i) + 2);
    }
  }
  std::vector<int> ideal;
  for (const auto& [story, grade] : best) ideal.push_back(grade);
  std::sort(ideal.rbegin(), ideal.rend());
  double idcg = 0;
  for (size_t i = 0; i < ideal.size() && i < 10; ++i) {
    idcg += (std::pow(2.0, ideal[i]) - 1) / std::log2(static_cast<double>(i) + 2);
  }
  return idcg > 0 ? dcg / idcg : 0;
}

}  // namespace

StoryOf searcher_stories(core::Searcher& searcher) {
  auto cache = std::make_shared<std::map<std::string, std::string>>();
  return [&searcher, cache](const std::string& id) {
    auto it = cache->find(id);
    if (it != cache->end()) return it->second;
    std::string story = id;
    if (auto versions = searcher.versions(id); versions.is_ok()) {
      for (const auto& v : versions.value()) story = std::min(story, v.id);
    }
    return (*cache)[id] = story;
  };
}

Figures evaluate(const Ranker& rank, const std::vector<KnownItemQuery>& known,
                 const std::vector<TopicalQuery>& topical, const StoryOf& story_of) {
  Figures f;
  if (story_of && !topical.empty()) f.ndcg10_stories = 0;
  std::vector<double> latencies;
  auto run = [&](const std::string& query) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::string> ids = rank(query);
    latencies.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    return ids;
  };

  for (const KnownItemQuery& q : known) {
    const std::vector<std::string> ids = run(q.query);
    size_t found_at = 0;
    for (size_t i = 0; i < ids.size() && i < 10 && found_at == 0; ++i) {
      // The shown article or a copy folded into it.
      size_t start = 0;
      while (found_at == 0 && start <= ids[i].size()) {
        size_t end = ids[i].find(kVersionSeparator, start);
        if (end == std::string::npos) end = ids[i].size();
        if (std::find(q.targets.begin(), q.targets.end(), ids[i].substr(start, end - start)) != q.targets.end()) {
          found_at = i + 1;
        }
        start = end + 1;
      }
    }
    if (found_at > 0) f.mrr10 += 1.0 / static_cast<double>(found_at);
    f.success1 += found_at == 1;
    f.success10 += found_at > 0;
    f.no_result += ids.empty();
    if (found_at == 0) f.misses.push_back(q.query + " -> " + q.targets[0]);
  }
  f.known_item_queries = known.size();
  if (!known.empty()) {
    const auto n = static_cast<double>(known.size());
    f.mrr10 /= n;
    f.success1 /= n;
    f.success10 /= n;
    f.no_result /= n;
  }

  for (const TopicalQuery& q : topical) {
    const std::vector<std::string> ids = run(q.query);
    double dcg = 0;
    Figures::Topic topic{q.id, q.query, 0, 0, {}};
    for (size_t i = 0; i < ids.size() && i < 10; ++i) {
      auto g = q.grades.find(shown_id(ids[i]));
      topic.judged_in_top10 += g != q.grades.end();
      topic.top10.push_back(shown_id(ids[i]));
      const int grade = g == q.grades.end() ? 0 : g->second;
      dcg += (std::pow(2.0, grade) - 1) / std::log2(static_cast<double>(i) + 2);
    }
    std::vector<int> ideal;
    for (const auto& [id, grade] : q.grades) ideal.push_back(grade);
    std::sort(ideal.rbegin(), ideal.rend());
    double idcg = 0;
    for (size_t i = 0; i < ideal.size() && i < 10; ++i) {
      idcg += (std::pow(2.0, ideal[i]) - 1) / std::log2(static_cast<double>(i) + 2);
    }
    if (idcg > 0) topic.ndcg10 = dcg / idcg;
    f.ndcg10 += topic.ndcg10;
    if (story_of) f.ndcg10_stories += story_ndcg10(q, ids, story_of);
    f.topics.push_back(topic);
  }
  f.topical_queries = topical.size();
  if (!topical.empty()) f.ndcg10 /= static_cast<double>(topical.size());
  if (story_of && !topical.empty()) f.ndcg10_stories /= static_cast<double>(topical.size());

  f.latency_p50_ms = percentile(latencies, 0.50);
  f.latency_p99_ms = percentile(latencies, 0.99);
  return f;
}

Ranker searcher_ranker(core::Searcher& searcher, bool collapse) {
  return [&searcher, collapse](const std::string& query) {
    core::SearchRequest r;
    r.query = query;
    r.limit = 10;
    r.collapse = collapse;
    auto result = searcher.search(r);
    if (!result.is_ok()) throw std::runtime_error("search failed: " + result.status().to_string());
    std::vector<std::string> ids;
    for (const core::Hit& hit : result.value().hits) {
      std::string entry = hit.id;
      for (const std::string& v : hit.version_ids) entry += kVersionSeparator + v;
      ids.push_back(std::move(entry));
    }
    return ids;
  };
}

Figures evaluate(core::Searcher& searcher, const std::vector<KnownItemQuery>& known,
                 const std::vector<TopicalQuery>& topical) {
  return evaluate(searcher_ranker(searcher), known, topical);
}

}  // namespace sondhan::relevance
