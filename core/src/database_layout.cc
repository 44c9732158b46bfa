#include "sondhan/core/database_layout.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace sondhan::core::layout {

namespace {
std::string stub_path(const std::string& db) { return db + "/" + kStubName; }
}  // namespace

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
    if (words >> type >> name && type == "auto") shards.push_back(name);
  }
  return shards;
}

bool write_stub(const std::string& db, const std::vector<std::string>& shards) {
  const std::string tmp = stub_path(db) + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    // Relative paths: Xapian resolves them against the stub's own directory, so the database
    // can be moved or mounted elsewhere as a whole.
    for (const std::string& name : shards) out << "auto " << name << "\n";
    out.flush();
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), stub_path(db).c_str()) == 0;
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
