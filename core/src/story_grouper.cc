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
  for (size_t s = 0; s < shards_.size(); ++s) {
    if (skip(s, term)) continue;
    Xapian::WritableDatabase* db = shards_[s].db;
    // term_exists reads the pending counts; opening the posting list flushes the term's
    // pending postings into the table, so only the shard that has it pays for that.
    if (!db->term_exists(term)) continue;
    Xapian::PostingIterator p = db->postlist_begin(term);
    if (p != db->postlist_end(term)) {
      *at = {db, *p};
      return true;
    }
  }
  return false;
}

void StoryGrouper::note(const std::vector<Change>& changes, size_t begin, size_t end) {
  before_.clear();
  pending_.clear();
  rewritten_ = 0;
  for (size_t i = begin; i < end; ++i) {
    const std::string& id = changes[i].article.id;
    auto [it, first] = before_.try_emplace(id);
    if (!first) continue;
    Place at;
    if (!find(id, &at)) continue;
    const Xapian::Document doc = at.db->get_document(at.did);
    it->second = {true, doc.get_value(kKeySlot), doc.get_value(kPrintSlot)};
  }
}

void StoryGrouper::group(const std::vector<Change>& changes, size_t begin, size_t end,
                         const std::vector<Place>& placed) {
  // Each id once, at its last change in the batch (the one that decided what it is now).
  std::map<std::string, size_t> last;
  for (size_t i = begin; i < end; ++i) last[changes[i].article.id] = i;
  if (fresh_terms_ != nullptr) {
    // What the fresh shards now hold of this batch: each id's last version. An earlier one was
    // replaced under the same docid, or deleted (its docid may name no document now).
    for (const auto& [id, i] : last) {
      const Place& at = placed[i - begin];
      const int shard = changes[i].is_delete || at.db == nullptr ? -1 : fresh_index(at.db);
      if (shard < 0) continue;
      fresh_terms_->add(shard, id_term(id));
      Fingerprint fp;
      std::string ignored_id;
      if (!decode_fingerprint(at.db->get_document(at.did).get_value(kPrintSlot), &fp, &ignored_id)) continue;
      for (const std::string& term : band_terms(fp, kBandPrefix)) fresh_terms_->add(shard, term);
    }
  }
  for (const auto& [id, i] : last) {
    if (!changes[i].is_delete) pending_.insert(id);
  }
  for (size_t i = begin; i < end; ++i) {
    const Change& change = changes[i];
    const std::string& id = change.article.id;
    if (last[id] != i) continue;
    const Before& was = before_[id];
    if (change.is_delete) {
      if (!was.key.empty()) regroup(was.key);
      continue;
    }
    const Place& at = placed[i - begin];
    if (at.db == nullptr) {
      pending_.erase(id);  // cannot happen: it was just written
      continue;
    }
    if (was.existed && !was.key.empty() &&
        at.db->get_document(at.did).get_value(kPrintSlot) == was.fingerprint) {
      // Same text: same story (a re-run of the same input changes nothing).
      pending_.erase(id);
      set_key(at, was.key);
      continue;
    }
    if (!was.key.empty()) regroup(was.key);
    pending_.erase(id);
    assign(at);
  }
}

// Joins the article at `self` (written, without a key) to the story of its most similar article.
void StoryGrouper::assign(const Place& self) {
  Fingerprint fp;
  std::string ignored_id;
  if (!decode_fingerprint(self.db->get_document(self.did).get_value(kPrintSlot), &fp, &ignored_id) || fp.ignored()) {
    return;
  }
  // Candidates: every article sharing a band term, in any shard.
  std::set<std::pair<size_t, Xapian::docid>> seen;
  struct Best {
    double containment = -1, jaccard = -1;
    std::string key, id;
    Place at;
  } best;
  const bool self_fresh = fresh_index(self.db) >= 0;
  for (const std::string& term : band_terms(fp, kBandPrefix)) {
    // Whether an article other than this one may have the term in a fresh shard.
    const bool others_in_fresh = fresh_terms_ == nullptr || fresh_terms_->count(term) > (self_fresh ? 1 : 0);
    for (size_t s = 0; s < shards_.size(); ++s) {
      if (shards_[s].fresh && (!others_in_fresh || skip(s, term))) continue;
      Xapian::WritableDatabase* db = shards_[s].db;
      // Most band terms belong to one article: its frequency (read from the pending counts,
      // without flushing the term out of Xapian's write buffer, which cost a fifth of the
      // indexing time) says whether there is anyone else to look at.
      const Xapian::doccount freq = db->get_termfreq(term);
      if (freq == 0 || (db == self.db && freq == 1) || freq > kMaxBandPostings) continue;
      for (Xapian::PostingIterator p = db->postlist_begin(term); p != db->postlist_end(term); ++p) {
        if ((db == self.db && *p == self.did) || !seen.emplace(s, *p).second) continue;
        const Xapian::Document doc = db->get_document(*p);
        Fingerprint other;
        std::string other_id;
        if (!decode_fingerprint(doc.get_value(kPrintSlot), &other, &other_id)) continue;
        if (pending_.count(other_id) > 0 || !same_story(fp, other)) continue;
        const Resemblance r = resemblance(fp, other);
        std::string key = doc.get_value(kKeySlot);
        // Most similar first; ties by key, then id, so that the choice never depends on docids.
        const auto rank = std::make_tuple(-r.containment, -r.jaccard, key.empty() ? other_id : key, other_id);
        const auto best_rank = std::make_tuple(-best.containment, -best.jaccard,
                                               best.key.empty() ? best.id : best.key, best.id);
        if (best.containment < 0 || rank < best_rank) best = {r.containment, r.jaccard, key, other_id, {db, *p}};
      }
    }
  }
  if (best.containment < 0) return;
  if (best.key.empty()) {
    // It stood alone until now: it starts the story, under its own id.
    best.key = best.id;
    set_key(best.at, best.key);
    ++rewritten_;
  }
  set_key(self, best.key);
}

// Takes every article of story `key` out of it, then puts each back by the rule, in id order.
void StoryGrouper::regroup(const std::string& key) {
  const std::string term = kStoryPrefix + key;
  std::vector<std::string> members;
  for (const Shard& shard : shards_) {
    Xapian::WritableDatabase* db = shard.db;
    for (Xapian::PostingIterator p = db->postlist_begin(term); p != db->postlist_end(term); ++p) {
      Fingerprint fp;
      std::string member;
      if (decode_fingerprint(db->get_document(*p).get_value(kPrintSlot), &fp, &member)) members.push_back(member);
    }
  }
  std::sort(members.begin(), members.end());
  for (const std::string& member : members) {
    Place at;
    if (find(member, &at)) set_key(at, "");
    pending_.insert(member);
    ++rewritten_;
  }
  for (const std::string& member : members) {
    pending_.erase(member);
    Place at;
    if (find(member, &at)) assign(at);
  }
}

void StoryGrouper::set_key(const Place& at, const std::string& key) {
  Xapian::Document doc = at.db->get_document(at.did);
  const std::string old = doc.get_value(kKeySlot);
  if (old == key) return;
  if (!old.empty()) {
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
    doc.add_boolean_term(kStoryPrefix + key);
  }
  at.db->replace_document(at.did, doc);
}

}  // namespace sondhan::core
