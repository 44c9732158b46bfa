// A database that takes writes while it is searched: the write side of a writable server.
// One writer thread owns the IndexWriter; callers hand it changes, which are first made durable
// in a write-ahead journal, then applied, then committed: at once after a quiet spell, and at
// most once every index.refresh_ms while changes keep coming.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sondhan/core/article.h"
#include "sondhan/core/config.h"
#include "sondhan/core/status.h"

namespace sondhan::core {

struct LiveIndexOptions {
  /// Named to the next writer that finds the database locked.
  std::string holder = "sondhan-server";
  /// Changes accepted but not yet applied; a submit that would pass this gets kBusy.
  size_t max_pending = 50000;
  /// Called by the writer thread after each commit with its duration and whether it succeeded.
  std::function<void(std::chrono::duration<double> elapsed, bool ok)> on_commit;
};

/// What a submit did with each change, in order.
struct SubmitResult {
  std::vector<ChangeOutcome> outcomes;  // kAdded, kUpdated, kDeleted or kNotFound
  uint64_t sequence = 0;                // the journal position of the last change
  bool visible = false;                 // committed (searchable) when submit returned
};

struct LiveIndexStats {
  size_t pending = 0;            // accepted, not yet applied
  size_t uncommitted = 0;        // applied, not yet committed (not yet searchable)
  uint64_t accepted_sequence = 0;
  uint64_t committed_sequence = 0;
  uint64_t commits = 0;
  int64_t last_commit_unix_ms = 0;  // 0 before the first commit
  uint64_t journal_bytes = 0;
  std::string failure;           // why writes stopped, or ""
};

/// Durability: submit() returns only after its changes are in the journal and synced to disk
/// (concurrent submits share one sync). At open, journal entries the index has not committed
/// are applied again, so an acknowledged change survives a crash at any moment. The journal
/// position a commit reaches is stored in the database's metadata with it.
///
/// Ordering: changes are applied in the order of their journal positions, so the last accepted
/// change to an id wins, the same after a replay.
///
/// Failure: if the journal or the index cannot be written, writes stop (kUnavailable, with the
/// reason) until a restart, which replays the journal; readers are not affected.
/// Thread safety: submit() and stats() from any thread.
class LiveIndex {
 public:
  /// Opens or creates the database at config.db_path for writing (kUnavailable if another
  /// writer holds it; the message names it), replays the journal, starts the writer thread.
  static Result<std::unique_ptr<LiveIndex>> open(const Config& config, LiveIndexOptions options = {});
  /// Commits what is applied and stops the writer thread.
  ~LiveIndex();
  LiveIndex(const LiveIndex&) = delete;
  LiveIndex& operator=(const LiveIndex&) = delete;

  enum class Wait { kApplied, kVisible };
  /// Makes `changes` durable, then waits until they are applied (their outcomes known) or, with
  /// kVisible, until the commit that makes them searchable (at most `visible_timeout`; then
  /// visible is false). kBusy when too many changes are pending; kUnavailable after a failure.
  Result<SubmitResult> submit(std::vector<Change> changes, Wait wait,
                              std::chrono::milliseconds visible_timeout = std::chrono::seconds(60));

  LiveIndexStats stats() const;

 private:
  struct Impl;
  explicit LiveIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sondhan::core
