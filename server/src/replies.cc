#include "replies.h"

#include <spdlog/spdlog.h>

#include "sondhan/server/http_server.h"
#include "sondhan/server/json_io.h"

namespace sondhan::server {

void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(error_body(code, message), kJson);
}

void send_status(const httplib::Request& req, httplib::Response& res, const core::Status& s) {
  switch (s.code()) {
    case core::Code::kUnavailable:
    case core::Code::kIncompatible:
      spdlog::warn("{} {}: {}", req.method, loggable(req.path), s.message());
      return send_error(res, 503, core::code_name(s.code()), "the database is not available now");
    case core::Code::kInternal:
      spdlog::error("{} {}: {}", req.method, loggable(req.path), s.message());
      return send_error(res, 500, core::code_name(s.code()), "internal error");
    case core::Code::kBusy:
      res.set_header("Retry-After", "1");
      break;
    default:
      break;
  }
  send_error(res, http_status(s.code()), core::code_name(s.code()), s.message());
}

}  // namespace sondhan::server
