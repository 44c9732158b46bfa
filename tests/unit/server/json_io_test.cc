// Unit tests of the server's JSON I/O: query-string validation into a SearchRequest, the
// /search response body, error bodies and the status-code mapping. No sockets, no database.
#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <utility>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "sondhan/core/config.h"
#include "sondhan/core/searcher.h"
#include "sondhan/core/status.h"
#include "sondhan/server/json_io.h"

namespace {

using nlohmann::json;
using sondhan::core::Code;
using sondhan::core::SearchOptions;
using sondhan::core::SearchRequest;
using sondhan::core::SortOrder;
using sondhan::server::error_body;
using sondhan::server::http_status;
using sondhan::server::parse_search_request;
using sondhan::server::search_response;

using Params = std::initializer_list<std::pair<std::string, std::string>>;

// A request whose query string has already been decoded into `params` (as httplib does).
httplib::Request make_request(Params params) {
  httplib::Request req;
  req.method = "GET";
  req.path = "/search";
  for (const auto& [key, value] : params) req.params.emplace(key, value);
  return req;
}

sondhan::core::Result<SearchRequest> parse(Params params, const SearchOptions& options = {}) {
  return parse_search_request(make_request(params), options);
}

SearchRequest parse_ok(Params params, const SearchOptions& options = {}) {
  auto r = parse(params, options);
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  return r.value();
}

// Expects kInvalidArgument whose message mentions `needle`.
void expect_invalid(Params params, const std::string& needle, const SearchOptions& options = {}) {
  auto r = parse(params, options);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kInvalidArgument);
  INFO("message: " << r.status().message());
  CHECK(r.status().message().find(needle) != std::string::npos);
  CHECK(http_status(r.status().code()) == 400);
}

}  // namespace

TEST_CASE("parse_search_request: an empty query string gives the defaults", "[server][json_io]") {
  const SearchRequest r = parse_ok({});
  CHECK(r.query.empty());
  CHECK(r.limit == 10);
  CHECK(r.offset == 0);
  CHECK(r.sort == SortOrder::kRelevance);
  CHECK_FALSE(r.from_date.has_value());
  CHECK_FALSE(r.to_date.has_value());
  CHECK(r.filters.empty());
  CHECK(r.facets.empty());
  CHECK(r.highlight);
}

TEST_CASE("parse_search_request: the default limit comes from the options", "[server][json_io]") {
  SearchOptions options;
  options.default_limit = 25;
  options.max_limit = 50;
  CHECK(parse_ok({}, options).limit == 25);
  CHECK(parse_ok({{"limit", "50"}}, options).limit == 50);
  expect_invalid({{"limit", "51"}}, "limit", options);
}

TEST_CASE("parse_search_request: q is kept as given", "[server][json_io]") {
  const std::string q = "উত্তর কোরিয়া -সেনা \"ঢাকা শহর\" title:বাজেট";
  CHECK(parse_ok({{"q", q}}).query == q);
  CHECK(parse_ok({{"q", ""}}).query.empty());
}

TEST_CASE("parse_search_request: limit bounds", "[server][json_io]") {
  CHECK(parse_ok({{"limit", "1"}}).limit == 1);
  CHECK(parse_ok({{"limit", "37"}}).limit == 37);
  CHECK(parse_ok({{"limit", "100"}}).limit == 100);

  expect_invalid({{"limit", "0"}}, "limit");
  expect_invalid({{"limit", "101"}}, "limit");
  expect_invalid({{"limit", "abc"}}, "limit");
  expect_invalid({{"limit", "-1"}}, "limit");
  expect_invalid({{"limit", "1e3"}}, "limit");
  expect_invalid({{"limit", ""}}, "limit");
  expect_invalid({{"limit", "+5"}}, "limit");
  expect_invalid({{"limit", " 5"}}, "limit");
  expect_invalid({{"limit", "5 "}}, "limit");
  expect_invalid({{"limit", "5.0"}}, "limit");
  expect_invalid({{"limit", "99999999999999999999999"}}, "limit");  // overflows size_t
  expect_invalid({{"limit", "১০"}}, "limit");                         // Bengali digits are not accepted
}

TEST_CASE("parse_search_request: offset bounds", "[server][json_io]") {
  CHECK(parse_ok({{"offset", "0"}}).offset == 0);
  CHECK(parse_ok({{"offset", "30"}}).offset == 30);
  CHECK(parse_ok({{"offset", "10000"}}).offset == 10000);
  expect_invalid({{"offset", "10001"}}, "offset");
  expect_invalid({{"offset", "99999999"}}, "offset");
  expect_invalid({{"offset", "-1"}}, "offset");
  expect_invalid({{"offset", "ten"}}, "offset");
  expect_invalid({{"offset", ""}}, "offset");
}

TEST_CASE("parse_search_request: page becomes an offset", "[server][json_io]") {
  SECTION("page 3 with limit 10 starts at 20") {
    const SearchRequest r = parse_ok({{"page", "3"}, {"limit", "10"}});
    CHECK(r.offset == 20);
    CHECK(r.limit == 10);
  }
  SECTION("page 1 starts at 0") { CHECK(parse_ok({{"page", "1"}}).offset == 0); }
  SECTION("page uses the default limit") { CHECK(parse_ok({{"page", "2"}}).offset == 10); }
  SECTION("page uses the given limit, whatever the parameter order") {
    CHECK(parse_ok({{"limit", "7"}, {"page", "4"}}).offset == 21);
    CHECK(parse_ok({{"page", "4"}, {"limit", "7"}}).offset == 21);
  }
  SECTION("the last page allowed reaches max_offset") {
    CHECK(parse_ok({{"page", "1001"}, {"limit", "10"}}).offset == 10000);
    expect_invalid({{"page", "1002"}, {"limit", "10"}}, "page");
  }
  SECTION("page 0 and garbage are rejected") {
    expect_invalid({{"page", "0"}}, "page");
    expect_invalid({{"page", "-2"}}, "page");
    expect_invalid({{"page", "x"}}, "page");
  }
  SECTION("offset and page together are rejected") {
    expect_invalid({{"offset", "0"}, {"page", "1"}}, "offset");
    expect_invalid({{"page", "2"}, {"offset", "10"}}, "page");
  }
}

TEST_CASE("parse_search_request: sort values", "[server][json_io]") {
  CHECK(parse_ok({{"sort", "relevance"}}).sort == SortOrder::kRelevance);
  CHECK(parse_ok({{"sort", "date"}}).sort == SortOrder::kDateAscending);
  CHECK(parse_ok({{"sort", "-date"}}).sort == SortOrder::kDateDescending);
  expect_invalid({{"sort", "x"}}, "sort");
  expect_invalid({{"sort", ""}}, "sort");
  expect_invalid({{"sort", "+date"}}, "sort");
  expect_invalid({{"sort", "date "}}, "sort");
}

TEST_CASE("parse_search_request: from and to are passed through for the searcher to check",
          "[server][json_io]") {
  const SearchRequest r = parse_ok({{"from", "2023-01-01"}, {"to", "2023-12-31"}});
  REQUIRE(r.from_date.has_value());
  REQUIRE(r.to_date.has_value());
  CHECK(*r.from_date == "2023-01-01");
  CHECK(*r.to_date == "2023-12-31");
  const SearchRequest only_to = parse_ok({{"to", "2020-05-05"}});
  CHECK_FALSE(only_to.from_date.has_value());
  CHECK(only_to.to_date == std::optional<std::string>("2020-05-05"));
}

TEST_CASE("parse_search_request: filters may repeat and keep their order", "[server][json_io]") {
  const SearchRequest r = parse_ok({{"source", "ঢাকা সংবাদ"},
                                    {"source", "কলকাতা দর্পণ"},
                                    {"category", "খেলা"},
                                    {"author", "ফারজানা হক"},
                                    {"author", "শাহ আলম"},
                                    {"tag", "COVID-19"},
                                    {"tag", "ক্রিকেট"},
                                    {"tag", "ফুটবল"}});
  CHECK(r.filters.at("source") == std::vector<std::string>{"ঢাকা সংবাদ", "কলকাতা দর্পণ"});
  CHECK(r.filters.at("category") == std::vector<std::string>{"খেলা"});
  CHECK(r.filters.at("author") == std::vector<std::string>{"ফারজানা হক", "শাহ আলম"});
  CHECK(r.filters.at("tag") == std::vector<std::string>{"COVID-19", "ক্রিকেট", "ফুটবল"});
  CHECK(r.filters.size() == 4);
  // Every filter of the schema is a parameter: edition, added as one schema row, too.
  CHECK(parse_ok({{"edition", "চট্টগ্রাম"}}).filters.at("edition") == std::vector<std::string>{"চট্টগ্রাম"});
}

TEST_CASE("parse_search_request: filter values are bounded like query terms", "[server][json_io]") {
  SearchOptions options;
  options.max_query_terms = 64;
  httplib::Request req = make_request({});
  for (int i = 0; i < 64; ++i) req.params.emplace(i % 2 ? "source" : "tag", std::to_string(i));
  CHECK(parse_search_request(req, options).is_ok());
  req.params.emplace("category", "one too many");
  const auto r = parse_search_request(req, options);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kInvalidArgument);
  CHECK(r.status().message().find("64") != std::string::npos);
}

TEST_CASE("parse_search_request: facets as a comma list and repeated", "[server][json_io]") {
  SECTION("comma list") {
    CHECK(parse_ok({{"facets", "source,category,year"}}).facets ==
          std::vector<std::string>{"source", "category", "year"});
  }
  SECTION("repeated") {
    CHECK(parse_ok({{"facets", "source"}, {"facets", "month"}}).facets ==
          std::vector<std::string>{"source", "month"});
  }
  SECTION("both") {
    CHECK(parse_ok({{"facets", "source,tag"}, {"facets", "author"}}).facets ==
          std::vector<std::string>{"source", "tag", "author"});
  }
  SECTION("empty items are skipped") {
    CHECK(parse_ok({{"facets", ",source,,year,"}}).facets == std::vector<std::string>{"source", "year"});
    CHECK(parse_ok({{"facets", ""}}).facets.empty());
  }
  SECTION("a name given twice is counted once") {
    CHECK(parse_ok({{"facets", "year,source,year"}, {"facets", "source"}}).facets ==
          std::vector<std::string>{"year", "source"});
  }
  SECTION("a list of 1,600 names is refused, not walked") {
    std::string list;
    for (int i = 0; i < 1600; ++i) list += "year,";
    const auto r = parse({{"facets", list}});
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().find("facets") != std::string::npos);
    std::string sixty;
    for (int i = 0; i < 60; ++i) sixty += "year,";
    CHECK(parse_ok({{"facets", sixty}}).facets == std::vector<std::string>{"year"});
  }
  SECTION("unknown facet names are left for the searcher to reject") {
    // json_io only splits the list; core::Searcher answers kInvalidArgument for unknown names
    // (covered by the integration test).
    CHECK(parse_ok({{"facets", "colour"}}).facets == std::vector<std::string>{"colour"});
  }
}

TEST_CASE("parse_search_request: highlight booleans", "[server][json_io]") {
  for (const char* yes : {"true", "1", "on", "yes"}) {
    INFO(yes);
    CHECK(parse_ok({{"highlight", yes}}).highlight);
  }
  for (const char* no : {"false", "0", "off", "no"}) {
    INFO(no);
    CHECK_FALSE(parse_ok({{"highlight", no}}).highlight);
  }
  expect_invalid({{"highlight", "maybe"}}, "highlight");
  expect_invalid({{"highlight", ""}}, "highlight");
  expect_invalid({{"highlight", "2"}}, "highlight");
}

TEST_CASE("parse_search_request: unknown parameters are errors, '_' parameters are ignored",
          "[server][json_io]") {
  expect_invalid({{"qq", "ঢাকা"}}, "qq");
  expect_invalid({{"q", "ঢাকা"}, {"Limit", "5"}}, "Limit");
  expect_invalid({{"sources", "ঢাকা সংবাদ"}}, "sources");
  expect_invalid({{"", "x"}}, "unknown parameter");

  const SearchRequest r = parse_ok({{"q", "ঢাকা"}, {"_", "1700000000"}, {"_ts", "x"}, {"_cb", "1"}, {"_cb", "2"}});
  CHECK(r.query == "ঢাকা");
  CHECK(r.limit == 10);
}

TEST_CASE("parse_search_request: invalid UTF-8 is rejected", "[server][json_io]") {
  expect_invalid({{"q", "\xFF\xFE"}}, "UTF-8");
  expect_invalid({{"q", "ঢাকা\xE0\xA6"}}, "UTF-8");            // truncated sequence
  expect_invalid({{"q", "\xC0\xAF"}}, "UTF-8");                  // overlong '/'
  expect_invalid({{"q", "\xED\xA0\x80"}}, "UTF-8");              // a surrogate
  expect_invalid({{"source", "ঢাকা \xFF সংবাদ"}}, "UTF-8");
  expect_invalid({{"\xFF", "1"}}, "UTF-8");                      // in the name
}

TEST_CASE("parse_search_request: a single-valued parameter given twice is rejected", "[server][json_io]") {
  for (const char* name : {"q", "limit", "offset", "page", "sort", "from", "to", "highlight"}) {
    INFO(name);
    const std::string value = std::string(name) == "sort"        ? "date"
                              : std::string(name) == "highlight" ? "true"
                              : std::string(name) == "from" || std::string(name) == "to" ? "2024-01-01"
                                                                                       : "1";
    auto r = parse({{name, value}, {name, value}});
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    CHECK(r.status().message().find(name) != std::string::npos);
  }
}

TEST_CASE("search_response: the body of /search", "[server][json_io]") {
  SearchRequest request;
  request.query = "ঢাকা";
  request.offset = 20;
  request.limit = 5;

  sondhan::core::SearchResult result;
  result.total = 42;
  result.total_is_exact = true;

  sondhan::core::Hit full;
  full.id = "sample-001";
  full.score = 3.5;
  // The shown fields as the searcher reads them: each value's stored JSON text.
  full.fields = {{"title", R"("ঢাকার মেট্রোরেলে")"},
                 {"date", R"("2023-03-12T10:15:00+06:00")"},
                 {"source", R"("ঢাকা সংবাদ")"},
                 {"category", R"("জাতীয়")"},
                 {"author", R"("রাশেদুল ইসলাম")"},
                 {"tags", R"(["মেট্রোরেল", "যোগাযোগ"])"},
                 {"url", R"("https://example.com/news/sample-001")"}};
  full.snippet = "<mark>ঢাকায়</mark> যাত্রী &amp; ভিড়";
  full.title_html = "<mark>ঢাকার</mark> মেট্রোরেলে";
  full.title_matches = 1;

  sondhan::core::Hit bare;  // the seed has no author, tags or url; no title match, no snippet
  bare.id = "seed-0001";
  bare.score = 1.25;
  bare.fields = {{"title", R"("শিরোনাম")"}, {"date", R"("2025-08-13")"}};
  bare.title_html = "শিরোনাম";

  result.hits = {full, bare};
  result.facets["source"] = {{"ঢাকা সংবাদ", 3}, {"কলকাতা দর্পণ", 1}};
  result.facets["year"] = {};

  SECTION("with highlights") {
    const json body = search_response(request, result, 1.5);
    CHECK(body["query"] == "ঢাকা");
    CHECK(body["total"] == 42);
    CHECK(body["total_is_exact"] == true);
    CHECK(body["took_ms"].get<double>() == Approx(1.5));
    CHECK(body["offset"] == 20);
    CHECK(body["limit"] == 5);

    REQUIRE(body["hits"].is_array());
    REQUIRE(body["hits"].size() == 2);
    const json& h0 = body["hits"][0];
    CHECK(h0["id"] == "sample-001");
    CHECK(h0["title"] == "ঢাকার মেট্রোরেলে");
    CHECK(h0["snippet"] == full.snippet);
    CHECK(h0["date"] == "2023-03-12T10:15:00+06:00");
    CHECK(h0["source"] == "ঢাকা সংবাদ");
    CHECK(h0["category"] == "জাতীয়");
    CHECK(h0["author"] == "রাশেদুল ইসলাম");
    CHECK(h0["tags"] == json({"মেট্রোরেল", "যোগাযোগ"}));
    CHECK(h0["url"] == "https://example.com/news/sample-001");
    CHECK(h0["score"].get<double>() == Approx(3.5));
    CHECK(h0["highlights"]["title"] == full.title_html);
    CHECK_FALSE(h0["highlights"].contains("body"));  // the snippet is the body's highlight
    CHECK_FALSE(h0.contains("body"));  // the full body is not sent with each hit

    const json& h1 = body["hits"][1];
    CHECK(h1["id"] == "seed-0001");
    CHECK(h1["author"].is_null());
    CHECK(h1["tags"].is_null());
    CHECK(h1["url"].is_null());
    CHECK(h1["source"].is_null());
    CHECK(h1["edition"].is_null());  // every shown field of the schema is there
    CHECK(h1["snippet"] == "");
    REQUIRE(h1["highlights"].is_object());
    CHECK_FALSE(h1["highlights"].contains("title"));  // no title match
    CHECK_FALSE(h1["highlights"].contains("body"));   // no snippet

    REQUIRE(body["facets"].is_object());
    CHECK(body["facets"]["source"] ==
          json::array({{{"value", "ঢাকা সংবাদ"}, {"count", 3}}, {{"value", "কলকাতা দর্পণ"}, {"count", 1}}}));
    CHECK(body["facets"]["year"] == json::array());

    // The body is serialisable (the server dumps it).
    CHECK_NOTHROW(body.dump());
  }

  SECTION("highlight=false leaves highlights empty") {
    request.highlight = false;
    const json body = search_response(request, result, 0);
    for (const json& hit : body["hits"]) {
      REQUIRE(hit["highlights"].is_object());
      CHECK(hit["highlights"].empty());
    }
  }

  SECTION("no hits: empty array and empty object, not null") {
    const json body = search_response(request, sondhan::core::SearchResult{}, 0.1);
    CHECK(body["hits"].is_array());
    CHECK(body["hits"].empty());
    CHECK(body["facets"].is_object());
    CHECK(body["facets"].empty());
    CHECK(body["total"] == 0);
    CHECK(body["total_is_exact"] == false);
  }
}

TEST_CASE("error_body: {\"error\": {\"code\", \"message\"}}", "[server][json_io]") {
  const json body = json::parse(error_body("invalid_argument", "limit must be a whole number"));
  REQUIRE(body.is_object());
  REQUIRE(body.size() == 1);
  REQUIRE(body["error"].is_object());
  CHECK(body["error"]["code"] == "invalid_argument");
  CHECK(body["error"]["message"] == "limit must be a whole number");
  CHECK(body["error"].size() == 2);

  SECTION("Bengali and quotes survive") {
    const json b = json::parse(error_body("not_found", "no article with id 'খবর \"১\"'"));
    CHECK(b["error"]["message"] == "no article with id 'খবর \"১\"'");
  }
  SECTION("invalid UTF-8 in the message still gives valid JSON") {
    std::string out;
    REQUIRE_NOTHROW(out = error_body("invalid_argument", "bad \xFF\xFE value"));
    json b;
    REQUIRE_NOTHROW(b = json::parse(out));
    CHECK(b["error"]["code"] == "invalid_argument");
    CHECK(b["error"]["message"].get<std::string>().find("bad ") == 0);
  }
}

TEST_CASE("http_status maps core codes", "[server][json_io]") {
  CHECK(http_status(Code::kOk) == 200);
  CHECK(http_status(Code::kInvalidArgument) == 400);
  CHECK(http_status(Code::kNotFound) == 404);
  CHECK(http_status(Code::kUnavailable) == 503);
  CHECK(http_status(Code::kBusy) == 503);
  CHECK(http_status(Code::kInternal) == 500);
}

TEST_CASE("parse_suggest_request: q, limit and nothing else", "[server][json_io]") {
  using sondhan::server::parse_suggest_request;
  auto ok = parse_suggest_request(make_request({{"q", "উত্তর কোরি"}, {"limit", "5"}}));
  REQUIRE(ok.is_ok());
  CHECK(ok->query == "উত্তর কোরি");
  CHECK(ok->limit == 5);
  CHECK(parse_suggest_request(make_request({})).value().limit == 8);
  CHECK(parse_suggest_request(make_request({{"_", "123"}})).is_ok());
  for (Params bad : {Params{{"limit", "0"}}, Params{{"limit", "21"}}, Params{{"limit", "x"}},
                     Params{{"sort", "date"}}, Params{{"q", "a"}, {"q", "b"}}, Params{{"q", "\xff"}}}) {
    CHECK(parse_suggest_request(make_request(bad)).status().code() == Code::kInvalidArgument);
  }
}

TEST_CASE("parse_document_request: the query whose words to mark", "[server][json_io]") {
  using sondhan::server::parse_document_request;
  CHECK(parse_document_request(make_request({})).value().empty());
  CHECK(parse_document_request(make_request({{"q", "ঢাকা"}})).value() == "ঢাকা");
  CHECK(parse_document_request(make_request({{"limit", "3"}})).status().code() == Code::kInvalidArgument);
}
