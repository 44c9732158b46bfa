#include "worker_pool.h"

#include <algorithm>

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

Status WorkerPool::for_each(size_t threads, size_t n, const std::function<Status(size_t, size_t)>& fn) {
  threads = std::max<size_t>(1, std::min({threads, n, threads_.size() + 1}));
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  return run(threads, [&](size_t thread) {
    for (size_t i; !failed.load(std::memory_order_relaxed) && (i = next.fetch_add(1)) < n;) {
      if (Status s = fn(thread, i); !s.is_ok()) {
        failed = true;
        return s;
      }
    }
    return Status::ok();
  });
}

Status WorkerPool::for_each_queued(const std::vector<std::vector<size_t>>& queues,
                                   const std::function<Status(size_t, size_t)>& fn) {
  const size_t threads = std::min(queues.size(), threads_.size() + 1);
  if (threads < queues.size()) return Status::internal("worker pool asked for more threads than it has");
  std::vector<std::atomic<size_t>> next(threads);
  std::atomic<bool> failed{false};
  return run(threads, [&](size_t thread) {
    for (size_t k = 0; k < threads; ++k) {
      const size_t q = (thread + k) % threads;
      for (size_t i; !failed.load(std::memory_order_relaxed) && (i = next[q].fetch_add(1)) < queues[q].size();) {
        if (Status s = fn(thread, queues[q][i]); !s.is_ok()) {
          failed = true;
          return s;
        }
      }
    }
    return Status::ok();
  });
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
