// Threads that live as long as their owner (the IndexWriter), so that what a thread keeps for
// itself, such as the analyzer's term cache, stays warm from one batch to the next.
#pragma once

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
