// Hashes that are the same on every platform and build (unlike std::hash), for what the index
// stores: FNV-1a over bytes, and the splitmix64 finalizer to spread its bits.
#pragma once

#include <cstdint>
#include <string_view>

namespace sondhan::core {

inline uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

inline uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace sondhan::core
