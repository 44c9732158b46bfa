// A set of 64-bit hashes in one array (open addressing, linear probing), for the sets a build
// fills for every word or shingle of every article: std::unordered_set allocates a node per
// entry and chases a pointer per look-up, which cost a few percent of the indexing time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sondhan::core {

class HashSet64 {
 public:
  /// Room for `n` entries before the table grows.
  void reserve(size_t n) {
    size_t capacity = 16;
    while (capacity < 2 * n) capacity *= 2;
    if (capacity > slots_.size()) rehash(capacity);
  }

  /// Adds `h`; false if it was already there. The low bits place an entry, so `h` should be a
  /// well-mixed hash. Throws std::bad_alloc.
  bool insert(uint64_t h) {
    if (h == 0) {  // 0 marks an empty slot: the value 0 is kept apart
      if (has_zero_) return false;
      has_zero_ = true;
      return true;
    }
    if (2 * (used_ + 1) > slots_.size()) rehash(slots_.empty() ? 16 : 2 * slots_.size());
    const size_t mask = slots_.size() - 1;
    for (size_t i = static_cast<size_t>(h) & mask;; i = (i + 1) & mask) {
      if (slots_[i] == h) return false;
      if (slots_[i] == 0) {
        slots_[i] = h;
        ++used_;
        return true;
      }
    }
  }

  size_t size() const { return used_ + (has_zero_ ? 1 : 0); }

  /// Empties the set and gives its memory back.
  void clear() {
    std::vector<uint64_t>().swap(slots_);
    used_ = 0;
    has_zero_ = false;
  }

 private:
  void rehash(size_t capacity) {  // capacity: a power of two
    std::vector<uint64_t> old(capacity, 0);
    old.swap(slots_);
    used_ = 0;
    const size_t mask = capacity - 1;
    for (const uint64_t h : old) {
      if (h == 0) continue;
      size_t i = static_cast<size_t>(h) & mask;
      while (slots_[i] != 0) i = (i + 1) & mask;
      slots_[i] = h;
      ++used_;
    }
  }

  std::vector<uint64_t> slots_;  // size 0 or a power of two, at most half full
  size_t used_ = 0;              // non-zero entries
  bool has_zero_ = false;
};

}  // namespace sondhan::core
