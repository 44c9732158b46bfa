// Groups each article with the near-duplicates the index already holds under one story key
// (schema.h's kStoryKeySlot), for IndexWriter: incrementally, deterministically, and so that a
// deletion or change leaves no other article in a wrong story.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <xapian.h>

#include "sondhan/core/article.h"
#include "sondhan/core/fingerprint.h"
#include "sondhan/core/status.h"

namespace sondhan::core {

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
  /// `shards`: every shard the writer has open.
  explicit StoryGrouper(std::vector<Xapian::WritableDatabase*> shards) : shards_(std::move(shards)) {}

  /// Notes the story and fingerprint each id of changes[begin, end) has before they are written.
  /// kInternal for a Xapian error.
  [[nodiscard]] Status prepare(const std::vector<Change>& changes, size_t begin, size_t end);

  /// Groups the written changes[begin, end). kInternal for a Xapian error.
  [[nodiscard]] Status settle(const std::vector<Change>& changes, size_t begin, size_t end);

  /// Writes done so far by settle() on articles other than the batch's: how far a change spread.
  size_t rewritten() const { return rewritten_; }

 private:
  struct Located {
    Xapian::WritableDatabase* db = nullptr;
    Xapian::docid did = 0;
  };
  struct Before {
    bool existed = false;
    std::string key;          // its story key, "" for none
    std::string fingerprint;  // its kFingerprintSlot value
  };

  void note(const std::vector<Change>& changes, size_t begin, size_t end);
  void group(const std::vector<Change>& changes, size_t begin, size_t end);
  bool find(const std::string& id, Located* at) const;
  void assign(const std::string& id);
  void regroup(const std::string& key);
  void set_key(const Located& at, const std::string& key);

  std::vector<Xapian::WritableDatabase*> shards_;
  std::map<std::string, Before> before_;  // by id, the batch's first change to it
  std::set<std::string> pending_;         // ids written in this batch and not grouped yet
  size_t rewritten_ = 0;
};

}  // namespace sondhan::core
