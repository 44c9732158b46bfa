// The [server] keys and their ranges.
#include "sondhan/server/server_config.h"

#include <algorithm>

namespace sondhan::server {

core::ConfigExtension server_config_extension(ServerOptions* o) {
  core::ConfigExtension extension;
  extension.keys = {
      {"server", "host", &o->host},
      {"server", "port", &o->port},
      {"server", "threads", &o->threads},
      {"server", "queue_timeout_ms", &o->queue_timeout_ms},
      {"server", "max_connections", &o->max_connections},
      {"server", "keep_alive_requests", &o->keep_alive_requests},
      {"server", "keep_alive_seconds", &o->keep_alive_seconds},
      {"server", "header_timeout_ms", &o->header_timeout_ms},
      {"server", "body_timeout_ms", &o->body_timeout_ms},
      {"server", "write_timeout_ms", &o->write_timeout_ms},
      {"server", "max_header_bytes", &o->max_header_bytes},
      {"server", "max_headers", &o->max_headers},
      {"server", "cors_origins", &o->cors_origins},
      {"server", "cache_max_age", &o->cache_max_age},
      {"server", "max_body_bytes", &o->max_body_bytes},
      {"server", "write_keys", &o->write_keys},
      {"server", "read_keys", &o->read_keys},
      {"server", "max_pending_writes", &o->max_pending_writes},
      {"server", "log_level", &o->log_level},
      {"server", "access_log", &o->access_log},
  };
  return extension;
}

core::Status ServerConfig::validate() const {
  if (core::Status s = core.validate(); !s.is_ok()) return s;
  const ServerOptions& o = server;
  for (const core::Status& s : {
           core::check_range("server.port", o.port, 0, 65535),
           core::check_range("server.threads", o.threads, 0, 1024),
           core::check_range("server.queue_timeout_ms", o.queue_timeout_ms, 1, 600000),
           core::check_range("server.max_connections", o.max_connections, 1, 100000),
           core::check_range("server.keep_alive_requests", o.keep_alive_requests, 1, 1000000),
           core::check_range("server.keep_alive_seconds", o.keep_alive_seconds, 1, 3600),
           core::check_range("server.header_timeout_ms", o.header_timeout_ms, 100, 600000),
           core::check_range("server.body_timeout_ms", o.body_timeout_ms, 100, 3600000),
           core::check_range("server.write_timeout_ms", o.write_timeout_ms, 100, 600000),
           core::check_range("server.max_header_bytes", o.max_header_bytes, 1024, 1 << 20),
           core::check_range("server.max_headers", o.max_headers, 8, 10000),
           core::check_range("server.cache_max_age", o.cache_max_age, 0, 86400 * 365),
           core::check_range("server.max_body_bytes", o.max_body_bytes, 1024, 1 << 30),
           core::check_range("server.max_pending_writes", o.max_pending_writes, 1, 10000000),
       }) {
    if (!s.is_ok()) return s;
  }
  // A short key can be guessed; keys are sent on every request, so they can be long.
  for (const auto& [name, keys] : {std::pair{"server.write_keys", &o.write_keys}, std::pair{"server.read_keys", &o.read_keys}}) {
    for (const std::string& key : *keys) {
      if (key.size() < 16 || key.size() > 256 ||
          std::any_of(key.begin(), key.end(), [](char c) { return c <= ' ' || c == 0x7f; })) {
        return core::Status::invalid_argument(std::string("config key ") + name +
                                              ": each key must be 16 to 256 visible ASCII characters, without spaces");
      }
    }
  }

  static const std::vector<std::string> kLevels = {"trace", "debug", "info", "warn",
                                                   "error", "critical", "off"};
  if (std::find(kLevels.begin(), kLevels.end(), o.log_level) == kLevels.end()) {
    return core::Status::invalid_argument("config key server.log_level must be one of trace, debug, "
                                          "info, warn, error, critical, off; got '" + o.log_level + "'");
  }
  return core::Status::ok();
}

core::Result<ServerConfig> load_server_config(const std::string& path) {
  ServerConfig config;
  auto loaded = core::load_config(path, server_config_extension(&config.server));
  if (!loaded.is_ok()) return loaded.status();
  config.core = std::move(loaded).value();
  return config;
}

core::Status apply_server_environment(ServerConfig* config, const std::map<std::string, std::string>& env) {
  return core::apply_environment(&config->core, env, server_config_extension(&config->server));
}

}  // namespace sondhan::server
