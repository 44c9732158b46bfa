#!/usr/bin/env bash
# Suggestion round trips over HTTP, as the search page makes them while someone types: every
# prefix of every query in bench/relevance/*.tsv, one more character (code point) at a time,
# except those ending in a space (the page asks nothing then), as GET /suggest?q=...&limit=8.
# wrk replays them in typing order over 1 connection against a server started here on
# 127.0.0.1 (default worker threads, access log off, log level warn); the target is p99 <= 10 ms.
#
#   bench/http/suggest_bench.sh --db DIR [--port N] [--seconds S] [--out FILE.json] [--bin DIR]
#
# --bin names the directory holding sondhan-server (default build/bin). Needs wrk, python3 and
# curl. Prints the round trips' latencies, then what the server itself spent (the share of
# requests it answered within 1 and 10 ms, from its /metrics, and its CPU time per request),
# which tells the route's cost from waits for a busy machine's CPU; with --out, also writes
# {"suggest_1conn": {...}} (in ms).
# Exits 1 if any response was not 200 or any socket error occurred.
set -euo pipefail

usage() {
  echo "usage: $0 --db DIR [--port N] [--seconds S] [--out FILE.json] [--bin DIR]" >&2
  exit 2
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN="$ROOT/build/bin"
SCRIPT="$ROOT/bench/http/queries.lua"
HOST=127.0.0.1

DB="" PORT="" SECONDS_RUN=10 OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --db) [[ $# -ge 2 ]] || usage; DB=$2; shift 2 ;;
    --port) [[ $# -ge 2 ]] || usage; PORT=$2; shift 2 ;;
    --seconds) [[ $# -ge 2 ]] || usage; SECONDS_RUN=$2; shift 2 ;;
    --out) [[ $# -ge 2 ]] || usage; OUT=$2; shift 2 ;;
    --bin) [[ $# -ge 2 ]] || usage; BIN=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "$0: unknown argument '$1'" >&2; usage ;;
  esac
done
SERVER="$BIN/sondhan-server"
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

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sondhan-suggest-bench.XXXXXX")
SERVER_PID="" WRK_PID=""
cleanup() {
  local rc=$?
  if [[ -n "$WRK_PID" ]]; then kill -TERM "$WRK_PID" 2>/dev/null || true; wait "$WRK_PID" 2>/dev/null || true; fi
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
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

# The keystroke stream: the queries of the known-item sets (first column) and of the topical set
# (Q lines), each typed out one code point at a time.
PATHS="$TMP/paths.txt"
python3 - "$ROOT"/bench/relevance/*.tsv >"$PATHS" <<'EOF'
import sys
from urllib.parse import quote
for name in sys.argv[1:]:
    with open(name, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if cols[0] == "J":
                continue
            query = (cols[2] if cols[0] == "Q" and len(cols) > 2 else cols[0]).strip()
            for i in range(1, len(query) + 1):
                typed = query[:i]
                if not typed[-1].isspace():
                    print(f"/suggest?q={quote(typed, safe='')}&limit=8")
EOF
[[ -s "$PATHS" ]] || { echo "$0: no queries in bench/relevance/*.tsv" >&2; exit 1; }

if [[ -z "$PORT" ]]; then
  PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
elif ! python3 -c 'import socket, sys; socket.socket().bind(("127.0.0.1", int(sys.argv[1])))' "$PORT" 2>/dev/null; then
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
run_wrk() {  # seconds output
  timeout $(($1 + 30)) wrk -t1 -c1 -d"$1"s --timeout 10s --latency -s "$SCRIPT" "$URL" >"$2" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || { echo "$0: wrk failed:" >&2; cat "$2" >&2; exit 1; }
  WRK_PID=""
  grep -q '^SONDHAN_JSON ' "$2" || { echo "$0: no SONDHAN_JSON line from wrk:" >&2; cat "$2" >&2; exit 1; }
}

# The server's CPU time (user + system, clock ticks) over the measured run: its cost per request
# does not depend on what else the machine is doing, unlike the latencies.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }

echo "sondhan-server on $URL, db $DB, $(wc -l <"$PATHS") keystrokes, ${SECONDS_RUN}s" >&2
run_wrk 2 "$TMP/warmup.txt"
ticks_before=$(cpu_ticks)
curl -sf "$URL/metrics" >"$TMP/metrics_before.txt"
run_wrk "$SECONDS_RUN" "$TMP/c1.txt"
curl -sf "$URL/metrics" >"$TMP/metrics_after.txt"
ticks=$(($(cpu_ticks) - ticks_before))

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "$0: sondhan-server died during the run:" >&2; cat "$TMP/server.log" >&2; exit 1
fi
if [[ -s "$TMP/server.log" ]]; then
  echo "server log (warnings):" >&2; tail -n 20 "$TMP/server.log" >&2
fi

python3 - "$TMP/c1.txt" "$OUT" "$(wc -l <"$PATHS")" "$ticks" "$(getconf CLK_TCK)" \
  "$TMP/metrics_before.txt" "$TMP/metrics_after.txt" <<'EOF'
import json, re, sys
with open(sys.argv[1], encoding="utf-8") as f:
    r = next(json.loads(l[len("SONDHAN_JSON "):]) for l in f if l.startswith("SONDHAN_JSON "))
r["keystrokes"] = int(sys.argv[3])
r["server_cpu_ms_per_request"] = round(int(sys.argv[4]) * 1000 / int(sys.argv[5]) / max(r["requests"], 1), 3)

# The server's own request durations for /suggest over the measured run (its /metrics histogram,
# from the request's head read to the answer written): what the route costs, apart from the
# time a request waits for the server to be scheduled.
def histogram(path):
    buckets = {}
    for line in open(path, encoding="utf-8"):
        m = re.match(r'sondhan_request_duration_seconds_bucket\{route="/suggest",le="([^"]+)"\} (\S+)', line)
        if m:
            buckets[m.group(1)] = float(m.group(2))
    return buckets
before, after = histogram(sys.argv[6]), histogram(sys.argv[7])
counts = {le: after[le] - before.get(le, 0) for le in after}
total = counts.get("+Inf", 0)
if total:
    r["server_within_1ms"] = round(counts.get("0.001", 0) / total, 4)
    r["server_within_10ms"] = round(counts.get("0.01", 0) / total, 4)
lat = r["latency_ms"]
print(f"/suggest, 1 connection: {r['requests_per_s']:.1f} requests/s, p50 {lat['p50']:.2f} ms, "
      f"p90 {lat['p90']:.2f} ms, p99 {lat['p99']:.2f} ms, max {lat['max']:.2f} ms, non-200 {r['non_200']}")
if total:
    print(f"  in the server: {100 * r['server_within_1ms']:.2f}% within 1 ms, "
          f"{100 * r['server_within_10ms']:.2f}% within 10 ms; "
          f"CPU {r['server_cpu_ms_per_request']:.3f} ms/request")
if sys.argv[2]:
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump({"suggest_1conn": r}, f, indent=2)
        f.write("\n")
if r["non_200"] or any(r["socket_errors"].values()):
    print(f"{r['non_200']} non-200 responses, socket errors {r['socket_errors']}", file=sys.stderr)
    sys.exit(1)
EOF
