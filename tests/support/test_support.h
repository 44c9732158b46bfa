// Helpers shared by tests: temporary directories, paths to bundled and shared data.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace sondhan::testing {

/// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sondhan-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str(const std::string& child = "") const { return (path_ / child).string(); }

 private:
  std::filesystem::path path_;
};

/// The repository's source directory (set by CMake).
inline std::filesystem::path source_dir() { return SONDHAN_SOURCE_DIR; }

/// build/bin, where the executables are.
inline std::filesystem::path bin_dir() { return SONDHAN_BIN_DIR; }

/// The bundled sample articles (tests/data/sample.jsonl).
inline std::string sample_path() { return (source_dir() / "tests/data/sample.jsonl").string(); }

/// ../shared/corpus/bn_news.jsonl.gz beside the checkout, if present (tests that need it skip
/// themselves when it is not).
inline std::optional<std::string> shared_corpus_path() {
  auto p = source_dir().parent_path() / "shared/corpus/bn_news.jsonl.gz";
  if (std::filesystem::exists(p)) return p.string();
  return std::nullopt;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace sondhan::testing
