// Routes and the HTTP plumbing around them. The route table is the first thing in
// register_routes(); each handler parses, calls core, and writes JSON.
#include "sondhan/server/http_server.h"

#include <algorithm>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "sondhan/core/searcher.h"
#include "sondhan/server/json_io.h"

namespace sondhan::server {
namespace {

using Clock = std::chrono::steady_clock;
// JSON is UTF-8 by definition (RFC 8259); cpp-httplib 0.11 only compresses the bare type.
constexpr char kJson[] = "application/json";

// Known paths and the route name metrics and logs use for them.
std::string route_of(const std::string& path) {
  if (path == "/search" || path == "/health" || path == "/stats" || path == "/metrics") return path;
  if (path.rfind("/documents/", 0) == 0) return "/documents/{id}";
  return "other";
}

// The request's start time, set before routing, read by the access logger on the same thread.
thread_local Clock::time_point t_request_start;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(error_body(code, message), kJson);
}

void send_status(httplib::Response& res, const core::Status& s) {
  send_error(res, http_status(s.code()), core::code_name(s.code()), s.message());
}

}  // namespace

// One Searcher per worker thread: Xapian database handles are not thread-safe. Opened lazily
// so that a server started before its database exists answers 503 until it appears.
class ThreadSearcher {
 public:
  static core::Result<core::Searcher*> get(const core::Config& config) {
    thread_local std::unique_ptr<core::Searcher> searcher;
    if (!searcher) {
      auto opened = core::Searcher::open(config);
      if (!opened.is_ok()) return opened.status();
      searcher = std::move(opened.value());
    }
    return searcher.get();
  }
};

HttpServer::HttpServer(core::Config config)
    : config_(std::move(config)), http_(std::make_unique<httplib::Server>()) {
  register_routes();
}

HttpServer::~HttpServer() = default;

void HttpServer::register_routes() {
  httplib::Server& s = *http_;

  // ---- Route table ----
  s.Get("/search", [this](const httplib::Request& req, httplib::Response& res) {
    auto searcher = ThreadSearcher::get(config_);
    if (!searcher.is_ok()) return send_status(res, searcher.status());
    auto request = parse_search_request(req, config_.search);
    if (!request.is_ok()) return send_status(res, request.status());
    const auto start = Clock::now();
    auto result = searcher.value()->search(request.value());
    if (!result.is_ok()) return send_status(res, result.status());
    const nlohmann::json body = search_response(request.value(), result.value(), ms_since(start));
    res.set_header("Cache-Control", "public, max-age=" + std::to_string(config_.server.cache_max_age));
    res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJson);
  });
  s.Get(R"(/documents/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    auto searcher = ThreadSearcher::get(config_);
    if (!searcher.is_ok()) return send_status(res, searcher.status());
    auto doc = searcher.value()->document(req.matches[1]);
    if (!doc.is_ok()) return send_status(res, doc.status());
    res.set_header("Cache-Control", "public, max-age=" + std::to_string(config_.server.cache_max_age));
    res.set_content(doc.value().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJson);
  });
  s.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(R"({"status":"ok"})", kJson);
  });
  s.Get("/stats", [this](const httplib::Request&, httplib::Response& res) {
    auto searcher = ThreadSearcher::get(config_);
    if (!searcher.is_ok()) return send_status(res, searcher.status());
    auto stats = searcher.value()->stats();
    if (!stats.is_ok()) return send_status(res, stats.status());
    res.set_header("Cache-Control", "no-store");
    res.set_content(nlohmann::json{{"documents", stats->documents},
                                   {"revision", stats->revision},
                                   {"total_length", stats->total_length},
                                   {"uptime_seconds", ms_since(started_) / 1000.0}}
                        .dump(),
                    kJson);
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    size_t documents = 0;
    if (auto searcher = ThreadSearcher::get(config_); searcher.is_ok()) {
      if (auto stats = searcher.value()->stats(); stats.is_ok()) documents = stats->documents;
    }
    res.set_header("Cache-Control", "no-store");
    res.set_content(metrics_.render(documents, ms_since(started_) / 1000.0),
                    "text/plain; version=0.0.4; charset=utf-8");
  });

  // ---- Plumbing ----
  s.new_task_queue = [n = config_.server.threads] { return new httplib::ThreadPool(static_cast<size_t>(n)); };
  // Responses go out as headers then body; with Nagle's algorithm on (cpp-httplib 0.11's
  // default) the body waits for the client's delayed ACK, about 40 ms per keep-alive request.
  s.set_tcp_nodelay(true);
  // A keep-alive connection holds a worker thread while it is open: close idle ones quickly,
  // but let busy clients reuse theirs for many requests.
  s.set_keep_alive_max_count(static_cast<size_t>(config_.server.keep_alive_requests));
  s.set_keep_alive_timeout(config_.server.keep_alive_seconds);
  s.set_payload_max_length(static_cast<size_t>(config_.server.max_body_bytes));

  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    t_request_start = Clock::now();
    // CORS: echo an allowed Origin; answer preflight requests here.
    const std::string origin = req.get_header_value("Origin");
    const auto& allowed = config_.server.cors_origins;
    const bool any = std::find(allowed.begin(), allowed.end(), "*") != allowed.end();
    if (!origin.empty() && (any || std::find(allowed.begin(), allowed.end(), origin) != allowed.end())) {
      res.set_header("Access-Control-Allow-Origin", any ? "*" : origin);
      if (!any) res.set_header("Vary", "Origin");
    }
    if (req.method == "OPTIONS") {
      res.status = 204;
      res.set_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
      const std::string headers = req.get_header_value("Access-Control-Request-Headers");
      if (!headers.empty()) res.set_header("Access-Control-Allow-Headers", headers);
      res.set_header("Access-Control-Max-Age", "600");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.method != "GET" && req.method != "HEAD") {
      if (route_of(req.path) != "other") {
        res.set_header("Allow", "GET, HEAD, OPTIONS");
        send_error(res, 405, "method_not_allowed", req.method + " is not allowed on " + req.path);
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // a handler already wrote a JSON error
    switch (res.status) {
      case 404: return send_error(res, 404, "not_found", "no route for " + req.path);
      case 413: return send_error(res, 413, "payload_too_large", "request body is too large");
      case 414: return send_error(res, 414, "uri_too_long", "request URI is too long");
      case 400: return send_error(res, 400, "bad_request", "malformed request");
      default: return send_error(res, res.status, "error", "request failed");
    }
  });

  s.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("{} {}: unhandled exception: {}", req.method, req.path, what);
    send_error(res, 500, "internal", "internal error");
  });

  // Metrics are recorded before the response goes out (the logger runs after it is sent, so a
  // client could read /metrics before its own previous request was counted).
  s.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    metrics_.record(route_of(req.path), res.status, ms_since(t_request_start));
  });
  s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    if (config_.server.access_log) {
      spdlog::info("{} {} {} {:.2f}ms", req.method, req.path, res.status, ms_since(t_request_start));
    }
  });
}

core::Status HttpServer::bind() {
  if (config_.server.port == 0) {
    port_ = http_->bind_to_any_port(config_.server.host);
  } else {
    port_ = http_->bind_to_port(config_.server.host, config_.server.port) ? config_.server.port : -1;
  }
  if (port_ <= 0) {
    return core::Status::unavailable("cannot listen on " + config_.server.host + ":" +
                                     std::to_string(config_.server.port));
  }
  return core::Status::ok();
}

void HttpServer::serve() { http_->listen_after_bind(); }

void HttpServer::stop() { http_->stop(); }

}  // namespace sondhan::server
