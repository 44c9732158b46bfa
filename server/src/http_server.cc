// Routes and the HTTP plumbing around them. The route table is the first thing in
// register_routes(); each handler parses, calls core, and writes JSON.
#include "sondhan/server/http_server.h"

#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <thread>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "access.h"
#include "connections.h"
#include "replies.h"
#include "searcher_pool.h"
#include "sondhan/core/searcher.h"
#include "sondhan/server/json_io.h"
#include "sondhan/core/live_index.h"
#include "web_routes.h"
#include "write_routes.h"

namespace sondhan::server {
namespace {

using Clock = std::chrono::steady_clock;

// A GET carries no body worth reading; only write routes take one of server.max_body_bytes.
constexpr size_t kMaxReadBodyBytes = 16 * 1024;

// Known paths and the route name metrics and logs use for them.
std::string route_of(const std::string& path) {
  if (path == "/search" || path == "/suggest" || path == "/health" || path == "/stats" ||
      path == "/metrics" || path == "/") {
    return path;
  }
  if (path == "/documents" || path == "/documents/delete") return path;
  if (path.rfind("/documents/", 0) == 0) {
    for (const std::string_view tail : {"/related", "/versions"}) {
      if (path.size() > 11 + tail.size() && std::string_view(path).substr(path.size() - tail.size()) == tail) {
        return "/documents/{id}" + std::string(tail);
      }
    }
    return "/documents/{id}";
  }
  if (path.rfind("/article/", 0) == 0) return "/article/{id}";
  if (path.rfind("/assets/", 0) == 0) return "/assets/{name}";
  return "other";
}

// What answers without a key when reads are private: the health check and the page itself
// (its searches need the key).
bool is_public_path(const std::string& path) {
  return path == "/health" || path == "/" || path.rfind("/assets/", 0) == 0 || path.rfind("/article/", 0) == 0;
}

ConnectionLimits limits_of(const ServerOptions& o) {
  using std::chrono::milliseconds;
  ConnectionLimits l;
  l.header_timeout = milliseconds(o.header_timeout_ms);
  l.body_timeout = milliseconds(o.body_timeout_ms);
  l.idle_timeout = milliseconds(o.keep_alive_seconds * 1000);
  l.write_timeout = milliseconds(o.write_timeout_ms);
  l.max_header_bytes = static_cast<size_t>(o.max_header_bytes);
  l.max_body_bytes = static_cast<size_t>(o.max_body_bytes);
  l.max_headers = static_cast<size_t>(o.max_headers);
  l.max_requests = static_cast<size_t>(o.keep_alive_requests);
  l.max_connections = static_cast<size_t>(o.max_connections);
  return l;
}

size_t searcher_count(const ServerOptions& o) {
  if (o.threads > 0) return static_cast<size_t>(o.threads);
  return std::max(2u, std::thread::hardware_concurrency());
}

}  // namespace

std::string loggable(std::string_view path) {
  constexpr size_t kMax = 512;
  std::string out;
  for (const unsigned char c : path.substr(0, kMax)) {
    if (c < 0x20 || c == 0x7f || c == '\\') {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (path.size() > kMax) out += "...";
  return out;
}

HttpServer::HttpServer(ServerConfig config)
    : config_(std::move(config)),
      access_(std::make_unique<AccessControl>(config_.server.write_keys, config_.server.read_keys)),
      searchers_(std::make_unique<SearcherPool>(config_.core, searcher_count(config_.server),
                                                std::chrono::milliseconds(config_.server.queue_timeout_ms))),
      http_(std::make_unique<ConnectionServer>(limits_of(config_.server))) {
  register_routes();
}

HttpServer::~HttpServer() = default;

void HttpServer::register_routes() {
  ConnectionServer& s = *http_;

  // ---- Route table ----
  register_web_routes(s);  // the search page: /, /article/{id}, /assets/...
  s.Get("/search", [this](const httplib::Request& req, httplib::Response& res) {
    auto request = parse_search_request(req, config_.core.search);
    if (!request.is_ok()) return send_status(req, res, request.status());
    auto searcher = searchers_->acquire();
    if (!searcher.is_ok()) return send_status(req, res, searcher.status());
    const auto start = Clock::now();
    auto result = searcher.value()->search(request.value());
    if (!result.is_ok()) return send_status(req, res, result.status());
    const nlohmann::json body = search_response(request.value(), result.value(), ms_since(start));
    res.set_header("Cache-Control", "public, max-age=" + std::to_string(config_.server.cache_max_age));
    res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJson);
  });
  s.Get("/suggest", [this](const httplib::Request& req, httplib::Response& res) {
    auto request = parse_suggest_request(req);
    if (!request.is_ok()) return send_status(req, res, request.status());
    auto searcher = searchers_->acquire();
    if (!searcher.is_ok()) return send_status(req, res, searcher.status());
    auto completions = searcher.value()->suggest(request->query, request->limit);
    if (!completions.is_ok()) return send_status(req, res, completions.status());
    res.set_header("Cache-Control", "public, max-age=" + std::to_string(config_.server.cache_max_age));
    res.set_content(suggest_response(request.value(), completions.value())
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    kJson);
  });
  // Before /documents/{id}, which would take "x/related" for an id.
  s.Get(R"(/documents/(.+)/(related|versions))", [this](const httplib::Request& req, httplib::Response& res) {
    const bool related = req.matches[2] == "related";
    auto limit = related ? parse_related_request(req) : core::Result<size_t>(size_t{0});
    if (!limit.is_ok()) return send_status(req, res, limit.status());
    if (core::Status s = related ? core::Status::ok() : parse_versions_request(req); !s.is_ok()) {
      return send_status(req, res, s);
    }
    auto searcher = searchers_->acquire();
    if (!searcher.is_ok()) return send_status(req, res, searcher.status());
    const std::string id = req.matches[1];
    auto list = related ? searcher.value()->related(id, limit.value()) : searcher.value()->versions(id);
    if (!list.is_ok()) return send_status(req, res, list.status());
    res.set_header("Cache-Control", "public, max-age=" + std::to_string(config_.server.cache_max_age));
    res.set_content(articles_response(id, related ? "related" : "versions", list.value())
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    kJson);
  });
  s.Get(R"(/documents/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    auto highlight = parse_document_request(req);
    if (!highlight.is_ok()) return send_status(req, res, highlight.status());
    auto searcher = searchers_->acquire();
    if (!searcher.is_ok()) return send_status(req, res, searcher.status());
    auto doc = searcher.value()->document(req.matches[1], highlight.value());
    if (!doc.is_ok()) return send_status(req, res, doc.status());
    res.set_header("Cache-Control", "public, max-age=" + std::to_string(config_.server.cache_max_age));
    res.set_content(document_response(doc.value()), kJson);
  });
  // Needs no searcher: it answers while every searcher is busy.
  s.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(R"({"status":"ok"})", kJson);
  });
  s.Get("/stats", [this](const httplib::Request& req, httplib::Response& res) {
    auto searcher = searchers_->acquire();
    if (!searcher.is_ok()) return send_status(req, res, searcher.status());
    auto stats = searcher.value()->stats();
    if (!stats.is_ok()) return send_status(req, res, stats.status());
    nlohmann::json body = {{"documents", stats->documents},
                           {"revision", stats->revision},
                           {"total_length", stats->total_length},
                           {"facet_memory_bytes", stats->facet_memory_bytes},
                           {"manifest", stats->manifest.empty() ? nlohmann::json() : nlohmann::json::parse(stats->manifest)},
                           {"uptime_seconds", ms_since(started_) / 1000.0},
                           {"writes", {{"enabled", live_ != nullptr}}}};
    if (live_) {
      const core::LiveIndexStats w = live_->stats();
      body["writes"].update({{"pending", w.pending},
                             {"uncommitted", w.uncommitted},
                             {"accepted_position", w.accepted_sequence},
                             {"committed_position", w.committed_sequence},
                             {"commits", w.commits},
                             {"last_commit_unix_ms", w.last_commit_unix_ms},
                             {"journal_bytes", w.journal_bytes},
                             {"stopped", w.failure.empty() ? nlohmann::json() : nlohmann::json(w.failure)}});
    }
    res.set_header("Cache-Control", "no-store");
    res.set_content(body.dump(), kJson);
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    size_t documents = 0;
    if (auto searcher = searchers_->acquire(); searcher.is_ok()) {
      if (auto stats = searcher.value()->stats(); stats.is_ok()) documents = stats->documents;
    }
    res.set_header("Cache-Control", "no-store");
    Metrics::WriteGauges writes;
    if (live_) {
      const core::LiveIndexStats w = live_->stats();
      writes = {w.pending, w.uncommitted, w.last_commit_unix_ms};
    }
    res.set_content(metrics_.render(documents, ms_since(started_) / 1000.0, live_ ? &writes : nullptr),
                    "text/plain; version=0.0.4; charset=utf-8");
  });

  // ---- Plumbing ----
  // Responses go out as headers then body; with Nagle's algorithm on (cpp-httplib 0.11's
  // default) the body waits for the client's delayed ACK, about 40 ms per keep-alive request.
  s.set_tcp_nodelay(true);
  s.set_payload_max_length(static_cast<size_t>(config_.server.max_body_bytes));

  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (http_->has_too_many_headers(req)) {
      send_error(res, 431, "headers_too_large",
                 "the request has more than " + std::to_string(config_.server.max_headers) + " headers");
      return httplib::Server::HandlerResponse::Handled;
    }
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
      res.set_header("Access-Control-Allow-Methods", live_ && req.path.rfind("/documents", 0) == 0
                                                         ? "GET, HEAD, PUT, POST, DELETE, OPTIONS"
                                                         : "GET, HEAD, OPTIONS");
      const std::string headers = req.get_header_value("Access-Control-Request-Headers");
      if (!headers.empty()) res.set_header("Access-Control-Allow-Headers", headers);
      res.set_header("Access-Control-Max-Age", "600");
      return httplib::Server::HandlerResponse::Handled;
    }
    // Keys are checked before the body is read: a client without one cannot make the server
    // read (or hold) a large body.
    if (is_write_request(req.method, req.path)) {
      const std::string authorization = req.get_header_value("Authorization");
      if (!live_) {
        send_error(res, 403, "writes_disabled",
                   "this server is read-only: to enable writes, set server.write_keys in the config file or "
                   "SONDHAN_SERVER_WRITE_KEYS (comma-separated keys of 16 or more characters) and restart it");
        return httplib::Server::HandlerResponse::Handled;
      }
      if (!access_->may_write(authorization)) {
        res.set_header("WWW-Authenticate", "Bearer");
        send_error(res, 401, "unauthorized",
                   authorization.empty() ? "writes need an Authorization: Bearer <key> header with a write key"
                                         : "the key is not a write key");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    }
    if (req.method != "GET" && req.method != "HEAD") {
      if (route_of(req.path) != "other") {
        res.set_header("Allow", route_of(req.path) == "/documents/{id}" || route_of(req.path) == "/documents"
                                    ? "GET, HEAD, PUT, POST, DELETE, OPTIONS"
                                    : "GET, HEAD, OPTIONS");
        send_error(res, 405, "method_not_allowed", req.method + " is not allowed on " + req.path);
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    if (req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos ||
        req.get_header_value<uint64_t>("Content-Length") > kMaxReadBodyBytes) {
      send_error(res, 413, "payload_too_large", "only write requests may carry a body");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (access_->reads_private() && !is_public_path(req.path) &&
        !access_->may_read(req.get_header_value("Authorization"))) {
      res.set_header("WWW-Authenticate", "Bearer");
      send_error(res, 401, "unauthorized", "this archive is private: send Authorization: Bearer <key> with a read key");
      return httplib::Server::HandlerResponse::Handled;
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
      case 416: return send_error(res, 416, "bad_range", "malformed Range header");
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
    spdlog::error("{} {}: unhandled exception: {}", req.method, loggable(req.path), what);
    send_error(res, 500, "internal", "internal error");
  });

  // Metrics are recorded before the response goes out (the logger runs after it is sent, so a
  // client could read /metrics before its own previous request was counted).
  s.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    metrics_.record(route_of(req.path), res.status, ms_since(ConnectionServer::received_at(req)));
  });
  s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    if (config_.server.access_log) {
      spdlog::info("{} {} {} {:.2f}ms", req.method, loggable(req.path), res.status,
                   ms_since(ConnectionServer::received_at(req)));
    }
  });
}

size_t HttpServer::search_threads() const { return searchers_->size(); }

core::Status HttpServer::bind() {
  if (access_->writes_enabled() && !live_) {
    core::LiveIndexOptions options;
    options.max_pending = static_cast<size_t>(config_.server.max_pending_writes);
    options.on_commit = [this](std::chrono::duration<double> elapsed, bool ok) {
      metrics_.record_commit(elapsed.count(), ok);
    };
    auto live = core::LiveIndex::open(config_.core, options);
    if (!live.is_ok()) {
      return core::Status::unavailable("cannot take writes: " + live.status().message());
    }
    live_ = std::move(live).value();
    register_write_routes(*http_, *live_, config_, metrics_);
  }
  if (config_.server.port == 0) {
    port_ = http_->bind_to_any_port(config_.server.host);
  } else {
    port_ = http_->bind_to_port(config_.server.host, config_.server.port) ? config_.server.port : -1;
  }
  if (port_ <= 0) {
    return core::Status::unavailable("cannot listen on " + config_.server.host + ":" +
                                     std::to_string(config_.server.port));
  }
  http_->set_listen_backlog(SOMAXCONN);
  return core::Status::ok();
}

void HttpServer::serve() { http_->listen_after_bind(); }

void HttpServer::stop() { http_->stop(); }

}  // namespace sondhan::server
