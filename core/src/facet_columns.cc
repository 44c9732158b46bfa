#include "facet_columns.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "index_layout.h"

namespace sondhan::core {

std::shared_ptr<const FacetColumn> FacetColumn::read(const Xapian::Database& shard, Xapian::valueno slot, bool list) {
  auto column = std::make_shared<FacetColumn>();
  column->read_from(shard, slot, list, 1);
  return column;
}

std::shared_ptr<const FacetColumn> FacetColumn::extended(const Xapian::Database& shard, Xapian::valueno slot,
                                                         bool list) const {
  auto column = std::make_shared<FacetColumn>(*this);
  column->read_from(shard, slot, list, end());
  return column;
}

void FacetColumn::read_from(const Xapian::Database& shard, Xapian::valueno slot, bool list, Xapian::docid first) {
  code_.resize(std::max<size_t>(code_.size(), static_cast<size_t>(shard.get_lastdocid()) + 1), 0);
  std::unordered_map<std::string, uint32_t> value_of;  // entry -> index in values_
  for (size_t v = 0; v < values_.size(); ++v) value_of.emplace(values_[v], static_cast<uint32_t>(v));
  std::map<std::vector<uint32_t>, uint32_t> entry_of_counted;  // what a stored value counts -> index in entries_
  for (size_t e = 0; e < entries_.size(); ++e) entry_of_counted.emplace(entries_[e], static_cast<uint32_t>(e));
  std::unordered_map<std::string, uint32_t> entry_of;  // stored value -> index in entries_ (a shortcut)
  const auto value_index = [&](std::string_view entry) {
    auto [at, added] = value_of.try_emplace(std::string(entry), static_cast<uint32_t>(values_.size()));
    if (added) values_.emplace_back(entry);
    return at->second;
  };
  Xapian::ValueIterator v = shard.valuestream_begin(slot);
  if (first > 1 && v != shard.valuestream_end(slot)) v.skip_to(first);
  for (; v != shard.valuestream_end(slot); ++v) {
    const Xapian::docid did = v.get_docid();
    if (did >= code_.size()) break;  // cannot happen at one revision; never index past the end
    const std::string stored = *v;
    auto [at, added] = entry_of.try_emplace(stored, 0);
    if (added) {
      std::vector<uint32_t> counted;
      for_each_entry(stored, list, kListSeparator, [&](std::string_view entry) { counted.push_back(value_index(entry)); });
      auto [known, fresh] = entry_of_counted.try_emplace(counted, static_cast<uint32_t>(entries_.size()));
      if (fresh) entries_.push_back(std::move(counted));
      at->second = known->second;
    }
    code_[did] = at->second + 1;
  }
  entries_.shrink_to_fit();
}

void FacetColumn::count(const std::vector<Xapian::docid>& docids, std::vector<size_t>* counts) const {
  std::vector<uint32_t> per_entry(entries_.size(), 0);
  for (const Xapian::docid did : docids) {
    if (did < code_.size() && code_[did] != 0) ++per_entry[code_[did] - 1];
  }
  counts->assign(values_.size(), 0);
  for (size_t e = 0; e < per_entry.size(); ++e) {
    if (per_entry[e] == 0) continue;
    for (const uint32_t v : entries_[e]) (*counts)[v] += per_entry[e];
  }
}

size_t FacetColumn::bytes() const {
  size_t total = code_.capacity() * sizeof(uint32_t) + entries_.capacity() * sizeof(entries_[0]);
  for (const auto& entry : entries_) total += entry.capacity() * sizeof(uint32_t) + 16;  // + the allocation's own
  for (const std::string& value : values_) total += sizeof(value) + value.capacity();
  return total;
}

namespace {
using Clock = std::chrono::steady_clock;
// A column unused this long may be dropped for another. Dropping one still in use would make
// searches that want more columns than the budget holds read them again and again, each
// dearer than counting from Xapian once.
constexpr auto kIdle = std::chrono::seconds(60);

// The shard's counts under `guards`, as one string ("" when one is missing).
std::string guard_counts(const Xapian::Database& shard, const std::vector<std::string>& guards) {
  std::string counts;
  for (const std::string& guard : guards) {
    const std::string count = shard.get_metadata(guard);
    if (count.empty()) return {};
    counts += count + '/';
  }
  return counts;
}

}  // namespace

struct FacetColumns::State {
  struct Entry {
    std::string uuid;
    Xapian::rev revision = 0;
    std::string replaced;  // the shard's counts under the guards when read ("": without them)
    std::shared_ptr<const FacetColumn> column;
    size_t bytes = 0;
    bool reading = false;
    Clock::time_point used;
  };
  mutable std::mutex mutex;
  std::map<std::string, Entry> entries;  // by path and slot
  size_t bytes = 0;
  // Columns to read in the background (get() without `wait`), one after another on one thread
  // with a handle of its own (a handle serves one thread): a database opened during a bulk build
  // lists hundreds of segments.
  struct Job {
    std::string key, path;
    Xapian::valueno slot;
    bool list;
    std::vector<std::string> guards;
  };
  std::deque<Job> jobs;
  std::thread reader;
  bool reader_busy = false;  // the thread is taking jobs
  std::condition_variable idle;

  ~State() { wait(); }

  // Queues the column at `key` of the shard at `path`, read as it is then. With `mutex` held.
  void read_in_background(Job job) {
    jobs.push_back(std::move(job));
    if (reader_busy) return;
    if (reader.joinable()) reader.join();  // done: it cleared reader_busy as it left
    try {
      reader = std::thread([this] { take_jobs(); });
      reader_busy = true;
    } catch (const std::exception&) {  // no thread to be had: later requests try again
      for (const Job& left : jobs) entries[left.key].reading = false;
      jobs.clear();
    }
  }

  void take_jobs() {
    std::unique_lock<std::mutex> lock(mutex);
    while (!jobs.empty()) {
      const Job job = std::move(jobs.front());
      jobs.pop_front();
      lock.unlock();
      std::shared_ptr<const FacetColumn> column;
      std::string uuid, counts;
      Xapian::rev revision = 0;
      try {
        const Xapian::Database own(job.path);
        counts = guard_counts(own, job.guards);
        uuid = own.get_uuid();
        revision = own.get_revision();
        column = FacetColumn::read(own, job.slot, job.list);
      } catch (...) {  // gone (merged away) or unreadable: a later request tries again
      }
      lock.lock();
      if (column) {
        store(job.key, uuid, revision, counts, std::move(column));
      } else {
        entries[job.key].reading = false;
      }
    }
    reader_busy = false;
    idle.notify_all();
  }

  // Waits until the queue is read. Without `mutex` held.
  void wait() {
    std::unique_lock<std::mutex> lock(mutex);
    idle.wait(lock, [this] { return !reader_busy; });
    std::thread done = std::move(reader);
    lock.unlock();
    if (done.joinable()) done.join();
  }

  // Stores `column`, read at `revision` of the shard `uuid` with `counts`, at `key`.
  void store(const std::string& key, const std::string& uuid, Xapian::rev revision, const std::string& counts,
             std::shared_ptr<const FacetColumn> column) {
    Entry& e = entries[key];
    e.reading = false;
    bytes -= e.bytes;
    e.uuid = uuid;
    e.revision = revision;
    e.replaced = counts;
    e.column = std::move(column);
    e.bytes = e.column->bytes();
    e.used = Clock::now();
    bytes += e.bytes;
  }

  // Makes room for `need` more bytes in place of the column at `key`, within `budget`, by
  // dropping idle columns, least recently used first. False when it cannot.
  bool make_room(const std::string& key, size_t need, size_t budget) {
    const Clock::time_point idle_before = Clock::now() - kIdle;
    while (bytes - entries[key].bytes + need > budget) {
      auto oldest = entries.end();
      for (auto it = entries.begin(); it != entries.end(); ++it) {
        const Entry& e = it->second;
        if (it->first == key || !e.column || e.reading || e.used > idle_before) continue;
        if (oldest == entries.end() || e.used < oldest->second.used) oldest = it;
      }
      if (oldest == entries.end()) return false;
      bytes -= oldest->second.bytes;
      oldest->second = Entry();
    }
    return true;
  }
};

FacetColumns::FacetColumns() : state_(std::make_unique<State>()) {}
FacetColumns::~FacetColumns() = default;

FacetColumns& FacetColumns::shared() {
  static FacetColumns columns;
  return columns;
}

std::shared_ptr<const FacetColumn> FacetColumns::get(const std::string& path, const Xapian::Database& shard,
                                                     Xapian::valueno slot, bool list, size_t budget_bytes,
                                                     const std::vector<std::string>& guards, bool wait) {
  State& s = *state_;
  const std::string key = path + '\0' + std::to_string(slot);
  const std::string uuid = shard.get_uuid();
  const Xapian::rev revision = shard.get_revision();
  const Xapian::docid last = shard.get_lastdocid();
  std::shared_ptr<const FacetColumn> base;  // the held column, when only articles were added since
  std::string replaced;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    State::Entry& e = s.entries[key];
    const bool same_shard = e.column && e.uuid == uuid;
    if (same_shard && e.revision == revision) {
      e.used = Clock::now();
      return e.column;
    }
    if (e.reading) return nullptr;
    replaced = guard_counts(shard, guards);  // "": a count missing, kept for this revision only
    if (same_shard && !replaced.empty() && replaced == e.replaced) {
      // No commit since it was read could change a docid's value: right for every docid it holds.
      e.used = Clock::now();
      if (last < e.column->end()) {
        e.revision = std::max(e.revision, revision);  // what the next request finds first
        return e.column;
      }
      base = e.column;
    } else if (same_shard && revision < e.revision) {
      return nullptr;  // a search on an older handle counts from Xapian rather than undo it
    }
    const size_t need = (static_cast<size_t>(last) + 1) * sizeof(uint32_t);
    if (need > budget_bytes || !s.make_room(key, need, budget_bytes)) return nullptr;
    s.entries[key].reading = true;
    if (!base && !wait) {
      s.read_in_background({key, path, slot, list, guards});
      return nullptr;
    }
  }
  std::shared_ptr<const FacetColumn> column;
  try {
    column = base ? base->extended(shard, slot, list) : FacetColumn::read(shard, slot, list);
  } catch (...) {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.entries[key].reading = false;
    throw;
  }
  std::lock_guard<std::mutex> lock(s.mutex);
  s.store(key, uuid, revision, replaced, column);
  return column;
}

void FacetColumns::wait() { state_->wait(); }

size_t FacetColumns::bytes() const {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.bytes;
}

}  // namespace sondhan::core
