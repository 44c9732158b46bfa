// Encoding of an article's word positions, and phrase and proximity tests over it (the format is
// described in word_positions.h).
#include "word_positions.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "stable_hash.h"

namespace sondhan::core {
namespace {

// Seeds tried at each width before the next width; widths go up to 32 bits.
constexpr unsigned kSeeds = 16;

void put_varint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Reads a varint at `*at`, advancing it; false if the value ends first or it is too long.
bool get_varint(std::string_view in, size_t* at, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *at < in.size(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in[(*at)++]);
    *v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// The `width`-bit entry at `bit` of `packed` (the caller has checked that it lies inside).
uint32_t get_bits(const unsigned char* packed, uint64_t bit, unsigned width) {
  uint64_t word = 0;
  const size_t first = bit >> 3;
  const size_t bytes = ((bit & 7) + width + 7) >> 3;
  for (size_t i = 0; i < bytes; ++i) word |= static_cast<uint64_t>(packed[first + i]) << (8 * i);
  return static_cast<uint32_t>((word >> (bit & 7)) & ((uint64_t{1} << width) - 1));
}

}  // namespace

// A packed array of `width`-bit entries, `size` bytes long (the caller has checked that the
// entries it reads lie inside).
struct PackedBits {
  const unsigned char* data;
  size_t size;
  unsigned width;

  uint32_t get(uint64_t index) const {
    const uint64_t bit = index * width;
    const size_t first = bit >> 3;
    uint64_t word = 0;
    if (std::endian::native == std::endian::little && first + 8 <= size) {
      std::memcpy(&word, data + first, 8);  // width + 7 <= 39 bits: one load
    } else {
      return get_bits(data, bit, width);
    }
    return static_cast<uint32_t>((word >> (bit & 7)) & ((uint64_t{1} << width) - 1));
  }
};

namespace {

// ORs the `width`-bit `value` in at `bit` of `packed`, `size` bytes long (zeroed beforehand).
void put_bits(unsigned char* packed, size_t size, uint64_t bit, unsigned width, uint64_t value) {
  const size_t first = bit >> 3;
  if (std::endian::native == std::endian::little && first + 8 <= size) {
    uint64_t word;
    std::memcpy(&word, packed + first, 8);  // width + 7 <= 39 bits: one load and store
    word |= value << (bit & 7);
    std::memcpy(packed + first, &word, 8);
    return;
  }
  for (unsigned b = 0; b < width; ++b) {
    if ((value >> b) & 1) packed[(bit + b) >> 3] |= static_cast<unsigned char>(1u << ((bit + b) & 7));
  }
}

size_t packed_bytes(uint64_t count, unsigned width) { return static_cast<size_t>((count * width + 7) / 8); }

struct Run {
  uint64_t field, first, length;
};

}  // namespace

uint64_t word_position_base(std::string_view stem) { return fnv1a(stem); }

uint32_t word_position_hash(uint64_t base, unsigned seed, unsigned bits) {
  return static_cast<uint32_t>(mix(base + seed * 0x9e3779b97f4a7c15ULL) >> (64 - bits));
}

void WordPositionsBuilder::add(int field, uint32_t position, std::string_view stem) {
  entries_.push_back({field, position, word_position_base(stem)});
}

std::string WordPositionsBuilder::finish() {
  std::string out;
  if (entries_.empty()) return out;
  bases_.clear();
  for (const Entry& e : entries_) bases_.push_back(e.base);
  std::sort(bases_.begin(), bases_.end());
  bases_.erase(std::unique(bases_.begin(), bases_.end()), bases_.end());
  const size_t n = bases_.size();

  // The narrowest width and first seed under which the words' hashes are distinct. Twice the
  // bits of n, plus one, leaves a collision among n words less likely than not under one seed.
  unsigned bits = std::min(32u, 2 * static_cast<unsigned>(std::bit_width(n)) + 1);
  unsigned seed = 0;
  for (;; ++seed) {
    if (seed == kSeeds) {
      if (bits == 32) break;  // tens of thousands of words: keep the last try's common hashes
      ++bits;
      seed = 0;
    }
    hashes_.clear();
    for (const uint64_t base : bases_) hashes_.emplace_back(word_position_hash(base, seed, bits), base);
    std::sort(hashes_.begin(), hashes_.end());
    bool distinct = true;
    for (size_t i = 1; i < n && distinct; ++i) distinct = hashes_[i].first != hashes_[i - 1].first;
    if (distinct) break;
  }
  if (seed == kSeeds) seed = kSeeds - 1;  // the hashes_ computed last
  // Each word's index (from 1, in hash order), by its base, in an open-addressed table: a binary
  // search for each position was half of this function's time.
  const size_t mask = std::bit_ceil(2 * n) - 1;
  index_.assign(mask + 1, {0, 0});  // index 0: an empty slot
  auto slot_of = [&](uint64_t base) {
    size_t at = static_cast<size_t>(base) & mask;
    while (index_[at].second != 0 && index_[at].first != base) at = (at + 1) & mask;
    return at;
  };
  size_t first = 0;
  for (size_t i = 0; i < n; ++i) {
    // Common hashes (only if no seed made them distinct) share the first one's index.
    if (i == 0 || hashes_[i].first != hashes_[i - 1].first) first = i;
    index_[slot_of(hashes_[i].second)] = {hashes_[i].second, static_cast<uint32_t>(first + 1)};
  }

  std::vector<Run> runs;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (i == 0 || entries_[i].field != entries_[i - 1].field) {
      runs.push_back({static_cast<uint64_t>(entries_[i].field), entries_[i].position, 0});
    }
    runs.back().length = entries_[i].position - runs.back().first + 1;
  }
  uint64_t total = 0;
  for (const Run& r : runs) total += r.length;

  out.push_back(static_cast<char>(kWordPositionsFormat));
  out.push_back(static_cast<char>(bits));
  out.push_back(static_cast<char>(seed));
  put_varint(n, &out);
  put_varint(runs.size(), &out);
  for (const Run& r : runs) {
    put_varint(r.field, &out);
    put_varint(r.first, &out);
    put_varint(r.length, &out);
  }
  const size_t hashes_at = out.size();
  const auto width = static_cast<unsigned>(std::bit_width(n));
  out.resize(hashes_at + packed_bytes(n, bits) + packed_bytes(total, width), '\0');
  auto* packed = reinterpret_cast<unsigned char*>(out.data() + hashes_at);
  size_t left = out.size() - hashes_at;  // bytes from `packed` to the end
  for (size_t i = 0; i < n; ++i) put_bits(packed, left, i * bits, bits, hashes_[i].first);
  packed += packed_bytes(n, bits);
  left -= packed_bytes(n, bits);
  uint64_t run_bit = 0;  // where the current run's entries start
  size_t run = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (i > 0 && entries_[i].field != entries_[i - 1].field) run_bit += runs[run++].length * width;
    const uint32_t word = index_[slot_of(entries_[i].base)].second;
    put_bits(packed, left, run_bit + (entries_[i].position - runs[run].first) * width, width, word);
  }
  entries_.clear();
  return out;
}

PositionMatcher::PositionMatcher(PositionPattern pattern) : pattern_(std::move(pattern)) {
  for (const std::string& stem : pattern_.stems) {
    const uint64_t base = word_position_base(stem);
    auto it = std::find(bases_.begin(), bases_.end(), base);
    if (it == bases_.end()) {
      bases_.push_back(base);
      needed_.push_back(0);
      it = bases_.end() - 1;
    }
    const auto k = static_cast<uint32_t>(it - bases_.begin());
    word_.push_back(k);
    ++needed_[k];
  }
}

bool PositionMatcher::matches(std::string_view value, Scratch* s) const {
  if (bases_.empty() || value.size() < 3 || static_cast<unsigned char>(value[0]) != kWordPositionsFormat) return false;
  const auto bits = static_cast<unsigned char>(value[1]);
  const auto seed = static_cast<unsigned char>(value[2]);
  size_t at = 3;
  uint64_t n = 0, r = 0;
  if (bits == 0 || bits > 32 || !get_varint(value, &at, &n) || n == 0 || n > value.size() * 8 / bits ||
      !get_varint(value, &at, &r) || r > value.size()) {
    return false;
  }
  s->runs.clear();
  uint64_t total = 0;
  for (uint64_t i = 0; i < r; ++i) {
    uint64_t field = 0, first = 0, length = 0;
    if (!get_varint(value, &at, &field) || !get_varint(value, &at, &first) || !get_varint(value, &at, &length) ||
        length > value.size() * 8) {
      return false;
    }
    s->runs.emplace_back(field, length);
    total += length;
  }
  const auto width = static_cast<unsigned>(std::bit_width(n));
  if (packed_bytes(n, bits) + packed_bytes(total, width) > value.size() - at) return false;  // cut short
  const auto* hashes = reinterpret_cast<const unsigned char*>(value.data() + at);
  const unsigned char* packed = hashes + packed_bytes(n, bits);

  // Each of the pattern's words' index in the article's list, by binary search of its hash.
  s->ordinals.assign(bases_.size(), 0);
  for (size_t k = 0; k < bases_.size(); ++k) {
    const uint32_t h = word_position_hash(bases_[k], seed, bits);
    uint64_t lo = 0, hi = n;
    while (lo < hi) {
      const uint64_t mid = (lo + hi) / 2;
      if (get_bits(hashes, mid * bits, bits) < h) lo = mid + 1; else hi = mid;
    }
    if (lo == n || get_bits(hashes, lo * bits, bits) != h) return false;  // a word the article lacks
    s->ordinals[k] = static_cast<uint32_t>(lo + 1);
  }

  const PackedBits entries{packed, value.size() - at - packed_bytes(n, bits), width};
  uint64_t next = 0;  // the next run's first entry
  for (const auto& [field, length] : s->runs) {
    const uint64_t first = next;
    next += length;
    if (pattern_.field >= 0 && field != static_cast<uint64_t>(pattern_.field)) continue;
    if (pattern_.in_order ? phrase_in_run(entries, first, length, s) : near_in_run(entries, first, length, s)) {
      return true;
    }
  }
  return false;
}

// One pass over the run's entries, stopping at the first match. starts[j] is the latest place
// where the pattern's first j words begin, in order, among the entries read so far: a later
// beginning leaves more room in the window for the words still to come.
bool PositionMatcher::phrase_in_run(const PackedBits& entries, uint64_t first, uint64_t length, Scratch* s) const {
  constexpr int64_t kNone = -1;
  const size_t k = word_.size();
  s->starts.assign(k + 1, kNone);
  for (uint64_t i = 0; i < length; ++i) {
    const uint32_t ordinal = entries.get(first + i);
    if (ordinal == 0) continue;
    // From the last word down, so that one place serves one word of the pattern.
    for (size_t j = k; j-- > 0;) {
      if (s->ordinals[word_[j]] != ordinal) continue;
      const int64_t begin = j == 0 ? static_cast<int64_t>(i) : s->starts[j];
      if (begin == kNone) continue;
      if (j + 1 == k) {
        if (static_cast<int64_t>(i) - begin + 1 <= static_cast<int64_t>(pattern_.window)) return true;
      } else {
        s->starts[j + 1] = std::max(s->starts[j + 1], begin);
      }
    }
  }
  return false;
}

// One pass with a sliding window of the places where the pattern's words stand, stopping when
// the window holds each distinct word as often as the pattern has it.
bool PositionMatcher::near_in_run(const PackedBits& entries, uint64_t first, uint64_t length, Scratch* s) const {
  s->counts.assign(bases_.size(), 0);
  s->hits.clear();
  size_t satisfied = 0, left = 0;
  for (uint64_t i = 0; i < length; ++i) {
    const uint32_t ordinal = entries.get(first + i);
    if (ordinal == 0) continue;
    const auto word = static_cast<size_t>(std::find(s->ordinals.begin(), s->ordinals.end(), ordinal) - s->ordinals.begin());
    if (word == s->ordinals.size()) continue;
    s->hits.emplace_back(static_cast<uint32_t>(i), static_cast<uint32_t>(word));
    if (++s->counts[word] == needed_[word]) ++satisfied;
    while (i - s->hits[left].first + 1 > pattern_.window) {
      const uint32_t gone = s->hits[left++].second;
      if (s->counts[gone]-- == needed_[gone]) --satisfied;
    }
    if (satisfied == bases_.size()) return true;
  }
  return false;
}

}  // namespace sondhan::core
