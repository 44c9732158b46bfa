// sondhan-index: JSON Lines (plain, .gz or stdin) -> a sondhan database. Bad records are
// reported as FILE:LINE: reason, skipped and counted; the exit status says whether any was.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <deque>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "sondhan/core/config.h"
#include "sondhan/core/index_writer.h"
#include "sondhan/core/record_parser.h"
#include "sondhan/indexer/line_reader.h"

namespace {

using namespace sondhan;
using Clock = std::chrono::steady_clock;

constexpr int kExitRejected = 1;  // the run completed, but some records were rejected
constexpr int kExitFailed = 2;    // nothing or not everything could be indexed
constexpr size_t kBatch = 512;    // changes analysed together (in parallel) before writing

std::atomic<bool> g_interrupted{false};

// Batches of changes from the reading thread to the writing one. Bounded, so that reading
// runs at most `capacity` batches ahead; closing it ends both sides.
class BatchQueue {
 public:
  explicit BatchQueue(size_t capacity) : capacity_(capacity) {}

  /// False when the queue was closed (the writer gave up): stop reading.
  bool push(std::vector<core::Change> batch) {
    std::unique_lock lock(mu_);
    room_.wait(lock, [&] { return closed_ || batches_.size() < capacity_; });
    if (closed_) return false;
    batches_.push_back(std::move(batch));
    ready_.notify_one();
    return true;
  }

  /// The next batch, or nothing once the queue is closed and drained.
  std::optional<std::vector<core::Change>> pop() {
    std::unique_lock lock(mu_);
    ready_.wait(lock, [&] { return closed_ || !batches_.empty(); });
    if (batches_.empty()) return std::nullopt;
    std::vector<core::Change> batch = std::move(batches_.front());
    batches_.pop_front();
    room_.notify_one();
    return batch;
  }

  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    ready_.notify_all();
    room_.notify_all();
  }

 private:
  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<std::vector<core::Change>> batches_;
  bool closed_ = false;
};

void on_signal(int) { g_interrupted = true; }

struct Totals {
  core::WriteCounts writes;
  size_t records = 0;
  size_t rejected = 0;
};

class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled), start_(Clock::now()), last_(start_) {}
  void update(size_t records, uint64_t done, uint64_t total) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? records / secs : 0;
    std::fprintf(stderr, "\r%zu records, %.0f records/s", records, rate);
    if (total > 0 && done > 0 && done <= total) {
      const double eta = secs * (static_cast<double>(total) / static_cast<double>(done) - 1);
      std::fprintf(stderr, ", %.0f%%, ETA %.0fs   ", 100.0 * done / total, eta);
    }
    std::fflush(stderr);
    shown_ = true;
  }
  void finish() {
    if (shown_) std::fprintf(stderr, "\n");
  }

 private:
  bool enabled_;
  bool shown_ = false;
  Clock::time_point start_, last_;
};

// Reads every input, calling `on_record` for each valid change and reporting bad ones.
// Returns false if reading failed (a missing file or an I/O error) or the run was interrupted.
template <typename OnRecord>
bool for_each_record(const std::vector<std::string>& inputs, const core::FieldMapping& fields,
                     int max_record_bytes, bool stop_at_first_bad, Totals* totals, Progress* progress,
                     OnRecord&& on_record) {
  std::string line;
  // The reader's own limit skips an oversized line without holding it; the parser has the same.
  core::RecordParser parser(fields, static_cast<size_t>(max_record_bytes));
  for (const std::string& input : inputs) {
    auto reader = indexer::LineReader::open(input, static_cast<size_t>(max_record_bytes));
    if (!reader.is_ok()) {
      std::cerr << "sondhan-index: " << reader.status().message() << "\n";
      return false;
    }
    const std::string name = input == "-" ? "<stdin>" : input;
    while (true) {
      if (g_interrupted) return false;
      auto more = reader.value()->next(&line);
      if (!more.is_ok() && more.status().code() == core::Code::kInvalidArgument) {
        // An oversized record: reported and skipped like any other bad record.
        std::cerr << name << ":" << reader.value()->line_number() << ": " << more.status().message() << "\n";
        ++totals->rejected;
        if (stop_at_first_bad) return false;
        continue;
      }
      if (!more.is_ok()) {
        std::cerr << name << ":" << reader.value()->line_number() + 1 << ": "
                  << more.status().message() << "\n";
        return false;
      }
      if (!more.value()) break;
      if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank lines are fine
      auto change = parser.parse(line);
      if (!change.is_ok()) {
        std::cerr << name << ":" << reader.value()->line_number() << ": "
                  << change.status().message() << "\n";
        ++totals->rejected;
        if (stop_at_first_bad) return false;
        continue;
      }
      ++totals->records;
      if (!on_record(std::move(change.value()))) return false;
      progress->update(totals->records, reader.value()->bytes_read(), reader.value()->size());
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Indexes JSON Lines news articles into a sondhan database."};
  std::string db_path, config_path;
  std::vector<std::string> inputs, delete_ids;
  bool strict = false, json_summary = false, quiet = false, rebuild = false;
  int commit_every = 0, threads = 0, memory_mb = -1, segment_articles = -1;
  app.add_option("--db", db_path, "database directory (default: db_path of the config)");
  app.add_option("--config", config_path, "TOML configuration file")->check(CLI::ExistingFile);
  // One id per --delete (repeat it, or separate ids with commas), so that input files after
  // it are not taken for ids.
  app.add_option("--delete", delete_ids, "id of an article to delete (repeatable; a,b,c)")
      ->allow_extra_args(false)
      ->delimiter(',');
  app.add_flag("--strict", strict, "check every record first; write nothing if any is bad");
  app.add_flag("--rebuild", rebuild,
               "index the inputs into a new database that replaces this one when complete (a running "
               "server switches to it then); needed when the analyzer, schema or index settings changed");
  app.add_flag("--json", json_summary, "print the summary as JSON");
  app.add_flag("--quiet,-q", quiet, "no progress display");
  app.add_option("--commit-every", commit_every, "articles per commit")->check(CLI::Range(1, 10000000));
  app.add_option("--threads", threads, "analysis threads")->check(CLI::Range(1, 64));
  app.add_option("--memory-mb", memory_mb,
                 "memory for a new database's or a rebuild's uncommitted articles (0: an eighth of the machine's)")
      ->check(CLI::Range(0, 1 << 20));
  app.add_option("--segment-articles", segment_articles,
                 "articles per segment and thread of a new database or a rebuild, and per shard of updates "
                 "(0: one segment each)")
      ->check(CLI::Range(0, 100000000));
  app.add_option("inputs", inputs, "JSON Lines files (.jsonl, .jsonl.gz) or - for standard input");
  CLI11_PARSE(app, argc, argv);
  if (inputs.empty() && delete_ids.empty()) {
    std::cerr << "sondhan-index: nothing to do: give input files, - for standard input, or --delete\n";
    return kExitFailed;
  }
  if (rebuild && (!delete_ids.empty() || inputs.empty())) {
    std::cerr << "sondhan-index: --rebuild makes the database anew from its inputs: give the whole "
                 "archive, and no --delete\n";
    return kExitFailed;
  }

  core::Config config;
  if (!config_path.empty()) {
    auto loaded = core::load_config(config_path, {.keys = {}, .other_sections = {"server"}});
    if (!loaded.is_ok()) {
      std::cerr << "sondhan-index: " << loaded.status().message() << "\n";
      return kExitFailed;
    }
    config = loaded.value();
  }
  if (core::Status s = core::apply_environment(&config, core::process_environment()); !s.is_ok()) {
    std::cerr << "sondhan-index: " << s.message() << "\n";
    return kExitFailed;
  }
  if (!db_path.empty()) config.db_path = db_path;
  if (commit_every > 0) config.index.commit_every = commit_every;
  if (threads > 0) config.index.threads = threads;
  if (memory_mb >= 0) config.index.memory_mb = memory_mb;
  if (segment_articles >= 0) config.index.segment_articles = segment_articles;
  if (core::Status s = config.validate(); !s.is_ok()) {
    std::cerr << "sondhan-index: " << s.message() << "\n";
    return kExitFailed;
  }

  const auto start = Clock::now();
  Totals totals;
  Progress progress(!quiet && isatty(STDERR_FILENO));

  // --strict: a first pass that only validates, so that a bad record stops the run before
  // anything is written. Standard input cannot be read twice, so it is kept in memory.
  std::vector<core::Change> buffered;
  const bool buffer_stdin = strict && std::find(inputs.begin(), inputs.end(), "-") != inputs.end();
  if (strict) {
    Totals check;
    Progress silent(false);
    const bool ok = for_each_record(inputs, config.fields, config.index.max_record_bytes, true, &check,
                                    &silent, [&](core::Change c) {
      if (buffer_stdin) buffered.push_back(std::move(c));
      return true;
    });
    if (!ok) {
      std::cerr << "sondhan-index: --strict: nothing was written\n";
      return kExitFailed;
    }
  }

  core::WriterOptions writer_options;
  writer_options.rebuild = rebuild;
  writer_options.holder = "sondhan-index";
  // A new database or a rebuild is written in segments (index.segment_articles), merged at the end.
  writer_options.bulk = true;
  auto writer = core::IndexWriter::open(config.db_path, config, writer_options);
  if (!writer.is_ok()) {
    std::cerr << "sondhan-index: " << writer.status().message() << "\n";
    return kExitFailed;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  // Reading and parsing run on their own thread, a batch or two ahead of the writers.
  BatchQueue queue(2);
  bool complete = true;
  std::thread reader([&] {
    std::vector<core::Change> batch;
    auto add = [&](core::Change c) {
      batch.push_back(std::move(c));
      return batch.size() < kBatch || queue.push(std::exchange(batch, {}));
    };
    if (buffer_stdin) {
      for (core::Change& c : buffered) {
        ++totals.records;
        if (!add(std::move(c))) break;
      }
    } else {
      complete = for_each_record(inputs, config.fields, config.index.max_record_bytes, false, &totals,
                                 &progress, add);
    }
    if (!batch.empty()) queue.push(std::move(batch));
    queue.close();
  });

  bool write_failed = false;
  auto write = [&](std::vector<core::Change>& changes) {
    if (core::Status s = writer.value()->apply(changes, &totals.writes); !s.is_ok()) {
      std::cerr << "sondhan-index: " << s.message() << "\n";
      write_failed = true;
    }
    return !write_failed;
  };
  std::vector<core::Change> deletes;
  for (const std::string& id : delete_ids) {
    core::Change c;
    c.article.id = id;
    c.is_delete = true;
    deletes.push_back(std::move(c));
  }
  // Whatever was read before an interruption or a read error is still written and committed:
  // a re-run then only repeats upserts, which are idempotent.
  if (write(deletes)) {
    while (auto batch = queue.pop()) {
      if (!write(*batch)) break;
    }
  }
  queue.close();  // a failed write stops the reader
  reader.join();
  progress.finish();
  if (!write_failed) {
    // A complete run also merges the shards a new database was built in; an interrupted one
    // only commits, and the next run carries on with the same shards.
    const bool finished = complete && !g_interrupted;
    if (core::Status s = finished ? writer.value()->finish() : writer.value()->commit(); !s.is_ok()) {
      std::cerr << "sondhan-index: " << s.message() << "\n";
      write_failed = true;
    }
  }

  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  const auto& w = totals.writes;
  const size_t indexed = w.added + w.updated;
  const double rate = secs > 0 ? totals.records / secs : 0;
  if (json_summary) {
    nlohmann::json j = {{"indexed", indexed},        {"added", w.added},
                        {"updated", w.updated},      {"deleted", w.deleted},
                        {"delete_not_found", w.not_found}, {"rejected", totals.rejected},
                        {"seconds", secs},           {"records_per_second", rate},
                        {"documents", writer.value()->document_count()},
                        {"complete", complete && !write_failed && !g_interrupted}};
    std::cout << j.dump() << "\n";
  } else {
    std::printf("indexed %zu (added %zu, updated %zu), deleted %zu, rejected %zu in %.2fs "
                "(%.0f records/s); %zu documents in %s\n",
                indexed, w.added, w.updated, w.deleted, totals.rejected, secs, rate,
                static_cast<size_t>(writer.value()->document_count()), config.db_path.c_str());
    if (w.not_found > 0) std::printf("%zu ids to delete were not in the database\n", w.not_found);
  }
  if (g_interrupted) {
    std::cerr << (rebuild ? "sondhan-index: interrupted; the database is unchanged (the rebuild is discarded)\n"
                          : "sondhan-index: interrupted; committed what was read\n");
  }
  if (!complete || write_failed || g_interrupted) return kExitFailed;
  return totals.rejected > 0 ? kExitRejected : 0;
}
