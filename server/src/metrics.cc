// Request counters and the latency histogram, rendered in Prometheus text format.
#include "sondhan/server/metrics.h"

#include <sstream>

namespace sondhan::server {

void Metrics::record(const std::string& route, int status, double ms) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, status}];
  auto& b = buckets_[route];
  size_t i = 0;
  while (i < kBucketsMs.size() && ms > kBucketsMs[i]) ++i;
  ++b[i];
  sum_ms_[route] += ms;
}

std::string Metrics::render(size_t documents, double uptime_seconds) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::ostringstream out;
  out << "# HELP sondhan_requests_total HTTP requests by route and status.\n"
      << "# TYPE sondhan_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out << "sondhan_requests_total{route=\"" << key.first << "\",status=\"" << key.second << "\"} "
        << count << "\n";
  }
  out << "# HELP sondhan_request_duration_seconds Request latency by route.\n"
      << "# TYPE sondhan_request_duration_seconds histogram\n";
  for (const auto& [route, b] : buckets_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBucketsMs.size(); ++i) {
      cumulative += b[i];
      out << "sondhan_request_duration_seconds_bucket{route=\"" << route << "\",le=\""
          << kBucketsMs[i] / 1000.0 << "\"} " << cumulative << "\n";
    }
    cumulative += b[kBucketsMs.size()];
    out << "sondhan_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} "
        << cumulative << "\n";
    out << "sondhan_request_duration_seconds_sum{route=\"" << route << "\"} "
        << sum_ms_.at(route) / 1000.0 << "\n";
    out << "sondhan_request_duration_seconds_count{route=\"" << route << "\"} " << cumulative << "\n";
  }
  out << "# HELP sondhan_documents Articles in the index.\n# TYPE sondhan_documents gauge\n"
      << "sondhan_documents " << documents << "\n";
  out << "# HELP sondhan_uptime_seconds Seconds since the server started.\n"
      << "# TYPE sondhan_uptime_seconds gauge\nsondhan_uptime_seconds " << uptime_seconds << "\n";
  return out.str();
}

}  // namespace sondhan::server
