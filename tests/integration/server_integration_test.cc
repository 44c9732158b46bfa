// The real HTTP server, in-process: tests/data/sample.jsonl is indexed into a temporary
// database, an HttpServer on 127.0.0.1 (any free port) serves it on a thread, and
// httplib::Client asks it real Bengali queries. Assertions are on the parsed JSON.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "sondhan/core/article.h"
#include "sondhan/core/config.h"
#include "sondhan/core/index_writer.h"
#include "sondhan/core/record_parser.h"
#include "sondhan/server/http_server.h"
#include "http_fixture.h"
#include "test_support.h"

namespace {

namespace core = sondhan::core;
namespace server = sondhan::server;
using nlohmann::json;
using sondhan::testing::TempDir;
using sondhan::testing::Params;
using sondhan::testing::SampleServer;
using sondhan::testing::RunningServer;
using sondhan::testing::search_target;
using sondhan::testing::sample_lines;
using sondhan::testing::index_lines;
using sondhan::testing::url_encode;
using IdSet = std::set<std::string>;

// ---------------------------------------------------------------------------------------------
// Helpers

std::vector<json> sample_records() {
  std::vector<json> out;
  for (const std::string& line : sample_lines()) out.push_back(json::parse(line));
  return out;
}

const json& sample_record(const std::string& id) {
  static const std::vector<json> records = sample_records();
  for (const json& r : records) {
    if (r["id"] == id) return r;
  }
  throw std::runtime_error("no sample record " + id);
}



std::vector<std::string> ids_of(const json& body) {
  std::vector<std::string> ids;
  for (const json& hit : body.at("hits")) ids.push_back(hit.at("id").get<std::string>());
  return ids;
}

IdSet id_set(const json& body) {
  const auto ids = ids_of(body);
  return IdSet(ids.begin(), ids.end());
}

bool contains(const IdSet& set, const std::string& id) { return set.count(id) > 0; }

// All the hits of `q` (the sample has 51 articles; 100 is the largest page).
json search_all(const SampleServer& s, const std::string& q, Params extra = {}) {
  Params p{{"q", q}, {"limit", "100"}};
  p.insert(p.end(), extra.begin(), extra.end());
  return s.search(p);
}

// The marked body passages of a hit: its snippet and highlights.body.
std::vector<std::string> passages(const json& hit) {
  std::vector<std::string> out;
  if (hit.contains("snippet") && hit["snippet"].is_string()) out.push_back(hit["snippet"].get<std::string>());
  if (hit.contains("highlights") && hit["highlights"].contains("body")) {
    for (const json& p : hit["highlights"]["body"]) out.push_back(p.get<std::string>());
  }
  if (hit.contains("highlights") && hit["highlights"].contains("title")) {
    out.push_back(hit["highlights"]["title"].get<std::string>());
  }
  return out;
}

bool any_passage_contains(const json& hit, const std::string& needle) {
  for (const std::string& p : passages(hit)) {
    if (p.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string without_marks(std::string text) {
  for (const std::string tag : {"<mark>", "</mark>"}) {
    for (size_t at; (at = text.find(tag)) != std::string::npos;) text.erase(at, tag.size());
  }
  return text;
}

// The instant of a record's date (seconds, UTC) and its own calendar day "YYYYMMDD".
int64_t epoch_of(const json& hit) {
  auto d = core::parse_iso_date(hit.at("date").get<std::string>());
  REQUIRE(d.has_value());
  return d->epoch_seconds;
}

std::string day_of(const json& record) { return record.at("date").get<std::string>().substr(0, 10); }

void expect_json_error(const httplib::Result& r, int status, const std::string& code = "") {
  REQUIRE(r);
  INFO("status " << r->status << ", body: " << r->body.substr(0, 500));
  CHECK(r->status == status);
  CHECK(r->get_header_value("Content-Type").find("application/json") != std::string::npos);
  json body;
  REQUIRE_NOTHROW(body = json::parse(r->body));
  REQUIRE(body.is_object());
  REQUIRE(body.contains("error"));
  REQUIRE(body["error"].is_object());
  REQUIRE(body["error"].contains("code"));
  REQUIRE(body["error"].contains("message"));
  CHECK(body["error"]["code"].is_string());
  CHECK_FALSE(body["error"]["code"].get<std::string>().empty());
  CHECK(body["error"]["message"].is_string());
  CHECK_FALSE(body["error"]["message"].get<std::string>().empty());
  if (!code.empty()) CHECK(body["error"]["code"] == code);
}

const std::string kSeed = "seed-0001";
std::string sample(int n) {
  char id[16];
  std::snprintf(id, sizeof id, "sample-%03d", n);
  return id;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Relevance and highlighting

TEST_CASE("server: উত্তর কোরিয়া সেনা finds the seed first, with the inflected form marked", "[http]") {
  SampleServer s;
  const json body = s.search({{"q", "উত্তর কোরিয়া সেনা"}});
  REQUIRE(body["hits"].size() > 0);
  CHECK(body["query"] == "উত্তর কোরিয়া সেনা");
  CHECK(body["total"].get<size_t>() >= body["hits"].size());
  const json& first = body["hits"][0];
  CHECK(first["id"] == kSeed);
  CHECK(first["title"] == sample_record(kSeed)["title"]);
  CHECK(first["source"] == sample_record(kSeed)["source"]);
  CHECK(first["score"].get<double>() > 0);
  // The body says কোরিয়ার (never কোরিয়া alone): the mark must cover the inflected word.
  INFO("snippet: " << first["snippet"]);
  CHECK(any_passage_contains(first, "<mark>কোরিয়ার</mark>"));
  // Scores come in decreasing order.
  for (size_t i = 1; i < body["hits"].size(); ++i) {
    CHECK(body["hits"][i - 1]["score"].get<double>() >= body["hits"][i]["score"].get<double>());
  }
}

TEST_CASE("server: ঢাকা marks the inflected ঢাকায় and ঢাকার", "[http]") {
  SampleServer s;
  const json body = search_all(s, "ঢাকা");
  const IdSet ids = id_set(body);
  for (int n : {1, 7, 21, 24, 34}) CHECK(contains(ids, sample(n)));  // ঢাকায়
  for (int n : {5, 28, 45}) CHECK(contains(ids, sample(n)));         // ঢাকার
  bool marked_locative = false, marked_genitive = false;
  for (const json& hit : body["hits"]) {
    marked_locative = marked_locative || any_passage_contains(hit, "<mark>ঢাকায়</mark>");
    marked_genitive = marked_genitive || any_passage_contains(hit, "<mark>ঢাকার</mark>");
  }
  CHECK(marked_locative);
  CHECK(marked_genitive);
}

TEST_CASE("server: snippets and highlights are HTML-escaped apart from the mark tags", "[http]") {
  SampleServer s;
  for (const char* q : {"ঢাকা", "উত্তর কোরিয়া সেনা", "সরকারি", "বলেন", "\"সড়ক দুর্ঘটনা\""}) {
    INFO("q = " << q);
    const json body = search_all(s, q);
    REQUIRE(body["hits"].size() > 0);
    size_t marks = 0;
    for (const json& hit : body["hits"]) {
      for (const std::string& p : passages(hit)) {
        INFO("passage: " << p);
        const std::string plain = without_marks(p);
        CHECK(plain.find('<') == std::string::npos);
        CHECK(plain.find('>') == std::string::npos);
        if (p.find("<mark>") != std::string::npos) ++marks;
        // Every <mark> is closed.
        size_t open = 0, close = 0;
        for (size_t at = 0; (at = p.find("<mark>", at)) != std::string::npos; ++at) ++open;
        for (size_t at = 0; (at = p.find("</mark>", at)) != std::string::npos; ++at) ++close;
        CHECK(open == close);
      }
    }
    CHECK(marks > 0);
  }
}

TEST_CASE("server: highlight=false gives no highlights", "[http]") {
  SampleServer s;
  const json body = s.search({{"q", "ঢাকা"}, {"highlight", "false"}});
  REQUIRE(body["hits"].size() > 0);
  for (const json& hit : body["hits"]) {
    CHECK(hit["highlights"].is_object());
    CHECK(hit["highlights"].empty());
    CHECK(hit["snippet"].get<std::string>().find("<mark>") == std::string::npos);
  }
}

// ---------------------------------------------------------------------------------------------
// Spelling variants meet, look-alikes stay apart

TEST_CASE("server: সরকারি and সরকারী find each other", "[http]") {
  SampleServer s;
  const IdSet with_i = {kSeed, sample(1), sample(4), sample(7), sample(14), sample(34), sample(35), sample(44), sample(48)};
  const IdSet with_ii = {sample(12), sample(15), sample(18), sample(40), sample(42)};
  for (const char* q : {"সরকারী", "সরকারি"}) {
    INFO("q = " << q);
    const IdSet ids = id_set(search_all(s, q));
    for (const std::string& id : with_i) CHECK(contains(ids, id));
    for (const std::string& id : with_ii) CHECK(contains(ids, id));
  }
}

TEST_CASE("server: other spelling pairs meet (দেওয়া/দেয়া, বাড়ি/বাড়ী, ব্যাংক/ব্যাঙ্ক)", "[http]") {
  SampleServer s;
  SECTION("দেয়া finds দেওয়া articles and back") {
    for (const char* q : {"দেয়া", "দেওয়া"}) {
      INFO("q = " << q);
      const IdSet ids = id_set(search_all(s, q));
      for (int n : {12, 15, 41}) CHECK(contains(ids, sample(n)));
      for (int n : {4, 10, 20, 28, 50}) CHECK(contains(ids, sample(n)));
    }
  }
  SECTION("বাড়ী finds বাড়ি articles and back") {
    for (const char* q : {"বাড়ী", "বাড়ি"}) {
      INFO("q = " << q);
      const IdSet ids = id_set(search_all(s, q));
      for (int n : {7, 45, 12, 39}) CHECK(contains(ids, sample(n)));
    }
  }
  SECTION("ব্যাঙ্ক finds ব্যাংক articles and back") {
    for (const char* q : {"ব্যাঙ্ক", "ব্যাংক"}) {
      INFO("q = " << q);
      const IdSet ids = id_set(search_all(s, q));
      for (int n : {8, 17, 34, 37, 48, 19, 42}) CHECK(contains(ids, sample(n)));
    }
  }
}

TEST_CASE("server: Bengali and ASCII digits meet", "[http]") {
  SampleServer s;
  for (const char* q : {"2023", "২০২৩"}) {
    INFO("q = " << q);
    const IdSet ids = id_set(search_all(s, q));
    CHECK(contains(ids, sample(1)));   // ২০২৩ only
    CHECK(contains(ids, sample(8)));   // ২০২৩ only
    CHECK(contains(ids, sample(14)));  // 2023 only
    CHECK(contains(ids, sample(43)));  // 2023 only
  }
  for (const char* q : {"12,500", "১২,৫০০"}) {
    INFO("q = " << q);
    const IdSet ids = id_set(search_all(s, q));
    for (int n : {4, 38, 14, 19, 43}) CHECK(contains(ids, sample(n)));
  }
}

TEST_CASE("server: র্যাব with and without ZWJ finds both RAB articles", "[http]") {
  SampleServer s;
  const std::string without_zwj = "\u09B0\u09CD\u09AF\u09BE\u09AC";       // র্যাব
  const std::string with_zwj = "\u09B0\u200D\u09CD\u09AF\u09BE\u09AC";     // র‍্যাব
  for (const std::string& q : {without_zwj, with_zwj}) {
    INFO("q = " << q);
    const IdSet ids = id_set(search_all(s, q));
    CHECK(contains(ids, sample(27)));
    CHECK(contains(ids, sample(28)));
  }
}

TEST_CASE("server: look-alike words stay apart", "[http]") {
  SampleServer s;
  auto check = [&](const std::string& q, std::vector<int> must, std::vector<int> must_not) {
    INFO("q = " << q);
    const IdSet ids = id_set(search_all(s, q));
    for (int n : must) CHECK(contains(ids, sample(n)));
    for (int n : must_not) CHECK_FALSE(contains(ids, sample(n)));
  };
  SECTION("হাতি (elephant) is not হাত (hand)") {
    check("হাতি", {15, 16}, {31, 32, 41});
    check("হাত", {31, 32}, {15, 16});
  }
  SECTION("মাছি (fly) is not মাছ (fish)") {
    check("মাছি", {21, 33}, {20, 34, 40});
    check("মাছ", {20, 34, 40}, {21, 33});
  }
  SECTION("বাংলো (bungalow) is not বাংলা") {
    check("বাংলো", {29, 30}, {10, 22, 23, 41});
    check("বাংলা", {10, 22, 23, 41}, {29, 30});
  }
  SECTION("দীন (destitute) is not দিন (day)") {
    check("দীন", {35, 36}, {20, 26, 41, 49});
    check("দিন", {20, 26, 41, 49}, {35, 36});
  }
}

// ---------------------------------------------------------------------------------------------
// Query language

TEST_CASE("server: phrase, exclusion, OR and title:", "[http]") {
  SampleServer s;
  SECTION("a phrase matches exactly the seed and the missile story") {
    const json body = search_all(s, "\"উত্তর কোরিয়া\"");
    CHECK(id_set(body) == IdSet{kSeed, sample(2)});
    CHECK(body["total"] == 2);
  }
  SECTION("-word removes hits") {
    const json all = search_all(s, "কোরিয়া");
    const IdSet all_ids = id_set(all);
    for (const std::string& id : {kSeed, sample(2), sample(14), sample(23)}) CHECK(contains(all_ids, id));
    for (const char* q : {"কোরিয়া -উত্তর", "কোরিয়া NOT উত্তর"}) {
      INFO("q = " << q);
      const json some = search_all(s, q);
      const IdSet ids = id_set(some);
      CHECK_FALSE(contains(ids, kSeed));
      CHECK_FALSE(contains(ids, sample(2)));
      CHECK(contains(ids, sample(14)));
      CHECK(contains(ids, sample(23)));
      CHECK(some["total"].get<size_t>() < all["total"].get<size_t>());
    }
  }
  SECTION("-\"phrase\" removes the phrase only") {
    const IdSet ids = id_set(search_all(s, "কোরিয়া -\"উত্তর কোরিয়া\""));
    CHECK_FALSE(contains(ids, kSeed));
    CHECK_FALSE(contains(ids, sample(2)));
    CHECK(contains(ids, sample(14)));
  }
  SECTION("OR is the union") {
    const IdSet elephants = id_set(search_all(s, "হাতি"));
    const IdSet flies = id_set(search_all(s, "মাছি"));
    const IdSet either = id_set(search_all(s, "হাতি OR মাছি"));
    IdSet both = elephants;
    both.insert(flies.begin(), flies.end());
    CHECK(either == both);
    for (int n : {15, 16, 21, 33}) CHECK(contains(either, sample(n)));
  }
  SECTION("+word and AND require") {
    for (const char* q : {"+কোরিয়া +সেনা", "কোরিয়া AND সেনা"}) {
      INFO("q = " << q);
      const IdSet ids = id_set(search_all(s, q));
      CHECK(ids == IdSet{kSeed});
    }
  }
  SECTION("title:word searches titles only") {
    const json title_only = search_all(s, "title:বাংলাদেশ");
    const json anywhere = search_all(s, "বাংলাদেশ");
    const IdSet ids = id_set(title_only);
    for (int n : {3, 13, 37, 48}) CHECK(contains(ids, sample(n)));
    for (const json& hit : title_only["hits"]) {
      INFO(hit["id"] << ": " << hit["title"]);
      CHECK(hit["title"].get<std::string>().find("বাংলাদেশ") != std::string::npos);
    }
    CHECK(title_only["total"].get<size_t>() < anywhere["total"].get<size_t>());
    // The title match is marked in highlights.title.
    REQUIRE(title_only["hits"].size() > 0);
    CHECK(title_only["hits"][0]["highlights"]["title"].get<std::string>().find("<mark>") != std::string::npos);
  }
  SECTION("field filters in the query") {
    const json body = search_all(s, "source:\"কলকাতা দর্পণ\"");
    CHECK(body["total"] == 4);
    for (const json& hit : body["hits"]) CHECK(hit["source"] == "কলকাতা দর্পণ");
  }
}

// ---------------------------------------------------------------------------------------------
// Filters, facets, paging, sorting

TEST_CASE("server: source and category filters", "[http]") {
  SampleServer s;
  SECTION("source narrows a text query") {
    const json body = search_all(s, "ঢাকা", {{"source", "ঢাকা সংবাদ"}});
    REQUIRE(body["hits"].size() > 0);
    for (const json& hit : body["hits"]) CHECK(hit["source"] == "ঢাকা সংবাদ");
    CHECK(body["total"].get<size_t>() < search_all(s, "ঢাকা")["total"].get<size_t>());
  }
  SECTION("category alone") {
    const json body = s.search({{"category", "খেলা"}, {"limit", "100"}});
    CHECK(id_set(body) == IdSet{sample(3), sample(13), sample(32), sample(46)});
    CHECK(body["total"] == 4);
    for (const json& hit : body["hits"]) CHECK(hit["category"] == "খেলা");
  }
  SECTION("a category written with the precomposed য় (U+09DF) still matches") {
    const json body = s.search({{"category", "জাতী\u09DF"}, {"limit", "100"}});
    CHECK(body["total"] == 14);
  }
  SECTION("repeated source is OR") {
    const json body = s.search({{"source", "কলকাতা দর্পণ"}, {"source", "বিবিসি নিউজ"}, {"limit", "100"}});
    CHECK(body["total"] == 5);
    const IdSet ids = id_set(body);
    CHECK(ids == IdSet{kSeed, sample(18), sample(19), sample(39), sample(42)});
  }
  SECTION("source and category together are AND") {
    const json body = s.search({{"source", "সন্ধান বার্তা"}, {"category", "খেলা"}, {"limit", "100"}});
    CHECK(id_set(body) == IdSet{sample(3), sample(13), sample(32), sample(46)});
    const json none = s.search({{"source", "কলকাতা দর্পণ"}, {"category", "খেলা"}});
    CHECK(none["total"] == 0);
    CHECK(none["hits"].empty());
  }
  SECTION("an unknown source matches nothing") {
    const json body = s.search({{"q", "ঢাকা"}, {"source", "অজানা পত্রিকা"}});
    CHECK(body["total"] == 0);
    CHECK(body["hits"].empty());
  }
  SECTION("author and tag filters") {
    const json by_author = s.search({{"author", "ফারজানা হক"}, {"limit", "100"}});
    CHECK(id_set(by_author) == IdSet{sample(6), sample(31), sample(41)});
    const json by_tag = s.search({{"tag", "COVID-19"}, {"limit", "100"}});
    CHECK(id_set(by_tag) == IdSet{sample(26), sample(31)});
  }
}

TEST_CASE("server: from/to date range", "[http]") {
  SampleServer s;
  const auto records = sample_records();
  auto expected = [&](const std::string& from, const std::string& to) {
    IdSet ids;
    for (const json& r : records) {
      const std::string day = day_of(r);
      if ((from.empty() || day >= from) && (to.empty() || day <= to)) ids.insert(r["id"].get<std::string>());
    }
    return ids;
  };
  SECTION("both ends, inclusive") {
    const json body = s.search({{"from", "2023-01-01"}, {"to", "2023-12-31"}, {"limit", "100"}});
    const IdSet want = expected("2023-01-01", "2023-12-31");
    CHECK(want.size() == 9);
    CHECK(id_set(body) == want);
    CHECK(body["total"] == want.size());
  }
  SECTION("a single day, given as from = to") {
    const json body = s.search({{"from", "2022-05-18"}, {"to", "2022-05-18"}});
    CHECK(id_set(body) == IdSet{sample(4)});
  }
  SECTION("from only") {
    const json body = s.search({{"from", "2025-01-01"}, {"limit", "100"}});
    CHECK(id_set(body) == expected("2025-01-01", ""));
  }
  SECTION("to only") {
    const json body = s.search({{"to", "2019-12-31"}, {"limit", "100"}});
    CHECK(id_set(body) == expected("", "2019-12-31"));
  }
  SECTION("with a text query") {
    const json body = search_all(s, "ঢাকা", {{"from", "2023-01-01"}, {"to", "2023-12-31"}});
    REQUIRE(body["hits"].size() > 0);
    for (const json& hit : body["hits"]) CHECK(day_of(hit).substr(0, 4) == "2023");
  }
  SECTION("from after to is an error") {
    expect_json_error(s.get(search_target({{"from", "2024-01-01"}, {"to", "2023-01-01"}})), 400);
  }
}

TEST_CASE("server: facets count the matching documents", "[http]") {
  SampleServer s;
  const auto records = sample_records();
  std::map<std::string, std::map<std::string, size_t>> want;
  for (const json& r : records) {
    ++want["source"][r["source"].get<std::string>()];
    ++want["category"][r["category"].get<std::string>()];
    ++want["year"][day_of(r).substr(0, 4)];
    ++want["month"][day_of(r).substr(0, 7)];
    if (r.contains("author")) {
      if (r["author"].is_array()) {
        for (const json& a : r["author"]) ++want["author"][a.get<std::string>()];
      } else {
        ++want["author"][r["author"].get<std::string>()];
      }
    }
    if (r.contains("tags")) {
      for (const json& t : r["tags"]) ++want["tag"][t.get<std::string>()];
    }
  }

  const json body = s.search({{"facets", "source,category,year,month,author,tag"}, {"limit", "1"}});
  CHECK(body["total"] == 51);
  REQUIRE(body["facets"].is_object());
  for (const char* name : {"source", "category", "year", "month", "author", "tag"}) {
    INFO("facet " << name);
    REQUIRE(body["facets"].contains(name));
    const json& values = body["facets"][name];
    REQUIRE(values.is_array());
    REQUIRE(values.size() > 0);
    size_t sum = 0;
    size_t previous = SIZE_MAX;
    for (const json& v : values) {
      const std::string value = v["value"].get<std::string>();
      const size_t count = v["count"].get<size_t>();
      INFO(value << " = " << count);
      CHECK(want[name].count(value) == 1);
      CHECK(count == want[name][value]);
      CHECK(count <= previous);  // most frequent first
      previous = count;
      sum += count;
    }
    if (values.size() == want[name].size()) {
      // Every value listed: single-valued facets add up to the number of documents with the field.
      if (std::string(name) == "source" || std::string(name) == "category" || std::string(name) == "year" ||
          std::string(name) == "month") {
        CHECK(sum == 51);
      }
    } else {
      CHECK(values.size() < want[name].size());
      CHECK(sum <= 51 * 4);
    }
  }
  // Single-valued facets with few values are complete.
  CHECK(body["facets"]["source"].size() == 5);
  CHECK(body["facets"]["year"].size() == 7);
  CHECK(body["facets"]["category"].size() == 9);
  CHECK(body["facets"]["source"][0]["value"] == "সন্ধান বার্তা");
  CHECK(body["facets"]["source"][0]["count"] == 17);

  SECTION("facets of a text query add up to its total") {
    const json q = s.search({{"q", "ঢাকা"}, {"facets", "source"}, {"facets", "year"}});
    for (const char* name : {"source", "year"}) {
      size_t sum = 0;
      for (const json& v : q["facets"][name]) sum += v["count"].get<size_t>();
      CHECK(sum == q["total"].get<size_t>());
    }
  }
  SECTION("facets respect filters") {
    const json q = s.search({{"source", "কলকাতা দর্পণ"}, {"facets", "category,source"}});
    size_t sum = 0;
    for (const json& v : q["facets"]["category"]) sum += v["count"].get<size_t>();
    CHECK(sum == 4);
    REQUIRE(q["facets"]["source"].size() == 1);
    CHECK(q["facets"]["source"][0]["value"] == "কলকাতা দর্পণ");
    CHECK(q["facets"]["source"][0]["count"] == 4);
  }
  SECTION("no facets asked, none given") {
    const json q = s.search({{"q", "ঢাকা"}});
    CHECK(q["facets"].is_object());
    CHECK(q["facets"].empty());
  }
}

TEST_CASE("server: paging by offset and by page agree", "[http]") {
  SampleServer s;
  const std::string q = "জানিয়েছেন";
  const json all = s.search({{"q", q}, {"limit", "15"}});
  const size_t total = all["total"].get<size_t>();
  REQUIRE(total >= 15);
  REQUIRE(all["hits"].size() == 15);

  std::vector<std::string> by_offset, by_page;
  for (int i = 0; i < 3; ++i) {
    const json a = s.search({{"q", q}, {"limit", "5"}, {"offset", std::to_string(i * 5)}});
    const json b = s.search({{"q", q}, {"limit", "5"}, {"page", std::to_string(i + 1)}});
    CHECK(a["total"] == total);
    CHECK(b["total"] == total);
    CHECK(a["offset"] == i * 5);
    CHECK(b["offset"] == i * 5);
    CHECK(a["limit"] == 5);
    CHECK(a["hits"].size() == 5);
    CHECK(ids_of(a) == ids_of(b));
    for (const auto& id : ids_of(a)) by_offset.push_back(id);
    for (const auto& id : ids_of(b)) by_page.push_back(id);
  }
  CHECK(by_offset == ids_of(all));
  CHECK(IdSet(by_offset.begin(), by_offset.end()).size() == 15);  // no overlaps

  SECTION("past the end: no hits, same total") {
    const json past = s.search({{"q", q}, {"limit", "10"}, {"offset", "60"}});
    CHECK(past["hits"].empty());
    CHECK(past["total"] == total);
  }
  SECTION("the last partial page") {
    const json last = s.search({{"q", q}, {"limit", "100"}});
    CHECK(last["hits"].size() == total);
    const json tail = s.search({{"q", q}, {"limit", "10"}, {"offset", std::to_string(total - 3)}});
    CHECK(tail["hits"].size() == 3);
  }
}

TEST_CASE("server: sort=date and sort=-date order by the record's date", "[http]") {
  SampleServer s;
  for (const char* q : {"", "সরকারি"}) {
    INFO("q = '" << q << "'");
    const json asc = s.search({{"q", q}, {"sort", "date"}, {"limit", "100"}});
    const json desc = s.search({{"q", q}, {"sort", "-date"}, {"limit", "100"}});
    REQUIRE(asc["hits"].size() > 2);
    REQUIRE(asc["hits"].size() == desc["hits"].size());
    CHECK(asc["total"] == desc["total"]);
    for (size_t i = 1; i < asc["hits"].size(); ++i) {
      INFO(asc["hits"][i - 1]["date"] << " then " << asc["hits"][i]["date"]);
      CHECK(epoch_of(asc["hits"][i - 1]) <= epoch_of(asc["hits"][i]));
    }
    for (size_t i = 1; i < desc["hits"].size(); ++i) {
      INFO(desc["hits"][i - 1]["date"] << " then " << desc["hits"][i]["date"]);
      CHECK(epoch_of(desc["hits"][i - 1]) >= epoch_of(desc["hits"][i]));
    }
    CHECK(id_set(asc) == id_set(desc));
  }
  SECTION("over the whole sample: oldest and newest") {
    const json asc = s.search({{"sort", "date"}, {"limit", "1"}});
    const json desc = s.search({{"sort", "-date"}, {"limit", "1"}});
    CHECK(ids_of(asc) == std::vector<std::string>{sample(46)});  // 2019-05-03
    CHECK(ids_of(desc) == std::vector<std::string>{kSeed});      // 2025-08-13
  }
}

TEST_CASE("server: an empty q with a filter returns newest first", "[http]") {
  SampleServer s;
  const json body = s.search({{"source", "ঢাকা সংবাদ"}, {"limit", "100"}});
  CHECK(body["total"] == 16);
  REQUIRE(body["hits"].size() == 16);
  for (const json& hit : body["hits"]) CHECK(hit["source"] == "ঢাকা সংবাদ");
  for (size_t i = 1; i < body["hits"].size(); ++i) {
    INFO(body["hits"][i - 1]["date"] << " then " << body["hits"][i]["date"]);
    CHECK(epoch_of(body["hits"][i - 1]) >= epoch_of(body["hits"][i]));
  }
  CHECK(body["hits"][0]["id"] == sample(45));  // 2025-06-06, the newest ঢাকা সংবাদ article
}

// ---------------------------------------------------------------------------------------------
// Other routes

TEST_CASE("server: documents, health, stats and metrics", "[http]") {
  SampleServer s;
  SECTION("GET /documents/seed-0001 returns the record") {
    const json doc = s.get_json("/documents/seed-0001");
    const json& want = sample_record(kSeed);
    CHECK(doc["id"] == kSeed);
    CHECK(doc["title"] == want["title"]);
    CHECK(doc["body"] == want["body"]);
    CHECK(doc["date"] == want["date"]);
    CHECK(doc["source"] == want["source"]);
    CHECK(doc["category"] == want["category"]);
    CHECK(doc == want);
  }
  SECTION("a record with a list of authors and tags") {
    const json doc = s.get_json("/documents/sample-024");
    CHECK(doc == sample_record(sample(24)));
  }
  SECTION("an unknown id is a JSON 404") {
    expect_json_error(s.get("/documents/nope"), 404, "not_found");
  }
  SECTION("/health") {
    auto r = s.get("/health");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(json::parse(r->body)["status"] == "ok");
  }
  SECTION("HEAD is answered like GET, without a body") {
    auto c = s.client();
    auto r = c.Head(search_target({{"q", "ঢাকা"}}));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body.empty());
    // The headers announce the body a GET would have sent.
    CHECK(std::stoul("0" + r->get_header_value("Content-Length")) > 100);
    CHECK(r->get_header_value("Content-Type").find("application/json") != std::string::npos);
  }
  SECTION("/stats") {
    const json stats = s.get_json("/stats");
    CHECK(stats["documents"] == 51);
    CHECK(stats["total_length"].get<uint64_t>() > 0);
    CHECK(stats.contains("revision"));
    CHECK(stats["uptime_seconds"].get<double>() >= 0);
  }
  SECTION("/metrics") {
    s.search({{"q", "ঢাকা"}});
    (void)s.get("/nope");
    auto r = s.get("/metrics");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->get_header_value("Content-Type").find("text/plain") != std::string::npos);
    INFO(r->body);
    CHECK(r->body.find("sondhan_requests_total") != std::string::npos);
    CHECK(r->body.find("sondhan_requests_total{route=\"/search\",status=\"200\"}") != std::string::npos);
    CHECK(r->body.find("\nsondhan_documents 51\n") != std::string::npos);
  }
}

// ---------------------------------------------------------------------------------------------
// Errors

TEST_CASE("server: bad requests get JSON errors and the server keeps serving", "[http]") {
  SampleServer s;
  SECTION("limit=1000") { expect_json_error(s.get("/search?q=a&limit=1000"), 400, "invalid_argument"); }
  SECTION("sort=x") { expect_json_error(s.get("/search?sort=x"), 400, "invalid_argument"); }
  SECTION("from=2024-13-40") { expect_json_error(s.get("/search?from=2024-13-40"), 400, "invalid_argument"); }
  SECTION("unbalanced parenthesis") {
    expect_json_error(s.get(search_target({{"q", "(ঢাকা মেট্রো"}})), 400, "invalid_argument");
    expect_json_error(s.get(search_target({{"q", "ঢাকা)"}})), 400, "invalid_argument");
  }
  SECTION("invalid UTF-8 in q") { expect_json_error(s.get("/search?q=%FF%FE"), 400, "invalid_argument"); }
  SECTION("a 5000-byte q") {
    expect_json_error(s.get(search_target({{"q", std::string(5000, 'a')}})), 400, "invalid_argument");
  }
  SECTION("parentheses nested 100 deep") {
    const std::string q = std::string(100, '(') + "ঢাকা" + std::string(100, ')');
    expect_json_error(s.get(search_target({{"q", q}})), 400, "invalid_argument");
  }
  SECTION("offset=99999999") { expect_json_error(s.get("/search?offset=99999999"), 400, "invalid_argument"); }
  SECTION("an unknown parameter") { expect_json_error(s.get("/search?q=a&lmit=5"), 400, "invalid_argument"); }
  SECTION("an unknown facet") { expect_json_error(s.get("/search?q=a&facets=colour"), 400, "invalid_argument"); }
  SECTION("an unknown field in q is plain text, not an error") {
    auto r = s.get(search_target({{"q", "BNP: ঢাকা"}}));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK_FALSE(json::parse(r->body)["hits"].empty());
  }
  SECTION("an unknown route") { expect_json_error(s.get("/no/such/route"), 404); }
  SECTION("POST /search") {
    auto c = s.client();
    auto r = c.Post("/search", "q=x", "application/x-www-form-urlencoded");
    expect_json_error(r, 405);
    REQUIRE(r);
    CHECK(r->get_header_value("Allow").find("GET") != std::string::npos);
  }
  SECTION("a 20,000-byte URI") {
    expect_json_error(s.get("/search?q=" + std::string(20000, 'a')), 414);
  }

  // Whatever came before, the server still answers.
  auto health = s.get("/health");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(s.search({{"q", "ঢাকা"}})["hits"].size() > 0);
}

TEST_CASE("server: survives a burst of bad requests", "[http]") {
  SampleServer s;
  const std::vector<std::string> bad = {
      "/search?limit=1000", "/search?sort=x", "/search?from=2024-13-40", "/search?q=%28",
      "/search?q=%FF%FE",   "/search?offset=99999999", "/nope", "/search?facets=colour",
      "/search?q=" + std::string(20000, 'a')};
  for (int round = 0; round < 3; ++round) {
    for (const std::string& target : bad) {
      auto r = s.get(target);
      REQUIRE(r);
      CHECK(r->status >= 400);
    }
  }
  auto health = s.get("/health");
  REQUIRE(health);
  CHECK(health->status == 200);
}

// ---------------------------------------------------------------------------------------------
// CORS and compression

TEST_CASE("server: CORS", "[http]") {
  SampleServer s;
  SECTION("a request with Origin is allowed") {
    auto r = s.get(search_target({{"q", "ঢাকা"}}), {{"Origin", "http://example.org"}});
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->has_header("Access-Control-Allow-Origin"));
    const std::string allowed = r->get_header_value("Access-Control-Allow-Origin");
    CHECK((allowed == "*" || allowed == "http://example.org"));
  }
  SECTION("errors carry CORS headers too") {
    auto r = s.get("/search?sort=x", {{"Origin", "http://example.org"}});
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(r->has_header("Access-Control-Allow-Origin"));
  }
  SECTION("no Origin, no CORS header") {
    auto r = s.get("/health");
    REQUIRE(r);
    CHECK_FALSE(r->has_header("Access-Control-Allow-Origin"));
  }
  SECTION("OPTIONS preflight") {
    auto c = s.client();
    auto r = c.Options("/search", {{"Origin", "http://example.org"},
                                    {"Access-Control-Request-Method", "GET"},
                                    {"Access-Control-Request-Headers", "X-Requested-With"}});
    REQUIRE(r);
    CHECK(r->status == 204);
    CHECK(r->has_header("Access-Control-Allow-Origin"));
    CHECK(r->get_header_value("Access-Control-Allow-Methods").find("GET") != std::string::npos);
    CHECK(r->get_header_value("Access-Control-Allow-Headers") == "X-Requested-With");
  }
}

TEST_CASE("server: gzip for plain-text responses (/metrics)", "[http]") {
  SampleServer s;
  auto c = s.client();
  c.set_decompress(false);
  auto r = c.Get("/metrics", {{"Accept-Encoding", "gzip"}});
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Encoding") == "gzip");
  REQUIRE(r->body.size() >= 2);
  CHECK(static_cast<unsigned char>(r->body[0]) == 0x1f);
  CHECK(static_cast<unsigned char>(r->body[1]) == 0x8b);
}

// cpp-httplib 0.11 compresses only a Content-Type of exactly "application/json": a charset
// suffix once turned compression off for every JSON answer.
TEST_CASE("server: gzip for JSON responses (/search)", "[http]") {
  SampleServer s;
  auto c = s.client();
  c.set_decompress(false);
  auto r = c.Get(search_target({{"q", "ঢাকা"}, {"limit", "20"}}), {{"Accept-Encoding", "gzip"}});
  REQUIRE(r);
  CHECK(r->status == 200);
  INFO("Content-Type: " << r->get_header_value("Content-Type"));
  CHECK(r->get_header_value("Content-Encoding") == "gzip");
  REQUIRE(r->body.size() >= 2);
  CHECK(static_cast<unsigned char>(r->body[0]) == 0x1f);
  CHECK(static_cast<unsigned char>(r->body[1]) == 0x8b);
}

TEST_CASE("server: without Accept-Encoding the body is plain JSON", "[http]") {
  SampleServer s;
  auto c = s.client();
  c.set_decompress(false);
  auto r = c.Get(search_target({{"q", "ঢাকা"}}), {{"Accept-Encoding", "identity"}});
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK_FALSE(r->has_header("Content-Encoding"));
  CHECK_NOTHROW(json::parse(r->body));
  CHECK(r->get_header_value("Content-Type").find("application/json") != std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Concurrency, restart, visibility of new commits

TEST_CASE("server: concurrent searches agree", "[http]") {
  SampleServer s;
  const std::string target = search_target({{"q", "উত্তর কোরিয়া সেনা"}});
  std::atomic<int> ok{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      httplib::Client c("127.0.0.1", s.port());
      c.set_read_timeout(30, 0);
      for (int i = 0; i < 10; ++i) {
        auto r = c.Get(target);
        if (r && r->status == 200) {
          const json body = json::parse(r->body, nullptr, false);
          if (!body.is_discarded() && !body["hits"].empty() && body["hits"][0]["id"] == "seed-0001") {
            ++ok;
            continue;
          }
        }
        ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 80);
  CHECK(wrong == 0);
}

TEST_CASE("server: a restarted server gives the same answers", "[http]") {
  SampleServer s;
  const json before = s.search({{"q", "উত্তর কোরিয়া সেনা"}});
  REQUIRE(before["hits"].size() > 0);
  const int old_port = s.port();
  s.restart();
  // The old server is gone.
  {
    httplib::Client old("127.0.0.1", old_port);
    old.set_connection_timeout(1, 0);
    auto r = old.Get("/health");
    CHECK_FALSE(r);
  }
  const json after = s.search({{"q", "উত্তর কোরিয়া সেনা"}});
  REQUIRE(after["hits"].size() > 0);
  CHECK(after["hits"][0]["id"] == before["hits"][0]["id"]);
  CHECK(after["hits"][0]["id"] == kSeed);
  CHECK(ids_of(after) == ids_of(before));
  CHECK(after["total"] == before["total"]);
  CHECK(s.get_json("/stats")["documents"] == 51);
}

TEST_CASE("server: a commit by the indexer is visible without a restart", "[http]") {
  SampleServer s;
  const std::string word = "ঝিলমিল";
  CHECK(s.search({{"q", word}})["total"] == 0);

  const json fresh = {
      {"id", "fresh-0001"},
      {"title", "পরীক্ষামূলক নতুনখবর ঝিলমিল"},
      {"body", "ঝিলমিল শব্দটি কেবল এই খবরে আছে। এখানে <b>সাহসী</b> & \"উদ্ধৃতি\" লেখা আছে।"},
      {"date", "2025-09-01T10:00:00+06:00"},
      {"source", "সন্ধান বার্তা"},
      {"category", "বিনোদন"},
      {"author", "পরীক্ষক"},
      {"tags", {"পরীক্ষা"}},
      {"url", "https://example.com/news/fresh-0001"}};
  index_lines(s.db, {fresh.dump()});

  json found;
  for (int attempt = 0; attempt < 20; ++attempt) {  // up to ~1 s
    found = s.search({{"q", word}});
    if (found["total"].get<size_t>() > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(found["hits"].size() == 1);
  const json& hit = found["hits"][0];
  CHECK(hit["id"] == "fresh-0001");
  CHECK(hit["title"] == fresh["title"]);
  CHECK(hit["highlights"]["title"].get<std::string>().find("<mark>ঝিলমিল</mark>") != std::string::npos);

  SECTION("the new article's snippet is HTML-escaped") {
    const json body = s.search({{"q", "সাহসী"}});
    REQUIRE(body["hits"].size() == 1);
    const std::string snippet = body["hits"][0]["snippet"].get<std::string>();
    INFO("snippet: " << snippet);
    CHECK(snippet.find("<b>") == std::string::npos);
    CHECK(snippet.find("&lt;b&gt;") != std::string::npos);
    CHECK(snippet.find("&amp;") != std::string::npos);
    CHECK(snippet.find("&quot;") != std::string::npos);
    CHECK(snippet.find("<mark>সাহসী</mark>") != std::string::npos);
    CHECK(without_marks(snippet).find('<') == std::string::npos);
  }
  SECTION("stats, documents and the newest-first listing see it") {
    CHECK(s.get_json("/stats")["documents"] == 52);
    CHECK(s.get_json("/documents/fresh-0001")["title"] == fresh["title"]);
    const json newest = s.search({{"source", "সন্ধান বার্তা"}, {"limit", "1"}});
    CHECK(ids_of(newest) == std::vector<std::string>{"fresh-0001"});
  }
  SECTION("a deletion is visible too") {
    index_lines(s.db, {R"({"id": "fresh-0001", "deleted": true})"});
    json gone;
    for (int attempt = 0; attempt < 20; ++attempt) {
      gone = s.search({{"q", word}});
      if (gone["total"] == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(gone["total"] == 0);
    expect_json_error(s.get("/documents/fresh-0001"), 404, "not_found");
    CHECK(s.get_json("/stats")["documents"] == 51);
  }
}

TEST_CASE("server: /suggest completes the word being typed, /documents/{id}?q= marks the article", "[http]") {
  SampleServer s;
  const json suggested = s.get_json("/suggest?q=" + url_encode("উত্তর কোরি") + "&limit=5");
  CHECK(suggested["query"] == "উত্তর কোরি");
  REQUIRE_FALSE(suggested["completions"].empty());
  CHECK(suggested["completions"].size() <= 5);
  for (const json& c : suggested["completions"]) {
    CHECK(c["text"].get<std::string>().rfind("উত্তর কোরি", 0) == 0);
    CHECK(c["count"].get<int>() >= 1);
  }
  CHECK(s.get_json("/suggest?q=" + url_encode("উত্তর "))["completions"].empty());
  expect_json_error(s.get("/suggest?limit=100"), 400, "invalid_argument");

  const json doc = s.get_json("/documents/seed-0001?q=" + url_encode("উত্তর কোরিয়া সেনা"));
  const std::string body = doc["highlights"]["body"];
  CHECK(body.find("<mark>কোরিয়ার</mark>") != std::string::npos);
  CHECK(without_marks(body) == doc["body"].get<std::string>());  // the whole body, nothing else changed
  expect_json_error(s.get("/documents/seed-0001?q=" + url_encode("(((")), 400, "invalid_argument");
  expect_json_error(s.get("/documents/seed-0001?bogus=1"), 400, "invalid_argument");
}

TEST_CASE("server: edition, a field added as one schema row, filters, facets and shows end to end",
          "[http][schema]") {
  SampleServer s;
  // নোঙরবার্তা: a word no sample article has.
  index_lines(s.db, {R"({"id": "ed-1", "title": "চট্টগ্রাম বন্দরে নোঙরবার্তা", "body": "বন্দরে জাহাজের ভিড়।", "edition": "চট্টগ্রাম"})",
                     R"({"id": "ed-2", "title": "ঢাকায় নোঙরবার্তা মেলা", "body": "জাহাজের প্রদর্শনী।", "edition": "ঢাকা"})"});
  const json all = s.search({{"q", "নোঙরবার্তা"}, {"facets", "edition"}});
  REQUIRE(all["hits"].size() == 2);
  CHECK(all["facets"]["edition"] ==
        json::array({{{"value", "চট্টগ্রাম"}, {"count", 1}}, {{"value", "ঢাকা"}, {"count", 1}}}));
  const json filtered = s.search({{"q", "নোঙরবার্তা"}, {"edition", "চট্টগ্রাম"}});
  REQUIRE(filtered["hits"].size() == 1);
  CHECK(filtered["hits"][0]["id"] == "ed-1");
  CHECK(filtered["hits"][0]["edition"] == "চট্টগ্রাম");
  CHECK(ids_of(s.search({{"q", "নোঙরবার্তা edition:ঢাকা"}})) == std::vector<std::string>{"ed-2"});
  CHECK(ids_of(s.search({{"q", "নোঙরবার্তা -edition:ঢাকা"}})) == std::vector<std::string>{"ed-1"});
  CHECK(s.search({{"q", "কোরিয়া"}})["hits"][0]["edition"].is_null());
}
