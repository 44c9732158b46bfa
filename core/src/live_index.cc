// The writer thread of a writable server. Submitters append to the journal (their fsyncs are
// shared) and queue their changes by journal position; the writer applies them in that order,
// as soon as they are contiguous, so a submitter learns each change's outcome within
// milliseconds, and commits what it applied (recording the journal position the commit
// reached) at once when the last commit is index.refresh_ms old, else when it gets that old, or
// after index.commit_every changes.
#include "sondhan/core/live_index.h"

#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "sondhan/core/index_writer.h"
#include "sondhan/core/journal.h"
#include "sondhan/core/record_parser.h"

namespace sondhan::core {
namespace {

using Clock = std::chrono::steady_clock;

// The database metadata key holding the journal position of the last commit.
constexpr char kJournalPositionKey[] = "sondhan.journal_position";
constexpr char kJournalDirName[] = "journal";

// Zero-padded, so that IndexWriter::metadata's least value across shards is the least number.
std::string position_text(uint64_t position) {
  char text[24];
  std::snprintf(text, sizeof text, "%020llu", static_cast<unsigned long long>(position));
  return text;
}

// A journal entry: 'U' and the record of an upsert (JSON, canonical field names), or 'D' and the
// id of a delete.
std::string encode_change(const Change& change) {
  return change.is_delete ? "D" + change.article.id : "U" + change.article.record;
}

Result<Change> decode_change(std::string_view entry, RecordParser* parser) {
  if (!entry.empty() && entry[0] == 'D') {
    Change change;
    change.article.id = std::string(entry.substr(1));
    change.is_delete = true;
    return change;
  }
  if (!entry.empty() && entry[0] == 'U') return parser->parse(entry.substr(1));
  return Status::internal("journal entry of an unknown kind");
}

int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct LiveIndex::Impl {
  // One submit's changes, waiting for the writer.
  struct Ticket {
    std::vector<Change> changes;
    uint64_t last = 0;  // journal position of the last change
    bool applied = false;
  };

  Config config;
  LiveIndexOptions options;
  std::unique_ptr<IndexWriter> writer;
  std::unique_ptr<Journal> journal;

  mutable std::mutex mu;
  std::condition_variable work;  // for the writer: changes queued, or stop
  std::condition_variable done;  // for submitters: changes applied or committed, or a failure
  std::map<uint64_t, std::shared_ptr<Ticket>> queue;  // by journal position of the first change
  size_t pending = 0;            // changes queued or reserved by a submit in progress
  size_t uncommitted = 0;
  uint64_t applied = 0;          // journal position of the last applied change
  uint64_t committed = 0;        // ... and of the last committed one
  uint64_t commits = 0;
  int64_t last_commit_unix_ms = 0;
  std::string failure;           // non-empty: writes have stopped
  bool stopping = false;
  std::thread thread;

  // The writer thread.
  void run();
  // Applies `batch`, whose last change is at `last`; with the lock not held.
  Status apply(std::vector<std::shared_ptr<Ticket>>& batch);
  // Commits, recording the journal position; with the lock not held.
  Status commit(uint64_t upto);
  void fail(const Status& s) {
    if (failure.empty()) failure = "writes stopped: " + s.message() + "; restart the server to replay the journal";
    done.notify_all();
  }
};

Status LiveIndex::Impl::apply(std::vector<std::shared_ptr<Ticket>>& batch) {
  std::vector<Change> changes;
  for (auto& ticket : batch) {
    for (Change& c : ticket->changes) changes.push_back(std::move(c));
  }
  WriteCounts counts;
  Status s = writer->apply(changes, &counts);
  size_t at = 0;
  for (auto& ticket : batch) {
    for (Change& c : ticket->changes) c = std::move(changes[at++]);
  }
  return s;
}

Status LiveIndex::Impl::commit(uint64_t upto) {
  const auto start = Clock::now();
  writer->set_metadata(kJournalPositionKey, position_text(upto));
  Status s = writer->commit();
  if (options.on_commit) options.on_commit(Clock::now() - start, s.is_ok());
  if (!s.is_ok()) return s;
  // What the index holds need not stay in the journal. Failing to remove a file costs disk
  // space only: its entries are replayed over themselves.
  (void)journal->forget(upto);
  return Status::ok();
}

void LiveIndex::Impl::run() {
  const auto refresh = std::chrono::milliseconds(config.index.refresh_ms);
  const size_t batch_limit = static_cast<size_t>(config.index.commit_every);
  // Commits are at least `refresh` apart (each costs a flush of every changed B-tree block), but
  // a change that comes after a quiet spell is committed at once: it need not wait a period.
  Clock::time_point last_commit{};
  std::unique_lock lock(mu);
  for (;;) {
    const auto contiguous = [&] { return !queue.empty() && queue.begin()->first == applied + 1; };
    if (!contiguous() && !(stopping && uncommitted > 0) && failure.empty()) {
      if (stopping) break;
      if (uncommitted > 0) {
        work.wait_until(lock, last_commit + refresh);
      } else {
        work.wait(lock);
      }
    }
    if (!failure.empty()) break;

    if (contiguous()) {
      // Take what is contiguous, up to a batch.
      std::vector<std::shared_ptr<Ticket>> batch;
      size_t count = 0;
      uint64_t last = applied;
      while (!queue.empty() && queue.begin()->first == last + 1 && (count == 0 || count < batch_limit)) {
        batch.push_back(queue.begin()->second);
        count += batch.back()->changes.size();
        last = batch.back()->last;
        queue.erase(queue.begin());
      }
      lock.unlock();
      Status s = apply(batch);
      lock.lock();
      if (!s.is_ok()) {
        fail(s);
        break;
      }
      for (auto& ticket : batch) ticket->applied = true;
      applied = last;
      pending -= count;
      uncommitted += count;
      done.notify_all();
    }

    const bool due = uncommitted > 0 && (stopping || uncommitted >= batch_limit || Clock::now() >= last_commit + refresh);
    if (due) {
      const uint64_t upto = applied;
      lock.unlock();
      Status s = commit(upto);
      lock.lock();
      if (!s.is_ok()) {
        fail(s);
        break;
      }
      last_commit = Clock::now();
      committed = upto;
      uncommitted = 0;
      ++commits;
      last_commit_unix_ms = unix_ms_now();
      done.notify_all();
    }
  }
}

LiveIndex::LiveIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LiveIndex::~LiveIndex() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->work.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

Result<std::unique_ptr<LiveIndex>> LiveIndex::open(const Config& config, LiveIndexOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->options = std::move(options);
  WriterOptions writer_options;
  writer_options.holder = impl->options.holder;
  auto writer = IndexWriter::open(config.db_path, config, writer_options);
  if (!writer.is_ok()) return writer.status();
  impl->writer = std::move(writer).value();

  // Replay what the journal holds beyond the last commit.
  const std::string recorded = impl->writer->metadata(kJournalPositionKey);
  const uint64_t committed = recorded.empty() ? 0 : std::stoull(recorded);
  auto journal = Journal::open(config.db_path + "/" + kJournalDirName, committed);
  if (!journal.is_ok()) return journal.status();
  impl->journal = std::move(journal).value();

  RecordParser parser(FieldMapping{});
  std::vector<Change> batch;
  WriteCounts counts;
  const auto flush = [&]() -> Status {
    Status s = impl->writer->apply(batch, &counts);
    batch.clear();
    return s;
  };
  Status s = impl->journal->replay(committed, [&](uint64_t position, std::string_view entry) -> Status {
    auto change = decode_change(entry, &parser);
    if (!change.is_ok()) {
      return Status::internal("journal entry " + std::to_string(position) + ": " + change.status().message());
    }
    batch.push_back(std::move(change).value());
    return batch.size() >= static_cast<size_t>(config.index.commit_every) ? flush() : Status::ok();
  });
  if (s.is_ok()) s = flush();
  const uint64_t last = impl->journal->last();
  if (s.is_ok() && last > committed) s = impl->commit(last);
  if (!s.is_ok()) return Status::unavailable("cannot replay the journal of " + config.db_path + ": " + s.message());
  impl->applied = impl->committed = last;

  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<LiveIndex>(new LiveIndex(std::move(impl)));
}

Result<SubmitResult> LiveIndex::submit(std::vector<Change> changes, Wait wait,
                                       std::chrono::milliseconds visible_timeout) {
  Impl& x = *impl_;
  const size_t count = changes.size();
  {
    std::lock_guard lock(x.mu);
    if (!x.failure.empty()) return Status::unavailable(x.failure);
    if (x.pending + count > x.options.max_pending && x.pending > 0) {
      return Status::busy(std::to_string(x.pending) + " changes are waiting to be written; retry shortly");
    }
    x.pending += count;  // reserved, so that concurrent submits cannot overrun the bound
  }
  SubmitResult result;
  if (count == 0) {
    // Nothing to write: with kVisible, wait until everything accepted before is searchable.
    std::unique_lock lock(x.mu);
    const uint64_t target = x.journal->last();
    if (wait == Wait::kVisible) {
      x.done.wait_for(lock, visible_timeout, [&] { return x.committed >= target || !x.failure.empty(); });
    }
    result.sequence = target;
    result.visible = x.committed >= target;
    return result;
  }

  std::vector<std::string> entries;
  entries.reserve(count);
  for (const Change& c : changes) entries.push_back(encode_change(c));
  auto appended = x.journal->append(entries);

  auto ticket = std::make_shared<Impl::Ticket>();
  std::unique_lock lock(x.mu);
  if (!appended.is_ok()) {
    // The journal's state is unknown (a failed sync may have lost what it had): stop writing.
    x.pending -= count;
    x.fail(appended.status());
    return Status::unavailable(x.failure);
  }
  ticket->changes = std::move(changes);
  ticket->last = appended.value();
  x.queue.emplace(ticket->last - count + 1, ticket);
  x.work.notify_one();
  x.done.wait(lock, [&] { return ticket->applied || !x.failure.empty(); });
  if (!ticket->applied) return Status::unavailable(x.failure);
  result.sequence = ticket->last;
  if (wait == Wait::kVisible) {
    x.done.wait_for(lock, visible_timeout, [&] { return x.committed >= ticket->last || !x.failure.empty(); });
  }
  result.visible = x.committed >= ticket->last;
  for (const Change& c : ticket->changes) result.outcomes.push_back(c.outcome);
  return result;
}

LiveIndexStats LiveIndex::stats() const {
  const Impl& x = *impl_;
  LiveIndexStats stats;
  {
    std::lock_guard lock(x.mu);
    stats.pending = x.pending;
    stats.uncommitted = x.uncommitted;
    stats.committed_sequence = x.committed;
    stats.commits = x.commits;
    stats.last_commit_unix_ms = x.last_commit_unix_ms;
    stats.failure = x.failure;
  }
  stats.accepted_sequence = x.journal->last();
  stats.journal_bytes = x.journal->size_bytes();
  return stats;
}

}  // namespace sondhan::core
