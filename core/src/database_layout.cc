// Reading and atomically replacing the stub that lists a database's shards.
#include "sondhan/core/database_layout.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace sondhan::core::layout {

namespace {
std::string stub_path(const std::string& db) { return db + "/" + kStubName; }
}  // namespace

bool is_shard_name(std::string_view name) {
  // A directory directly inside the database: no separator, and not "." or ".." (a stub naming
  // "../x" once made the writer create and write a shard outside the database).
  if (name.empty() || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

bool is_generated_shard_name(std::string_view name) {
  // s<generation>-<n>, as the writer names shards.
  const auto digits = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  const size_t dash = name.find('-');
  return name.size() > 3 && name[0] == 's' && dash != std::string_view::npos &&
         digits(name.substr(1, dash - 1)) && digits(name.substr(dash + 1));
}

bool has_stub(const std::string& db) {
  struct stat st;
  return ::stat(stub_path(db).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::vector<std::string> read_stub(const std::string& db) {
  std::vector<std::string> shards;
  std::ifstream in(stub_path(db));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string type, name;
    if (!(words >> type)) continue;  // blank line
    if ((type != "auto" && type != "glass") || !(words >> name) || !is_shard_name(name)) {
      return {};  // remote, absolute or outside the database: not a layout sondhan writes
    }
    shards.push_back(name);
  }
  return shards;
}

bool write_stub(const std::string& db, const std::vector<std::string>& shards) {
  const std::string tmp = stub_path(db) + ".tmp";
  // Relative paths: Xapian resolves them against the stub's own directory, so the database
  // can be moved or mounted elsewhere as a whole.
  std::string text;
  for (const std::string& name : shards) text += "auto " + name + "\n";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written || std::rename(tmp.c_str(), stub_path(db).c_str()) != 0) return false;
  const int dir = ::open(db.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);  // make the rename itself durable
    ::close(dir);
  }
  return true;
}

std::optional<std::pair<uint64_t, int64_t>> identity(const std::string& db) {
  struct stat st;
  if (::stat(stub_path(db).c_str(), &st) != 0) return std::nullopt;
  return std::pair<uint64_t, int64_t>{static_cast<uint64_t>(st.st_ino),
                                      static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 +
                                          st.st_ctim.tv_nsec};
}

size_t shard_of(std::string_view id, size_t shards) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return static_cast<size_t>(h % shards);
}

}  // namespace sondhan::core::layout
