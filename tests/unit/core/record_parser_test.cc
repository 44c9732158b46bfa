// Unit tests of core::parse_record (record validation) and core::parse_iso_date.
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sondhan/core/article.h"
#include "sondhan/core/config.h"
#include "sondhan/core/index_writer.h"
#include "sondhan/core/record_parser.h"
#include "sondhan/core/utf8.h"

namespace {
// The stored record, parsed.
nlohmann::json stored(const sondhan::core::Article& a) { return nlohmann::json::parse(a.record); }
}  // namespace

namespace {

using Catch::Matchers::Contains;
using sondhan::core::Code;
using sondhan::core::FieldMapping;
using sondhan::core::parse_iso_date;
using sondhan::core::parse_record;

// Parses `line` with the default field names and expects a rejection; returns its message.
std::string rejection(const std::string& line, const FieldMapping& fields = FieldMapping{}) {
  auto result = parse_record(line, fields);
  INFO("line: " << line);
  REQUIRE_FALSE(result.is_ok());
  CHECK(result.status().code() == Code::kInvalidArgument);
  CHECK_FALSE(result.status().message().empty());
  return result.status().message();
}

sondhan::core::Change accepted(const std::string& line, const FieldMapping& fields = FieldMapping{}) {
  auto result = parse_record(line, fields);
  INFO("line: " << line);
  INFO("status: " << result.status().message());
  REQUIRE(result.is_ok());
  return std::move(result).value();
}

const char* kFullRecord = R"({"id": "sample-900", "title": "ঢাকায় মেট্রোরেল", )"
                          R"("body": "যাত্রী বেড়েছে।\nনতুন অনুচ্ছেদ।", "date": "2023-03-12T10:15:00+06:00", )"
                          R"("source": "সন্ধান বার্তা", "category": "জাতীয়", )"
                          R"("author": ["রহিম উদ্দিন", "করিম আলী"], "tags": ["মেট্রো", "ঢাকা"], )"
                          R"("url": "https://example.com/news/sample-900"})";

}  // namespace

// ---------------------------------------------------------------------------------------------
// Bad records
// ---------------------------------------------------------------------------------------------

TEST_CASE("parse_record rejects text that is not JSON", "[core][parser]") {
  for (const char* line : {"not json", "{\"id\": \"a\", \"title\": \"t\"", "{id: 'a'}", "{\"id\":\"a\",}",
                           "", "   "}) {
    CHECK_THAT(rejection(line), Contains("JSON"));
  }
}

TEST_CASE("parse_record rejects JSON that is not an object", "[core][parser]") {
  for (const char* line : {R"([{"id": "a", "title": "t"}])", R"("a string")", "42", "null", "true"}) {
    CHECK_THAT(rejection(line), Contains("object"));
  }
}

TEST_CASE("parse_record rejects invalid UTF-8", "[core][parser]") {
  const std::string prefix = R"({"id": "a", "title": ")";
  const std::string suffix = R"("})";
  SECTION("a stray continuation / 0xFF byte") {
    CHECK_THAT(rejection(prefix + "\xff" + suffix), Contains("UTF-8"));
    CHECK_THAT(rejection(prefix + "\x80" + suffix), Contains("UTF-8"));
  }
  SECTION("an overlong encoding") { CHECK_THAT(rejection(prefix + "\xc0\xaf" + suffix), Contains("UTF-8")); }
  SECTION("a truncated Bengali letter (E0 A6 without its last byte)") {
    CHECK_THAT(rejection(prefix + "\xe0\xa6" + suffix), Contains("UTF-8"));
    CHECK_THAT(rejection(prefix + "\xe0\xa6\x95\xe0\xa6" + suffix), Contains("UTF-8"));
  }
  SECTION("an encoded surrogate") { CHECK_THAT(rejection(prefix + "\xed\xa0\x80" + suffix), Contains("UTF-8")); }
  SECTION("bad bytes in a key or outside a string") {
    CHECK_THAT(rejection("{\"id\": \"a\", \"title\": \"t\", \"\xfe\": 1}"), Contains("UTF-8"));
    CHECK_THAT(rejection("\xef\xbb\xbf\xff{\"id\": \"a\"}"), Contains("UTF-8"));
  }
}

TEST_CASE("parse_record rejects a missing or empty id", "[core][parser]") {
  CHECK_THAT(rejection(R"({"title": "t", "body": "b"})"), Contains("id"));
  CHECK_THAT(rejection(R"({"ID": "a", "title": "t"})"), Contains("missing id"));
  CHECK_THAT(rejection(R"({"id": null, "title": "t"})"), Contains("id"));
  CHECK_THAT(rejection(R"({"id": "", "title": "t"})"), Contains("empty"));
}

TEST_CASE("parse_record rejects an id of the wrong type", "[core][parser]") {
  for (const char* line : {R"({"id": {"value": "a"}, "title": "t"})", R"({"id": true, "title": "t"})",
                           R"({"id": false, "title": "t"})", R"({"id": ["a"], "title": "t"})",
                           R"({"id": 1.5, "title": "t"})"}) {
    const std::string message = rejection(line);
    CHECK_THAT(message, Contains("'id'"));
    CHECK_THAT(message, Contains("string"));
  }
}

TEST_CASE("parse_record rejects an over-long id", "[core][parser]") {
  const std::string line = R"({"id": ")" + std::string(201, 'x') + R"(", "title": "t"})";
  CHECK_THAT(rejection(line), Contains("id"));
  CHECK(parse_record(R"({"id": ")" + std::string(200, 'x') + R"(", "title": "t"})", FieldMapping{}).is_ok());
}

TEST_CASE("parse_record rejects a record with neither title nor body", "[core][parser]") {
  CHECK_THAT(rejection(R"({"id": "a"})"), Contains("title or a body"));
  CHECK_THAT(rejection(R"({"id": "a", "title": "", "body": ""})"), Contains("title or a body"));
  CHECK_THAT(rejection(R"({"id": "a", "title": null, "date": "2023-05-14", "source": "s"})"),
             Contains("title or a body"));
}

TEST_CASE("parse_record rejects dates that are not ISO 8601", "[core][parser]") {
  for (const char* date : {"13/05/2023", "2023-02-30", "2023-05-14T25:00", "14 May 2023", "2023-5-14",
                           "2023-13-01", "2023-05-14T10:60", "২০২৩-০৫-১৪", "yesterday"}) {
    const std::string line = std::string(R"({"id": "a", "title": "t", "date": ")") + date + R"("})";
    const std::string message = rejection(line);
    CHECK_THAT(message, Contains("date"));
    CHECK_THAT(message, Contains(date));
    CHECK_THAT(message, Contains("ISO 8601"));
  }
  SECTION("a date that is not a string") {
    CHECK_THAT(rejection(R"({"id": "a", "title": "t", "date": 20230514})"), Contains("'date'"));
  }
}

TEST_CASE("parse_record rejects fields of the wrong type", "[core][parser]") {
  SECTION("title not a string") {
    const std::string m = rejection(R"({"id": "a", "title": 5, "body": "b"})");
    CHECK_THAT(m, Contains("'title'"));
    CHECK_THAT(m, Contains("string"));
    CHECK_THAT(rejection(R"({"id": "a", "title": ["t"], "body": "b"})"), Contains("'title'"));
  }
  SECTION("body, source, category, url not strings") {
    CHECK_THAT(rejection(R"({"id": "a", "title": "t", "body": {"text": "b"}})"), Contains("'body'"));
    CHECK_THAT(rejection(R"({"id": "a", "title": "t", "source": 1})"), Contains("'source'"));
    CHECK_THAT(rejection(R"({"id": "a", "title": "t", "category": true})"), Contains("'category'"));
    CHECK_THAT(rejection(R"({"id": "a", "title": "t", "url": []})"), Contains("'url'"));
  }
  SECTION("author as a number, or a list holding a number") {
    const std::string m = rejection(R"({"id": "a", "title": "t", "author": 42})");
    CHECK_THAT(m, Contains("'author'"));
    CHECK_THAT(m, Contains("string"));
    CHECK_THAT(rejection(R"({"id": "a", "title": "t", "author": ["x", 42]})"), Contains("'author'"));
  }
  SECTION("tags not a list") {
    const std::string m = rejection(R"({"id": "a", "title": "t", "tags": "খেলা"})");
    CHECK_THAT(m, Contains("'tags'"));
    CHECK_THAT(m, Contains("list"));
    CHECK_THAT(rejection(R"({"id": "a", "title": "t", "tags": {"a": 1}})"), Contains("'tags'"));
    CHECK_THAT(rejection(R"({"id": "a", "title": "t", "tags": ["ok", null]})"), Contains("'tags'"));
  }
  SECTION("deleted not a boolean") {
    for (const char* v : {R"("yes")", "1", "null", R"("true")"}) {
      const std::string line = std::string(R"({"id": "a", "title": "t", "deleted": )") + v + "}";
      CHECK_THAT(rejection(line), Contains("'deleted'"));
    }
  }
  SECTION("the message names the input field, not the canonical one") {
    FieldMapping fields;
    fields.names["title"] = {"headline"};
    CHECK_THAT(rejection(R"({"id": "a", "headline": 7, "body": "b"})", fields), Contains("'headline'"));
  }
}

// ---------------------------------------------------------------------------------------------
// Good records
// ---------------------------------------------------------------------------------------------

TEST_CASE("parse_record reads every field of a full record", "[core][parser]") {
  const auto change = accepted(kFullRecord);
  const auto& a = change.article;
  CHECK_FALSE(change.is_delete);
  CHECK(a.id == "sample-900");
  CHECK(a.text("title") == "ঢাকায় মেট্রোরেল");
  CHECK(a.text("body") == "যাত্রী বেড়েছে।\nনতুন অনুচ্ছেদ।");
  CHECK(a.text("source") == "সন্ধান বার্তা");
  CHECK(a.text("category") == "জাতীয়");
  CHECK(a.values_of("author") == std::vector<std::string>{"রহিম উদ্দিন", "করিম আলী"});
  CHECK(a.values_of("tags") == std::vector<std::string>{"মেট্রো", "ঢাকা"});
  CHECK(a.text("url") == "https://example.com/news/sample-900");
  REQUIRE(a.date.has_value());
  CHECK(a.date->year == 2023);
  CHECK(a.date->month == 3);
  CHECK(a.date->day == 12);
  CHECK(a.date->iso == "2023-03-12T10:15:00+06:00");
  CHECK(a.date->epoch_seconds == *&parse_iso_date("2023-03-12T04:15:00Z")->epoch_seconds);
  // The stored record is the input.
  CHECK(stored(a) == nlohmann::json::parse(kFullRecord));
}

TEST_CASE("parse_record accepts author as a string or a list", "[core][parser]") {
  CHECK(accepted(R"({"id": "a", "title": "t", "author": "রহিম উদ্দিন"})").article.values_of("author") ==
        std::vector<std::string>{"রহিম উদ্দিন"});
  CHECK(accepted(R"({"id": "a", "title": "t", "author": ["রহিম", "করিম"]})").article.values_of("author") ==
        std::vector<std::string>{"রহিম", "করিম"});
  CHECK(accepted(R"({"id": "a", "title": "t", "author": []})").article.values_of("author").empty());
  CHECK(accepted(R"({"id": "a", "title": "t", "author": ""})").article.values_of("author").empty());
  CHECK(accepted(R"({"id": "a", "title": "t", "author": null})").article.values_of("author").empty());
}

TEST_CASE("parse_record accepts title only or body only", "[core][parser]") {
  CHECK(accepted(R"({"id": "a", "title": "শিরোনাম"})").article.text("body").empty());
  CHECK(accepted(R"({"id": "a", "body": "লেখা"})").article.text("title").empty());
  CHECK_FALSE(accepted(R"({"id": "a", "body": "লেখা"})").article.date.has_value());
}

TEST_CASE("parse_record accepts an integer id and stores it as a string", "[core][parser]") {
  const auto change = accepted(R"({"id": 42, "title": "t"})");
  CHECK(change.article.id == "42");
  CHECK(stored(change.article)["id"] == "42");
  CHECK(accepted(R"({"id": 0, "title": "t"})").article.id == "0");
  CHECK(accepted(R"({"id": -7, "title": "t"})").article.id == "-7");
  CHECK(accepted(R"({"id": 9007199254740993, "title": "t"})").article.id == "9007199254740993");
}

// Regression: an unsigned id above INT64_MAX once wrapped around, so 18446744073709551615
// became "-1" (and collided with the id -1).
TEST_CASE("parse_record keeps a large unsigned integer id exact", "[core][parser]") {
  const auto change = accepted(R"({"id": 18446744073709551615, "title": "t"})");
  CHECK(change.article.id == "18446744073709551615");
  CHECK(stored(change.article)["id"] == "18446744073709551615");
}

TEST_CASE("parse_record accepts the ISO 8601 date forms", "[core][parser]") {
  for (const char* date : {"2023-05-14", "2023-05-14T10:15:00Z", "2023-05-14T10:15:00+06:00",
                           "2023-05-14T10:15:00.123Z", "2023-05-14T10:15:00.123456+05:45", "2023-05-14T10:15",
                           "2023-05-14T10:15:00", "2023-05-14T10:15:00-03:00"}) {
    const std::string line = std::string(R"({"id": "a", "title": "t", "date": ")") + date + R"("})";
    const auto change = accepted(line);
    REQUIRE(change.article.date.has_value());
    CHECK(change.article.date->year == 2023);
    CHECK(change.article.date->month == 5);
    CHECK(change.article.date->day == 14);
    CHECK(change.article.date->iso == date);
    CHECK(stored(change.article)["date"] == date);
  }
  SECTION("an empty date means no date") {
    CHECK_FALSE(accepted(R"({"id": "a", "title": "t", "date": ""})").article.date.has_value());
  }
}

TEST_CASE("parse_record keeps extra fields in the record", "[core][parser]") {
  const auto change = accepted(
      R"({"id": "a", "title": "t", "views": 1200, "section": {"name": "খেলা", "page": 3}, "flags": [1, "x"], )"
      R"("deleted": false, "note": null})");
  CHECK_FALSE(change.is_delete);
  const auto r = stored(change.article);
  CHECK(r["views"] == 1200);
  CHECK(r["section"]["name"] == "খেলা");
  CHECK(r["section"]["page"] == 3);
  CHECK(r["flags"] == nlohmann::json::parse(R"([1, "x"])"));
  CHECK(r.contains("note"));
  CHECK(r["title"] == "t");
  CHECK(r["id"] == "a");
}

TEST_CASE("parse_record reads a deletion record", "[core][parser]") {
  SECTION("the minimal form") {
    const auto change = accepted(R"({"id": "x", "deleted": true})");
    CHECK(change.is_delete);
    CHECK(change.article.id == "x");
  }
  SECTION("an integer id") {
    const auto change = accepted(R"({"id": 17, "deleted": true})");
    CHECK(change.is_delete);
    CHECK(change.article.id == "17");
  }
  SECTION("other fields do not matter") {
    const auto change = accepted(R"({"id": "x", "deleted": true, "title": "t", "date": "2023-05-14"})");
    CHECK(change.is_delete);
  }
  SECTION("a deletion still needs an id") {
    CHECK_THAT(rejection(R"({"deleted": true})"), Contains("id"));
    CHECK_THAT(rejection(R"({"id": "", "deleted": true})"), Contains("empty"));
  }
  SECTION("deleted: false is an ordinary article") {
    CHECK_FALSE(accepted(R"({"id": "x", "title": "t", "deleted": false})").is_delete);
    CHECK_THAT(rejection(R"({"id": "x", "deleted": false})"), Contains("title or a body"));
  }
}

TEST_CASE("parse_record maps input field names to canonical ones", "[core][parser]") {
  FieldMapping fields;
  fields.names["title"] = {"headline", "title"};
  fields.names["body"] = {"content"};
  fields.names["date"] = {"published_at"};
  fields.names["author"] = {"byline", "author"};

  SECTION("values are read from the mapped names and stored under canonical names") {
    const auto change = accepted(
        R"({"id": "m-1", "headline": "শিরোনাম", "content": "মূল লেখা", "published_at": "2023-05-14T09:00:00+06:00", )"
        R"("byline": "রহিম", "extra": 1})",
        fields);
    const auto& a = change.article;
    CHECK(a.text("title") == "শিরোনাম");
    CHECK(a.text("body") == "মূল লেখা");
    REQUIRE(a.date.has_value());
    CHECK(a.date->day == 14);
    CHECK(a.values_of("author") == std::vector<std::string>{"রহিম"});
    const auto r = stored(a);
    CHECK(r["title"] == "শিরোনাম");
    CHECK(r["body"] == "মূল লেখা");
    CHECK(r["date"] == "2023-05-14T09:00:00+06:00");
    CHECK(r["author"] == "রহিম");
    CHECK_FALSE(r.contains("headline"));
    CHECK_FALSE(r.contains("content"));
    CHECK_FALSE(r.contains("published_at"));
    CHECK_FALSE(r.contains("byline"));
    CHECK(r["extra"] == 1);
    CHECK(r["id"] == "m-1");
  }
  SECTION("the second name is used when the first is absent") {
    const auto change = accepted(R"({"id": "m-2", "title": "পুরোনো নাম", "content": "লেখা"})", fields);
    CHECK(change.article.text("title") == "পুরোনো নাম");
    CHECK(stored(change.article)["title"] == "পুরোনো নাম");
  }
  SECTION("the first name wins when both are present") {
    const auto change = accepted(R"({"id": "m-3", "headline": "নতুন", "title": "পুরোনো", "content": "লেখা"})", fields);
    CHECK(change.article.text("title") == "নতুন");
    CHECK(stored(change.article)["title"] == "নতুন");
  }
  SECTION("an unmapped name is not read") {
    // "body" is no longer an input name for body; it stays in the record as an extra field.
    const auto change = accepted(R"({"id": "m-4", "headline": "h", "body": "not the body"})", fields);
    CHECK(change.article.text("body").empty());
    CHECK(stored(change.article)["body"] == "not the body");
    CHECK_THAT(rejection(R"({"id": "m-5", "body": "only body"})", fields), Contains("title or a body"));
  }
  SECTION("a bad date under a mapped name is rejected") {
    CHECK_THAT(rejection(R"({"id": "m-6", "headline": "h", "published_at": "13/05/2023"})", fields),
               Contains("13/05/2023"));
  }
}

// Regression: when the id came from a mapped name (key != "id"), the parser once erased
// that key from the record and then read the id through a pointer into it: a heap
// use-after-free that AddressSanitizer reports and a Release build usually survives.
TEST_CASE("parse_record maps the id field", "[core][parser]") {
  FieldMapping fields;
  fields.names["id"] = {"article_id", "id"};
  SECTION("a string id") {
    const auto change = accepted(R"({"article_id": "a-1", "title": "t"})", fields);
    CHECK(change.article.id == "a-1");
    CHECK(stored(change.article)["id"] == "a-1");
    CHECK_FALSE(stored(change.article).contains("article_id"));
  }
  SECTION("an integer id under a mapped name is stored as a string") {
    const auto change = accepted(R"({"article_id": 99, "title": "t"})", fields);
    CHECK(change.article.id == "99");
    CHECK(stored(change.article)["id"] == "99");
    CHECK_FALSE(stored(change.article).contains("article_id"));
  }
  SECTION("a deletion by a mapped id") {
    const auto change = accepted(R"({"article_id": "a-1", "deleted": true})", fields);
    CHECK(change.is_delete);
    CHECK(change.article.id == "a-1");
  }
}

// ---------------------------------------------------------------------------------------------
// core::parse_iso_date
// ---------------------------------------------------------------------------------------------

TEST_CASE("parse_iso_date knows leap years", "[core][date]") {
  CHECK(parse_iso_date("2024-02-29").has_value());
  CHECK(parse_iso_date("2000-02-29").has_value());
  CHECK_FALSE(parse_iso_date("2023-02-29").has_value());
  CHECK_FALSE(parse_iso_date("1900-02-29").has_value());
  CHECK_FALSE(parse_iso_date("2024-02-30").has_value());
  CHECK_FALSE(parse_iso_date("2023-04-31").has_value());
  CHECK(parse_iso_date("2023-12-31").has_value());
  CHECK_FALSE(parse_iso_date("2023-00-10").has_value());
  CHECK_FALSE(parse_iso_date("2023-01-00").has_value());
  CHECK_FALSE(parse_iso_date("2024-02-29T24:00").has_value());
  CHECK(parse_iso_date("2024-02-29T23:59:59+06:00").has_value());
}

TEST_CASE("parse_iso_date computes epoch seconds in UTC", "[core][date]") {
  REQUIRE(parse_iso_date("1970-01-01"));
  CHECK(parse_iso_date("1970-01-01")->epoch_seconds == 0);
  CHECK(parse_iso_date("2023-05-14")->epoch_seconds == 1684022400);
  CHECK(parse_iso_date("2024-02-29")->epoch_seconds == 1709164800);
  CHECK(parse_iso_date("2023-05-14T10:15:30")->epoch_seconds == 1684022400 + 10 * 3600 + 15 * 60 + 30);
  CHECK(parse_iso_date("2023-05-14T10:15:30Z")->epoch_seconds == 1684022400 + 10 * 3600 + 15 * 60 + 30);
  CHECK(parse_iso_date("2023-05-14T10:15")->epoch_seconds == 1684022400 + 10 * 3600 + 15 * 60);
  CHECK(parse_iso_date("1969-12-31")->epoch_seconds == -86400);
}

TEST_CASE("parse_iso_date applies zone offsets", "[core][date]") {
  const int64_t midnight = 1684022400;  // 2023-05-14T00:00:00Z
  SECTION("a positive offset is subtracted") {
    auto d = parse_iso_date("2023-05-14T06:00:00+06:00");
    REQUIRE(d);
    CHECK(d->epoch_seconds == midnight);
    CHECK(parse_iso_date("2023-05-14T05:30:00+05:30")->epoch_seconds == midnight);
    CHECK(parse_iso_date("2023-05-14T05:45+05:45")->epoch_seconds == midnight);
    CHECK(parse_iso_date("2023-05-14T06:00:00+0600")->epoch_seconds == midnight);
  }
  SECTION("a negative offset is added") {
    CHECK(parse_iso_date("2023-05-13T21:00:00-03:00")->epoch_seconds == midnight);
    CHECK(parse_iso_date("2023-05-14T00:00:00-03:00")->epoch_seconds == midnight + 3 * 3600);
  }
  SECTION("Z and +00:00 and no zone are the same instant") {
    const int64_t z = parse_iso_date("2023-05-14T10:00:00Z")->epoch_seconds;
    CHECK(parse_iso_date("2023-05-14T10:00:00+00:00")->epoch_seconds == z);
    CHECK(parse_iso_date("2023-05-14T10:00:00-00:00")->epoch_seconds == z);
    CHECK(parse_iso_date("2023-05-14T10:00:00")->epoch_seconds == z);
    CHECK(parse_iso_date("2023-05-14T10:00:00z")->epoch_seconds == z);
  }
  SECTION("the calendar date is the article's own, not the UTC one") {
    auto d = parse_iso_date("2023-05-14T02:00:00+06:00");
    REQUIRE(d);
    CHECK(d->year == 2023);
    CHECK(d->month == 5);
    CHECK(d->day == 14);
    CHECK(d->epoch_seconds == midnight - 4 * 3600);  // 2023-05-13T20:00Z
  }
  SECTION("fractions of a second are accepted and do not change whole seconds") {
    CHECK(parse_iso_date("2023-05-14T06:00:00.999+06:00")->epoch_seconds == midnight);
    CHECK(parse_iso_date("2023-05-14T00:00:00,5Z")->epoch_seconds == midnight);
    CHECK(parse_iso_date("2023-05-14T00:00:00.123456789")->epoch_seconds == midnight);
  }
  SECTION("iso keeps the text as written") {
    CHECK(parse_iso_date("2023-05-14T06:00:00+06:00")->iso == "2023-05-14T06:00:00+06:00");
  }
}

TEST_CASE("parse_iso_date rejects malformed text", "[core][date]") {
  for (const char* text :
       {"", "2023", "2023-05", "13/05/2023", "2023/05/14", "2023-5-14", "2023-05-4", "20230514", "2023-05-14T",
        "2023-05-14Z", "2023-05-14T10", "2023-05-14T10:5", "2023-05-14T25:00", "2023-05-14T10:60",
        "2023-05-14T10:00:61", "2023-05-14T10:00:00.", "2023-05-14T10:00:00+6:00", "2023-05-14T10:00:00+06:",
        "2023-05-14T10:00:00+24:00", "2023-05-14T10:00:00+06:60", "2023-05-14T10:00:00 +06:00",
        "2023-05-14T10:00:00ZZ", "2023-05-14X10:00", " 2023-05-14", "2023-05-14 ", "0999-01-01",
        "2023-02-30", "২০২৩-০৫-১৪"}) {
    INFO("text: '" << text << "'");
    CHECK_FALSE(parse_iso_date(text).has_value());
  }
}

TEST_CASE("parse_record reads the edition, a field added as one schema row", "[core][parser][schema]") {
  const auto change = accepted(R"({"id": "a", "title": "t", "edition": "চট্টগ্রাম"})");
  CHECK(change.article.text("edition") == "চট্টগ্রাম");
  CHECK_THAT(rejection(R"({"id": "a", "title": "t", "edition": 3})"), Contains("'edition' must be a string"));
  FieldMapping mapped;
  mapped.names["edition"] = {"page"};
  CHECK(accepted(R"({"id": "a", "title": "t", "page": "অনলাইন"})", mapped).article.text("edition") == "অনলাইন");
}

TEST_CASE("a RecordParser refuses a record over its size limit and keeps working", "[core][parser]") {
  sondhan::core::RecordParser parser(FieldMapping{}, 64);
  const auto big = parser.parse(R"({"id": "a", "title": ")" + std::string(100, 'x') + "\"}");
  REQUIRE_FALSE(big.is_ok());
  CHECK_THAT(big.status().message(), Contains("longer than 64 bytes"));
  CHECK(parser.parse(R"({"id": "b", "title": "ছোট"})").is_ok());
}

TEST_CASE("UTF-8 validation", "[core][utf8]") {
  CHECK(sondhan::core::is_valid_utf8("ঢাকা Dhaka ২০২৩"));
  CHECK(sondhan::core::is_valid_utf8(""));
  CHECK_FALSE(sondhan::core::is_valid_utf8("\xff\xfe"));
  CHECK_FALSE(sondhan::core::is_valid_utf8(std::string("\xe0\xa6", 2)));   // truncated ঢ
  CHECK_FALSE(sondhan::core::is_valid_utf8("\xc0\xaf"));                    // overlong '/'
  CHECK_FALSE(sondhan::core::is_valid_utf8("\xed\xa0\x80"));                // a surrogate
}

TEST_CASE("parse_record rejects an id with a control character", "[core][parser]") {
  CHECK_THAT(rejection(R"({"id": "a\u0000b", "title": "t"})"), Contains("control character"));
  CHECK_THAT(rejection(R"({"id": "a\nb", "title": "t"})"), Contains("control character"));
  CHECK(accepted(R"({"id": "a b/ক", "title": "t"})").article.id == "a b/ক");
}
