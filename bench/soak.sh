#!/usr/bin/env bash
# Soak test of sondhan-server: realistic load plus slow clients, or hostile patterns one by one.
#
#   bench/soak.sh [--db DIR] [--seconds N] [--connections N] [--slow N] [--bin DIR]
#                 [--config FILE] [--out FILE.json] [--rss-cap-mb N]
#   bench/soak.sh --hostile [--patterns a,b,...] [--pattern-seconds N] [same options]
#
# Soak (default): starts sondhan-server on a free loopback port, waits for /health, records its
# idle memory (at start, and at rest after a warm-up in which every worker thread serves), then
# runs at once for --seconds (60):
#   (a) wrk, one thread per connection (--connections, 16), replaying a mix of realistic requests
#       (bench/soak/prepare.py: the bench queries, browse pages, filters, exclusions, phrases,
#       facets, date sorts, deep pages, /documents/{id}); every distinct request of the mix is
#       first asked once on a calm server and must answer 2xx;
#   (b) --slow (40) slow clients: half send a header line every ~3 s without ever ending the
#       request, half ask for a large answer and never read it (bench/soak/slow_clients.py);
#   (c) GET /health on a fresh connection every 100 ms, 5 s timeout (bench/soak/health_probe.py);
#   (d) the server's VmRSS every 200 ms (bench/soak/rss_sampler.py).
# Then prints one summary and PASS/FAIL against the targets: no crash; 0 non-2xx and 0 socket
# errors in the mix; no 5xx (mix and access log); /health p99 <= 1 s and no probe failure; peak
# RSS <= 2 x idle steady state + connections x (max_body_bytes + max_header_bytes).
# Writes bench-results-soak.json (--out). Exits 1 on FAIL, 2 on a usage or set-up error.
#
# Hostile (--hostile): each pattern of bench/soak/hostile.py alone, for --pattern-seconds (10),
# on a fresh server each time (so that one pattern's leftovers do not count against the next),
# with the same /health prober and RSS sampler; reports peak RSS against idle per pattern and
# the pattern's own checks (all pipelined answers come back, no forged access-log line).
# Writes bench-results-soak-hostile.json (--out).
#
# Defaults: the database is the shared corpus (../shared/corpus/bn_news.jsonl.gz beside the
# checkout) indexed once with BIN/sondhan-index into build/bench-data/bn_news.db (re-indexed when
# the corpus file or the indexer changes); BIN is build/bin. The binaries are copied for the run,
# so a rebuild meanwhile does not mix two servers in one report. The server runs with its
# built-in defaults (or --config FILE), access log on and log level info; the memory allowance
# reads max_body_bytes and max_header_bytes from that file (default config/sondhan.toml; a
# missing max_header_bytes counts as 8192, cpp-httplib's line limit). --rss-cap-mb (4096) kills a
# server that grows beyond it: a safety net on shared machines; the run then fails.
# Needs wrk, curl and python3 (standard library only).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
TOOLS="$ROOT/bench/soak"
ALL_PATTERNS="range-2000,range-control,headers-100k,post-100mb,post-100mb-chunked,facets-1600,query-64,pipelined,crlf-log"

usage() {
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

DB="" SECS=60 CONNS=16 SLOW=40 BIN="build/bin" CONFIG="" OUT="" RSS_CAP_MB=4096
HOSTILE=0 PATTERNS="$ALL_PATTERNS" PATTERN_SECS=10
CORPUS="../shared/corpus/bn_news.jsonl.gz"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --hostile) HOSTILE=1; shift; continue ;;
    -h|--help) usage ;;
  esac
  [[ $# -ge 2 ]] || { echo "$0: $1 needs a value" >&2; usage; }
  case "$1" in
    --db) DB=$2 ;;
    --seconds) SECS=$2 ;;
    --connections) CONNS=$2 ;;
    --slow) SLOW=$2 ;;
    --bin) BIN=$2 ;;
    --config) CONFIG=$2 ;;
    --out) OUT=$2 ;;
    --rss-cap-mb) RSS_CAP_MB=$2 ;;
    --patterns) PATTERNS=$2 ;;
    --pattern-seconds) PATTERN_SECS=$2 ;;
    *) echo "$0: unknown option '$1'" >&2; usage ;;
  esac
  shift 2
done
for opt in seconds:SECS connections:CONNS pattern-seconds:PATTERN_SECS rss-cap-mb:RSS_CAP_MB; do
  v=${opt#*:}
  [[ "${!v}" =~ ^[1-9][0-9]{0,5}$ ]] || { echo "$0: --${opt%%:*} must be a positive integer" >&2; exit 2; }
done
[[ "$SLOW" =~ ^[0-9]{1,4}$ ]] || { echo "$0: --slow must be 0-9999" >&2; exit 2; }
[[ "$CONNS" -le 256 ]] || { echo "$0: --connections at most 256 (one wrk thread each)" >&2; exit 2; }
IFS=, read -r -a PATTERN_LIST <<<"$PATTERNS"
for p in "${PATTERN_LIST[@]}"; do
  [[ ",$ALL_PATTERNS," == *",$p,"* ]] || { echo "$0: unknown pattern '$p' (known: $ALL_PATTERNS)" >&2; exit 2; }
done
if [[ -z "$OUT" ]]; then
  OUT=$([[ $HOSTILE -eq 1 ]] && echo bench-results-soak-hostile.json || echo bench-results-soak.json)
fi
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "$0: $tool not found" >&2; exit 2; }
done
for b in sondhan-server sondhan-analyze; do
  [[ -x "$BIN/$b" ]] || { echo "$0: $BIN/$b not found (build it, or give --bin DIR)" >&2; exit 2; }
done
[[ -z "$CONFIG" || -f "$CONFIG" ]] || { echo "$0: no config file '$CONFIG'" >&2; exit 2; }
[[ -z "$CONFIG" ]] || CONFIG=$(realpath "$CONFIG")

# ---- run state and clean-up ----
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sondhan-soak.XXXXXX")
SERVER_PID="" BG_PIDS=() INDEXING=""
stop_pid() {  # pid [seconds]: TERM, then KILL after the grace period
  local pid=$1 grace=${2:-5}
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq $((grace * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${BG_PIDS[@]}"; do stop_pid "$pid" 2; done
  [[ -n "$SERVER_PID" ]] && stop_pid "$SERVER_PID" 5
  [[ -n "$INDEXING" ]] && rm -rf "$INDEXING"
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- database ----
if [[ -z "$DB" ]]; then
  DB="build/bench-data/bn_news.db"
  [[ -f "$CORPUS" ]] || { echo "$0: corpus $CORPUS not found (or give --db DIR)" >&2; exit 2; }
  # The corpus and the indexer that made it: a new build may write another index format.
  stamp="$(realpath "$CORPUS") $(stat -c '%s %Y' "$CORPUS") $(stat -c '%s %Y' "$BIN/sondhan-index" 2>/dev/null)"
  if [[ ! -d "$DB" || "$(cat "$DB.stamp" 2>/dev/null)" != "$stamp" ]]; then
    [[ -x "$BIN/sondhan-index" ]] || { echo "$0: $BIN/sondhan-index not found" >&2; exit 2; }
    echo "indexing $CORPUS into $DB (once) ..." >&2
    mkdir -p "$(dirname "$DB")"
    INDEXING="$DB.new.$$"
    rm -rf "$INDEXING" "$DB" "$DB.stamp"
    "$BIN/sondhan-index" -q --db "$INDEXING" "$CORPUS" >&2 || { echo "$0: indexing failed" >&2; exit 2; }
    mv "$INDEXING" "$DB"
    INDEXING=""
    echo "$stamp" >"$DB.stamp"
  fi
fi
[[ -d "$DB" ]] || { echo "$0: no database directory '$DB'" >&2; exit 2; }
DB=$(realpath "$DB")

# The binaries of this run, copied so that a rebuild meanwhile cannot swap them.
mkdir -p "$TMP/bin"
cp "$BIN/sondhan-server" "$BIN/sondhan-analyze" "$TMP/bin/"
SERVER_BIN="$TMP/bin/sondhan-server"
SERVER_SHA=$(sha256sum "$SERVER_BIN" | cut -d' ' -f1)
SERVER_MTIME=$(date -r "$BIN/sondhan-server" '+%Y-%m-%d %H:%M:%S')

# Limits the memory allowance is computed from: the config file in effect, then SONDHAN_* env.
read -r MAX_BODY MAX_HEADER < <(python3 - "${CONFIG:-config/sondhan.toml}" <<'EOF'
import os, sys, tomllib
with open(sys.argv[1], "rb") as f:
    server = tomllib.load(f).get("server", {})
body = int(os.environ.get("SONDHAN_SERVER_MAX_BODY_BYTES", server.get("max_body_bytes", 1048576)))
header = int(os.environ.get("SONDHAN_SERVER_MAX_HEADER_BYTES", server.get("max_header_bytes", 8192)))
print(body, header)
EOF
)

CONFIG_ARGS=()
[[ -n "$CONFIG" ]] && CONFIG_ARGS=(--config "$CONFIG")
PORT="" URL=""

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start_server() {  # log file; sets SERVER_PID, PORT, URL
  local log=$1
  for _ in 1 2 3; do
    PORT=$(free_port)
    URL="http://127.0.0.1:$PORT"
    # In the run's temporary directory: whatever the server writes beside itself goes away with it.
    (cd "$TMP" && SONDHAN_SERVER_ACCESS_LOG=true SONDHAN_SERVER_LOG_LEVEL=info \
      exec "$SERVER_BIN" "${CONFIG_ARGS[@]}" --db "$DB" --host 127.0.0.1 --port "$PORT") >"$log" 2>&1 &
    SERVER_PID=$!
    local deadline=$((SECONDS + 30))
    while ! curl -sf --max-time 1 "$URL/health" >/dev/null 2>&1; do
      if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
        if grep -qiE "cannot listen|address already in use" "$log"; then continue 2; fi  # port taken meanwhile
        echo "$0: sondhan-server exited during start-up:" >&2; cat "$log" >&2; exit 2
      fi
      if [[ $SECONDS -ge $deadline ]]; then
        echo "$0: $URL/health did not answer within 30 s:" >&2; cat "$log" >&2; exit 2
      fi
      sleep 0.1
    done
    return 0
  done
  echo "$0: could not start sondhan-server on a free port" >&2; exit 2
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0; }

idle_rss() {  # samples seconds: median VmRSS over that time
  local n=$1 s=()
  for _ in $(seq "$n"); do s+=("$(rss_kb)"); sleep 0.2; done
  printf '%s\n' "${s[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'
}

warm_idle() {  # meta file, log file: idle at start, warm-up, idle at rest
  local meta=$1 log=$2
  echo "idle_start_kb=$(idle_rss 5)" >>"$meta"
  python3 "$TOOLS/prepare.py" warmup --port "$PORT" --connections 64 --rounds 2 >&2
  sleep 3  # idle keep-alive connections close, their threads go back to the pool
  echo "idle_steady_kb=$(idle_rss 10)" >>"$meta"
  echo "server_startup=$(grep -m1 "listening" "$log" | sed 's/^\[[^]]*\] \[[a-z]*\] //')" >>"$meta"
}

finish_server() {  # meta file, log file: alive? /health? then stop it and record how it ended
  local meta=$1 log=$2 code=0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "died_during_run=0" >>"$meta"
    echo "alive_after=1" >>"$meta"
    local health
    health=$(curl -s -o /dev/null -w '%{http_code} in %{time_total}s' --max-time 5 "$URL/health") \
      || health="no answer within 5 s"
    echo "health_after=$health" >>"$meta"
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local stop="SIGTERM (graceful)" killed=0
    for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      kill -KILL "$SERVER_PID" 2>/dev/null || true
      stop="SIGKILL: still running 10 s after SIGTERM"
      killed=1
    fi
    wait "$SERVER_PID" 2>/dev/null || code=$?
    echo "stop=$stop" >>"$meta"
    echo "killed_by_us=$killed" >>"$meta"
  else
    wait "$SERVER_PID" 2>/dev/null || code=$?
    echo "died_during_run=1" >>"$meta"
    echo "alive_after=0" >>"$meta"
    echo "health_after=server gone" >>"$meta"
    # A shutdown the server logged is a signal from outside this run (another process), not a crash.
    if grep -q "signal [0-9]*: shutting down" "$log" 2>/dev/null; then
      echo "stop=stopped by a signal from outside this run: $(grep -m1 "signal [0-9]*: shutting down" "$log")" >>"$meta"
      echo "outside_signal=1" >>"$meta"
    else
      echo "stop=died by itself" >>"$meta"
    fi
  fi
  echo "server_exit=$code" >>"$meta"
  SERVER_PID=""
}

run_bg() {  # command...: starts it in the background, remembers its pid in LAST_PID
  "$@" &
  LAST_PID=$!
  BG_PIDS+=("$LAST_PID")
}

wait_bg() {  # pid: waits for it, its exit code in WAIT_RC (never fails the script)
  WAIT_RC=0
  wait "$1" 2>/dev/null || WAIT_RC=$?
}

{
  echo "server_bin=$BIN/sondhan-server"
  echo "server_sha=$SERVER_SHA"
  echo "server_mtime=$SERVER_MTIME"
  echo "db=$DB"
  echo "max_body_bytes=$MAX_BODY"
  echo "max_header_bytes=$MAX_HEADER"
  echo "health_timeout_s=5"
  echo "pattern_seconds=$PATTERN_SECS"
} >"$TMP/meta.env"

if [[ $HOSTILE -eq 0 ]]; then
  # ---------------------------------------------------------------- soak
  {
    echo "seconds=$SECS"
    echo "connections=$CONNS"
    echo "slow=$SLOW"
  } >>"$TMP/meta.env"
  start_server "$TMP/server.log"
  echo "sondhan-server on $URL (pid $SERVER_PID), db $DB" >&2
  python3 "$TOOLS/prepare.py" mix --port "$PORT" --root "$ROOT" --out "$TMP/paths.tsv" --report "$TMP/preflight.json"
  warm_idle "$TMP/meta.env" "$TMP/server.log"

  echo "running ${SECS}s: wrk -c$CONNS, $SLOW slow clients, /health prober, RSS sampler ..." >&2
  run_bg python3 "$TOOLS/rss_sampler.py" --pid "$SERVER_PID" --out "$TMP/rss.tsv" --cap-mb "$RSS_CAP_MB"
  SAMPLER=$LAST_PID
  run_bg python3 "$TOOLS/health_probe.py" --port "$PORT" --seconds "$SECS" --out "$TMP/health.tsv"
  PROBE=$LAST_PID
  if [[ "$SLOW" -gt 0 ]]; then
    run_bg python3 "$TOOLS/slow_clients.py" --port "$PORT" --clients "$SLOW" --seconds "$SECS" --out "$TMP/slow.json"
    SLOWPID=$LAST_PID
  fi
  export SOAK_PATHS="$TMP/paths.tsv"
  run_bg timeout $((SECS + 60)) \
    wrk -t"$CONNS" -c"$CONNS" -d"${SECS}s" --timeout 5s --latency -s "$TOOLS/mixed.lua" "$URL" >"$TMP/wrk.txt" 2>&1
  WRK=$LAST_PID
  wait_bg "$WRK"; rc_wrk=$WAIT_RC
  wait_bg "$PROBE"; rc_probe=$WAIT_RC
  rc_slow=0
  if [[ "$SLOW" -gt 0 ]]; then wait_bg "$SLOWPID"; rc_slow=$WAIT_RC; fi
  sleep 1  # memory right after the clients let go
  kill -TERM "$SAMPLER" 2>/dev/null || true
  wait_bg "$SAMPLER"
  [[ "$rc_wrk" == 0 ]] || { echo "wrk exited $rc_wrk:" >&2; tail -n 5 "$TMP/wrk.txt" >&2; }
  [[ "$rc_probe" == 0 ]] || echo "health prober exited $rc_probe" >&2
  [[ "$rc_slow" == 0 ]] || echo "slow clients exited $rc_slow" >&2
  finish_server "$TMP/meta.env" "$TMP/server.log"
  set +e
  python3 "$TOOLS/report.py" soak --dir "$TMP" --out "$OUT"
  rc=$?
  set -e
  exit "$rc"
fi

# ---------------------------------------------------------------- hostile
# The 64 most frequent index words of the served articles, for query-64 (from a first server).
start_server "$TMP/words-server.log"
python3 "$TOOLS/prepare.py" words --port "$PORT" --bin "$TMP/bin" --count 64 >"$TMP/words.txt"
finish_server "$TMP/words-meta.env" "$TMP/words-server.log"

for p in "${PATTERN_LIST[@]}"; do
  d="$TMP/$p"
  mkdir -p "$d"
  : >"$d/meta.env"
  echo "pattern $p ..." >&2
  start_server "$d/server.log"
  warm_idle "$d/meta.env" "$d/server.log"
  run_bg python3 "$TOOLS/rss_sampler.py" --pid "$SERVER_PID" --out "$d/rss.tsv" --cap-mb "$RSS_CAP_MB"
  SAMPLER=$LAST_PID
  # The prober runs until stopped: the pattern may overrun its time while the server is stuck.
  run_bg python3 "$TOOLS/health_probe.py" --port "$PORT" --seconds 100000 --out "$d/health.tsv"
  PROBE=$LAST_PID
  run_bg timeout $((PATTERN_SECS + 120)) python3 "$TOOLS/hostile.py" "$p" --port "$PORT" \
    --seconds "$PATTERN_SECS" --out "$d/result.json" --log "$d/server.log" --words "$TMP/words.txt"
  wait_bg "$LAST_PID"
  echo "client_exit=$WAIT_RC" >>"$d/meta.env"
  sleep 2  # memory and /health right after the clients let go
  kill -TERM "$PROBE" 2>/dev/null || true
  wait_bg "$PROBE"
  kill -TERM "$SAMPLER" 2>/dev/null || true
  wait_bg "$SAMPLER"
  finish_server "$d/meta.env" "$d/server.log"
done

set +e
python3 "$TOOLS/report.py" hostile --dir "$TMP" --out "$OUT" --patterns "$PATTERNS"
rc=$?
set -e
exit "$rc"
