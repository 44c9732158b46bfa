// What one client connection may cost the server, enforced below cpp-httplib's request parser:
// cpp-httplib 0.11 bounds each socket read, not a whole request, and gives every connection a
// thread from a fixed pool, so clients that send slowly, hold idle keep-alive connections or send
// huge heads could hold every thread. ConnectionServer owns each accepted socket instead.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

#include <httplib.h>

namespace sondhan::server {

struct ConnectionLimits {
  std::chrono::milliseconds header_timeout{5000};  // request line and headers, whole
  std::chrono::milliseconds body_timeout{30000};   // the body, whole
  std::chrono::milliseconds idle_timeout{2000};    // waiting for a keep-alive connection's next request
  std::chrono::milliseconds write_timeout{5000};   // each write of the response
  size_t max_header_bytes = 16 * 1024;             // request line and headers
  size_t max_body_bytes = 1 << 20;                 // a chunked body is cut off beyond this
  size_t max_headers = 100;
  size_t max_requests = 1000;                      // per connection, then it is closed
  size_t max_connections = 512;                    // open at once; more are refused with 503
};

/// An httplib::Server that reads every request through a stream that enforces ConnectionLimits,
/// keeps the bytes of pipelined requests between requests, ignores Range headers (no multipart
/// amplification of dynamic answers), serves each connection on a thread of an elastic pool
/// (threads are made as connections arrive, up to max_connections, and end when idle), and
/// closes idle keep-alive connections early while the server is nearly full.
/// Thread safety: as httplib::Server.
class ConnectionServer : public httplib::Server {
 public:
  explicit ConnectionServer(const ConnectionLimits& limits);

  const ConnectionLimits& limits() const { return limits_; }
  /// Connections open now.
  size_t open_connections() const { return open_.load(); }
  /// After bind_to_port(): lets `backlog` connections wait to be accepted. cpp-httplib 0.11
  /// listens with a backlog of 5, so a burst of new connections had SYNs dropped and retried a
  /// second later (a /health probe that took 1 s).
  void set_listen_backlog(int backlog);
  /// Whether `req` carries more headers than limits().max_headers.
  bool has_too_many_headers(const httplib::Request& req) const;
  /// When the request's line and headers had been read: every request this server parses
  /// carries it (as a header clients cannot set), for the access log and the latency metrics.
  static std::chrono::steady_clock::time_point received_at(const httplib::Request& req);

 private:
  // cpp-httplib calls this (a private virtual) on a pool thread for every accepted socket.
  bool process_and_close_socket(socket_t sock) override;

  const ConnectionLimits limits_;
  std::atomic<size_t> open_{0};
  std::atomic<std::thread::id> acceptor_{};  // set when a connection is refused on the accepting thread
};

}  // namespace sondhan::server
