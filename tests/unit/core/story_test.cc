// Near-duplicate fingerprints and stories: grouping as articles come, go and change, in one
// shard or several, across a merge; collapsed search, a story's versions, related articles.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "sondhan/analyzers/analyzer.h"
#include "sondhan/core/database_layout.h"
#include "sondhan/core/fingerprint.h"
#include "sondhan/core/index_writer.h"
#include "sondhan/core/schema.h"
#include "sondhan/core/searcher.h"
#include "facet_columns.h"
#include "hash_table64.h"
#include "merge_policy.h"
#include "story_grouper.h"
#include "test_support.h"

using namespace sondhan::core;
using sondhan::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// `n` made-up Latin words (the analyzer keeps them as they are), from `seed` on: texts with
// different seeds share no word.
std::string words(int seed, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    int v = seed * 1000 + i;
    std::string w = "z";
    for (int k = 0; k < 4; ++k) {
      w.push_back(static_cast<char>('a' + v % 26));
      v /= 26;
    }
    out += (out.empty() ? "" : " ") + w;
  }
  return out;
}

Change upsert(const std::string& id, const std::string& body, const std::string& title = "খবর") {
  Change c;
  c.article.id = id;
  c.article.values_of("title") = {title};
  c.article.values_of("body") = {body};
  c.article.date = parse_iso_date("2024-01-01");
  c.article.record = nlohmann::json{{"id", id}, {"title", title}, {"body", body}, {"date", "2024-01-01"}}.dump();
  return c;
}

Change deletion(const std::string& id) {
  Change c;
  c.article.id = id;
  c.is_delete = true;
  return c;
}

struct Db {
  explicit Db(int threads = 2) {
    config.db_path = (dir.path() / "db").string();
    config.index.threads = threads;
  }
  void apply(std::vector<Change> changes, bool finish = false) {
    auto writer = IndexWriter::open(config.db_path, config);
    REQUIRE(writer.is_ok());
    WriteCounts counts;
    REQUIRE(writer.value()->apply(changes, &counts).is_ok());
    REQUIRE((finish ? writer.value()->finish() : writer.value()->commit()).is_ok());
  }
  // As sondhan-index writes a new database: in segments, `batch` changes at a time. Returns the
  // writer's shard count.
  size_t apply_bulk(const std::vector<Change>& input, size_t batch, bool finish = false) {
    WriterOptions options;
    options.bulk = true;
    auto writer = IndexWriter::open(config.db_path, config, options);
    REQUIRE(writer.is_ok());
    for (size_t begin = 0; begin < input.size(); begin += batch) {
      std::vector<Change> changes(input.begin() + static_cast<long>(begin),
                                  input.begin() + static_cast<long>(std::min(input.size(), begin + batch)));
      WriteCounts counts;
      REQUIRE(writer.value()->apply(changes, &counts).is_ok());
    }
    const size_t shards = writer.value()->shard_count();
    REQUIRE((finish ? writer.value()->finish() : writer.value()->commit()).is_ok());
    return shards;
  }
  std::set<std::string> story(const std::string& id) {
    auto searcher = Searcher::open(config);
    REQUIRE(searcher.is_ok());
    auto versions = searcher.value()->versions(id);
    REQUIRE(versions.is_ok());
    std::set<std::string> ids;
    for (const auto& v : versions.value()) ids.insert(v.id);
    return ids;
  }
  TempDir dir;
  Config config;
};

const std::string kStory = words(1, 80);
const std::string kOther = words(2, 80);
const std::string kThird = words(3, 80);
// The story with a sentence added (an update) and with its end cut (a shorter copy).
const std::string kUpdated = kStory + " " + words(4, 10);
const std::string kCut = words(1, 70);

// `copies` rounds of `stories` stories and one article alone, round after round: story n's
// copy c is "<prefix>n-c", the last copy cut short and the others each with a sentence of its
// own; "alone-c" copies nothing.
std::vector<Change> copies_of_stories(const std::string& prefix, int stories, int copies) {
  std::vector<Change> input;
  for (int copy = 0; copy < copies; ++copy) {
    for (int story = 0; story < stories; ++story) {
      const std::string text = copy == copies - 1 ? words(10 + story, 70)
                                                  : words(10 + story, 80) + " " + words(40 + copy, 3);
      input.push_back(upsert(prefix + std::to_string(story) + "-" + std::to_string(copy), text));
    }
    input.push_back(upsert("alone-" + std::to_string(copy), words(30 + copy, 80)));
  }
  return input;
}

}  // namespace

TEST_CASE("fingerprints count each distinct shingle once, however often a passage repeats", "[core][stories]") {
  const std::vector<std::string> once = {"ঢাকা", "বৃষ্টি", "নদী", "সেতু", "মেঘনা"};
  std::vector<std::string> repeated;
  for (int i = 0; i < 40; ++i) repeated.insert(repeated.end(), once.begin(), once.end());
  // Once: 3 three-word shingles. Repeated: those 3 and the 2 that span a repetition's seam.
  CHECK(fingerprint_of(once).shingles == 3);
  const Fingerprint many = fingerprint_of(repeated);
  CHECK(many.shingles == 5);
  std::vector<std::string> seams = once;
  seams.insert(seams.end(), once.begin(), once.end());  // every shingle of `repeated`, once each
  CHECK(fingerprint_of(seams).mins == many.mins);
}

TEST_CASE("HashSet64 holds what std::set holds, 0 included, across growth and clear()", "[core][stories]") {
  HashSet64 set;
  std::set<uint64_t> expected;
  uint64_t x = 12345;
  for (int i = 0; i < 20000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    // Few distinct values, so most inserts repeat one; low bits alike, so probes collide.
    const uint64_t value = i % 997 == 0 ? 0 : (x >> 52) << 20;
    CHECK(set.insert(value) == expected.insert(value).second);
  }
  CHECK(set.size() == expected.size());
  set.clear();
  CHECK(set.size() == 0);
  CHECK(set.insert(0));
  CHECK(set.insert(1 << 20));
  CHECK_FALSE(set.insert(1 << 20));
  CHECK(set.size() == 2);
}

TEST_CASE("fingerprints: copies are the same story, other texts and short notices are not", "[core][stories]") {
  sondhan::analyzers::Analyzer analyzer;
  auto fp = [&](const std::string& text) { return fingerprint_of(analyzer.terms(text)); };
  CHECK(same_story(fp(kStory), fp(kStory)));
  CHECK(same_story(fp(kStory), fp(kUpdated)));
  CHECK(same_story(fp(kStory), fp(kCut)));
  CHECK_FALSE(same_story(fp(kStory), fp(kOther)));
  CHECK(fp(words(5, 6)).ignored());
  CHECK_FALSE(same_story(fp(words(5, 6)), fp(words(5, 6))));
  CHECK(resemblance(fp(kStory), fp(kOther)).jaccard < 0.1);
  // The stored form carries the id.
  Fingerprint back;
  std::string id;
  REQUIRE(decode_fingerprint(encode_fingerprint(fp(kStory), "a-1"), &back, &id));
  CHECK(back == fp(kStory));
  CHECK(id == "a-1");
}

TEST_CASE("stories: a copy indexed later joins the earlier one, in any shard and batch", "[core][stories]") {
  Db db;
  db.apply({upsert("a", kStory), upsert("b", kOther)});
  db.apply({upsert("c", kUpdated), upsert("d", kCut)});
  CHECK(db.story("a") == std::set<std::string>{"a", "c", "d"});
  CHECK(db.story("d") == std::set<std::string>{"a", "c", "d"});
  CHECK(db.story("b") == std::set<std::string>{"b"});

  SECTION("the same input again changes nothing") {
    db.apply({upsert("a", kStory), upsert("b", kOther), upsert("c", kUpdated), upsert("d", kCut)});
    CHECK(db.story("a") == std::set<std::string>{"a", "c", "d"});
  }
  SECTION("deleting the first article keeps the others together") {
    db.apply({deletion("a")});
    CHECK(db.story("c") == std::set<std::string>{"c", "d"});
  }
  SECTION("a changed text leaves the story; the rest stay together") {
    db.apply({upsert("c", kThird)});
    CHECK(db.story("c") == std::set<std::string>{"c"});
    CHECK(db.story("a") == std::set<std::string>{"a", "d"});
  }
  SECTION("an article whose only copy goes stands alone") {
    db.apply({deletion("c"), deletion("d")});
    CHECK(db.story("a") == std::set<std::string>{"a"});
  }
  SECTION("merging the shards keeps the stories (keyed by id, not docid)") {
    db.apply({upsert("e", kThird)}, /*finish=*/true);
    CHECK(db.story("c") == std::set<std::string>{"a", "c", "d"});
    db.apply({upsert("f", kThird)});
    CHECK(db.story("e") == std::set<std::string>{"e", "f"});
  }
}

TEST_CASE("stories: a story taken apart earlier in a batch is not kept by an unchanged copy later in it",
          "[core][stories]") {
  // The first article changes, then a copy comes again with its text unchanged, in one batch:
  // the copy must not go back to the story its first article has left.
  const std::vector<Change> first = {upsert("k", kStory), upsert("m", kUpdated), upsert("n", kCut)};
  const std::vector<Change> second = {upsert("k", kThird), upsert("m", kUpdated)};
  Db batched, serial;
  batched.apply(first);
  batched.apply(second);
  for (const Change& change : first) serial.apply({change});
  for (const Change& change : second) serial.apply({change});
  CHECK(serial.story("m") == std::set<std::string>{"m", "n"});
  for (const char* id : {"k", "m", "n"}) {
    INFO(id);
    CHECK(batched.story(id) == serial.story(id));
  }
}

TEST_CASE("stories: copies within one batch, the same groups whatever the shard count", "[core][stories]") {
  const std::vector<Change> input = {upsert("x1", kStory), upsert("y1", kOther), upsert("x2", kCut),
                                     upsert("y2", kOther + " " + words(6, 5)), upsert("x3", kUpdated)};
  Db one(1), two(2);
  one.apply(input);
  two.apply(input);
  for (const char* id : {"x1", "x2", "x3", "y1", "y2"}) CHECK(one.story(id) == two.story(id));
  CHECK(one.story("x3") == std::set<std::string>{"x1", "x2", "x3"});
  CHECK(one.story("y1") == std::set<std::string>{"y1", "y2"});
}

TEST_CASE("stories: a bulk build groups a batch of new articles before writing it, as one at a time does",
          "[core][stories]") {
  // Stories whose copies are all in one batch, in both lanes, and stories begun in an earlier
  // batch that copies in a later one join: the writer groups such batches before it writes them
  // and puts each key into the document it then writes once.
  const std::vector<Change> input = copies_of_stories("t", 6, 4);
  for (size_t batch : {input.size(), size_t{7}}) {
    INFO("batch " << batch);
    Db bulk(2), serial(1);
    bulk.apply_bulk(input, batch);
    for (const Change& change : input) serial.apply({change});
    for (const Change& change : input) {
      INFO(change.article.id);
      CHECK(bulk.story(change.article.id) == serial.story(change.article.id));
    }
    CHECK(bulk.story("t2-3") == std::set<std::string>{"t2-0", "t2-1", "t2-2", "t2-3"});
    CHECK(bulk.story("alone-2") == std::set<std::string>{"alone-2"});
  }
}

TEST_CASE("search collapses a story into one hit with its versions, related skips copies", "[core][stories]") {
  Db db;
  const std::string shared = words(7, 3);  // words every article has, to search for
  std::vector<Change> changes = {upsert("a", kStory + " " + shared), upsert("c", kUpdated + " " + shared),
                                 upsert("b", kOther + " " + shared + " " + words(1, 12))};
  // Other articles, so that the story's words are rare enough to expand on.
  for (int i = 0; i < 8; ++i) changes.push_back(upsert("filler" + std::to_string(i), words(20 + i, 40)));
  db.apply(changes);
  auto searcher = Searcher::open(db.config);
  REQUIRE(searcher.is_ok());
  SearchRequest request;
  request.query = words(7, 1);
  auto collapsed = searcher.value()->search(request);
  REQUIRE(collapsed.is_ok());
  REQUIRE(collapsed->hits.size() == 2);
  size_t versions = 0;
  for (const Hit& hit : collapsed->hits) versions += hit.version_ids.size();
  CHECK(versions == 1);
  request.collapse = false;
  auto all = searcher.value()->search(request);
  REQUIRE(all.is_ok());
  CHECK(all->hits.size() == 3);

  auto related = searcher.value()->related("a", 5);
  REQUIRE(related.is_ok());
  REQUIRE(related->size() == 1);
  CHECK(related->front().id == "b");
  CHECK(searcher.value()->related("nope", 5).status().code() == Code::kNotFound);
  CHECK(searcher.value()->versions("nope").status().code() == Code::kNotFound);
}

TEST_CASE("search collapses stories by columns that follow every commit changing a story", "[core][stories]") {
  // One searcher throughout: the story columns it reads are kept across commits (facet_columns.h)
  // unless a commit gave an article another story key (kRegroupedKey) or replaced one in place.
  Db db;
  const std::string shared = words(7, 3);
  std::vector<Change> changes = {upsert("a", kStory + " " + shared), upsert("b", kOther + " " + shared + " " + words(1, 12))};
  for (int i = 0; i < 8; ++i) changes.push_back(upsert("filler" + std::to_string(i), words(20 + i, 40)));
  db.apply(changes);
  auto searcher = Searcher::open(db.config);
  REQUIRE(searcher.is_ok());
  Config without_columns = db.config;
  without_columns.search.facet_memory_mb = 0;  // collapsed by Xapian, from its values
  auto plain = Searcher::open(without_columns);
  REQUIRE(plain.is_ok());
  // Each hit's id with its versions, and the total. The first search after a commit that may
  // have changed a story column collapses through Xapian while the column is read in the
  // background: the second, after waiting for it, collapses by the column.
  const auto hits = [&](Searcher& s) {
    SearchRequest request;
    request.query = words(7, 1);
    REQUIRE(s.search(request).is_ok());
    FacetColumns::shared().wait();
    auto result = s.search(request);
    REQUIRE(result.is_ok());
    std::map<std::string, std::set<std::string>> found;
    for (const Hit& hit : result->hits) found[hit.id] = {hit.version_ids.begin(), hit.version_ids.end()};
    CHECK(result->total == found.size());
    CHECK(result->total_is_exact);
    return found;
  };
  using Found = std::map<std::string, std::set<std::string>>;
  const size_t held = FacetColumns::shared().bytes();
  CHECK(hits(*searcher.value()) == Found{{"a", {}}, {"b", {}}});
  CHECK(FacetColumns::shared().bytes() > held);  // the shard's story column

  // A copy of a, in a shard of its own: a takes a story key in its shard, c joins the story.
  db.apply({upsert("c", kUpdated + " " + shared)});
  Found now = hits(*searcher.value());
  REQUIRE(now.size() == 2);
  CHECK(now.count("b") == 1);
  const std::string head = now.count("a") ? "a" : "c";
  CHECK(now[head] == std::set<std::string>{head == "a" ? "c" : "a"});
  CHECK(hits(*plain.value()) == now);

  // c rewritten apart from the story: a stands alone again (its key taken out in place).
  db.apply({upsert("c", kThird + " " + shared)});
  CHECK(hits(*searcher.value()) == Found{{"a", {}}, {"b", {}}, {"c", {}}});
  CHECK(hits(*plain.value()) == Found{{"a", {}}, {"b", {}}, {"c", {}}});

  // And back into it, then its first article deleted: c stands alone.
  db.apply({upsert("c", kUpdated + " " + shared)});
  CHECK(hits(*searcher.value()).size() == 2);
  db.apply({deletion("a")});
  CHECK(hits(*searcher.value()) == Found{{"b", {}}, {"c", {}}});
  CHECK(hits(*plain.value()) == Found{{"b", {}}, {"c", {}}});
}

TEST_CASE("fresh-shard id filter: no false negatives, counts up to two", "[core][stories]") {
  FreshTerms terms;
  for (int i = 0; i < 20000; ++i) terms.add(static_cast<size_t>(i % 7), id_term("id-" + std::to_string(i)));
  terms.add(3, id_term("twice"));
  terms.add(5, id_term("twice"));
  int absent = 0, in_other_shard = 0, once = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string term = id_term("id-" + std::to_string(i));
    CHECK(terms.count(term) >= 1);
    once += terms.count(term) == 1 ? 1 : 0;
    CHECK(terms.may_hold(static_cast<size_t>(i % 7), term));
    in_other_shard += terms.may_hold(static_cast<size_t>(i % 7 + 1), term) ? 1 : 0;
    absent += terms.count(id_term("never-" + std::to_string(i))) > 0 ? 1 : 0;
  }
  CHECK(terms.count(id_term("twice")) == 2);
  CHECK(terms.may_hold(3, id_term("twice")));
  CHECK(terms.may_hold(5, id_term("twice")));
  // False positives are rare: each one only costs a look-up.
  CHECK(absent < 20);
  CHECK(in_other_shard < 20);
  CHECK(once > 19980);  // a term added once is said to be there once: what saves the look-ups
}

namespace {

// Made-up fingerprints, none alike.
Fingerprint random_print(uint64_t& state) {
  Fingerprint fp;
  fp.shingles = 100;
  for (uint16_t& m : fp.mins) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    m = static_cast<uint16_t>(state >> 48);
  }
  return fp;
}

using Postings = std::set<std::pair<size_t, Xapian::docid>>;

Postings postings(const BandIndex& bands, size_t band, const Fingerprint& fp) {
  std::vector<BandIndex::Posting> found;
  bands.find(band, band_value(fp, band), &found);
  Postings out;
  for (const auto& p : found) out.emplace(p.shard, p.did);
  CHECK(out.size() == found.size());  // each posting once
  return out;
}

}  // namespace

TEST_CASE("band index: exact postings, added and read from a shard's values, taken out again", "[core][stories]") {
  sondhan::analyzers::Analyzer analyzer;
  const Fingerprint story = fingerprint_of(analyzer.terms(kStory));
  const Fingerprint copy = fingerprint_of(analyzer.terms(kUpdated));
  const Fingerprint other = fingerprint_of(analyzer.terms(kOther));
  const Fingerprint notice = fingerprint_of(analyzer.terms(words(5, 6)));
  REQUIRE(notice.ignored());
  BandIndex bands;
  // A shard with articles in it before the writer came: read from its fingerprint values.
  TempDir dir;
  {
    Xapian::WritableDatabase db((dir.path() / "shard").string(), Xapian::DB_CREATE);
    uint64_t state = 7;
    for (int i = 0; i < 3000; ++i) {
      Xapian::Document doc;
      doc.add_value(kFingerprintSlot, encode_fingerprint(random_print(state), "r" + std::to_string(i)));
      db.add_document(doc);
    }
    Xapian::Document doc;
    doc.add_value(kFingerprintSlot, encode_fingerprint(story, "story"));
    CHECK(db.add_document(doc) == 3001);
    db.add_document(Xapian::Document());  // no fingerprint (a short notice)
    db.commit();
    CHECK_FALSE(bands.covers(1));
    bands.load(1, db);
  }
  CHECK(bands.covers(1));
  // Enough added articles to make the tables grow several times.
  uint64_t state = 42;
  for (Xapian::docid did = 1; did <= 20000; ++did) bands.add(did % 5 + 2, did, random_print(state));
  bands.add(0, 30002, copy);
  bands.add(0, 30003, other);
  bands.add(3, 30004, notice);
  CHECK(bands.covers(0));
  for (size_t band = 0; band < kBands; ++band) {
    INFO(band);
    Postings expected = {{1, 3001}};
    if (band_value(copy, band) == band_value(story, band)) expected.emplace(0, 30002);
    CHECK(postings(bands, band, story) == expected);
    CHECK(postings(bands, band, other) == Postings{{0, 30003}});
  }
  // The story and its update share most bands.
  size_t shared = 0;
  for (size_t band = 0; band < kBands; ++band) shared += band_value(copy, band) == band_value(story, band);
  CHECK(shared >= kBands / 2);
  // Taken out: from what was read and from what was added.
  bands.remove(1, 3001, story);
  bands.remove(0, 30003, other);
  for (size_t band = 0; band < kBands; ++band) {
    CHECK(postings(bands, band, other).empty());
    CHECK_FALSE(postings(bands, band, story).count({1, 3001}));
  }
  // Put back at another docid (an article replaced elsewhere).
  bands.add(1, 3500, other);
  CHECK(postings(bands, 0, other) == Postings{{1, 3500}});
  CHECK(bands.bytes() > 0);
  bands.clear();
  CHECK_FALSE(bands.covers(1));
  CHECK(postings(bands, 0, other).empty());
}

TEST_CASE("band index: a shard's bands are read in order, several articles to a value",
          "[core][stories]") {
  TempDir dir;
  Xapian::WritableDatabase db((dir.path() / "shard").string(), Xapian::DB_CREATE);
  std::vector<Fingerprint> prints;
  uint64_t state = 11;
  for (int i = 0; i < 40000; ++i) {
    // Every tenth print again a little later: values with several docids, kept in docid order.
    prints.push_back(i % 10 == 9 ? prints[static_cast<size_t>(i) - 5] : random_print(state));
    Xapian::Document doc;
    doc.add_value(kFingerprintSlot, encode_fingerprint(prints.back(), "p" + std::to_string(i)));
    db.add_document(doc);
  }
  db.commit();
  BandIndex bands;
  bands.load(0, db);
  for (size_t band = 0; band < kBands; ++band) {
    std::map<uint32_t, std::vector<Xapian::docid>> expected;  // each value's articles, in docid order
    for (size_t k = 0; k < prints.size(); ++k) {
      expected[band_value(prints[k], band)].push_back(static_cast<Xapian::docid>(k + 1));
    }
    for (const auto& [value, articles] : expected) {
      std::vector<BandIndex::Posting> found;
      bands.find(band, value, &found);
      std::vector<Xapian::docid> dids;
      for (const auto& p : found) dids.push_back(p.did);
      REQUIRE(dids == articles);
    }
  }
  // Another shard read beside it, an empty one covered between them: found shard by shard.
  bands.cover(1);
  bands.load(2, db);
  for (size_t i = 0; i < prints.size(); i += 997) {
    std::vector<BandIndex::Posting> found;
    bands.find(3, band_value(prints[i], 3), &found);
    REQUIRE(found.size() % 2 == 0);
    const size_t half = found.size() / 2;
    for (size_t k = 0; k < half; ++k) {
      CHECK(found[k].shard == 0);
      CHECK(found[half + k].shard == 2);
      CHECK(found[half + k].did == found[k].did);
    }
  }
  // Read with its bands sorted on two threads: the same postings.
  BandIndex sorted_apart;
  const ParallelFor two_threads = [](size_t n, const std::function<void(size_t)>& fn) {
    std::thread other([&] {
      for (size_t i = 1; i < n; i += 2) fn(i);
    });
    for (size_t i = 0; i < n; i += 2) fn(i);
    other.join();
    return Status::ok();
  };
  sorted_apart.load(0, db, two_threads);
  for (size_t band = 0; band < kBands; ++band) {
    for (size_t i = 0; i < prints.size(); i += 101) {
      std::vector<BandIndex::Posting> apart, together;
      sorted_apart.find(band, band_value(prints[i], band), &apart);
      bands.find(band, band_value(prints[i], band), &together);
      REQUIRE(!apart.empty());
      std::vector<Xapian::docid> a, t;
      for (const auto& p : apart) a.push_back(p.did);
      for (const auto& p : together) {
        if (p.shard == 0) t.push_back(p.did);
      }
      REQUIRE(a == t);
    }
  }
  // Taken out: gone from its value, the other article with that print stays.
  bands.remove(0, 10, prints[9]);
  std::vector<BandIndex::Posting> left;
  bands.find(0, band_value(prints[9], 0), &left);
  const auto holds = [&](size_t shard, Xapian::docid did) {
    return std::any_of(left.begin(), left.end(), [&](const BandIndex::Posting& p) { return p.shard == shard && p.did == did; });
  };
  CHECK_FALSE(holds(0, 10));
  CHECK(holds(0, 5));
  CHECK(holds(2, 10));
}

TEST_CASE("huge page allocator: large arrays on their own 2 MiB boundary, contents kept as they grow",
          "[core][stories]") {
  std::vector<uint64_t, HugePageAllocator<uint64_t>> small(100, 7);  // from the heap
  CHECK(small.back() == 7);
  std::vector<uint64_t, HugePageAllocator<uint64_t>> large;
  for (uint64_t i = 0; i < 3 * kHugePage / sizeof(uint64_t); ++i) {
    large.push_back(i * 2654435761u);
    // Each time it is mapped afresh: aligned to a huge page, with its whole length usable.
    if (large.capacity() * sizeof(uint64_t) >= kHugePage) {
      REQUIRE(reinterpret_cast<uintptr_t>(large.data()) % kHugePage == 0);
    }
  }
  large.resize(large.capacity());  // the last byte of the mapping written
  for (uint64_t i = 0; i < 3 * kHugePage / sizeof(uint64_t); ++i) REQUIRE(large[i] == i * 2654435761u);
  std::vector<uint64_t, HugePageAllocator<uint64_t>>().swap(large);  // unmapped
  CHECK(large.capacity() == 0);
}

TEST_CASE("band index: a band value shared by too many articles finds none of them", "[core][stories]") {
  sondhan::analyzers::Analyzer analyzer;
  const Fingerprint story = fingerprint_of(analyzer.terms(kStory));
  BandIndex bands;
  for (Xapian::docid did = 1; did <= BandIndex::kMaxPostings; ++did) bands.add(did % 3, did, story);
  CHECK(postings(bands, 4, story).size() == BandIndex::kMaxPostings);
  bands.add(0, 1000, story);
  CHECK(postings(bands, 4, story).empty());
  // Also when they were read from a shard.
  TempDir dir;
  Xapian::WritableDatabase db((dir.path() / "shard").string(), Xapian::DB_CREATE);
  for (size_t i = 0; i < BandIndex::kMaxPostings / 2; ++i) {
    Xapian::Document doc;
    doc.add_value(kFingerprintSlot, encode_fingerprint(story, "s" + std::to_string(i)));
    db.add_document(doc);
  }
  db.commit();
  BandIndex read;
  read.load(0, db);
  CHECK(postings(read, 4, story).size() == BandIndex::kMaxPostings / 2);
  for (Xapian::docid did = 1; did <= BandIndex::kMaxPostings / 2 + 1; ++did) read.add(1, did, story);
  CHECK(postings(read, 4, story).empty());
}

TEST_CASE("band index: bands added one at a time, in parallel, give what add() gives", "[core][stories]") {
  BandIndex whole, by_band;
  std::vector<std::pair<Xapian::docid, Fingerprint>> prints;
  uint64_t state = 5;
  for (Xapian::docid did = 1; did <= 5000; ++did) prints.emplace_back(did, random_print(state));
  // Some bands shared by more than kMaxPostings articles, so that the order of adds matters.
  for (Xapian::docid did = 5001; did <= 5000 + 2 * BandIndex::kMaxPostings; ++did) prints.emplace_back(did, prints[0].second);
  for (const auto& [did, fp] : prints) whole.add(did % 3, did, fp);
  for (const auto& [did, fp] : prints) by_band.cover(did % 3);
  std::vector<std::thread> threads;
  for (size_t band = 0; band < kBands; ++band) {
    threads.emplace_back([&, band] {
      for (const auto& [did, fp] : prints) by_band.add_band(band, did % 3, did, fp);
    });
  }
  for (std::thread& t : threads) t.join();
  for (size_t shard = 0; shard < 3; ++shard) CHECK(by_band.covers(shard));
  for (const auto& [did, fp] : prints) {
    for (size_t band = 0; band < kBands; ++band) {
      INFO(did << " " << band);
      CHECK(postings(by_band, band, fp) == postings(whole, band, fp));
    }
  }
}

TEST_CASE("print cache: found by shard and docid, replaced, forgotten, started afresh when full",
          "[core][stories]") {
  uint64_t state = 11;
  std::vector<Fingerprint> prints;
  for (int i = 0; i < 3000; ++i) prints.push_back(random_print(state));
  PrintCache cache(2500);
  // Enough entries to make the table grow several times, in three shards.
  for (Xapian::docid did = 1; did <= 2000; ++did) {
    const PrintCache::Entry* e = cache.put(did % 3, did, encode_fingerprint(prints[did], "a" + std::to_string(did)));
    REQUIRE(e != nullptr);
    CHECK(e->id == "a" + std::to_string(did));
  }
  const PrintCache::Entry* first = cache.find(1, 1);
  for (Xapian::docid did = 1; did <= 2000; ++did) {
    cache.prefetch(did % 3, did);
    const PrintCache::Entry* e = cache.find(did % 3, did);
    REQUIRE(e != nullptr);
    CHECK(e->id == "a" + std::to_string(did));
    CHECK(e->fp.mins == prints[did].mins);
    CHECK(cache.find(did % 3 + 3, did) == nullptr);  // another shard, the same docid
  }
  CHECK(cache.find(0, 2001) == nullptr);
  CHECK(cache.find(1, 1) == first);  // entries stay where they are as the cache grows
  // Forgotten, then put again (a docid given to the article's new version).
  cache.erase(2, 5);
  CHECK(cache.find(2, 5) == nullptr);
  cache.erase(2, 99999);  // never there: nothing happens
  cache.put(2, 5, encode_fingerprint(prints[2999], "b5"));
  REQUIRE(cache.find(2, 5) != nullptr);
  CHECK(cache.find(2, 5)->id == "b5");
  // Replaced in place.
  cache.put(0, 6, encode_fingerprint(prints[2998], "b6"));
  CHECK(cache.find(0, 6)->id == "b6");
  // No fingerprint: an entry with an ignored one.
  cache.put(1, 4000, "");
  REQUIRE(cache.find(1, 4000) != nullptr);
  CHECK(cache.find(1, 4000)->fp.ignored());
  // Full (2,500 entries put): it starts afresh with the next one.
  for (Xapian::docid did = 5000; did < 5500; ++did) cache.put(0, did, encode_fingerprint(prints[did - 5000], "c"));
  CHECK(cache.find(2, 5) == nullptr);
  CHECK(cache.find(0, 5499) != nullptr);
  cache.clear();
  CHECK(cache.find(0, 5499) == nullptr);
}

TEST_CASE("held story keys: found until written, forgotten, written in two shards, a deleted article skipped",
          "[core][stories]") {
  TempDir dir;
  std::vector<Xapian::WritableDatabase> dbs;
  for (const char* name : {"s0", "s1"}) {
    dbs.emplace_back((dir.path() / name).string(), Xapian::DB_CREATE);
    for (int i = 0; i < 3; ++i) dbs.back().add_document(Xapian::Document());
  }
  dbs[1].delete_document(3);
  const auto key_slot = static_cast<Xapian::valueno>(kStoryKeySlot);
  HeldKeys held;
  held.hold(article_key(0, 1), "a", "a");  // the story's first article: its own id, no term
  held.hold(article_key(0, 2), "b", "old");
  held.hold(article_key(0, 2), "b", "a");  // chosen again: the last choice is written
  held.hold(article_key(1, 2), "c", "a");
  held.hold(article_key(1, 3), "d", "a");  // deleted since: nothing to write
  held.hold(article_key(1, 1), "e", "x");
  held.forget(article_key(1, 1));          // replaced since: its key is chosen again
  REQUIRE(held.find(article_key(0, 2)) != nullptr);
  CHECK(*held.find(article_key(0, 2)) == "a");
  CHECK(held.find(article_key(1, 1)) == nullptr);
  CHECK(held.find(article_key(0, 3)) == nullptr);
  CHECK(held.size() == 4);
  // Nothing is in the shards until write().
  CHECK(dbs[0].get_document(1).get_value(key_slot).empty());
  held.write([&](size_t shard) -> Xapian::WritableDatabase& { return dbs[shard]; });
  CHECK(held.size() == 0);
  const std::string term = std::string(kStoryPrefix) + "a";
  CHECK(dbs[0].get_document(1).get_value(key_slot) == "a");
  CHECK(dbs[0].get_document(2).get_value(key_slot) == "a");
  CHECK(dbs[1].get_document(2).get_value(key_slot) == "a");
  CHECK(dbs[1].get_document(1).get_value(key_slot).empty());
  CHECK(dbs[0].get_termfreq(term) == 1);  // b; a, the first, has the value only
  CHECK(dbs[1].get_termfreq(term) == 1);  // c
}

TEST_CASE("stories: a bulk build in many segments groups as writing one article at a time does",
          "[core][stories]") {
  // Copies far apart in the input, so that they land in different segments and batches.
  std::vector<Change> input = copies_of_stories("s", 8, 3);
  // The same id several times in one batch (of six): added then deleted; added, deleted and
  // added again.
  input.push_back(upsert("gone", words(50, 80)));
  input.push_back(deletion("gone"));
  input.push_back(upsert("s1-0", words(52, 80)));  // story 1's first article is rewritten
  input.push_back(upsert("back", words(51, 80)));
  input.push_back(deletion("back"));
  input.push_back(upsert("back", words(10, 80)));  // a copy of story 0
  input.push_back(upsert("late", words(11, 80) + " " + words(42, 3)));  // story 1, after s1-0 left it
  Db bulk(2), serial(1);
  bulk.config.index.segment_articles = 2;
  REQUIRE(bulk.apply_bulk(input, 6) > 8);
  for (const Change& change : input) serial.apply({change});
  for (const Change& change : input) {
    INFO(change.article.id);
    if (change.is_delete || change.article.id == "gone") continue;
    CHECK(bulk.story(change.article.id) == serial.story(change.article.id));
  }
  CHECK(serial.story("s3-0") == std::set<std::string>{"s3-0", "s3-1", "s3-2"});
  CHECK(serial.story("back") == std::set<std::string>{"s0-0", "s0-1", "s0-2", "back"});
  CHECK(serial.story("s1-1") == std::set<std::string>{"s1-1", "s1-2", "late"});
  CHECK(serial.story("alone-1") == std::set<std::string>{"alone-1"});
}

TEST_CASE("stories: a bulk build with a small memory budget finds copies many segments apart",
          "[core][stories]") {
  // A 1 MB budget commits often; the copy comes twelve segments after the article it copies.
  auto reversed = [](const std::string& text) {
    std::vector<std::string> list;
    std::istringstream in(text);
    for (std::string w; in >> w;) list.push_back(w);
    std::string out;
    for (auto it = list.rbegin(); it != list.rend(); ++it) out += (out.empty() ? "" : " ") + *it;
    return out;
  };
  std::vector<Change> input;
  input.push_back(upsert("early", words(10, 80)));
  for (int i = 0; i < 600; ++i) {
    // Other texts: the second 300 are the first 300 backwards, which shares no shingle.
    const std::string text = i < 300 ? words(100 + i, 30) : reversed(words(100 + i - 300, 30));
    input.push_back(upsert("filler-" + std::to_string(i), text));
  }
  input.push_back(upsert("late", words(10, 80)));
  Db bulk(2);
  bulk.config.index.memory_mb = 1;
  bulk.config.index.segment_articles = 50;
  bulk.apply_bulk(input, 100);
  CHECK(bulk.story("late") == std::set<std::string>{"early", "late"});
  CHECK(bulk.story("filler-10") == std::set<std::string>{"filler-10"});
  CHECK(bulk.story("filler-310") == std::set<std::string>{"filler-310"});
}

TEST_CASE("stories: one writer kept open across batches groups as a new writer for each batch does",
          "[core][stories]") {
  // The writer remembers fingerprints by docid between batches (a server's write path keeps one
  // open): a rewritten or deleted article must not be found under its old text.
  const std::vector<std::vector<Change>> batches = {
      {upsert("a", kStory), upsert("b", kOther)},
      {upsert("c", kUpdated)},                      // joins a, the story's first article
      {upsert("a", kThird), upsert("d", kCut)},     // a's new text leaves; d joins c
      {upsert("e", words(3, 70))},                  // a copy of a's new text
      {deletion("c"), upsert("f", kStory)},         // d's story loses c; f joins d
      {upsert("a", kStory), deletion("e")},         // a comes back to the story, e goes
  };
  Db kept(2), fresh(2);
  auto writer = IndexWriter::open(kept.config.db_path, kept.config);
  REQUIRE(writer.is_ok());
  for (size_t b = 0; b < batches.size(); ++b) {
    std::vector<Change> batch = batches[b];
    WriteCounts counts;
    REQUIRE(writer.value()->apply(batch, &counts).is_ok());
    REQUIRE(writer.value()->commit().is_ok());
    fresh.apply(batches[b]);
    for (const char* id : {"a", "b", "c", "d", "e", "f"}) {
      INFO("after batch " << b << ", " << id);
      auto searcher = Searcher::open(fresh.config);
      REQUIRE(searcher.is_ok());
      if (!searcher.value()->versions(id).is_ok()) continue;  // not added yet, or deleted
      CHECK(kept.story(id) == fresh.story(id));
    }
  }
  CHECK(kept.story("a") == std::set<std::string>{"a", "d", "f"});
  CHECK(kept.story("b") == std::set<std::string>{"b"});
}

TEST_CASE("stories: updates written into small shards, merged by tiers, group as one shard does",
          "[core][stories]") {
  // With a shard full at one article, every update of the database after the first writes a new
  // shard, and the full ones merge four at a time: stories must cross shards and survive merges.
  const std::vector<std::vector<Change>> batches = {
      {upsert("a", kStory), upsert("b", kOther)},
      {upsert("c", kUpdated)},
      {upsert("x1", words(6, 80)), upsert("x2", words(7, 80))},
      {upsert("a", kThird), upsert("d", kCut)},
      {upsert("e", words(3, 70)), upsert("x3", words(8, 80))},
      {deletion("c"), upsert("f", kStory)},
      {upsert("x4", words(9, 80))},
      {upsert("a", kStory), deletion("e")},
      {upsert("g", kUpdated), upsert("x5", words(10, 80))},
  };
  Db small(2), whole(1);
  small.config.index.segment_articles = 1;
  size_t most = 0;
  for (size_t b = 0; b < batches.size(); ++b) {
    small.apply(batches[b], /*finish=*/true);
    whole.apply(batches[b], /*finish=*/true);
    most = std::max(most, layout::read_stub(small.config.db_path).size());
    for (const char* id : {"a", "b", "c", "d", "e", "f", "g"}) {
      INFO("after batch " << b << ", " << id);
      auto searcher = Searcher::open(whole.config);
      REQUIRE(searcher.is_ok());
      if (!searcher.value()->versions(id).is_ok()) continue;  // not added yet, or deleted
      CHECK(small.story(id) == whole.story(id));
    }
  }
  // New shards were written, and merged: without merges the nine updates would leave nine.
  CHECK(most == kShardsPerTier - 1);
  CHECK(layout::read_stub(small.config.db_path).size() < kShardsPerTier);
  CHECK(small.story("a") == std::set<std::string>{"a", "d", "f", "g"});
}

TEST_CASE("fingerprint file: a shard's bands and sketches, for that shard as it was only", "[core][stories]") {
  sondhan::analyzers::Analyzer analyzer;
  const Fingerprint story = fingerprint_of(analyzer.terms(kStory));
  const std::vector<Fingerprint> copies = {fingerprint_of(analyzer.terms(kUpdated)),
                                           fingerprint_of(analyzer.terms(kCut))};
  TempDir dir;
  const std::string path = (dir.path() / "shard").string();
  Xapian::WritableDatabase db(path, Xapian::DB_CREATE);
  std::vector<Fingerprint> prints;  // by docid - 1
  uint64_t state = 5;
  for (int i = 0; i < 3000; ++i) prints.push_back(random_print(state));
  prints.push_back(story);
  for (const Fingerprint& copy : copies) prints.push_back(copy);
  prints.push_back(fingerprint_of(analyzer.terms(words(5, 6))));  // a short notice: no bands
  for (size_t i = 0; i < prints.size(); ++i) {
    Xapian::Document doc;
    if (const std::string value = encode_fingerprint(prints[i], "a" + std::to_string(i)); !value.empty()) {
      doc.add_value(kFingerprintSlot, value);
    }
    db.add_document(doc);
  }
  db.add_document(Xapian::Document());  // no fingerprint value at all
  db.commit();
  REQUIRE(FingerprintFile::write(path, db).is_ok());
  auto file = FingerprintFile::open(path, db);
  REQUIRE(file != nullptr);
  CHECK(file->deleted_in(db).empty());

  // The bands are those read from the values.
  const auto read = read_bands(db);
  for (size_t band = 0; band < kBands; ++band) {
    INFO(band);
    CHECK(std::vector<uint64_t>(file->band(band).begin(), file->band(band).end()) ==
          std::vector<uint64_t>(read[band].begin(), read[band].end()));
  }
  CHECK(file->band(0).size() == 3003);

  // A sketch never rules out an article in the same story, and rules out nearly all others.
  size_t ruled_out = 0, same = 0;
  for (const Fingerprint& query : {story, copies[0], copies[1], prints[7]}) {
    for (size_t i = 0; i < prints.size(); ++i) {
      const auto did = static_cast<Xapian::docid>(i + 1);
      if (same_story(query, prints[i])) {
        ++same;
        CHECK(file->may_share_story(did, query));
      } else {
        ruled_out += !file->may_share_story(did, query);
      }
    }
  }
  CHECK(same == 3 * 3 + 1);
  CHECK(ruled_out > 4 * (prints.size() - 3) * 95 / 100);
  CHECK_FALSE(file->may_share_story(static_cast<Xapian::docid>(prints.size()), story));  // the notice
  CHECK_FALSE(file->may_share_story(static_cast<Xapian::docid>(prints.size() + 1), story));
  CHECK(file->may_share_story(static_cast<Xapian::docid>(prints.size() + 50), story));  // not its to say

  // Articles deleted since are named; one added since, or another database, and it is not read.
  db.delete_document(3001);
  db.delete_document(17);
  db.commit();
  CHECK(file->deleted_in(db) == std::vector<Xapian::docid>{17, 3001});
  file = FingerprintFile::open(path, db);
  REQUIRE(file != nullptr);
  CHECK(file->deleted_in(db) == std::vector<Xapian::docid>{17, 3001});
  // An article replaced in place since (the writer counts such commits): not read.
  db.set_metadata("sondhan.replaced", "1");
  db.commit();
  CHECK(FingerprintFile::open(path, db) == nullptr);
  db.set_metadata("sondhan.replaced", "");
  db.commit();
  REQUIRE(FingerprintFile::open(path, db) != nullptr);
  const std::string other_path = (dir.path() / "other").string();
  fs::copy(path, other_path);
  REQUIRE(fs::exists(dir.path() / "other" / FingerprintFile::kName));
  {
    Xapian::WritableDatabase other(other_path, Xapian::DB_CREATE_OR_OVERWRITE);
    for (size_t i = 0; i < prints.size() + 1; ++i) other.add_document(Xapian::Document());
    other.commit();
    CHECK(FingerprintFile::open(other_path, other) == nullptr);  // the same last docid, another UUID
  }
  db.add_document(Xapian::Document());
  db.commit();
  CHECK(FingerprintFile::open(path, db) == nullptr);
  // A file cut short is not read either.
  REQUIRE(FingerprintFile::write(path, db).is_ok());
  CHECK(FingerprintFile::open(path, db) != nullptr);
  const auto file_path = dir.path() / "shard" / FingerprintFile::kName;
  fs::resize_file(file_path, fs::file_size(file_path) - 1);
  CHECK(FingerprintFile::open(path, db) == nullptr);
  CHECK(FingerprintFile::remove(path));
  CHECK_FALSE(fs::exists(file_path));
  CHECK(FingerprintFile::open(path, db) == nullptr);
}

TEST_CASE("band index: a shard's bands mapped from its file find what the values give, and rule out",
          "[core][stories]") {
  sondhan::analyzers::Analyzer analyzer;
  const Fingerprint story = fingerprint_of(analyzer.terms(kStory));
  const Fingerprint copy = fingerprint_of(analyzer.terms(kUpdated));
  const Fingerprint other = fingerprint_of(analyzer.terms(kOther));
  TempDir dir;
  const std::string path = (dir.path() / "shard").string();
  Xapian::WritableDatabase db(path, Xapian::DB_CREATE);
  uint64_t state = 9;
  for (int i = 0; i < 2000; ++i) {
    Xapian::Document doc;
    doc.add_value(kFingerprintSlot, encode_fingerprint(i == 500 ? story : random_print(state), "r" + std::to_string(i)));
    db.add_document(doc);
  }
  db.delete_document(900);  // deleted before the file: no postings
  db.commit();
  REQUIRE(FingerprintFile::write(path, db).is_ok());
  db.delete_document(1200);  // deleted after it
  db.commit();
  BandIndex from_values, from_file;
  from_values.load(0, db);
  from_file.load(0, db, {}, FingerprintFile::open(path, db));
  uint64_t probe_state = 9;
  for (int i = 0; i < 2000; ++i) {
    const Fingerprint fp = i == 500 ? story : random_print(probe_state);
    for (size_t band = 0; band < kBands; band += 5) {
      INFO(i << " " << band);
      CHECK(postings(from_file, band, fp) == postings(from_values, band, fp));
    }
  }
  CHECK(postings(from_file, 3, story) == Postings{{0, 501}});
  // The file rules out what is not a copy; without one nothing is ruled out.
  CHECK_FALSE(from_file.rules_out(0, 501, copy));
  CHECK(from_file.rules_out(0, 501, other));
  CHECK_FALSE(from_values.rules_out(0, 501, other));
  CHECK(postings(from_values, 3, story) == Postings{{0, 501}});
  // Taken out by the writer, as from read bands.
  from_file.remove(0, 501, story);
  CHECK(postings(from_file, 3, story).empty());
  CHECK(from_file.bytes() < from_values.bytes() / 10);
}

TEST_CASE("stories: updates group the same with the large shard's fingerprint file as without it",
          "[core][stories]") {
  // A bulk build merged into one shard that updates never write into, which gets the file.
  Db with_file(2), without(2);
  for (Db* db : {&with_file, &without}) {
    db->config.index.segment_articles = 10;
    REQUIRE(db->apply_bulk(copies_of_stories("s", 10, 3), 7, /*finish=*/true) > 2);
  }
  const auto names = layout::read_stub(with_file.config.db_path);
  REQUIRE(names.size() == 1);
  const auto file_of = [&](const Db& db) {
    return fs::path(db.config.db_path) / layout::read_stub(db.config.db_path).front() / FingerprintFile::kName;
  };
  const auto readable = [&](const Db& db) {
    const std::string shard = db.config.db_path + "/" + layout::read_stub(db.config.db_path).front();
    return FingerprintFile::open(shard, Xapian::Database(shard)) != nullptr;
  };
  REQUIRE(readable(with_file));
  fs::remove(file_of(without));
  // Copies of stories whose first articles are in the large shard, a deletion there, a story
  // taken apart, an article rewritten: the same stories with the file and without.
  const std::vector<std::vector<Change>> batches = {
      {upsert("n0", words(10, 80)), upsert("n1", words(11, 70)), upsert("n2", words(60, 80))},
      {deletion("s2-0"), upsert("n3", words(12, 80) + " " + words(61, 3))},
      {upsert("s3-1", words(62, 80)), upsert("n4", words(13, 80)), deletion("s4-1")},
      {upsert("n5", words(14, 80)), upsert("n6", words(62, 80))},
  };
  for (const auto& batch : batches) {
    with_file.apply(batch);
    without.apply(batch);
    CHECK(readable(with_file));  // deletions and story keys there leave it readable
  }
  for (const std::string id : {"n0", "n1", "n2", "n3", "n4", "n5", "n6", "s2-1", "s3-0", "s3-1", "s4-0", "s5-2"}) {
    INFO(id);
    CHECK(with_file.story(id) == without.story(id));
  }
  CHECK(with_file.story("n0") == std::set<std::string>{"s0-0", "s0-1", "s0-2", "n0"});
  CHECK(with_file.story("n6") == std::set<std::string>{"s3-1", "n6"});
  CHECK(fs::exists(file_of(with_file)));  // the large shard was never written into

  // A larger index.segment_articles makes the large shard, the newest, the one updates write
  // into: its file goes, as it would not know what is written there now (an article rewritten
  // in place, whose new bands a later copy must find).
  Db target(2);
  target.config.index.segment_articles = 10;
  target.apply_bulk(copies_of_stories("s", 10, 3), 7, /*finish=*/true);
  REQUIRE(fs::exists(file_of(target)));
  target.config.index.segment_articles = 1000;
  target.apply({upsert("s5-0", words(63, 80))});
  CHECK_FALSE(fs::exists(file_of(target)));
  target.config.index.segment_articles = 10;
  target.apply({upsert("n7", words(63, 80))});
  CHECK(target.story("n7") == std::set<std::string>{"s5-0", "n7"});
}

TEST_CASE("fingerprint file: a sketch whose low bits differ where the buckets do decides as same_story",
          "[core][stories]") {
  // Buckets that differ in their low 4 bits too: the sketch counts exactly the equal buckets, so
  // it must rule out exactly what same_story rejects, on either side of the threshold.
  // 8 and 10 shingles with 64 equal buckets: containment exactly the threshold.
  const std::vector<uint32_t> sizes = {kMinShingles - 1, kMinShingles, 10, 20, 100, 1000, 5000};
  uint64_t state = 3;
  const Fingerprint base = random_print(state);
  TempDir dir;
  const std::string path = (dir.path() / "shard").string();
  Xapian::WritableDatabase db(path, Xapian::DB_CREATE);
  std::vector<Fingerprint> prints;
  for (size_t equal = 0; equal <= kMinHashes; ++equal) {
    for (const uint32_t shingles : sizes) {
      Fingerprint fp = base;
      fp.shingles = shingles;
      for (size_t i = equal; i < kMinHashes; ++i) fp.mins[i] = static_cast<uint16_t>(base.mins[i] ^ 0x1);
      prints.push_back(fp);
      Xapian::Document doc;
      if (const std::string value = encode_fingerprint(fp, "p"); !value.empty()) doc.add_value(kFingerprintSlot, value);
      db.add_document(doc);
    }
  }
  db.commit();
  REQUIRE(FingerprintFile::write(path, db).is_ok());
  const auto file = FingerprintFile::open(path, db);
  REQUIRE(file != nullptr);
  size_t same = 0;
  for (const uint32_t shingles : sizes) {
    Fingerprint query = base;
    query.shingles = shingles;
    for (size_t i = 0; i < prints.size(); ++i) {
      INFO("doc " << i << ", query shingles " << shingles);
      const bool expected = same_story(query, prints[i]);
      same += expected;
      CHECK(file->may_share_story(static_cast<Xapian::docid>(i + 1), query) == expected);
    }
  }
  CHECK(same > 0);
  CHECK(same < prints.size() * sizes.size() * 3 / 4);
}

TEST_CASE("stories: a writer does not read the fingerprint file of a shard it writes into, a plain database's included",
          "[core][stories]") {
  Db bulk(2);
  bulk.config.index.segment_articles = 10;
  bulk.apply_bulk(copies_of_stories("s", 10, 3), 7, /*finish=*/true);
  const fs::path shard = fs::path(bulk.config.db_path) / layout::read_stub(bulk.config.db_path).front();
  REQUIRE(fs::exists(shard / FingerprintFile::kName));
  // The merged shard copied out on its own: a plain Xapian database, which its writer writes into.
  Config plain = bulk.config;
  plain.db_path = (bulk.dir.path() / "plain").string();
  fs::copy(shard, plain.db_path, fs::copy_options::recursive);
  REQUIRE(fs::exists(fs::path(plain.db_path) / FingerprintFile::kName));
  {
    // One writer: an article rewritten in place, then a copy of its new text, which must find it.
    auto writer = IndexWriter::open(plain.db_path, plain);
    REQUIRE(writer.is_ok());
    WriteCounts counts;
    std::vector<Change> rewrite = {upsert("s5-0", words(63, 80))};
    REQUIRE(writer.value()->apply(rewrite, &counts).is_ok());
    REQUIRE(writer.value()->commit().is_ok());
    std::vector<Change> copy = {upsert("n7", words(63, 80))};
    REQUIRE(writer.value()->apply(copy, &counts).is_ok());
    REQUIRE(writer.value()->commit().is_ok());
  }
  auto searcher = Searcher::open(plain);
  REQUIRE(searcher.is_ok());
  auto versions = searcher.value()->versions("n7");
  REQUIRE(versions.is_ok());
  std::set<std::string> ids;
  for (const auto& v : versions.value()) ids.insert(v.id);
  CHECK(ids == std::set<std::string>{"s5-0", "n7"});
}
