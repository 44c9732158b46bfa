// sondhan's HTTP API: one route table, CORS, compression, access log, metrics and JSON errors
// around the core Searcher.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "sondhan/core/config.h"
#include "sondhan/core/status.h"
#include "sondhan/server/metrics.h"

namespace httplib { class Server; }

namespace sondhan::server {

/// Thread safety: start()/stop() from one thread; requests are served on the pool's threads,
/// each with its own Searcher.
class HttpServer {
 public:
  explicit HttpServer(core::Config config);
  ~HttpServer();

  /// Binds config.server.host:port (port 0: any free port). kUnavailable if it cannot bind.
  core::Status bind();
  /// The bound port (after bind()).
  int port() const { return port_; }
  /// Serves until stop(); blocks.
  void serve();
  /// Makes serve() return after in-flight requests finish. Safe from another thread.
  void stop();

 private:
  void register_routes();

  core::Config config_;
  std::unique_ptr<httplib::Server> http_;
  Metrics metrics_;
  int port_ = 0;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace sondhan::server
