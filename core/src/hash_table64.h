// Tables keyed by 64-bit integers in one array (open addressing, linear probing, at most half
// full), for the sets and maps a build fills for every word, shingle or article: the standard
// unordered containers allocate a node per entry and chase a pointer per look-up (two cache
// misses), which cost a few percent of the indexing time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace sondhan::core {

/// A map from non-zero 64-bit keys to `Value`s (0 marks an empty slot). Entries are never taken
/// out: a caller that forgets one marks its value. References stay valid until the next
/// insert() or clear().
template <typename Value>
class HashMap64 {
 public:
  /// Room for `n` entries before the table grows.
  void reserve(size_t n) {
    size_t capacity = 16;
    while (capacity < 2 * n) capacity *= 2;
    if (capacity > slots_.size()) rehash(capacity);
  }

  /// The value of `key`, or null. REQUIRES: key != 0.
  Value* find(uint64_t key) {
    if (slots_.empty()) return nullptr;
    for (size_t i = home(key);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].key == key) return &slots_[i].value;
      if (slots_[i].key == 0) return nullptr;
    }
  }
  const Value* find(uint64_t key) const { return const_cast<HashMap64*>(this)->find(key); }

  /// The value of `key`, value-initialised when new (`*added` says whether it was). REQUIRES:
  /// key != 0. Throws std::bad_alloc.
  Value& insert(uint64_t key, bool* added = nullptr) {
    if (2 * (used_ + 1) > slots_.size()) rehash(slots_.empty() ? 16 : 2 * slots_.size());
    size_t i = home(key);
    while (slots_[i].key != key && slots_[i].key != 0) i = (i + 1) & (slots_.size() - 1);
    const bool fresh = slots_[i].key == 0;
    if (fresh) {
      slots_[i].key = key;
      ++used_;
    }
    if (added != nullptr) *added = fresh;
    return slots_[i].value;
  }

  /// Asks the processor for the slot find(key) reads first: look-ups of several keys asked for
  /// together overlap their cache misses instead of each waiting for the one before.
  void prefetch(uint64_t key) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[home(key)]);
  }

  size_t size() const { return used_; }

  /// Empties the table and gives its memory back.
  void clear() {
    std::vector<Slot>().swap(slots_);
    used_ = 0;
    shift_ = 64;
  }

 private:
  struct Slot {
    uint64_t key = 0;
    [[no_unique_address]] Value value{};
  };

  // Fibonacci hashing: the top bits of the product, so that keys alike in their low bits (a
  // shard and docid in one word) spread as well as hashes do.
  size_t home(uint64_t key) const { return static_cast<size_t>((key * 0x9E3779B97F4A7C15ULL) >> shift_); }

  void rehash(size_t capacity) {  // capacity: a power of two
    std::vector<Slot> old(capacity);
    old.swap(slots_);
    shift_ = 64;
    for (size_t c = capacity; c > 1; c /= 2) --shift_;
    for (Slot& s : old) {
      if (s.key == 0) continue;
      size_t i = home(s.key);
      while (slots_[i].key != 0) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = std::move(s);
    }
  }

  std::vector<Slot> slots_;  // size 0 or a power of two
  size_t used_ = 0;          // slots with a key
  int shift_ = 64;           // 64 - log2(slots_.size())
};

/// A set of 64-bit hashes, 0 included.
class HashSet64 {
 public:
  /// Room for `n` entries before the table grows.
  void reserve(size_t n) { table_.reserve(n); }

  /// Adds `h`; false if it was already there. Throws std::bad_alloc.
  bool insert(uint64_t h) {
    if (h == 0) {  // 0 marks an empty slot: the value 0 is kept apart
      const bool fresh = !has_zero_;
      has_zero_ = true;
      return fresh;
    }
    bool added = false;
    table_.insert(h, &added);
    return added;
  }

  size_t size() const { return table_.size() + (has_zero_ ? 1 : 0); }

  /// Empties the set and gives its memory back.
  void clear() {
    table_.clear();
    has_zero_ = false;
  }

 private:
  struct Nothing {};
  HashMap64<Nothing> table_;
  bool has_zero_ = false;
};

}  // namespace sondhan::core
