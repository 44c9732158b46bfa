// A large shard's fingerprints, in short, and their bands (fingerprint.h), in a file beside its
// tables, for the story grouper of a writer that opens the shard later (story_grouper.h).
// Without it, adding 1,000 articles to a million read every article's fingerprint value to build
// the bands (0.55 s, and 128 MB made and sorted), then the fingerprint of each candidate copy
// from the B-tree (75,000 reads, about 0.5 s more): a cost that grew with the archive, paid again
// by every run of the indexer. The file is mapped instead, and its sketches of the fingerprints
// rule out most candidates without a read (2,500 of those 75,000 were left to read).
//
// Written by the writer for a shard its merge makes (IndexWriter: one that updates never write
// into again), and only ever read for the same shard as it was then: the same UUID, the same last
// docid (no article added since) and the same count of commits that replaced articles in place
// (kReplacedKey). Articles deleted since are left out by the reader (BandIndex, deleted_in()). A
// writer does not read the file of a shard it writes into, and removes it before it makes a shard
// a target. A million articles: 196 MB (bands 128 MB, sketches 68 MB).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

#include "sondhan/core/fingerprint.h"
#include "sondhan/core/schema.h"
#include "sondhan/core/status.h"
#include "huge_pages.h"

namespace sondhan::core {

/// The value slot of each article's fingerprint and id (encode_fingerprint).
inline const Xapian::valueno kPrintSlot = static_cast<Xapian::valueno>(kFingerprintSlot);

/// Calls fn(0) ... fn(n - 1), on several threads at once if it can.
using ParallelFor = std::function<Status(size_t n, const std::function<void(size_t)>& fn)>;

/// One band's postings of a shard: value << 32 | docid, in order.
using SortedBand = std::vector<uint64_t, HugePageAllocator<uint64_t>>;

/// fn(band) for every band, on the threads of `parallel` when given. fn's only failure is running
/// out of memory, which the pool reports as a Status: thrown again as std::bad_alloc.
void for_each_band(const ParallelFor& parallel, const std::function<void(size_t)>& fn);

/// Reads every article's fingerprint value (kFingerprintSlot) in `db` into its bands, each sorted
/// (on the threads of `parallel` when given); `each`, when given, is called with every value read,
/// in docid order. Throws Xapian::Error, std::bad_alloc.
std::array<SortedBand, kBands> read_bands(const Xapian::Database& db, const ParallelFor& parallel = {},
                                          const std::function<void(Xapian::docid, std::string_view)>& each = {});

class FingerprintFile {
 public:
  /// Its name in the shard's directory.
  static constexpr const char* kName = "sondhan-fingerprints";

  /// Writes the file of the shard at `dir`, open as `db` (committed: the file describes it as it
  /// is), in place of any. Throws Xapian::Error, std::bad_alloc; kInternal if it cannot be written.
  static Status write(const std::string& dir, const Xapian::Database& db, const ParallelFor& parallel = {});
  /// The file of the shard at `dir`, open as `db`, if it has one that describes it: null if it
  /// has none, or one for another database, from before an article was added or replaced in
  /// place, or not whole. Throws Xapian::Error.
  static std::shared_ptr<const FingerprintFile> open(const std::string& dir, const Xapian::Database& db);
  /// Removes the shard's file, if any (and what a killed write left): true unless it is still there.
  static bool remove(const std::string& dir);

  FingerprintFile(const FingerprintFile&) = delete;
  FingerprintFile& operator=(const FingerprintFile&) = delete;
  ~FingerprintFile();

  /// Band `band`'s postings when the file was written: value << 32 | docid, in order.
  std::span<const uint64_t> band(size_t band) const { return bands_[band]; }
  /// False when the article at docid `did` (as the file has it) is certainly not in the same
  /// story as one with fingerprint `fp` (same_story); true when it may be, which only its whole
  /// fingerprint can tell, or when `did` is past the file's. A sketch keeps 4 bits of each
  /// bucket: buckets equal in those may differ in the others, so it can count too many equal
  /// ones, never too few.
  bool may_share_story(Xapian::docid did, const Fingerprint& fp) const;
  /// The docids the file has a fingerprint for whose articles `db` (the shard now) no longer
  /// holds, in order: none without a look when it holds as many articles as the file counted.
  /// Throws Xapian::Error.
  std::vector<Xapian::docid> deleted_in(const Xapian::Database& db) const;

  /// An article's sketch: its shingle count (0: no fingerprint, or one too short to group), then
  /// the low 4 bits of each bucket, two to a byte.
  static constexpr size_t kSketchBytes = 4 + kMinHashes / 2;

 private:
  FingerprintFile() = default;
  const unsigned char* sketch(Xapian::docid did) const;

  void* map_ = nullptr;
  size_t size_ = 0;
  std::array<std::span<const uint64_t>, kBands> bands_;
  const unsigned char* sketches_ = nullptr;  // by docid, 0 to the last
  Xapian::docid last_docid_ = 0;
  uint64_t documents_ = 0;  // the shard's article count when written
};

}  // namespace sondhan::core
