// Fuzz target: the /search parameter parser. The input is a URL query string, decoded here as a
// server decodes one (pairs split at '&' and the first '=', '+' as a space, %XX escapes), so
// that no httplib internals are needed; parse_search_request must accept it within the limits
// or name what is wrong, and whatever it accepts must serialize as JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "fuzz_check.h"
#include "sondhan/core/config.h"
#include "sondhan/core/status.h"
#include "sondhan/server/json_io.h"

namespace {

using namespace sondhan;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// '+' is a space and %XX a byte; a '%' without two hex digits stands for itself.
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

/// name=value pairs joined by '&'; a pair without '=' has an empty value, one without a name is
/// dropped (as httplib drops it).
httplib::Params parse_query_string(std::string_view text) {
  httplib::Params params;
  while (!text.empty()) {
    const size_t amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    const size_t eq = pair.find('=');
    std::string name = percent_decode(pair.substr(0, eq));
    if (name.empty()) continue;
    std::string value = eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
    params.emplace(std::move(name), std::move(value));
  }
  return params;
}

bool all_well_formed(const std::vector<std::string>& items) {
  for (const std::string& item : items) {
    if (!fuzz::well_formed_utf8(item)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const core::SearchOptions options;
  httplib::Request req;
  req.method = "GET";
  req.path = "/search";
  req.params = parse_query_string(std::string_view(reinterpret_cast<const char*>(data), size));

  const auto parsed = server::parse_search_request(req, options);
  if (!parsed.is_ok()) {
    SONDHAN_FUZZ_CHECK(parsed.status().code() == core::Code::kInvalidArgument);
    SONDHAN_FUZZ_CHECK(server::http_status(parsed.status().code()) == 400);
    // The message quotes only what was checked to be UTF-8, so the error body is exact JSON.
    SONDHAN_FUZZ_CHECK(fuzz::well_formed_utf8(parsed.status().message()));
    const std::string body =
        server::error_body(core::code_name(parsed.status().code()), parsed.status().message());
    SONDHAN_FUZZ_CHECK(nlohmann::json::accept(body));
    return 0;
  }
  const core::SearchRequest& r = parsed.value();
  SONDHAN_FUZZ_CHECK(r.limit >= 1 && r.limit <= static_cast<size_t>(options.max_limit));
  SONDHAN_FUZZ_CHECK(r.offset <= static_cast<size_t>(options.max_offset));
  if (req.has_param("page")) SONDHAN_FUZZ_CHECK(r.offset % r.limit == 0);
  SONDHAN_FUZZ_CHECK(r.query == req.get_param_value("q"));
  SONDHAN_FUZZ_CHECK(fuzz::well_formed_utf8(r.query));
  for (const auto& [name, values] : r.filters) SONDHAN_FUZZ_CHECK(all_well_formed(values));
  SONDHAN_FUZZ_CHECK(all_well_formed(r.facets));
  for (const std::string& facet : r.facets) SONDHAN_FUZZ_CHECK(!facet.empty());
  // The response echoes the request; a strict dump throws on anything that is not UTF-8.
  const std::string body = server::search_response(r, core::SearchResult{}, 0.0).dump();
  SONDHAN_FUZZ_CHECK(nlohmann::json::accept(body));
  return 0;
}
