// The only writer of a sondhan database: upserts and deletes articles by id and commits them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sondhan/core/article.h"
#include "sondhan/core/config.h"
#include "sondhan/core/status.h"

namespace sondhan::core {

/// What a batch did.
struct WriteCounts {
  size_t added = 0;
  size_t updated = 0;
  size_t deleted = 0;
  size_t not_found = 0;  // deletes of ids that were not indexed

  WriteCounts& operator+=(const WriteCounts& other) {
    added += other.added;
    updated += other.updated;
    deleted += other.deleted;
    not_found += other.not_found;
    return *this;
  }
};

struct WriterOptions {
  /// Write everything into new shards, beside the live ones, whatever the database holds and
  /// however it was built; finish() replaces the live shards with them in one step (readers
  /// switch then). Without finish() (interrupted) the database stays as it was.
  bool rebuild = false;
  /// Who writes ("sondhan-server"), for the message another writer gets while this one holds
  /// the database.
  std::string holder;
  /// A bulk load (sondhan-index): a new database, or a rebuild, is written in segments. Each
  /// thread writes index.segment_articles articles into a database (a segment) of its own, then
  /// starts a new one; finish() merges them all. Commits every index.commit_every changes, or
  /// sooner when the uncommitted ones would fill index.memory_mb. An existing database is
  /// updated as without it.
  bool bulk = false;
};

/// Owns the database's write lock (Xapian allows one writer). Changes become visible to
/// readers at commit(); an interrupted process loses only what was not committed, and the
/// database stays openable at its last commit.
///
/// A new database is created with index.threads shards, written in parallel (each article goes
/// to the shard its id hashes to); finish() merges them into one with Xapian's compaction.
/// An existing database is updated shard by shard in the same way; an id found in a shard it
/// does not hash to (a bulk build's earlier segment) is moved, so that each id is in one shard.
/// Thread safety: one thread at a time.
class IndexWriter {
 public:
  /// Opens or creates the database at `path` (a directory) to write what `config` builds.
  /// kUnavailable if another writer holds the lock, the database cannot be opened, or its
  /// manifest says it was built differently (the message says what differs and how to rebuild).
  static Result<std::unique_ptr<IndexWriter>> open(const std::string& path, const Config& config,
                                                   const WriterOptions& writer = {});
  /// The same with the default configuration apart from `options`.
  static Result<std::unique_ptr<IndexWriter>> open(const std::string& path, const IndexOptions& options,
                                                   const WriterOptions& writer = {});
  ~IndexWriter();
  IndexWriter(const IndexWriter&) = delete;
  IndexWriter& operator=(const IndexWriter&) = delete;

  /// Applies `changes` in order, setting each one's outcome. Documents are analysed on
  /// index.threads threads; writes stay in input order, so the last change to an id wins.
  /// Commits every index.commit_every changes (a bulk build: see WriterOptions::bulk).
  Status apply(std::vector<Change>& changes, WriteCounts* counts);

  /// Makes everything applied so far durable and visible.
  Status commit();

  /// Sets a metadata entry in every shard, written by the next commit.
  void set_metadata(const std::string& key, const std::string& value);
  /// The least value any shard holds for `key` ("" if one has none): after a crash between
  /// two shards' commits, the one that committed less.
  std::string metadata(const std::string& key) const;

  /// Commits, then merges several shards into one compact shard and switches the database to
  /// it (readers follow on their next request); a rebuild's new shards replace the live ones.
  /// Does nothing more for a single shard that is not a rebuild's.
  Status finish();

  /// Number of documents, including uncommitted changes.
  size_t document_count() const;

  /// Number of shards the database has now.
  size_t shard_count() const;

 private:
  struct Impl;
  explicit IndexWriter(std::unique_ptr<Impl> impl);
  static std::unique_ptr<IndexWriter> start(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sondhan::core
