// Who may do what: Bearer keys for writes (server.write_keys) and, optionally, for reads
// (server.read_keys). A write key also reads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sondhan::server {

class AccessControl {
 public:
  AccessControl(std::vector<std::string> write_keys, std::vector<std::string> read_keys);

  bool writes_enabled() const { return !write_keys_.empty(); }
  bool reads_private() const { return !read_keys_.empty(); }

  /// Whether an Authorization header value ("Bearer <key>") holds a write key / a read key.
  bool may_write(std::string_view authorization) const;
  bool may_read(std::string_view authorization) const;

 private:
  std::vector<std::string> write_keys_;
  std::vector<std::string> read_keys_;
};

/// Compares in time that depends only on the lengths, not on where the first difference is.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace sondhan::server
