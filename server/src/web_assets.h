// The search page's files (server/web/), compiled into the binary by cmake/EmbedFiles.cmake,
// with the Content-Type and ETag each is served with.
#pragma once

#include <string_view>

namespace sondhan::server {

struct WebAsset {
  std::string_view path;          ///< relative to server/web/, e.g. "app.js"
  std::string_view content_type;  ///< with a charset for text
  std::string_view body;
  std::string_view gzip_body;     ///< body gzip-compressed (made once, at the first lookup)
  std::string_view etag;          ///< a weak validator, quotes included: W/"<16 hex digits>"
};

/// The asset at `path` (relative to server/web/, no leading slash), or nullptr.
/// Thread safety: safe from any thread; the assets live as long as the program.
const WebAsset* find_web_asset(std::string_view path);

}  // namespace sondhan::server
