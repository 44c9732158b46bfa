#include <catch2/catch.hpp>

#include <fstream>

#include "sondhan/core/config.h"
#include "test_support.h"

using namespace sondhan::core;

// The shared file's [server] section belongs to the server (server_config_test.cc).
const ConfigExtension kNotServer = {.keys = {}, .other_sections = {"server"}};

TEST_CASE("the shipped config file loads and validates", "[core][config]") {
  auto config = load_config((sondhan::testing::source_dir() / "config/sondhan.toml").string(), kNotServer);
  REQUIRE(config.is_ok());
  CHECK(config->validate().is_ok());
  CHECK(config->index.title_weight == 3);
  CHECK(config->index.positions == Config{}.index.positions);  // the file says the default
}

TEST_CASE("unknown keys, wrong types and bad values are errors", "[core][config]") {
  sondhan::testing::TempDir dir;
  auto write = [&](const std::string& text) {
    std::ofstream(dir.str("c.toml")) << text;
    return load_config(dir.str("c.toml"));
  };
  CHECK_FALSE(write("[index]\ntitle_wieght = 1\n").is_ok());
  CHECK_FALSE(write("[index]\nthreads = \"x\"\n").is_ok());
  CHECK_FALSE(write("[fields]\nheadline = [\"t\"]\n").is_ok());
  CHECK_FALSE(write("[server]\nport = 1\n").is_ok());  // not core's section, unless left to another program
  auto bad = write("[index]\nthreads = 700\n");
  REQUIRE(bad.is_ok());
  CHECK(bad->validate().message().find("index.threads") != std::string::npos);
  for (const char* positions : {"auto", "table", "compact"}) {
    CHECK(write(std::string("[index]\npositions = \"") + positions + "\"\n")->validate().is_ok());
  }
  auto elsewhere = write("[index]\npositions = \"disk\"\n");
  REQUIRE(elsewhere.is_ok());
  CHECK(elsewhere->validate().message() == "config key index.positions must be auto, table or compact; got 'disk'");
  auto mapped = write("[fields]\ntitle = [\"headline\", \"title\"]\n");
  REQUIRE(mapped.is_ok());
  CHECK(mapped->fields.names.at("title").front() == "headline");
}

TEST_CASE("SONDHAN_* environment variables override", "[core][config]") {
  Config c;
  REQUIRE(apply_environment(&c, {{"SONDHAN_INDEX_THREADS", "3"}, {"SONDHAN_DB_PATH", "/x"},
                                 {"SONDHAN_SERVER_PORT", "9090"}})  // another program's: ignored
              .is_ok());
  CHECK(c.index.threads == 3);
  CHECK(c.db_path == "/x");
  CHECK_FALSE(apply_environment(&c, {{"SONDHAN_INDEX_THREADS", "3x"}}).is_ok());
}

TEST_CASE("synonym groups: from TOML or the environment, two words or more each", "[core][config]") {
  sondhan::testing::TempDir dir;
  std::ofstream(dir.str("c.toml")) << "[ranking]\nsynonyms = [\"টিকা ভ্যাকসিন\", \"আমফান  আম্পান আম্ফান\"]\n";
  auto loaded = load_config(dir.str("c.toml"));
  REQUIRE(loaded.is_ok());
  CHECK(loaded->ranking.synonyms.size() == 2);
  CHECK(loaded->validate().is_ok());
  Config c;
  REQUIRE(apply_environment(&c, {{"SONDHAN_RANKING_SYNONYMS", "টিকা ভ্যাকসিন,করোনা কোভিড"}}).is_ok());
  CHECK(c.ranking.synonyms == std::vector<std::string>{"টিকা ভ্যাকসিন", "করোনা কোভিড"});
  c.ranking.synonyms.push_back(" টিকা ");
  const Status lone = c.validate();
  CHECK(lone.message().find("ranking.synonyms") != std::string::npos);
  CHECK(lone.message().find("two or more words") != std::string::npos);
  CHECK(split_words("  টিকা\tভ্যাকসিন  ") == std::vector<std::string>{"টিকা", "ভ্যাকসিন"});
}

TEST_CASE("config: out-of-range integers and unknown sections are errors", "[core][config]") {
  sondhan::testing::TempDir dir;
  auto write = [&](const std::string& text) {
    std::ofstream(dir.str("c.toml")) << text;
    return load_config(dir.str("c.toml"));
  };
  CHECK_FALSE(write("[index]\nthreads = 4294967298\n").is_ok());  // would wrap to 2
  CHECK(write("[serevr]\n").status().message().find("unknown config section [serevr]") != std::string::npos);
  auto low = write("[index]\ncommit_every = 0\n");
  REQUIRE(low.is_ok());
  CHECK(low->validate().message() == "config key index.commit_every = 0 is outside [1, 1e+07]");
}
