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

/// GET /suggest: the query as typed so far, and how many completions to give.
struct SuggestRequest {
  static constexpr size_t kMaxLimit = 20;
  std::string query;
  size_t limit = 8;
};

/// Validates the query string of GET /suggest (q, limit 1..20).
core::Result<SuggestRequest> parse_suggest_request(const httplib::Request& req);

/// {"query": ..., "completions": [{"word", "text", "count"}, ...]}
nlohmann::json suggest_response(const SuggestRequest& request, const std::vector<core::Completion>& completions);

/// Validates the query string of GET /documents/{id}; the query whose words to mark (q), or "".
core::Result<std::string> parse_document_request(const httplib::Request& req);

/// The body of GET /documents/{id}: the stored record, plus "highlights": {"title", "body"}
/// when a query marked it.
std::string document_response(const core::StoredArticle& article);

/// GET /documents/{id}/related: how many articles (limit, 1..50, default 5).
core::Result<size_t> parse_related_request(const httplib::Request& req);

/// GET /documents/{id}/versions takes no parameters.
core::Status parse_versions_request(const httplib::Request& req);

/// {"id": id, "<list>": [{"id", "snippet", "score", shown fields...}, ...]}: a story's
/// versions (list "versions") or related articles ("related").
nlohmann::json articles_response(const std::string& id, const char* list,
                                 const std::vector<core::ArticleRef>& articles);

/// The /search response body.
nlohmann::json search_response(const core::SearchRequest& request, const core::SearchResult& result,
                               double took_ms);

/// {"error": {"code": code, "message": message}}
std::string error_body(const std::string& code, const std::string& message);

/// The HTTP status for a core status code.
int http_status(core::Code code);

}  // namespace sondhan::server
