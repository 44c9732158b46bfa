// Index the bundled sample with IndexWriter, search it with Searcher: the core round trip.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <xapian.h>

#include "sondhan/analyzers/analyzer.h"
#include "sondhan/core/database_layout.h"
#include "sondhan/core/index_writer.h"
#include "sondhan/core/manifest.h"
#include "sondhan/core/schema.h"
#include "sondhan/core/searcher.h"
#include "facet_columns.h"
#include "index_layout.h"
#include "merge_policy.h"
#include "test_support.h"

using namespace sondhan::core;

namespace {

const std::vector<std::string> kFacetGuards = {kReplacedKey};

Article article(const std::string& id, const std::string& title, const std::string& body,
                const std::string& date, const std::string& source) {
  Article a;
  a.id = id;
  a.values_of("title") = {title};
  a.values_of("body") = {body};
  a.date = parse_iso_date(date);
  a.values_of("source") = {source};
  a.values_of("category") = {"জাতীয়"};
  a.values_of("author") = {"রহিম"};
  a.values_of("tags") = {"সেনা"};
  a.record = nlohmann::json{{"id", id}, {"title", title}, {"body", body}, {"date", date}, {"source", source}}.dump();
  return a;
}

// Shard counts of one writing run: when the writer opened, and when it was done.
struct ShardCounts {
  size_t opened = 0, done = 0;
};

// One run of the writer: `articles` as upserts, then a commit, or with `merge` the end of a
// complete run (IndexWriter::finish merges the shards of a new database, or puts a rebuild's
// in place).
ShardCounts write_articles(const Config& config, const std::vector<Article>& articles, bool merge,
                           const WriterOptions& options = {}) {
  auto writer = IndexWriter::open(config.db_path, config.index, options);
  REQUIRE(writer.is_ok());
  ShardCounts shards;
  shards.opened = writer.value()->shard_count();
  std::vector<Change> changes(articles.size());
  for (size_t i = 0; i < articles.size(); ++i) changes[i].article = articles[i];
  WriteCounts counts;
  REQUIRE(writer.value()->apply(changes, &counts).is_ok());
  REQUIRE((merge ? writer.value()->finish() : writer.value()->commit()).is_ok());
  shards.done = writer.value()->shard_count();
  return shards;
}


// One search on a searcher opened for it.
SearchResult search_with(const Config& config, const SearchRequest& request) {
  auto searcher = Searcher::open(config);
  REQUIRE(searcher.is_ok());
  auto result = searcher.value()->search(request);
  REQUIRE(result.is_ok());
  return std::move(result).value();
}

// A relevance-ranked page with `ranking.candidates` = `candidates` (0: every match weighed in
// full): each hit's id and score, and the total.
struct RankedPage {
  std::vector<std::pair<std::string, double>> hits;
  size_t total = 0;
};
RankedPage ranked_page(Config config, const std::string& query, int candidates, size_t offset, size_t limit,
                       bool collapse) {
  config.ranking.candidates = candidates;
  SearchRequest r;
  r.query = query;
  r.offset = offset;
  r.limit = limit;
  r.collapse = collapse;
  const SearchResult result = search_with(config, r);
  RankedPage page;
  for (const Hit& h : result.hits) page.hits.emplace_back(h.id, h.score);
  page.total = result.total;
  return page;
}

SearchResult search_for(const Config& config, const std::string& query) {
  SearchRequest r;
  r.query = query;
  return search_with(config, r);
}

// The ids of a search's hits, best first.
std::vector<std::string> hit_ids(const Config& config, const std::string& query) {
  std::vector<std::string> ids;
  for (const Hit& hit : search_for(config, query).hits) ids.push_back(hit.id);
  return ids;
}

// Articles a0, a1, ... of one text and date, from `source`.
std::vector<Article> rain_articles(int count, const std::string& source) {
  std::vector<Article> articles;
  for (int i = 0; i < count; ++i) {
    articles.push_back(article("a" + std::to_string(i), "খবর", "ঢাকায় বৃষ্টি।", "2024-05-01", source));
  }
  return articles;
}

}  // namespace

TEST_CASE("index and search round trip", "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  {
    auto writer = IndexWriter::open(config.db_path, config.index);
    REQUIRE(writer.is_ok());
    std::vector<Change> changes(3);
    changes[0].article = article("a", "উত্তর কোরিয়ার সেনারা", "রুশ বাহিনীর সঙ্গে উত্তর কোরিয়ার সেনারা যুদ্ধ করছে।", "2024-01-02", "BBC");
    changes[1].article = article("b", "ঢাকায় বৃষ্টি", "ঢাকায় আজ ভারী বৃষ্টি হয়েছে।", "2024-03-04", "প্রথম আলো");
    changes[2].article = article("c", "কোরিয়া সফর", "প্রধানমন্ত্রী দক্ষিণ কোরিয়া সফরে যাচ্ছেন।", "2023-05-06", "BBC");
    WriteCounts counts;
    REQUIRE(writer.value()->apply(changes, &counts).is_ok());
    REQUIRE(writer.value()->commit().is_ok());
    CHECK(counts.added == 3);
    // Upsert replaces; delete removes.
    std::vector<Change> again(2);
    again[0].article = changes[1].article;
    again[1].article.id = "c";
    again[1].is_delete = true;
    WriteCounts counts2;
    REQUIRE(writer.value()->apply(again, &counts2).is_ok());
    REQUIRE(writer.value()->commit().is_ok());
    CHECK(counts2.updated == 1);
    CHECK(counts2.deleted == 1);
    CHECK(writer.value()->document_count() == 2);
  }
  auto searcher = Searcher::open(config);
  REQUIRE(searcher.is_ok());

  SearchRequest r;
  r.query = "উত্তর কোরিয়া সেনা";
  r.facets = {"source", "year", "author", "tag"};
  auto result = searcher.value()->search(r);
  REQUIRE(result.is_ok());
  REQUIRE_FALSE(result->hits.empty());
  CHECK(result->hits[0].id == "a");
  CHECK(result->hits[0].snippet.find("<mark>কোরিয়ার</mark>") != std::string::npos);
  CHECK(result->facets["source"].at(0).value == "BBC");
  CHECK(result->facets["author"].at(0).value == "রহিম");

  r = SearchRequest{};
  r.filters["source"] = {"bbc"};  // filters are case-insensitive
  auto filtered = searcher.value()->search(r);
  REQUIRE(filtered.is_ok());
  CHECK(filtered->total == 1);

  r = SearchRequest{};
  r.from_date = "2024-02-01";
  auto dated = searcher.value()->search(r);
  REQUIRE(dated.is_ok());
  REQUIRE(dated->hits.size() == 1);
  CHECK(dated->hits[0].id == "b");

  r.from_date = "2024-02-30";
  CHECK(searcher.value()->search(r).status().code() == Code::kInvalidArgument);

  CHECK(searcher.value()->document("b").is_ok());
  CHECK(searcher.value()->document("c").status().code() == Code::kNotFound);
  CHECK(searcher.value()->stats()->documents == 2);
}

// Spelling variants live in the synonym table: filed per shard by the writer, merged with the
// shards, added to by later upserts, and found from either spelling.
TEST_CASE("spelling variants are found both ways, after a merge and after an upsert", "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  config.index.threads = 2;
  auto ids_for = [&](const std::string& query) {
    const std::vector<std::string> ids = hit_ids(config, query);
    return std::set<std::string>(ids.begin(), ids.end());
  };
  const ShardCounts built = write_articles(
      config,
      {article("long-i", "গরীব কৃষক", "গরীব কৃষকের ধান।", "2024-01-02", "BBC"),
       article("short-i", "গরিব মানুষ", "গরিব মানুষের জন্য ভাতা।", "2024-01-03", "BBC"),
       article("other", "ঢাকায় বৃষ্টি", "ঢাকায় আজ ভারী বৃষ্টি হয়েছে।", "2024-03-04", "BBC"),
       article("more", "নদী", "নদীর পানি বাড়ছে।", "2024-03-05", "BBC")},
      true);
  REQUIRE(built.opened == 2);
  REQUIRE(built.done == 1);
  CHECK(ids_for("গরিব") == std::set<std::string>{"long-i", "short-i"});
  CHECK(ids_for("গরীব") == std::set<std::string>{"long-i", "short-i"});
  write_articles(config, {article("teacher", "শিক্ষক সমাবেশ", "শিক্ষকদের সমাবেশ।", "2024-04-01", "BBC")}, false);
  // The upsert files শিক্ষক under its loose form সিক্সক: a query misspelt সিক্ষক finds it.
  CHECK(ids_for("সিক্ষক") == std::set<std::string>{"teacher"});
}

TEST_CASE("a bulk build files a stem's spelling once, and finds it in every segment, before and after the merge",
          "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  config.index.threads = 2;
  config.index.segment_articles = 1;  // a new segment for every article of each lane
  WriterOptions bulk;
  bulk.bulk = true;
  auto writer = IndexWriter::open(config.db_path, config, bulk);
  REQUIRE(writer.is_ok());
  std::vector<Change> changes(12);
  std::set<std::string> all;
  for (size_t i = 0; i < changes.size(); ++i) {
    const std::string id = "p" + std::to_string(i);
    const std::string word = i % 2 == 0 ? "গরীব" : "গরিব";
    changes[i].article = article(id, word + " কৃষক " + std::to_string(i), word + " কৃষকের ধান।", "2024-01-02", "BBC");
    all.insert(id);
  }
  WriteCounts counts;
  REQUIRE(writer.value()->apply(changes, &counts).is_ok());
  REQUIRE(writer.value()->commit().is_ok());
  REQUIRE(writer.value()->shard_count() >= 10);
  auto ids_for = [&](const std::string& query) {
    SearchRequest r;
    r.query = query;
    r.limit = 50;
    std::set<std::string> ids;
    for (const Hit& hit : search_with(config, r).hits) ids.insert(hit.id);
    return ids;
  };
  // Each spelling was filed in the first segment that had it, and queries read every segment.
  CHECK(ids_for("গরিব") == all);
  CHECK(ids_for("গরীব") == all);
  REQUIRE(writer.value()->finish().is_ok());
  REQUIRE(writer.value()->shard_count() == 1);
  CHECK(ids_for("গরিব") == all);
  CHECK(ids_for("গরীব") == all);
}

TEST_CASE("a word with no other spelling in the archive counts 1 + loose_weight times, as its spelling group",
          "[core][search]") {
  // কোরিয়া is filed under its loose key (কুরিয়া), alone: its spelling group is the word itself,
  // which the query weighs by scaling the word rather than matching its postings twice.
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  write_articles(config,
                 {article("k1", "উত্তর কোরিয়া", "উত্তর কোরিয়া আবার ক্ষেপণাস্ত্র ছুড়েছে।", "2024-01-02", "BBC"),
                  article("k2", "দক্ষিণ কোরিয়া", "দক্ষিণ কোরিয়ার নির্বাচন আজ।", "2024-01-03", "BBC"),
                  article("o1", "ঢাকায় বৃষ্টি", "ঢাকায় আজ ভারী বৃষ্টি হয়েছে।", "2024-01-04", "BBC")},
                 true);
  auto scores = [&](double loose_weight) {
    config.ranking.loose_weight = loose_weight;
    std::map<std::string, double> by_id;
    for (const Hit& hit : search_for(config, "কোরিয়া").hits) by_id[hit.id] = hit.score;
    return by_id;
  };
  const auto plain = scores(0);
  const auto with_group = scores(0.5);
  REQUIRE(plain.size() == 2);
  REQUIRE(with_group.size() == 2);
  for (const auto& [id, score] : plain) CHECK(with_group.at(id) == Approx(1.5 * score));
}

TEST_CASE("synonyms find the other words of their group, marked in the snippet", "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  write_articles(config,
                 {article("vaccine", "চুক্তি সই", "দেশে ভ্যাকসিনের প্রথম চালান পৌঁছেছে।", "2024-01-02", "BBC"),
                  article("tika", "শিশুদের টিকা", "শিশুদের টিকা দেওয়া শুরু।", "2024-01-03", "BBC"),
                  article("other", "ঢাকায় বৃষ্টি", "ঢাকায় আজ ভারী বৃষ্টি হয়েছে।", "2024-03-04", "BBC")},
                 true);
  config.ranking.news_synonyms = false;  // the built-in groups have টিকা ভ্যাকসিন too
  CHECK(search_for(config, "টিকা").hits.size() == 1);
  Config with_synonyms = config;
  with_synonyms.ranking.synonyms = {"টিকা ভ্যাকসিন"};
  const SearchResult found = search_for(with_synonyms, "টিকা");
  REQUIRE(found.hits.size() == 2);
  const auto vaccine = std::find_if(found.hits.begin(), found.hits.end(),
                                    [](const Hit& h) { return h.id == "vaccine"; });
  REQUIRE(vaccine != found.hits.end());
  CHECK(vaccine->snippet.find("<mark>ভ্যাকসিনের</mark>") != std::string::npos);
}

TEST_CASE("built-in news synonyms: another spelling ranks as the word, a paraphrase below it",
          "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  write_articles(config,
                 {article("spelt", "সীমান্তে উত্তেজনা", "ইসরাইলের সেনারা সীমান্তে জড়ো হয়েছে।", "2024-01-02", "BBC"),
                  article("covid", "হাসপাতালে ভিড়", "কোভিড রোগীদের ভিড় বাড়ছে।", "2024-01-03", "BBC"),
                  article("corona", "হাসপাতালে ভিড়", "করোনা রোগীদের ভিড় বাড়ছে।", "2024-01-04", "BBC"),
                  article("other", "ঢাকায় বৃষ্টি", "ঢাকায় আজ ভারী বৃষ্টি হয়েছে।", "2024-03-04", "BBC")},
                 true);
  const SearchResult spelt = search_for(config, "ইসরায়েল");
  REQUIRE(spelt.hits.size() == 1);
  CHECK(spelt.hits[0].id == "spelt");
  CHECK(spelt.hits[0].snippet.find("<mark>ইসরাইলের</mark>") != std::string::npos);
  // Both articles are found; the one with the query's own word comes first.
  const SearchResult covid = search_for(config, "কোভিড রোগী");
  REQUIRE(covid.hits.size() == 2);
  CHECK(covid.hits[0].id == "covid");
  CHECK(covid.hits[1].id == "corona");
  CHECK(covid.hits[1].snippet.find("<mark>করোনা</mark>") != std::string::npos);
  config.ranking.news_synonyms = false;
  CHECK(search_for(config, "ইসরায়েল").hits.empty());
}

TEST_CASE("the proximity boost reorders the first candidates as a full match would, across shards",
          "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  // With 3, the articles written after the build go into a shard of their own.
  config.index.segment_articles = GENERATE(5000, 3);
  config.index.positions = GENERATE("table", "compact");
  // The same words in every body, so the same weight without proximity: the query's words side
  // by side in the "near" articles, apart in the "far" ones, which are written first (and so
  // come first among equals in one shard).
  const std::string side_by_side =
      "পদ্মা সেতুর উদ্বোধন আজ সকালে রাজধানীর বাইরে বিশাল আয়োজনে হাজারো মানুষের ভিড়ে নদীর ওপর দীর্ঘ "
      "প্রতীক্ষার অবসান ঘটিয়ে সরকার জানায়।";
  const std::string apart =
      "পদ্মা আজ সকালে রাজধানীর বাইরে বিশাল আয়োজনে হাজারো মানুষের সেতুর ভিড়ে নদীর ওপর দীর্ঘ "
      "প্রতীক্ষার অবসান ঘটিয়ে সরকার উদ্বোধন জানায়।";
  std::vector<Article> first, later;
  for (int i = 0; i < 4; ++i) first.push_back(article("far" + std::to_string(i), "খবর", apart, "2024-01-02", "BBC"));
  for (int i = 0; i < 4; ++i) {
    (i < 2 ? first : later).push_back(article("near" + std::to_string(i), "খবর", side_by_side, "2024-01-03", "BBC"));
  }
  write_articles(config, first, /*merge=*/true);
  write_articles(config, later, /*merge=*/false);
  CHECK(layout::read_stub(config.db_path).size() == (config.index.segment_articles == 3 ? 2 : 1));

  auto ranked = [&](int depth, double boost) {
    Config c = config;
    c.ranking.rerank_depth = depth;
    c.ranking.phrase_boost = boost;
    SearchRequest r;
    r.query = "পদ্মা সেতু উদ্বোধন";
    r.collapse = false;
    return search_with(c, r).hits;
  };
  const std::vector<Hit> reranked = ranked(10, 0.5);
  const std::vector<Hit> full = ranked(0, 0.5);
  const std::vector<Hit> none = ranked(10, 0);
  REQUIRE(reranked.size() == 8);
  REQUIRE(full.size() == 8);
  REQUIRE(none.size() == 8);
  for (size_t i = 0; i < 8; ++i) {
    INFO(i);
    CHECK(reranked[i].id.rfind(i < 4 ? "near" : "far", 0) == 0);
    CHECK(none[i].score == Approx(none[0].score));  // without the boost, all alike
    CHECK(full[i].id.rfind(i < 4 ? "near" : "far", 0) == 0);
  }
  // The boost is what the proximity part adds, within the weights of a full match (whose terms
  // count twice in the query, once for the word and once for the pair).
  CHECK(reranked[0].score > reranked[4].score);
  CHECK(reranked[4].score == Approx(none[0].score));
  CHECK(reranked[0].score == Approx(full[0].score).epsilon(0.2));
}

TEST_CASE("the proximity rerank weighs the same with positions in a value as with Xapian's table",
          "[core][search]") {
  // The same articles indexed both ways: the rerank over the value (one read of each article's
  // positions, a match a word) must give each article what Xapian's own pairs give it.
  const std::vector<std::string> bodies = {
      "পদ্মা সেতুর উদ্বোধন আজ সকালে রাজধানীর বাইরে হাজারো মানুষের ভিড়ে সরকার জানায়।",
      "পদ্মা আজ সকালে রাজধানীর বাইরে সেতুর ভিড়ে নদীর ওপর দীর্ঘ প্রতীক্ষার অবসান উদ্বোধন জানায়।",
      "সেতুর উদ্বোধন পদ্মা নদীর ওপর আজ সকালে।",                     // two pairs, one out of order
      "উদ্বোধন সেতুর আজ সকালে রাজধানীর বাইরে।",                         // no পদ্মা: one pair at most
      "পদ্মা সেতুর আজ সকালে উদ্বোধন হলো নদীর ওপর রাজধানীর বাইরে মানুষের ভিড়ে পদ্মা সেতু।",
      "রাজধানীর বাইরে পদ্মা নদীর ওপর নতুন সেতু আজ সকালে খুলে দেওয়া হলো, উদ্বোধন করলেন প্রধানমন্ত্রী।",
      "ঢাকায় আজ ভারী বৃষ্টি হয়েছে, পদ্মা নদীতে পানি বেড়েছে।"};
  std::vector<Article> first, later;
  for (size_t i = 0; i < bodies.size() * 2; ++i) {
    Article a = article("a" + std::to_string(i), i % 3 == 0 ? "পদ্মা সেতু" : "খবর", bodies[i % bodies.size()],
                        "2024-01-0" + std::to_string(1 + i % 9), "BBC");
    (i < bodies.size() ? first : later).push_back(std::move(a));
  }
  std::vector<std::vector<Hit>> found;
  std::vector<sondhan::testing::TempDir> dirs(2);
  for (const char* positions : {"table", "compact"}) {
    Config config;
    config.db_path = dirs[found.size()].str("db");
    config.index.positions = positions;
    config.index.segment_articles = 5;  // the later articles in a shard of their own
    write_articles(config, first, /*merge=*/true);
    write_articles(config, later, /*merge=*/false);
    config.ranking.rerank_depth = 10;
    config.ranking.phrase_boost = 0.5;
    SearchRequest r;
    r.query = "পদ্মা সেতু উদ্বোধন সকালে";
    r.collapse = false;
    r.limit = 20;
    found.push_back(search_with(config, r).hits);
  }
  REQUIRE(found[0].size() == found[1].size());
  REQUIRE(found[0].size() >= 12);
  bool boosted = false;  // some article got more than another with the same words
  for (size_t i = 0; i < found[0].size(); ++i) {
    INFO(i);
    CHECK(found[1][i].id == found[0][i].id);
    CHECK(found[1][i].score == Approx(found[0][i].score).epsilon(1e-12));
    if (i > 0 && found[0][i].score < found[0][i - 1].score) boosted = true;
  }
  CHECK(boosted);
}

TEST_CASE("facets count the matching documents of every shard, up to facet_check_at_least",
          "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  // With 10, the articles written after the build go into a shard of their own.
  config.index.segment_articles = GENERATE(5000, 10);
  // Counted from the facet columns held in memory, and from the index.
  config.search.facet_memory_mb = GENERATE(256, 0);
  const char* kSources[] = {"BBC", "প্রথম আলো", "ইনকিলাব"};
  const char* kBodies[] = {"ঢাকায় আজ ভারী বৃষ্টি হয়েছে।", "নির্বাচন কমিশন তফসিল ঘোষণা করেছে।"};
  std::vector<Article> first, later;
  // Expected counts, for all articles and for those with the word বৃষ্টি.
  std::map<std::string, std::map<std::string, size_t>> all, rain;
  for (int i = 0; i < 30; ++i) {
    const std::string year = std::to_string(2020 + i % 4);
    Article a = article("a" + std::to_string(i), "খবর", kBodies[i % 2], year + "-05-01", kSources[i % 3]);
    a.values_of("tags") = i % 5 == 0 ? std::vector<std::string>{} : std::vector<std::string>{"সেনা", "t" + std::to_string(i % 4)};
    for (auto* counts : i % 2 == 0 ? std::vector{&all, &rain} : std::vector{&all}) {
      ++(*counts)["source"][kSources[i % 3]];
      ++(*counts)["year"][year];
      for (const std::string& tag : a.values_of("tags")) ++(*counts)["tag"][tag];
    }
    (i < 20 ? first : later).push_back(std::move(a));
  }
  write_articles(config, first, /*merge=*/true);
  write_articles(config, later, /*merge=*/false);
  CHECK(layout::read_stub(config.db_path).size() == (config.index.segment_articles == 10 ? 2 : 1));

  auto facets_of = [&](const Config& c, const std::string& query) {
    SearchRequest r;
    r.query = query;
    r.facets = {"source", "year", "tag"};
    std::map<std::string, std::map<std::string, size_t>> got;
    for (const auto& [name, values] : search_with(c, r).facets) {
      for (const FacetCount& v : values) got[name][v.value] = v.count;
    }
    return got;
  };
  CHECK(facets_of(config, "") == all);
  CHECK(facets_of(config, "বৃষ্টি") == rain);
  // Counted over the first 7 matches only: seven sources, seven years.
  Config sample = config;
  sample.search.facet_check_at_least = 7;
  for (const auto& [name, values] : facets_of(sample, "")) {
    if (name == "tag") continue;
    size_t sum = 0;
    for (const auto& [value, count] : values) sum += count;
    INFO(name);
    CHECK(sum == 7);
  }
}

TEST_CASE("facet counts follow every commit: an article moved to a shard of updates, or replaced in place",
          "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  write_articles(config, rain_articles(10, "BBC"), /*merge=*/true);

  // One searcher throughout, as a server's: it reopens the database before each search.
  auto searcher = Searcher::open(config);
  REQUIRE(searcher.is_ok());
  auto sources = [&] {
    SearchRequest r;
    r.facets = {"source"};
    auto result = searcher.value()->search(r);
    REQUIRE(result.is_ok());
    std::map<std::string, size_t> got;
    for (const FacetCount& v : result.value().facets["source"]) got[v.value] = v.count;
    return got;
  };
  CHECK(sources() == std::map<std::string, size_t>{{"BBC", 10}});
  // The update leaves the built shard (a deletion there) for a shard of its own.
  write_articles(config, rain_articles(1, "ইনকিলাব"), false);
  CHECK(sources() == std::map<std::string, size_t>{{"BBC", 9}, {"ইনকিলাব", 1}});
  // The next one replaces it in that shard under the same docid, with another value.
  write_articles(config, rain_articles(1, "প্রথম আলো"), false);
  CHECK(sources() == std::map<std::string, size_t>{{"BBC", 9}, {"প্রথম আলো", 1}});
  // A second searcher, opened now, agrees, with the columns held and without them.
  SearchRequest r;
  r.facets = {"source"};
  Config off = config;
  off.search.facet_memory_mb = 0;
  for (const Config& c : {config, off}) {
    const SearchResult result = search_with(c, r);
    std::map<std::string, size_t> got;
    for (const FacetCount& v : result.facets.at("source")) got[v.value] = v.count;
    CHECK(got == std::map<std::string, size_t>{{"BBC", 9}, {"প্রথম আলো", 1}});
  }
}

TEST_CASE("the writer counts the commits that replace articles in place, and only those", "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  config.index.segment_articles = 5;  // the built shard is full: updates go into a shard of their own
  write_articles(config, rain_articles(10, "BBC"), /*merge=*/true);
  auto counts = [&] {
    std::map<std::string, std::string> out;
    for (const std::string& name : layout::read_stub(config.db_path)) {
      out[name] = Xapian::Database(config.db_path + "/" + name).get_metadata(kReplacedKey);
    }
    return out;
  };
  const auto built = counts();
  REQUIRE(built.size() == 1);
  const std::string big = built.begin()->first;
  CHECK(built.at(big) == "0");
  // An update moves an article out of the built shard into a new one (a deletion there, an
  // addition here): nothing replaced in place.
  write_articles(config, rain_articles(1, "ইনকিলাব"), false);
  auto after = counts();
  REQUIRE(after.size() == 2);
  for (const auto& [name, count] : after) CHECK(count == "0");
  // The next update of it replaces it in the new shard, under the same docid.
  write_articles(config, rain_articles(1, "প্রথম আলো"), false);
  after = counts();
  REQUIRE(after.size() == 2);
  for (const auto& [name, count] : after) CHECK(count == (name == big ? "0" : "1"));
}

TEST_CASE("a facet column outlives commits that replace nothing in place, and reads what they add",
          "[core][search]") {
  sondhan::testing::TempDir dir;
  const std::string path = dir.str("db");
  auto source_of = [](Xapian::docid did) { return did % 2 == 0 ? std::string("BBC") : std::string("ইনকিলাব"); };
  auto counted = [](const FacetColumn& column, const std::vector<Xapian::docid>& docids) {
    std::vector<size_t> counts;
    column.count(docids, &counts);
    std::map<std::string, size_t> got;
    for (size_t v = 0; v < counts.size(); ++v) {
      if (counts[v] > 0) got[column.values()[v]] = counts[v];
    }
    return got;
  };
  Xapian::WritableDatabase db(path, Xapian::DB_CREATE_OR_OPEN);
  for (Xapian::docid did = 1; did <= 100; ++did) {
    Xapian::Document doc;
    doc.add_value(2, source_of(did));
    db.add_document(doc);
  }
  db.set_metadata(kReplacedKey, "0");
  db.commit();
  FacetColumns columns;
  const auto first = columns.get(path, Xapian::Database(path), 2, false, 1 << 20, kFacetGuards);
  REQUIRE(first != nullptr);
  CHECK(first->end() == 101);

  SECTION("commits with the same count: the column stays, and what they add is read past its end") {
    // Metadata only (a server's journal position): the same column.
    db.set_metadata("other", "x");
    db.commit();
    CHECK(columns.get(path, Xapian::Database(path), 2, false, 1 << 20, kFacetGuards) == first);
    // Changed in place without the count moving, which the writer never does: the column does
    // not read it again, which shows that it was kept.
    Xapian::Document changed;
    changed.add_value(2, "প্রথম আলো");
    db.replace_document(1, changed);
    // Added: read alone, with a value the column had not seen.
    Xapian::Document added;
    added.add_value(2, "কালের কণ্ঠ");
    CHECK(db.add_document(added) == 101);
    db.delete_document(2);
    db.commit();
    const auto extended = columns.get(path, Xapian::Database(path), 2, false, 1 << 20, kFacetGuards);
    REQUIRE(extended != nullptr);
    CHECK(extended->end() == 102);
    CHECK(counted(*extended, {1, 2, 3, 101}) ==
          std::map<std::string, size_t>{{"BBC", 1}, {"ইনকিলাব", 2}, {"কালের কণ্ঠ", 1}});
    CHECK(counted(*first, {1, 101}) == std::map<std::string, size_t>{{"ইনকিলাব", 1}});  // untouched
    // Now counted as a replacement: read again.
    db.set_metadata(kReplacedKey, "1");
    db.commit();
    const auto again = columns.get(path, Xapian::Database(path), 2, false, 1 << 20, kFacetGuards);
    REQUIRE(again != nullptr);
    CHECK(counted(*again, {1, 3, 101}) == std::map<std::string, size_t>{{"প্রথম আলো", 1}, {"ইনকিলাব", 1}, {"কালের কণ্ঠ", 1}});
  }
  SECTION("a shard without the count is read again after every commit") {
    db.set_metadata(kReplacedKey, "");
    db.commit();
    const auto without = columns.get(path, Xapian::Database(path), 2, false, 1 << 20, kFacetGuards);
    REQUIRE(without != nullptr);
    db.set_metadata("other", "x");
    db.commit();
    const auto next = columns.get(path, Xapian::Database(path), 2, false, 1 << 20, kFacetGuards);
    REQUIRE(next != nullptr);
    CHECK(next != without);
  }
}

TEST_CASE("facet columns stay within their budget without dropping columns in use", "[core][search]") {
  sondhan::testing::TempDir dir;
  const std::string path = dir.str("db");
  {
    Xapian::WritableDatabase db(path, Xapian::DB_CREATE_OR_OPEN);
    for (int i = 0; i < 1000; ++i) {
      Xapian::Document doc;
      doc.add_value(2, i % 2 == 0 ? "BBC" : "ইনকিলাব");
      doc.add_value(3, "জাতীয়");
      db.add_document(doc);
    }
    db.commit();
  }
  const Xapian::Database shard(path);
  FacetColumns columns;
  auto first = columns.get(path, shard, 2, false, 1 << 20, kFacetGuards);
  REQUIRE(first != nullptr);
  std::vector<size_t> counts;
  first->count({1, 2, 3, 4, 1000}, &counts);
  std::map<std::string, size_t> got;
  for (size_t v = 0; v < counts.size(); ++v) got[first->values()[v]] = counts[v];
  CHECK(got == std::map<std::string, size_t>{{"BBC", 2}, {"ইনকিলাব", 3}});
  // Held: the same column again, for the same revision.
  CHECK(columns.get(path, shard, 2, false, 1 << 20, kFacetGuards) == first);
  const size_t one = columns.bytes();
  // No room for a second column beside one used just now: none is read, and the first stays.
  CHECK(columns.get(path, shard, 3, false, one + 100, kFacetGuards) == nullptr);
  CHECK(columns.get(path, shard, 2, false, one + 100, kFacetGuards) == first);
  // Too large for the budget at all, or columns off.
  CHECK(columns.get(path, shard, 3, false, 100, kFacetGuards) == nullptr);
  CHECK(columns.get(path, shard, 3, false, 0, kFacetGuards) == nullptr);
  CHECK(columns.bytes() == one);
}

TEST_CASE("searchers on several threads count facets from the shared columns while the writer commits",
          "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  write_articles(config, rain_articles(20, "BBC"), /*merge=*/true);
  // a0 moves out of the built shard into a shard of updates first: Xapian has no commit across
  // shards, so a reader could see it in both between the two commits (docs/architecture.md).
  write_articles(config, rain_articles(1, "ইনকিলাব"), false);

  std::atomic<bool> done{false};
  std::atomic<size_t> searches{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto searcher = Searcher::open(config);
      if (!searcher.is_ok()) {
        ++wrong;
        return;
      }
      SearchRequest r;
      r.query = t % 2 == 0 ? "" : "বৃষ্টি";
      r.facets = {"source", "year"};
      while (!done) {
        auto result = searcher.value()->search(r);
        size_t sum = 0;
        if (result.is_ok()) {
          for (const FacetCount& v : result.value().facets["source"]) sum += v.count;
        }
        // Every article once, whichever revision the search saw.
        if (sum != 20) ++wrong;
        ++searches;
      }
    });
  }
  // a0 is replaced in place again and again while they search.
  for (int round = 1; round < 12; ++round) {
    write_articles(config, rain_articles(1, round % 2 == 0 ? "ইনকিলাব" : "প্রথম আলো"), false);
  }
  done = true;
  for (std::thread& t : threads) t.join();
  CHECK(wrong == 0);
  CHECK(searches > 0);
  SearchRequest r;
  r.facets = {"source"};
  const SearchResult last = search_with(config, r);
  std::map<std::string, size_t> got;
  for (const FacetCount& v : last.facets.at("source")) got[v.value] = v.count;
  CHECK(got == std::map<std::string, size_t>{{"BBC", 19}, {"প্রথম আলো", 1}});
}

TEST_CASE("a page weighed from the candidates is the page every match weighed in full would give",
          "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  config.ranking.rerank_depth = 0;  // pages of exactly `limit`: the candidates' bound is plain
  // BM25's length normalisation ranks the short article first; without it (the first match's
  // weight) the long one, which says the word twice, wins.
  std::string filler;
  for (int i = 0; i < 60; ++i) filler += " নির্বাচন কমিশন তফসিল ঘোষণা করেছে" + std::to_string(i);
  std::vector<Article> articles = {article("short", "খবর", "ঢাকায় বৃষ্টি।", "2024-05-01", "BBC"),
                                   article("long", "খবর", "বৃষ্টি বৃষ্টি" + filler, "2024-05-02", "BBC")};
  for (int i = 0; i < 12; ++i) {
    std::string body = "বৃষ্টি হয়েছে";
    for (int j = 0; j < i; ++j) body += " জেলায় ধান কাটা চলছে" + std::to_string(j);
    articles.push_back(article("r" + std::to_string(i), "খবর", body, "2024-06-01", "BBC"));
  }
  write_articles(config, articles, /*merge=*/true);

  // Without collapsing unless asked: the r articles are copies of one another.
  auto page = [&](int candidates, size_t offset, size_t limit, bool collapse = false) {
    const RankedPage got = ranked_page(config, "বৃষ্টি", candidates, offset, limit, collapse);
    return std::make_pair(got.hits, got.total);
  };
  const auto full = page(0, 0, 14);
  REQUIRE(full.first.size() == 14);
  CHECK(full.first.front().first != "long");
  // Candidates enough for the page: the same documents, order, weights and total.
  for (const size_t offset : {0, 4, 8}) {
    const auto from_candidates = page(50, offset, 4);
    CHECK(from_candidates.second == full.second);
    REQUIRE(from_candidates.first.size() == std::min<size_t>(4, 14 - offset));
    for (size_t i = 0; i < from_candidates.first.size(); ++i) {
      CHECK(from_candidates.first[i].first == full.first[offset + i].first);
      CHECK(from_candidates.first[i].second == Approx(full.first[offset + i].second));
    }
  }
  // Past the candidates: every other match in the full order, page by page, each once.
  auto ids_paged = [&](int candidates, size_t limit, bool collapse) {
    std::vector<std::string> ids;
    for (size_t offset = 0; offset < 20; offset += limit) {
      for (const auto& [id, weight] : page(candidates, offset, limit, collapse).first) ids.push_back(id);
    }
    return ids;
  };
  const std::vector<std::string> paged = ids_paged(3, 4, false);
  REQUIRE(paged.size() == 14);
  CHECK(std::set<std::string>(paged.begin(), paged.end()).size() == 14);
  std::vector<std::string> rest;  // the full order without the three candidates
  for (const auto& [id, weight] : full.first) {
    if (std::find(paged.begin(), paged.begin() + 3, id) == paged.begin() + 3) rest.push_back(id);
  }
  CHECK(std::vector<std::string>(paged.begin() + 3, paged.end()) == rest);
  // Collapsed, one hit per story: the r articles' story once, before the candidates' end and
  // past it, wherever it falls among them.
  std::vector<std::string> stories_full = ids_paged(0, 20, true);
  std::sort(stories_full.begin(), stories_full.end());
  for (const int candidates : {1, 2, 3, 4, 5, 6, 8}) {
    std::vector<std::string> stories = ids_paged(candidates, 1, true);
    std::sort(stories.begin(), stories.end());
    INFO("candidates " << candidates);
    CHECK(stories == stories_full);
  }
  // One candidate: the first match's own choice, the article that says the word most often.
  CHECK(page(1, 0, 1).first.at(0).first == "long");
}

TEST_CASE("candidates found with all words first include what outweighs them without all words",
          "[core][search]") {
  // With a small all-words boost, articles saying three of the four words often outweigh most of
  // those with every word: the first match finds the best all-words articles first and the others
  // from the floor the last of them sets (Searcher's best_matches), and must lose neither the
  // article above every all-words one nor the one between them.
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  config.ranking.all_words_boost = 0.1;
  // The page within the candidates (a deeper rerank would fetch past them and find the rest
  // there), and the proximity weight kept out of the query.
  config.ranking.rerank_depth = 1;
  const std::vector<std::string> fillers = {"নদী", "পানি", "গ্রাম", "মানুষ", "বাঁধ", "ফসল", "রাস্তা", "স্কুল",
                                            "হাসপাতাল", "বাজার", "নৌকা", "আশ্রয়"};
  auto filler = [&](size_t i) {
    std::string text;
    for (size_t j = 0; j < 8; ++j) {
      text.append(" ").append(fillers[(i * 5 + j * 7) % fillers.size()]).append(fillers[(i + j) % 7]);
    }
    return text;
  };
  auto times = [](const std::string& words, int n) {
    std::string text;
    for (int i = 0; i < n; ++i) text.append(" ").append(words);
    return text;
  };
  std::vector<Article> articles;
  articles.push_back(article("all-best", "খবর", times("বন্যা ত্রাণ বিতরণ জেলা", 3) + filler(0), "2024-06-01", "BBC"));
  for (size_t i = 1; i < 8; ++i) {
    articles.push_back(article("all" + std::to_string(i), "খবর", "বন্যা ত্রাণ বিতরণ জেলা" + filler(i), "2024-06-01", "BBC"));
  }
  articles.push_back(article("three", "খবর", times("বন্যা ত্রাণ বিতরণ", 8), "2024-06-02", "BBC"));
  articles.push_back(article("some", "খবর", times("বন্যা ত্রাণ বিতরণ", 2) + " নদী", "2024-06-02", "AFP"));
  for (size_t i = 0; i < 20; ++i) {
    articles.push_back(article("county" + std::to_string(i), "খবর", "জেলা" + filler(i + 8), "2024-06-03", "BBC"));
  }
  write_articles(config, articles, /*merge=*/true);

  auto page = [&](const std::string& query, int candidates, bool collapse) {
    const RankedPage got = ranked_page(config, query, candidates, 0, 3, collapse);
    return std::make_pair(got.hits, got.total);
  };
  // The words alone, and with a phrase every match must have (checked after the floor, in
  // DeferredPositions, with positions in a value).
  for (const std::string query : {"বন্যা ত্রাণ বিতরণ জেলা", "বন্যা ত্রাণ বিতরণ জেলা \"বন্যা ত্রাণ\""}) {
    for (const bool collapse : {false, true}) {
      INFO(query << ", collapse " << collapse);
      const auto full = page(query, 0, collapse);
      REQUIRE(full.first.size() == 3);
      CHECK(full.first[0].first == "three");
      CHECK(full.first[2].first == "some");
      const auto from_candidates = page(query, 3, collapse);
      CHECK(from_candidates.second == full.second);
      REQUIRE(from_candidates.first.size() == 3);
      for (size_t i = 0; i < 3; ++i) {
        CHECK(from_candidates.first[i].first == full.first[i].first);
        CHECK(from_candidates.first[i].second == Approx(full.first[i].second));
      }
    }
  }
}

TEST_CASE("number words find digits, and numbers in the thousands their written-out form",
          "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  write_articles(config,
                 {article("digits", "সিলেটে ছিনতাই", "সিলেটে ৪ কিশোর ছিনতাইকারী গ্রেপ্তার।", "2024-01-02", "BBC"),
                  article("count", "করোনা পরিস্থিতি", "জেলায় আক্রান্ত বেড়ে ৫ হাজার ৮২০ জন।", "2024-01-03", "BBC"),
                  article("other", "ঢাকায় বৃষ্টি", "ঢাকায় আজ ৫ ঘণ্টা ভারী বৃষ্টি হয়েছে।", "2024-03-04", "BBC")},
                 true);
  CHECK(hit_ids(config, "চার কিশোর") == std::vector<std::string>{"digits"});
  CHECK(hit_ids(config, "চারজন") == std::vector<std::string>{"digits"});
  CHECK(search_for(config, "চারজন").hits.at(0).snippet.find("<mark>৪</mark>") != std::string::npos);
  // 5820 is ৫ হাজার ৮২০, not any article with a 5 in it.
  CHECK(hit_ids(config, "5820").front() == "count");
  CHECK(hit_ids(config, "৫৮২০").front() == "count");
  // ৫ হাজার, whatever follows it, is 5000; no other number's written-out form is there.
  CHECK(hit_ids(config, "5000") == std::vector<std::string>{"count"});
  CHECK(hit_ids(config, "5821").empty());
  CHECK(hit_ids(config, "8820").empty());
  Config off = config;
  off.ranking.number_weight = 0;
  CHECK(hit_ids(off, "চারজন").empty());
  CHECK(hit_ids(off, "5820").empty());
}

TEST_CASE("a compound query word finds the article that writes it as two words", "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  std::vector<Article> articles{
      article("split", "করোনা পরিস্থিতি", "দক্ষিণ-পশ্চিমাঞ্চলে করোনা রোগী বেড়েছে।", "2024-01-02", "BBC")};
  // The halves are common words of the archive; the compound is not.
  for (int i = 0; i < 12; ++i) {
    const std::string n = std::to_string(i);
    articles.push_back(article("south-" + n, "খবর " + n, "দক্ষিণ দিকে ঝড় " + n, "2024-01-03", "BBC"));
    articles.push_back(article("west-" + n, "খবর " + n, "পশ্চিমাঞ্চলে বৃষ্টি " + n, "2024-01-03", "BBC"));
  }
  write_articles(config, articles, true);
  CHECK(hit_ids(config, "দক্ষিণপশ্চিমাঞ্চলে") == std::vector<std::string>{"split"});
  CHECK(search_for(config, "দক্ষিণপশ্চিমাঞ্চলে").hits.at(0).snippet.find("<mark>") != std::string::npos);
  Config off = config;
  off.ranking.compound_weight = 0;
  CHECK(hit_ids(off, "দক্ষিণপশ্চিমাঞ্চলে").empty());
}

TEST_CASE("a missing database is unavailable, not a crash", "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("nope");
  CHECK(Searcher::open(config).status().code() == Code::kUnavailable);
}

TEST_CASE("a new database is built in shards, merged at finish, and readers follow", "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  config.index.threads = 2;
  auto writer = IndexWriter::open(config.db_path, config.index);
  REQUIRE(writer.is_ok());
  CHECK(writer.value()->shard_count() == 2);
  std::vector<Change> changes(40);
  for (size_t i = 0; i < changes.size(); ++i) {
    changes[i].article = article("id-" + std::to_string(i), "ঢাকায় বৃষ্টি " + std::to_string(i), "ঢাকায় আজ বৃষ্টি।", "2024-03-04", "BBC");
  }
  WriteCounts counts;
  REQUIRE(writer.value()->apply(changes, &counts).is_ok());
  REQUIRE(writer.value()->commit().is_ok());

  auto searcher = Searcher::open(config);  // opened on the two shards
  REQUIRE(searcher.is_ok());
  CHECK(searcher.value()->stats()->documents == 40);
  const auto revision_before = searcher.value()->stats()->revision;

  REQUIRE(writer.value()->finish().is_ok());
  CHECK(writer.value()->shard_count() == 1);
  CHECK(layout::read_stub(config.db_path).size() == 1);
  CHECK(writer.value()->document_count() == 40);

  // The same searcher sees the merged database on its next call.
  SearchRequest r;
  r.query = "ঢাকা";
  r.limit = 100;
  auto result = searcher.value()->search(r);
  REQUIRE(result.is_ok());
  CHECK(result->hits.size() == 40);
  CHECK(searcher.value()->document("id-7").is_ok());
  CHECK(searcher.value()->stats()->revision != revision_before);

  // Upserts after the merge go to the single shard and replace, not duplicate.
  std::vector<Change> again(1);
  again[0].article = changes[7].article;
  WriteCounts counts2;
  REQUIRE(writer.value()->apply(again, &counts2).is_ok());
  REQUIRE(writer.value()->commit().is_ok());
  CHECK(counts2.updated == 1);
  CHECK(searcher.value()->stats()->documents == 40);
}

TEST_CASE("shard routing is stable", "[core][search]") {
  // The routing is part of the on-disk format: an upsert must find an article's shard again.
  // Fixed values: a change to the hash would strand every article written before it.
  CHECK(layout::shard_of("inqilab-251994", 2) == 0);
  CHECK(layout::shard_of("inqilab-251994", 3) == 2);
  size_t counts[2] = {0, 0};
  for (int i = 0; i < 1000; ++i) ++counts[layout::shard_of("id-" + std::to_string(i), 2)];
  CHECK(counts[0] > 400);
  CHECK(counts[1] > 400);
}

TEST_CASE("an unreadable stub is an error, never a fresh database over the old shards", "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  write_articles(config, {article("a", "ঢাকা", "ঢাকা।", "2024-01-01", "BBC")}, true);
  const auto shards = layout::read_stub(config.db_path);
  REQUIRE(shards.size() == 1);
  for (const char* text : {"", "remote localhost:1234\n"}) {
    std::ofstream(config.db_path + "/XAPIANDB", std::ios::trunc) << text;
    auto writer = IndexWriter::open(config.db_path, config.index);
    CHECK(writer.status().code() == Code::kUnavailable);
    CHECK(std::filesystem::exists(config.db_path + "/" + shards[0]));
  }
}

TEST_CASE("shard directories a killed merge left behind are removed by the next writer", "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  write_articles(config, {article("a", "ঢাকা", "ঢাকা।", "2024-01-01", "BBC")}, true);
  const auto live = layout::read_stub(config.db_path);
  REQUIRE(live.size() == 1);
  // What a kill -9 during the final merge leaves: the merge's unfinished output and the shards it
  // was about to delete; and a half-written stub.
  for (const char* orphan : {"s1-0", "s1-1", "s9-0"}) {
    std::filesystem::create_directories(config.db_path + "/" + orphan);
    std::ofstream(config.db_path + "/" + orphan + "/glass.tmp") << std::string(4096, 'x');
  }
  std::filesystem::create_directories(config.db_path + "/keep-me");  // not a name the writer gives
  std::ofstream(config.db_path + "/XAPIANDB.tmp") << "auto s9-0\n";
  write_articles(config, {article("b", "ঢাকা", "ঢাকা।", "2024-01-02", "BBC")}, false);
  for (const char* orphan : {"s1-0", "s1-1", "s9-0", "XAPIANDB.tmp"}) {
    CHECK_FALSE(std::filesystem::exists(config.db_path + "/" + orphan));
  }
  CHECK(std::filesystem::exists(config.db_path + "/" + live[0]));
  CHECK(std::filesystem::exists(config.db_path + "/keep-me"));
  auto searcher = Searcher::open(config);
  REQUIRE(searcher.is_ok());
  CHECK(searcher.value()->stats()->documents == 2);
}

TEST_CASE("a stub naming a shard outside the database is refused, and nothing is written there",
          "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  write_articles(config, {article("a", "ঢাকা", "ঢাকা।", "2024-01-01", "BBC")}, true);
  for (const char* name : {"..", "../outside", "/tmp/elsewhere", ".", "a/b"}) {
    INFO(name);
    CHECK_FALSE(layout::is_shard_name(name));
    std::ofstream(config.db_path + "/XAPIANDB", std::ios::trunc) << "auto " << name << "\n";
    auto writer = IndexWriter::open(config.db_path, config.index);
    CHECK(writer.status().code() == Code::kUnavailable);
  }
  CHECK_FALSE(std::filesystem::exists(dir.str("outside")));
  CHECK(layout::is_shard_name("s2-0"));
  CHECK(layout::is_generated_shard_name("s12-3"));
  CHECK_FALSE(layout::is_generated_shard_name("2024"));
  CHECK_FALSE(layout::is_generated_shard_name("s-1"));
}

TEST_CASE("suggest completes the last word from the titles' words, most frequent first", "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  write_articles(config,
                 {article("a", "উত্তর কোরিয়ার সেনা", "লেখা।", "2024-01-01", "BBC"),
                  article("b", "দক্ষিণ কোরিয়ার নির্বাচন", "লেখা।", "2024-01-02", "BBC"),
                  article("c", "কোরিয়া সফরে প্রধানমন্ত্রী", "লেখা।", "2024-01-03", "BBC"),
                  article("d", "ঢাকায় বৃষ্টি এবং যানজট", "লেখা।", "2024-01-04", "BBC")},
                 true);
  auto searcher = Searcher::open(config);
  REQUIRE(searcher.is_ok());
  auto words = [&](const std::string& q, size_t limit = 8) {
    auto r = searcher.value()->suggest(q, limit);
    REQUIRE(r.is_ok());
    std::vector<std::string> out;
    for (const auto& c : r.value()) out.push_back(c.word + "=" + std::to_string(c.count) + ":" + c.text);
    return out;
  };
  // Words come back in their canonical form (NFC makes য় a letter and a nukta).
  const sondhan::analyzers::Analyzer analyzer;
  const std::string koriar = analyzer.normalize("কোরিয়ার"), koria = analyzer.normalize("কোরিয়া");
  CHECK(words("উত্তর কোরি") ==
        std::vector<std::string>{koriar + "=2:উত্তর " + koriar, koria + "=1:উত্তর " + koria});
  CHECK(words("কোরি", 1).size() == 1);
  const std::string dhakay = analyzer.normalize("ঢাকায়");
  CHECK(words("title:ঢাক") == std::vector<std::string>{dhakay + "=1:title:" + dhakay});
  CHECK(words("-\"ঢাক") == std::vector<std::string>{dhakay + "=1:-\"" + dhakay});
  CHECK(words("এব").empty());   // stop words are not suggested
  CHECK(words("কোরিয়া ").empty());  // nothing being typed
  CHECK(words("").empty());
  CHECK(words("zzz").empty());
  CHECK(searcher.value()->suggest("\xff", 8).status().code() == Code::kInvalidArgument);

  SECTION("an article's words go when it is deleted") {
    auto writer = IndexWriter::open(config.db_path, config.index);
    REQUIRE(writer.is_ok());
    std::vector<Change> del(1);
    del[0].article.id = "d";
    del[0].is_delete = true;
    WriteCounts counts;
    REQUIRE(writer.value()->apply(del, &counts).is_ok());
    REQUIRE(writer.value()->commit().is_ok());
    CHECK(words("ঢাক").empty());
  }
}

TEST_CASE("a document with a query has its title and whole body marked", "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  write_articles(config, {article("a", "উত্তর কোরিয়ার সেনা", "প্রথম লাইন।\nকোরিয়ার <b>সেনারা</b> এসেছে।", "2024-01-01", "BBC")}, true);
  auto searcher = Searcher::open(config);
  REQUIRE(searcher.is_ok());
  auto plain = searcher.value()->document("a");
  REQUIRE(plain.is_ok());
  CHECK_FALSE(plain->highlighted);
  CHECK(nlohmann::json::parse(plain->record)["title"] == "উত্তর কোরিয়ার সেনা");
  auto marked = searcher.value()->document("a", "কোরিয়া সেনা");
  REQUIRE(marked.is_ok());
  CHECK(marked->title_html == "উত্তর <mark>কোরিয়ার</mark> <mark>সেনা</mark>");
  CHECK(marked->body_html ==
        "প্রথম লাইন।\n<mark>কোরিয়ার</mark> &lt;b&gt;<mark>সেনারা</mark>&lt;/b&gt; এসেছে।");
  CHECK(searcher.value()->document("a", "(((").status().code() == Code::kInvalidArgument);
  CHECK(searcher.value()->document("zz", "কোরিয়া").status().code() == Code::kNotFound);
}

TEST_CASE("a database records how it was built, and one built with other terms is refused", "[core][manifest]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  write_articles(config, {article("a", "ঢাকা", "ঢাকা।", "2024-01-01", "BBC")}, true);
  auto searcher = Searcher::open(config);
  REQUIRE(searcher.is_ok());
  const auto stored = Manifest::from_json(searcher.value()->stats()->manifest);
  REQUIRE(stored.is_ok());
  CHECK(stored->format_version == kIndexFormatVersion);
  CHECK(stored->analyzer_version == sondhan::analyzers::kAnalyzerVersion);
  CHECK(stored->title_weight == config.index.title_weight);

  SECTION("other query terms: a reader and a writer refuse it, saying what differs and how to rebuild") {
    Config other = config;
    other.index.prefix_letters = 3;
    const auto refused = Searcher::open(other);
    REQUIRE(refused.status().code() == Code::kIncompatible);
    CHECK_THAT(refused.status().message(), Catch::Contains("index.prefix_letters is 0 in the database, 3 here"));
    CHECK_THAT(refused.status().message(), Catch::Contains("sondhan-index --rebuild"));
    CHECK(IndexWriter::open(config.db_path, other).status().code() == Code::kIncompatible);
  }
  SECTION("positions kept elsewhere: a reader and a writer configured so refuse it") {
    CHECK(stored->positions == "compact");  // index.positions = "auto" builds a new database so
    Config other = config;
    other.index.positions = "table";
    const auto refused = Searcher::open(other);
    REQUIRE(refused.status().code() == Code::kIncompatible);
    CHECK_THAT(refused.status().message(), Catch::Contains("index.positions is compact in the database, table here"));
    CHECK(IndexWriter::open(config.db_path, other).status().code() == Code::kIncompatible);
    // Format 7 wrote no positions entry: its positions are in the table.
    nlohmann::json format7 = nlohmann::json::parse(stored->to_json());
    format7.erase("positions");
    format7["format_version"] = 7;
    CHECK(Manifest::from_json(format7.dump())->positions == "table");
  }
  SECTION("another title weight: readers search it, writers may not extend it") {
    Config other = config;
    other.index.title_weight = 5;
    CHECK(Searcher::open(other).is_ok());
    const auto refused = IndexWriter::open(config.db_path, other);
    REQUIRE(refused.status().code() == Code::kIncompatible);
    CHECK_THAT(refused.status().message(), Catch::Contains("index.title_weight"));
  }
  SECTION("a database with articles and no manifest is refused") {
    {
      const auto shards = layout::read_stub(config.db_path);
      Xapian::WritableDatabase shard(config.db_path + "/" + shards.at(0), Xapian::DB_OPEN);
      shard.set_metadata("sondhan.manifest", "");
      shard.commit();
    }
    CHECK(Searcher::open(config).status().code() == Code::kIncompatible);
    CHECK(IndexWriter::open(config.db_path, config).status().code() == Code::kIncompatible);
  }
  SECTION("an older format is read and extended while it is compatible, then marked as this one") {
    const auto shards = layout::read_stub(config.db_path);
    const std::string shard_path = config.db_path + "/" + shards.at(0);
    auto stamp = [&](int version) {
      Manifest old = stored.value();
      old.format_version = version;
      Xapian::WritableDatabase shard(shard_path, Xapian::DB_OPEN);
      shard.set_metadata("sondhan.manifest", old.to_json());
      shard.commit();
    };
    stamp(kOldestCompatibleFormat - 1);
    CHECK(Searcher::open(config).status().code() == Code::kIncompatible);
    CHECK(IndexWriter::open(config.db_path, config).status().code() == Code::kIncompatible);
    stamp(kOldestCompatibleFormat);
    CHECK(Searcher::open(config).is_ok());
    REQUIRE(IndexWriter::open(config.db_path, config).is_ok());
    const auto now = Manifest::from_json(Xapian::Database(shard_path).get_metadata("sondhan.manifest"));
    REQUIRE(now.is_ok());
    CHECK(now->format_version == kIndexFormatVersion);
  }
}

TEST_CASE("a new database's shards have their manifest committed before the stub lists them", "[core][manifest]") {
  // A reader takes the manifest from the first shard; a run killed after one lane's first
  // commit and before the first lane's must not leave articles under a shard without one.
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  config.index.threads = 2;
  WriterOptions options;
  options.bulk = true;
  auto writer = IndexWriter::open(config.db_path, config, options);
  REQUIRE(writer.is_ok());
  const auto shards = layout::read_stub(config.db_path);
  REQUIRE(shards.size() == 2);
  for (const std::string& name : shards) {
    INFO(name);
    CHECK(Manifest::from_json(Xapian::Database(config.db_path + "/" + name).get_metadata(kManifestKey)).is_ok());
  }
}

TEST_CASE("index.positions = \"auto\" reads and extends a database as it was built, and follows a rebuild",
          "[core][manifest][phrase]") {
  sondhan::testing::TempDir dir;
  Config table;
  table.db_path = dir.str("db");
  table.index.positions = "table";
  write_articles(table, {article("old", "খবর", "উত্তর কোরিয়ার সেনা।", "2024-01-01", "BBC")}, true);
  Config automatic = table;
  automatic.index.positions = "auto";
  auto searcher = Searcher::open(automatic);
  REQUIRE(searcher.is_ok());
  auto phrase_hits = [&]() {
    SearchRequest r;
    r.query = "\"উত্তর কোরিয়া\"";
    r.collapse = false;
    auto result = searcher.value()->search(r);
    REQUIRE(result.is_ok());
    std::vector<std::string> ids;
    for (const Hit& hit : result->hits) ids.push_back(hit.id);
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  using Ids = std::vector<std::string>;
  CHECK(phrase_hits() == Ids{"old"});
  // A writer on "auto" adds to the table, as it was built.
  write_articles(automatic, {article("added", "খবর", "উত্তর কোরিয়া।", "2024-01-02", "BBC")}, false);
  CHECK(phrase_hits() == Ids{"added", "old"});
  auto positions = [&]() { return Manifest::from_json(searcher.value()->stats()->manifest)->positions; };
  CHECK(positions() == "table");
  // A rebuild on "auto" is a new database: compact. The open searcher follows it.
  WriterOptions rebuild;
  rebuild.rebuild = true;
  write_articles(automatic,
                 {article("old", "খবর", "উত্তর কোরিয়ার সেনা।", "2024-01-01", "BBC"),
                  article("added", "খবর", "উত্তর কোরিয়া।", "2024-01-02", "BBC"),
                  article("apart", "খবর", "কোরিয়ার উত্তর।", "2024-01-03", "BBC")},
                 /*merge=*/true, rebuild);
  CHECK(phrase_hits() == Ids{"added", "old"});
  CHECK(positions() == "compact");
  // A reader configured for the table says why it cannot search the rebuilt one.
  CHECK(Searcher::open(table).status().code() == Code::kIncompatible);
}

TEST_CASE("a rebuild replaces the database in one step, and an unfinished one changes nothing", "[core][manifest]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  write_articles(config, {article("old-1", "পুরোনো ঢাকা", "ঢাকা।", "2024-01-01", "BBC"),
                          article("old-2", "পুরোনো চট্টগ্রাম", "চট্টগ্রাম।", "2024-01-02", "BBC")}, true);
  auto searcher = Searcher::open(config);
  REQUIRE(searcher.is_ok());
  const auto old_shards = layout::read_stub(config.db_path);

  // Built with another prefix_letters, which only a rebuild may do.
  Config rebuilt = config;
  rebuilt.index.prefix_letters = 3;
  std::vector<Change> changes(1);
  changes[0].article = article("new-1", "নতুন খবর", "নতুন।", "2024-02-01", "BBC");
  WriterOptions rebuild;
  rebuild.rebuild = true;
  {
    auto writer = IndexWriter::open(config.db_path, rebuilt, rebuild);
    REQUIRE(writer.is_ok());
    WriteCounts counts;
    REQUIRE(writer.value()->apply(changes, &counts).is_ok());
    REQUIRE(writer.value()->commit().is_ok());
    // Committed, not finished: readers still search the old database.
    CHECK(searcher.value()->stats()->documents == 2);
    CHECK(searcher.value()->document("old-1").is_ok());
  }  // interrupted: never finished
  CHECK(layout::read_stub(config.db_path) == old_shards);
  CHECK(searcher.value()->stats()->documents == 2);

  {
    auto writer = IndexWriter::open(config.db_path, rebuilt, rebuild);
    REQUIRE(writer.is_ok());
    WriteCounts counts;
    REQUIRE(writer.value()->apply(changes, &counts).is_ok());
    REQUIRE(writer.value()->finish().is_ok());
  }
  // The open searcher still runs with the old configuration: the rebuilt database is not for it.
  CHECK(searcher.value()->stats().status().code() == Code::kIncompatible);
  rebuilt.db_path = config.db_path;
  auto fresh = Searcher::open(rebuilt);
  REQUIRE(fresh.is_ok());
  CHECK(fresh.value()->stats()->documents == 1);
  CHECK(fresh.value()->document("new-1").is_ok());
  CHECK(fresh.value()->document("old-1").status().code() == Code::kNotFound);
  for (const std::string& shard : old_shards) CHECK_FALSE(std::filesystem::exists(config.db_path + "/" + shard));
  size_t directories = 0;
  for (const auto& entry : std::filesystem::directory_iterator(config.db_path)) directories += entry.is_directory();
  CHECK(directories == 1);  // the unfinished rebuild's shards are gone too
}

TEST_CASE("exact values with control characters are indexed without them, and never fail a commit", "[core][search]") {
  // Xapian stores a zero byte of a term as two: 130 NUL bytes in an author once made a key over
  // its limit, and the commit of the whole batch failed, good articles and all.
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  Article bad = article("nul", "ঢাকা", "ঢাকা।", "2024-01-01", "BBC");
  bad.values_of("author") = {"রহিম" + std::string(130, '\0')};
  bad.values_of("tags") = {std::string(125, '\0'), "a\x1f" "b"};
  write_articles(config, {article("good", "ঢাকা", "ঢাকা।", "2024-01-01", "BBC"), bad}, false);
  auto searcher = Searcher::open(config);
  REQUIRE(searcher.is_ok());
  CHECK(searcher.value()->stats()->documents == 2);
  SearchRequest r;
  r.filters["author"] = {"রহিম"};
  r.facets = {"tag"};
  auto found = searcher.value()->search(r);
  REQUIRE(found.is_ok());
  REQUIRE(found->hits.size() == 2);  // both articles have the author রহিম (the good one's is plain)
  std::vector<std::string> tags;
  for (const FacetCount& c : found->facets["tag"]) tags.push_back(c.value);
  CHECK(std::find(tags.begin(), tags.end(), "ab") != tags.end());  // U+001F did not split it
}

namespace {

// How many documents hold `id`, over every shard of the database.
size_t copies_of(const std::string& db, const std::string& id) {
  Xapian::Database all(db + "/XAPIANDB");
  return all.get_termfreq(id_term(id));
}

// `n` articles with ids id-<first>.., each with a record of ~8 kB.
std::vector<Change> long_articles(size_t first, size_t n) {
  std::string body;
  for (int i = 0; i < 100; ++i) body += "ঢাকায় আজ ভারী বৃষ্টি হয়েছে। ";
  std::vector<Change> changes(n);
  for (size_t i = 0; i < n; ++i) {
    const std::string id = "id-" + std::to_string(first + i);
    changes[i].article = article(id, "বৃষ্টি " + id, body, "2024-03-04", "BBC");
  }
  return changes;
}

}  // namespace

TEST_CASE("a bulk build writes segments of index.segment_articles and merges them at finish",
          "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  config.index.threads = 2;
  config.index.segment_articles = 10;
  config.index.memory_mb = 1;  // and a commit every ~25 articles
  WriterOptions bulk;
  bulk.bulk = true;
  auto writer = IndexWriter::open(config.db_path, config, bulk);
  REQUIRE(writer.is_ok());
  std::vector<Change> changes = long_articles(0, 200);
  WriteCounts counts;
  REQUIRE(writer.value()->apply(changes, &counts).is_ok());
  CHECK(counts.added == 200);
  const size_t segments = writer.value()->shard_count();
  CHECK(segments >= 20);
  // Every full segment is committed and listed: a reader sees them while the build goes on.
  CHECK(layout::read_stub(config.db_path).size() == segments);
  auto searcher = Searcher::open(config);
  REQUIRE(searcher.is_ok());
  CHECK(searcher.value()->stats()->documents > 100);

  // Articles that come again replace their earlier version, wherever its segment.
  std::vector<Change> again = long_articles(0, 10);
  again.resize(12);
  again[10].article.id = "id-20";
  again[10].is_delete = true;
  again[11].article.id = "id-none";
  again[11].is_delete = true;
  WriteCounts counts2;
  REQUIRE(writer.value()->apply(again, &counts2).is_ok());
  CHECK(counts2.updated == 10);
  CHECK(counts2.added == 0);
  CHECK(counts2.deleted == 1);
  CHECK(counts2.not_found == 1);
  REQUIRE(writer.value()->commit().is_ok());
  CHECK(writer.value()->document_count() == 199);
  CHECK(copies_of(config.db_path, "id-3") == 1);
  CHECK(copies_of(config.db_path, "id-20") == 0);

  REQUIRE(writer.value()->finish().is_ok());
  CHECK(writer.value()->shard_count() == 1);
  CHECK(layout::read_stub(config.db_path).size() == 1);
  CHECK(writer.value()->document_count() == 199);
  CHECK(searcher.value()->stats()->documents == 199);
  CHECK(searcher.value()->document("id-199").is_ok());
}

// The B-tree block size of each table of every shard in `db`, in KiB, as xapian-check reports it.
std::vector<int> block_sizes_kib(const std::string& db) {
  std::vector<int> sizes;
  for (const auto& entry : std::filesystem::directory_iterator(db)) {
    if (!std::filesystem::exists(entry.path() / "iamglass")) continue;
    const std::string command = "xapian-check '" + entry.path().string() + "' 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    char buffer[4096];
    while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    INFO(command << ": " << out);
    REQUIRE(pclose(pipe) == 0);  // xapian-tools is a test dependency (scripts/install-deps.sh)
    for (size_t at = out.find("blocksize="); at != std::string::npos; at = out.find("blocksize=", at + 1)) {
      sizes.push_back(std::atoi(out.c_str() + at + 10));
    }
  }
  return sizes;
}

TEST_CASE("a writer creates segments, merged shards and update shards in 16 KiB blocks", "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  config.index.threads = 2;
  config.index.segment_articles = 10;
  const auto all_16k = [&](const char* when) {
    const std::vector<int> sizes = block_sizes_kib(config.db_path);
    INFO(when);
    CHECK(sizes.size() >= 2);  // termlist and postlist at least (records and positions are values)
    CHECK(std::all_of(sizes.begin(), sizes.end(), [](int kib) { return kib == 16; }));
  };
  {
    WriterOptions bulk;
    bulk.bulk = true;
    auto writer = IndexWriter::open(config.db_path, config, bulk);
    REQUIRE(writer.is_ok());
    std::vector<Change> changes = long_articles(0, 60);
    WriteCounts counts;
    REQUIRE(writer.value()->apply(changes, &counts).is_ok());
    REQUIRE(writer.value()->commit().is_ok());
    CHECK(writer.value()->shard_count() >= 4);
    all_16k("the segments of a bulk build");
    REQUIRE(writer.value()->finish().is_ok());
    CHECK(writer.value()->shard_count() == 1);
    all_16k("the merged database");
  }
  auto writer = IndexWriter::open(config.db_path, config, WriterOptions{});
  REQUIRE(writer.is_ok());
  std::vector<Change> more = long_articles(60, 20);
  WriteCounts counts;
  REQUIRE(writer.value()->apply(more, &counts).is_ok());
  REQUIRE(writer.value()->commit().is_ok());
  CHECK(writer.value()->shard_count() >= 2);
  all_16k("a shard of updates beside the merged one");
  CHECK(writer.value()->document_count() == 80);
}

TEST_CASE("a writer on segments a bulk build left keeps each id in one shard", "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  config.index.threads = 2;
  config.index.segment_articles = 20;
  {
    WriterOptions bulk;
    bulk.bulk = true;
    auto writer = IndexWriter::open(config.db_path, config, bulk);
    REQUIRE(writer.is_ok());
    std::vector<Change> changes = long_articles(0, 120);
    WriteCounts counts;
    REQUIRE(writer.value()->apply(changes, &counts).is_ok());
    REQUIRE(writer.value()->commit().is_ok());  // interrupted: no finish()
  }
  REQUIRE(layout::read_stub(config.db_path).size() > 2);
  // The next writer (a server, or the indexer run again) does not route by segment.
  auto writer = IndexWriter::open(config.db_path, config.index);
  REQUIRE(writer.is_ok());
  std::vector<Change> again = long_articles(0, 120);
  WriteCounts counts;
  REQUIRE(writer.value()->apply(again, &counts).is_ok());
  REQUIRE(writer.value()->commit().is_ok());
  CHECK(counts.updated == 120);
  CHECK(counts.added == 0);
  CHECK(writer.value()->document_count() == 120);
  for (const char* id : {"id-0", "id-57", "id-119"}) CHECK(copies_of(config.db_path, id) == 1);
}

// The articles in one shard of a database.
size_t shard_documents(const std::string& db, const std::string& shard) {
  return Xapian::Database(db + "/" + shard).get_doccount();
}

TEST_CASE("updates of a large database go into small shards of their own, merged by tiers", "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  config.index.threads = 2;
  config.index.segment_articles = 4;  // a shard that takes updates is full at 4
  {
    WriterOptions bulk;
    bulk.bulk = true;
    auto writer = IndexWriter::open(config.db_path, config, bulk);
    REQUIRE(writer.is_ok());
    std::vector<Change> changes = long_articles(0, 40);
    WriteCounts counts;
    REQUIRE(writer.value()->apply(changes, &counts).is_ok());
    REQUIRE(writer.value()->finish().is_ok());
  }
  const auto built = layout::read_stub(config.db_path);
  REQUIRE(built.size() == 1);

  // A new article, a changed one and a deleted one: the large shard takes only the deletions.
  std::vector<Change> update = long_articles(3, 1);
  update[0].article.values_of("title") = {"নতুন শিরোনাম"};
  update.push_back(long_articles(100, 1)[0]);
  update.emplace_back();
  update.back().article.id = "id-7";
  update.back().is_delete = true;
  {
    auto writer = IndexWriter::open(config.db_path, config);
    REQUIRE(writer.is_ok());
    WriteCounts counts;
    REQUIRE(writer.value()->apply(update, &counts).is_ok());
    REQUIRE(writer.value()->finish().is_ok());
    CHECK(counts.added == 1);
    CHECK(counts.updated == 1);
    CHECK(counts.deleted == 1);
    CHECK(writer.value()->shard_count() == 2);
  }
  const auto updated = layout::read_stub(config.db_path);
  REQUIRE(updated.size() == 2);
  CHECK(updated[0] == built[0]);
  CHECK(shard_documents(config.db_path, updated[0]) == 38);
  CHECK(shard_documents(config.db_path, updated[1]) == 2);
  CHECK(copies_of(config.db_path, "id-3") == 1);
  CHECK(copies_of(config.db_path, "id-7") == 0);

  // Many small runs. Each full shard is merged with others of its tier, so the count stays
  // small, and every article stays findable, once.
  auto searcher = Searcher::open(config);
  REQUIRE(searcher.is_ok());
  size_t most = 0;
  for (size_t run = 0; run < 30; ++run) {
    std::vector<Change> changes = long_articles(200 + 3 * run, 3);
    if (run % 5 == 4) changes.push_back(long_articles(run, 1)[0]);  // and a rewrite of an old one
    auto writer = IndexWriter::open(config.db_path, config);
    REQUIRE(writer.is_ok());
    WriteCounts counts;
    REQUIRE(writer.value()->apply(changes, &counts).is_ok());
    REQUIRE(writer.value()->finish().is_ok());
    CHECK(counts.added == 3);
    most = std::max(most, layout::read_stub(config.db_path).size());
    CHECK(searcher.value()->stats()->documents == 40 + 3 * (run + 1));
  }
  CHECK(most <= 1 + 2 * (kShardsPerTier - 1) + 1);  // the large shard, two tiers, the open one
  CHECK(layout::read_stub(config.db_path).size() < 30 / 2);
  for (size_t i = 0; i < 90; ++i) CHECK(copies_of(config.db_path, "id-" + std::to_string(200 + i)) == 1);
  for (size_t i = 0; i < 40; ++i) CHECK(copies_of(config.db_path, "id-" + std::to_string(i)) == (i == 7 ? 0 : 1));
  SearchRequest r;
  r.query = "বৃষ্টি";
  r.limit = 1;
  // Collapsed through Xapian, then (once the story columns are read) by the columns, whose
  // total counts the stories of every match when the first match kept only some of them.
  CHECK(searcher.value()->search(r)->total == 130);
  FacetColumns::shared().wait();
  CHECK(searcher.value()->search(r)->total == 130);
  // Date-sorted pages and browsing count every shard's articles.
  r.sort = SortOrder::kDateDescending;
  auto sorted = searcher.value()->search(r);
  REQUIRE(sorted.is_ok());
  CHECK(sorted->total == 130);
  CHECK(sorted->total_is_exact);
  r.query.clear();
  auto browse = searcher.value()->search(r);
  REQUIRE(browse.is_ok());
  CHECK(browse->total == 130);
  CHECK(browse->hits.size() == 1);
}

TEST_CASE("a word every article of a shard has is counted when the shard has gaps in its docids",
          "[core][search]") {
  // Xapian 1.4 walks such a word as the shard's document-length list when the weight needs no
  // wdf (searcher.cc's CountingWeight), and failed once that list spans chunks and has gaps.
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  std::vector<Article> articles;
  for (int i = 0; i < 3000; ++i) {
    articles.push_back(article("a" + std::to_string(i), "খবর " + std::to_string(i % 13),
                               "ঢাকায় আজ বৃষ্টি হয়েছে, জেলা " + std::to_string(i), "2024-0" + std::to_string(1 + i % 9) + "-01",
                               i % 2 == 0 ? "BBC" : "ইনকিলাব"));
  }
  write_articles(config, articles, /*merge=*/true);
  {
    auto writer = IndexWriter::open(config.db_path, config.index);
    REQUIRE(writer.is_ok());
    std::vector<Change> gone(30);
    for (size_t i = 0; i < gone.size(); ++i) {
      gone[i].article.id = "a" + std::to_string(7 + 97 * i);
      gone[i].is_delete = true;
    }
    WriteCounts counts;
    REQUIRE(writer.value()->apply(gone, &counts).is_ok());
    REQUIRE(writer.value()->commit().is_ok());
    CHECK(counts.deleted == 30);
  }
  auto searcher = Searcher::open(config);
  REQUIRE(searcher.is_ok());
  SearchRequest r;
  r.query = "বৃষ্টি";
  r.facets = {"source"};
  for (int collapsed_by_columns = 0; collapsed_by_columns < 2; ++collapsed_by_columns) {
    auto ranked = searcher.value()->search(r);
    REQUIRE(ranked.is_ok());
    CHECK(ranked->total == 2970);
    CHECK(ranked->facets["source"].size() == 2);
    FacetColumns::shared().wait();
  }
  r.sort = SortOrder::kDateDescending;
  auto sorted = searcher.value()->search(r);
  REQUIRE(sorted.is_ok());
  CHECK(sorted->total == 2970);
  CHECK(sorted->total_is_exact);
}

TEST_CASE("merge tiers: a shard's tier, and which shards merge next", "[core][search]") {
  CHECK(tier_of(0, 5000) == 0);
  CHECK(tier_of(4999, 5000) == 0);
  CHECK(tier_of(5000, 5000) == 1);
  CHECK(tier_of(49999, 5000) == 1);
  CHECK(tier_of(50000, 5000) == 2);
  CHECK(tier_of(1000000, 5000) == 3);
  CHECK(next_merge({1000000, 5000, 6000, 7000}, 5000).empty());
  CHECK(next_merge({1000000, 5000, 6000, 7000, 5000}, 5000) == std::vector<size_t>{1, 2, 3, 4});
  // The lowest full tier first; a tier's members need not be next to each other.
  CHECK(next_merge({20, 60000, 5000, 70000, 6000, 80000, 5000, 90000, 5000}, 5000) ==
        std::vector<size_t>{2, 4, 6, 8});
  CHECK(next_merge({60000, 70000, 80000, 90000}, 5000) == std::vector<size_t>{0, 1, 2, 3});
}

TEST_CASE("date-sorted pages read from the newest months are the pages of the whole archive",
          "[core][search]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  // With 10, the article written after the build goes into a shard of its own: the window and
  // the total (counted shard by shard) then span two shards.
  config.index.segment_articles = GENERATE(5000, 10);
  std::vector<Article> articles;
  const char* kWords[] = {"ঢাকায় আজ ভারী বৃষ্টি হয়েছে।", "নির্বাচন কমিশন তফসিল ঘোষণা করেছে।"};
  for (int m = 0; m < 14; ++m) {
    const int year = 2023 + m / 12, month = m % 12 + 1;
    for (int k = 0; k < 6; ++k) {
      char date[32];
      std::snprintf(date, sizeof date, "%04d-%02d-%02dT%02d:00:00Z", year, month, 1 + k * 5, k * 3);
      const std::string id = "m" + std::to_string(m) + "-" + std::to_string(k);
      articles.push_back(article(id, "খবর " + id, kWords[(m + k) % 2], date, k % 2 ? "BBC" : "প্রথম আলো"));
    }
  }
  // Across a month's edge by time zone: the March article is the older instant.
  articles.push_back(article("edge-feb", "খবর", kWords[0], "2024-02-29T22:00:00Z", "BBC"));
  articles.push_back(article("edge-mar", "খবর", kWords[0], "2024-03-01T01:00:00+06:00", "BBC"));
  write_articles(config, articles, /*merge=*/true);
  Article undated = article("undated", "খবর", kWords[1], "2024-01-01", "BBC");
  undated.date.reset();

  auto searcher = Searcher::open(config);
  REQUIRE(searcher.is_ok());
  auto ids = [](const SearchResult& r) {
    std::vector<std::string> out;
    for (const Hit& h : r.hits) out.push_back(h.id);
    return out;
  };
  auto check_pages = [&]() {
    for (const char* query : {"", "বৃষ্টি", "-বৃষ্টি"}) {
      for (const bool filtered : {false, true}) {
        for (const SortOrder sort : {SortOrder::kDateDescending, SortOrder::kDateAscending}) {
          SearchRequest request;
          request.query = query;
          request.sort = sort;
          if (filtered) request.filters["source"] = {"BBC"};
          request.limit = 1000;  // the whole archive: sorted as a whole
          auto all = searcher.value()->search(request);
          REQUIRE(all.is_ok());
          const std::vector<std::string> truth = ids(all.value());
          for (const auto& [offset, limit] : std::vector<std::pair<size_t, size_t>>{{0, 1}, {0, 5}, {3, 4}, {20, 10}, {40, 7}}) {
            INFO("q='" << query << "' filtered " << filtered << " ascending " << (sort == SortOrder::kDateAscending)
                       << " offset " << offset << " limit " << limit);
            request.offset = offset;
            request.limit = limit;
            auto page = searcher.value()->search(request);
            REQUIRE(page.is_ok());
            const size_t end = std::min(truth.size(), offset + limit);
            const std::vector<std::string> expected(truth.begin() + static_cast<long>(std::min(offset, end)),
                                                    truth.begin() + static_cast<long>(end));
            CHECK(ids(page.value()) == expected);
            CHECK(page.value().total == all.value().total);
            CHECK(page.value().total_is_exact);
          }
        }
      }
    }
  };
  check_pages();
  SearchRequest newest;
  newest.limit = 1;
  newest.sort = SortOrder::kDateDescending;
  CHECK(ids(searcher.value()->search(newest).value()) == std::vector<std::string>{"edge-feb"});

  // An article without a date sorts last newest-first and first oldest-first.
  write_articles(config, {undated}, /*merge=*/false);
  CHECK(layout::read_stub(config.db_path).size() == (config.index.segment_articles == 10 ? 2 : 1));
  check_pages();
  newest.sort = SortOrder::kDateAscending;
  CHECK(ids(searcher.value()->search(newest).value()) == std::vector<std::string>{"undated"});

  // A month the searcher has not seen (it keeps the months between commits): the newest page
  // of the same searcher starts with it after the commit.
  write_articles(config, {article("later", "খবর", kWords[0], "2026-01-05T10:00:00Z", "BBC")}, /*merge=*/false);
  newest.sort = SortOrder::kDateDescending;
  CHECK(ids(searcher.value()->search(newest).value()) == std::vector<std::string>{"later"});
  check_pages();
}

TEST_CASE("phrases keep their words in order, next to each other, within one field", "[core][search][phrase]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  config.ranking.news_synonyms = false;
  // 2: several shards from the build, and updates in a shard of their own.
  config.index.segment_articles = GENERATE(5000, 2);
  config.index.positions = GENERATE("table", "compact");
  std::vector<Article> articles = {
      article("title", "উত্তর কোরিয়ার সেনা", "ঢাকায় বৃষ্টি।", "2024-01-01", "BBC"),
      article("body", "খবর", "সীমান্তে উত্তর কোরিয়ার সেনারা।", "2024-01-02", "BBC"),
      article("apart", "খবর", "দক্ষিণ কোরিয়া এবং উত্তর আমেরিকা।", "2024-01-03", "BBC"),
      article("across", "সীমান্তে উত্তর", "কোরিয়ার সেনারা।", "2024-01-04", "BBC"),
      article("between", "খবর", "উত্তর ও কোরিয়া।", "2024-01-05", "BBC"),
  };
  write_articles(config, articles, /*merge=*/true);
  auto ids = [&](const std::string& query) {
    std::vector<std::string> out = hit_ids(config, query);
    std::sort(out.begin(), out.end());
    return out;
  };
  using Ids = std::vector<std::string>;
  // Inflected forms match as their stems do; the order and the adjacency matter; a title that
  // ends with one word and a body that starts with the next make no phrase.
  CHECK(ids("\"উত্তর কোরিয়া\"") == Ids{"body", "title"});
  CHECK(ids("\"কোরিয়ার উত্তর\"").empty());
  CHECK(ids("title:\"উত্তর কোরিয়া\"") == Ids{"title"});
  CHECK(ids("\"উত্তর কোরিয়ার সেনারা\"") == Ids{"body", "title"});
  // A stop word inside a phrase keeps its place: it may be any word, or none.
  CHECK(ids("\"উত্তর ও কোরিয়া\"") == Ids{"between", "body", "title"});
  CHECK(ids("ঢাকা সীমান্ত -\"উত্তর কোরিয়া\"") == Ids{"across"});
  // A word split by the analyzer is a phrase of its parts.
  CHECK(ids("উত্তর-কোরিয়া") == Ids{"body", "title"});

  // Replaced and new articles are found by their new text only.
  write_articles(config,
                 {article("body", "খবর", "দক্ষিণ কোরিয়ার সেনারা।", "2024-01-02", "BBC"),
                  article("new", "খবর", "উত্তর কোরিয়ার নেতা।", "2024-01-06", "BBC")},
                 /*merge=*/false);
  CHECK(ids("\"উত্তর কোরিয়া\"") == Ids{"new", "title"});
  CHECK(ids("\"দক্ষিণ কোরিয়া\"") == Ids{"apart", "body"});
}

TEST_CASE("phrases checked only on the documents a ranked match keeps give every page exactly",
          "[core][search][phrase]") {
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  config.ranking.news_synonyms = false;
  config.index.positions = GENERATE("table", "compact");
  // Past 3 matches the matcher keeps only documents that outweigh its page: most candidates of
  // the phrases below are then never checked (DeferredPositions).
  config.search.count_at_least = 3;
  config.ranking.candidates = GENERATE(50, 0);  // the page from 50 candidates, or every match weighed
  // 600 articles: the phrase, the words reversed, apart, one word only; each with a different
  // number of other words (so that weights differ), some with সেনা, some with ঢাকা.
  std::vector<Article> articles;
  std::set<std::string> phrase, sena, dhaka;
  for (int i = 0; i < 600; ++i) {
    static const char* const kKinds[] = {"উত্তর কোরিয়া", "কোরিয়া উত্তর বৃষ্টি", "উত্তর বৃষ্টি কোরিয়া", "উত্তর বৃষ্টি"};
    const int kind = i % 4;
    std::string body;
    for (int r = 0; r <= i % 5; ++r) body += std::string(kKinds[kind]) + " মেঘ ";
    for (int r = 0; r < i % 7; ++r) body += "আকাশ ";
    if (i % 3 == 0) body += "সেনা ";
    if (kind != 0 || i % 2 == 0) body += "ঢাকা ";
    const std::string id = "a" + std::to_string(i);
    char date[16];
    std::snprintf(date, sizeof date, "2024-%02d-%02d", 1 + i % 12, 1 + i % 28);
    articles.push_back(article(id, "খবর " + std::to_string(i), body + "।", date, "BBC"));
    if (kind == 0) phrase.insert(id);
    if (i % 3 == 0) sena.insert(id);
    if (kind != 0 || i % 2 == 0) dhaka.insert(id);
  }
  write_articles(config, articles, /*merge=*/true);
  auto searcher = Searcher::open(config);
  REQUIRE(searcher.is_ok());
  // Every hit of every page, ten at a time: each matching article once, and no other.
  auto every_page = [&](const std::string& query, SortOrder sort) {
    std::vector<std::string> ids;
    for (size_t offset = 0;; offset += 10) {
      SearchRequest r;
      r.query = query;
      r.sort = sort;
      r.offset = offset;
      r.collapse = false;
      r.highlight = false;
      auto result = searcher.value()->search(r);
      REQUIRE(result.is_ok());
      for (const Hit& hit : result->hits) ids.push_back(hit.id);
      if (result->hits.size() < 10) break;
    }
    std::vector<std::string> sorted = ids;
    std::sort(sorted.begin(), sorted.end());
    CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
    return std::set<std::string>(ids.begin(), ids.end());
  };
  auto minus = [](const std::set<std::string>& a, const std::set<std::string>& b) {
    std::set<std::string> out;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
    return out;
  };
  std::set<std::string> phrase_or_sena = phrase;
  phrase_or_sena.insert(sena.begin(), sena.end());
  for (const SortOrder sort : {SortOrder::kRelevance, SortOrder::kDateDescending}) {
    INFO("sort " << static_cast<int>(sort));
    CHECK(every_page("\"উত্তর কোরিয়া\"", sort) == phrase);
    CHECK(every_page("\"উত্তর কোরিয়া\" সেনা", sort) == phrase);
    CHECK(every_page("উত্তর-কোরিয়া", sort) == phrase);
    CHECK(every_page("সেনা -\"উত্তর কোরিয়া\"", sort) == minus(sena, phrase));
    CHECK(every_page("ঢাকা -উত্তর-কোরিয়া", sort) == minus(dhaka, phrase));
    CHECK(every_page("\"উত্তর কোরিয়া\" OR সেনা", sort) == phrase_or_sena);
    CHECK(every_page("\"কোরিয়া উত্তর\" -\"উত্তর কোরিয়া\"", sort).size() == 150);
  }
}

TEST_CASE("an excluded phrase checked late never drops an article that lacks one of its words",
          "[core][search][phrase]") {
  // Positions are kept as hashes distinct among an article's own words (word_positions.h): a
  // word the article lacks may share the hash of one it has. 400 articles "উত্তর <word> সেনা":
  // at about 1 in 128, <word> hashes as কোরিয়া does in its article.
  sondhan::testing::TempDir dir;
  Config config;
  config.db_path = dir.str("db");
  config.index.positions = "compact";
  config.search.count_at_least = 3;
  static const char* const kLetters[] = {"ক", "খ", "গ", "ঘ", "চ", "ছ", "জ", "ঝ", "ট", "ঠ",
                                         "ড", "ঢ", "ত", "থ", "দ", "ধ", "ন", "প", "ফ", "ব"};
  std::vector<Article> articles;
  std::set<std::string> all;
  for (int i = 0; i < 400; ++i) {
    const std::string word = std::string("ম") + kLetters[i / 20] + kLetters[i % 20] + "ল";
    const std::string id = "w" + std::to_string(i);
    articles.push_back(article(id, "খবর", "উত্তর " + word + " সেনা।", "2024-01-01", "BBC"));
    all.insert(id);
  }
  write_articles(config, articles, /*merge=*/true);
  auto searcher = Searcher::open(config);
  REQUIRE(searcher.is_ok());
  SearchRequest r;
  r.query = "সেনা -\"উত্তর কোরিয়া\"";
  r.limit = 500;
  r.collapse = false;
  r.highlight = false;
  auto result = searcher.value()->search(r);
  REQUIRE(result.is_ok());
  std::set<std::string> ids;
  for (const Hit& hit : result->hits) ids.insert(hit.id);
  CHECK(ids == all);
}
