// Threads that live as long as their owner (the IndexWriter), so that what a thread keeps for
// itself, such as the analyzer's term cache, stays warm from one batch to the next.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "sondhan/core/status.h"

namespace sondhan::core {

class WorkerPool {
 public:
  /// `helpers` threads; run() uses them plus the calling thread.
  explicit WorkerPool(size_t helpers);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Calls fn(0) ... fn(n - 1) at once, fn(i) always on the same thread for a given i (the
  /// caller takes n - 1), and returns the first error. An exception from fn becomes its
  /// Status. n must not exceed helpers + 1. One caller at a time: run() is not reentrant.
  Status run(size_t n, const std::function<Status(size_t)>& fn);

  /// Calls fn(thread, i) for each i in [0, n) on up to `threads` threads (thread < threads),
  /// each i handed to whichever thread is free next, so that a thread slowed by another process
  /// or given longer items leaves the rest to the others instead of holding them at the end.
  /// Returns the first error; once an fn has returned one, no further item is started.
  Status for_each(size_t threads, size_t n, const std::function<Status(size_t thread, size_t i)>& fn);

  /// As for_each, over one queue of items per thread: thread t takes queue t's items in order,
  /// then helps with the others' (what a thread built is cheaper for it to use than for another).
  Status for_each_queued(const std::vector<std::vector<size_t>>& queues,
                         const std::function<Status(size_t thread, size_t item)>& fn);

 private:
  void serve(size_t index);

  std::mutex mu_;
  std::condition_variable work_, done_;
  const std::function<Status(size_t)>* task_ = nullptr;
  size_t task_size_ = 0;
  size_t generation_ = 0;  // bumped for every run(), so a helper runs each task once
  size_t pending_ = 0;     // helpers still running the current task
  bool stopping_ = false;
  std::vector<Status> results_;
  std::vector<std::thread> threads_;
};

}  // namespace sondhan::core
