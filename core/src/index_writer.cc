// IndexWriter: routes changes to shards, analyses and writes each shard on its own thread,
// commits at exact multiples of index.commit_every, and merges shards with Xapian's compaction.
// Xapian exceptions become Status here.
#include "sondhan/core/index_writer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <unordered_set>

#include <xapian.h>

#include "sondhan/core/database_layout.h"
#include "sondhan/analyzers/analyzer.h"
#include "document_builder.h"
#include "index_layout.h"
#include "sondhan/core/manifest.h"
#include "story_grouper.h"
#include "worker_pool.h"

namespace sondhan::core {
namespace fs = std::filesystem;

namespace {

// "s3-1" -> 3: shard names carry a generation, bumped by every merge.
int generation_of(const std::string& name) {
  if (name.size() < 2 || name[0] != 's') return 0;
  return std::atoi(name.c_str() + 1);
}

// Applies one change to the shard that holds its id: an upsert (of the built `doc`) or a delete.
void write_change(Xapian::WritableDatabase& db, Change& change, const Xapian::Document& doc,
                  WriteCounts* counts) {
  const std::string id_term = core::id_term(change.article.id);
  const bool existed = db.term_exists(id_term);
  if (change.is_delete) {
    if (existed) db.delete_document(id_term);
    ++(existed ? counts->deleted : counts->not_found);
    change.outcome = existed ? ChangeOutcome::kDeleted : ChangeOutcome::kNotFound;
  } else {
    db.replace_document(id_term, doc);
    ++(existed ? counts->updated : counts->added);
    change.outcome = existed ? ChangeOutcome::kUpdated : ChangeOutcome::kAdded;
  }
}

// Who holds a lock file, as its holder wrote it ("sondhan-server, pid 4242"), or "".
std::string lock_holder(int fd) {
  char text[256];
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  return n > 0 ? std::string(text, static_cast<size_t>(n)) : std::string();
}

// Shard directories the stub does not list are left by a run killed while it merged: the merge's
// unfinished output, or the shards it had just replaced. Nobody opens them again (readers go by
// the stub), so the writer, holding the lock, removes them. Only names the writer itself gives
// are touched.
void remove_orphaned_shards(const std::string& path, const std::vector<std::string>& live) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory(ec) && layout::is_generated_shard_name(name) &&
        std::find(live.begin(), live.end(), name) == live.end()) {
      fs::remove_all(entry.path(), ec);
    }
  }
  fs::remove(path + "/" + layout::kStubName + ".tmp", ec);
}

}  // namespace

struct IndexWriter::Impl {
  struct Shard {
    Shard(std::string n, Xapian::WritableDatabase d) : name(std::move(n)), db(std::move(d)) {}
    std::string name;  // directory under path; empty for a plain (stub-less) database
    Xapian::WritableDatabase db;
    std::unordered_set<std::string> filed;  // stems whose spelling key this run has recorded
  };

  // Each thread's analyzer (its term cache is its own) and document builder.
  struct Worker {
    explicit Worker(const IndexOptions& options) : builder(analyzer, options) {}
    analyzers::Analyzer analyzer;
    DocumentBuilder builder;
  };

  Impl(std::string p, const IndexOptions& opts) : path(std::move(p)), options(opts) {}
  ~Impl() {
    // Close the shards (which commits what is pending) before another writer may take the lock.
    pool.reset();
    shards.clear();
    if (lock_fd >= 0) ::close(lock_fd);
  }

  std::string shard_path(const Shard& s) const { return s.name.empty() ? path : path + "/" + s.name; }

  std::string path;
  IndexOptions options;
  std::vector<std::unique_ptr<Worker>> workers;  // one per thread of run(): index = its worker number
  std::vector<Shard> shards;
  std::unique_ptr<WorkerPool> pool;  // one thread per shard (or per analysis thread), kept warm
  int lock_fd = -1;
  size_t since_commit = 0;
  Manifest manifest;                  // what this writer builds
  bool rebuild = false;               // writing new shards, to replace `replaced` at finish()
  std::vector<std::string> replaced;  // the live shards a rebuild replaces

  Status check_manifest();
  size_t document_count() const;
  void file_spelling_variants(Shard& shard, const std::vector<std::string>& stems,
                              const analyzers::Analyzer& analyzer);
  Status write_range(std::vector<Change>& changes, size_t begin, size_t end, WriteCounts* counts);
  Status write_one_shard(std::vector<Change>& changes, size_t begin, size_t end, WriteCounts* counts);
  Status write_shards(std::vector<Change>& changes, size_t begin, size_t end, WriteCounts* counts);
};

IndexWriter::IndexWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<IndexWriter> IndexWriter::start(std::unique_ptr<Impl> impl) {
  const size_t threads = std::max<size_t>({1, static_cast<size_t>(std::max(1, impl->options.threads)),
                                           impl->shards.size()});
  impl->pool = std::make_unique<WorkerPool>(threads - 1);
  for (size_t i = 0; i < threads; ++i) impl->workers.push_back(std::make_unique<Impl::Worker>(impl->options));
  return std::unique_ptr<IndexWriter>(new IndexWriter(std::move(impl)));
}
IndexWriter::~IndexWriter() = default;

Result<std::unique_ptr<IndexWriter>> IndexWriter::open(const std::string& path, const IndexOptions& options,
                                                        const WriterOptions& writer) {
  Config config;
  config.index = options;
  return open(path, config, writer);
}

Result<std::unique_ptr<IndexWriter>> IndexWriter::open(const std::string& path, const Config& config,
                                                        const WriterOptions& writer) {
  const IndexOptions& options = config.index;
  auto impl = std::make_unique<Impl>(path, options);
  impl->manifest = current_manifest(config);
  impl->rebuild = writer.rebuild;
  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  const bool plain = exists && fs::exists(path + "/iamglass", ec);
  try {
    if (plain) {
      // A database made by other Xapian tools: one shard, Xapian's own lock.
      if (writer.rebuild) {
        return Status::invalid_argument("cannot rebuild " + path + " in place: it is a plain Xapian database "
                                        "(no " + std::string(layout::kStubName) + "); index into a new directory");
      }
      impl->shards.emplace_back("", Xapian::WritableDatabase(path, Xapian::DB_OPEN));
      if (Status s = impl->check_manifest(); !s.is_ok()) return s;
      return IndexWriter::start(std::move(impl));
    }
    if (exists && !fs::is_directory(path, ec)) {
      return Status::unavailable("cannot open database " + path + ": not a directory");
    }
    fs::create_directories(path, ec);
    if (ec) return Status::unavailable("cannot create database directory " + path + ": " + ec.message());
    // Our lock covers the stub and every shard, including while shards are being merged.
    impl->lock_fd = ::open((path + "/" + layout::kWriterLockName).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (impl->lock_fd < 0 || ::flock(impl->lock_fd, LOCK_EX | LOCK_NB) != 0) {
      const std::string holder = impl->lock_fd >= 0 ? lock_holder(impl->lock_fd) : "";
      return Status::unavailable("database " + path + " is locked by another writer" +
                                 (holder.empty() ? std::string() : " (" + holder + ")"));
    }
    // Say who holds it, for the next writer's message.
    const std::string holder = (writer.holder.empty() ? "a writer" : writer.holder) + ", pid " +
                               std::to_string(::getpid());
    if (::ftruncate(impl->lock_fd, 0) != 0 || ::pwrite(impl->lock_fd, holder.data(), holder.size(), 0) < 0) {
      // Only the next writer's message depends on it.
    }
    std::vector<std::string> names = layout::read_stub(path);
    if (names.empty() && layout::has_stub(path)) {
      // Never treat an existing database as new: that would shadow, then delete, its shards.
      return Status::unavailable("cannot read " + path + "/" + layout::kStubName +
                                 ": it is empty or lists shards sondhan does not manage");
    }
    remove_orphaned_shards(path, names);
    const bool fresh = names.empty() || writer.rebuild;
    if (fresh) {
      // A rebuild writes new shards beside the live ones, which readers keep using until
      // finish() points the stub at the new ones.
      impl->replaced = names;
      int generation = 0;
      for (const std::string& name : names) generation = std::max(generation, generation_of(name));
      names.clear();
      for (int i = 0; i < std::max(1, options.threads); ++i) {
        names.push_back("s" + std::to_string(generation + 1) + "-" + std::to_string(i));
      }
    }
    for (const std::string& name : names) {
      impl->shards.emplace_back(name, Xapian::WritableDatabase(path + "/" + name, Xapian::DB_CREATE_OR_OPEN));
    }
    if (Status s = impl->check_manifest(); !s.is_ok()) return s;
    if (fresh && !writer.rebuild && !layout::write_stub(path, names)) {
      return Status::unavailable("cannot write " + path + "/" + layout::kStubName);
    }
    return IndexWriter::start(std::move(impl));
  } catch (const Xapian::DatabaseLockError& e) {
    return Status::unavailable("database " + path + " is locked by another writer: " + e.get_msg());
  } catch (const Xapian::Error& e) {
    return Status::unavailable("cannot open database " + path + " for writing: " + e.get_description());
  }
}

// The shards' manifest against this writer's: a database built differently is refused; one
// without a manifest is refused unless it is empty (new, or made empty by other tools); an
// empty one, and every new shard, gets this writer's.
Status IndexWriter::Impl::check_manifest() {
  const std::string stored = shards.front().db.get_metadata(kManifestKey);
  if (!stored.empty()) {
    auto manifest = Manifest::from_json(stored);
    if (!manifest.is_ok()) return Status::unavailable("database " + path + ": " + manifest.status().message());
    const auto differences = manifest_differences(manifest.value(), this->manifest, ManifestUse::kWrite);
    if (!differences.empty()) return Status::incompatible(manifest_refusal(path, differences));
  } else if (document_count() > 0) {
    return Status::incompatible(manifest_refusal(path, {"it has no manifest (an earlier sondhan, or another tool, made it)"}));
  }
  const std::string json = this->manifest.to_json();
  for (Shard& shard : shards) {
    if (shard.db.get_metadata(kManifestKey) != json) shard.db.set_metadata(kManifestKey, json);
  }
  return Status::ok();
}

size_t IndexWriter::Impl::document_count() const {
  size_t n = 0;
  for (const auto& shard : shards) n += shard.db.get_doccount();
  return n;
}

// Files each stem under its spelling key in the synonym table, once per stem and run: a
// synonym entry per distinct stem costs far less than a loose term in every document.
// Entries of deleted articles stay; they point at stems that match nothing.
void IndexWriter::Impl::file_spelling_variants(Shard& shard, const std::vector<std::string>& stems,
                                               const analyzers::Analyzer& analyzer) {
  constexpr size_t kMaxRemembered = 1 << 20;  // re-filing an entry is harmless, memory is not
  for (const std::string& stem : stems) {
    if (!shard.filed.insert(stem).second) continue;
    if (shard.filed.size() > kMaxRemembered) shard.filed.clear();
    if (std::string key = filing_key(analyzer, stem); !key.empty()) shard.db.add_synonym(key, stem);
  }
}

// One shard: analysis on all threads, then writes in input order on this one.
Status IndexWriter::Impl::write_one_shard(std::vector<Change>& changes, size_t begin, size_t end,
                                          WriteCounts* counts) {
  std::vector<Xapian::Document> docs(end - begin);
  std::vector<std::vector<std::string>> stems(end - begin);
  const size_t threads = std::max<size_t>(1, std::min<size_t>(options.threads, end - begin));
  Status built = pool->run(threads, [&](size_t worker) {
    for (size_t i = begin + worker; i < end; i += threads) {
      if (!changes[i].is_delete) docs[i - begin] = workers[worker]->builder.build(changes[i].article, &stems[i - begin]);
    }
    return Status::ok();
  });
  if (!built.is_ok()) return built;
  for (size_t i = begin; i < end; ++i) {
    write_change(shards[0].db, changes[i], docs[i - begin], counts);
    file_spelling_variants(shards[0], stems[i - begin], workers[0]->analyzer);  // run() is over
  }
  return Status::ok();
}

// Several shards: each thread owns one shard and both analyses and writes its changes, in
// input order, so the last change to an id wins.
Status IndexWriter::Impl::write_shards(std::vector<Change>& changes, size_t begin, size_t end,
                                       WriteCounts* counts) {
  std::vector<WriteCounts> per_shard(shards.size());
  Status s = pool->run(shards.size(), [&](size_t shard) {
    std::vector<std::string> stems;
    for (size_t i = begin; i < end; ++i) {
      if (layout::shard_of(changes[i].article.id, shards.size()) != shard) continue;
      stems.clear();
      Worker& worker = *workers[shard];
      const Xapian::Document doc = changes[i].is_delete ? Xapian::Document() : worker.builder.build(changes[i].article, &stems);
      write_change(shards[shard].db, changes[i], doc, &per_shard[shard]);
      file_spelling_variants(shards[shard], stems, worker.analyzer);
    }
    return Status::ok();
  });
  for (const WriteCounts& c : per_shard) *counts += c;
  return s;
}

Status IndexWriter::Impl::write_range(std::vector<Change>& changes, size_t begin, size_t end,
                                      WriteCounts* counts) {
  try {
    return shards.size() == 1 ? write_one_shard(changes, begin, end, counts)
                              : write_shards(changes, begin, end, counts);
  } catch (const Xapian::Error& e) {
    return Status::internal("write failed: " + e.get_description());
  }
}

Status IndexWriter::apply(std::vector<Change>& changes, WriteCounts* counts) {
  // Commit exactly every commit_every changes, so an interrupted run always stops at a
  // predictable point: split the batch where a commit falls.
  size_t begin = 0;
  while (begin < changes.size()) {
    const size_t room = static_cast<size_t>(impl_->options.commit_every) - impl_->since_commit;
    const size_t end = std::min(changes.size(), begin + room);
    // Story grouping (story_grouper.h): each id's story is noted before the range is written,
    // and the range is grouped after it, on this thread, while the shard threads wait.
    std::vector<Xapian::WritableDatabase*> story_shards;
    for (auto& shard : impl_->shards) story_shards.push_back(&shard.db);
    StoryGrouper stories(std::move(story_shards));
    if (Status s = stories.prepare(changes, begin, end); !s.is_ok()) return s;
    if (Status s = impl_->write_range(changes, begin, end, counts); !s.is_ok()) return s;
    if (Status s = stories.settle(changes, begin, end); !s.is_ok()) return s;
    impl_->since_commit += end - begin;
    if (impl_->since_commit >= static_cast<size_t>(impl_->options.commit_every)) {
      if (Status s = commit(); !s.is_ok()) return s;
    }
    begin = end;
  }
  return Status::ok();
}

void IndexWriter::set_metadata(const std::string& key, const std::string& value) {
  for (auto& shard : impl_->shards) shard.db.set_metadata(key, value);
}

std::string IndexWriter::metadata(const std::string& key) const {
  std::string least;
  for (size_t i = 0; i < impl_->shards.size(); ++i) {
    const std::string value = impl_->shards[i].db.get_metadata(key);
    if (i == 0 || value < least) least = value;
  }
  return least;
}

Status IndexWriter::commit() {
  // The pool turns a Xapian exception into the call's Status.
  Status s = impl_->pool->run(impl_->shards.size(), [&](size_t i) -> Status {
    impl_->shards[i].db.commit();
    return Status::ok();
  });
  if (!s.is_ok()) return Status::internal("commit failed: " + s.message());
  impl_->since_commit = 0;
  return Status::ok();
}

Status IndexWriter::finish() {
  if (Status s = commit(); !s.is_ok()) return s;
  if (impl_->shards.size() < 2) {
    if (!impl_->rebuild) return Status::ok();
    // One new shard: it replaces the live ones as it is.
    const std::string& path = impl_->path;
    if (!layout::write_stub(path, {impl_->shards.front().name})) {
      return Status::internal("cannot write " + path + "/" + layout::kStubName);
    }
    std::error_code ec;
    for (const std::string& name : impl_->replaced) fs::remove_all(path + "/" + name, ec);
    impl_->replaced.clear();
    impl_->rebuild = false;
    return Status::ok();
  }
  // Merge: close the shards, compact them into a new one, point the stub at it, delete the old.
  // Until the stub is replaced readers use the old shards, so nothing is ever missing.
  const std::string& path = impl_->path;
  int generation = 0;
  for (const auto& shard : impl_->shards) generation = std::max(generation, generation_of(shard.name));
  for (const auto& name : impl_->replaced) generation = std::max(generation, generation_of(name));
  // A name no directory has: never overwrite something that may be a live shard.
  std::string merged;
  std::error_code ec;
  do {
    merged = std::string("s").append(std::to_string(++generation)).append("-0");
  } while (fs::exists(path + "/" + merged, ec));
  try {
    Xapian::Database all;
    for (auto& shard : impl_->shards) {
      shard.db.close();
      all.add_database(Xapian::Database(impl_->shard_path(shard)));
    }
    all.compact(path + "/" + merged);
  } catch (const Xapian::Error& e) {
    return Status::internal("merging shards failed: " + e.get_description());
  }
  if (!layout::write_stub(path, {merged})) return Status::internal("cannot write " + path + "/" + layout::kStubName);
  for (const auto& shard : impl_->shards) fs::remove_all(impl_->shard_path(shard), ec);
  for (const std::string& name : impl_->replaced) fs::remove_all(path + "/" + name, ec);
  impl_->replaced.clear();
  impl_->rebuild = false;
  impl_->shards.clear();
  try {
    impl_->shards.emplace_back(merged, Xapian::WritableDatabase(path + "/" + merged, Xapian::DB_OPEN));
  } catch (const Xapian::Error& e) {
    return Status::internal("cannot reopen merged shard: " + e.get_description());
  }
  return Status::ok();
}

size_t IndexWriter::document_count() const { return impl_->document_count(); }

size_t IndexWriter::shard_count() const { return impl_->shards.size(); }

}  // namespace sondhan::core
