// The server's JSON: request parameters in, search results and errors out. Handlers stay thin.
#pragma once

#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "sondhan/core/config.h"
#include "sondhan/core/searcher.h"
#include "sondhan/core/status.h"

namespace sondhan::server {

/// Validates the query string of GET /search into a SearchRequest. kInvalidArgument names the
/// parameter and what was wrong (limit out of range, unknown sort, bad boolean, invalid UTF-8...).
core::Result<core::SearchRequest> parse_search_request(const httplib::Request& req,
                                                       const core::SearchOptions& options);

/// The /search response body.
nlohmann::json search_response(const core::SearchRequest& request, const core::SearchResult& result,
                               double took_ms);

/// {"error": {"code": code, "message": message}}
std::string error_body(const std::string& code, const std::string& message);

/// The HTTP status for a core status code.
int http_status(core::Code code);

}  // namespace sondhan::server
