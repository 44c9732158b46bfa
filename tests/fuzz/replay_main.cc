// Runs saved fuzz inputs through a fuzz target without libFuzzer, so that the ordinary build and
// test suite replay every seed and every past finding:  <target>_replay DIR_OR_FILE...
// Arguments starting with '-' (libFuzzer flags) are ignored.
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

// The input being run, for the crash message (a signal handler may only read it).
char g_current[4096] = "";

// Names the input that crashed, then dies of the same signal.
void on_fatal_signal(int sig) {
  static const char kPrefix[] = "replay: crashed on input ";
  ssize_t ignored = write(STDERR_FILENO, kPrefix, sizeof kPrefix - 1);
  ignored = write(STDERR_FILENO, g_current, strnlen(g_current, sizeof g_current));
  ignored = write(STDERR_FILENO, "\n", 1);
  (void)ignored;
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

bool read_file(const fs::path& path, std::vector<uint8_t>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

/// The regular files named by `arg`: itself, or the files directly inside it, sorted.
bool collect(const std::string& arg, std::vector<fs::path>* out) {
  std::error_code ec;
  if (fs::is_regular_file(arg, ec)) {
    out->emplace_back(arg);
    return true;
  }
  if (!fs::is_directory(arg, ec)) return false;
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(arg, ec)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  if (ec) return false;
  std::sort(files.begin(), files.end());
  out->insert(out->end(), files.begin(), files.end());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;
    if (!collect(argv[i], &inputs)) {
      std::fprintf(stderr, "replay: %s is neither a file nor a readable directory\n", argv[i]);
      return 2;
    }
  }
  // A replay that ran nothing must not pass as a test.
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no inputs (usage: %s DIR_OR_FILE...)\n", argv[0]);
    return 2;
  }
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, on_fatal_signal);

  size_t bytes = 0;
  std::vector<uint8_t> data;
  for (const fs::path& path : inputs) {
    if (!read_file(path, &data)) {
      std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
      return 2;
    }
    std::snprintf(g_current, sizeof g_current, "%s", path.c_str());
    // An exact-size copy, so that a sanitizer build sees any read past the end.
    std::unique_ptr<uint8_t[]> input(new uint8_t[data.size()]);
    std::copy(data.begin(), data.end(), input.get());
    LLVMFuzzerTestOneInput(input.get(), data.size());
    bytes += data.size();
  }
  std::printf("replay: %zu inputs, %zu bytes, no failure\n", inputs.size(), bytes);
  return 0;
}
