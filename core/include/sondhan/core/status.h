// Expected failures as values: core never throws across its API and never knows HTTP.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace sondhan::core {

enum class Code {
  kOk,
  kInvalidArgument,
  kNotFound,
  kUnavailable,  // the database cannot be used now (missing, locked, changed under us)
  kBusy,         // every worker stayed busy; the same request may succeed shortly
  kIncompatible, // the database was built with other terms (manifest.h): rebuild it
  kInternal,
};

/// The name of a code as it appears in logs and error JSON: "invalid_argument"...
const char* code_name(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status invalid_argument(std::string message) { return {Code::kInvalidArgument, std::move(message)}; }
  static Status not_found(std::string message) { return {Code::kNotFound, std::move(message)}; }
  static Status unavailable(std::string message) { return {Code::kUnavailable, std::move(message)}; }
  static Status busy(std::string message) { return {Code::kBusy, std::move(message)}; }
  static Status incompatible(std::string message) { return {Code::kIncompatible, std::move(message)}; }
  static Status internal(std::string message) { return {Code::kInternal, std::move(message)}; }

  bool is_ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string to_string() const;

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

/// A value or the Status saying why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}            // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}    // NOLINT: implicit by design

  bool is_ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace sondhan::core
