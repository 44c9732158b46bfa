// Story grouping over the writer's shards. Every read goes through the WritableDatabase
// handles, which see their own uncommitted changes (Xapian's glass backend flushes one term's
// buffered postings when that term's posting list is opened, and reads documents and values
// through its pending changes), so a copy written earlier in the same batch is found.
#include "story_grouper.h"

#include <algorithm>
#include <functional>
#include <tuple>

#include "sondhan/core/schema.h"

namespace sondhan::core {
namespace {

// A band term shared by more articles than this is boilerplate common to unrelated articles
// (a stock closing line long enough to fill two buckets): it finds no copies worth checking.
constexpr Xapian::doccount kMaxBandPostings = 64;

const Xapian::valueno kKeySlot = static_cast<Xapian::valueno>(kStoryKeySlot);
const Xapian::valueno kPrintSlot = static_cast<Xapian::valueno>(kFingerprintSlot);

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
  }
}

// 2^28 bits a filter (32 MiB, touched as bits land): at a million articles of 17 terms each,
// noted once in all and once for their shard, three bits a term give about 3% false positives.
constexpr size_t kFilterWords = (size_t{1} << 28) / 64;
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

FreshBands::FreshBands(size_t max_postings, Spill spill)
    : keys_(size_t{1} << 16, 0), heads_(size_t{1} << 16, 0), max_postings_(max_postings), spill_(std::move(spill)) {}

size_t FreshBands::slot_of(uint64_t key) const {
  const size_t mask = keys_.size() - 1;
  size_t slot = static_cast<size_t>((key * 0x9E3779B97F4A7C15ULL) >> 20) & mask;
  while (keys_[slot] != 0 && keys_[slot] != key) slot = (slot + 1) & mask;
  return slot;
}

void FreshBands::grow() {
  std::vector<uint64_t> keys(keys_.size() * 2, 0);
  std::vector<uint32_t> heads(heads_.size() * 2, 0);
  keys.swap(keys_);
  heads.swap(heads_);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == 0) continue;
    const size_t slot = slot_of(keys[i]);
    keys_[slot] = keys[i];
    heads_[slot] = heads[i];
  }
}

void FreshBands::give_up() {
  // The shards are asked from now on.
  kept_ = false;
  if (spill_) {
    for (size_t slot = 0; slot < keys_.size(); ++slot) {
      if (keys_[slot] == 0) continue;
      const uint64_t key = keys_[slot] - 1;  // key_of()'s inverse
      for (uint32_t e = heads_[slot]; e != 0; e = entries_[e - 1].next) {
        const Entry& entry = entries_[e - 1];
        if (entry.did != 0) spill_(static_cast<size_t>(key >> 32), static_cast<uint32_t>(key), entry.shard);
      }
    }
  }
  std::vector<Entry>().swap(entries_);
  std::vector<uint64_t>().swap(keys_);
  std::vector<uint32_t>().swap(heads_);
}

void FreshBands::add(size_t shard, Xapian::docid did, const Fingerprint& fp) {
  if (!kept_ || fp.ignored()) return;
  if (entries_.size() + kBands > max_postings_) {
    give_up();
    return;
  }
  try {
    for (size_t band = 0; band < kBands; ++band) {
      if (2 * (terms_ + 1) > keys_.size()) grow();  // at most half full: short probes
      const uint64_t key = key_of(band, band_value(fp, band));
      const size_t slot = slot_of(key);
      if (keys_[slot] == 0) {
        keys_[slot] = key;
        ++terms_;
      }
      entries_.push_back({did, static_cast<uint32_t>(shard), heads_[slot]});
      heads_[slot] = static_cast<uint32_t>(entries_.size());
    }
  } catch (const std::bad_alloc&) {
    give_up();
  }
}

void FreshBands::remove(size_t shard, Xapian::docid did, const Fingerprint& fp) {
  if (!kept_ || fp.ignored()) return;
  for (size_t band = 0; band < kBands; ++band) {
    const size_t slot = slot_of(key_of(band, band_value(fp, band)));
    for (uint32_t e = heads_[slot]; e != 0; e = entries_[e - 1].next) {
      Entry& entry = entries_[e - 1];
      if (entry.did == did && entry.shard == shard) {
        entry.did = 0;
        break;
      }
    }
  }
}

void FreshBands::find(size_t band, uint32_t value, std::vector<Posting>* out) const {
  out->clear();
  if (!kept_) return;
  const size_t slot = slot_of(key_of(band, value));
  for (uint32_t e = heads_[slot]; e != 0; e = entries_[e - 1].next) {
    const Entry& entry = entries_[e - 1];
    if (entry.did != 0) out->push_back({entry.shard, entry.did});
  }
}

FreshTerms::FreshTerms(size_t max_band_postings)
    : bands(max_band_postings,
            [this](size_t band, uint32_t value, size_t shard) { add(shard, band_term(band, value, kBandPrefix)); }),
      once_(static_cast<uint64_t*>(std::calloc(kFilterWords, sizeof(uint64_t)))),
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

void FreshTerms::add_bands(size_t shard, Xapian::docid did, const Fingerprint& fp) {
  if (bands.kept()) bands.add(shard, did, fp);
  if (bands.kept()) return;
  for (const std::string& term : band_terms(fp, kBandPrefix)) add(shard, term);
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

const PrintCache::Entry* PrintCache::find(size_t shard, Xapian::docid did) const {
  auto it = entries_.find(uint64_t{shard} << 32 | did);
  return it == entries_.end() ? nullptr : &it->second;
}

const PrintCache::Entry* PrintCache::put(size_t shard, Xapian::docid did, std::string_view print) {
  if (entries_.size() >= max_entries_) entries_.clear();
  Entry& entry = entries_[uint64_t{shard} << 32 | did];
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
  return *prints_->put(shard, did, shards_[shard].db->get_document(did, kValid).get_value(kPrintSlot));
}

int StoryGrouper::fresh_index(const Xapian::WritableDatabase* db) const {
  if (fresh_terms_ == nullptr) return -1;
  for (size_t s = 0; s < shards_.size(); ++s) {
    if (shards_[s].db == db) return shards_[s].fresh ? static_cast<int>(s) : -1;
  }
  return -1;
}

Status StoryGrouper::prepare(const std::vector<Change>& changes, size_t begin, size_t end) {
  return guarded([&] { note(changes, begin, end); });
}

Status StoryGrouper::settle(const std::vector<Change>& changes, size_t begin, size_t end,
                           const std::vector<Place>& placed) {
  return guarded([&] { group(changes, begin, end, placed); });
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
    it->second = {true, at, doc.get_value(kKeySlot), doc.get_value(kPrintSlot)};
  }
}

void StoryGrouper::group(const std::vector<Change>& changes, size_t begin, size_t end,
                         const std::vector<Place>& placed) {
  // Each id once, at its last change in the batch (the one that decided what it is now).
  std::map<std::string, size_t> last;
  for (size_t i = begin; i < end; ++i) last[changes[i].article.id] = i;
  // What the shards now hold of this batch: each id's last version. An earlier one was replaced
  // under the same docid, or deleted (its docid may name no document now). What an id had before
  // the batch in a fresh shard leaves the band table first.
  for (const auto& [id, i] : last) {
    const Before& was = before_[id];
    if (!was.existed || fresh_index(was.at.db) < 0) continue;
    Fingerprint old;
    std::string ignored_id;
    if (decode_fingerprint(was.fingerprint, &old, &ignored_id)) {
      fresh_terms_->bands.remove(shard_index(was.at.db), was.at.did, old);
    }
  }
  for (const auto& [id, i] : last) {
    const Place& at = placed[i - begin];
    if (changes[i].is_delete || at.db == nullptr) continue;
    const size_t shard = shard_index(at.db);
    const PrintCache::Entry* written = prints_->put(shard, at.did, at.print);
    if (fresh_index(at.db) < 0) continue;
    fresh_terms_->add(shard, id_term(id));
    fresh_terms_->add_bands(shard, at.did, written->fp);
  }
  for (const auto& [id, i] : last) {
    if (!changes[i].is_delete) pending_.insert(id);
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
}

// Joins the article at `self` (written, without a key) to the story of its most similar article.
void StoryGrouper::assign(const Place& self) {
  const size_t self_shard = shard_index(self.db);
  const PrintCache::Entry& mine = print_of(self_shard, self.did);
  if (mine.fp.ignored()) return;
  // Copies: a look-up below may start the cache afresh.
  const Fingerprint fp = mine.fp;
  const std::string self_id = mine.id;
  // Candidates: every article sharing a band term, in any shard.
  std::set<std::pair<size_t, Xapian::docid>> seen;
  struct Best {
    double containment = -1, jaccard = -1;
    std::string key, id;
    Place at;
  } best;
  auto consider = [&](size_t s, Xapian::docid did) {
    if ((s == self_shard && did == self.did) || !seen.emplace(s, did).second) return;
    const PrintCache::Entry& other = print_of(s, did);
    if (other.fp.ignored() || !same_story(fp, other.fp) || pending_.count(other.id) > 0) return;
    const Resemblance r = resemblance(fp, other.fp);
    const std::string other_id = other.id;
    Xapian::WritableDatabase* db = shards_[s].db;
    std::string key = db->get_document(did, kValid).get_value(kKeySlot);
    // Most similar first; ties by key, then id, so that the choice never depends on docids.
    const auto rank = std::make_tuple(-r.containment, -r.jaccard, key.empty() ? other_id : key, other_id);
    const auto best_rank = std::make_tuple(-best.containment, -best.jaccard,
                                           best.key.empty() ? best.id : best.key, best.id);
    if (best.containment < 0 || rank < best_rank) best = {r.containment, r.jaccard, key, other_id, {db, did, {}}};
  };
  const bool self_fresh = fresh_index(self.db) >= 0;
  // The fresh shards' band terms are in memory, unless there were too many to keep.
  const bool bands_in_memory = fresh_terms_ != nullptr && fresh_terms_->bands.kept();
  // The band terms are spelt out only for shards the table does not answer for.
  bool ask_shards = !bands_in_memory;
  for (const Shard& shard : shards_) ask_shards = ask_shards || !shard.fresh;
  std::vector<FreshBands::Posting> found;
  for (size_t band = 0; band < kBands; ++band) {
    if (bands_in_memory) {
      fresh_terms_->bands.find(band, band_value(fp, band), &found);
      // A shard's articles are skipped when there are too many, as with its posting list.
      std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.shard < b.shard; });
      for (size_t from = 0, to = 0; from < found.size(); from = to) {
        while (to < found.size() && found[to].shard == found[from].shard) ++to;
        if (to - from > kMaxBandPostings) continue;
        for (size_t k = from; k < to; ++k) consider(found[k].shard, found[k].did);
      }
    }
    if (!ask_shards) continue;
    const std::string term = band_term(band, band_value(fp, band), kBandPrefix);
    // Without the table, the fresh shards are asked only if the filter says that an article
    // other than this one may have the term there.
    const bool ask_fresh = !bands_in_memory && (fresh_terms_ == nullptr || fresh_terms_->count(term) > (self_fresh ? 1 : 0));
    for (size_t s = 0; s < shards_.size(); ++s) {
      if (shards_[s].fresh && (!ask_fresh || skip(s, term))) continue;
      Xapian::WritableDatabase* db = shards_[s].db;
      // Without the filter's word, ask the term's frequency first: it is read from the pending
      // counts, while opening the posting list writes the term out of Xapian's buffer, which
      // cost a fifth of the indexing time when most terms belong to one article. Where the
      // filter says another article has the term, asking first would only read the same
      // B-tree blocks twice.
      if (!shards_[s].fresh || fresh_terms_ == nullptr) {
        const Xapian::doccount freq = db->get_termfreq(term);
        if (freq == 0 || (db == self.db && freq == 1)) continue;
      }
      Xapian::docid postings[kMaxBandPostings + 1];
      size_t n = 0;
      for (Xapian::PostingIterator p = db->postlist_begin(term); p != db->postlist_end(term) && n <= kMaxBandPostings; ++p) {
        postings[n++] = *p;
      }
      if (n > kMaxBandPostings) continue;
      for (size_t k = 0; k < n; ++k) consider(s, postings[k]);
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
  Xapian::Document doc = at.db->get_document(at.did);
  const std::string old = doc.get_value(kKeySlot);
  if (old == key) return;
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
  at.db->replace_document(at.did, doc);
}

}  // namespace sondhan::core
