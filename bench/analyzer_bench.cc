// Analyzer throughput in MB/s of Bengali text: the shared corpus when it is beside the
// checkout (../shared/corpus/bn_news.jsonl.gz, read with zcat), else the bundled sample.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "sondhan/analyzers/analyzer.h"

namespace {

std::string load_text() {
  const std::filesystem::path src = SONDHAN_SOURCE_DIR;
  const auto shared = src.parent_path() / "shared/corpus/bn_news.jsonl.gz";
  const std::string cmd = std::filesystem::exists(shared)
                              ? "zcat '" + shared.string() + "'"
                              : "cat '" + (src / "tests/data/sample.jsonl").string() + "'";
  std::string text;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
    pclose(p);
  }
  return text;  // JSON Lines as is: the escapes and keys are a small share of the bytes
}

void BM_Analyze(benchmark::State& state) {
  static const std::string text = load_text();
  const sondhan::analyzers::Analyzer analyzer;
  std::vector<sondhan::analyzers::Token> tokens;
  for (auto _ : state) {
    tokens.clear();
    analyzer.analyze(text, {}, &tokens);
    benchmark::DoNotOptimize(tokens.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(tokens.size());
}
BENCHMARK(BM_Analyze)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
