// Groups each article with the near-duplicates the index already holds under one story key
// (schema.h's kStoryKeySlot), for IndexWriter: incrementally, deterministically, and so that a
// deletion or change leaves no other article in a wrong story.
#pragma once

#include <array>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <xapian.h>

#include "sondhan/core/article.h"
#include "sondhan/core/fingerprint.h"
#include "sondhan/core/status.h"
#include "fingerprint_file.h"
#include "hash_table64.h"

namespace sondhan::core {

/// Where each band (fingerprint.h's band_value) of every article in the writer's shards is:
/// what finds the candidate copies of a new article. Kept in memory, not in the shards: written
/// as 16 terms an article, almost all of them an article's own, the bands were a fifth of the
/// indexing time and 16 B-tree keys an article. A shard with articles in it when first seen is
/// read once from its fingerprint values (kFingerprintSlot: 0.5 s a million articles) into a
/// sorted array a band, 8 bytes a posting, or mapped from its fingerprint file when it has one
/// (fingerprint_file.h); what the writer adds after is kept in a hash table a band, about 17
/// bytes a posting. Exact: the writer takes out what it replaces or deletes, so a posting always
/// names an article with that band.
class BandIndex {
 public:
  struct Posting {
    size_t shard;
    Xapian::docid did;
  };
  /// A band value shared by more articles than this is boilerplate common to unrelated articles
  /// (a stock closing line long enough to fill two buckets): it finds no copies worth checking,
  /// and find() gives none.
  static constexpr size_t kMaxPostings = 64;

  /// Whether shard number `shard` has been read (or added to from empty).
  bool covers(size_t shard) const { return shard < loaded_.size() && loaded_[shard].covered; }
  /// Reads the bands of every article in `db`, shard number `shard`: from `file` when given (the
  /// shard's FingerprintFile::open()), else from its fingerprint values (sorting the bands on
  /// the threads of `parallel` when given). Throws Xapian::Error, std::bad_alloc.
  void load(size_t shard, const Xapian::Database& db, const ParallelFor& parallel = {},
            std::shared_ptr<const FingerprintFile> file = nullptr);
  /// True when the file load() mapped for shard number `shard` tells that the article at docid
  /// `did` is not in the same story as one with fingerprint `fp` (FingerprintFile::may_share_story),
  /// so that its own fingerprint need not be read; false when there is no file, or it may be.
  bool rules_out(size_t shard, Xapian::docid did, const Fingerprint& fp) const;
  /// Notes the bands of `fp` at docid `did` of shard number `shard`. Throws std::bad_alloc.
  void add(size_t shard, Xapian::docid did, const Fingerprint& fp);
  /// add() in parts that may run at once: cover() the shard, then add_band() for each band on
  /// any thread, a band on one thread at a time. Both throw std::bad_alloc.
  void cover(size_t shard);
  void add_band(size_t band, size_t shard, Xapian::docid did, const Fingerprint& fp);
  /// Takes them out again (the article was replaced, moved or deleted).
  void remove(size_t shard, Xapian::docid did, const Fingerprint& fp);
  /// Sets `out` to the articles whose band number `band` has `value`.
  void find(size_t band, uint32_t value, std::vector<Posting>* out) const;
  /// Forgets everything (the shards were renumbered, or a write failed).
  void clear();
  /// Memory held.
  size_t bytes() const;

 private:
  // A shard's articles as load() found them: per band, value << 32 | docid in order, read into
  // `owned` or mapped from `file`. A docid taken out since is marked in `gone`.
  struct Loaded {
    bool covered = false;
    std::array<SortedBand, kBands> owned;
    std::shared_ptr<const FingerprintFile> file;
    std::vector<bool> gone;  // by docid, to the shard's last when loaded
    std::span<const uint64_t> postings(size_t band) const { return file ? file->band(band) : owned[band]; }
    // A posting's docid names an article of the shard (a damaged file's may not).
    bool holds(Xapian::docid did) const { return did != 0 && did < gone.size() && !gone[did]; }
  };
  // Added postings of one band: open addressing by value, linear probing. A slot is empty when
  // its did is 0; one taken out keeps its place (probes go on past it) with shard kGone. A
  // slot's three fields side by side: a probe reads one cache line, not one in each of three
  // arrays (the tables outgrow the caches at a million articles).
  struct Slot {
    uint32_t value = 0, did = 0, shard = 0;
  };
  struct Table {
    std::vector<Slot> slots;
    size_t used = 0;  // slots that are not empty, taken out or not
  };
  static constexpr uint32_t kGone = UINT32_MAX;
  static void put(Table& table, uint32_t value, uint32_t shard, Xapian::docid did);
  static void grow(Table& table);
  static size_t home(const Table& table, uint32_t value);
  // Where `value`'s postings are in one of a loaded shard's sorted bands.
  static std::span<const uint64_t> range_of(std::span<const uint64_t> postings, uint32_t value);
  // Calls `visit(slot)` for each slot of `table` holding `value`, until it returns false.
  template <typename Visit>
  static void probe(const Table& table, uint32_t value, Visit&& visit);

  std::vector<Loaded> loaded_;  // by shard number
  // The shard numbers whose loaded_ postings are not empty, in order: the ones find() reads. A
  // bulk build covers hundreds of segments it added to from empty, and find() runs 16 times an
  // article: walking them all was a cost that grew with the archive.
  std::vector<size_t> read_;
  std::array<Table, kBands> added_;
};

/// The id terms a bulk build has put into the shards it found empty (its segments), counted up
/// to two, with false positives and never a false negative: a pair of Bloom filters. It answers
/// without a look-up what is nearly always so: that an id was never written there. Each look-up
/// in a shard's B-tree costs microseconds, and a bulk build has a shard per segment (hundreds at
/// a million articles).
class FreshTerms {
 public:
  FreshTerms();

  /// Notes that `term` was written into the fresh shard number `shard`.
  void add(size_t shard, std::string_view term);
  /// In all the fresh shards: 0: never added; 1: added at most once; 2: perhaps more than once.
  int count(std::string_view term) const;
  /// Whether `term` may have been added to shard number `shard`.
  bool may_hold(size_t shard, std::string_view term) const;

 private:
  struct Free {
    void operator()(uint64_t* p) const { std::free(p); }
  };
  // calloc'd: the pages stay untouched (and out of the resident set) until a bit lands there.
  std::unique_ptr<uint64_t[], Free> once_, twice_;
};

/// An article's key in the grouper's tables: its shard number and docid in one word.
inline uint64_t article_key(size_t shard, Xapian::docid did) { return uint64_t{shard} << 32 | did; }

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
  const Entry* find(size_t shard, Xapian::docid did) const {
    const uint32_t* at = slots_.find(article_key(shard, did));
    return at == nullptr || *at == kErased ? nullptr : &entries_[*at];
  }
  /// Asks the processor for the memory find() will read first. A grouper weighs a few dozen
  /// candidates an article, each a read from a table too large for the cache: asked for all at
  /// once, the reads overlap instead of each waiting for the one before.
  void prefetch(size_t shard, Xapian::docid did) const { slots_.prefetch(article_key(shard, did)); }
  /// Stores the article's fingerprint value (encode_fingerprint) and returns its entry, which
  /// stays valid until clear() or a put() that finds the cache full. Throws std::bad_alloc.
  const Entry* put(size_t shard, Xapian::docid did, std::string_view print);
  /// Forgets the entry of docid `did` in shard number `shard` (its article was replaced or deleted).
  void erase(size_t shard, Xapian::docid did) {
    if (uint32_t* at = slots_.find(article_key(shard, did))) *at = kErased;
  }
  void clear() {
    slots_.clear();
    entries_.clear();
  }

 private:
  // Each article key's entry number in `entries_` (std::unordered_map's bucket and node, two
  // cache misses a look-up, were nearly all of the weighing of candidates at a million
  // articles). An erased entry keeps its slot, marked kErased, until clear().
  static constexpr uint32_t kErased = UINT32_MAX;
  size_t max_entries_;
  HashMap64<uint32_t> slots_;
  std::deque<Entry> entries_;  // a deque: entries stay where they are as it grows
};

/// Story keys a bulk build gives articles already written, nearly all in earlier batches: an
/// article that stood alone until a copy of it came starts the story (its own id becomes its
/// key). Written at once, each such key made the next commit rewrite blocks of an older,
/// otherwise finished segment, and the later in a build, the more segments each commit touched:
/// the bytes written per article grew 2.5 times from the first tenth of a million articles to
/// the last. Held here by article_key() and written in one pass (write()), before anything
/// reads keys from the shards. A run killed before that leaves such an article without its key
/// (its copies have theirs); a re-run of the same input gives it back.
class HeldKeys {
 public:
  /// The key held for the article, or null.
  const std::string* find(uint64_t article_key) const {
    const auto it = keys_.find(article_key);
    return it == keys_.end() ? nullptr : &it->second.key;
  }
  void hold(uint64_t article_key, std::string id, std::string key) {
    keys_[article_key] = {std::move(id), std::move(key)};
  }
  /// The article was replaced or deleted: its key is chosen again, or it has none.
  void forget(uint64_t article_key) { keys_.erase(article_key); }
  size_t size() const { return keys_.size(); }
  void clear() { keys_.clear(); }
  /// Writes every key into its article, in shard and docid order (`db_of(shard)`: the shard's
  /// database), and forgets them. Returns the shards whose articles took another key (for
  /// kRegroupedKey), ascending. Throws Xapian::Error.
  std::vector<size_t> write(const std::function<Xapian::WritableDatabase&(size_t shard)>& db_of);

 private:
  struct Held {
    std::string id, key;
  };
  std::map<uint64_t, Held> keys_;  // ordered: shard, then docid
};

/// The rule. A new or changed article joins the story of the most similar article (same_story,
/// fingerprint.h) already in the index, found through the bands of every shard (BandIndex), including
/// uncommitted changes; with none it stands alone (no key). A story's key is the id of the
/// article the second one joined: ids, not docids, so merging shards keeps it right. When an
/// article of a story is deleted, or its text changes, the other articles of that story are
/// taken out of it and put back one by one, in id order, by the same rule. An upsert whose
/// body gives the same fingerprint keeps its story.
///
/// Within a batch, the changes are grouped in input order after they are all written (or, for
/// a batch of new articles only, once they are all placed: settle_unwritten): an article later
/// in the batch is invisible to one before it, so the groups are those of writing one article
/// at a time. Same input in the same order: same groups.
///
/// Usage, for each batch written: prepare() before the writes, settle() after; or, when
/// all_new(), prepare(), then settle_unwritten() once the batch is placed, then the writes.
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
    bool fresh = false;  // found empty by the writer: `fresh_terms` knows every id term it holds
    std::shared_ptr<const FingerprintFile> file;  // its fingerprint file, if it has one
  };

  /// `shards`: every shard the writer has open, numbered as the last time `prints` was used.
  /// `fresh_terms` (kept by the writer across batches, or null) is told the id of every article
  /// settle() sees written into a fresh shard. `bands` and `prints` (kept by the writer across
  /// batches) must not be null; prepare() reads into `bands` the shards it does not cover yet.
  /// With `held` (a bulk build's, kept by the writer across batches), the keys of articles
  /// written before are held there rather than written.
  StoryGrouper(std::vector<Shard> shards, FreshTerms* fresh_terms, BandIndex* bands, PrintCache* prints,
               HeldKeys* held = nullptr)
      : shards_(std::move(shards)), fresh_terms_(fresh_terms), bands_(bands), prints_(prints), held_(held) {}

  /// Notes the story and fingerprint each id of changes[begin, end) has before they are written.
  /// kInternal for a Xapian error or when memory runs out.
  [[nodiscard]] Status prepare(const std::vector<Change>& changes, size_t begin, size_t end,
                               const ParallelFor& parallel = {});

  /// Groups the written changes[begin, end); `placed[i - begin]` is where changes[i] was written.
  /// Being told, not looking the id up, matters: opening a new article's id-term posting list
  /// would write Xapian's buffered postings and positions out ahead of the commit. With
  /// `parallel`, each article's candidates are found and weighed on its threads first (they
  /// read only memory); the choices are then made in input order, on this thread, as without.
  /// The story keys they give are written at the end, in docid order.
  /// kInternal for a Xapian error or when memory runs out.
  [[nodiscard]] Status settle(const std::vector<Change>& changes, size_t begin, size_t end,
                              const std::vector<Place>& placed, const ParallelFor& parallel = {});

  /// The documents of a batch that are not written yet, by article_key(): where the writer
  /// will add them (Place::did is the docid it will give).
  using Unwritten = std::unordered_map<uint64_t, Xapian::Document*>;

  /// Whether the batch prepare() noted is of articles that none of the shards holds: then the
  /// writer may group it before writing it (settle() with `unwritten`).
  bool all_new() const;

  /// settle() for a batch placed but not written yet: the story keys of its own articles go into
  /// their documents in `unwritten`, so that each is written once, with its key (a key written
  /// after the article costs Xapian a second write of its term list, 6% of the indexing time at
  /// 300,000 articles). REQUIRES: all_new().
  [[nodiscard]] Status settle_unwritten(const std::vector<Change>& changes, size_t begin, size_t end,
                                        const std::vector<Place>& placed, const ParallelFor& parallel,
                                        const Unwritten& unwritten);

  /// Writes done so far by settle() on articles other than the batch's: how far a change spread.
  size_t rewritten() const { return rewritten_; }

  /// The shards in which an article already written took another story key since the grouper
  /// was made (the writer counts them under kRegroupedKey), ascending.
  const std::vector<size_t>& regrouped_shards() const { return regrouped_shards_; }

 private:
  // A candidate copy of an article, as assign() weighs it before the choice.
  struct Weighed {
    size_t shard;
    Xapian::docid did;
    std::string id;
    Resemblance r;
  };
  struct Before {
    bool existed = false;
    Place at;                 // where it was
    std::string key;          // its story key, "" for none
    std::string fingerprint;  // its kFingerprintSlot value
  };

  void note(const std::vector<Change>& changes, size_t begin, size_t end);
  void group(const std::vector<Change>& changes, size_t begin, size_t end, const std::vector<Place>& placed,
             const ParallelFor& parallel);
  bool find(const std::string& id, Place* at) const;
  void assign(const Place& self);
  // The candidates of the article with fingerprint `fp` at docid `did` of shards_[shard] that
  // are in the same story by the fingerprints (same_story), in the order the bands give them;
  // false if one's fingerprint is not in the cache (`read`: read it, else give up). Reads the
  // shards only with `read`, so without it any number of threads may call it at once.
  bool weigh(size_t shard, Xapian::docid did, const Fingerprint& fp, bool read, std::vector<Weighed>* out);
  void regroup(const std::string& key);
  // Gives the article `id` at `at` the story `key` ("": none), written by write_keys().
  void set_key(const Place& at, const std::string& id, const std::string& key);
  // The story key of the article at docid `did` of shards_[shard]: as set_key() left it.
  std::string key_of(size_t shard, Xapian::docid did) const;
  // Writes what set_key() noted (into held_, if given, for articles already written); with
  // `all`, also what held_ holds, so that the shards have every key.
  void write_keys(bool all = false);
  size_t shard_index(const Xapian::WritableDatabase* db) const;
  // The fingerprint and id of the article at docid `did` of shards_[shard], read if not cached.
  const PrintCache::Entry& print_of(size_t shard, Xapian::docid did);
  bool skip(size_t shard, const std::string& term) const {
    return shards_[shard].fresh && fresh_terms_ != nullptr && !fresh_terms_->may_hold(shard, term);
  }

  std::vector<Shard> shards_;
  FreshTerms* fresh_terms_;
  BandIndex* bands_;
  PrintCache* prints_;
  HeldKeys* held_;
  std::map<std::string, Before> before_;  // by id, the batch's first change to it
  std::set<std::string> pending_;         // ids written in this batch and not grouped yet
  std::set<std::string> regrouped_;       // stories taken apart and put back in this batch
  std::unordered_map<uint64_t, std::vector<Weighed>> weighed_;  // by article_key(): settle()'s first pass
  // Story keys set and not yet written, by article_key(): a batch's writes (replace_document of
  // each article that joins a story, 6% of the time at 300,000 articles) go to the shards after
  // its choices, in the order of the shards' B-trees.
  struct KeyWrite {
    Place at;
    std::string id, key;
  };
  std::unordered_map<uint64_t, KeyWrite> key_writes_;
  const Unwritten* unwritten_ = nullptr;  // during settle_unwritten()
  size_t rewritten_ = 0;
  std::vector<size_t> regrouped_shards_;
};

}  // namespace sondhan::core
