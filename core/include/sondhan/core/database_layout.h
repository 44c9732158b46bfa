// The on-disk layout of a sondhan database, shared by the writer and the searcher.
//
// A database made by sondhan is a directory holding a Xapian stub file, XAPIANDB, that lists
// its shards (subdirectories, each a glass database); Xapian opens the stub as one database.
// A fresh build writes several shards in parallel and merges them into one at the end; the stub
// is then replaced by rename, which readers notice through identity(). A plain Xapian database
// directory (no stub) is also accepted, as a single shard.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sondhan::core::layout {

inline constexpr char kStubName[] = "XAPIANDB";
inline constexpr char kWriterLockName[] = "writer.lock";

/// Whether `db` is a sondhan (stub) database.
bool has_stub(const std::string& db);

/// Whether `name` can name a shard directory directly inside the database (letters, digits,
/// '-', '_', '.'; not "." or "..").
bool is_shard_name(std::string_view name);

/// Whether `name` is one the writer gives its shards ("s<generation>-<n>").
bool is_generated_shard_name(std::string_view name);

/// The shard directory names the stub lists, in order. Empty if there is no readable stub, or
/// if it lists anything but local shards inside the database ("auto" or "glass" lines with
/// is_shard_name() names, as sondhan writes them).
std::vector<std::string> read_stub(const std::string& db);

/// Replaces the stub atomically (replace_file), so that a reader, or a machine that lost power,
/// sees the old list or the new one, never half of one or an empty file. Returns false on an
/// I/O error.
bool write_stub(const std::string& db, const std::vector<std::string>& shards);

/// Replaces the file at `path` atomically with `parts`, written one after another: into a
/// temporary file beside it (`path` + ".tmp"), synced, renamed over `path`, the directory synced.
/// Returns false on an I/O error, with errno from the call that failed and the temporary file
/// removed.
bool replace_file(const std::string& path, const std::vector<std::string_view>& parts);

/// Something that changes whenever the stub is replaced (its inode and change time); nullopt
/// for a plain database.
std::optional<std::pair<uint64_t, int64_t>> identity(const std::string& db);

/// The shard an article id belongs to: FNV-1a, stable across runs, builds and machines, so an
/// upsert always finds the shard that holds the article's previous version.
size_t shard_of(std::string_view id, size_t shards);

}  // namespace sondhan::core::layout
