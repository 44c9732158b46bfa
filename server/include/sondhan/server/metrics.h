// Request counters and a latency histogram, exposed in Prometheus' text format at /metrics.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace sondhan::server {

/// Thread safety: all methods may be called from any thread.
class Metrics {
 public:
  /// Records one finished request. `route` is the route pattern ("/search"), not the raw path,
  /// so that ids and queries do not explode the number of series.
  void record(const std::string& route, int status, double milliseconds);

  /// One item of a write request by its outcome: created, updated, deleted, not_found, error.
  void record_write(const std::string& outcome);
  /// One commit of the writable server's index.
  void record_commit(double seconds, bool ok);

  /// What the write side looks like at scrape time.
  struct WriteGauges {
    size_t pending = 0;              // accepted, not yet applied
    size_t uncommitted = 0;          // applied, not yet searchable
    int64_t last_commit_unix_ms = 0;
  };

  /// The Prometheus exposition text; `documents` is the index size at scrape time; `writes`
  /// only when the server takes writes.
  std::string render(size_t documents, double uptime_seconds, const WriteGauges* writes = nullptr) const;

 private:
  static constexpr std::array<double, 12> kBucketsMs = {0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000};
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, std::array<uint64_t, kBucketsMs.size() + 1>> buckets_;  // +Inf last
  std::map<std::string, double> sum_ms_;
  static constexpr std::array<double, 9> kCommitBucketsS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};
  std::map<std::string, uint64_t> writes_;
  std::array<uint64_t, kCommitBucketsS.size() + 1> commit_buckets_{};  // +Inf last
  double commit_sum_s_ = 0;
  uint64_t commit_failures_ = 0;
};

}  // namespace sondhan::server
