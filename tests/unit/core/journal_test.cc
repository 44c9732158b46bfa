// The write-ahead journal: entries come back in order after a reopen, a torn tail is cut,
// forgotten files go, numbering carries on, concurrent appends get contiguous numbers.
#include <filesystem>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "sondhan/core/journal.h"
#include "test_support.h"

using sondhan::core::Journal;
using sondhan::core::Status;
using sondhan::testing::TempDir;

namespace {

std::vector<std::pair<uint64_t, std::string>> replay_all(Journal& j, uint64_t after = 0) {
  std::vector<std::pair<uint64_t, std::string>> out;
  const Status s = j.replay(after, [&](uint64_t seq, std::string_view payload) {
    out.emplace_back(seq, std::string(payload));
    return Status::ok();
  });
  REQUIRE(s.is_ok());
  return out;
}

std::vector<std::filesystem::path> files_in(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("journal: entries come back in order after a reopen, from a position on", "[journal]") {
  TempDir dir;
  const std::string path = dir.str("journal");
  {
    auto j = Journal::open(path);
    REQUIRE(j.is_ok());
    CHECK(j.value()->last() == 0);
    auto a = j.value()->append({"একটি", "দুটি"});
    REQUIRE(a.is_ok());
    CHECK(a.value() == 2);
    auto b = j.value()->append({std::string("তিন\0নয়", 13)});
    REQUIRE(b.is_ok());
    CHECK(b.value() == 3);
  }
  auto j = Journal::open(path);
  REQUIRE(j.is_ok());
  CHECK(j.value()->last() == 3);
  const auto all = replay_all(*j.value());
  REQUIRE(all.size() == 3);
  CHECK(all[0] == std::pair<uint64_t, std::string>{1, "একটি"});
  CHECK(all[2].second == std::string("তিন\0নয়", 13));
  CHECK(replay_all(*j.value(), 2).size() == 1);
  CHECK(j.value()->append({"চার"}).value() == 4);
}

TEST_CASE("journal: a torn or corrupt tail is cut, and what follows it is never read", "[journal]") {
  TempDir dir;
  const std::string path = dir.str("journal");
  {
    auto j = Journal::open(path);
    REQUIRE(j.value()->append({"first", "second"}).is_ok());
  }
  const auto file = files_in(path).at(0);
  const auto whole = std::filesystem::file_size(file);
  SECTION("half an entry") {
    std::ofstream(file, std::ios::app | std::ios::binary) << std::string("\x40\0\0\0garbage", 11);
  }
  SECTION("a flipped byte in the last entry") {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(whole - 2));
    f.put('X');
  }
  auto j = Journal::open(path);
  REQUIRE(j.is_ok());
  const auto entries = replay_all(*j.value());
  REQUIRE_FALSE(entries.empty());
  CHECK(entries[0].second == "first");
  const uint64_t last = j.value()->last();
  CHECK(last == entries.size());
  // The next append continues after the last whole entry and is read back.
  REQUIRE(j.value()->append({"third"}).value() == last + 1);
  auto again = Journal::open(path);
  CHECK(replay_all(*again.value()).back().second == "third");
}

TEST_CASE("journal: forget removes what the index holds, numbers go on after it", "[journal]") {
  TempDir dir;
  const std::string path = dir.str("journal");
  {
    auto j = Journal::open(path);
    REQUIRE(j.value()->append({"a", "b", "c"}).is_ok());
    REQUIRE(j.value()->forget(3).is_ok());
    CHECK(files_in(path).empty());
    CHECK(j.value()->size_bytes() == 0);
  }
  // Reopened with the position the index committed: the next entry is 4, not 1.
  auto j = Journal::open(path, 3);
  REQUIRE(j.is_ok());
  CHECK(j.value()->append({"d"}).value() == 4);
  CHECK(replay_all(*j.value(), 3).size() == 1);
}

TEST_CASE("journal: concurrent appends get contiguous numbers and all survive", "[journal]") {
  TempDir dir;
  const std::string path = dir.str("journal");
  auto j = Journal::open(path);
  REQUIRE(j.is_ok());
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> lasts(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto r = j.value()->append({"t" + std::to_string(t) + "-" + std::to_string(i), "x"});
        if (r.is_ok()) lasts[t].push_back(r.value());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<uint64_t> all;
  for (const auto& l : lasts) all.insert(all.end(), l.begin(), l.end());
  REQUIRE(all.size() == 200);
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i < all.size(); ++i) CHECK(all[i] == 2 * (i + 1));
  auto reopened = Journal::open(path);
  CHECK(replay_all(*reopened.value()).size() == 400);
}
