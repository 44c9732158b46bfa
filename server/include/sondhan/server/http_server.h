// sondhan's HTTP API: one route table, CORS, compression, access log, metrics and JSON errors
// around the core Searcher.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "sondhan/server/server_config.h"
#include "sondhan/core/status.h"
#include "sondhan/server/metrics.h"

namespace sondhan::server {

class ConnectionServer;
class SearcherPool;

/// A request path as the logs show it: control bytes and backslashes escaped as \xNN (a URL
/// with %0D%0A must not forge a log line), cut after 512 bytes.
std::string loggable(std::string_view path);

/// Thread safety: bind()/serve() from one thread, stop() from any; each connection is served on
/// a thread of its own, and each search borrows one of server.threads Searchers.
class HttpServer {
 public:
  explicit HttpServer(ServerConfig config);
  ~HttpServer();

  /// Binds config.server.host:port (port 0: any free port). kUnavailable if it cannot bind.
  core::Status bind();
  /// The bound port (after bind()).
  int port() const { return port_; }
  /// How many searches run at once (server.threads, or one per core).
  size_t search_threads() const;
  /// Serves until stop(); blocks.
  void serve();
  /// Makes serve() return after in-flight requests finish. Safe from another thread.
  void stop();

 private:
  void register_routes();

  ServerConfig config_;
  std::unique_ptr<SearcherPool> searchers_;
  std::unique_ptr<ConnectionServer> http_;
  Metrics metrics_;
  int port_ = 0;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace sondhan::server
