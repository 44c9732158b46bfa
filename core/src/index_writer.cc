// IndexWriter: routes changes to shards, analyses and writes each shard on its own thread,
// commits at exact multiples of index.commit_every, writes a bulk build in segments of
// index.segment_articles, writes updates of an existing database into a small shard of their
// own, and merges shards with Xapian's compaction.
// Xapian exceptions become Status here.
#include "sondhan/core/index_writer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_set>

#include <xapian.h>

#include "sondhan/core/database_layout.h"
#include "sondhan/analyzers/analyzer.h"
#include "document_builder.h"
#include "fingerprint_file.h"
#include "hash_table64.h"
#include "index_layout.h"
#include "merge_policy.h"
#include "sondhan/core/manifest.h"
#include "sondhan/core/record_codec.h"
#include "record_store.h"
#include "story_grouper.h"
#include "word_terms.h"
#include "worker_pool.h"

namespace sondhan::core {
namespace fs = std::filesystem;

namespace {

// The B-tree block size of every shard, segment and merge this writer creates (Xapian's default
// is 8 KiB; a database keeps the size it was created with). At a million articles, 16 KiB
// blocks made searches 10-15% faster (fewer levels and fewer preads: glass keeps no block cache
// and reads each block it needs), the final merge 12-15% faster and the database 1% smaller;
// 32 and 64 KiB searched slower again (docs/scale.md, "Block size").
constexpr int kBlockSize = 16384;

// "s3-1" -> 3: shard names carry a generation, bumped by every merge.
int generation_of(const std::string& name) {
  if (name.size() < 2 || name[0] != 's') return 0;
  return std::atoi(name.c_str() + 1);
}

// Applies one change to the shard that holds its id: an upsert (of the built `doc`) or a delete.
// Returns the docid the article was written under (0 for a deletion), for the story grouper.
Xapian::docid write_change(Xapian::WritableDatabase& db, Change& change, const Xapian::Document& doc,
                           WriteCounts* counts) {
  const std::string id_term = core::id_term(change.article.id);
  const bool existed = db.term_exists(id_term);
  if (change.is_delete) {
    if (existed) db.delete_document(id_term);
    ++(existed ? counts->deleted : counts->not_found);
    change.outcome = existed ? ChangeOutcome::kDeleted : ChangeOutcome::kNotFound;
    return 0;
  }
  // Glass's replace_document(term) opens the term's posting list, and opening one writes every
  // buffered position list into the position table (open_post_list calls flush_pos_lists):
  // for each article, into a B-tree that grows with the database. Most of a build's time went
  // there. A new id needs no look-up, and its positions stay buffered until the commit.
  ++(existed ? counts->updated : counts->added);
  change.outcome = existed ? ChangeOutcome::kUpdated : ChangeOutcome::kAdded;
  return existed ? db.replace_document(id_term, doc) : db.add_document(doc);
}

// A change whose id was taken out of another shard existed, whatever its own shard said.
void count_move(Change& change, WriteCounts* counts) {
  if (change.outcome == ChangeOutcome::kAdded) {
    --counts->added, ++counts->updated, change.outcome = ChangeOutcome::kUpdated;
  } else if (change.outcome == ChangeOutcome::kNotFound) {
    --counts->not_found, ++counts->deleted, change.outcome = ChangeOutcome::kDeleted;
  }
}

// The story grouper's filter of id terms, or none (it then looks every id up) if memory is short.
std::unique_ptr<FreshTerms> make_fresh_terms() {
  try {
    return std::make_unique<FreshTerms>();
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}

StoryGrouper::Place place(Xapian::WritableDatabase& db, Xapian::docid did, const Xapian::Document& doc) {
  if (did == 0) return {};
  return {&db, did, doc.get_value(static_cast<Xapian::valueno>(kFingerprintSlot))};
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

// Memory that Xapian holds for an uncommitted article, per byte of its record: its postings
// and positions in Xapian's inverter, measured at ~16.5 kB of resident memory for the 3.9 kB
// records of scale_corpus.py (docs/scale.md), plus some room.
constexpr size_t kPendingBytesPerRecordByte = 5;

size_t pending_bytes(const Change& change) { return kPendingBytesPerRecordByte * change.article.record.size(); }

// index.memory_mb, or by default an eighth of the machine's memory, from 256 MiB to 4 GiB.
size_t memory_budget(int memory_mb) {
  constexpr size_t kMiB = size_t{1} << 20;
  if (memory_mb > 0) return static_cast<size_t>(memory_mb) * kMiB;
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  const size_t machine = pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) : 0;
  return std::clamp(machine / 8, 256 * kMiB, 4096 * kMiB);
}

// The story grouper's cache: a quarter of the memory budget, at about 400 bytes an article.
size_t print_cache_entries(int memory_mb) { return memory_budget(memory_mb) / 4 / 400; }

}  // namespace

struct IndexWriter::Impl {
  struct Shard {
    Shard(std::string n, Xapian::WritableDatabase d)
        : name(std::move(n)), db(std::move(d)), fresh(db.get_doccount() == 0) {}
    std::string name;  // directory under path; empty for a plain (stub-less) database
    Xapian::WritableDatabase db;
    bool fresh;  // empty when opened: every term in it was written by this writer
    // The lane (an id's shard_of over the targets) whose articles alone this shard holds, if
    // this run made it; -1 if it may hold any id (a database written before).
    int lane = -1;
    bool replaced = false;   // an article replaced in place since the last commit (kReplacedKey)
    bool regrouped = false;  // an article given another story key since then (kRegroupedKey)
    bool counted = false;    // both counts are known to be committed: no need to read them
    bool has_dictionary = false;  // the writer's record dictionary is filed in it
    // Its fingerprints and bands, when it has a file of them (fingerprint_file.h): a shard this
    // writer's merge made, or found with one.
    std::shared_ptr<const FingerprintFile> prints_file;
  };

  // Each thread's analyzer (its term cache is its own) and document builder.
  struct Worker {
    explicit Worker(const IndexOptions& options) : builder(analyzer, options) {}
    analyzers::Analyzer analyzer;
    DocumentBuilder builder;
    // Hashes of the stems whose spelling key this worker has filed in this run (a collision
    // only leaves a stem unfiled, one spelling variant in about 10^13 at a million stems). One
    // set for all the shards it writes: queries read the synonyms of every shard together, and
    // merges keep them, so a stem filed in one segment need not be filed in the next.
    HashSet64 filed;
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
  // The shards that take new articles, by lane: an id goes to targets[shard_of(id, lanes)]. All
  // the shards, except in a bulk build, where the others are its earlier, full segments.
  std::vector<size_t> targets;
  bool segmented = false;       // a bulk build: a new segment per lane every index.segment_articles
  // A bulk build's segments are not synced to disk at each commit (Xapian::DB_NO_SYNC, as
  // Xapian advises for bulk builds): a killed run loses nothing committed, as the page cache
  // keeps it; the merged database that replaces the segments at the end is synced. Only a power
  // loss during the run can cost the run (a rebuild leaves the live shards as they were).
  int segment_sync() const { return segmented ? Xapian::DB_NO_SYNC : 0; }
  size_t segment_limit = 0;     // with `segmented`: articles of all the lanes' current segments
  size_t in_segments = 0;       //   that start new ones, and how many they hold
  size_t budget = 0;            // with `segmented`: memory for uncommitted articles
  size_t pending = 0;           // estimated memory of the uncommitted articles
  int segment_generation = 0;   // with `segmented`: segments are named s<generation>-<number>
  // With `segmented`: hashes of the ids written so far. The segments are this run's, so an id
  // not in here is in none of them, and the earlier segments need no look-up (most ids).
  HashSet64 written;
  // The ids written into the fresh shards, for the story grouper (made when one is written).
  std::unique_ptr<FreshTerms> fresh_terms;
  // The story grouper's bands and fingerprints by shard number: cleared when the numbers change
  // (the grouper reads the bands of every shard again then).
  BandIndex bands;
  PrintCache prints{print_cache_entries(options.memory_mb)};
  // With `segmented`: the story keys of articles in earlier batches, written by write_held_keys()
  // at the end of the build (or before a commit asked for, or when there are many).
  HeldKeys held_keys;
  // Records are compressed with the database's dictionary (record_store.h). Until it has one,
  // the writer collects the records it writes to train it.
  std::shared_ptr<const RecordDictionary> dictionary;
  std::vector<std::string> dictionary_samples;
  bool dictionary_failed = false;  // zstd could not train one: records go without
  // An existing database (neither new nor rebuilt): changes go into its newest shard while that
  // holds fewer than `delta_limit` articles, else into a new one (a delta), so that a commit
  // never rewrites blocks of a large B-tree (832 MB written for 1,000 articles added to a
  // million). Full shards are merged by tiers (merge_policy.h). `targets` is then that one shard,
  // or empty until a change needs a new one.
  bool updating = false;
  size_t delta_limit = 0;

  Status apply(std::vector<Change>& changes, WriteCounts* counts);
  void use_dictionary(std::shared_ptr<const RecordDictionary> dict);
  Status train_dictionary(const std::vector<Change>& changes, size_t begin, size_t end);
  void file_dictionary();
  Status commit();
  void forget_written();
  Status check_manifest();
  size_t document_count() const;
  void route_to_all();
  void start_updating();
  Status start_delta();
  Status tidy();
  Status merge(const std::vector<size_t>& group);
  void file_fingerprints(Shard& shard);
  std::string unused_name(int generation) const;
  int max_generation() const;
  Status list_shards() const;
  std::string least_metadata(const std::string& key) const;
  size_t segment_end(const std::vector<Change>& changes, size_t begin, size_t end) const;
  Status commit_all();
  Status write_held_keys();
  // The story grouper's first pass on the pool's threads (idle while it runs).
  ParallelFor parallel_for() {
    return [this](size_t n, const std::function<void(size_t)>& fn) {
      return pool->for_each(static_cast<size_t>(options.threads), n, [&](size_t, size_t i) {
        fn(i);
        return Status::ok();
      });
    };
  }
  Status start_segments();
  static void file_spelling_variants(Shard& shard, const std::vector<std::string>& stems, Worker& worker);
  // `placed[i - begin]`: where changes[i] was written (StoryGrouper::settle's input).
  Status write_range(std::vector<Change>& changes, size_t begin, size_t end, WriteCounts* counts,
                     std::vector<StoryGrouper::Place>* placed);
  std::vector<char> take_out_elsewhere(const std::vector<Change>& changes, size_t begin, size_t end);
  Status write_one_target(std::vector<Change>& changes, size_t begin, size_t end, WriteCounts* counts,
                          std::vector<StoryGrouper::Place>* placed);
  Status write_shards(std::vector<Change>& changes, size_t begin, size_t end, WriteCounts* counts,
                      std::vector<StoryGrouper::Place>* placed);
  bool can_group_first(const std::vector<Change>& changes, size_t begin, size_t end,
                       const StoryGrouper& stories) const;
  Status write_grouped(std::vector<Change>& changes, size_t begin, size_t end, WriteCounts* counts,
                       StoryGrouper& stories);
};

IndexWriter::IndexWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<IndexWriter> IndexWriter::start(std::unique_ptr<Impl> impl) {
  const size_t threads = std::max<size_t>({1, static_cast<size_t>(std::max(1, impl->options.threads)),
                                           impl->shards.size()});
  impl->pool = std::make_unique<WorkerPool>(threads - 1);
  for (size_t i = 0; i < threads; ++i) impl->workers.push_back(std::make_unique<Impl::Worker>(impl->options));
  for (const Impl::Shard& shard : impl->shards) {
    if (auto dict = filed_dictionary(shard.db)) {
      impl->use_dictionary(std::move(dict));
      break;
    }
  }
  if (stories_enabled()) {
    // Not for a shard this writer writes into: its file would not know what it writes there.
    for (size_t i = 0; i < impl->shards.size(); ++i) {
      if (std::find(impl->targets.begin(), impl->targets.end(), i) != impl->targets.end()) continue;
      impl->shards[i].prints_file = FingerprintFile::open(impl->shard_path(impl->shards[i]), impl->shards[i].db);
    }
  }
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
      impl->route_to_all();
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
    if (fresh && writer.bulk) {
      // Xapian commits by itself every 10,000 changes (XAPIAN_FLUSH_THRESHOLD, read when a
      // database is opened); a segment is committed once, when the memory budget is full.
      ::setenv("XAPIAN_FLUSH_THRESHOLD", "2000000000", 1);
      impl->segmented = true;
      impl->budget = memory_budget(options.memory_mb);
      impl->segment_limit = static_cast<size_t>(options.segment_articles) * names.size();
      impl->segment_generation = generation_of(names.front());
    }
    for (const std::string& name : names) {
      impl->shards.emplace_back(name, Xapian::WritableDatabase(path + "/" + name,
                                                               Xapian::DB_CREATE_OR_OPEN | impl->segment_sync(), kBlockSize));
      // A new database's shards are lanes: each holds only the ids that route to it.
      if (fresh) impl->shards.back().lane = static_cast<int>(impl->shards.size() - 1);
    }
    if (fresh) {
      impl->route_to_all();
    } else {
      impl->start_updating();
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
// empty one, and every new shard, gets this writer's. index.positions = "auto" becomes the
// database's own (a new one's: compact) before the documents' builders are made.
Status IndexWriter::Impl::check_manifest() {
  const std::string stored = shards.front().db.get_metadata(kManifestKey);
  std::optional<Manifest> built;
  if (!stored.empty()) {
    auto parsed = Manifest::from_json(stored);
    if (!parsed.is_ok()) return Status::unavailable("database " + path + ": " + parsed.status().message());
    built = std::move(parsed).value();
  }
  options.positions = positions_in_use(options.positions, built ? &*built : nullptr);
  this->manifest.positions = options.positions;
  if (built) {
    const auto differences = manifest_differences(*built, this->manifest, ManifestUse::kWrite);
    if (!differences.empty()) return Status::incompatible(manifest_refusal(path, differences));
  } else if (document_count() > 0) {
    return Status::incompatible(manifest_refusal(path, {"it has no manifest (an earlier sondhan, or another tool, made it)"}));
  }
  // Committed at once, before the stub lists a new shard: readers take the manifest from the
  // first shard only (Xapian's metadata of several databases is the first one's), so a run
  // killed after one lane's first commit and before the first lane's left a database that
  // neither a reader nor a writer would open.
  const std::string json = this->manifest.to_json();
  for (Shard& shard : shards) {
    if (shard.db.get_metadata(kManifestKey) != json) {
      shard.db.set_metadata(kManifestKey, json);
      shard.db.commit();
    }
  }
  return Status::ok();
}

size_t IndexWriter::Impl::document_count() const {
  size_t n = 0;
  for (const auto& shard : shards) n += shard.db.get_doccount();
  return n;
}

void IndexWriter::Impl::route_to_all() {
  targets.clear();
  for (size_t i = 0; i < shards.size(); ++i) targets.push_back(i);
}

void IndexWriter::Impl::start_updating() {
  updating = true;
  delta_limit = options.segment_articles > 0 ? static_cast<size_t>(options.segment_articles)
                                             : std::numeric_limits<size_t>::max();
  targets.clear();
  if (Shard& newest = shards.back(); newest.db.get_doccount() < delta_limit) {
    // Its fingerprint file would not know what is written there now (a merged shard that
    // deletions, or a larger index.segment_articles, made a target).
    newest.prints_file.reset();
    FingerprintFile::remove(shard_path(newest));
    targets.push_back(shards.size() - 1);
  }
}

// "s<generation>-<n>" with the least n that names no directory: never a live shard's, nor the
// leftovers of a killed merge.
std::string IndexWriter::Impl::unused_name(int generation) const {
  std::error_code ec;
  for (int n = 0;; ++n) {
    std::string name = std::string("s").append(std::to_string(generation)).append("-").append(std::to_string(n));
    if (!fs::exists(path + "/" + name, ec)) return name;
  }
}

// The highest generation of the shards open, or replaced by a rebuild.
int IndexWriter::Impl::max_generation() const {
  int generation = 0;
  for (const Shard& shard : shards) generation = std::max(generation, generation_of(shard.name));
  for (const std::string& name : replaced) generation = std::max(generation, generation_of(name));
  return generation;
}

// Points the stub at the shards open now, unless this is a rebuild (its finish() does that).
Status IndexWriter::Impl::list_shards() const {
  if (rebuild) return Status::ok();
  std::vector<std::string> names;
  for (const Shard& shard : shards) names.push_back(shard.name);
  if (!layout::write_stub(path, names)) return Status::internal("cannot write " + path + "/" + layout::kStubName);
  return Status::ok();
}

std::string IndexWriter::Impl::least_metadata(const std::string& key) const {
  std::string least;
  for (size_t i = 0; i < shards.size(); ++i) {
    const std::string value = shards[i].db.get_metadata(key);
    if (i == 0 || value < least) least = value;
  }
  return least;
}

// A new, empty shard after the others, for the changes of an existing database; listed in the
// stub at once, so readers see what is committed into it.
Status IndexWriter::Impl::start_delta() {
  const std::string name = unused_name(max_generation());
  try {
    Xapian::WritableDatabase db(path + "/" + name, Xapian::DB_CREATE, kBlockSize);
    // The metadata every shard carries (the manifest, the journal position), as the shards
    // agree on it: the least value, as metadata() reads it.
    std::set<std::string> keys;
    for (const Shard& shard : shards) {
      for (auto key = shard.db.metadata_keys_begin(); key != shard.db.metadata_keys_end(); ++key) keys.insert(*key);
    }
    for (const std::string& key : keys) db.set_metadata(key, least_metadata(key));
    db.commit();
    shards.emplace_back(name, std::move(db));
  } catch (const Xapian::Error& e) {
    return Status::internal("cannot create shard " + name + ": " + e.get_description());
  }
  targets = {shards.size() - 1};
  return list_shards();
}

// Merges the shards of an updated database that are full (all but the one being written) by
// tiers: see merge_policy.h.
Status IndexWriter::Impl::tidy() {
  for (;;) {
    std::vector<size_t> candidates, docs;
    for (size_t i = 0; i < shards.size(); ++i) {
      if (std::find(targets.begin(), targets.end(), i) != targets.end()) continue;
      candidates.push_back(i);
      docs.push_back(shards[i].db.get_doccount());
    }
    const std::vector<size_t> picked = next_merge(docs, delta_limit);
    if (picked.empty()) return Status::ok();
    std::vector<size_t> group;
    for (size_t k : picked) group.push_back(candidates[k]);
    if (Status s = merge(group); !s.is_ok()) return s;
  }
}

// Compacts the committed shards `group` (positions in `shards`, ascending) into a new shard in
// the first one's place. Readers keep the old shards until the stub is replaced (a rebuild's
// stub is written by finish()), so nothing is ever missing; the old ones are removed after.
Status IndexWriter::Impl::merge(const std::vector<size_t>& group) {
  const std::string merged = unused_name(max_generation() + 1);
  try {
    Xapian::Database all;
    for (size_t i : group) all.add_database(Xapian::Database(shard_path(shards[i])));
    all.compact(path + "/" + merged, 0, kBlockSize);
  } catch (const Xapian::Error& e) {
    std::error_code ec;
    fs::remove_all(path + "/" + merged, ec);
    return Status::internal("merging shards failed: " + e.get_description());
  }
  std::vector<std::string> target_names;
  for (size_t t : targets) target_names.push_back(shards[t].name);
  std::vector<Shard> kept;
  std::vector<std::string> gone;
  for (size_t i = 0; i < shards.size(); ++i) {
    const bool in_group = std::binary_search(group.begin(), group.end(), i);
    if (in_group) {
      shards[i].db.close();
      gone.push_back(shard_path(shards[i]));
    }
    if (i == group.front()) {
      try {
        kept.emplace_back(merged, Xapian::WritableDatabase(path + "/" + merged, Xapian::DB_OPEN));
      } catch (const Xapian::Error& e) {
        return Status::internal("cannot open merged shard: " + e.get_description());
      }
      kept.back().fresh = false;
    } else if (!in_group) {
      kept.push_back(std::move(shards[i]));
    }
  }
  shards = std::move(kept);
  if (Status s = list_shards(); !s.is_ok()) return s;
  std::error_code ec;
  for (const std::string& dir : gone) fs::remove_all(dir, ec);
  targets.clear();
  for (const std::string& name : target_names) {
    for (size_t i = 0; i < shards.size(); ++i) {
      if (shards[i].name == name) targets.push_back(i);
    }
  }
  fresh_terms.reset();  // all three are by shard number
  bands.clear();
  prints.clear();
  file_fingerprints(shards[group.front()]);  // the merged shard, in the first one's place
  return Status::ok();
}

// A shard that updates never write into (index.segment_articles articles or more: start_updating)
// gets a file of its fingerprints and bands, which the writers that open it later map instead of
// reading every article's fingerprint (fingerprint_file.h). Only their speed depends on it.
void IndexWriter::Impl::file_fingerprints(Shard& shard) {
  shard.prints_file.reset();
  if (!stories_enabled() || options.segment_articles <= 0 ||
      shard.db.get_doccount() < static_cast<size_t>(options.segment_articles)) {
    return;
  }
  try {
    if (FingerprintFile::write(shard_path(shard), shard.db, parallel_for()).is_ok()) {
      shard.prints_file = FingerprintFile::open(shard_path(shard), shard.db);
    }
  } catch (const Xapian::Error&) {
    // Read as a shard without one.
  } catch (const std::bad_alloc&) {
  }
}

// Where changes[begin, end) must stop so that the current segments just fill up, or the
// pending articles the memory budget.
size_t IndexWriter::Impl::segment_end(const std::vector<Change>& changes, size_t begin, size_t end) const {
  if (!segmented) return end;
  if (segment_limit > 0) end = std::min(end, begin + (segment_limit - std::min(segment_limit - 1, in_segments)));
  size_t bytes = pending;
  for (size_t i = begin; i < end; ++i) {
    bytes += pending_bytes(changes[i]);
    if (bytes >= budget) return i + 1;
  }
  return end;
}

void IndexWriter::Impl::use_dictionary(std::shared_ptr<const RecordDictionary> dict) {
  dictionary = std::move(dict);
  for (auto& worker : workers) worker->builder.use_dictionary(dictionary);
  dictionary_samples = {};
}

// A database without a dictionary gets one trained on the first kDictionarySamples records this
// writer sees, filed in every shard before any record compressed with it is written.
Status IndexWriter::Impl::train_dictionary(const std::vector<Change>& changes, size_t begin, size_t end) {
  if (dictionary || dictionary_failed) return Status::ok();
  for (size_t i = begin; i < end && dictionary_samples.size() < kDictionarySamples; ++i) {
    if (!changes[i].is_delete) dictionary_samples.push_back(encode_record(changes[i].article.record));
  }
  if (dictionary_samples.size() < kDictionarySamples) return Status::ok();
  auto dict = RecordDictionary::train(dictionary_samples);
  if (!dict) {
    dictionary_failed = true;
    dictionary_samples = {};
    return Status::ok();
  }
  use_dictionary(std::move(dict));
  try {
    file_dictionary();
  } catch (const Xapian::Error& e) {
    return Status::internal("filing the records' dictionary failed: " + e.get_description());
  }
  return Status::ok();
}

// Files the dictionary in every shard that may not have it yet, before any record that needs it
// is committed there: at training, and at each commit (a shard started since, or a failed
// write's cancel() that took back what was filed).
void IndexWriter::Impl::file_dictionary() {
  if (!dictionary) return;
  for (Shard& shard : shards) {
    if (shard.has_dictionary) continue;
    if (shard.db.get_metadata(dictionary->metadata_key()).empty()) dictionary->file_in(shard.db);
    shard.has_dictionary = true;
  }
}

Status IndexWriter::Impl::commit_all() {
  file_dictionary();  // every shard's commit carries the dictionary its records may need
  // Each shard counts the commits that replace articles in place (kReplacedKey) and those that
  // give its articles other story keys (kRegroupedKey), so that a reader's facet and story
  // columns outlive the others.
  const auto count = [](Xapian::WritableDatabase& db, const char* key, bool changed) {
    const std::string was = db.get_metadata(key);
    if (!changed && !was.empty()) return;
    db.set_metadata(key, std::to_string((was.empty() ? 0 : std::strtoull(was.c_str(), nullptr, 10)) + (changed ? 1 : 0)));
  };
  for (Shard& shard : shards) {
    if (!shard.replaced && !shard.regrouped && shard.counted) continue;
    count(shard.db, kReplacedKey, shard.replaced);
    count(shard.db, kRegroupedKey, shard.regrouped);
  }
  // Every shard on the pool's threads, the targets first, each thread taking the next shard not
  // yet taken. The others are a bulk build's full segments, where the story grouper gave earlier
  // articles their keys (a million-article build: 9 s of commits, on one thread when they came
  // after the targets'), or hold deletes of articles that came again, or metadata; a shard
  // without changes costs nothing.
  std::vector<size_t> order(targets.begin(), targets.end());
  for (size_t i = 0; i < shards.size(); ++i) {
    if (std::find(targets.begin(), targets.end(), i) == targets.end()) order.push_back(i);
  }
  std::atomic<size_t> next{0};
  const Status s = pool->run(std::min(order.size(), workers.size()), [&](size_t) -> Status {
    for (size_t k; (k = next.fetch_add(1, std::memory_order_relaxed)) < order.size();) shards[order[k]].db.commit();
    return Status::ok();
  });
  if (!s.is_ok()) return s;
  for (Shard& shard : shards) shard.replaced = false, shard.regrouped = false, shard.counted = true;
  pending = 0;
  return Status::ok();
}

// A bulk build's segments are full: commit them and give each lane a new, empty one. Xapian
// rewrites every B-tree block a commit touches, so committing into one ever larger database
// costs more per article as it grows (319 GB written for 5.4 GB at a million articles); a
// commit into a segment of a few thousand articles costs the same at any size of the archive,
// and finish() merges the segments in one pass (how Lucene keeps writes cheap). The stub lists
// every committed segment, so a crash loses only what was not committed.
Status IndexWriter::Impl::start_segments() {
  if (Status s = commit_all(); !s.is_ok()) return s;
  for (size_t lane = 0; lane < targets.size(); ++lane) {
    const std::string name = unused_name(segment_generation);
    Xapian::WritableDatabase db(path + "/" + name, Xapian::DB_CREATE | segment_sync(), kBlockSize);
    // The metadata every shard carries (the manifest; what set_metadata() wrote), as the lane's
    // last segment has it.
    const Xapian::WritableDatabase& previous = shards[targets[lane]].db;
    for (auto key = previous.metadata_keys_begin(); key != previous.metadata_keys_end(); ++key) {
      db.set_metadata(*key, previous.get_metadata(*key));
    }
    db.commit();
    shards.emplace_back(name, std::move(db));
    shards.back().lane = static_cast<int>(lane);
    targets[lane] = shards.size() - 1;
  }
  in_segments = 0;
  return list_shards();
}

// Files each stem under its spelling key in the synonym table, once per stem and run: a
// synonym entry per distinct stem costs far less than a loose term in every document.
// Entries of deleted articles stay; they point at stems that match nothing.
void IndexWriter::Impl::file_spelling_variants(Shard& shard, const std::vector<std::string>& stems,
                                               Worker& worker) {
  constexpr size_t kMaxRemembered = 1 << 20;  // re-filing an entry is harmless, memory is not
  for (const std::string& term : stems) {  // as the index spells them
    if (!worker.filed.insert(std::hash<std::string>{}(term))) continue;
    if (worker.filed.size() > kMaxRemembered) worker.filed.clear();
    if (std::string key = filing_key(worker.analyzer, word_of_term(term)); !key.empty()) shard.db.add_synonym(key, term);
  }
}

// An id may already be in a shard it is not routed to (a bulk build's full segment of its lane,
// an updated database's older shards, or a shard of a database that was not built in lanes, such
// as one a killed bulk build left): it is taken out of there, on this thread, so that each id
// lives in one shard. Returns which of changes[begin, end) were.
std::vector<char> IndexWriter::Impl::take_out_elsewhere(const std::vector<Change>& changes, size_t begin,
                                                        size_t end) {
  const size_t lanes = targets.size();
  std::vector<char> moved(end - begin, 0);
  for (size_t i = begin; i < end; ++i) {
    const std::string& id = changes[i].article.id;
    if (segmented && written.insert(std::hash<std::string>{}(id))) continue;
    const size_t lane = layout::shard_of(id, lanes);
    std::string term;
    for (size_t k = 0; k < shards.size(); ++k) {
      Shard& shard = shards[k];
      if (k == targets[lane] || (shard.lane >= 0 && static_cast<size_t>(shard.lane) != lane)) continue;
      if (term.empty()) term = core::id_term(id);
      if (shard.db.term_exists(term)) {
        shard.db.delete_document(term);
        moved[i - begin] = 1;
      }
    }
  }
  return moved;
}

// One shard takes every change: analysis on all threads, then writes in input order on this one.
Status IndexWriter::Impl::write_one_target(std::vector<Change>& changes, size_t begin, size_t end,
                                           WriteCounts* counts, std::vector<StoryGrouper::Place>* placed) {
  const std::vector<char> moved = take_out_elsewhere(changes, begin, end);
  Shard& shard = shards[targets.front()];
  std::vector<Xapian::Document> docs(end - begin);
  std::vector<std::vector<std::string>> stems(end - begin);
  Status built = pool->for_each(static_cast<size_t>(options.threads), end - begin, [&](size_t worker, size_t k) {
    const size_t i = begin + k;
    if (!changes[i].is_delete) docs[k] = workers[worker]->builder.build(changes[i].article, &stems[k]);
    return Status::ok();
  });
  if (!built.is_ok()) return built;
  for (size_t i = begin; i < end; ++i) {
    (*placed)[i - begin] = place(shard.db, write_change(shard.db, changes[i], docs[i - begin], counts),
                                 docs[i - begin]);
    shard.replaced = shard.replaced || changes[i].outcome == ChangeOutcome::kUpdated;
    if (moved[i - begin]) count_move(changes[i], counts);
    file_spelling_variants(shard, stems[i - begin], *workers[0]);  // run() is over
  }
  return Status::ok();
}

// Several target shards: each thread owns one and both analyses and writes the changes routed
// to it, in input order, so the last change to an id wins.
Status IndexWriter::Impl::write_shards(std::vector<Change>& changes, size_t begin, size_t end,
                                       WriteCounts* counts, std::vector<StoryGrouper::Place>* placed) {
  const size_t lanes = targets.size();
  const std::vector<char> moved = take_out_elsewhere(changes, begin, end);
  std::vector<WriteCounts> per_lane(lanes);
  Status s = pool->run(lanes, [&](size_t lane) {
    std::vector<std::string> stems;
    Shard& shard = shards[targets[lane]];
    for (size_t i = begin; i < end; ++i) {
      if (layout::shard_of(changes[i].article.id, lanes) != lane) continue;
      stems.clear();
      Worker& worker = *workers[lane];
      const Xapian::Document doc = changes[i].is_delete ? Xapian::Document() : worker.builder.build(changes[i].article, &stems);
      (*placed)[i - begin] = place(shard.db, write_change(shard.db, changes[i], doc, &per_lane[lane]), doc);
      shard.replaced = shard.replaced || changes[i].outcome == ChangeOutcome::kUpdated;
      if (moved[i - begin]) count_move(changes[i], &per_lane[lane]);
      file_spelling_variants(shard, stems, worker);
    }
    return Status::ok();
  });
  for (const WriteCounts& c : per_lane) *counts += c;
  return s;
}

// Whether changes[begin, end) can be grouped before they are written (write_grouped): a bulk
// build's batch, in lanes, of new articles only, each once. Anything else (an update, a delete, an
// id twice) may take a story apart, which reads the stories' members from the shards.
bool IndexWriter::Impl::can_group_first(const std::vector<Change>& changes, size_t begin, size_t end,
                                        const StoryGrouper& stories) const {
  if (!segmented || targets.size() < 2 || !stories_enabled() || !stories.all_new()) return false;
  std::unordered_set<std::string_view> ids;
  for (size_t i = begin; i < end; ++i) {
    if (changes[i].is_delete || !ids.insert(changes[i].article.id).second) return false;
  }
  return true;
}

// Writes a batch of new articles grouped first: each lane builds its documents and places them
// at the docids its shard will give them (the next ones, in input order), the story grouper
// chooses their stories from the fingerprints in memory and puts the keys into the documents,
// and each lane then writes its documents once. Grouping after the writes wrote each article
// that joined a story twice, the second time to add its key.
Status IndexWriter::Impl::write_grouped(std::vector<Change>& changes, size_t begin, size_t end,
                                        WriteCounts* counts, StoryGrouper& stories) {
  const size_t lanes = targets.size();
  std::vector<size_t> lane_of(end - begin);
  std::vector<StoryGrouper::Place> placed(end - begin);
  struct Built {
    Xapian::Document doc;
    std::vector<std::string> stems;  // for spelling variants
  };
  std::vector<Built> built(end - begin);
  try {
    (void)take_out_elsewhere(changes, begin, end);  // notes the ids as written (none is elsewhere)
    std::vector<Xapian::docid> next(lanes);
    for (size_t lane = 0; lane < lanes; ++lane) next[lane] = shards[targets[lane]].db.get_lastdocid() + 1;
    for (size_t i = begin; i < end; ++i) {
      const size_t lane = layout::shard_of(changes[i].article.id, lanes);
      lane_of[i - begin] = lane;
      placed[i - begin] = {&shards[targets[lane]].db, next[lane]++, {}};
    }
  } catch (const Xapian::Error& e) {
    return Status::internal("write failed: " + e.get_description());
  }
  // Each lane builds its own articles' documents, then helps the other with theirs: the writes
  // below stay each on its lane's shard.
  std::vector<std::vector<size_t>> queues(lanes);
  for (size_t k = 0; k < end - begin; ++k) queues[lane_of[k]].push_back(k);
  Status s = pool->for_each_queued(queues, [&](size_t worker, size_t k) {
    Built& d = built[k];
    d.doc = workers[worker]->builder.build(changes[begin + k].article, &d.stems);
    placed[k].print = d.doc.get_value(static_cast<Xapian::valueno>(kFingerprintSlot));
    return Status::ok();
  });
  if (!s.is_ok()) return s;
  StoryGrouper::Unwritten unwritten;
  for (size_t i = begin; i < end; ++i) {
    unwritten.emplace(article_key(targets[lane_of[i - begin]], placed[i - begin].did), &built[i - begin].doc);
  }
  if (s = stories.settle_unwritten(changes, begin, end, placed, parallel_for(), unwritten); !s.is_ok()) return s;
  std::vector<WriteCounts> per_lane(lanes);
  s = pool->run(lanes, [&](size_t lane) {
    Shard& shard = shards[targets[lane]];
    for (size_t i = begin; i < end; ++i) {
      if (lane_of[i - begin] != lane) continue;
      // A docid past the shard's last one adds the document there (as add_document would).
      Built& d = built[i - begin];
      shard.db.replace_document(placed[i - begin].did, d.doc);
      changes[i].outcome = ChangeOutcome::kAdded;
      ++per_lane[lane].added;
      file_spelling_variants(shard, d.stems, *workers[lane]);
      // Freed here, on the lane's thread: freeing a batch's documents after the run, on one
      // thread, was 3% of a million-article build's time with the other core idle.
      d = Built();
    }
    return Status::ok();
  });
  for (const WriteCounts& c : per_lane) *counts += c;
  if (!s.is_ok()) return Status::internal("write failed: " + s.message());
  return s;
}

Status IndexWriter::Impl::write_range(std::vector<Change>& changes, size_t begin, size_t end,
                                      WriteCounts* counts, std::vector<StoryGrouper::Place>* placed) {
  placed->assign(end - begin, {});
  try {
    return targets.size() == 1 ? write_one_target(changes, begin, end, counts, placed)
                               : write_shards(changes, begin, end, counts, placed);
  } catch (const Xapian::Error& e) {
    return Status::internal("write failed: " + e.get_description());
  }
}

Status IndexWriter::apply(std::vector<Change>& changes, WriteCounts* counts) {
  Status s = impl_->apply(changes, counts);
  if (!s.is_ok()) impl_->forget_written();
  return s;
}

Status IndexWriter::Impl::write_held_keys() {
  try {
    for (const size_t shard : held_keys.write([this](size_t shard) -> Xapian::WritableDatabase& { return shards[shard].db; })) {
      shards[shard].regrouped = true;
    }
  } catch (const Xapian::Error& e) {
    for (Shard& shard : shards) shard.regrouped = true;  // some may have been written
    return Status::internal("writing story keys failed: " + e.get_description());
  }
  return Status::ok();
}

void IndexWriter::Impl::forget_written() {
  // Part of a batch may be in the shards without the story grouper having seen it, or a docid
  // may be handed out again (glass's cancel() after a failed write or commit resets the last
  // docid): from now on the grouper looks every term and fingerprint up.
  fresh_terms.reset();
  bands.clear();
  prints.clear();
  held_keys.clear();  // lost as in a killed run: a re-run gives them back
  for (auto& shard : shards) shard.fresh = false, shard.has_dictionary = false;
  // A write that failed may have taken spelling entries with it: file every stem again.
  for (auto& worker : workers) worker->filed.clear();
}

Status IndexWriter::Impl::apply(std::vector<Change>& changes, WriteCounts* counts) {
  // Commit exactly every commit_every changes, so an interrupted run always stops at a
  // predictable point: split the batch where a commit falls.
  size_t begin = 0;
  while (begin < changes.size()) {
    if (updating && targets.empty()) {
      if (Status s = start_delta(); !s.is_ok()) return s;
    }
    const size_t room = static_cast<size_t>(options.commit_every) - since_commit;
    const size_t end = segment_end(changes, begin, std::min(changes.size(), begin + room));
    // Story grouping (story_grouper.h): each id's story is noted before the range is written,
    // and the range is grouped after it (a bulk build's range of new articles: before, once
    // placed), on this thread, while the shard threads wait.
    std::vector<StoryGrouper::Shard> story_shards;
    for (auto& shard : shards) {
      story_shards.push_back({&shard.db, shard.fresh, shard.prints_file});
      // A bulk build's segments are many; elsewhere a look-up in each of a few shards is cheap.
      if (shard.fresh && segmented && !fresh_terms && stories_enabled()) fresh_terms = make_fresh_terms();
    }
    StoryGrouper stories(std::move(story_shards), fresh_terms.get(), &bands, &prints,
                         segmented ? &held_keys : nullptr);
    if (Status s = stories.prepare(changes, begin, end, parallel_for()); !s.is_ok()) return s;
    if (Status s = train_dictionary(changes, begin, end); !s.is_ok()) return s;
    Status range_status = Status::ok();
    if (can_group_first(changes, begin, end, stories)) {
      range_status = write_grouped(changes, begin, end, counts, stories);
    } else {
      std::vector<StoryGrouper::Place> placed;
      range_status = write_range(changes, begin, end, counts, &placed);
      if (range_status.is_ok()) range_status = stories.settle(changes, begin, end, placed, parallel_for());
    }
    // Keys written before a failure would go out with a later commit: every shard counts then.
    for (const size_t shard : stories.regrouped_shards()) shards[shard].regrouped = true;
    if (!range_status.is_ok()) {
      for (Shard& shard : shards) shard.regrouped = true;
      return range_status;
    }
    // A bound on their memory (~100 bytes each): written, they are in the next commit.
    constexpr size_t kMaxHeldKeys = 1 << 19;
    if (held_keys.size() > kMaxHeldKeys) {
      if (Status s = write_held_keys(); !s.is_ok()) return s;
    }
    since_commit += end - begin;
    if (since_commit >= static_cast<size_t>(options.commit_every)) {
      if (Status s = commit(); !s.is_ok()) return s;
    }
    if (segmented) {
      for (size_t i = begin; i < end; ++i) pending += pending_bytes(changes[i]);
      in_segments += end - begin;
      if (segment_limit > 0 && in_segments >= segment_limit) {
        try {
          if (Status s = start_segments(); !s.is_ok()) return s;
        } catch (const Xapian::Error& e) {
          return Status::internal("starting new segments failed: " + e.get_description());
        }
        since_commit = 0;
      } else if (pending >= budget) {
        if (Status s = commit(); !s.is_ok()) return s;
      }
    }
    begin = end;
  }
  return Status::ok();
}

void IndexWriter::set_metadata(const std::string& key, const std::string& value) {
  for (auto& shard : impl_->shards) shard.db.set_metadata(key, value);
}

std::string IndexWriter::metadata(const std::string& key) const { return impl_->least_metadata(key); }

Status IndexWriter::commit() {
  Status s = impl_->write_held_keys();
  if (s.is_ok()) s = impl_->commit();
  if (!s.is_ok()) impl_->forget_written();
  return s;
}

Status IndexWriter::Impl::commit() {
  // The pool turns a Xapian exception into the call's Status.
  Status s;
  try {
    s = commit_all();
  } catch (const Xapian::Error& e) {
    s = Status::internal(e.get_description());
  }
  if (!s.is_ok()) return Status::internal("commit failed: " + s.message());
  since_commit = 0;
  if (updating && !targets.empty() && shards[targets.front()].db.get_doccount() >= delta_limit) {
    // The shard being written is full: the next change starts a new one.
    targets.clear();
    return tidy();
  }
  return Status::ok();
}

Status IndexWriter::finish() {
  if (Status s = commit(); !s.is_ok()) return s;  // with the held story keys
  Impl& x = *impl_;
  if (x.updating) return x.tidy();
  if (x.shards.front().name.empty()) return Status::ok();  // a plain database: one shard, no stub
  // A new database or a rebuild: all its shards become one.
  if (x.shards.size() >= 2) {
    std::vector<size_t> all(x.shards.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    if (Status s = x.merge(all); !s.is_ok()) return s;
  }
  if (x.rebuild) {
    // The new shard replaces the live ones.
    if (!layout::write_stub(x.path, {x.shards.front().name})) {
      return Status::internal("cannot write " + x.path + "/" + layout::kStubName);
    }
    std::error_code ec;
    for (const std::string& name : x.replaced) fs::remove_all(x.path + "/" + name, ec);
    x.replaced.clear();
    x.rebuild = false;
  }
  // More changes are updates of a database that exists.
  x.segmented = false;
  x.fresh_terms.reset();
  for (auto& shard : x.shards) shard.fresh = false, shard.lane = -1;
  x.start_updating();
  return Status::ok();
}

size_t IndexWriter::document_count() const { return impl_->document_count(); }

size_t IndexWriter::shard_count() const { return impl_->shards.size(); }

}  // namespace sondhan::core
