// The server's configuration: core's (database, index, ranking, search) plus its own [server]
// section, from the same TOML file and SONDHAN_SERVER_* variables.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sondhan/core/config.h"
#include "sondhan/core/status.h"

namespace sondhan::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 0;                 // searches that run at once, each with its own database
                                   //   handle (0: one per CPU core)
  int queue_timeout_ms = 2000;     // a search waits this long for one of them, then gets a 503
  int max_connections = 512;       // open connections (each has a thread); more get a 503
  int keep_alive_requests = 1000;  // requests one connection may make before it is closed
  int keep_alive_seconds = 2;      // an idle connection gives its thread back after this
  int header_timeout_ms = 5000;    // a request's line and headers must arrive within this
  int body_timeout_ms = 30000;     // and its body within this
  int write_timeout_ms = 5000;     // a client that reads nothing for this long is dropped
  int max_header_bytes = 16384;    // request line and headers together
  int max_headers = 100;
  std::vector<std::string> cors_origins = {"*"};
  int cache_max_age = 10;          // seconds; search answers can change with every commit
  int max_body_bytes = 32 << 20;   // a write request's body (a bulk of articles); other
                                   //   requests may not carry one
  // Bearer keys (at least 16 characters each). With none, the server is read-only; with some,
  // it holds the database's write lock and PUT/POST/DELETE /documents need one of them.
  std::vector<std::string> write_keys;
  // With some, searching and reading articles need one of these (or a write key) too.
  std::vector<std::string> read_keys;
  int max_pending_writes = 50000;  // changes accepted and not yet applied; more get a 503
  std::string log_level = "info";
  bool access_log = true;
};

struct ServerConfig {
  core::Config core;
  ServerOptions server;

  /// Checks core's keys and the server's; the message names the bad key.
  core::Status validate() const;
};

/// The [server] keys, for core's loader (they point into *options).
core::ConfigExtension server_config_extension(ServerOptions* options);

/// Reads a TOML file over the defaults: core's sections and [server].
core::Result<ServerConfig> load_server_config(const std::string& path);

/// Applies SONDHAN_* variables from `env` to both.
core::Status apply_server_environment(ServerConfig* config, const std::map<std::string, std::string>& env);

}  // namespace sondhan::server
