#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <vector>
#include <stdexcept>
#include <thread>

#include "worker_pool.h"

using namespace sondhan::core;

TEST_CASE("worker pool: each index runs once per call, on the same thread every time", "[core][pool]") {
  WorkerPool pool(2);
  std::thread::id first[3];
  for (int round = 0; round < 50; ++round) {
    std::atomic<int> calls[3] = {0, 0, 0};
    std::thread::id ids[3];
    REQUIRE(pool.run(3, [&](size_t i) {
      ++calls[i];
      ids[i] = std::this_thread::get_id();
      return Status::ok();
    }).is_ok());
    for (int i = 0; i < 3; ++i) {
      CHECK(calls[i] == 1);
      if (round == 0) first[i] = ids[i];
      CHECK(ids[i] == first[i]);
    }
  }
  CHECK(first[2] == std::this_thread::get_id());  // the caller takes the last index
  CHECK(first[0] != first[1]);
}

TEST_CASE("worker pool: fewer tasks than threads, errors and exceptions", "[core][pool]") {
  WorkerPool pool(3);
  std::atomic<int> calls{0};
  REQUIRE(pool.run(2, [&](size_t) { ++calls; return Status::ok(); }).is_ok());
  CHECK(calls == 2);
  CHECK(pool.run(0, [&](size_t) { ++calls; return Status::ok(); }).is_ok());
  CHECK(calls == 2);

  Status s = pool.run(4, [](size_t i) { return i == 1 ? Status::internal("shard 1 failed") : Status::ok(); });
  CHECK(s.message() == "shard 1 failed");
  s = pool.run(4, [](size_t i) -> Status {
    if (i == 0) throw std::runtime_error("thrown on a helper");
    return Status::ok();
  });
  CHECK(s.message() == "thrown on a helper");
  CHECK_FALSE(pool.run(5, [](size_t) { return Status::ok(); }).is_ok());  // more than it has
  // Still usable after all that.
  CHECK(pool.run(4, [](size_t) { return Status::ok(); }).is_ok());
}

TEST_CASE("worker pool: for_each hands every item out once, to whichever thread is free", "[core][pool]") {
  WorkerPool pool(1);
  std::vector<std::atomic<int>> calls(1000);
  std::atomic<int> on_helper{0};
  const std::thread::id caller = std::this_thread::get_id();
  // The caller's thread is slow: the helper takes most items, not the half a fixed split gives.
  REQUIRE(pool.for_each(2, calls.size(), [&](size_t thread, size_t i) {
    CHECK(thread < 2);
    ++calls[i];
    if (std::this_thread::get_id() == caller) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    } else {
      ++on_helper;
    }
    return Status::ok();
  }).is_ok());
  for (const auto& c : calls) CHECK(c == 1);
  CHECK(on_helper > 750);

  std::atomic<int> started{0};
  const Status s = pool.for_each(2, 1000, [&](size_t, size_t i) {
    ++started;
    return i == 10 ? Status::internal("item 10 failed") : Status::ok();
  });
  CHECK(s.message() == "item 10 failed");
  CHECK(started < 1000);  // nothing more is started once one failed
  CHECK(pool.for_each(4, 0, [](size_t, size_t) { return Status::ok(); }).is_ok());
}

TEST_CASE("worker pool: for_each_queued takes each thread's own queue first, then helps", "[core][pool]") {
  WorkerPool pool(1);
  const std::vector<std::vector<size_t>> queues = {{0, 2, 4, 6}, {1, 3, 5, 7, 8, 9, 10, 11}};
  std::vector<std::atomic<int>> calls(12);
  std::vector<size_t> by_thread(12, 99);
  std::atomic<bool> first_seen{false};
  REQUIRE(pool.for_each_queued(queues, [&](size_t thread, size_t item) {
    ++calls[item];
    by_thread[item] = thread;
    // Each thread's first item is from its own queue.
    if (!first_seen.exchange(true)) CHECK(item % 2 == thread % 2);
    if (thread == 1) std::this_thread::sleep_for(std::chrono::milliseconds(5));  // thread 1 lags
    return Status::ok();
  }).is_ok());
  for (const auto& c : calls) CHECK(c == 1);
  CHECK(by_thread[1] == 1);  // its own queue's head
  CHECK(by_thread[0] == 0);
  // The lagging thread's queue was finished with help.
  size_t helped = 0;
  for (size_t item : queues[1]) helped += by_thread[item] == 0 ? 1 : 0;
  CHECK(helped >= 3);
  CHECK_FALSE(pool.for_each_queued({{0}, {1}, {2}}, [](size_t, size_t) { return Status::ok(); }).is_ok());
}
