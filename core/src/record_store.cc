// Stored records compressed with zstd and a database's own dictionary (record_store.h).
#include "record_store.h"

#include <mutex>

#include <zdict.h>
#include <zstd.h>

#include "sondhan/core/record_codec.h"
#include "sondhan/core/schema.h"

namespace sondhan::core {
namespace {

// zstd's default level: with a dictionary, 6-9 us a record against zlib's 33-42 us, and smaller.
constexpr int kLevel = 3;
// The dictionary's size: larger ones compressed no better on news records (32, 64 and 110 KiB
// measured: 769, 749 and 737 bytes a real article, 1,040 with zlib).
constexpr size_t kDictionaryBytes = 64 * 1024;

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// A context per thread: building documents runs on the writer's threads, reading on a searcher's.
ZSTD_CCtx* compressor() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxFree> ctx(ZSTD_createCCtx());
  return ctx.get();
}

ZSTD_DCtx* decompressor() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> ctx(ZSTD_createDCtx());
  return ctx.get();
}

// Where dictionary `id` (decimal) is filed; with id "", the prefix of every dictionary's key.
std::string dictionary_key(std::string_view id) {
  return std::string(kRecordDictionaryKey) + "." + std::string(id);
}

}  // namespace

// Digesting the dictionary for compression builds its match tables (about a millisecond); each
// form is made once, by the first thread that needs it.
struct RecordDictionary::Contexts {
  explicit Contexts(const std::string& dictionary) : bytes(dictionary) {}
  ~Contexts() {
    ZSTD_freeCDict(cdict);
    ZSTD_freeDDict(ddict);
  }
  const ZSTD_CDict* compressing() {
    std::call_once(cdict_made, [this] { cdict = ZSTD_createCDict(bytes.data(), bytes.size(), kLevel); });
    return cdict;
  }
  const ZSTD_DDict* decompressing() {
    std::call_once(ddict_made, [this] { ddict = ZSTD_createDDict(bytes.data(), bytes.size()); });
    return ddict;
  }
  const std::string& bytes;
  std::once_flag cdict_made, ddict_made;
  ZSTD_CDict* cdict = nullptr;
  ZSTD_DDict* ddict = nullptr;
};

RecordDictionary::RecordDictionary(std::string bytes, uint32_t id)
    : bytes_(std::move(bytes)), id_(id), contexts_(std::make_unique<Contexts>(bytes_)) {}

RecordDictionary::~RecordDictionary() = default;

std::shared_ptr<const RecordDictionary> RecordDictionary::train(const std::vector<std::string>& samples) {
  std::string joined;
  std::vector<size_t> sizes;
  for (const std::string& s : samples) {
    joined += s;
    sizes.push_back(s.size());
  }
  std::string bytes(kDictionaryBytes, '\0');
  const size_t n = ZDICT_trainFromBuffer(bytes.data(), bytes.size(), joined.data(), sizes.data(),
                                         static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(n)) return nullptr;
  bytes.resize(n);
  return from_bytes(std::move(bytes));
}

std::shared_ptr<const RecordDictionary> RecordDictionary::from_bytes(std::string bytes) {
  const unsigned id = ZDICT_getDictID(bytes.data(), bytes.size());
  if (id == 0) return nullptr;  // not a zstd dictionary (0 is "none" in a frame)
  // The id is zstd's check that these are a dictionary's bytes; a damaged one fails to
  // decompress its records (RecordReader::decompress says false).
  return std::shared_ptr<RecordDictionary>(new RecordDictionary(std::move(bytes), id));
}

std::string RecordDictionary::metadata_key() const {
  return dictionary_key(std::to_string(id_));
}

void RecordDictionary::file_in(Xapian::WritableDatabase& db) const {
  db.set_metadata(metadata_key(), bytes_);
  db.set_metadata(kRecordDictionaryKey, std::to_string(id_));
}

std::string compress_record(std::string_view encoded, const RecordDictionary* dict) {
  std::string out(ZSTD_compressBound(encoded.size()), '\0');
  const size_t n = dict != nullptr
                       ? ZSTD_compress_usingCDict(compressor(), out.data(), out.size(), encoded.data(),
                                                  encoded.size(), dict->contexts_->compressing())
                       : ZSTD_compressCCtx(compressor(), out.data(), out.size(), encoded.data(), encoded.size(), kLevel);
  // Only a bound too small fails, and the bound is zstd's own.
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

std::shared_ptr<const RecordDictionary> filed_dictionary(const Xapian::Database& db) {
  const std::string id = db.get_metadata(kRecordDictionaryKey);
  if (id.empty()) return nullptr;
  return RecordDictionary::from_bytes(db.get_metadata(dictionary_key(id)));
}

void RecordReader::use_shards(const std::vector<Xapian::Database>* shards) {
  shards_ = shards;
  load_dictionaries();
}

void RecordReader::load_dictionaries() {
  if (shards_ == nullptr) return;
  const std::string prefix = dictionary_key("");
  for (const Xapian::Database& shard : *shards_) {
    for (auto key = shard.metadata_keys_begin(prefix); key != shard.metadata_keys_end(prefix); ++key) {
      const std::string id_text = (*key).substr(prefix.size());
      const auto id = static_cast<uint32_t>(std::strtoul(id_text.c_str(), nullptr, 10));
      if (dictionaries_.count(id) != 0) continue;
      if (auto dict = RecordDictionary::from_bytes(shard.get_metadata(*key)); dict && dict->id() == id) {
        dictionaries_.emplace(id, std::move(dict));
      }
    }
  }
}

bool RecordReader::decompress(std::string_view stored, std::string* encoded) {
  const unsigned long long size = ZSTD_getFrameContentSize(stored.data(), stored.size());
  // Records are validated to be at most a few MB; a frame claiming more is not one of ours.
  if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR || size > (1ULL << 31)) return false;
  const unsigned id = ZSTD_getDictID_fromFrame(stored.data(), stored.size());
  const ZSTD_DDict* ddict = nullptr;
  if (id != 0) {
    auto it = dictionaries_.find(id);
    if (it == dictionaries_.end()) {
      load_dictionaries();  // a writer filed it since
      it = dictionaries_.find(id);
      if (it == dictionaries_.end()) return false;
    }
    ddict = it->second->contexts_->decompressing();
    if (ddict == nullptr) return false;
  }
  encoded->resize(static_cast<size_t>(size));
  const size_t n = ddict != nullptr
                       ? ZSTD_decompress_usingDDict(decompressor(), encoded->data(), encoded->size(), stored.data(),
                                                    stored.size(), ddict)
                       : ZSTD_decompressDCtx(decompressor(), encoded->data(), encoded->size(), stored.data(), stored.size());
  return !ZSTD_isError(n) && n == size;
}

std::string RecordReader::json_of(const Xapian::Document& doc) {
  const std::string stored = doc.get_value(static_cast<Xapian::valueno>(kRecordSlot));
  if (stored.empty()) return decode_record(doc.get_data());  // formats 7 and 8
  std::string encoded;
  if (!decompress(stored, &encoded)) return {};
  return decode_record(encoded);
}

}  // namespace sondhan::core
