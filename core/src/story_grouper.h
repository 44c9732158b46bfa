// Groups each article with the near-duplicates the index already holds under one story key
// (schema.h's kStoryKeySlot), for IndexWriter: incrementally, deterministically, and so that a
// deletion or change leaves no other article in a wrong story.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <xapian.h>

#include "sondhan/core/article.h"
#include "sondhan/core/fingerprint.h"
#include "sondhan/core/status.h"

namespace sondhan::core {

/// Where each band term of the fresh shards is (band_terms), exactly: what their posting lists
/// hold, in memory. Reading a band term's posting list from a segment goes down its B-tree (about
/// 9 us); in an archive whose articles share sentences most band terms have more than one article,
/// and those reads were most of the grouping time at 100,000 articles. An open-addressing table of
/// the terms, each with a chain of postings: 12 bytes a posting, and 24 to 48 a term (the table
/// is kept at most half full).
class FreshBands {
 public:
  struct Posting {
    size_t shard;
    Xapian::docid did;
  };

  /// A ceiling (4 million articles); the writer sets a lower one from its memory budget.
  static constexpr size_t kMaxPostings = size_t{1} << 26;
  /// What a posting costs with its share of the table, when most terms are an article's own.
  static constexpr size_t kBytesPerPosting = 40;

  /// Told each posting (band number, band value, shard) the table holds when it gives up.
  using Spill = std::function<void(size_t band, uint32_t value, size_t shard)>;

  explicit FreshBands(size_t max_postings = kMaxPostings, Spill spill = nullptr);
  /// Notes the band terms of `fp` at docid `did` of fresh shard number `shard`, or, once the
  /// table would hold more than `max_postings` (or memory runs out), hands every posting to
  /// `spill` and gives up: kept() is false from then on.
  void add(size_t shard, Xapian::docid did, const Fingerprint& fp);
  /// Takes them out again (the article was replaced, moved or deleted).
  void remove(size_t shard, Xapian::docid did, const Fingerprint& fp);
  /// Whether the table holds every band term of the fresh shards.
  bool kept() const { return kept_; }
  /// Sets `out` to the articles whose band number `band` has `value`.
  void find(size_t band, uint32_t value, std::vector<Posting>* out) const;

 private:
  struct Entry {
    Xapian::docid did;  // 0: taken out
    uint32_t shard;
    uint32_t next;  // index + 1 in entries_ of the term's next posting, 0 at the end
  };
  static uint64_t key_of(size_t band, uint32_t value) { return (uint64_t{band} << 32 | value) + 1; }
  size_t slot_of(uint64_t key) const;  // where `key` is, or the empty slot where it would go
  void grow();
  void give_up();

  std::vector<uint64_t> keys_;   // by slot: key_of(), 0 for an empty slot
  std::vector<uint32_t> heads_;  // by slot: index + 1 in entries_ of the term's newest posting
  std::vector<Entry> entries_;
  size_t max_postings_;
  Spill spill_;
  size_t terms_ = 0;
  bool kept_ = true;
};

/// The terms a bulk build has put into the shards it found empty (its segments), counted up to
/// two, with false positives and never a false negative: a pair of Bloom filters. It answers without a look-up what is nearly always so: that a band term
/// belongs to its article alone, or that an id was never written there. Each look-up in a
/// shard's B-tree costs microseconds, and a bulk build has a shard per segment (hundreds at a
/// million articles) and 16 band terms an article, which made grouping the larger part of the
/// indexing time.
class FreshTerms {
 public:
  /// `max_band_postings`: the band table's (FreshBands).
  explicit FreshTerms(size_t max_band_postings = FreshBands::kMaxPostings);
  FreshTerms(const FreshTerms&) = delete;  // `bands` spills into this object's filters
  FreshTerms& operator=(const FreshTerms&) = delete;

  /// Notes that `term` was written into the fresh shard number `shard`.
  void add(size_t shard, std::string_view term);
  /// Notes the band terms of `fp`, written at docid `did` of fresh shard number `shard`: in the
  /// table (`bands`) while it is kept, else in the filters. The filters are asked about band
  /// terms only once the table is given up, and then get all of its postings.
  void add_bands(size_t shard, Xapian::docid did, const Fingerprint& fp);
  /// In all the fresh shards: 0: never added; 1: added at most once; 2: perhaps more than once.
  int count(std::string_view term) const;
  /// Whether `term` may have been added to shard number `shard`.
  bool may_hold(size_t shard, std::string_view term) const;

  /// The band terms of the same shards, exactly, while bands.kept().
  FreshBands bands;

 private:
  struct Free {
    void operator()(uint64_t* p) const { std::free(p); }
  };
  // calloc'd: the pages stay untouched (and out of the resident set) until a bit lands there.
  std::unique_ptr<uint64_t[], Free> once_, twice_;
};

/// The fingerprints and ids of the articles in the writer's shards, by shard number and docid,
/// kept by the writer across batches. Checking a candidate copy is then a comparison in memory:
/// reading its fingerprint from the shard (a value look-up in a B-tree that outgrows the cache)
/// was most of the grouping time at 100,000 articles, where articles that share sentences give
/// each new one some 16 candidates. A docid keeps its article until the writer replaces it,
/// which settle() notes here, or deletes it, and Xapian hands a docid out again only after a
/// failed write or commit (the writer then empties this): an entry is right for as long as the
/// shard numbers stay the same.
class PrintCache {
 public:
  struct Entry {
    Fingerprint fp;  // ignored() when the article has none
    std::string id;
  };

  /// At most `max_entries` (it starts afresh when full).
  explicit PrintCache(size_t max_entries) : max_entries_(max_entries) {}

  /// The entry of docid `did` in shard number `shard`, or null.
  const Entry* find(size_t shard, Xapian::docid did) const;
  /// Stores the article's fingerprint value (encode_fingerprint) and returns its entry, which
  /// stays valid until the next put().
  const Entry* put(size_t shard, Xapian::docid did, std::string_view print);
  void clear() { entries_.clear(); }

 private:
  size_t max_entries_;
  std::unordered_map<uint64_t, Entry> entries_;  // by shard << 32 | docid
};

/// The rule. A new or changed article joins the story of the most similar article (same_story,
/// fingerprint.h) already in the index, found through the band terms in every shard, including
/// uncommitted changes; with none it stands alone (no key). A story's key is the id of the
/// article the second one joined: ids, not docids, so merging shards keeps it right. When an
/// article of a story is deleted, or its text changes, the other articles of that story are
/// taken out of it and put back one by one, in id order, by the same rule. An upsert whose
/// body gives the same fingerprint keeps its story.
///
/// Within a batch, the changes are grouped in input order after they are all written: an
/// article written later in the batch is invisible to one before it, so the groups are those
/// of writing one article at a time. Same input in the same order: same groups.
///
/// Usage, for each batch written: prepare() before the writes, settle() after.
/// Thread safety: one thread, while no other thread uses the shards.
class StoryGrouper {
 public:
  /// Where a change was written: its shard and docid (did 0 and no shard for a deletion).
  struct Place {
    Xapian::WritableDatabase* db = nullptr;
    Xapian::docid did = 0;
    std::string print;  // from the writer: the fingerprint value it wrote (kFingerprintSlot)
  };

  struct Shard {
    Xapian::WritableDatabase* db = nullptr;
    bool fresh = false;  // found empty by the writer: `fresh_terms` knows every term it holds
  };

  /// `shards`: every shard the writer has open, numbered as the last time `prints` was used.
  /// `fresh_terms` (kept by the writer across batches, or null) is told the id and band terms of
  /// every article settle() sees written into a fresh shard. `prints` must not be null.
  StoryGrouper(std::vector<Shard> shards, FreshTerms* fresh_terms, PrintCache* prints)
      : shards_(std::move(shards)), fresh_terms_(fresh_terms), prints_(prints) {}

  /// Notes the story and fingerprint each id of changes[begin, end) has before they are written.
  /// kInternal for a Xapian error.
  [[nodiscard]] Status prepare(const std::vector<Change>& changes, size_t begin, size_t end);

  /// Groups the written changes[begin, end); `placed[i - begin]` is where changes[i] was written.
  /// Being told, not looking the id up, matters: opening a new article's id-term posting list
  /// would write Xapian's buffered postings and positions out ahead of the commit.
  /// kInternal for a Xapian error.
  [[nodiscard]] Status settle(const std::vector<Change>& changes, size_t begin, size_t end,
                              const std::vector<Place>& placed);

  /// Writes done so far by settle() on articles other than the batch's: how far a change spread.
  size_t rewritten() const { return rewritten_; }

 private:
  struct Before {
    bool existed = false;
    Place at;                 // where it was
    std::string key;          // its story key, "" for none
    std::string fingerprint;  // its kFingerprintSlot value
  };

  void note(const std::vector<Change>& changes, size_t begin, size_t end);
  void group(const std::vector<Change>& changes, size_t begin, size_t end, const std::vector<Place>& placed);
  bool find(const std::string& id, Place* at) const;
  void assign(const Place& self);
  void regroup(const std::string& key);
  // Gives the article `id` at `at` the story `key` ("": none).
  void set_key(const Place& at, const std::string& id, const std::string& key);
  // Its index in shards_ if it is a fresh shard and fresh_terms_ is kept, else -1.
  int fresh_index(const Xapian::WritableDatabase* db) const;
  size_t shard_index(const Xapian::WritableDatabase* db) const;
  // The fingerprint and id of the article at docid `did` of shards_[shard], read if not cached.
  const PrintCache::Entry& print_of(size_t shard, Xapian::docid did);
  bool skip(size_t shard, const std::string& term) const {
    return shards_[shard].fresh && fresh_terms_ != nullptr && !fresh_terms_->may_hold(shard, term);
  }

  std::vector<Shard> shards_;
  FreshTerms* fresh_terms_;
  PrintCache* prints_;
  std::map<std::string, Before> before_;  // by id, the batch's first change to it
  std::set<std::string> pending_;         // ids written in this batch and not grouped yet
  std::set<std::string> regrouped_;       // stories taken apart and put back in this batch
  size_t rewritten_ = 0;
};

}  // namespace sondhan::core
