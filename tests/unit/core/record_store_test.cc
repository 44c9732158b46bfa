// Stored records compressed with zstd and a dictionary the database trains on its own records
// (core/src/record_store.h): round trips, the dictionary's life from the first build through
// updates, readers that opened before it was filed, and records of earlier formats; and the
// other value every document now has, an undated one's sort value.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <xapian.h>

#include "sondhan/core/database_layout.h"
#include "sondhan/core/index_writer.h"
#include "sondhan/core/record_codec.h"
#include "sondhan/core/schema.h"
#include "sondhan/core/searcher.h"
#include "document_builder.h"
#include "record_store.h"
#include "sondhan/analyzers/analyzer.h"
#include "test_support.h"

using namespace sondhan::core;
using sondhan::testing::TempDir;

namespace {

// Made-up Bengali words (consonant + vowel sign pairs), `n` of them from `seed` on, so that
// records share letters and common words as news does, but no two are the same.
std::string bengali_words(int seed, int n) {
  static const char* kCommon[] = {"এবং", "সরকার", "ঢাকা", "বাংলাদেশ", "নির্বাচন", "জানান", "বলেন"};
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (!out.empty()) out += ' ';
    unsigned v = static_cast<unsigned>(seed) * 7919u + static_cast<unsigned>(i) * 104729u;
    if (v % 3 == 0) {
      out += kCommon[v % 7];
      continue;
    }
    for (int k = 0; k < 3; ++k) {
      const char32_t consonant = U'\u0995' + (v % 35);
      v /= 35;
      const char32_t sign = U'\u09BE' + (v % 5);
      v /= 5;
      for (const char32_t c : {consonant, sign}) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
      }
    }
  }
  return out;
}

Change article(int n) {
  Change c;
  c.article.id = "a" + std::to_string(n);
  const std::string title = bengali_words(n, 6), body = bengali_words(n + 100000, 120);
  c.article.values_of("title") = {title};
  c.article.values_of("body") = {body};
  c.article.date = parse_iso_date("2024-03-01");
  c.article.record =
      nlohmann::json{{"id", c.article.id}, {"title", title}, {"body", body}, {"date", "2024-03-01"}}.dump();
  return c;
}

std::vector<Change> articles(int from, int to) {
  std::vector<Change> out;
  for (int n = from; n < to; ++n) out.push_back(article(n));
  return out;
}

// Articles [from, to) through one writer, `batch` at a time as sondhan-index hands them over;
// committed, or finished (merged) with `options.bulk`.
void write(const Config& config, int from, int to, int batch, const WriterOptions& options = {}) {
  auto writer = IndexWriter::open(config.db_path, config, options);
  REQUIRE(writer.is_ok());
  for (int begin = from; begin < to; begin += batch) {
    std::vector<Change> changes = articles(begin, std::min(to, begin + batch));
    WriteCounts counts;
    REQUIRE(writer.value()->apply(changes, &counts).is_ok());
  }
  REQUIRE((options.bulk ? writer.value()->finish() : writer.value()->commit()).is_ok());
}

std::string record_in(Searcher& searcher, int n) {
  auto stored = searcher.document("a" + std::to_string(n), "");
  REQUIRE(stored.is_ok());
  return stored.value().record;
}

// The stored value's size of article `n`, read with Xapian.
size_t stored_size(const std::string& db_path, int n) {
  Xapian::Database db;
  for (const std::string& name : layout::read_stub(db_path)) db.add_database(Xapian::Database(db_path + "/" + name));
  Xapian::PostingIterator p = db.postlist_begin(id_term("a" + std::to_string(n)));
  REQUIRE(p != db.postlist_end(id_term("a" + std::to_string(n))));
  const Xapian::Document doc = db.get_document(*p);
  CHECK(doc.get_data().empty());
  return doc.get_value(kRecordSlot).size();
}

}  // namespace

TEST_CASE("record store: records read back with the dictionary they were written with, and not without it",
          "[core][records]") {
  std::vector<std::string> samples;
  for (int n = 0; n < static_cast<int>(kDictionarySamples); ++n) samples.push_back(encode_record(article(n).article.record));
  const auto dict = RecordDictionary::train(samples);
  REQUIRE(dict != nullptr);
  CHECK(dict->id() != 0);
  CHECK(RecordDictionary::from_bytes("not a dictionary") == nullptr);

  const std::string json = article(5000).article.record;  // not among the samples
  const std::string alone = compress_record(encode_record(json), nullptr);
  const std::string with = compress_record(encode_record(json), dict.get());
  CHECK(with.size() < alone.size() * 3 / 4);
  CHECK(alone.size() < encode_record(json).size());

  TempDir dir;
  Xapian::WritableDatabase db((dir.path() / "db").string(), Xapian::DB_CREATE);
  std::vector<Xapian::Database> shards{db};
  RecordReader reader;
  reader.use_shards(&shards);
  std::string encoded;
  CHECK(reader.decompress(alone, &encoded));
  CHECK(decode_record(encoded) == json);
  CHECK_FALSE(reader.decompress(with, &encoded));  // its dictionary is nowhere yet
  CHECK_FALSE(reader.decompress("garbage, not a frame", &encoded));
  CHECK_FALSE(reader.decompress(with.substr(0, with.size() / 2), &encoded));

  dict->file_in(db);  // filed after the reader looked: it looks again for a frame that needs it
  db.commit();
  REQUIRE(reader.decompress(with, &encoded));
  CHECK(decode_record(encoded) == json);
  CHECK(filed_dictionary(db)->id() == dict->id());

  // Earlier formats kept the record as the document's data.
  Xapian::Document old;
  old.set_data(encode_record(json));
  CHECK(reader.json_of(old) == json);
  Xapian::Document now;
  now.add_value(kRecordSlot, with);
  CHECK(reader.json_of(now) == json);
  now.add_value(kRecordSlot, "\x28\xb5\x2f\xfd broken");
  CHECK(reader.json_of(now).empty());
}

TEST_CASE("record store: a new database trains its dictionary on its first records, which updates and readers use",
          "[core][records]") {
  TempDir dir;
  Config config;
  config.db_path = (dir.path() / "db").string();
  config.index.threads = 2;
  // A reader open from the start, on a database of a few articles (no dictionary yet).
  write(config, 0, 10, 10);
  auto early = Searcher::open(config);
  REQUIRE(early.is_ok());
  CHECK(record_in(*early.value(), 3) == article(3).article.record);

  // Enough articles to train on, in batches as sondhan-index gives them.
  write(config, 10, 2600, 512);
  // Every shard files the dictionary, and names it for new records.
  std::string id;
  for (const std::string& name : layout::read_stub(config.db_path)) {
    Xapian::Database shard(config.db_path + "/" + name);
    CHECK_FALSE(shard.get_metadata(kRecordDictionaryKey).empty());
    if (id.empty()) id = shard.get_metadata(kRecordDictionaryKey);
    CHECK(shard.get_metadata(kRecordDictionaryKey) == id);
    CHECK_FALSE(shard.get_metadata(std::string(kRecordDictionaryKey) + "." + id).empty());
  }
  // Records before the dictionary went alone, those after with it: smaller.
  size_t before = 0, after = 0;
  for (int n = 0; n < 100; ++n) before += stored_size(config.db_path, n);
  for (int n = 2500; n < 2600; ++n) after += stored_size(config.db_path, n);
  CHECK(after < before * 3 / 4);

  // The reader opened before the dictionary existed reads both kinds.
  for (int n : {3, 15, 1999, 2010, 2599}) CHECK(record_in(*early.value(), n) == article(n).article.record);

  // An update uses the filed dictionary; a bulk rebuild trains its own, and all reads back.
  write(config, 3000, 3010, 10);
  CHECK(stored_size(config.db_path, 3005) < stored_size(config.db_path, 5) * 3 / 4);
  {
    auto searcher = Searcher::open(config);
    REQUIRE(searcher.is_ok());
    for (int n : {0, 2599, 3009}) CHECK(record_in(*searcher.value(), n) == article(n).article.record);
    auto result = searcher.value()->search([] {
      SearchRequest r;
      r.query = bengali_words(2042, 3);
      return r;
    }());
    REQUIRE(result.is_ok());
    REQUIRE_FALSE(result.value().hits.empty());
    CHECK(result.value().hits.front().id == "a2042");
  }
  WriterOptions rebuild;
  rebuild.bulk = true;
  rebuild.rebuild = true;
  write(config, 4000, 6100, 700, rebuild);
  for (const std::string& name : layout::read_stub(config.db_path)) {
    Xapian::Database shard(config.db_path + "/" + name);
    CHECK_FALSE(shard.get_metadata(kRecordDictionaryKey).empty());
  }
  CHECK(stored_size(config.db_path, 6050) < stored_size(config.db_path, 4005) * 3 / 4);
  for (int n : {4000, 6099}) CHECK(record_in(*early.value(), n) == article(n).article.record);
}

TEST_CASE("an undated article's document sorts before every date, by a value of its own", "[core][records]") {
  // A match sorted by date reads the sort values as one stream; a document without a value is
  // looked up in the B-tree on its own (measured: 20,000 block reads for a page of 18,000
  // undated articles, against 26 with the value).
  sondhan::analyzers::Analyzer analyzer;
  const DocumentBuilder builder(analyzer, IndexOptions{});
  Change undated = article(1);
  undated.article.date.reset();
  const auto sort_slot = static_cast<Xapian::valueno>(find_field("date")->sort_slot);
  const std::string none = builder.build(undated.article).get_value(sort_slot);
  Change old = article(2);
  old.article.date = parse_iso_date("1901-01-01");
  const std::string dated = builder.build(old.article).get_value(sort_slot);
  CHECK_FALSE(none.empty());
  CHECK_FALSE(dated.empty());
  CHECK(none < dated);
  CHECK(builder.build(undated.article).get_value(static_cast<Xapian::valueno>(find_field("date")->slot)).empty());
}
