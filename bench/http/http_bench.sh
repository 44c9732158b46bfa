#!/usr/bin/env bash
# HTTP load benchmark for sondhan-server: replays the known-item queries of
# bench/relevance/known_item.tsv (highlighting on, limit=10) with wrk, first over 1
# connection (latency of one client), then over 16 (throughput), against a server started
# here on 127.0.0.1 with its default worker threads, access log off and log level warn.
#
#   bench/http/http_bench.sh --db DIR [--port N] [--seconds S] [--out FILE.json]
#
# Needs build/bin/sondhan-server (cmake --build build), wrk, python3 and curl. Prints a table;
# with --out, also writes {"http_1conn": {...}, "http_16conn": {...}} (latencies in ms).
# Exits 1 if any response was not 200 or any socket error occurred.
set -euo pipefail

usage() {
  echo "usage: $0 --db DIR [--port N] [--seconds S] [--out FILE.json]" >&2
  exit 2
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SERVER="$ROOT/build/bin/sondhan-server"
SCRIPT="$ROOT/bench/http/queries.lua"
QUERIES_TSV="$ROOT/bench/relevance/known_item.tsv"
HOST=127.0.0.1

DB="" PORT="" SECONDS_RUN=10 OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --db) [[ $# -ge 2 ]] || usage; DB=$2; shift 2 ;;
    --port) [[ $# -ge 2 ]] || usage; PORT=$2; shift 2 ;;
    --seconds) [[ $# -ge 2 ]] || usage; SECONDS_RUN=$2; shift 2 ;;
    --out) [[ $# -ge 2 ]] || usage; OUT=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "$0: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ -n "$DB" ]] || usage
[[ -d "$DB" ]] || { echo "$0: no database directory '$DB'" >&2; exit 2; }
[[ "$SECONDS_RUN" =~ ^[1-9][0-9]{0,3}$ ]] || { echo "$0: --seconds must be 1-9999" >&2; exit 2; }
if [[ -n "$PORT" ]] && ! [[ "$PORT" =~ ^[0-9]+$ && "$PORT" -ge 1 && "$PORT" -le 65535 ]]; then
  echo "$0: --port must be 1-65535" >&2; exit 2
fi
[[ -x "$SERVER" ]] || { echo "$0: $SERVER not built (cmake --build build)" >&2; exit 2; }
for tool in wrk python3 curl; do
  command -v "$tool" >/dev/null || { echo "$0: $tool not found" >&2; exit 2; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sondhan-http-bench.XXXXXX")
SERVER_PID="" WRK_PID=""
cleanup() {
  local rc=$?
  if [[ -n "$WRK_PID" ]]; then kill -TERM "$WRK_PID" 2>/dev/null || true; wait "$WRK_PID" 2>/dev/null || true; fi
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    # Graceful shutdown finishes in-flight requests; do not wait for ever.
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "$0: sondhan-server did not stop within 5 s; killing it" >&2
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Request paths: one per known-item query, query URL-encoded as UTF-8.
PATHS="$TMP/paths.txt"
python3 - "$QUERIES_TSV" >"$PATHS" <<'EOF'
import sys
from urllib.parse import quote
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        line = line.rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        query = line.split("\t", 1)[0].strip()
        if query:
            print(f"/search?q={quote(query, safe='')}&highlight=true&limit=10")
EOF
[[ -s "$PATHS" ]] || { echo "$0: no queries in $QUERIES_TSV" >&2; exit 1; }

if [[ -z "$PORT" ]]; then
  PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
elif ! python3 -c 'import socket, sys; socket.socket().bind(("127.0.0.1", int(sys.argv[1])))' "$PORT" 2>/dev/null; then
  # Otherwise /health could be answered by whatever already listens there.
  echo "$0: port $PORT is in use on 127.0.0.1" >&2; exit 1
fi
URL="http://$HOST:$PORT"

SONDHAN_SERVER_ACCESS_LOG=false SONDHAN_SERVER_LOG_LEVEL=warn \
  "$SERVER" --db "$DB" --host "$HOST" --port "$PORT" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!

deadline=$((SECONDS + 20))
until curl -sf --max-time 1 "$URL/health" >/dev/null 2>&1; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "$0: sondhan-server exited during start-up:" >&2; cat "$TMP/server.log" >&2; exit 1
  fi
  if [[ $SECONDS -ge $deadline ]]; then
    echo "$0: $URL/health did not answer within 20 s" >&2; cat "$TMP/server.log" >&2; exit 1
  fi
  sleep 0.2
done

export SONDHAN_QUERIES="$PATHS"
# wrk --timeout 10s so that slow answers count in the latency figures rather than as timeouts.
# wrk runs in the background so that a signal to this script is handled at once (bash defers
# traps until a foreground command ends).
run_wrk() {  # threads connections seconds output
  timeout $(($3 + 30)) wrk -t"$1" -c"$2" -d"$3"s --timeout 10s --latency -s "$SCRIPT" "$URL" >"$4" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || { echo "$0: wrk -t$1 -c$2 failed:" >&2; cat "$4" >&2; exit 1; }
  WRK_PID=""
  grep -q '^SONDHAN_JSON ' "$4" || { echo "$0: no SONDHAN_JSON line from wrk:" >&2; cat "$4" >&2; exit 1; }
}

echo "sondhan-server on $URL, db $DB, $(wc -l <"$PATHS") queries, ${SECONDS_RUN}s per run" >&2
run_wrk 1 4 2 "$TMP/warmup.txt"
run_wrk 1 1 "$SECONDS_RUN" "$TMP/c1.txt"
run_wrk 2 16 "$SECONDS_RUN" "$TMP/c16.txt"

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "$0: sondhan-server died during the run:" >&2; cat "$TMP/server.log" >&2; exit 1
fi
if [[ -s "$TMP/server.log" ]]; then
  echo "server log (warnings):" >&2; tail -n 20 "$TMP/server.log" >&2
fi

python3 - "$TMP/c1.txt" "$TMP/c16.txt" "$OUT" <<'EOF'
import json, sys

def result(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("SONDHAN_JSON "):
                return json.loads(line[len("SONDHAN_JSON "):])
    raise SystemExit(f"no SONDHAN_JSON line in {path}")

runs = {"http_1conn": result(sys.argv[1]), "http_16conn": result(sys.argv[2])}
print(f"{'connections':>11} {'requests/s':>11} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'non-200':>8}")
for conns, key in ((1, "http_1conn"), (16, "http_16conn")):
    r, lat = runs[key], runs[key]["latency_ms"]
    print(f"{conns:>11} {r['requests_per_s']:>11.1f} {lat['p50']:>8.2f} {lat['p90']:>8.2f} "
          f"{lat['p99']:>8.2f} {r['non_200']:>8}")
if sys.argv[3]:
    with open(sys.argv[3], "w", encoding="utf-8") as f:
        json.dump(runs, f, indent=2)
        f.write("\n")
bad = [k for k, r in runs.items() if r["non_200"] or any(r["socket_errors"].values())]
if bad:
    for k in bad:
        print(f"{k}: {runs[k]['non_200']} non-200 responses, socket errors {runs[k]['socket_errors']}",
              file=sys.stderr)
    sys.exit(1)
EOF
