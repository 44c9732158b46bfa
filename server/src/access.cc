#include "access.h"

#include <algorithm>
#include <cctype>

namespace sondhan::server {
namespace {

// The key of "Bearer <key>" (the scheme is case-insensitive, RFC 7235), or "".
std::string_view bearer_key(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return {};
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (static_cast<char>(std::tolower(static_cast<unsigned char>(authorization[i]))) != kScheme[i]) return {};
  }
  std::string_view key = authorization.substr(kScheme.size());
  while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
  while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
  return key;
}

// Every key is compared, so the time does not tell which one (or whether one) matched early.
bool holds_key(const std::vector<std::string>& keys, std::string_view authorization) {
  const std::string_view key = bearer_key(authorization);
  bool found = false;
  for (const std::string& k : keys) found |= constant_time_equal(k, key);
  return found && !key.empty();
}

}  // namespace

bool constant_time_equal(std::string_view a, std::string_view b) {
  const size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= x ^ y;
  }
  return diff == 0;
}

AccessControl::AccessControl(std::vector<std::string> write_keys, std::vector<std::string> read_keys)
    : write_keys_(std::move(write_keys)), read_keys_(std::move(read_keys)) {
  const auto blank = [](const std::string& k) { return k.empty(); };
  write_keys_.erase(std::remove_if(write_keys_.begin(), write_keys_.end(), blank), write_keys_.end());
  read_keys_.erase(std::remove_if(read_keys_.begin(), read_keys_.end(), blank), read_keys_.end());
}

bool AccessControl::may_write(std::string_view authorization) const {
  return holds_key(write_keys_, authorization);
}

bool AccessControl::may_read(std::string_view authorization) const {
  return !reads_private() || holds_key(read_keys_, authorization) || holds_key(write_keys_, authorization);
}

}  // namespace sondhan::server
