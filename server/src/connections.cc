// ConnectionServer: one guarded stream per accepted socket, an elastic thread pool, and the
// keep-alive loop that cpp-httplib would otherwise run with a fresh, unbuffered stream per request.
#include "connections.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <deque>
#include <functional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace sondhan::server {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// cpp-httplib adds REMOTE_ADDR, REMOTE_PORT, LOCAL_ADDR and LOCAL_PORT to every request's headers.
constexpr size_t kHeadersAddedByHttplib = 4;
// Longest Range header accepted (see ConnectionStream::check_head).
constexpr size_t kMaxRangeHeaderBytes = 256;
// The header that carries ConnectionServer::received_at; a client's own copy is replaced.
constexpr char kReceivedAt[] = "SONDHAN_RECEIVED_AT";

// Waits until `sock` is ready for `events` or `deadline` passes. Returns >0 when ready, 0 on
// timeout, <0 on error.
int wait_for(int sock, short events, Clock::time_point deadline) {
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return 0;
    pollfd p{sock, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (n < 0 && errno == EINTR) continue;
    if (n != 0) return n;
  }
}

void ip_and_port(const sockaddr_storage& addr, socklen_t len, std::string& ip, int& port) {
  char host[NI_MAXHOST];
  char serv[NI_MAXSERV];
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host, sizeof host, serv,
                    sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(serv);
  }
}

// A complete response written straight to the socket, for a request the parser never finishes
// (too slow, too large): cpp-httplib would answer such a request with a bare 400, or not at all.
std::string canned_response(int status, const char* reason, const char* code, const char* message) {
  const std::string body = std::string(R"({"error":{"code":")") + code + R"(","message":")" + message + "\"}}";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/json\r\nConnection: close\r\nCache-Control: no-store\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The length of the body that follows a request's head: SIZE_MAX for a chunked body.
size_t body_length(const httplib::Request& req) {
  if (req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos) return SIZE_MAX;
  const std::string length = req.get_header_value("Content-Length");
  size_t n = 0;
  std::from_chars(length.data(), length.data() + length.size(), n);
  return n;
}

// The httplib::Stream of one connection, for all its requests. Reads are buffered across
// requests (pipelined requests stay in the buffer) and bounded by the phase's deadline and, while
// the head is read, by max_header_bytes.
class ConnectionStream : public httplib::Stream {
 public:
  ConnectionStream(int sock, const ConnectionLimits& limits) : sock_(sock), limits_(limits) {}

  /// Waits up to `idle` for the first byte of the next request. False if the client closed the
  /// connection, the wait timed out, or the stream has failed.
  bool wait_for_request(milliseconds idle) {
    if (failed_) return false;
    if (pos_ < end_) return true;
    return wait_for(sock_, POLLIN, Clock::now() + idle) > 0 && fill(Clock::now() + idle) > 0;
  }

  /// The request line and headers are read next.
  void begin_head() {
    reading_head_ = true;
    line_number_ = 0;
    line_bytes_ = 0;
    line_name_.clear();
    head_bytes_ = 0;
    deadline_ = Clock::now() + limits_.header_timeout;
  }

  /// The head is complete; a body of `length` bytes follows (SIZE_MAX: chunked, of unknown
  /// length; 0: none).
  void begin_body(size_t length) {
    reading_head_ = false;
    body_expected_ = length;
    body_read_ = 0;
    deadline_ = Clock::now() + limits_.body_timeout;
  }

  /// Whether bytes of the body may be left unread: the connection must then be closed, or the
  /// rest of the body would be read as the next request (a request smuggled through a proxy
  /// that reuses connections). A chunked body counts as left unread.
  bool body_left() const { return body_expected_ == SIZE_MAX || body_read_ < body_expected_; }

  /// True once the connection must not be used again (a limit was hit, or a read or write failed).
  bool failed() const { return failed_; }

  bool is_readable() const override { return pos_ < end_ || wait_for(sock_, POLLIN, deadline_) > 0; }
  bool is_writable() const override {
    return !failed_ && wait_for(sock_, POLLOUT, Clock::now() + limits_.write_timeout) > 0;
  }

  ssize_t read(char* ptr, size_t size) override {
    if (failed_) return -1;
    if (pos_ == end_) {
      const ssize_t n = fill(deadline_);
      if (n <= 0) {
        if (n < 0 && timed_out_) {
          reject(408, "Request Timeout", "request_timeout",
                 reading_head_ ? "the request's headers did not arrive in time"
                               : "the request's body did not arrive in time");
        }
        failed_ = true;
        return n;
      }
    }
    const size_t n = std::min(size, end_ - pos_);
    if (reading_head_ ? !check_head(buffer_.data() + pos_, n) : !check_body(n)) {
      failed_ = true;
      return -1;
    }
    std::memcpy(ptr, buffer_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (failed_) return -1;
    if (wait_for(sock_, POLLOUT, Clock::now() + limits_.write_timeout) <= 0) {
      failed_ = true;
      return -1;
    }
    ssize_t n;
    do {
      n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) failed_ = true;
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) ip_and_port(addr, len, ip, port);
  }

  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) ip_and_port(addr, len, ip, port);
  }

  socket_t socket() const override { return sock_; }

 private:
  // Reads what the socket has (at least one byte) into the empty buffer, waiting until `deadline`.
  // >0 bytes read, 0 at the end of the stream, <0 on error or timeout (timed_out_ tells which).
  ssize_t fill(Clock::time_point deadline) {
    pos_ = end_ = 0;
    const int ready = wait_for(sock_, POLLIN, deadline);
    if (ready <= 0) {
      timed_out_ = ready == 0;
      return -1;
    }
    ssize_t n;
    do {
      n = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n > 0) end_ = static_cast<size_t>(n);
    return n;
  }

  // Accounts for `n` bytes of the head about to be handed to the parser; false (after
  // answering) when they break a limit.
  bool check_head(const char* bytes, size_t n) {
    head_bytes_ += n;
    if (head_bytes_ > limits_.max_header_bytes) {
      if (line_number_ == 0) {
        reject(414, "URI Too Long", "uri_too_long", "request URI is too long");
      } else {
        reject(431, "Request Header Fields Too Large", "headers_too_large",
               "the request line and headers are larger than the server accepts");
      }
      return false;
    }
    for (size_t i = 0; i < n; ++i) {
      if (bytes[i] == '\n') {
        ++line_number_;
        line_bytes_ = 0;
        line_name_.clear();
        continue;
      }
      ++line_bytes_;
      if (line_name_.size() < 6) line_name_.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(bytes[i]))));
      // cpp-httplib parses a Range header with std::regex, whose recursion grows with the
      // header: 2,000 ranges cost ~10 MB of stack per request. The server serves no ranges.
      if (line_bytes_ > kMaxRangeHeaderBytes && line_name_ == "range:") {
        reject(431, "Request Header Fields Too Large", "range_too_long",
               "the Range header is too long (this server ignores ranges)");
        return false;
      }
    }
    return true;
  }

  // Accounts for `n` bytes of the body; false (after answering) beyond max_body_bytes. cpp-
  // httplib checks a Content-Length against it, but reads a chunked body of any length.
  bool check_body(size_t n) {
    body_read_ += n;
    // The chunked framing takes some bytes beyond the body's own.
    if (body_read_ > limits_.max_body_bytes + 64 * 1024) {
      reject(413, "Payload Too Large", "payload_too_large", "request body is too large");
      return false;
    }
    return true;
  }

  // Answers a request cpp-httplib will not finish, once, if nothing was sent on it yet.
  void reject(int status, const char* reason, const char* code, const char* message) {
    const std::string response = canned_response(status, reason, code, message);
    if (wait_for(sock_, POLLOUT, Clock::now() + limits_.write_timeout) > 0) {
      (void)::send(sock_, response.data(), response.size(), MSG_NOSIGNAL);
    }
  }

  const int sock_;
  const ConnectionLimits& limits_;
  std::vector<char> buffer_ = std::vector<char>(16 * 1024);
  size_t pos_ = 0, end_ = 0;        // unread bytes are buffer_[pos_, end_)
  bool reading_head_ = false;
  size_t head_bytes_ = 0;
  size_t line_number_ = 0;          // of the head: 0 is the request line
  size_t line_bytes_ = 0;
  std::string line_name_;           // the first bytes of the line, lower-cased
  size_t body_expected_ = 0, body_read_ = 0;
  Clock::time_point deadline_ = Clock::now();
  bool timed_out_ = false;
  bool failed_ = false;
};

// Threads made on demand, up to a maximum, each serving one connection at a time; a thread left
// idle for a while ends. A connection that arrives when every thread is busy runs on the
// accepting thread, where ConnectionServer refuses it at once.
class ElasticPool : public httplib::TaskQueue {
 public:
  /// `acceptor` is set to the accepting thread's id before a refused connection runs on it.
  ElasticPool(size_t max_threads, std::atomic<std::thread::id>& acceptor)
      : max_threads_(max_threads), acceptor_(acceptor) {}
  ~ElasticPool() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::unique_lock lock(mu_);
    if (idle_ > jobs_.size()) {
      jobs_.push_back(std::move(fn));
      ready_.notify_one();
      return;
    }
    if (threads_ < max_threads_ && !stopping_) {
      try {
        std::thread([this] { work(); }).detach();
        ++threads_;
        jobs_.push_back(std::move(fn));
        return;
      } catch (const std::system_error&) {
        // No thread to be had (a process or memory limit): refuse, as when full.
      }
    }
    lock.unlock();
    // Full: the connection runs here, on the accepting thread, which refuses it at once.
    acceptor_ = std::this_thread::get_id();
    fn();
  }

  void shutdown() override {
    std::unique_lock lock(mu_);
    stopping_ = true;
    ready_.notify_all();
    gone_.wait(lock, [&] { return threads_ == 0; });
  }

 private:
  void work() {
    constexpr auto kIdleLife = std::chrono::seconds(30);
    std::unique_lock lock(mu_);
    while (true) {
      ++idle_;
      const bool woke = ready_.wait_for(lock, kIdleLife, [&] { return stopping_ || !jobs_.empty(); });
      --idle_;
      if (jobs_.empty() && (stopping_ || !woke)) break;
      std::function<void()> fn = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      fn();
      lock.lock();
    }
    --threads_;
    gone_.notify_all();
  }

  const size_t max_threads_;
  std::atomic<std::thread::id>& acceptor_;
  std::mutex mu_;
  std::condition_variable ready_, gone_;
  std::deque<std::function<void()>> jobs_;
  size_t threads_ = 0, idle_ = 0;
  bool stopping_ = false;
};

}  // namespace

ConnectionServer::ConnectionServer(const ConnectionLimits& limits) : limits_(limits) {
  new_task_queue = [this] { return new ElasticPool(limits_.max_connections, acceptor_); };
}

void ConnectionServer::set_listen_backlog(int backlog) {
  // listen() again on a listening socket only changes its backlog (Linux, BSD).
  if (svr_sock_ != INVALID_SOCKET) ::listen(svr_sock_, backlog);
}

bool ConnectionServer::has_too_many_headers(const httplib::Request& req) const {
  // The count includes received_at's header.
  return req.headers.size() > limits_.max_headers + kHeadersAddedByHttplib + 1;
}

Clock::time_point ConnectionServer::received_at(const httplib::Request& req) {
  const std::string ticks = req.get_header_value(kReceivedAt);
  return ticks.empty() ? Clock::now() : Clock::time_point(Clock::duration(std::stoll(ticks)));
}

bool ConnectionServer::process_and_close_socket(socket_t sock) {
  struct Open {
    std::atomic<size_t>& count;
    ~Open() { --count; }
  } open{open_};
  ++open_;
  bool served = false;
  if (std::this_thread::get_id() == acceptor_.load()) {
    static const std::string kBusy = canned_response(503, "Service Unavailable", "busy",
                                                     "too many open connections; try again shortly");
    (void)::send(sock, kBusy.data(), kBusy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  } else {
    ConnectionStream stream(sock, limits_);
    const std::function<void(httplib::Request&)> setup = [&](httplib::Request& req) {
      stream.begin_body(body_length(req));
      // Brotli at cpp-httplib 0.11's fixed quality 11 took 90 ms for a search answer that gzip
      // compresses in 10: offer gzip only.
      if (req.has_header("Accept-Encoding")) {
        const std::string offered = req.get_header_value("Accept-Encoding");
        req.headers.erase("Accept-Encoding");
        if (offered.find("gzip") != std::string::npos) req.set_header("Accept-Encoding", "gzip");
      }
      req.headers.erase(kReceivedAt);
      req.set_header(kReceivedAt, std::to_string(Clock::now().time_since_epoch().count()));
      // Range requests suit static files; on search answers 2,000 ranges made an 8 KB request
      // return 200 MB. Ignoring Range is always allowed (RFC 9110, 14.2).
      req.ranges.clear();
    };
    for (size_t count = 0; count < limits_.max_requests && svr_sock_ != INVALID_SOCKET; ++count) {
      // Nearly full: idle keep-alive connections give their threads back quickly.
      const bool crowded = open_ * 4 > limits_.max_connections * 3;
      if (!stream.wait_for_request(crowded ? milliseconds(100) : limits_.idle_timeout)) break;
      stream.begin_head();
      bool connection_closed = false;
      const bool last = count + 1 == limits_.max_requests || crowded;
      served = process_request(stream, last, connection_closed, setup);
      if (!served || connection_closed || last || stream.failed() || stream.body_left()) break;
    }
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return served;
}

}  // namespace sondhan::server
