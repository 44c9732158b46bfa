// sondhan-server: serves a sondhan database over HTTP. Settings: config file, then SONDHAN_*
// environment variables, then flags; validated once at start.
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "sondhan/core/config.h"
#include "sondhan/server/server_config.h"
#include "sondhan/core/searcher.h"
#include "sondhan/server/http_server.h"

int main(int argc, char** argv) {
  using namespace sondhan;
  CLI::App app{"Serves Bengali news search over HTTP/JSON."};
  std::string config_path, db_path, host;
  int port = -1, threads = 0;
  app.add_option("--config", config_path, "TOML configuration file")->check(CLI::ExistingFile);
  app.add_option("--db", db_path, "database directory");
  app.add_option("--host", host, "address to listen on");
  app.add_option("--port", port, "port to listen on (0: any free port)")->check(CLI::Range(0, 65535));
  app.add_option("--threads", threads, "worker threads")->check(CLI::Range(1, 1024));
  CLI11_PARSE(app, argc, argv);

  server::ServerConfig config;
  if (!config_path.empty()) {
    auto loaded = server::load_server_config(config_path);
    if (!loaded.is_ok()) {
      std::cerr << "sondhan-server: " << loaded.status().message() << "\n";
      return 2;
    }
    config = loaded.value();
  }
  if (core::Status s = server::apply_server_environment(&config, core::process_environment()); !s.is_ok()) {
    std::cerr << "sondhan-server: " << s.message() << "\n";
    return 2;
  }
  if (!db_path.empty()) config.core.db_path = db_path;
  if (!host.empty()) config.server.host = host;
  if (port >= 0) config.server.port = port;
  if (threads > 0) config.server.threads = threads;
  if (core::Status s = config.validate(); !s.is_ok()) {
    std::cerr << "sondhan-server: " << s.message() << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config.server.log_level));

  // Block SIGINT/SIGTERM in every thread; one thread waits for them and stops the server, so
  // that in-flight requests finish (graceful shutdown).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  server::HttpServer http(config);
  if (core::Status s = http.bind(); !s.is_ok()) {
    spdlog::critical("{}", s.message());
    return 2;
  }
  size_t documents = 0;
  if (auto searcher = core::Searcher::open(config.core); searcher.is_ok()) {
    if (auto stats = searcher.value()->stats(); stats.is_ok()) documents = stats->documents;
  } else if (searcher.status().code() == core::Code::kIncompatible) {
    // Searching it would look for terms it does not have: refuse, and say how to rebuild.
    spdlog::critical("{}", searcher.status().message());
    return 2;
  } else {
    spdlog::warn("{} (searches answer 503 until it can be opened)", searcher.status().message());
  }
  spdlog::info("sondhan-server listening on http://{}:{}, {} searches at once; database {} ({} articles)",
               config.server.host, http.port(), http.search_threads(), config.core.db_path, documents);

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("signal {}: shutting down", sig);
    http.stop();
  });
  http.serve();
  // serve() also returns if the listening socket fails; wake the waiter in that case.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  spdlog::info("stopped");
  return 0;
}
