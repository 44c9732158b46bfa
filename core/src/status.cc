// Names of status codes, shared by logs and the server's error JSON.
#include "sondhan/core/status.h"

namespace sondhan::core {

const char* code_name(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kNotFound: return "not_found";
    case Code::kUnavailable: return "unavailable";
    case Code::kBusy: return "busy";
    case Code::kIncompatible: return "incompatible";
    case Code::kInternal: return "internal";
  }
  return "internal";
}

std::string Status::to_string() const {
  return is_ok() ? "ok" : std::string(code_name(code_)) + ": " + message_;
}

}  // namespace sondhan::core
