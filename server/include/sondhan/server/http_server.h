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

namespace sondhan::core {
class LiveIndex;
}

namespace sondhan::server {

class AccessControl;
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

  /// With write keys configured, opens the database for writing (creating it if needed, and
  /// replaying its journal); then binds config.server.host:port (port 0: any free port).
  /// kUnavailable if another writer holds the database (the message names it) or the port
  /// cannot be bound.
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

  // Declared in the order they may be destroyed in reverse: the connections first, then the
  // writer (which commits), then what both use.
  ServerConfig config_;
  Metrics metrics_;
  std::unique_ptr<AccessControl> access_;
  std::unique_ptr<core::LiveIndex> live_;  // null when the server is read-only
  std::unique_ptr<SearcherPool> searchers_;
  std::unique_ptr<ConnectionServer> http_;
  int port_ = 0;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace sondhan::server
