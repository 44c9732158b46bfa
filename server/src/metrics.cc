// Request counters and the latency histogram, rendered in Prometheus text format.
#include "sondhan/server/metrics.h"

#include <iomanip>
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

void Metrics::record_write(const std::string& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  ++writes_[outcome];
}

void Metrics::record_commit(double seconds, bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!ok) ++commit_failures_;
  size_t i = 0;
  while (i < kCommitBucketsS.size() && seconds > kCommitBucketsS[i]) ++i;
  ++commit_buckets_[i];
  commit_sum_s_ += seconds;
}

std::string Metrics::render(size_t documents, double uptime_seconds, const WriteGauges* writes) const {
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
  if (writes) {
    out << "# HELP sondhan_writes_total Items of write requests by outcome.\n"
        << "# TYPE sondhan_writes_total counter\n";
    for (const auto& [outcome, count] : writes_) {
      out << "sondhan_writes_total{outcome=\"" << outcome << "\"} " << count << "\n";
    }
    out << "# HELP sondhan_commit_duration_seconds Commits of written changes.\n"
        << "# TYPE sondhan_commit_duration_seconds histogram\n";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kCommitBucketsS.size(); ++i) {
      cumulative += commit_buckets_[i];
      out << "sondhan_commit_duration_seconds_bucket{le=\"" << kCommitBucketsS[i] << "\"} " << cumulative << "\n";
    }
    cumulative += commit_buckets_[kCommitBucketsS.size()];
    out << "sondhan_commit_duration_seconds_bucket{le=\"+Inf\"} " << cumulative << "\n"
        << "sondhan_commit_duration_seconds_sum " << commit_sum_s_ << "\n"
        << "sondhan_commit_duration_seconds_count " << cumulative << "\n";
    out << "# HELP sondhan_commit_failures_total Commits that failed (writes stop after one).\n"
        << "# TYPE sondhan_commit_failures_total counter\nsondhan_commit_failures_total " << commit_failures_ << "\n";
    out << "# HELP sondhan_write_queue_depth Changes accepted and not yet applied.\n"
        << "# TYPE sondhan_write_queue_depth gauge\nsondhan_write_queue_depth " << writes->pending << "\n";
    out << "# HELP sondhan_uncommitted_changes Changes applied and not yet searchable.\n"
        << "# TYPE sondhan_uncommitted_changes gauge\nsondhan_uncommitted_changes " << writes->uncommitted << "\n";
    out << "# HELP sondhan_last_commit_timestamp_seconds When the last commit ended (Unix time; 0: none yet).\n"
        << "# TYPE sondhan_last_commit_timestamp_seconds gauge\nsondhan_last_commit_timestamp_seconds "
        << std::fixed << std::setprecision(3) << static_cast<double>(writes->last_commit_unix_ms) / 1000.0
        << std::defaultfloat << "\n";
  }
  return out.str();
}

}  // namespace sondhan::server
