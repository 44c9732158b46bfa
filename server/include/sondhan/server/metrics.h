// Request counters and a latency histogram, exposed in Prometheus' text format at /metrics.
#pragma once

#include <array>
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

  /// The Prometheus exposition text; `documents` is the index size at scrape time.
  std::string render(size_t documents, double uptime_seconds) const;

 private:
  static constexpr std::array<double, 12> kBucketsMs = {0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000};
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, std::array<uint64_t, kBucketsMs.size() + 1>> buckets_;  // +Inf last
  std::map<std::string, double> sum_ms_;
};

}  // namespace sondhan::server
