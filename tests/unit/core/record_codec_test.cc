#include <catch2/catch.hpp>

#include <random>

#include "sondhan/core/record_codec.h"
#include "test_support.h"

using namespace sondhan::core;

TEST_CASE("records round-trip through the compact encoding", "[core][codec]") {
  for (const std::string& json : {
           std::string(R"({"id":"a","title":"উত্তর কোরিয়ার সেনা","body":"‘বন্ধুত্ব’ ২০২৫ — é 😀 \u09FF"})"),
           std::string("{}"),
           std::string(""),
           std::string("plain ascii"),
       }) {
    const std::string stored = encode_record(json);
    CHECK(decode_record(stored) == json);
  }
}

TEST_CASE("Bengali text takes a byte per character", "[core][codec]") {
  const std::string bengali = "কোরিয়া";  // 7 code points, 21 bytes
  CHECK(encode_record(bengali).size() == 1 + 7);
}

TEST_CASE("every sample record round-trips", "[core][codec]") {
  std::istringstream lines(sondhan::testing::read_file(sondhan::testing::sample_path()));
  std::string line;
  size_t n = 0;
  while (std::getline(lines, line)) {
    CHECK(decode_record(encode_record(line)) == line);
    CHECK(encode_record(line).size() < line.size());
    ++n;
  }
  CHECK(n == 51);
}

TEST_CASE("random UTF-8 round-trips", "[core][codec]") {
  std::mt19937 rng(7);
  const char32_t ranges[][2] = {{0x20, 0x7E}, {0x0980, 0x09FF}, {0x00A0, 0x07FF}, {0x2000, 0x2FFF}, {0x1F600, 0x1F64F}};
  for (int round = 0; round < 200; ++round) {
    std::string s;
    for (int i = 0; i < 50; ++i) {
      const auto& r = ranges[rng() % 5];
      const char32_t c = r[0] + rng() % (r[1] - r[0] + 1);
      if (c < 0x80) s.push_back(static_cast<char>(c));
      else if (c < 0x800) { s.push_back(static_cast<char>(0xC0 | (c >> 6))); s.push_back(static_cast<char>(0x80 | (c & 0x3F))); }
      else if (c < 0x10000) { s.push_back(static_cast<char>(0xE0 | (c >> 12))); s.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F))); s.push_back(static_cast<char>(0x80 | (c & 0x3F))); }
      else { s.push_back(static_cast<char>(0xF0 | (c >> 18))); s.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F))); s.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F))); s.push_back(static_cast<char>(0x80 | (c & 0x3F))); }
    }
    REQUIRE(decode_record(encode_record(s)) == s);
  }
}

TEST_CASE("plain JSON stored by earlier versions decodes to itself", "[core][codec]") {
  CHECK(decode_record(R"({"id":"x","title":"ঢাকা"})") == R"({"id":"x","title":"ঢাকা"})");
}
