// Reading and atomically replacing the stub that lists a database's shards.
#include "sondhan/core/database_layout.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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

bool replace_file(const std::string& path, const std::vector<std::string_view>& parts) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  int failure = 0;  // errno of the first call that failed
  const auto failed = [&failure](int error) {
    if (failure == 0) failure = error;
  };
  for (std::string_view part : parts) {
    while (failure == 0 && !part.empty()) {
      const ssize_t n = ::write(fd, part.data(), part.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        failed(n < 0 ? errno : EIO);
      } else {
        part.remove_prefix(static_cast<size_t>(n));
      }
    }
  }
  if (failure == 0 && ::fsync(fd) != 0) failed(errno);
  if (::close(fd) != 0) failed(errno);
  if (failure == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) failed(errno);
  if (failure != 0) {
    ::unlink(tmp.c_str());
    errno = failure;
    return false;
  }
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);  // make the rename itself durable
    ::close(dir_fd);
  }
  return true;
}

bool write_stub(const std::string& db, const std::vector<std::string>& shards) {
  // Relative paths: Xapian resolves them against the stub's own directory, so the database
  // can be moved or mounted elsewhere as a whole.
  std::string text;
  for (const std::string& name : shards) text += "auto " + name + "\n";
  return replace_file(stub_path(db), {text});
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
