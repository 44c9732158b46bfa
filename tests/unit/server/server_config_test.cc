// The server's configuration: core's sections and [server], from one file and SONDHAN_*.
#include <catch2/catch.hpp>

#include <fstream>

#include "sondhan/server/server_config.h"
#include "test_support.h"

using namespace sondhan::server;

TEST_CASE("the shipped config file loads and validates for the server", "[server][config]") {
  auto config = load_server_config((sondhan::testing::source_dir() / "config/sondhan.toml").string());
  REQUIRE(config.is_ok());
  CHECK(config->validate().is_ok());
  CHECK(config->server.port == 8080);
  CHECK(config->core.index.title_weight == 3);
}

TEST_CASE("server keys: unknown keys, wrong types and bad values are errors", "[server][config]") {
  sondhan::testing::TempDir dir;
  auto write = [&](const std::string& text) {
    std::ofstream(dir.str("c.toml")) << text;
    return load_server_config(dir.str("c.toml"));
  };
  CHECK_FALSE(write("[server]\nprot = 1\n").is_ok());
  CHECK_FALSE(write("[server]\nport = \"x\"\n").is_ok());
  CHECK_FALSE(write("[server]\nport = 4294967297\n").is_ok());  // would wrap to port 1
  CHECK(write("[serevr]\n").status().message().find("unknown config section [serevr]") != std::string::npos);
  auto bad_port = write("[server]\nport = 70000\n");
  REQUIRE(bad_port.is_ok());
  CHECK(bad_port->validate().message().find("server.port") != std::string::npos);
  auto bad_core = write("[index]\nthreads = 700\n");
  REQUIRE(bad_core.is_ok());
  CHECK(bad_core->validate().message().find("index.threads") != std::string::npos);
}

TEST_CASE("SONDHAN_SERVER_* environment variables override", "[server][config]") {
  ServerConfig c;
  REQUIRE(apply_server_environment(&c, {{"SONDHAN_SERVER_PORT", "9090"}, {"SONDHAN_DB_PATH", "/x"},
                                        {"SONDHAN_SERVER_CORS_ORIGINS", "https://a.example,https://b.example"}})
              .is_ok());
  CHECK(c.server.port == 9090);
  CHECK(c.core.db_path == "/x");
  CHECK(c.server.cors_origins.size() == 2);
  CHECK_FALSE(apply_server_environment(&c, {{"SONDHAN_SERVER_PORT", "80x"}}).is_ok());
}
