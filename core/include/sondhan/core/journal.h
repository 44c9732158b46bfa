// The write-ahead journal of a writable server. Every change the server accepts is appended
// and synced to disk before the server answers; changes are applied to the index, and committed
// with the position they reached; after a crash, what the index has not committed is replayed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sondhan/core/status.h"

namespace sondhan::core {

/// Files: <dir>/<first sequence number, 20 digits>.journal, each a run of entries
///   [payload length: 4 bytes LE][CRC-32 of the sequence number and payload: 4 bytes LE]
///   [sequence number: 8 bytes LE][payload]
/// A crash in the middle of an append leaves a torn last entry; it was never acknowledged, and
/// replay and the next append ignore and overwrite it.
/// Thread safety: append() from any thread; the others from one.
class Journal {
 public:
  /// Opens (creating `dir`) the journal; the next entry follows the last whole one, and
  /// `after` (the last the index has committed: numbers go on from there when every file was
  /// forgotten).
  static Result<std::unique_ptr<Journal>> open(const std::string& dir, uint64_t after = 0);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// Appends `payloads` as consecutive entries and syncs them to disk (fdatasync; concurrent
  /// appends share one sync). Returns the sequence number of the last; kInternal on an I/O error.
  Result<uint64_t> append(const std::vector<std::string>& payloads);

  /// Calls fn(sequence, payload) for every whole entry after `after`, in order; stops at the
  /// first error fn returns.
  Status replay(uint64_t after, const std::function<Status(uint64_t, std::string_view)>& fn);

  /// Forgets what the index has committed: removes the files whose entries are all at or
  /// before `upto`.
  Status forget(uint64_t upto);

  /// The sequence number of the last entry (0 when none was ever written).
  uint64_t last() const;

  /// Bytes on disk, over all files.
  uint64_t size_bytes() const;

 private:
  struct Impl;
  explicit Journal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sondhan::core
