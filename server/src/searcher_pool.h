// The searchers that answer requests: a fixed number, so that at most that many searches run at
// once however many connections are open, each keeping its own database handle and buffers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "sondhan/core/config.h"
#include "sondhan/core/searcher.h"
#include "sondhan/core/status.h"

namespace sondhan::server {

/// Thread safety: acquire() from any thread; a Lease is used by one thread at a time.
class SearcherPool {
 public:
  /// `size` searchers over config.db_path, opened when first needed (a server started before its
  /// database exists answers 503 until it appears); a request waits up to `wait` for one.
  SearcherPool(core::Config config, size_t size, std::chrono::milliseconds wait);

  /// A searcher for one request, given back to the pool when the lease ends.
  class Lease {
   public:
    Lease(SearcherPool* pool, size_t slot) : pool_(pool), slot_(slot) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), slot_(other.slot_) { other.pool_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    core::Searcher& operator*() const { return *pool_->searchers_[slot_]; }
    core::Searcher* operator->() const { return pool_->searchers_[slot_].get(); }

   private:
    SearcherPool* pool_;
    size_t slot_;
  };

  /// A searcher. kBusy if every searcher stayed busy for the whole wait; kUnavailable if the
  /// database cannot be opened.
  core::Result<Lease> acquire();

  size_t size() const { return searchers_.size(); }

 private:
  const core::Config config_;
  const std::chrono::milliseconds wait_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<core::Searcher>> searchers_;  // null until opened
  std::vector<size_t> free_;                                 // slots not leased
};

}  // namespace sondhan::server
