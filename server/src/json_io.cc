// Search request parameters in, search results and errors out, as JSON.
#include "sondhan/server/json_io.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "sondhan/core/schema.h"
#include "sondhan/core/utf8.h"

namespace sondhan::server {
namespace {

using core::Status;

// Strict unsigned parsing (as Xapian's parse_unsigned): digits only, no sign, no overflow.
core::Result<size_t> parse_count(const std::string& name, const std::string& text, size_t lo, size_t hi) {
  size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < lo || value > hi) {
    return Status::invalid_argument(name + " must be a whole number from " + std::to_string(lo) +
                                    " to " + std::to_string(hi) + ", got '" + text + "'");
  }
  return value;
}

core::Result<bool> parse_bool(const std::string& name, const std::string& text) {
  if (text == "true" || text == "1" || text == "on" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "off" || text == "no") return false;
  return Status::invalid_argument(name + " must be true or false, got '" + text + "'");
}

std::vector<std::string> values_of(const httplib::Request& req, const std::string& key) {
  std::vector<std::string> out;
  const size_t n = req.get_param_value_count(key);
  for (size_t i = 0; i < n; ++i) out.push_back(req.get_param_value(key, i));
  return out;
}

// Every parameter is valid UTF-8 and known (names starting with '_' are left for cache
// busters; anything else unknown is a typo), and those in `single` are given at most once.
Status check_params(const httplib::Request& req, const std::set<std::string>& known,
                    const std::set<std::string>& single) {
  for (const auto& [key, value] : req.params) {
    if (!core::is_valid_utf8(key) || !core::is_valid_utf8(value)) {
      return Status::invalid_argument("parameter '" + (core::is_valid_utf8(key) ? key : std::string("?")) +
                                      "' is not valid UTF-8");
    }
    if (!known.count(key) && (key.empty() || key[0] != '_')) {
      return Status::invalid_argument("unknown parameter '" + key + "'");
    }
  }
  for (const std::string& name : single) {
    if (req.get_param_value_count(name.c_str()) > 1) {
      return Status::invalid_argument("parameter '" + name + "' given more than once");
    }
  }
  return Status::ok();
}

}  // namespace

core::Result<core::SearchRequest> parse_search_request(const httplib::Request& req,
                                                       const core::SearchOptions& options) {
  static const std::set<std::string> kSingle = {"q",  "limit", "offset",    "page",
                                                 "sort", "from", "to", "highlight", "collapse"};
  static const std::set<std::string> kKnown = [] {
    std::set<std::string> known = kSingle;
    known.insert("facets");
    for (const core::Field& f : core::schema()) {
      if (f.filter) known.emplace(f.filter_name);
    }
    return known;
  }();
  if (Status s = check_params(req, kKnown, kSingle); !s.is_ok()) return s;

  core::SearchRequest r;
  r.query = req.get_param_value("q");
  r.limit = static_cast<size_t>(options.default_limit);
  if (req.has_param("limit")) {
    auto v = parse_count("limit", req.get_param_value("limit"), 1, static_cast<size_t>(options.max_limit));
    if (!v.is_ok()) return v.status();
    r.limit = v.value();
  }
  if (req.has_param("offset") && req.has_param("page")) {
    return Status::invalid_argument("give offset or page, not both");
  }
  if (req.has_param("offset")) {
    auto v = parse_count("offset", req.get_param_value("offset"), 0, static_cast<size_t>(options.max_offset));
    if (!v.is_ok()) return v.status();
    r.offset = v.value();
  }
  if (req.has_param("page")) {
    const size_t max_page = static_cast<size_t>(options.max_offset) / r.limit + 1;
    auto v = parse_count("page", req.get_param_value("page"), 1, max_page);
    if (!v.is_ok()) return v.status();
    r.offset = (v.value() - 1) * r.limit;
  }
  if (req.has_param("sort")) {
    const std::string sort = req.get_param_value("sort");
    if (sort == "relevance") r.sort = core::SortOrder::kRelevance;
    else if (sort == "date") r.sort = core::SortOrder::kDateAscending;
    else if (sort == "-date") r.sort = core::SortOrder::kDateDescending;
    else return Status::invalid_argument("sort must be relevance, date or -date, got '" + sort + "'");
  }
  if (req.has_param("from")) r.from_date = req.get_param_value("from");
  if (req.has_param("to")) r.to_date = req.get_param_value("to");
  // Each filter value is a term of the query: bounded like the query's own terms.
  size_t filter_values = 0;
  for (const core::Field& f : core::schema()) {
    if (!f.filter || !req.has_param(std::string(f.filter_name))) continue;
    auto& values = r.filters[std::string(f.filter_name)];
    values = values_of(req, std::string(f.filter_name));
    filter_values += values.size();
  }
  if (filter_values > static_cast<size_t>(options.max_query_terms)) {
    return Status::invalid_argument("more than " + std::to_string(options.max_query_terms) +
                                    " filter values (source, category, author, tag...)");
  }
  // Each facet costs a pass over the matches: a name given twice is counted once, and a list
  // longer than any sensible one is refused rather than walked.
  constexpr size_t kMaxFacetItems = 64;
  size_t facet_items = 0;
  for (const std::string& list : values_of(req, "facets")) {
    for (std::string& facet : core::split_list(list)) {
      if (++facet_items > kMaxFacetItems) {
        return Status::invalid_argument("facets lists more than " + std::to_string(kMaxFacetItems) + " names");
      }
      if (std::find(r.facets.begin(), r.facets.end(), facet) == r.facets.end()) r.facets.push_back(std::move(facet));
    }
  }
  if (req.has_param("highlight")) {
    auto v = parse_bool("highlight", req.get_param_value("highlight"));
    if (!v.is_ok()) return v.status();
    r.highlight = v.value();
  }
  if (req.has_param("collapse")) {
    auto v = parse_bool("collapse", req.get_param_value("collapse"));
    if (!v.is_ok()) return v.status();
    r.collapse = v.value();
  }
  return r;
}

core::Result<size_t> parse_related_request(const httplib::Request& req) {
  static const std::set<std::string> kParams = {"limit"};
  if (Status s = check_params(req, kParams, kParams); !s.is_ok()) return s;
  if (!req.has_param("limit")) return size_t{5};
  return parse_count("limit", req.get_param_value("limit"), 1, 50);
}

core::Status parse_versions_request(const httplib::Request& req) { return check_params(req, {}, {}); }

namespace {

// An article as lists show it: id, snippet, score and every shown field (null when absent).
nlohmann::json article_json(const std::string& id, const std::string& snippet, double score,
                            const std::vector<std::pair<std::string, std::string>>& fields) {
  nlohmann::json h = {{"id", id}, {"snippet", snippet}, {"score", score}};
  for (const core::Field& f : core::schema()) {
    if (f.show && f.kind != core::FieldKind::kId) h[std::string(f.name)] = nullptr;
  }
  for (const auto& [name, value] : fields) h[name] = nlohmann::json::parse(value, nullptr, false);
  return h;
}

}  // namespace

nlohmann::json articles_response(const std::string& id, const char* list,
                                 const std::vector<core::ArticleRef>& articles) {
  nlohmann::json items = nlohmann::json::array();
  for (const core::ArticleRef& a : articles) items.push_back(article_json(a.id, a.snippet, a.score, a.fields));
  return {{"id", id}, {list, std::move(items)}};
}

core::Result<SuggestRequest> parse_suggest_request(const httplib::Request& req) {
  static const std::set<std::string> kParams = {"q", "limit"};
  if (Status s = check_params(req, kParams, kParams); !s.is_ok()) return s;
  SuggestRequest r;
  r.query = req.get_param_value("q");
  if (req.has_param("limit")) {
    auto v = parse_count("limit", req.get_param_value("limit"), 1, SuggestRequest::kMaxLimit);
    if (!v.is_ok()) return v.status();
    r.limit = v.value();
  }
  return r;
}

nlohmann::json suggest_response(const SuggestRequest& request, const std::vector<core::Completion>& completions) {
  nlohmann::json list = nlohmann::json::array();
  for (const core::Completion& c : completions) {
    list.push_back({{"word", c.word}, {"text", c.text}, {"count", c.count}});
  }
  return {{"query", request.query}, {"completions", list}};
}

core::Result<std::string> parse_document_request(const httplib::Request& req) {
  static const std::set<std::string> kParams = {"q"};
  if (Status s = check_params(req, kParams, kParams); !s.is_ok()) return s;
  return req.get_param_value("q");
}

std::string document_response(const core::StoredArticle& article) {
  if (!article.highlighted) return article.record;  // stored as validated JSON: sent as it is
  nlohmann::json record = nlohmann::json::parse(article.record, nullptr, false);
  record["highlights"] = {{"title", article.title_html}, {"body", article.body_html}};
  return record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json search_response(const core::SearchRequest& request, const core::SearchResult& result,
                               double took_ms) {
  nlohmann::json hits = nlohmann::json::array();
  for (const core::Hit& hit : result.hits) {
    // Every shown field of the schema is in each hit, null when the record has none.
    nlohmann::json h = article_json(hit.id, hit.snippet, hit.score, hit.fields);
    // The story's other matching articles, folded into this hit (collapse).
    h["versions"] = hit.version_ids.size();
    h["version_ids"] = hit.version_ids;
    // The snippet is the marked body passage; highlights adds the marked title when it matched.
    // (The snippet is not repeated here: serializing it twice was a tenth of a request.)
    nlohmann::json highlights = nlohmann::json::object();
    if (request.highlight && hit.title_matches > 0) highlights["title"] = hit.title_html;
    h["highlights"] = std::move(highlights);
    hits.push_back(std::move(h));
  }
  nlohmann::json facets = nlohmann::json::object();
  for (const auto& [name, counts] : result.facets) {
    nlohmann::json values = nlohmann::json::array();
    for (const core::FacetCount& c : counts) values.push_back({{"value", c.value}, {"count", c.count}});
    facets[name] = values;
  }
  return {{"query", request.query},   {"total", result.total},
          {"total_is_exact", result.total_is_exact}, {"took_ms", took_ms},
          {"offset", request.offset}, {"limit", request.limit},
          {"hits", hits},             {"facets", facets}};
}

std::string error_body(const std::string& code, const std::string& message) {
  return nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int http_status(core::Code code) {
  switch (code) {
    case core::Code::kOk: return 200;
    case core::Code::kInvalidArgument: return 400;
    case core::Code::kNotFound: return 404;
    case core::Code::kUnavailable: return 503;
    case core::Code::kBusy: return 503;
    case core::Code::kIncompatible: return 503;
    case core::Code::kInternal: return 500;
  }
  return 500;
}

}  // namespace sondhan::server
