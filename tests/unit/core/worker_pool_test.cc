#include <catch2/catch.hpp>

#include <atomic>
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
