// The real HTTP server for tests: the bundled sample indexed into a temporary database and an
// in-process HttpServer on 127.0.0.1 (any free port), queried with httplib::Client.
#pragma once

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "sondhan/core/config.h"
#include "sondhan/core/index_writer.h"
#include "sondhan/core/record_parser.h"
#include "sondhan/server/http_server.h"
#include "test_support.h"

namespace sondhan::testing {

using Params = std::vector<std::pair<std::string, std::string>>;
using ConfigTuner = std::function<void(sondhan::server::ServerConfig&)>;

inline std::string url_encode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

inline std::string search_target(const Params& params) {
  std::string target = "/search";
  char sep = '?';
  for (const auto& [key, value] : params) {
    target += sep;
    target += url_encode(key) + "=" + url_encode(value);
    sep = '&';
  }
  return target;
}

inline std::vector<std::string> sample_lines() {
  std::ifstream in(sondhan::testing::sample_path(), std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// Upserts `lines` (JSON Lines records) into the database at `db` and commits.
inline void index_lines(const std::string& db, const std::vector<std::string>& lines) {
  auto writer = sondhan::core::IndexWriter::open(db, sondhan::core::IndexOptions{});
  INFO(writer.status().to_string());
  REQUIRE(writer.is_ok());
  std::vector<sondhan::core::Change> changes;
  for (const std::string& line : lines) {
    auto change = sondhan::core::parse_record(line);
    INFO(line << "\n" << change.status().to_string());
    REQUIRE(change.is_ok());
    changes.push_back(std::move(change.value()));
  }
  sondhan::core::WriteCounts counts;
  const sondhan::core::Status applied = writer.value()->apply(changes, &counts);
  INFO(applied.to_string());
  REQUIRE(applied.is_ok());
  const sondhan::core::Status committed = writer.value()->commit();
  INFO(committed.to_string());
  REQUIRE(committed.is_ok());
}  // the writer closes here and releases the lock

// An HttpServer serving `db_path` on a thread; stopped and joined on destruction.
class RunningServer {
 public:
  /// `tune` may change the configuration (limits, timeouts) before the server starts.
  explicit RunningServer(const std::string& db_path, const ConfigTuner& tune = {}) {
    sondhan::server::ServerConfig config;
    config.core.db_path = db_path;
    config.server.host = "127.0.0.1";
    config.server.port = 0;
    config.server.threads = 4;
    config.server.access_log = false;
    if (tune) tune(config);
    server_ = std::make_unique<sondhan::server::HttpServer>(config);
    const sondhan::core::Status bound = server_->bind();
    if (!bound.is_ok()) throw std::runtime_error("bind failed: " + bound.to_string());
    if (server_->port() <= 0) throw std::runtime_error("bind gave no port");
    thread_ = std::thread([this] { server_->serve(); });
    // Wait for the accept loop: a stop() issued before it runs would be lost.
    for (int i = 0; i < 500; ++i) {
      httplib::Client c("127.0.0.1", server_->port());
      c.set_connection_timeout(1, 0);
      c.set_read_timeout(5, 0);
      if (auto r = c.Get("/health"); r && r->status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop();
    throw std::runtime_error("the server did not answer /health");
  }
  ~RunningServer() { stop(); }
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  int port() const { return server_->port(); }

  void stop() {
    if (thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
  }

 private:
  std::unique_ptr<sondhan::server::HttpServer> server_;
  std::thread thread_;
};

// The fixture: the sample corpus indexed into TempDir/db and a server over it.
struct SampleServer {
  TempDir dir;
  std::string db = dir.str("db");
  ConfigTuner tune;
  std::unique_ptr<RunningServer> running;

  explicit SampleServer(ConfigTuner tuner = {}) : tune(std::move(tuner)) {
    index_lines(db, sample_lines());
    running = std::make_unique<RunningServer>(db, tune);
  }

  int port() const { return running->port(); }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port());
    c.set_connection_timeout(5, 0);
    c.set_read_timeout(30, 0);
    return c;
  }

  httplib::Result get(const std::string& target, const httplib::Headers& headers = {}) const {
    auto c = client();
    return c.Get(target, headers);
  }

  nlohmann::json get_json(const std::string& target, int expected_status = 200) const {
    auto r = get(target);
    INFO("GET " << target.substr(0, 300));
    REQUIRE(r);
    INFO("body: " << r->body.substr(0, 2000));
    REQUIRE(r->status == expected_status);
    nlohmann::json body;
    REQUIRE_NOTHROW(body = nlohmann::json::parse(r->body));
    return body;
  }

  nlohmann::json search(const Params& params) const { return get_json(search_target(params)); }

  // Stops the server and starts a new one over the same database.
  void restart() {
    running.reset();
    running = std::make_unique<RunningServer>(db, tune);
  }
};

}  // namespace sondhan::testing
