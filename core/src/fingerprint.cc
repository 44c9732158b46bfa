// One-permutation MinHash (Li, Owen, Zhang 2012) with rotation densification (Shrivastava and
// Li 2014): one hash per shingle instead of one per shingle and bucket, so fingerprinting costs
// a few microseconds per article. Hashes are our own (stable_hash.h), so that a fingerprint is the
// same on every platform and build.
#include "sondhan/core/fingerprint.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "hash_table64.h"
#include "stable_hash.h"

namespace sondhan::core {
namespace {

constexpr int kBucketBits = 7;
static_assert((size_t{1} << kBucketBits) == kMinHashes);
static_assert(2 * kBands <= kMinHashes);
constexpr uint32_t kEmpty = 0xFFFFFFFFu;

}  // namespace

bool stories_enabled() {
  static const bool enabled = std::getenv("SONDHAN_NO_STORIES") == nullptr;
  return enabled;
}

Fingerprint fingerprint_of(const std::vector<std::string>& words) {
  Fingerprint fp;
  if (words.empty()) return fp;
  std::vector<uint64_t> word_hashes;
  word_hashes.reserve(words.size());
  for (const std::string& w : words) word_hashes.push_back(fnv1a(w));
  // A repeated shingle changes no bucket's minimum, so the hashes need no set for those; only
  // the count of distinct shingles (a repeated sentence counts once, as in the measurements)
  // does.
  std::vector<uint64_t> hashes;
  if (word_hashes.size() < 3) {
    uint64_t h = 0;
    for (const uint64_t w : word_hashes) h = mix(h ^ w);
    hashes.push_back(h);
  } else {
    hashes.reserve(word_hashes.size() - 2);
    for (size_t i = 0; i + 2 < word_hashes.size(); ++i) {
      hashes.push_back(mix(mix(mix(word_hashes[i]) ^ word_hashes[i + 1]) ^ word_hashes[i + 2]));
    }
  }
  std::array<uint32_t, kMinHashes> mins;
  mins.fill(kEmpty);
  for (const uint64_t h : hashes) {
    const size_t bucket = static_cast<size_t>(h >> (64 - kBucketBits));
    const auto value = static_cast<uint32_t>(h) & 0x7FFFFFFFu;  // never kEmpty
    mins[bucket] = std::min(mins[bucket], value);
  }
  // An empty bucket borrows the value of the next filled one to its right, changed by the
  // distance, so that two bodies agree on it exactly as often as on the bucket it came from.
  for (size_t i = 0; i < kMinHashes; ++i) {
    if (mins[i] != kEmpty) continue;
    for (size_t d = 1; d < kMinHashes; ++d) {
      const uint32_t from = mins[(i + d) % kMinHashes];
      if (from != kEmpty && from < 0x80000000u) {
        mins[i] = 0x80000000u | static_cast<uint32_t>(mix(from + d * 0x51ed27ULL));
        break;
      }
    }
  }
  HashSet64 distinct;
  distinct.reserve(hashes.size());
  for (const uint64_t h : hashes) distinct.insert(h);
  fp.shingles = static_cast<uint32_t>(distinct.size());
  for (size_t i = 0; i < kMinHashes; ++i) fp.mins[i] = static_cast<uint16_t>(mix(mins[i]));
  return fp;
}

uint32_t band_value(const Fingerprint& fp, size_t band) {
  return (uint32_t{fp.mins[2 * band]} << 16) | fp.mins[2 * band + 1];
}

std::string encode_fingerprint(const Fingerprint& fp, std::string_view id) {
  if (fp.ignored()) return {};
  // Little-endian count, the buckets, then the id: fixed layout, read back by decode.
  std::string out;
  out.reserve(4 + 2 * kMinHashes + id.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((fp.shingles >> (8 * i)) & 0xFF));
  for (const uint16_t m : fp.mins) {
    out.push_back(static_cast<char>(m & 0xFF));
    out.push_back(static_cast<char>(m >> 8));
  }
  out.append(id);
  return out;
}

bool decode_fingerprint(std::string_view value, Fingerprint* fp, std::string* id) {
  constexpr size_t kHead = 4 + 2 * kMinHashes;
  if (value.size() <= kHead) return false;
  const auto* b = reinterpret_cast<const unsigned char*>(value.data());
  fp->shingles = uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
  for (size_t i = 0; i < kMinHashes; ++i) {
    fp->mins[i] = static_cast<uint16_t>(b[4 + 2 * i] | b[5 + 2 * i] << 8);
  }
  if (id != nullptr) id->assign(value.substr(kHead));
  return true;
}

Resemblance resemblance(const Fingerprint& a, const Fingerprint& b) {
  size_t equal = 0;
  for (size_t i = 0; i < kMinHashes; ++i) equal += a.mins[i] == b.mins[i];
  return resemblance(equal, a.shingles, b.shingles);
}

Resemblance resemblance(size_t equal_buckets, uint32_t shingles_a, uint32_t shingles_b) {
  Resemblance r;
  r.jaccard = static_cast<double>(equal_buckets) / kMinHashes;
  const double smaller = std::min(shingles_a, shingles_b);
  if (smaller > 0) {
    // |A and B| = J (|A| + |B|) / (1 + J)
    const double common = r.jaccard * (static_cast<double>(shingles_a) + shingles_b) / (1 + r.jaccard);
    r.containment = std::min(1.0, common / smaller);
  }
  return r;
}

bool same_story(const Fingerprint& a, const Fingerprint& b, Resemblance* r) {
  if (a.ignored() || b.ignored()) return false;
  const Resemblance weighed = resemblance(a, b);
  if (r != nullptr) *r = weighed;
  return weighed.containment >= kSameStoryContainment;
}

}  // namespace sondhan::core
