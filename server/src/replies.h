// How every route answers: JSON bodies, errors as {"error": {"code", "message"}}.
#pragma once

#include <chrono>
#include <string>

#include <httplib.h>

#include "sondhan/core/status.h"

namespace sondhan::server {

// JSON is UTF-8 by definition (RFC 8259); cpp-httplib 0.11 only compresses the bare type.
inline constexpr char kJson[] = "application/json";

/// Milliseconds since `start`, for took_ms and the logs.
inline double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

/// An error answer, never cached.
void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message);

/// The answer for a failed core call. Messages of an unavailable database or an internal error
/// name files and paths: they go to the log, and the client gets a plain sentence.
void send_status(const httplib::Request& req, httplib::Response& res, const core::Status& s);

}  // namespace sondhan::server
