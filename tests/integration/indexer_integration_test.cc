// Integration tests of the sondhan-index command: runs the real binary as a subprocess
// (posix_spawn, no shell) and inspects the database it writes through core::Searcher.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include "sondhan/core/config.h"
#include "sondhan/core/index_writer.h"
#include "sondhan/core/database_layout.h"
#include "sondhan/core/searcher.h"
#include "test_support.h"

extern char** environ;

namespace {

using Catch::Matchers::Contains;
using nlohmann::json;
using sondhan::testing::TempDir;
using namespace std::chrono_literals;
namespace core = sondhan::core;

constexpr size_t kSampleCount = 51;

std::string index_binary() { return (sondhan::testing::bin_dir() / "sondhan-index").string(); }

// The environment of the tests minus SONDHAN_* variables, which would override the config.
std::vector<std::string> child_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    if (std::strncmp(*e, "SONDHAN_", 8) != 0) env.emplace_back(*e);
  }
  return env;
}

struct RunResult {
  int exit_code = -1;  // -1 if killed by a signal
  int signal = 0;
  std::string out, err;
};

// One sondhan-index process. stdout and stderr go to files in `dir`; stdin is /dev/null, or a
// pipe the caller writes to (feed()).
class Process {
 public:
  Process(const TempDir& dir, const std::vector<std::string>& args, bool stdin_pipe = false) {
    static int counter = 0;
    const std::string stem = "run-" + std::to_string(++counter);
    out_path_ = dir.str(stem + ".out");
    err_path_ = dir.str(stem + ".err");

    std::vector<std::string> argv_s = {index_binary()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s = child_environment();
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    int pipe_fds[2] = {-1, -1};
    if (stdin_pipe) {
      REQUIRE(pipe2(pipe_fds, O_CLOEXEC) == 0);
      posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], STDIN_FILENO);
    } else {
      posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    }
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (stdin_pipe) {
      close(pipe_fds[0]);
      stdin_fd_ = pipe_fds[1];
    }
    INFO("posix_spawn " << argv[0] << ": " << std::strerror(rc));
    REQUIRE(rc == 0);
  }

  ~Process() {
    close_stdin();
    if (pid_ > 0 && !done_) {
      kill(pid_, SIGKILL);
      int status;
      waitpid(pid_, &status, 0);
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }

  // Writes `data` to the child's standard input and closes it.
  void feed(const std::string& data) {
    REQUIRE(stdin_fd_ >= 0);
    auto old = signal(SIGPIPE, SIG_IGN);  // a child that exits early must not kill the tests
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = write(stdin_fd_, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    signal(SIGPIPE, old);
    close_stdin();
  }

  // True (and the result filled) once the process has exited.
  bool poll(RunResult* result) {
    if (done_) return true;
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == 0) return false;
    REQUIRE(r == pid_);
    done_ = true;
    if (WIFEXITED(status)) result_.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result_.signal = WTERMSIG(status);
    result_.out = sondhan::testing::read_file(out_path_);
    result_.err = sondhan::testing::read_file(err_path_);
    if (result) *result = result_;
    return true;
  }

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  static constexpr std::chrono::seconds kDefaultWait = 900s;  // sanitized builds run ~10x slower
#else
  static constexpr std::chrono::seconds kDefaultWait = 90s;
#endif

  RunResult wait(std::chrono::seconds timeout = kDefaultWait) {
    close_stdin();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    RunResult result;
    while (!poll(&result)) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        FAIL("sondhan-index did not finish within " << timeout.count() << " s");
      }
      std::this_thread::sleep_for(5ms);
    }
    return result;
  }

 private:
  void close_stdin() {
    if (stdin_fd_ >= 0) close(stdin_fd_);
    stdin_fd_ = -1;
  }

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  bool done_ = false;
  RunResult result_;
  std::string out_path_, err_path_;
};

RunResult run_index(const TempDir& dir, const std::vector<std::string>& args) {
  Process p(dir, args);
  RunResult r = p.wait();
  UNSCOPED_INFO("sondhan-index exit " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  return r;
}

RunResult run_index_stdin(const TempDir& dir, const std::vector<std::string>& args, const std::string& input) {
  Process p(dir, args, /*stdin_pipe=*/true);
  p.feed(input);
  RunResult r = p.wait();
  UNSCOPED_INFO("sondhan-index exit " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  return r;
}

json parse_summary(const RunResult& r) {
  json j = json::parse(r.out, nullptr, false);
  INFO("stdout: " << r.out);
  REQUIRE_FALSE(j.is_discarded());
  REQUIRE(j.is_object());
  return j;
}

std::unique_ptr<core::Searcher> open_searcher(const std::string& db) {
  core::Config config;
  config.db_path = db;
  auto s = core::Searcher::open(config);
  INFO(s.status().message());
  REQUIRE(s.is_ok());
  return std::move(s).value();
}

size_t doc_count(const std::string& db) {
  auto searcher = open_searcher(db);
  auto stats = searcher->stats();
  INFO(stats.status().message());
  REQUIRE(stats.is_ok());
  return stats->documents;
}

// The count through a fresh Searcher, or nullopt if the database cannot be opened (yet).
std::optional<size_t> try_doc_count(const std::string& db) {
  core::Config config;
  config.db_path = db;
  auto s = core::Searcher::open(config);
  if (!s.is_ok()) return std::nullopt;
  auto stats = s.value()->stats();
  if (!stats.is_ok()) return std::nullopt;
  return stats->documents;
}

// The stored record of a document lookup, as JSON.
json record_of(const sondhan::core::Result<sondhan::core::StoredArticle>& doc) {
  REQUIRE(doc.is_ok());
  return json::parse(doc->record);
}

bool has_document(const std::string& db, const std::string& id) {
  auto doc = open_searcher(db)->document(id);
  if (!doc.is_ok()) {
    CHECK(doc.status().code() == core::Code::kNotFound);
    return false;
  }
  return true;
}

std::set<std::string> hit_ids(const std::string& db, const std::string& query, size_t limit = 20) {
  core::SearchRequest request;
  request.query = query;
  request.limit = limit;
  auto result = open_searcher(db)->search(request);
  INFO(result.status().message());
  REQUIRE(result.is_ok());
  std::set<std::string> ids;
  for (const auto& hit : result->hits) ids.insert(hit.id);
  return ids;
}

std::vector<std::string> sample_lines() {
  std::vector<std::string> lines;
  std::istringstream in(sondhan::testing::read_file(sondhan::testing::sample_path()));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  REQUIRE(lines.size() == kSampleCount);
  return lines;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  return text;
}

// A sample record with a new id.
std::string renamed(const std::string& line, const std::string& id) {
  json r = json::parse(line);
  r["id"] = id;
  return r.dump();
}

// Indexes the bundled sample into `db` and checks it worked.
void index_sample(const TempDir& dir, const std::string& db) {
  RunResult r = run_index(dir, {"--db", db, "-q", sondhan::testing::sample_path()});
  REQUIRE(r.exit_code == 0);
  REQUIRE(doc_count(db) == kSampleCount);
}

// Lines of `text` that start with `prefix`.
std::vector<std::string> lines_starting_with(const std::string& text, const std::string& prefix) {
  std::vector<std::string> found;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) found.push_back(line);
  }
  return found;
}

}  // namespace

TEST_CASE("sondhan-index indexes the sample file", "[indexer][integration]") {
  TempDir dir;
  const std::string db = dir.str("db");
  RunResult r = run_index(dir, {"--db", db, "-q", sondhan::testing::sample_path()});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("indexed 51"));
  CHECK_THAT(r.out, Contains("added 51"));
  CHECK_THAT(r.out, Contains("updated 0"));
  CHECK_THAT(r.out, Contains("rejected 0"));
  CHECK_THAT(r.out, Contains("51 documents"));
  CHECK(r.err.empty());
  CHECK(doc_count(db) == kSampleCount);

  SECTION("the articles can be searched and fetched") {
    const auto ids = hit_ids(db, "উত্তর কোরিয়া");
    CHECK(ids.count("seed-0001") == 1);
    CHECK(ids.count("sample-002") == 1);
    const auto flies = hit_ids(db, "মাছি");
    CHECK(flies.count("sample-021") == 1);
    CHECK(flies.count("sample-033") == 1);
    auto doc = open_searcher(db)->document("sample-014");
    REQUIRE(doc.is_ok());
    CHECK(record_of(doc)["id"] == "sample-014");
    CHECK(record_of(doc)["url"] == "https://example.com/news/sample-014");
  }

  SECTION("re-indexing the same file updates every article and adds none") {
    RunResult again = run_index(dir, {"--db", db, "-q", "--json", sondhan::testing::sample_path()});
    CHECK(again.exit_code == 0);
    json j = parse_summary(again);
    CHECK(j["added"] == 0);
    CHECK(j["updated"] == 51);
    CHECK(j["indexed"] == 51);
    CHECK(j["rejected"] == 0);
    CHECK(doc_count(db) == kSampleCount);
    CHECK(hit_ids(db, "উত্তর কোরিয়া").count("seed-0001") == 1);

    RunResult third = run_index(dir, {"--db", db, "-q", sondhan::testing::sample_path()});
    CHECK(third.exit_code == 0);
    CHECK_THAT(third.out, Contains("added 0, updated 51"));
    CHECK(doc_count(db) == kSampleCount);
  }
}

TEST_CASE("sondhan-index --json prints a machine-readable summary", "[indexer][integration]") {
  TempDir dir;
  const std::string db = dir.str("db");
  RunResult r = run_index(dir, {"--db", db, "--json", sondhan::testing::sample_path()});
  REQUIRE(r.exit_code == 0);
  json j = parse_summary(r);
  for (const char* key : {"indexed", "added", "updated", "deleted", "rejected", "seconds", "records_per_second"}) {
    INFO("key " << key);
    REQUIRE(j.contains(key));
    CHECK(j[key].is_number());
  }
  CHECK(j["indexed"] == 51);
  CHECK(j["added"] == 51);
  CHECK(j["updated"] == 0);
  CHECK(j["deleted"] == 0);
  CHECK(j["rejected"] == 0);
  CHECK(j["seconds"].get<double>() >= 0);
  CHECK(j["records_per_second"].get<double>() >= 0);
  CHECK(doc_count(db) == kSampleCount);
}

TEST_CASE("sondhan-index reads .jsonl.gz files", "[indexer][integration]") {
  TempDir dir;
  const std::string db = dir.str("db");
  const std::string gz_path = dir.str("sample.jsonl.gz");
  const std::string text = sondhan::testing::read_file(sondhan::testing::sample_path());
  gzFile gz = gzopen(gz_path.c_str(), "wb");
  REQUIRE(gz != nullptr);
  REQUIRE(gzwrite(gz, text.data(), static_cast<unsigned>(text.size())) == static_cast<int>(text.size()));
  REQUIRE(gzclose(gz) == Z_OK);
  REQUIRE(sondhan::testing::read_file(gz_path).substr(0, 2) == "\x1f\x8b");

  RunResult r = run_index(dir, {"--db", db, "-q", "--json", gz_path});
  CHECK(r.exit_code == 0);
  json j = parse_summary(r);
  CHECK(j["added"] == 51);
  CHECK(j["rejected"] == 0);
  CHECK(doc_count(db) == kSampleCount);
  CHECK(hit_ids(db, "মাছি").count("sample-021") == 1);

  SECTION("a truncated .gz file is a failure, and what was read is kept") {
    const std::string whole = sondhan::testing::read_file(gz_path);
    const std::string cut_path = dir.str("cut.jsonl.gz");
    write_text(cut_path, whole.substr(0, whole.size() * 3 / 4));
    const std::string db2 = dir.str("db2");
    RunResult cut = run_index(dir, {"--db", db2, "-q", cut_path});
    CHECK(cut.exit_code == 2);
    CHECK_THAT(cut.err, Contains(cut_path + ":"));
    CHECK(doc_count(db2) < kSampleCount);
  }
}

TEST_CASE("sondhan-index reads standard input given as -", "[indexer][integration]") {
  TempDir dir;
  const std::string db = dir.str("db");
  const std::string text = sondhan::testing::read_file(sondhan::testing::sample_path());
  RunResult r = run_index_stdin(dir, {"--db", db, "-q", "--json", "-"}, text);
  CHECK(r.exit_code == 0);
  json j = parse_summary(r);
  CHECK(j["added"] == 51);
  CHECK(doc_count(db) == kSampleCount);

  SECTION("bad lines on standard input are reported as <stdin>:LINE") {
    RunResult bad = run_index_stdin(dir, {"--db", db, "-q", "-"}, R"({"id": "stdin-1", "title": "ঠিক আছে"})"
                                                             "\nnot json\n");
    CHECK(bad.exit_code == 1);
    CHECK_THAT(bad.err, Contains("<stdin>:2: "));
    CHECK(doc_count(db) == kSampleCount + 1);
  }
}

TEST_CASE("sondhan-index deletes articles", "[indexer][integration]") {
  TempDir dir;
  const std::string db = dir.str("db");
  index_sample(dir, db);

  SECTION("with --delete") {
    RunResult r = run_index(dir, {"--db", db, "-q", "--delete", "sample-001", "--delete", "sample-002"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("deleted 2"));
    CHECK(doc_count(db) == kSampleCount - 2);
    CHECK_FALSE(has_document(db, "sample-001"));
    CHECK_FALSE(has_document(db, "sample-002"));
    CHECK(has_document(db, "sample-003"));
    CHECK(hit_ids(db, "উত্তর কোরিয়া").count("sample-002") == 0);

    SECTION("deleting again, or an unknown id, is not an error") {
      RunResult again = run_index(dir, {"--db", db, "-q", "--json", "--delete", "sample-001,no-such-id"});
      CHECK(again.exit_code == 0);
      json j = parse_summary(again);
      CHECK(j["deleted"] == 0);
      CHECK(j["delete_not_found"] == 2);
      CHECK(j["rejected"] == 0);
      CHECK(doc_count(db) == kSampleCount - 2);
    }
  }

  SECTION("with a deletion record in the input") {
    const std::string input = dir.str("deletes.jsonl");
    write_text(input, R"({"id": "sample-003", "deleted": true})"
                      "\n"
                      R"({"id": "sample-004", "deleted": false, "title": "হালনাগাদ শিরোনাম"})"
                      "\n"
                      R"({"id": "never-indexed", "deleted": true})"
                      "\n");
    RunResult r = run_index(dir, {"--db", db, "-q", "--json", input});
    CHECK(r.exit_code == 0);
    json j = parse_summary(r);
    CHECK(j["deleted"] == 1);
    CHECK(j["updated"] == 1);
    CHECK(j["rejected"] == 0);
    CHECK(doc_count(db) == kSampleCount - 1);
    CHECK_FALSE(has_document(db, "sample-003"));
    auto doc = open_searcher(db)->document("sample-004");
    REQUIRE(doc.is_ok());
    CHECK(record_of(doc)["title"] == "হালনাগাদ শিরোনাম");
  }

  SECTION("an upsert after a deletion of the same id in one input wins") {
    const std::string input = dir.str("order.jsonl");
    write_text(input, R"({"id": "sample-005", "deleted": true})"
                      "\n"
                      R"({"id": "sample-005", "title": "ফিরে এল"})"
                      "\n"
                      R"({"id": "sample-006", "title": "থাকবে না"})"
                      "\n"
                      R"({"id": "sample-006", "deleted": true})"
                      "\n");
    RunResult r = run_index(dir, {"--db", db, "-q", input});
    CHECK(r.exit_code == 0);
    CHECK(has_document(db, "sample-005"));
    CHECK_FALSE(has_document(db, "sample-006"));
    CHECK(doc_count(db) == kSampleCount - 1);
  }
}

TEST_CASE("sondhan-index reports bad lines as FILE:LINE and indexes the rest", "[indexer][integration]") {
  TempDir dir;
  const std::string db = dir.str("db");
  const auto samples = sample_lines();
  const std::string input = dir.str("mixed.jsonl");
  // Line numbers are 1-based; a blank line (7) is skipped but still counted.
  const std::vector<std::string> lines = {
      samples[1],                                                      // 1
      samples[2],                                                      // 2
      "this is not JSON",                                              // 3
      samples[3],                                                      // 4
      R"({"title": "শিরোনাম আছে, আইডি নেই", "body": "লেখা"})",        // 5 missing id
      samples[4],                                                      // 6
      "",                                                              // 7 blank
      R"({"id": "bad-date", "title": "তারিখ ভুল", "date": "13/05/2023"})",  // 8 bad date
      samples[5],                                                      // 9
      "{\"id\": \"bad-utf8\", \"title\": \"\xe0\xa6\x95\xff\"}",       // 10 invalid UTF-8
      samples[6],                                                      // 11
  };
  write_text(input, join_lines(lines));

  RunResult r = run_index(dir, {"--db", db, "-q", "--json", input});
  CHECK(r.exit_code == 1);
  json j = parse_summary(r);
  CHECK(j["rejected"] == 4);
  CHECK(j["added"] == 6);
  CHECK(doc_count(db) == 6);
  for (const char* id : {"sample-001", "sample-002", "sample-003", "sample-004", "sample-005", "sample-006"}) {
    CHECK(has_document(db, id));
  }
  CHECK_FALSE(has_document(db, "bad-date"));
  CHECK_FALSE(has_document(db, "bad-utf8"));

  const auto reported = lines_starting_with(r.err, input + ":");
  CHECK(reported.size() == 4);
  CHECK_THAT(r.err, Contains(input + ":3: ") && Contains("JSON"));
  CHECK_THAT(r.err, Contains(input + ":5: missing id"));
  CHECK_THAT(r.err, Contains(input + ":8: date '13/05/2023'"));
  CHECK_THAT(r.err, Contains(input + ":10: not valid UTF-8"));
  for (const char* good_line : {":1:", ":2:", ":4:", ":6:", ":7:", ":9:", ":11:"}) {
    CHECK_THAT(r.err, !Contains(input + good_line));
  }

  SECTION("the text summary counts the rejected lines too") {
    RunResult text = run_index(dir, {"--db", db, "-q", input});
    CHECK(text.exit_code == 1);
    CHECK_THAT(text.out, Contains("rejected 4"));
    CHECK_THAT(text.out, Contains("updated 6"));
  }
}

// Regression: LineReader::next once measured each gzgets() chunk with strlen, so a NUL byte
// inside a line hid its newline and glued the next line onto it: the following (good) record
// was lost and every later line number was off by one.
TEST_CASE("sondhan-index rejects a line with a NUL byte without losing the next line",
          "[indexer][integration]") {
  TempDir dir;
  const std::string db = dir.str("db");
  const std::string input = dir.str("nul.jsonl");
  std::string text = R"({"id": "n-1", "title": "এক"})"
                     "\n";
  text += std::string(R"({"id": "n-2", "title": "দুই)") + std::string(1, '\0') + R"("})" + "\n";
  text += R"({"id": "n-3", "title": "তিন"})"
          "\n"
          "not json\n";
  write_text(input, text);
  RunResult r = run_index(dir, {"--db", db, "-q", "--json", input});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains(input + ":2: "));
  CHECK_THAT(r.err, Contains(input + ":4: "));
  CHECK(has_document(db, "n-1"));
  CHECK(has_document(db, "n-3"));
  CHECK(doc_count(db) == 2);
}

TEST_CASE("sondhan-index skips a byte order mark at the start of a file", "[indexer][integration]") {
  TempDir dir;
  const std::string db = dir.str("db");
  const std::string input = dir.str("bom.jsonl");
  write_text(input, "\xEF\xBB\xBF" R"({"id": "b-1", "title": "এক"})" "\n" R"({"id": "b-2", "title": "দুই"})" "\n");
  RunResult r = run_index(dir, {"--db", db, "-q", input});
  CHECK(r.exit_code == 0);
  CHECK(doc_count(db) == 2);
}

TEST_CASE("sondhan-index --delete takes one id, so input files after it are still indexed", "[indexer][integration]") {
  TempDir dir;
  const std::string db = dir.str("db");
  REQUIRE(run_index(dir, {"--db", db, "-q", sondhan::testing::sample_path()}).exit_code == 0);
  const std::string input = dir.str("new.jsonl");
  write_text(input, R"({"id": "new-1", "title": "নতুন খবর"})" "\n");
  RunResult r = run_index(dir, {"--db", db, "--delete", "sample-001", input});
  CHECK(r.exit_code == 0);
  CHECK(has_document(db, "new-1"));
  CHECK_FALSE(has_document(db, "sample-001"));
  RunResult missing = run_index(dir, {"--db", db, "--delete", "no-such-id"});
  CHECK_THAT(missing.out, Contains("1 ids to delete were not in the database"));
}

TEST_CASE("sondhan-index --strict writes nothing when a record is bad", "[indexer][integration]") {
  TempDir dir;
  const std::string db = dir.str("db");
  index_sample(dir, db);
  const auto samples = sample_lines();

  // New ids, so anything written would change the count; the bad line comes last.
  std::vector<std::string> lines;
  for (size_t i = 0; i < 20; ++i) lines.push_back(renamed(samples[i], "strict-" + std::to_string(i)));
  lines.push_back(R"({"id": "strict-bad", "title": "t", "date": "2023-02-30"})");
  const std::string input = dir.str("strict.jsonl");
  write_text(input, join_lines(lines));

  SECTION("from a file") {
    RunResult r = run_index(dir, {"--db", db, "-q", "--strict", input});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains(input + ":21: date '2023-02-30'"));
    CHECK_THAT(r.err, Contains("nothing was written"));
    CHECK(doc_count(db) == kSampleCount);
    CHECK_FALSE(has_document(db, "strict-0"));
  }
  SECTION("from standard input") {
    RunResult r = run_index_stdin(dir, {"--db", db, "-q", "--strict", "-"}, join_lines(lines));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("<stdin>:21: "));
    CHECK(doc_count(db) == kSampleCount);
  }
  SECTION("together with --delete, the deletes are not applied either") {
    RunResult r = run_index(dir, {"--db", db, "-q", "--strict", input, "--delete", "sample-001"});
    CHECK(r.exit_code == 2);
    CHECK(doc_count(db) == kSampleCount);
    CHECK(has_document(db, "sample-001"));
  }
  SECTION("a clean input is indexed as usual") {
    lines.pop_back();
    write_text(input, join_lines(lines));
    RunResult r = run_index(dir, {"--db", db, "-q", "--strict", "--json", input});
    CHECK(r.exit_code == 0);
    CHECK(parse_summary(r)["added"] == 20);
    CHECK(doc_count(db) == kSampleCount + 20);

    RunResult piped = run_index_stdin(dir, {"--db", db, "-q", "--strict", "--json", "-"}, join_lines(lines));
    CHECK(piped.exit_code == 0);
    CHECK(parse_summary(piped)["updated"] == 20);
    CHECK(doc_count(db) == kSampleCount + 20);
  }
}

TEST_CASE("sondhan-index fails cleanly on a missing input file", "[indexer][integration]") {
  TempDir dir;
  const std::string db = dir.str("db");
  index_sample(dir, db);
  const std::string missing = dir.str("no-such-file.jsonl");
  RunResult r = run_index(dir, {"--db", db, "-q", missing});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains(missing));
  CHECK(doc_count(db) == kSampleCount);

  RunResult nothing = run_index(dir, {"--db", db, "-q"});
  CHECK(nothing.exit_code == 2);
  CHECK_THAT(nothing.err, Contains("nothing to do"));
}

TEST_CASE("sondhan-index maps input field names with --config", "[indexer][integration]") {
  TempDir dir;
  const std::string db = dir.str("db");
  const std::string config = dir.str("sondhan.toml");
  write_text(config,
             "[fields]\n"
             "title = [\"headline\"]\n"
             "body = [\"content\"]\n");
  // The sample exported under other names.
  std::vector<std::string> lines;
  for (const std::string& line : sample_lines()) {
    json r = json::parse(line);
    r["headline"] = r["title"];
    r["content"] = r["body"];
    r.erase("title");
    r.erase("body");
    lines.push_back(r.dump());
  }
  const std::string input = dir.str("export.jsonl");
  write_text(input, join_lines(lines));

  RunResult r = run_index(dir, {"--config", config, "--db", db, "-q", "--json", input});
  CHECK(r.exit_code == 0);
  CHECK(parse_summary(r)["added"] == 51);
  CHECK(doc_count(db) == kSampleCount);
  const auto ids = hit_ids(db, "উত্তর কোরিয়া");
  CHECK(ids.count("seed-0001") == 1);
  CHECK(ids.count("sample-002") == 1);
  auto doc = open_searcher(db)->document("sample-021");
  REQUIRE(doc.is_ok());
  CHECK(record_of(doc).contains("title"));
  CHECK(record_of(doc).contains("body"));
  CHECK_FALSE(record_of(doc).contains("headline"));
  CHECK_FALSE(record_of(doc).contains("content"));
  CHECK(record_of(doc)["title"] == json::parse(lines[21])["headline"]);

  SECTION("without the mapping the export has neither title nor body") {
    const std::string db2 = dir.str("db2");
    RunResult plain = run_index(dir, {"--db", db2, "-q", "--json", input});
    CHECK(plain.exit_code == 1);
    CHECK(parse_summary(plain)["rejected"] == 51);
    CHECK_THAT(plain.err, Contains(input + ":1: needs a title or a body"));
  }
  SECTION("a config with an unknown field is refused") {
    const std::string bad = dir.str("bad.toml");
    write_text(bad, "[fields]\nheadline = [\"title\"]\n");
    RunResult refused = run_index(dir, {"--config", bad, "--db", dir.str("db3"), "-q", input});
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.err, Contains("headline"));
  }
}

TEST_CASE("sondhan-index refuses a second writer", "[indexer][integration]") {
  TempDir dir;
  const std::string db = dir.str("db");
  index_sample(dir, db);
  {
    auto writer = core::IndexWriter::open(db, core::IndexOptions{});
    INFO(writer.status().message());
    REQUIRE(writer.is_ok());
    RunResult r = run_index(dir, {"--db", db, "-q", sondhan::testing::sample_path()});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("locked"));
    CHECK_THAT(r.err, Contains(db));
    RunResult del = run_index(dir, {"--db", db, "-q", "--delete", "sample-001"});
    CHECK(del.exit_code == 2);
    CHECK_THAT(del.err, Contains("locked"));
  }
  // Once the lock is released, writing works again.
  RunResult r = run_index(dir, {"--db", db, "-q", "--delete", "sample-001"});
  CHECK(r.exit_code == 0);
  CHECK(doc_count(db) == kSampleCount - 1);
}

TEST_CASE("sondhan-index killed with SIGKILL leaves a consistent database", "[indexer][integration][slow]") {
  TempDir dir;
  const std::string db = dir.str("db");
  const std::string input = dir.str("big.jsonl");
  const auto samples = sample_lines();
  std::vector<json> records;
  for (const auto& l : samples) records.push_back(json::parse(l));
  constexpr int kCommitEvery = 2000;

  size_t total = 30000;
  size_t seen = 0;  // a committed count observed while the indexer ran
  bool killed = false;
  for (int attempt = 0; attempt < 3 && !killed; ++attempt) {
    if (attempt > 0) total *= 2;
    std::filesystem::remove_all(db);
    {
      std::ofstream out(input, std::ios::binary | std::ios::trunc);
      for (size_t i = 0; i < total; ++i) {
        json r = records[i % records.size()];
        r["id"] = "synthetic-" + std::to_string(i);
        r["title"] = r["title"].get<std::string>() + " " + std::to_string(i / records.size());
        out << r.dump() << '\n';
      }
      REQUIRE(out.good());
    }
    Process p(dir, {"--db", db, "-q", "--commit-every", std::to_string(kCommitEvery), input});
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    RunResult finished;
    bool exited = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (p.poll(&finished)) {
        exited = true;
        break;
      }
      if (auto n = try_doc_count(db); n && *n > 0) {
        seen = *n;
        REQUIRE(kill(p.pid(), SIGKILL) == 0);
        p.poll(nullptr);  // may not have exited yet: wait() below reaps it
        killed = true;
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
    if (killed) {
      RunResult r = p.wait();
      CHECK(r.signal == SIGKILL);
    } else {
      REQUIRE(exited);  // too fast to catch: try a larger input
      WARN("sondhan-index finished " << total << " articles before it could be killed; retrying larger");
    }
  }
  REQUIRE(killed);

  // The database opens at its last commit. A new database is written in shards (each article
  // goes to the shard its id hashes to) that commit every kCommitEvery input records; Xapian has
  // no commit across shards, so a kill can fall between two shards' commits. What must hold:
  // each shard holds exactly the first articles routed to it, up to one of its commits.
  const size_t committed = doc_count(db);
  INFO("observed " << seen << ", committed " << committed << " of " << total);
  CHECK(committed >= seen);
  CHECK(committed < total);
  const auto shards = sondhan::core::layout::read_stub(db);
  REQUIRE(shards.size() >= 1);
  size_t in_shards = 0;
  for (size_t s = 0; s < shards.size(); ++s) {
    auto shard = open_searcher(db + "/" + shards[s]);
    size_t held = 0;
    bool gap = false;      // an article of this shard missing, with a later one present
    bool missing = false;
    for (size_t i = 0; i < total; ++i) {
      const std::string id = "synthetic-" + std::to_string(i);
      if (sondhan::core::layout::shard_of(id, shards.size()) != s) continue;
      const bool present = shard->document(id).is_ok();
      if (present && missing) gap = true;
      if (!present) missing = true;
      held += present;
    }
    INFO("shard " << shards[s] << " holds " << held);
    CHECK_FALSE(gap);
    in_shards += held;
  }
  CHECK(in_shards == committed);

  // A re-run completes the job: every upsert is idempotent.
  RunResult r = run_index(dir, {"--db", db, "-q", "--json", "--commit-every", std::to_string(kCommitEvery), input});
  CHECK(r.exit_code == 0);
  json j = parse_summary(r);
  CHECK(j["indexed"] == total);
  CHECK(j["updated"] == committed);
  CHECK(j["added"] == total - committed);
  CHECK(doc_count(db) == total);
  CHECK(has_document(db, "synthetic-" + std::to_string(total - 1)));
}

TEST_CASE("sondhan-index rejects a record over index.max_record_bytes by its line number", "[indexer][integration]") {
  TempDir dir;
  const std::string db = dir.str("db");
  const auto samples = sample_lines();
  const std::string input = dir.str("big-record.jsonl");
  // A 3 MB record between two good ones: over the default 1 MiB limit.
  const std::string huge = R"({"id": "huge", "title": "বড়", "body": ")" + std::string(3 << 20, 'x') + "\"}";
  write_text(input, join_lines({samples[1], huge, samples[2]}));
  RunResult r = run_index(dir, {"--db", db, "-q", "--json", input});
  CHECK(r.exit_code == 1);
  json j = parse_summary(r);
  CHECK(j["rejected"] == 1);
  CHECK(j["added"] == 2);
  CHECK_FALSE(has_document(db, "huge"));
  CHECK(has_document(db, "sample-002"));
  CHECK_THAT(r.err, Contains(input + ":2: record is longer than 1048576 bytes"));

  SECTION("the limit is a setting") {
    const std::string config = dir.str("big.toml");
    write_text(config, "[index]\nmax_record_bytes = 4194304\n");
    RunResult bigger = run_index(dir, {"--db", db, "-q", "--json", "--config", config, input});
    CHECK(bigger.exit_code == 0);
    CHECK(has_document(db, "huge"));
  }
  SECTION("--strict stops at it") {
    RunResult strict = run_index(dir, {"--db", dir.str("strict-db"), "-q", "--strict", input});
    CHECK(strict.exit_code == 2);
    CHECK_THAT(strict.err, Contains(input + ":2: record is longer"));
  }
}

TEST_CASE("sondhan-index refuses a database built differently, and --rebuild makes it anew", "[indexer][integration]") {
  TempDir dir;
  const std::string db = dir.str("db");
  index_sample(dir, db);
  const std::string config = dir.str("prefix.toml");
  write_text(config, "[index]\nprefix_letters = 3\n");
  const std::string input = dir.str("three.jsonl");
  const auto samples = sample_lines();
  write_text(input, join_lines({samples[1], samples[2], samples[3]}));

  RunResult refused = run_index(dir, {"--db", db, "-q", "--config", config, input});
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Contains("index.prefix_letters is 0 in the database, 3 here"));
  CHECK_THAT(refused.err, Contains("--rebuild"));
  CHECK(doc_count(db) == kSampleCount);

  RunResult rebuilt = run_index(dir, {"--db", db, "-q", "--json", "--rebuild", "--config", config, input});
  CHECK(rebuilt.exit_code == 0);
  CHECK(parse_summary(rebuilt)["documents"] == 3);
  sondhan::core::Config with_prefix;
  with_prefix.db_path = db;
  with_prefix.index.prefix_letters = 3;
  auto searcher = sondhan::core::Searcher::open(with_prefix);
  REQUIRE(searcher.is_ok());
  CHECK(searcher.value()->stats()->documents == 3);

  RunResult bad = run_index(dir, {"--db", db, "-q", "--rebuild", "--delete", "x"});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Contains("--rebuild"));
}
