#!/usr/bin/env bash
# Every figure sondhan claims, in one command, on the shared corpus:
#   bench/run.sh [--corpus FILE.jsonl.gz] [--out FILE.json] [--seconds N]   (paths relative to the checkout)
# Builds in Release, indexes the corpus into a temporary database, then measures the analyzer
# (MB/s), in-process queries (p50/p99), HTTP (p50/p99 at 1 connection, requests/s at 16),
# suggestions as typed (/suggest p50/p99 at 1 connection, bench/http/suggest_bench.sh), writes
# over HTTP (bench/write/write_bench.py) and
# relevance (MRR@10, Success@1/@10, no-result share, nDCG@10), then the same relevance figures for
# the peers (bench/relevance/peers.sh). Prints two tables and writes JSON.
# Figures are for reading: nothing here passes or fails on time.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus="../shared/corpus/bn_news.jsonl.gz"
out="bench-results.json"
seconds=10
usage() { echo "usage: $0 [--corpus FILE] [--out FILE.json] [--seconds N]" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  [[ $# -ge 2 ]] || usage  # every option takes a value
  case "$1" in
    --corpus) corpus="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[[ -f "$corpus" ]] || { echo "$0: corpus $corpus not found" >&2; exit 2; }

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target sondhan-index sondhan-server relevance_eval analyzer_bench peer_plain_xapian >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "indexing $corpus ..." >&2
build/bin/sondhan-index -q --json --db "$tmp/db" "$corpus" >"$tmp/index.json"
du -sb "$tmp/db" | cut -f1 >"$tmp/db_bytes"

echo "analyzer throughput ..." >&2
build/bin/analyzer_bench --benchmark_format=json >"$tmp/analyzer.json" 2>/dev/null

echo "relevance and in-process latency ..." >&2
build/bin/relevance_eval --db "$tmp/db" --json "$tmp/relevance.json" >/dev/null

echo "HTTP load (${seconds}s per run) ..." >&2
bench/http/http_bench.sh --db "$tmp/db" --seconds "$seconds" --out "$tmp/http.json" >/dev/null

echo "suggestions over HTTP (${seconds}s) ..." >&2
bench/http/suggest_bench.sh --db "$tmp/db" --seconds "$seconds" --out "$tmp/suggest.json" >/dev/null

echo "writes over HTTP (bulk ingest, search with writes, publish-to-visible) ..." >&2
python3 bench/write/write_bench.py --corpus "$corpus" --seconds "$seconds" --out "$tmp/write.json" >/dev/null

python3 - "$tmp" "$out" <<'PY'
import json, sys, os
tmp, out = sys.argv[1], sys.argv[2]
load = lambda name: json.load(open(os.path.join(tmp, name)))
index, rel, http = load("index.json"), load("relevance.json"), load("http.json")
suggest = load("suggest.json")["suggest_1conn"]
write = load("write.json")
analyzer = load("analyzer.json")["benchmarks"][0]
db_bytes = int(open(os.path.join(tmp, "db_bytes")).read())
r = {
    "index_docs": index["indexed"],
    "index_docs_per_s": round(index["records_per_second"], 1),
    "index_seconds": round(index["seconds"], 2),
    "db_mb": round(db_bytes / 1e6, 1),
    "analyzer_mb_per_s": round(analyzer["bytes_per_second"] / 1e6, 1),
    "query_p50_ms": round(rel["query_p50_ms"], 2),
    "query_p99_ms": round(rel["query_p99_ms"], 2),
    "http_1conn_p50_ms": http["http_1conn"]["latency_ms"]["p50"],
    "http_1conn_p99_ms": http["http_1conn"]["latency_ms"]["p99"],
    "http_16conn_requests_per_s": round(http["http_16conn"]["requests_per_s"], 1),
    "suggest_1conn_p50_ms": suggest["latency_ms"]["p50"],
    "suggest_1conn_p99_ms": suggest["latency_ms"]["p99"],
    "suggest_server_cpu_ms": suggest["server_cpu_ms_per_request"],
    "suggest_server_within_1ms": suggest.get("server_within_1ms"),
    "write_bulk100_per_s": write["http_bulk_100"]["articles_per_s"],
    "write_bulk1000_per_s": write["http_bulk_1000"]["articles_per_s"],
    "write_cli_per_s": write["cli"]["articles_per_s"],
    "search_idle_p50_ms": write["search_idle"]["p50_ms"],
    "search_idle_p99_ms": write["search_idle"]["p99_ms"],
    "search_with_writes_p50_ms": write["search_with_writes"]["p50_ms"],
    "search_with_writes_p99_ms": write["search_with_writes"]["p99_ms"],
    "publish_to_visible_p50_ms": write["publish_to_visible"]["p50_ms"],
    "publish_to_visible_p99_ms": write["publish_to_visible"]["p99_ms"],
    "mrr10": round(rel["mrr10"], 3),
    "success1": round(rel["success1"], 3),
    "success10": round(rel["success10"], 3),
    "no_result": round(rel["no_result"], 3),
    "ndcg10": round(rel["ndcg10"], 3),
    "known_item_queries": rel["known_item_queries"],
    "topical_queries": rel["topical_queries"],
}
rows = [
    ("indexing", f'{r["index_docs_per_s"]} articles/s ({r["index_docs"]} in {r["index_seconds"]} s)'),
    ("database size", f'{r["db_mb"]} MB'),
    ("analyzer", f'{r["analyzer_mb_per_s"]} MB/s'),
    ("query, in-process", f'p50 {r["query_p50_ms"]} ms, p99 {r["query_p99_ms"]} ms'),
    ("HTTP, 1 connection", f'p50 {r["http_1conn_p50_ms"]:.2f} ms, p99 {r["http_1conn_p99_ms"]:.2f} ms'),
    ("HTTP, 16 connections", f'{r["http_16conn_requests_per_s"]} requests/s'),
    ("suggestions, HTTP, 1 conn.", f'p50 {r["suggest_1conn_p50_ms"]:.2f} ms, p99 {r["suggest_1conn_p99_ms"]:.2f} ms '
                                   f'(in the server: {100 * (r["suggest_server_within_1ms"] or 0):.2f}% within 1 ms, '
                                   f'CPU {r["suggest_server_cpu_ms"]:.3f} ms each)'),
    ("HTTP bulk ingest", f'{r["write_bulk100_per_s"]} / {r["write_bulk1000_per_s"]} articles/s in bulks of 100 / 1000 '
                         f'(CLI {r["write_cli_per_s"]}/s in the same run)'),
    ("search, 16 conn., writes", f'p50/p99 {r["search_idle_p50_ms"]}/{r["search_idle_p99_ms"]} ms idle, '
                                 f'{r["search_with_writes_p50_ms"]}/{r["search_with_writes_p99_ms"]} ms with writes'),
    ("publish-to-visible", f'p50 {r["publish_to_visible_p50_ms"]} ms, p99 {r["publish_to_visible_p99_ms"]} ms'),
    ("known-item MRR@10", f'{r["mrr10"]} ({r["known_item_queries"]} queries)'),
    ("Success@1 / @10", f'{r["success1"]} / {r["success10"]}'),
    ("queries without result", f'{r["no_result"]}'),
    ("topical nDCG@10", f'{r["ndcg10"]} ({r["topical_queries"]} topics)'),
]
width = max(len(k) for k, _ in rows)
for k, v in rows:
    print(f"{k:<{width}}  {v}")
json.dump(r, open(out, "w"), indent=2)
print(f"\n(JSON in {out})")
PY

echo >&2
echo "relevance against the peers ..." >&2
bench/relevance/peers.sh --corpus "$corpus" --db "$tmp/db" --workdir "$tmp/peers" --json "${out%.json}-peers.json"
