// How a stored record is kept in the database: record_codec.h's form (Bengali one byte a
// letter), compressed with zstd into the value slot kRecordSlot (schema.h), the document's data
// left empty. Glass would deflate document data with zlib at its default level on every write,
// the largest single cost of indexing; zstd with a dictionary trained on the database's own
// records compresses a record four to five times faster and a quarter smaller, and decompresses
// it four times faster for every hit shown (docs/scale.md).
//
// Dictionaries: a writer that has none trains one from the first kDictionarySamples records it
// writes (those are compressed without one) and files it in every shard's metadata under
// kRecordDictionaryKey + "." + its id, with kRecordDictionaryKey naming the one new records use.
// A zstd frame names the dictionary it needs, and every dictionary stays in the metadata of the
// shards written with it (merges keep every key), so records compressed with different ones (a
// database rebuilt, then extended) all read back.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

namespace sondhan::core {

/// The metadata key naming the dictionary new records are compressed with (its id, in decimal);
/// the dictionaries themselves are under this key + "." + id.
inline constexpr char kRecordDictionaryKey[] = "sondhan.record_dictionary";

/// How many records a writer collects to train a database's dictionary.
inline constexpr size_t kDictionarySamples = 2000;

class RecordDictionary {
 public:
  /// A dictionary trained on `samples` (records in record_codec.h's form); null if zstd cannot
  /// make one of them (too few, or too alike).
  static std::shared_ptr<const RecordDictionary> train(const std::vector<std::string>& samples);
  /// A dictionary as filed in the metadata; null if `bytes` is not one.
  static std::shared_ptr<const RecordDictionary> from_bytes(std::string bytes);
  ~RecordDictionary();
  RecordDictionary(const RecordDictionary&) = delete;
  RecordDictionary& operator=(const RecordDictionary&) = delete;

  uint32_t id() const { return id_; }
  const std::string& bytes() const { return bytes_; }
  /// Where it is filed: kRecordDictionaryKey + "." + id.
  std::string metadata_key() const;
  /// Files it in `db`'s metadata as the dictionary of new records.
  void file_in(Xapian::WritableDatabase& db) const;

  struct Contexts;  // zstd's digested forms, each made when first used (a reader never compresses)

 private:
  RecordDictionary(std::string bytes, uint32_t id);
  std::string bytes_;
  uint32_t id_;
  std::unique_ptr<Contexts> contexts_;
  friend std::string compress_record(std::string_view, const RecordDictionary*);
  friend class RecordReader;
};

/// `encoded` (record_codec.h's form) as stored: a zstd frame, with `dict` if not null.
std::string compress_record(std::string_view encoded, const RecordDictionary* dict);

/// The dictionary `db` files for new records (kRecordDictionaryKey), or null.
std::shared_ptr<const RecordDictionary> filed_dictionary(const Xapian::Database& db);

/// Reads stored records back, with the dictionaries of the shards it was given. One thread at a
/// time.
class RecordReader {
 public:
  /// The dictionaries filed in `shards` (again when a record needs one not read yet).
  void use_shards(const std::vector<Xapian::Database>* shards);
  /// The JSON text of `doc`'s record: from kRecordSlot, or the document's data as earlier
  /// formats kept it. Empty if the stored bytes cannot be read.
  std::string json_of(const Xapian::Document& doc);
  /// The record_codec.h form inside a kRecordSlot value; false if it cannot be read.
  bool decompress(std::string_view stored, std::string* encoded);

 private:
  void load_dictionaries();
  const std::vector<Xapian::Database>* shards_ = nullptr;
  std::map<uint32_t, std::shared_ptr<const RecordDictionary>> dictionaries_;
};

}  // namespace sondhan::core
