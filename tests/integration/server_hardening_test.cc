// The server against hostile and heavy clients: concurrent requests of every query shape,
// slow and oversized requests, pipelining, amplification. Each test starts its own server on a
// free loopback port over the bundled sample and is bounded in count and time.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "http_fixture.h"

namespace {

using nlohmann::json;
using sondhan::testing::Params;
using sondhan::testing::SampleServer;
using sondhan::testing::search_target;

// Every shape of request a frontend sends: browse pages (no words), filters only, exclusions
// only, words, phrases, facets, sorts, deep pages, documents, stats.
std::vector<std::string> every_query_shape() {
  return {
      "/search?limit=1",
      "/search",
      search_target({{"source", "ঢাকা সংবাদ"}}),
      search_target({{"category", "খেলা"}, {"from", "2020-01-01"}}),
      search_target({{"q", "-ঢাকা"}}),
      search_target({{"q", "-source:\"ঢাকা সংবাদ\""}}),
      search_target({{"q", "NOT ঢাকা"}}),
      search_target({{"q", "ঢাকা AND -বৃষ্টি"}}),
      search_target({{"q", "উত্তর কোরিয়া সেনা"}}),
      search_target({{"q", "\"উত্তর কোরিয়া\""}}),
      search_target({{"q", "title:কোরিয়া OR ঢাকা"}}),
      search_target({{"q", "ঢাকা"}, {"facets", "source,category,year,month,author,tag"}}),
      search_target({{"facets", "source,category,year"}}),
      search_target({{"q", "ঢাকা"}, {"sort", "-date"}}),
      search_target({{"sort", "date"}, {"limit", "100"}}),
      search_target({{"q", "সরকার"}, {"page", "3"}, {"limit", "5"}}),
      search_target({{"offset", "10000"}}),
      "/documents/seed-0001",
      "/stats",
  };
}

// A response body without the fields that differ between runs.
std::string stable_part(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return "not JSON: " + body.substr(0, 200);
  if (j.is_object()) {
    j.erase("took_ms");
    j.erase("uptime_seconds");
  }
  return j.dump();
}

}  // namespace

TEST_CASE("server: several connections sending every query shape at once get the serial answers",
          "[http][concurrency]") {
  SampleServer s;
  const std::vector<std::string> targets = every_query_shape();
  std::map<std::string, std::string> expected;
  for (const std::string& target : targets) {
    auto r = s.get(target);
    REQUIRE(r);
    INFO(target << " -> " << r->body.substr(0, 300));
    REQUIRE(r->status == 200);
    expected[target] = stable_part(r->body);
  }
  // A browse page lists everything; an exclusion alone lists everything but the excluded.
  CHECK(json::parse(s.get("/search?limit=1")->body)["total"] == 51);
  CHECK(json::parse(s.get(search_target({{"q", "-ঢাকা"}}))->body)["total"].get<int>() < 51);

  constexpr int kThreads = 8;
  constexpr int kRounds = 15;
  std::atomic<int> ok{0};
  std::vector<std::string> failures[kThreads];
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto c = s.client();
      for (int round = 0; round < kRounds; ++round) {
        for (size_t i = 0; i < targets.size(); ++i) {
          // Each thread walks the shapes from its own starting point, so different shapes overlap.
          const std::string& target = targets[(i + static_cast<size_t>(t) * 3) % targets.size()];
          auto r = c.Get(target);
          if (!r) {
            failures[t].push_back(target + ": no answer");
          } else if (r->status != 200) {
            failures[t].push_back(target + ": status " + std::to_string(r->status));
          } else if (stable_part(r->body) != expected[target]) {
            failures[t].push_back(target + ": a different answer");
          } else {
            ++ok;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& f : failures) {
    for (const std::string& failure : f) FAIL_CHECK(failure);
  }
  CHECK(ok == kThreads * kRounds * static_cast<int>(targets.size()));
}
