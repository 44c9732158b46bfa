// Facet columns: a shard's facet values held in memory by docid, shared by every searcher of
// the process (and its story keys, the same way: searcher.cc collapses stories with them).
// Counting a facet then reads an array entry per matching document, where walking Xapian's
// value stream read and decoded B-tree blocks on every request (three facets over 20,000
// matches: p99 83 ms at a million articles, most of it those reads).
//
// A column is read once and kept across commits that replace no article in place (kReplacedKey in
// index_layout.h: adding, deleting, regrouping stories and metadata leave every docid's facet
// values as they were); articles added since are read alone, past its end. A commit that
// replaced an article in place (which keeps its docid and may change its values) makes the next
// request read the column again, as does any commit to a shard without the count. The
// columns of all shards share a memory budget (search.facet_memory_mb): a column that does not
// fit takes the place of columns unused for a minute (the least recently used first), or else
// its shard is counted from Xapian.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

namespace sondhan::core {

/// Calls `f` with each entry of a facet's stored value: the value itself, or with `list` each
/// of its entries (`separator` between them; empty ones skipped).
template <typename F>
void for_each_entry(std::string_view stored, bool list, char separator, F&& f) {
  if (!list) {
    f(stored);
    return;
  }
  for (size_t start = 0; start < stored.size();) {
    size_t stop = stored.find(separator, start);
    if (stop == std::string_view::npos) stop = stored.size();
    if (stop > start) f(stored.substr(start, stop - start));
    start = stop + 1;
  }
}

/// One facet slot of one shard at one revision.
class FacetColumn {
 public:
  /// Reads `slot` of `shard`. With `list`, a value holds several entries (kListSeparator
  /// between them) and each counts.
  static std::shared_ptr<const FacetColumn> read(const Xapian::Database& shard, Xapian::valueno slot, bool list);
  /// This column with the documents `shard` holds past its end read and added (the articles
  /// added since, when no article was replaced in place).
  std::shared_ptr<const FacetColumn> extended(const Xapian::Database& shard, Xapian::valueno slot, bool list) const;
  /// The docids it holds values for: 1 to end() - 1.
  Xapian::docid end() const { return static_cast<Xapian::docid>(code_.size()); }

  /// Adds the values of the documents `docids` (of the shard it was read from) to `counts`,
  /// which is indexed like values().
  void count(const std::vector<Xapian::docid>& docids, std::vector<size_t>* counts) const;

  /// The distinct entries, as counted.
  const std::vector<std::string>& values() const { return values_; }
  /// The value stored for `did` ("" for none, or past the end) in a column of single values.
  std::string_view value_of(Xapian::docid did) const {
    if (did >= code_.size() || code_[did] == 0) return {};
    return values_[entries_[code_[did] - 1].front()];
  }
  size_t bytes() const;

 private:
  // code_[did]: 0 for no value, else 1 + the index of the document's stored value in
  // entries_ (the distinct stored values), which lists the indexes into values_ it counts as.
  std::vector<uint32_t> code_;
  std::vector<std::vector<uint32_t>> entries_;
  std::vector<std::string> values_;

  // Reads the values of the docids from `first` on, up to the shard's last docid.
  void read_from(const Xapian::Database& shard, Xapian::valueno slot, bool list, Xapian::docid first);
};

/// The columns of the process's shards, by the shard's path.
class FacetColumns {
 public:
  /// The process's one cache, which searchers use.
  static FacetColumns& shared();

  /// An empty cache of its own.
  FacetColumns();
  ~FacetColumns();
  FacetColumns(const FacetColumns&) = delete;
  FacetColumns& operator=(const FacetColumns&) = delete;

  /// The column of `slot` for the shard at `path`, opened as `shard`: read now unless already
  /// held for the shard's uuid and its counts under `guards` (metadata keys counting the commits
  /// that could change an existing docid's value: kReplacedKey, and kRegroupedKey for story keys;
  /// without them, its revision), and extended when the shard has articles past its end. Null
  /// when it cannot be used: another thread is reading it, the handle is older than a column read
  /// after such a commit, or it does not fit `budget_bytes` (0: columns off) beside the columns
  /// used in the last minute. The caller then reads Xapian's values. Without `wait`, a column
  /// that has to be read whole (not only extended) is read on a thread of its own, from the
  /// shard at `path` as it is then, and null returned meanwhile.
  std::shared_ptr<const FacetColumn> get(const std::string& path, const Xapian::Database& shard,
                                         Xapian::valueno slot, bool list, size_t budget_bytes,
                                         const std::vector<std::string>& guards, bool wait = true);

  /// Waits for the columns being read in the background (tests; a server about to stop).
  void wait();

  /// What the held columns take.
  size_t bytes() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sondhan::core
