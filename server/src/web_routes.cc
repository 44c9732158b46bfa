// Routes for the search page and its files, with caching and security headers.
#include "web_routes.h"

#include <string>
#include <string_view>

#include <httplib.h>

#include "web_assets.h"

namespace sondhan::server {
namespace {

// The page runs only its own script and style and talks only to this server. Trusted Types
// with no policy makes every HTML-string sink (innerHTML and the like) throw, so record text
// can only ever reach the page as text nodes.
constexpr char kContentSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; require-trusted-types-for 'script'; "
    "trusted-types 'none'";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view opaque_tag(std::string_view etag) {
  return etag.substr(0, 2) == "W/" ? etag.substr(2) : etag;
}

// If-None-Match uses the weak comparison (RFC 9110 13.1.2): "*" or any listed tag whose
// opaque part equals ours. Tags cannot contain commas, so splitting on them is exact.
bool none_match_hits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    const std::string_view tag = trim(header.substr(0, comma));
    if (tag == "*" || (!tag.empty() && opaque_tag(tag) == opaque_tag(etag))) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

// Whether Accept-Encoding lists gzip (or *) without q=0 (RFC 9110 12.5.3).
bool accepts_gzip(std::string_view header) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const size_t semicolon = item.find(';');
    const std::string_view coding = trim(item.substr(0, semicolon));
    if (coding != "gzip" && coding != "x-gzip" && coding != "*") continue;
    if (semicolon == std::string_view::npos) return true;
    std::string_view q = trim(item.substr(semicolon + 1));
    if (q.substr(0, 2) != "q=" && q.substr(0, 2) != "Q=") return true;
    q.remove_prefix(2);
    // q=0, q=0.0, q=0.00, q=0.000 refuse; any other value accepts.
    return q.find_first_not_of("0.") != std::string_view::npos;
  }
  return false;
}

void send_asset(const WebAsset& asset, const httplib::Request& req, httplib::Response& res) {
  // Revalidated on every use (a 304 costs one round trip on the intranet), so a new binary's
  // page and script are never mixed with an old cached copy of the other.
  res.set_header("Cache-Control", "no-cache");
  res.set_header("ETag", std::string(asset.etag));
  res.set_header("Vary", "Accept-Encoding");
  res.set_header("X-Content-Type-Options", "nosniff");
  // The page's address holds the query; links to articles on other sites must not carry it.
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  if (req.has_header("If-None-Match") && none_match_hits(req.get_header_value("If-None-Match"), asset.etag)) {
    res.status = 304;
    return;
  }
  // A content provider of known length goes out as it is: cpp-httplib compresses only bodies
  // set with set_content (see web_assets.cc for why the page brings its own gzip).
  const bool gzip = accepts_gzip(req.get_header_value("Accept-Encoding"));
  const std::string_view body = gzip ? asset.gzip_body : asset.body;
  if (gzip) res.set_header("Content-Encoding", "gzip");
  res.set_content_provider(body.size(), std::string(asset.content_type),
                           [body](size_t offset, size_t length, httplib::DataSink& sink) {
                             return sink.write(body.data() + offset, length);
                           });
}

void send_page(const httplib::Request& req, httplib::Response& res) {
  // index.html is embedded by the same build that compiles this file.
  send_asset(*find_web_asset("index.html"), req, res);
}

}  // namespace

void register_web_routes(httplib::Server& server) {
  // One page for the search and the article view; app.js reads the address.
  server.Get("/", send_page);
  server.Get(R"(/article/.+)", send_page);
  server.Get(R"(/assets/([A-Za-z0-9_-][A-Za-z0-9_.-]*))",
             [](const httplib::Request& req, httplib::Response& res) {
               const WebAsset* asset = find_web_asset(std::string_view(req.matches[1].str()));
               if (asset == nullptr || asset->path == "index.html") {
                 res.status = 404;  // the server's error handler writes the JSON body
                 return;
               }
               send_asset(*asset, req, res);
             });
}

}  // namespace sondhan::server
