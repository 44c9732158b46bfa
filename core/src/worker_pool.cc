#include "worker_pool.h"

#include <xapian.h>

namespace sondhan::core {
namespace {

// An exception must not escape a thread (std::terminate): it becomes that call's Status.
Status guarded(const std::function<Status(size_t)>& fn, size_t i) {
  try {
    return fn(i);
  } catch (const Xapian::Error& e) {
    return Status::internal(e.get_description());
  } catch (const std::exception& e) {
    return Status::internal(e.what());
  }
}

}  // namespace

WorkerPool::WorkerPool(size_t helpers) : results_(helpers + 1) {
  for (size_t i = 0; i < helpers; ++i) threads_.emplace_back(&WorkerPool::serve, this, i);
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_.notify_all();
  for (std::thread& t : threads_) t.join();
}

Status WorkerPool::run(size_t n, const std::function<Status(size_t)>& fn) {
  if (n == 0) return Status::ok();
  if (n > threads_.size() + 1) return Status::internal("worker pool asked for more threads than it has");
  {
    std::lock_guard lock(mu_);
    task_ = &fn;
    task_size_ = n;
    pending_ = n - 1;
    ++generation_;
  }
  work_.notify_all();
  results_[n - 1] = guarded(fn, n - 1);
  std::unique_lock lock(mu_);
  done_.wait(lock, [&] { return pending_ == 0; });
  task_ = nullptr;
  for (size_t i = 0; i < n; ++i) {
    if (!results_[i].is_ok()) return results_[i];
  }
  return Status::ok();
}

void WorkerPool::serve(size_t index) {
  size_t seen = 0;
  std::unique_lock lock(mu_);
  while (true) {
    work_.wait(lock, [&] { return stopping_ || generation_ != seen; });
    if (stopping_) return;
    seen = generation_;
    if (index + 1 >= task_size_) continue;  // this task needs fewer threads
    const auto* fn = task_;
    lock.unlock();
    Status s = guarded(*fn, index);
    lock.lock();
    results_[index] = std::move(s);
    if (--pending_ == 0) done_.notify_one();
  }
}

}  // namespace sondhan::core
