// Story grouping over the writer's shards. Every read goes through the WritableDatabase
// handles, which see their own uncommitted changes (Xapian's glass backend flushes one term's
// buffered postings when that term's posting list is opened, and reads documents and values
// through its pending changes), so a copy written earlier in the same batch is found; a batch
// grouped before it is written (settle_unwritten) is read from its documents in memory.
#include "story_grouper.h"

#include <algorithm>
#include <functional>
#include <tuple>
#include <utility>

#include "sondhan/core/schema.h"

namespace sondhan::core {
namespace {

const Xapian::valueno kKeySlot = static_cast<Xapian::valueno>(kStoryKeySlot);

// For docids read from a posting list or found by id: Xapian then skips its check that the
// document exists, a look-up in the term-list table (a sixth of an update's time at a million
// articles).
constexpr unsigned kValid = Xapian::DOC_ASSUME_VALID;

// Runs `step` with Xapian's exceptions as a Status (core's boundary rule).
template <typename Step>
Status guarded(Step&& step) {
  if (!stories_enabled()) return Status::ok();
  try {
    step();
    return Status::ok();
  } catch (const Xapian::Error& e) {
    return Status::internal("story grouping failed: " + e.get_description());
  } catch (const std::bad_alloc&) {
    return Status::internal("story grouping ran out of memory (index.memory_mb)");
  }
}

// Gives `doc` of article `id` the story `key` in place of the one it has; false if it had it.
bool put_key(Xapian::Document& doc, const std::string& id, const std::string& key) {
  const std::string old = doc.get_value(kKeySlot);
  if (old == key) return false;
  // The story's first article carries no story term (schema.h's story_terms): with only its
  // value changed, Xapian rewrites neither its terms nor its positions.
  if (!old.empty() && old != id) {
    try {
      doc.remove_term(kStoryPrefix + old);
    } catch (const Xapian::InvalidArgumentError&) {
      // The value without its term (written by hand): nothing to remove.
    }
  }
  if (key.empty()) {
    doc.remove_value(kKeySlot);
  } else {
    doc.add_value(kKeySlot, key);
    if (key != id) doc.add_boolean_term(kStoryPrefix + key);
  }
  return true;
}

// Writes one written article's story term and key value (replace_document); false if it had
// them.
bool write_key(Xapian::WritableDatabase& db, Xapian::docid did, const std::string& id, const std::string& key) {
  Xapian::Document doc = db.get_document(did);
  if (!put_key(doc, id, key)) return false;
  db.replace_document(did, doc);
  return true;
}

// Adds `shard` to the ascending `shards`.
void note_shard(std::vector<size_t>* shards, size_t shard) {
  const auto at = std::lower_bound(shards->begin(), shards->end(), shard);
  if (at == shards->end() || *at != shard) shards->insert(at, shard);
}

// 2^26 bits a filter (8 MiB, touched as bits land): at a million articles, each id noted once in
// all and once for its shard, three bits a term give under 0.1% false positives, 3% at four
// million.
constexpr size_t kFilterWords = (size_t{1} << 26) / 64;
constexpr int kFilterHashes = 3;

// The term's bits; with a shard number, those of the term in that shard.
template <typename Visit>
void for_each_bit(std::string_view term, uint64_t shard_plus_one, Visit&& visit) {
  const uint64_t h = std::hash<std::string_view>{}(term) ^ (shard_plus_one * 0xC2B2AE3D27D4EB4FULL);
  const uint64_t step = (h >> 32 | h << 32) * 0x9E3779B97F4A7C15ULL | 1;  // double hashing
  for (int i = 0; i < kFilterHashes; ++i) {
    const uint64_t bit = (h + static_cast<uint64_t>(i) * step) & (kFilterWords * 64 - 1);
    visit(bit / 64, uint64_t{1} << (bit % 64));
  }
}

}  // namespace

void BandIndex::load(size_t shard, const Xapian::Database& db, const ParallelFor& parallel,
                     std::shared_ptr<const FingerprintFile> file) {
  if (loaded_.size() <= shard) loaded_.resize(shard + 1);
  Loaded& loaded = loaded_[shard];
  loaded = Loaded();
  if (const auto at = std::lower_bound(read_.begin(), read_.end(), shard); at != read_.end() && *at == shard) {
    read_.erase(at);
  }
  loaded.gone.resize(size_t{db.get_lastdocid()} + 1);
  if (file) {
    for (const Xapian::docid did : file->deleted_in(db)) {
      if (did < loaded.gone.size()) loaded.gone[did] = true;
    }
    loaded.file = std::move(file);
  } else {
    loaded.owned = read_bands(db, parallel);
  }
  loaded.covered = true;
  // Every fingerprint has all the bands: the first is empty only if they all are.
  if (!loaded.postings(0).empty()) read_.insert(std::lower_bound(read_.begin(), read_.end(), shard), shard);
}

bool BandIndex::rules_out(size_t shard, Xapian::docid did, const Fingerprint& fp) const {
  return shard < loaded_.size() && loaded_[shard].file && !loaded_[shard].file->may_share_story(did, fp);
}

size_t BandIndex::home(const Table& table, uint32_t value) {
  return static_cast<size_t>((value * 0x9E3779B97F4A7C15ULL) >> 20) & (table.slots.size() - 1);
}

void BandIndex::grow(Table& table) {
  Table bigger;
  size_t live = 0;
  for (const Slot& slot : table.slots) live += slot.did != 0 && slot.shard != kGone;
  size_t size = 1024;
  while (size < 2 * (live + 1)) size *= 2;  // half full after: short probes
  bigger.slots.resize(size);
  for (const Slot& slot : table.slots) {
    if (slot.did != 0 && slot.shard != kGone) put(bigger, slot.value, slot.shard, slot.did);
  }
  table = std::move(bigger);
}

void BandIndex::put(Table& table, uint32_t value, uint32_t shard, Xapian::docid did) {
  if (10 * (table.used + 1) > 7 * table.slots.size()) grow(table);
  const size_t mask = table.slots.size() - 1;
  size_t at = home(table, value);
  size_t same = 0;
  for (; table.slots[at].did != 0; at = (at + 1) & mask) {
    // Past kMaxPostings, find() gives nothing for the value: more would only lengthen the probes.
    const Slot& taken = table.slots[at];
    if (taken.value == value && taken.shard != kGone && ++same > kMaxPostings) return;
  }
  table.slots[at] = {value, did, shard};
  ++table.used;
}

void BandIndex::add(size_t shard, Xapian::docid did, const Fingerprint& fp) {
  if (fp.ignored()) return;
  cover(shard);
  for (size_t band = 0; band < kBands; ++band) add_band(band, shard, did, fp);
}

void BandIndex::cover(size_t shard) {
  if (loaded_.size() <= shard) loaded_.resize(shard + 1);
  loaded_[shard].covered = true;
}

void BandIndex::add_band(size_t band, size_t shard, Xapian::docid did, const Fingerprint& fp) {
  if (!fp.ignored()) put(added_[band], band_value(fp, band), static_cast<uint32_t>(shard), did);
}

std::span<const uint64_t> BandIndex::range_of(std::span<const uint64_t> postings, uint32_t value) {
  const auto first = std::lower_bound(postings.begin(), postings.end(), uint64_t{value} << 32);
  auto last = first;
  while (last != postings.end() && (*last >> 32) == value) ++last;
  return {first, last};
}

template <typename Visit>
void BandIndex::probe(const Table& table, uint32_t value, Visit&& visit) {
  if (table.slots.empty()) return;
  const size_t mask = table.slots.size() - 1;
  for (size_t at = home(table, value); table.slots[at].did != 0; at = (at + 1) & mask) {
    const Slot& slot = table.slots[at];
    if (slot.value == value && slot.shard != kGone && !visit(at)) return;
  }
}

void BandIndex::remove(size_t shard, Xapian::docid did, const Fingerprint& fp) {
  if (fp.ignored()) return;
  for (size_t band = 0; band < kBands; ++band) {
    const uint32_t value = band_value(fp, band);
    bool found = false;
    Table& table = added_[band];
    probe(table, value, [&](size_t slot) {
      Slot& taken = table.slots[slot];
      found = taken.did == did && taken.shard == shard;
      if (found) taken.shard = kGone;
      return !found;
    });
  }
  if (shard < loaded_.size() && did < loaded_[shard].gone.size()) loaded_[shard].gone[did] = true;
}

void BandIndex::find(size_t band, uint32_t value, std::vector<Posting>* out) const {
  out->clear();
  for (size_t i = 0; i < read_.size() && out->size() <= kMaxPostings; ++i) {
    const size_t shard = read_[i];
    const Loaded& loaded = loaded_[shard];
    for (const uint64_t p : range_of(loaded.postings(band), value)) {
      const auto did = static_cast<Xapian::docid>(p);
      if (loaded.holds(did)) out->push_back({shard, did});
    }
  }
  const Table& table = added_[band];
  probe(table, value, [&](size_t slot) {
    out->push_back({table.slots[slot].shard, table.slots[slot].did});
    return out->size() <= kMaxPostings;
  });
  if (out->size() > kMaxPostings) out->clear();
}

void BandIndex::clear() {
  loaded_.clear();
  read_.clear();
  for (Table& table : added_) table = Table();
}

size_t BandIndex::bytes() const {
  size_t total = 0;
  for (const Loaded& loaded : loaded_) {
    for (const auto& postings : loaded.owned) total += postings.capacity() * sizeof(uint64_t);
    total += loaded.gone.capacity() / 8;
  }
  for (const Table& table : added_) total += table.slots.size() * sizeof(Slot);
  return total;
}

FreshTerms::FreshTerms()
    : once_(static_cast<uint64_t*>(std::calloc(kFilterWords, sizeof(uint64_t)))),
      twice_(static_cast<uint64_t*>(std::calloc(kFilterWords, sizeof(uint64_t)))) {
  if (!once_ || !twice_) throw std::bad_alloc();
}

void FreshTerms::add(size_t shard, std::string_view term) {
  bool seen = true;
  for_each_bit(term, 0, [&](size_t word, uint64_t mask) { seen = seen && (once_[word] & mask) != 0; });
  uint64_t* filter = seen ? twice_.get() : once_.get();
  for_each_bit(term, 0, [&](size_t word, uint64_t mask) { filter[word] |= mask; });
  for_each_bit(term, shard + 1, [&](size_t word, uint64_t mask) { once_[word] |= mask; });
}

int FreshTerms::count(std::string_view term) const {
  int n = 2;
  for_each_bit(term, 0, [&](size_t word, uint64_t mask) {
    if ((once_[word] & mask) == 0) n = 0;
    else if (n > 1 && (twice_[word] & mask) == 0) n = 1;
  });
  return n;
}

bool FreshTerms::may_hold(size_t shard, std::string_view term) const {
  bool all = true;
  for_each_bit(term, shard + 1, [&](size_t word, uint64_t mask) { all = all && (once_[word] & mask) != 0; });
  return all;
}

const PrintCache::Entry* PrintCache::put(size_t shard, Xapian::docid did, std::string_view print) {
  if (entries_.size() >= max_entries_) clear();
  slots_.insert(article_key(shard, did)) = static_cast<uint32_t>(entries_.size());
  Entry& entry = entries_.emplace_back();
  if (!decode_fingerprint(print, &entry.fp, &entry.id)) entry = Entry();
  return &entry;
}

size_t StoryGrouper::shard_index(const Xapian::WritableDatabase* db) const {
  for (size_t s = 0; s < shards_.size(); ++s) {
    if (shards_[s].db == db) return s;
  }
  return shards_.size();  // cannot happen: every place is in one of the writer's shards
}

const PrintCache::Entry& StoryGrouper::print_of(size_t shard, Xapian::docid did) {
  if (const PrintCache::Entry* cached = prints_->find(shard, did)) return *cached;
  if (unwritten_ != nullptr) {
    if (auto it = unwritten_->find(article_key(shard, did)); it != unwritten_->end()) {
      return *prints_->put(shard, did, it->second->get_value(kPrintSlot));
    }
  }
  return *prints_->put(shard, did, shards_[shard].db->get_document(did, kValid).get_value(kPrintSlot));
}

Status StoryGrouper::prepare(const std::vector<Change>& changes, size_t begin, size_t end,
                             const ParallelFor& parallel) {
  return guarded([&] {
    // Before this range is written: the bands read are then those of the articles it replaces.
    for (size_t s = 0; s < shards_.size(); ++s) {
      if (!bands_->covers(s)) bands_->load(s, *shards_[s].db, parallel, shards_[s].file);
    }
    note(changes, begin, end);
  });
}

Status StoryGrouper::settle(const std::vector<Change>& changes, size_t begin, size_t end,
                           const std::vector<Place>& placed, const ParallelFor& parallel) {
  return guarded([&] {
    group(changes, begin, end, placed, parallel);
    write_keys();
  });
}

bool StoryGrouper::all_new() const {
  return std::none_of(before_.begin(), before_.end(), [](const auto& entry) { return entry.second.existed; });
}

Status StoryGrouper::settle_unwritten(const std::vector<Change>& changes, size_t begin, size_t end,
                                      const std::vector<Place>& placed, const ParallelFor& parallel,
                                      const Unwritten& unwritten) {
  unwritten_ = &unwritten;
  const Status s = settle(changes, begin, end, placed, parallel);
  unwritten_ = nullptr;
  return s;
}

// Every shard is asked, not only the one the id hashes to: the writer may place an article
// in any shard (a bulk build's segments), and its id term says where it is.
bool StoryGrouper::find(const std::string& id, Place* at) const {
  const std::string term = id_term(id);
  // The filter of all the fresh shards first: asking each shard's filter alone gives a false
  // positive, and a B-tree look-up, in about one shard of 30, which at a million articles (200
  // segments) was six look-ups for every new article.
  const bool in_no_fresh_shard = fresh_terms_ != nullptr && fresh_terms_->count(term) == 0;
  for (size_t s = 0; s < shards_.size(); ++s) {
    if (shards_[s].fresh && (in_no_fresh_shard || skip(s, term))) continue;
    Xapian::WritableDatabase* db = shards_[s].db;
    // term_exists reads the pending counts; opening the posting list flushes the term's
    // pending postings into the table, so only the shard that has it pays for that.
    if (!db->term_exists(term)) continue;
    Xapian::PostingIterator p = db->postlist_begin(term);
    if (p != db->postlist_end(term)) {
      *at = {db, *p, {}};
      return true;
    }
  }
  return false;
}

void StoryGrouper::note(const std::vector<Change>& changes, size_t begin, size_t end) {
  before_.clear();
  pending_.clear();
  regrouped_.clear();
  rewritten_ = 0;
  for (size_t i = begin; i < end; ++i) {
    const std::string& id = changes[i].article.id;
    auto [it, first] = before_.try_emplace(id);
    if (!first) continue;
    Place at;
    if (!find(id, &at)) continue;
    const Xapian::Document doc = at.db->get_document(at.did, kValid);
    it->second = {true, at, key_of(shard_index(at.db), at.did), doc.get_value(kPrintSlot)};
  }
}

void StoryGrouper::group(const std::vector<Change>& changes, size_t begin, size_t end,
                         const std::vector<Place>& placed, const ParallelFor& parallel) {
  // Each id once, at its last change in the batch (the one that decided what it is now).
  std::map<std::string, size_t> last;
  for (size_t i = begin; i < end; ++i) last[changes[i].article.id] = i;
  // What the shards now hold of this batch: each id's last version. An earlier one was replaced
  // under the same docid, or deleted (its docid may name no document now). What an id had before
  // the batch leaves the bands first.
  for (const auto& [id, i] : last) {
    const Before& was = before_[id];
    if (!was.existed) continue;
    const size_t shard = shard_index(was.at.db);
    prints_->erase(shard, was.at.did);
    if (held_ != nullptr) held_->forget(article_key(shard, was.at.did));
    Fingerprint old;
    if (decode_fingerprint(was.fingerprint, &old, nullptr)) bands_->remove(shard, was.at.did, old);
  }
  struct Added {
    size_t shard;
    Xapian::docid did;
    Fingerprint fp;
  };
  std::vector<Added> added;
  for (const auto& [id, i] : last) {
    const Place& at = placed[i - begin];
    if (changes[i].is_delete || at.db == nullptr) continue;
    const size_t shard = shard_index(at.db);
    bands_->cover(shard);
    added.push_back({shard, at.did, prints_->put(shard, at.did, at.print)->fp});
    if (shards_[shard].fresh && fresh_terms_ != nullptr) fresh_terms_->add(shard, id_term(id));
  }
  // A band's table on one thread, the bands on all: each posting is a read of a table too large
  // for the cache (5 s of a million-article build on one thread).
  const auto add_band = [&](size_t band) {
    for (const Added& a : added) bands_->add_band(band, a.shard, a.did, a.fp);
  };
  for_each_band(parallel, add_band);
  for (const auto& [id, i] : last) {
    if (!changes[i].is_delete) pending_.insert(id);
  }
  // The bands and fingerprints are now as the choices below will read them: find and weigh each
  // written article's candidates at once, on the threads given (most of the pass at a million
  // articles, where each article has many). An article whose candidates are not all in the
  // cache is weighed again by assign() on this thread, reading what is missing.
  weighed_.clear();
  if (parallel) {
    std::vector<std::pair<size_t, Xapian::docid>> written;
    for (const auto& [id, i] : last) {
      const Place& at = placed[i - begin];
      if (!changes[i].is_delete && at.db != nullptr) written.emplace_back(shard_index(at.db), at.did);
    }
    std::vector<std::vector<Weighed>> lists(written.size());
    std::vector<char> complete(written.size(), 0);
    const Status weighed = parallel(written.size(), [&](size_t k) {
      const PrintCache::Entry* mine = prints_->find(written[k].first, written[k].second);
      if (mine != nullptr && !mine->fp.ignored()) {
        complete[k] = weigh(written[k].first, written[k].second, mine->fp, false, &lists[k]);
      }
    });
    for (size_t k = 0; weighed.is_ok() && k < written.size(); ++k) {
      if (complete[k]) weighed_.emplace(article_key(written[k].first, written[k].second), std::move(lists[k]));
    }
  }
  for (size_t i = begin; i < end; ++i) {
    const Change& change = changes[i];
    const std::string& id = change.article.id;
    if (last[id] != i) continue;
    const Before& was = before_[id];
    // Its story as it was, unless a change earlier in the batch has taken that story apart.
    const bool story_stands = !was.key.empty() && regrouped_.count(was.key) == 0;
    if (change.is_delete) {
      if (story_stands) regroup(was.key);
      continue;
    }
    const Place& at = placed[i - begin];
    if (at.db == nullptr) {
      pending_.erase(id);  // cannot happen: it was just written
      continue;
    }
    if (was.existed && story_stands && at.print == was.fingerprint) {
      // Same text: same story (a re-run of the same input changes nothing).
      pending_.erase(id);
      set_key(at, id, was.key);
      continue;
    }
    if (story_stands) regroup(was.key);
    pending_.erase(id);
    assign(at);
  }
  weighed_.clear();
}

bool StoryGrouper::weigh(size_t shard, Xapian::docid did, const Fingerprint& fp, bool read,
                         std::vector<Weighed>* out) {
  out->clear();
  // Each candidate once, whatever number of bands it shares; which order they are weighed in
  // changes nothing (assign() ranks them by resemblance, then key and id).
  std::vector<uint64_t> keys;
  std::vector<BandIndex::Posting> found;
  for (size_t band = 0; band < kBands; ++band) {
    bands_->find(band, band_value(fp, band), &found);
    for (const BandIndex::Posting& p : found) {
      if (p.shard != shard || p.did != did) keys.push_back(article_key(p.shard, p.did));
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  const auto shard_of_key = [](uint64_t key) { return static_cast<size_t>(key >> 32); };
  const auto did_of_key = [](uint64_t key) { return static_cast<Xapian::docid>(key); };
  // A candidate that its shard's fingerprint file rules out needs no reading, nor a place in the cache.
  std::erase_if(keys, [&](uint64_t key) { return bands_->rules_out(shard_of_key(key), did_of_key(key), fp); });
  // The resemblance that same_story() weighs is the one assign() ranks by: computed once.
  const auto consider = [&](uint64_t key, const PrintCache::Entry& other) {
    Resemblance r;
    if (same_story(fp, other.fp, &r)) out->push_back({shard_of_key(key), did_of_key(key), other.id, r});
  };
  if (read) {
    // print_of() may read a shard and start the cache afresh: one at a time, each used at once.
    for (const uint64_t key : keys) consider(key, print_of(shard_of_key(key), did_of_key(key)));
    return true;
  }
  std::vector<const PrintCache::Entry*> others(keys.size());
  for (const uint64_t key : keys) prints_->prefetch(shard_of_key(key), did_of_key(key));
  for (size_t k = 0; k < keys.size(); ++k) {
    others[k] = prints_->find(shard_of_key(keys[k]), did_of_key(keys[k]));
    if (others[k] == nullptr) return false;
    __builtin_prefetch(&others[k]->fp);
  }
  for (size_t k = 0; k < keys.size(); ++k) consider(keys[k], *others[k]);
  return true;
}

// Joins the article at `self` (written, without a key) to the story of its most similar article.
void StoryGrouper::assign(const Place& self) {
  const size_t self_shard = shard_index(self.db);
  const PrintCache::Entry& mine = print_of(self_shard, self.did);
  if (mine.fp.ignored()) return;
  // Copies: a look-up below may start the cache afresh.
  const Fingerprint fp = mine.fp;
  const std::string self_id = mine.id;
  // Candidates: every article sharing a band, in any shard, that the fingerprints put in the
  // same story; weighed by settle()'s first pass, or here.
  std::vector<Weighed> here;
  const std::vector<Weighed>* candidates = &here;
  if (auto it = weighed_.find(article_key(self_shard, self.did)); it != weighed_.end()) {
    candidates = &it->second;
  } else {
    weigh(self_shard, self.did, fp, true, &here);
  }
  struct Best {
    double containment = -1, jaccard = -1;
    std::string key, id;
    Place at;
  } best;
  for (const Weighed& other : *candidates) {
    if (pending_.count(other.id) > 0) continue;
    Xapian::WritableDatabase* db = shards_[other.shard].db;
    std::string key = key_of(other.shard, other.did);
    // Most similar first; ties by key, then id, so that the choice never depends on docids.
    const auto rank = std::make_tuple(-other.r.containment, -other.r.jaccard, key.empty() ? other.id : key, other.id);
    const auto best_rank = std::make_tuple(-best.containment, -best.jaccard,
                                           best.key.empty() ? best.id : best.key, best.id);
    if (best.containment < 0 || rank < best_rank) {
      best = {other.r.containment, other.r.jaccard, key, other.id, {db, other.did, {}}};
    }
  }
  if (best.containment < 0) return;
  if (best.key.empty()) {
    // It stood alone until now: it starts the story, under its own id.
    best.key = best.id;
    set_key(best.at, best.id, best.key);
    ++rewritten_;
  }
  set_key(self, self_id, best.key);
}

// Takes every article of story `key` out of it, then puts each back by the rule, in id order.
void StoryGrouper::regroup(const std::string& key) {
  // The story's members are found through the shards: they must hold every key set so far.
  write_keys(/*all=*/true);
  regrouped_.insert(key);
  std::set<std::string> members;
  for (const std::string& term : story_terms(key)) {
    for (const Shard& shard : shards_) {
      Xapian::WritableDatabase* db = shard.db;
      for (Xapian::PostingIterator p = db->postlist_begin(term); p != db->postlist_end(term); ++p) {
        const Xapian::Document doc = db->get_document(*p, kValid);
        Fingerprint fp;
        std::string member;
        if (doc.get_value(kKeySlot) == key && decode_fingerprint(doc.get_value(kPrintSlot), &fp, &member)) {
          members.insert(member);
        }
      }
    }
  }
  for (const std::string& member : members) {
    Place at;
    if (find(member, &at)) set_key(at, member, "");
    pending_.insert(member);
    ++rewritten_;
  }
  for (const std::string& member : members) {
    pending_.erase(member);
    Place at;
    if (find(member, &at)) assign(at);
  }
}

void StoryGrouper::set_key(const Place& at, const std::string& id, const std::string& key) {
  key_writes_[article_key(shard_index(at.db), at.did)] = {{at.db, at.did, {}}, id, key};
}

std::vector<size_t> HeldKeys::write(const std::function<Xapian::WritableDatabase&(size_t shard)>& db_of) {
  std::vector<size_t> shards;
  for (const auto& [k, held] : keys_) {
    const auto shard = static_cast<size_t>(k >> 32);
    try {
      if (write_key(db_of(shard), static_cast<Xapian::docid>(k), held.id, held.key)) note_shard(&shards, shard);
    } catch (const Xapian::DocNotFoundError&) {
      // Deleted since (forget() is told first; this only guards against a missed case).
    }
  }
  keys_.clear();
  return shards;
}

std::string StoryGrouper::key_of(size_t shard, Xapian::docid did) const {
  if (auto it = key_writes_.find(article_key(shard, did)); it != key_writes_.end()) return it->second.key;
  if (held_ != nullptr) {
    if (const std::string* key = held_->find(article_key(shard, did))) return *key;
  }
  if (unwritten_ != nullptr && unwritten_->count(article_key(shard, did)) > 0) return {};
  return shards_[shard].db->get_document(did, kValid).get_value(kKeySlot);
}

// In docid order, shard by shard, where consecutive docids share B-tree blocks: at 300,000
// articles 1 to 4% less indexing time than writing each key when chosen. On this thread: the
// same writes from the pool's threads, a shard on each, took 6 to 8% more time, not less.
void StoryGrouper::write_keys(bool all) {
  std::vector<std::pair<uint64_t, const KeyWrite*>> writes;
  writes.reserve(key_writes_.size());
  for (const auto& [k, w] : key_writes_) writes.emplace_back(k, &w);
  std::sort(writes.begin(), writes.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [k, w] : writes) {
    if (unwritten_ != nullptr) {
      if (auto it = unwritten_->find(k); it != unwritten_->end()) {
        put_key(*it->second, w->id, w->key);
        continue;
      }
    }
    if (held_ != nullptr) {
      held_->hold(k, w->id, w->key);
    } else if (write_key(*w->at.db, w->at.did, w->id, w->key)) {
      note_shard(&regrouped_shards_, static_cast<size_t>(k >> 32));
    }
  }
  key_writes_.clear();
  if (all && held_ != nullptr) {
    for (const size_t shard : held_->write([this](size_t shard) -> Xapian::WritableDatabase& { return *shards_[shard].db; })) {
      note_shard(&regrouped_shards_, shard);
    }
  }
}

}  // namespace sondhan::core
