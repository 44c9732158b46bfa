// Near-duplicate fingerprints of article bodies: a MinHash signature over word 3-gram shingles,
// the locality-sensitive bands that find candidate copies in the index, and the test that
// decides whether two articles are the same story. Pure functions: no database.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sondhan::core {

/// Buckets of the one-permutation MinHash signature (each keeps the low 16 bits of its least
/// shingle hash).
inline constexpr size_t kMinHashes = 128;
/// Bands per article: band b is buckets 2b and 2b+1 together, so two articles share it with
/// probability about J^2 for shingle Jaccard J, and one of 16 with 1 - (1 - J^2)^16: 78% at
/// J 0.3, 99% at J 0.5. On the labelled pairs the first 12 bands found every pair the test
/// accepts.
inline constexpr size_t kBands = 16;
/// Bodies with fewer shingles than this are never grouped: a one-line notice ("বিস্তারিত
/// আসছে") or a photo caption is identical across unrelated stories.
inline constexpr uint32_t kMinShingles = 8;

/// The same-story test (measured on bench/dedup/pairs.tsv, docs/relevance.md): estimated
/// containment of the shorter body in the longer one at least this much.
inline constexpr double kSameStoryContainment = 0.75;

struct Fingerprint {
  uint32_t shingles = 0;                 // distinct 3-word shingles of the body
  std::array<uint16_t, kMinHashes> mins{};

  /// Too short to be grouped (kMinShingles).
  bool ignored() const { return shingles < kMinShingles; }
  bool operator==(const Fingerprint& other) const { return shingles == other.shingles && mins == other.mins; }
};

/// False when the environment sets SONDHAN_NO_STORIES: no fingerprints and no grouping, only
/// to measure what they cost (docs/relevance.md); a database written so has no stories.
bool stories_enabled();

/// The fingerprint of a body given as its words in order (the analyzer's terms: normalized,
/// stemmed, without stop words). A body of one or two words is one shingle.
Fingerprint fingerprint_of(const std::vector<std::string>& words);

/// Band `band` (below kBands) of `fp`: its buckets 2 band and 2 band + 1 together.
uint32_t band_value(const Fingerprint& fp, size_t band);

/// The fingerprint and the article id as one value ("" for an ignored fingerprint).
std::string encode_fingerprint(const Fingerprint& fp, std::string_view id);
/// The inverse; false if `value` is not one.
bool decode_fingerprint(std::string_view value, Fingerprint* fp, std::string* id);

struct Resemblance {
  double jaccard = 0;      // estimated shingle Jaccard |A and B| / |A or B|
  double containment = 0;  // estimated |A and B| / min(|A|, |B|)
};

/// Estimated from the signatures and the shingle counts.
Resemblance resemblance(const Fingerprint& a, const Fingerprint& b);
/// The same, from how many of the kMinHashes buckets are equal. It grows with `equal_buckets`:
/// a count that can only be too high (buckets compared on part of their bits) gives a
/// resemblance that can only be too high.
Resemblance resemblance(size_t equal_buckets, uint32_t shingles_a, uint32_t shingles_b);

/// Whether two articles are copies of one story (kSameStoryContainment). Ignored fingerprints
/// are never the same story as anything. `r`, when given, gets the resemblance it weighed.
bool same_story(const Fingerprint& a, const Fingerprint& b, Resemblance* r = nullptr);

}  // namespace sondhan::core
