// The search page: GET/HEAD / and /article/{id} serve the page, /assets/{name} its files, all
// from the binary (no CDN, fonts or scripts from elsewhere: newsrooms run this on intranets).
#pragma once

namespace httplib { class Server; }

namespace sondhan::server {

/// Adds the page's routes to `server`. Responses carry an ETag (If-None-Match answers 304),
/// Cache-Control, a Content-Type with charset, a strict Content-Security-Policy,
/// X-Content-Type-Options: nosniff and Referrer-Policy. HEAD is answered by cpp-httplib from
/// the GET routes. REQUIRES: called before the server starts listening.
void register_web_routes(httplib::Server& server);

}  // namespace sondhan::server
