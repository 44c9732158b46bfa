// SearcherPool: a free list of searcher slots guarded by one mutex.
#include "searcher_pool.h"

#include <numeric>

namespace sondhan::server {

SearcherPool::SearcherPool(core::Config config, size_t size, std::chrono::milliseconds wait)
    : config_(std::move(config)), wait_(wait), searchers_(std::max<size_t>(1, size)) {
  free_.resize(searchers_.size());
  std::iota(free_.rbegin(), free_.rend(), 0);  // slot 0 is handed out first
}

SearcherPool::Lease::~Lease() {
  if (pool_ == nullptr) return;
  {
    std::lock_guard lock(pool_->mu_);
    pool_->free_.push_back(slot_);
  }
  pool_->freed_.notify_one();
}

core::Result<SearcherPool::Lease> SearcherPool::acquire() {
  size_t slot;
  {
    std::unique_lock lock(mu_);
    if (!freed_.wait_for(lock, wait_, [&] { return !free_.empty(); })) {
      return core::Status::busy("every searcher stayed busy for " + std::to_string(wait_.count()) +
                                " ms; try again shortly");
    }
    slot = free_.back();
    free_.pop_back();
  }
  Lease lease(this, slot);
  if (!searchers_[slot]) {
    // Opened outside the lock: opening reads the database's files.
    auto opened = core::Searcher::open(config_);
    if (!opened.is_ok()) return opened.status();
    searchers_[slot] = std::move(opened.value());
  }
  return lease;
}

}  // namespace sondhan::server
