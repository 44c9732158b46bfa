// The server against hostile and heavy clients: concurrent requests of every query shape,
// slow and oversized requests, pipelining, amplification. Each test starts its own server on a
// free loopback port over the bundled sample and is bounded in count and time.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
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

// ---------------------------------------------------------------------------------------------
// Raw connections: what a hostile client sends, byte by byte.

namespace {

using Clock = std::chrono::steady_clock;

// A TCP connection to the server on loopback, closed on destruction.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("cannot connect to the test server");
    }
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  /// False once the server has closed its side (or a send fails).
  bool send(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  /// Everything the server sends until it closes the connection or `timeout` passes.
  std::string read_all(std::chrono::milliseconds timeout) {
    std::string out;
    const auto deadline = Clock::now() + timeout;
    char buffer[65536];
    while (Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (::poll(&p, 1, static_cast<int>(std::max<long long>(1, left))) <= 0) continue;
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
};

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The status code of the first response in `raw`, or 0.
int status_of(const std::string& raw) {
  return raw.rfind("HTTP/1.1 ", 0) == 0 ? std::atoi(raw.c_str() + 9) : 0;
}

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

TEST_CASE("server: a client that sends its headers slowly is cut off with 408", "[http][hardening]") {
  SampleServer s([](sondhan::server::ServerConfig& c) { c.server.header_timeout_ms = 600; });
  RawClient slow(s.port());
  const auto start = Clock::now();
  REQUIRE(slow.send("GET /search?q=ঢাকা HTTP/1.1\r\nHost: x\r\n"));
  // One header line every 150 ms: every single read is quick, the whole head is not.
  std::string answer;
  for (int i = 0; i < 40 && answer.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    if (!slow.send("X-Slow-" + std::to_string(i) + ": 1\r\n")) break;
    answer = slow.read_all(std::chrono::milliseconds(1));
  }
  answer += slow.read_all(std::chrono::milliseconds(2000));
  const double took = ms_between(start, Clock::now());
  INFO(answer.substr(0, 300));
  CHECK(status_of(answer) == 408);
  CHECK(answer.find("request_timeout") != std::string::npos);
  CHECK(took < 2500);
}

TEST_CASE("server: /health answers at once while slow clients hold connections and searches queue",
          "[http][hardening]") {
  SampleServer s([](sondhan::server::ServerConfig& c) {
    c.server.threads = 1;
    c.server.header_timeout_ms = 20000;
    c.server.queue_timeout_ms = 60000;  // the queued searches must all be answered, however slowly
  });
  // 40 clients dribbling a header line every 200 ms: today's cpp-httplib pool (32 threads) would
  // have been full.
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 40; ++i) {
    slow.push_back(std::make_unique<RawClient>(s.port()));
    REQUIRE(slow.back()->send("GET /search?q=ঢাকা HTTP/1.1\r\n"));
  }
  std::atomic<bool> stop{false};
  std::thread dribble([&] {
    for (int i = 0; !stop; ++i) {
      for (auto& c : slow) c->send("X-Slow-" + std::to_string(i) + ": 1\r\n");
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  // And 16 clients searching as fast as they can, through the one searcher.
  std::vector<std::thread> load;
  std::atomic<int> searched{0}, failed{0};
  for (int t = 0; t < 16; ++t) {
    load.emplace_back([&] {
      auto c = s.client();
      while (!stop) {
        auto r = c.Get(search_target({{"q", "ঢাকা"}, {"facets", "source,category,year"}}));
        (r && r->status == 200 ? searched : failed)++;
      }
    });
  }
  std::vector<double> health_ms;
  for (int i = 0; i < 30; ++i) {
    const auto t0 = Clock::now();
    auto c = s.client();
    auto r = c.Get("/health");
    health_ms.push_back(ms_between(t0, Clock::now()));
    CHECK((r && r->status == 200));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop = true;
  dribble.join();
  for (auto& t : load) t.join();
  std::sort(health_ms.begin(), health_ms.end());
  INFO("health max " << health_ms.back() << " ms, searches " << searched << ", failed " << failed);
  CHECK(health_ms.back() < 1000);
  CHECK(searched > 0);
  CHECK(failed == 0);
}

TEST_CASE("server: connections beyond max_connections are refused with 503, and the server recovers",
          "[http][hardening]") {
  SampleServer s([](sondhan::server::ServerConfig& c) {
    c.server.max_connections = 8;
    c.server.header_timeout_ms = 20000;
  });
  // 12 connections whose heads never end, on a server that takes 8 at once: at least 4 are
  // refused at once. (Which ones depends on when the threads of earlier connections come free.)
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 12; ++i) {
    held.push_back(std::make_unique<RawClient>(s.port()));
    held.back()->send("GET /health HTTP/1.1\r\n");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int refused = 0;
  for (auto& c : held) {
    const std::string answer = c->read_all(std::chrono::milliseconds(100));
    if (!answer.empty()) {
      INFO(answer.substr(0, 300));
      CHECK(status_of(answer) == 503);
      ++refused;
    }
  }
  CHECK(refused >= 4);
  held.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto r = s.get("/health");
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("server: a Range header never turns a search into a multipart answer", "[http][hardening]") {
  SampleServer s;
  const std::string target = search_target({{"q", "ঢাকা"}, {"limit", "20"}});
  auto plain = s.get(target);
  REQUIRE(plain);
  std::string ranges = "bytes=0-";
  for (int i = 0; i < 60; ++i) ranges += ",0-";  // a multipart of 61 copies, once
  auto ranged = s.get(target, {{"Range", ranges}});
  REQUIRE(ranged);
  CHECK(ranged->status == 200);
  CHECK(ranged->get_header_value("Content-Type").find("multipart") == std::string::npos);
  CHECK(ranged->body.size() < plain->body.size() + 100);  // took_ms may differ in length
  auto single = s.get(target, {{"Range", "bytes=0-9"}});
  REQUIRE(single);
  CHECK(single->status == 200);
  CHECK(single->body.size() > 10);
}

TEST_CASE("server: oversized and over-numerous headers get 431 at once", "[http][hardening]") {
  SampleServer s;
  SECTION("100,000 headers of 1 KB are cut off after the first 16 KB") {
    RawClient c(s.port());
    REQUIRE(c.send("GET /health HTTP/1.1\r\nHost: x\r\n"));
    const std::string header = "X-Big: " + std::string(1000, 'a') + "\r\n";
    int sent = 0;
    while (sent < 100000 && c.send(header)) ++sent;
    const std::string answer = c.read_all(std::chrono::milliseconds(2000));
    INFO("sent " << sent << " headers; " << answer.substr(0, 300));
    CHECK(status_of(answer) == 431);
    CHECK(sent < 100000);  // the server closed the connection long before
  }
  SECTION("101 small headers") {
    RawClient c(s.port());
    std::string request = "GET /health HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 101; ++i) request += "X-" + std::to_string(i) + ": 1\r\n";
    REQUIRE(c.send(request + "\r\n"));
    const std::string answer = c.read_all(std::chrono::milliseconds(2000));
    INFO(answer.substr(0, 300));
    CHECK(status_of(answer) == 431);
  }
}

TEST_CASE("server: pipelined requests are all answered, in order", "[http][hardening]") {
  SampleServer s;
  RawClient c(s.port());
  std::string requests;
  for (int i = 0; i < 10; ++i) {
    requests += "GET /documents/sample-00" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n";
    requests += i == 9 ? "Connection: close\r\n\r\n" : "\r\n";
  }
  REQUIRE(c.send(requests));
  const std::string answers = c.read_all(std::chrono::milliseconds(5000));
  CHECK(count_of(answers, "HTTP/1.1 ") == 10);
  CHECK(count_of(answers, "HTTP/1.1 200") == 9);  // sample-000 does not exist
  CHECK(answers.find("sample-001") < answers.find("sample-009"));
}

TEST_CASE("server: 503 answers do not reveal the database path", "[http][hardening]") {
  sondhan::testing::TempDir dir;
  const std::string missing = dir.str("no-such-database");
  sondhan::testing::RunningServer server(missing);
  httplib::Client c("127.0.0.1", server.port());
  for (const char* target : {"/search?q=ঢাকা", "/documents/x", "/stats"}) {
    auto r = c.Get(target);
    REQUIRE(r);
    INFO(target << " -> " << r->body);
    CHECK(r->status == 503);
    CHECK(r->body.find(dir.str()) == std::string::npos);
    CHECK(r->body.find("no-such-database") == std::string::npos);
  }
}

TEST_CASE("server: a CR/LF in a URL cannot forge an access log line", "[http][hardening]") {
  using sondhan::server::loggable;
  const std::string forged = loggable("/search?q=x\r\n[2026-01-01] [info] GET /admin 200");
  CHECK(forged.find('\r') == std::string::npos);
  CHECK(forged.find('\n') == std::string::npos);
  CHECK(forged.find("\\x0d\\x0a") != std::string::npos);
  CHECK(loggable("/search?q=উত্তর কোরিয়া") == "/search?q=উত্তর কোরিয়া");  // UTF-8 stays readable
  CHECK(loggable("a\\x0d") == "a\\x5cx0d");  // a literal backslash cannot fake an escape
  CHECK(loggable(std::string(2000, 'a')).size() == 515);
}

TEST_CASE("server: a body left unread is never read as the next request", "[http][hardening]") {
  SampleServer s;
  RawClient c(s.port());
  // A POST to a read-only route is answered before its body is read; the body is a request.
  const std::string smuggled = "GET /documents/seed-0001 HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(c.send("POST /search HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(smuggled.size()) +
                 "\r\n\r\n" + smuggled));
  c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string answers = c.read_all(std::chrono::milliseconds(3000));
  INFO(answers.substr(0, 600));
  CHECK(status_of(answers) == 405);
  CHECK(answers.find("seed-0001") == std::string::npos);  // the smuggled request got no answer
  CHECK(count_of(answers, "HTTP/1.1 ") == 1);             // the connection was closed after the 405
}

TEST_CASE("server: a chunked body is cut off at max_body_bytes", "[http][hardening]") {
  SampleServer s([](sondhan::server::ServerConfig& c) { c.server.max_body_bytes = 64 * 1024; });
  RawClient c(s.port());
  REQUIRE(c.send("POST /no-such-route HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "10000\r\n" + std::string(0x10000, 'a') + "\r\n";
  int sent = 0;
  while (sent < 1600 && c.send(chunk)) ++sent;  // up to 100 MB
  const std::string answer = c.read_all(std::chrono::milliseconds(3000));
  INFO("sent " << sent << " chunks of 64 KB; " << answer.substr(0, 300));
  CHECK(status_of(answer) == 413);
  CHECK(sent < 1600);
}

TEST_CASE("server: a long Range header is refused before it is parsed", "[http][hardening]") {
  SampleServer s;
  std::string ranges = "bytes=0-";
  for (int i = 0; i < 2000; ++i) ranges += ",0-";
  RawClient c(s.port());
  REQUIRE(c.send("GET /search?q=ঢাকা HTTP/1.1\r\nHost: x\r\nRange: " + ranges + "\r\n\r\n"));
  const std::string answer = c.read_all(std::chrono::milliseconds(2000));
  INFO(answer.substr(0, 300));
  CHECK(status_of(answer) == 431);
  CHECK(answer.find("range_too_long") != std::string::npos);
}

TEST_CASE("server: answers are compressed with gzip, never brotli", "[http][hardening]") {
  SampleServer s;
  const std::string target = search_target({{"q", "ঢাকা"}});
  auto br = s.get(target, {{"Accept-Encoding", "br"}});
  REQUIRE(br);
  CHECK(br->get_header_value("Content-Encoding").empty());
  auto both = s.get(target, {{"Accept-Encoding", "gzip, deflate, br"}});
  REQUIRE(both);
  CHECK(both->get_header_value("Content-Encoding") == "gzip");
}
