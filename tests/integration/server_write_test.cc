// The write API over real HTTP: keys, upserts, deletes, bulks with per-item results, waiting for
// visibility, validation errors, and the writer lock shared with sondhan-index.
#include <atomic>
#include <cstdlib>
#include <thread>

#include "http_fixture.h"
#include "sondhan/core/index_writer.h"

using sondhan::testing::Params;
using sondhan::testing::SampleServer;
using sondhan::testing::TempDir;
using nlohmann::json;

namespace {

constexpr char kWriteKey[] = "test-write-key-0123456789";
constexpr char kReadKey[] = "test-read-key-0123456789";

httplib::Headers auth(const std::string& key = kWriteKey) { return {{"Authorization", "Bearer " + key}}; }

void writable(sondhan::server::ServerConfig& c) {
  c.server.write_keys = {kWriteKey};
  c.core.index.refresh_ms = 100;
}

std::string article(const std::string& id, const std::string& title, const std::string& body = "") {
  return json{{"id", id},
              {"title", title},
              {"body", body.empty() ? title + " নিয়ে বিস্তারিত প্রতিবেদন।" : body},
              {"date", "2024-05-01"},
              {"source", "test"}}
      .dump();
}

json parse(const httplib::Result& r) {
  REQUIRE(r);
  INFO(r->body.substr(0, 2000));
  json body;
  REQUIRE_NOTHROW(body = json::parse(r->body));
  return body;
}

size_t total_for(const SampleServer& s, const std::string& q) {
  return s.search({{"q", q}})["total"].get<size_t>();
}

}  // namespace

TEST_CASE("server: a read-only server answers writes with 403 and says how to enable them", "[server][write]") {
  SampleServer s;
  auto c = s.client();
  auto r = c.Put("/documents/x1", auth(), article("x1", "শিরোনাম"), "application/json");
  const json body = parse(r);
  CHECK(r->status == 403);
  CHECK(body["error"]["message"].get<std::string>().find("server.write_keys") != std::string::npos);
  CHECK(body["error"]["message"].get<std::string>().find("SONDHAN_SERVER_WRITE_KEYS") != std::string::npos);
  CHECK(s.get_json("/stats")["writes"]["enabled"] == false);
}

TEST_CASE("server: writes need a write key, compared whole", "[server][write]") {
  SampleServer s(writable);
  auto c = s.client();
  const std::string body = article("k1", "চাবি পরীক্ষা");
  for (const httplib::Headers& headers :
       {httplib::Headers{}, auth("wrong-key-wrong-key-wrong"), auth(std::string(kWriteKey) + "x"),
        auth(std::string(kWriteKey).substr(0, 10)), httplib::Headers{{"Authorization", kWriteKey}},
        httplib::Headers{{"Authorization", std::string("Basic ") + kWriteKey}}, auth(kReadKey)}) {
    auto r = c.Put("/documents/k1", headers, body, "application/json");
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(r->get_header_value("WWW-Authenticate") == "Bearer");
    auto d = s.client().Delete("/documents/k1", headers);
    REQUIRE(d);
    CHECK(d->status == 401);
    auto p = s.client().Post("/documents", headers, body, "application/x-ndjson");
    REQUIRE(p);
    CHECK(p->status == 401);
  }
  // Nothing was written.
  CHECK(s.get_json("/documents/k1", 404)["error"]["code"] == "not_found");
  // The scheme is case-insensitive.
  auto r = c.Put("/documents/k1", {{"Authorization", std::string("bearer ") + kWriteKey}}, body, "application/json");
  REQUIRE(r);
  CHECK(r->status == 201);
}

TEST_CASE("server: PUT creates then updates, DELETE removes, ?wait=true makes it searchable at once", "[server][write]") {
  SampleServer s([](sondhan::server::ServerConfig& c) {
    writable(c);
    c.core.index.refresh_ms = 1500;  // ?wait=true answers after the commit, not before
  });
  auto c = s.client();
  const size_t before = s.get_json("/stats")["documents"].get<size_t>();

  auto r = c.Put("/documents/live-1?wait=true", auth(), article("live-1", "ঝিনুকমালা উৎসবে হাজারো দর্শনার্থী"),
                 "application/json");
  json body = parse(r);
  CHECK(r->status == 201);
  CHECK(body["status"] == "created");
  CHECK(body["visible"] == true);
  CHECK(total_for(s, "ঝিনুকমালা") == 1);
  CHECK(s.get_json("/stats")["documents"].get<size_t>() == before + 1);

  // Without an id in the body, the path gives it; an update replaces the whole article.
  json without_id = json::parse(article("ignored", "ঝিনুকমালা উৎসব স্থগিত"));
  without_id.erase("id");
  r = c.Put("/documents/live-1?wait=true", auth(), without_id.dump(), "application/json; charset=utf-8");
  body = parse(r);
  CHECK(r->status == 200);
  CHECK(body["status"] == "updated");
  CHECK(s.get_json("/documents/live-1")["title"] == "ঝিনুকমালা উৎসব স্থগিত");
  CHECK(total_for(s, "ঝিনুকমালা") == 1);  // still one article

  r = c.Delete("/documents/live-1?wait=true", auth());
  body = parse(r);
  CHECK(r->status == 200);
  CHECK(body["status"] == "deleted");
  CHECK(total_for(s, "ঝিনুকমালা") == 0);
  r = c.Delete("/documents/live-1", auth());
  CHECK(parse(r)["error"]["code"] == "not_found");
  CHECK(r->status == 404);
}

TEST_CASE("server: without ?wait an accepted write becomes searchable within the refresh interval", "[server][write]") {
  SampleServer s(writable);  // refresh_ms = 100
  auto c = s.client();
  const auto start = std::chrono::steady_clock::now();
  auto r = c.Put("/documents/soon-1", auth(), article("soon-1", "কুমড়োফুলের বড়া প্রতিযোগিতা"), "application/json");
  REQUIRE(r);
  REQUIRE(r->status == 201);
  bool found = false;
  while (!found && std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
    found = total_for(s, "কুমড়োফুলের") == 1;
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(found);
}

TEST_CASE("server: bad write requests get clear 4xx answers", "[server][write]") {
  SampleServer s([](sondhan::server::ServerConfig& c) {
    writable(c);
    c.server.max_body_bytes = 64 * 1024;
  });
  auto c = s.client();
  struct Case {
    std::string method, target, content_type, body;
    int status;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"PUT", "/documents/a1", "text/plain", article("a1", "শিরোনাম"), 415, "application/json"},
      {"PUT", "/documents/a1", "application/json", "{\"id\": \"a1\", \"title\": ", 400, "JSON"},
      {"PUT", "/documents/a1", "application/json", article("a2", "শিরোনাম"), 400, "differs"},
      {"PUT", "/documents/a1", "application/json", R"({"id":"a1","date":"কাল","title":"শিরোনাম"})", 400, "ISO 8601"},
      {"PUT", "/documents/a1", "application/json", R"({"id":"a1","source":"x"})", 400, "title or a body"},
      {"PUT", "/documents/a1", "application/json", R"({"id":"a1","deleted":true})", 400, "DELETE"},
      {"PUT", "/documents/a1?wait=maybe", "application/json", article("a1", "শিরোনাম"), 400, "wait"},
      {"PUT", "/documents/a1?refresh=true", "application/json", article("a1", "শিরোনাম"), 400, "refresh"},
      {"PUT", "/documents/a1", "application/json", "\"\xff\xfe\"", 400, "UTF-8"},
      {"POST", "/documents", "text/csv", "id,title\n", 415, "x-ndjson"},
      {"POST", "/documents", "application/json", R"({"id":"a1","title":"শিরোনাম"})", 400, "array"},
      {"POST", "/documents", "application/json", "[{\"id\":", 400, "JSON"},
      {"POST", "/documents/delete", "application/json", R"(["a1"])", 400, "ids"},
      {"PUT", "/documents/a1", "application/json", article("a1", std::string(70000, 'x')), 413, "large"},
  };
  for (const Case& k : cases) {
    INFO(k.method << " " << k.target << " " << k.body.substr(0, 80));
    auto c2 = s.client();
    httplib::Result r = k.method == "PUT" ? c2.Put(k.target.c_str(), auth(), k.body, k.content_type.c_str())
                                          : c2.Post(k.target.c_str(), auth(), k.body, k.content_type.c_str());
    REQUIRE(r);
    INFO(r->body);
    CHECK(r->status == k.status);
    const json body = json::parse(r->body, nullptr, false);
    REQUIRE(body.is_object());
    CHECK(body["error"]["message"].get<std::string>().find(k.says) != std::string::npos);
  }
  // GET requests may not carry a large body.
  httplib::Client raw = s.client();
  auto r = raw.Get("/search?q=x", {{"Content-Length", "100000"}});
  if (r) CHECK(r->status == 413);
  CHECK(s.get_json("/documents/a1", 404)["error"]["code"] == "not_found");
}

TEST_CASE("server: a bulk answers one result per item, in order, and one bad item rejects no other", "[server][write]") {
  SampleServer s(writable);
  auto c = s.client();
  const std::string lines = article("b1", "বুলবুলি পাখির মেলা") + "\n" +
                            "{\"id\": \"b2\", \"title\": \n" +  // broken JSON, line 2
                            "\n" +                             // blank: skipped
                            article("b3", "বুলবুলি উৎসবে ভিড়") + "\r\n" +
                            R"({"id":"b4","date":"not a date","title":"বুলবুলি"})" + "\n" +
                            R"({"id":"b1","deleted":true})" + "\n" +
                            R"({"id":"never-was","deleted":true})";
  auto r = c.Post("/documents?wait=true", auth(), lines, "application/x-ndjson");
  json body = parse(r);
  REQUIRE(r->status == 200);
  CHECK(body["errors"] == true);
  CHECK(body["visible"] == true);
  const json& items = body["items"];
  REQUIRE(items.size() == 6);
  CHECK(items[0]["index"] == 0);
  CHECK(items[0]["line"] == 1);
  CHECK(items[0]["status"] == "created");
  CHECK(items[1]["status"] == "error");
  CHECK(items[1]["line"] == 2);
  CHECK(items[1]["error"]["message"].get<std::string>().find("JSON") != std::string::npos);
  CHECK(items[2]["status"] == "created");
  CHECK(items[2]["id"] == "b3");
  CHECK(items[2]["line"] == 4);
  CHECK(items[3]["status"] == "error");
  CHECK(items[3]["id"] == "b4");
  CHECK(items[4]["status"] == "deleted");  // the b1 created in the same bulk, earlier
  CHECK(items[5]["status"] == "not_found");
  CHECK(total_for(s, "বুলবুলি") == 1);

  // A JSON array, and the last change to an id wins.
  json array = json::array({json::parse(article("c1", "চড়ুইভাতি প্রথম")), json::parse(article("c1", "চড়ুইভাতি দ্বিতীয়")),
                            json::parse(article("c2", "চড়ুইভাতি তৃতীয়")), 42});
  r = c.Post("/documents?wait=true", auth(), array.dump(), "application/json");
  body = parse(r);
  CHECK(body["items"][0]["status"] == "created");
  CHECK(body["items"][1]["status"] == "updated");
  CHECK(body["items"][2]["status"] == "created");
  CHECK(body["items"][3]["status"] == "error");
  CHECK(s.get_json("/documents/c1")["title"] == "চড়ুইভাতি দ্বিতীয়");

  // Bulk delete by ids.
  r = c.Post("/documents/delete?wait=true", auth(), R"({"ids": ["c1", "c2", "nope", 7, null]})", "application/json");
  body = parse(r);
  REQUIRE(body["items"].size() == 5);
  CHECK(body["items"][0]["status"] == "deleted");
  CHECK(body["items"][1]["status"] == "deleted");
  CHECK(body["items"][2]["status"] == "not_found");
  CHECK(body["items"][3]["status"] == "not_found");
  CHECK(body["items"][4]["status"] == "error");
  CHECK(total_for(s, "চড়ুইভাতি") == 0);

  // Metrics count the outcomes; /stats shows the write side.
  const std::string metrics = s.get("/metrics")->body;
  CHECK(metrics.find("sondhan_writes_total{outcome=\"created\"}") != std::string::npos);
  CHECK(metrics.find("sondhan_writes_total{outcome=\"error\"}") != std::string::npos);
  CHECK(metrics.find("sondhan_commit_duration_seconds_count") != std::string::npos);
  CHECK(metrics.find("sondhan_write_queue_depth 0") != std::string::npos);
  const json stats = s.get_json("/stats");
  CHECK(stats["writes"]["enabled"] == true);
  CHECK(stats["writes"]["pending"] == 0);
  CHECK(stats["writes"]["commits"].get<int>() >= 1);
}

TEST_CASE("server: with read keys, searching needs a key, health and the page do not", "[server][write]") {
  SampleServer s([](sondhan::server::ServerConfig& c) {
    writable(c);
    c.server.read_keys = {kReadKey};
  });
  auto c = s.client();
  for (const char* target : {"/search?q=ঢাকা", "/suggest?q=ঢা", "/stats", "/metrics", "/documents/x"}) {
    INFO(target);
    auto r = c.Get(target);
    REQUIRE(r);
    CHECK(r->status == 401);
    r = c.Get(target, auth(kReadKey));
    REQUIRE(r);
    CHECK(r->status != 401);
    r = c.Get(target, auth(kWriteKey));
    REQUIRE(r);
    CHECK(r->status != 401);
  }
  for (const char* target : {"/health", "/"}) {
    auto r = c.Get(target);
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  // A read key does not write.
  auto r = c.Put("/documents/r1", auth(kReadKey), article("r1", "পাঠক"), "application/json");
  REQUIRE(r);
  CHECK(r->status == 401);
}

TEST_CASE("server: accepted writes survive a restart, and the journal is replayed", "[server][write]") {
  SampleServer s(writable);
  {
    auto c = s.client();
    for (int i = 0; i < 20; ++i) {
      const std::string id = "keep-" + std::to_string(i);
      auto r = c.Put("/documents/" + id, auth(), article(id, "টিকে থাকা প্রতিবেদন " + std::to_string(i)),
                     "application/json");
      REQUIRE(r);
      REQUIRE(r->status == 201);
    }
  }
  s.restart();
  for (int i = 0; i < 20; ++i) {
    CHECK(s.get_json("/documents/keep-" + std::to_string(i))["id"] == "keep-" + std::to_string(i));
  }
}

TEST_CASE("server: the indexer is refused, naming the server, while the server takes writes", "[server][write]") {
  SampleServer s(writable);
  auto writer = sondhan::core::IndexWriter::open(s.db, sondhan::core::IndexOptions{});
  REQUIRE_FALSE(writer.is_ok());
  CHECK(writer.status().code() == sondhan::core::Code::kUnavailable);
  CHECK(writer.status().message().find("sondhan-server") != std::string::npos);

  // And the command says so, and leaves the database alone.
  TempDir dir;
  const std::string input = dir.str("one.jsonl");
  { std::ofstream(input) << article("cli-1", "কমান্ড লাইন") << "\n"; }
  const std::string out = dir.str("out.txt");
  const std::string command = (sondhan::testing::bin_dir() / "sondhan-index").string() + " --db " + s.db +
                              " " + input + " > " + out + " 2>&1";
  CHECK(std::system(command.c_str()) != 0);
  const std::string said = sondhan::testing::read_file(out);
  INFO(said);
  CHECK(said.find("locked by another writer (sondhan-server, pid") != std::string::npos);
  CHECK(s.get_json("/documents/cli-1", 404)["error"]["code"] == "not_found");

  // A second writable server over the same database refuses to start.
  CHECK_THROWS_WITH(sondhan::testing::RunningServer(s.db, writable), Catch::Contains("sondhan-server"));
}

TEST_CASE("server: writes, and searches of every shape, at once", "[server][write][concurrency]") {
  SampleServer s(writable);
  const std::vector<std::string> searches = {
      "/search?limit=1",
      "/search?q=-ঢাকা",
      "/search?source=test&limit=5",
      "/search?q=%22উত্তর+কোরিয়া%22",
      "/search?q=ঢাকা&facets=source,category,year",
      "/search?q=ঢাকা&sort=-date",
      "/search?q=প্রতিবেদন&offset=20",
  };
  std::atomic<int> failures{0}, writes{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 3; ++w) {
    threads.emplace_back([&, w] {
      auto c = s.client();
      for (int i = 0; i < 40; ++i) {
        const std::string id = "cc-" + std::to_string(w) + "-" + std::to_string(i % 15);
        httplib::Result r = i % 7 == 6 ? c.Delete("/documents/" + id, auth())
                                       : c.Put("/documents/" + id, auth(), article(id, "সমান্তরাল প্রতিবেদন"), "application/json");
        if (!r || (r->status != 200 && r->status != 201 && r->status != 404)) ++failures;
        ++writes;
      }
    });
  }
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto c = s.client();
      for (int i = 0; i < 60; ++i) {
        auto r = c.Get(searches[(t + i) % searches.size()]);
        if (!r || r->status != 200) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  CHECK(writes == 120);
  CHECK(s.get_json("/health")["status"] == "ok");
}
