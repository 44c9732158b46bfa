#!/usr/bin/env bash
# sondhan on a large synthetic archive, against SQLite FTS5 on the same archive in the same run:
#
#   bench/scale.sh [--count N] [--bin DIR] [--workdir DIR] [--json OUT] [--skip-peer] [--seed S]
#                  [--seconds S] [--index-opt ARG]... [--index-only] [--perf] [--keep]
#                  [--perf-seconds S] [--timeout S]   (paths relative to the checkout)
#
# 1. Archive: ../shared/corpus/scale_corpus.py --count N --seed S (100000, 1) into
#    WORKDIR/archive-N-seedS.jsonl.gz (WORKDIR: build/scale-data), and 1,000 more articles with
#    seed S+1000 (other ids) for step 5. Written aside and renamed when complete; reused after.
# 2. sondhan: BIN/sondhan-index (BIN: build/bin; copied for the run, so that a rebuild meanwhile
#    does not change what is measured) into a new database, with its default configuration and
#    any --index-opt ARG passed on (--index-opt --commit-every=10000). Measures wall time,
#    articles/s, CPU, peak RSS, bytes written and read (/proc/PID/io), the database size (du),
#    and every 2 s over the run (bench/scale/measure.py): how far the input has been read, bytes
#    written, CPU, and when the final merge starts. --perf: also perf records (CPU samples with
#    call graphs) of --perf-seconds (60) from half way through the input and from the start of the
#    merge, with a report of the top functions.
# 3. The SQLite FTS5 peer (bench/scale/fts5_index.py: the Bengali-safe tokenizer of the relevance
#    peers, the text stored, a commit every 1,000 articles, FTS5 'optimize' at the end), measured
#    the same way; the table gives sondhan/peer. --skip-peer leaves it out.
# 4. sondhan-server on a free loopback port (access log off, log level warn), once /health
#    answers: warm-up, then wrk over 1 connection for --seconds (10) per kind of request: the
#    known-item and the topical queries (bench/relevance/*.tsv), a browse page (/search?limit=10),
#    a three-facet query (one word, facets=source,category,year), the topical queries with
#    sort=-date, quoted phrases of common words (bench/scale/phrases.txt). p50/p99 per kind, and
#    the server's RSS.
# 5. The 1,000 new articles added with sondhan-index to the full database while the server runs:
#    time, then /stats must count them at once and the last one must be found by id. (The peer
#    appends the same 1,000 too, for comparison.)
# 6. A table, and JSON with --json OUT.
# Each timed step starts after `sync`, with no other step's writes still going to disk.
#
# --index-only stops after steps 1-3. --keep keeps the run directory (databases, samples, wrk
# outputs) under WORKDIR; otherwise it is removed on exit, as are the server and any indexer.
# --timeout S bounds each indexing run (default 600 + N/100 s) and the archive generation.
# Runs unattended (no input read from the terminal). Needs python3 (standard library), wrk, curl.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
TOOLS="$ROOT/bench/scale"

usage() {
  sed -n '3,6p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

COUNT=100000 BIN="build/bin" WORKDIR="build/scale-data" JSON_OUT="" SKIP_PEER=0 SEED=1 SECS=10
INDEX_ONLY=0 PERF=0 PERF_SECS=60 KEEP=0 TIMEOUT=""
INDEX_OPTS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --skip-peer) SKIP_PEER=1; shift; continue ;;
    --index-only) INDEX_ONLY=1; shift; continue ;;
    --perf) PERF=1; shift; continue ;;
    --keep) KEEP=1; shift; continue ;;
    -h|--help) usage ;;
  esac
  [[ $# -ge 2 ]] || { echo "$0: $1 needs a value" >&2; usage; }
  case "$1" in
    --count) COUNT=$2 ;;
    --bin) BIN=$2 ;;
    --workdir) WORKDIR=$2 ;;
    --json) JSON_OUT=$2 ;;
    --seed) SEED=$2 ;;
    --seconds) SECS=$2 ;;
    --index-opt) INDEX_OPTS+=("$2") ;;
    --timeout) TIMEOUT=$2 ;;
    --perf-seconds) PERF_SECS=$2 ;;
    *) echo "$0: unknown option '$1'" >&2; usage ;;
  esac
  shift 2
done
[[ "$COUNT" =~ ^[1-9][0-9]{0,8}$ ]] || { echo "$0: --count must be a positive integer" >&2; exit 2; }
[[ "$SEED" =~ ^[0-9]{1,9}$ ]] || { echo "$0: --seed must be a non-negative integer" >&2; exit 2; }
[[ "$SECS" =~ ^[1-9][0-9]{0,3}$ ]] || { echo "$0: --seconds must be 1-9999" >&2; exit 2; }
[[ "$PERF_SECS" =~ ^[1-9][0-9]{0,3}$ ]] || { echo "$0: --perf-seconds must be 1-9999" >&2; exit 2; }
[[ -z "$TIMEOUT" || "$TIMEOUT" =~ ^[1-9][0-9]{0,6}$ ]] || { echo "$0: --timeout must be seconds" >&2; exit 2; }
TIMEOUT=${TIMEOUT:-$((600 + COUNT / 100))}
for b in sondhan-index sondhan-server; do
  [[ -x "$BIN/$b" ]] || { echo "$0: $BIN/$b not found (build it, or give --bin DIR)" >&2; exit 2; }
done
for tool in python3 wrk curl timeout; do
  command -v "$tool" >/dev/null || { echo "$0: $tool not found" >&2; exit 2; }
done
GENERATOR="$ROOT/../shared/corpus/scale_corpus.py"
[[ -f "$GENERATOR" ]] || { echo "$0: $GENERATOR not found" >&2; exit 2; }
ADD_SEED=$((SEED + 1000))
ADD_COUNT=1000

mkdir -p "$WORKDIR"
WORKDIR=$(cd "$WORKDIR" && pwd)
RUN=$(mktemp -d "$WORKDIR/run-$COUNT.XXXXXX")
SERVER_PID="" CHILD_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$CHILD_PID" ]] && kill -0 "$CHILD_PID" 2>/dev/null; then
    kill -TERM "$CHILD_PID" 2>/dev/null || true
    wait "$CHILD_PID" 2>/dev/null || true
  fi
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -f "$WORKDIR"/archive-*.partial."$$"
  if [[ $KEEP -eq 1 ]]; then
    echo "run directory kept: $RUN" >&2
  else
    rm -rf "$RUN"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a command in the background and waits for it, so that a signal to this script is handled
# at once (bash runs traps only between foreground commands).
run_bg() {
  "$@" </dev/null &
  CHILD_PID=$!
  local rc=0
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=""
  return "$rc"
}

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# Writes the page cache's dirty pages out before a timed step, so that no step pays for the
# writeback of the one before (the peer writes 17 GB for a million articles: its writeback went
# on into the searches and the add that followed).
settle() { sync; }

# 1. The archives, cached.
archive() {  # count seed: sets ARCHIVE_PATH
  ARCHIVE_PATH="$WORKDIR/archive-$1-seed$2.jsonl.gz"
  [[ -f "$ARCHIVE_PATH" ]] && return 0
  log "generating $1 articles (seed $2) into $ARCHIVE_PATH ..."
  local partial="$WORKDIR/archive-$1-seed$2.jsonl.gz.partial.$$"
  run_bg timeout "$TIMEOUT" python3 "$GENERATOR" --count "$1" --seed "$2" --out "$partial" \
    || { echo "$0: scale_corpus.py failed" >&2; exit 1; }
  mv -f "$partial" "$ARCHIVE_PATH"
}
archive "$ADD_COUNT" "$ADD_SEED"
ADD_ARCHIVE=$ARCHIVE_PATH
archive "$COUNT" "$SEED"
ARCHIVE=$ARCHIVE_PATH

mkdir -p "$RUN/bin" "$RUN/http"
cp "$BIN/sondhan-index" "$BIN/sondhan-server" "$RUN/bin/"
GIT_DESC=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
load_avg() { cut -d' ' -f1-3 /proc/loadavg; }
python3 - "$RUN/meta.json" "${INDEX_OPTS[@]}" <<EOF
import json, os, sys, datetime
json.dump({"count": $COUNT, "seed": $SEED, "archive": "$ARCHIVE", "archive_bytes": os.path.getsize("$ARCHIVE"),
           "add_archive": "$ADD_ARCHIVE", "bin": os.path.abspath("$BIN"), "git": "$GIT_DESC",
           "index_opts": sys.argv[2:], "nproc": os.cpu_count(), "load_start": "$(load_avg)",
           "environment": {k: v for k, v in os.environ.items() if k.startswith(("SONDHAN_", "XAPIAN_"))},
           "memory_bytes": os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"),
           "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds")},
          open(sys.argv[1], "w"), indent=2)
EOF

# 2. sondhan.
settle
DB="$RUN/sondhan.db"
perf_args=()
[[ $PERF -eq 1 ]] && perf_args=(--perf-dir "$RUN/perf" --perf-seconds "$PERF_SECS")
log "sondhan-index: $COUNT articles into $DB ..."
run_bg python3 "$TOOLS/measure.py" --summary "$RUN/sondhan.measure.json" --samples "$RUN/sondhan.samples.jsonl" \
  --input "$ARCHIVE" --records "$COUNT" --db "$DB" --timeout "$TIMEOUT" "${perf_args[@]}" -- \
  "$RUN/bin/sondhan-index" -q --json --db "$DB" "${INDEX_OPTS[@]}" "$ARCHIVE" \
  >"$RUN/sondhan.index.json" 2>"$RUN/sondhan.index.err" \
  || { echo "$0: sondhan-index failed:" >&2; tail -n 20 "$RUN/sondhan.index.err" >&2; exit 1; }
du -sb "$DB" | cut -f1 >"$RUN/sondhan.db_bytes"
if [[ $PERF -eq 1 && -d "$RUN/perf" ]]; then
  for d in "$RUN"/perf/*.data; do
    [[ -f "$d" ]] || continue
    log "reading $(basename "$d") ..."
    python3 "$TOOLS/perf_summary.py" "$d" >"${d%.data}.txt" 2>&1 || true
  done
  start_mid=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("half_input_s") or 0)' "$RUN/sondhan.measure.json")
  for d in "$RUN"/perf/*.io.data; do
    [[ -f "$d" ]] || continue
    io_args=()
    [[ "$d" == */mid.io.data ]] && io_args=(--samples "$RUN/sondhan.samples.jsonl" --start "$start_mid")
    python3 "$TOOLS/io_summary.py" "$d" "${io_args[@]}" >"${d%.io.data}.io.txt" 2>&1 || true
  done
fi

# 3. The FTS5 peer.
if [[ $SKIP_PEER -eq 0 ]]; then
  settle
  PEER_DB="$RUN/fts5.db"
  log "SQLite FTS5 peer: $COUNT articles into $PEER_DB ..."
  run_bg python3 "$TOOLS/measure.py" --summary "$RUN/fts5.measure.json" --samples "$RUN/fts5.samples.jsonl" \
    --input "$ARCHIVE" --records "$COUNT" --db "$PEER_DB" --timeout "$TIMEOUT" -- \
    python3 "$TOOLS/fts5_index.py" --db "$PEER_DB" "$ARCHIVE" \
    >"$RUN/fts5.index.json" 2>"$RUN/fts5.index.err" \
    || { echo "$0: the FTS5 peer failed:" >&2; tail -n 20 "$RUN/fts5.index.err" >&2; exit 1; }
  du -sb "$PEER_DB" | cut -f1 >"$RUN/fts5.db_bytes"
fi

if [[ $INDEX_ONLY -eq 0 ]]; then
  # 4. The server and its latency.
  settle
  python3 "$TOOLS/paths.py" --known-item bench/relevance/known_item.tsv --topical bench/relevance/topical.tsv \
    --phrases bench/scale/phrases.txt --out-dir "$RUN/http"
  PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  URL="http://127.0.0.1:$PORT"
  SONDHAN_SERVER_ACCESS_LOG=false SONDHAN_SERVER_LOG_LEVEL=warn \
    "$RUN/bin/sondhan-server" --db "$DB" --host 127.0.0.1 --port "$PORT" </dev/null >"$RUN/server.log" 2>&1 &
  SERVER_PID=$!
  deadline=$((SECONDS + 60))
  until curl -sf --max-time 1 "$URL/health" >/dev/null 2>&1; do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "$0: sondhan-server exited:" >&2; cat "$RUN/server.log" >&2; exit 1; }
    [[ $SECONDS -lt $deadline ]] || { echo "$0: $URL/health did not answer within 60 s" >&2; exit 1; }
    sleep 0.2
  done
  rss_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
  RSS_START=$(rss_kb "$SERVER_PID" VmRSS)
  stats_docs() { curl -sf --max-time 10 "$URL/stats" | python3 -c 'import json, sys; print(json.load(sys.stdin)["documents"])'; }
  DOCS_BEFORE=$(stats_docs)
  [[ "$DOCS_BEFORE" -eq "$COUNT" ]] || echo "$0: warning: /stats counts $DOCS_BEFORE documents, not $COUNT" >&2

  wrk_run() {  # connections seconds paths out
    SONDHAN_QUERIES="$3" run_bg timeout $(($2 + 60)) wrk -t1 -c"$1" -d"$2"s --timeout 10s --latency \
      -s bench/http/queries.lua "$URL" >"$4" 2>&1 \
      || { echo "$0: wrk failed:" >&2; cat "$4" >&2; exit 1; }
  }
  log "HTTP: warm-up, then ${SECS}s per kind of request over 1 connection ..."
  for kind in known topical browse facets sort phrases; do
    wrk_run 2 3 "$RUN/http/$kind.txt" "$RUN/http/$kind.warmup"
  done
  for kind in known topical browse facets sort phrases; do
    wrk_run 1 "$SECS" "$RUN/http/$kind.txt" "$RUN/http/$kind.out"
  done
  RSS_QUERIES=$(rss_kb "$SERVER_PID" VmRSS)

  # 5. 1,000 new articles into the database being served.
  settle
  log "adding $ADD_COUNT articles to the served database ..."
  run_bg python3 "$TOOLS/measure.py" --summary "$RUN/add.measure.json" --input "$ADD_ARCHIVE" --db "$DB" \
    --interval 0.5 --timeout "$TIMEOUT" -- \
    "$RUN/bin/sondhan-index" -q --json --db "$DB" "${INDEX_OPTS[@]}" "$ADD_ARCHIVE" \
    >"$RUN/add.index.json" 2>"$RUN/add.index.err" \
    || { echo "$0: adding articles failed:" >&2; tail -n 20 "$RUN/add.index.err" >&2; exit 1; }
  python3 - "$URL" "$DOCS_BEFORE" "$((DOCS_BEFORE + ADD_COUNT))" "syn-$ADD_SEED-$(printf %08d $((ADD_COUNT - 1)))" \
    >"$RUN/add.check.json" <<'EOF'
import json, sys, time, urllib.request, urllib.error
url, before, want, last_id = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
start = time.monotonic()
docs = None
while time.monotonic() - start < 30:
    docs = json.load(urllib.request.urlopen(url + "/stats", timeout=10))["documents"]
    if docs >= want:
        break
    time.sleep(0.05)
seen = round(time.monotonic() - start, 3) if docs is not None and docs >= want else None
try:
    found = urllib.request.urlopen(f"{url}/documents/{last_id}", timeout=10).status == 200
except urllib.error.HTTPError:
    found = False
print(json.dumps({"documents_before": before, "documents_after": docs, "visible_after_s": seen,
                  "last_id": last_id, "last_found": found}))
EOF
  if [[ $SKIP_PEER -eq 0 ]]; then
    settle
    run_bg python3 "$TOOLS/measure.py" --summary "$RUN/fts5_add.measure.json" --interval 0.5 -- \
      python3 "$TOOLS/fts5_index.py" --append --db "$PEER_DB" "$ADD_ARCHIVE" >"$RUN/fts5_add.index.json" \
      || echo "$0: warning: appending to the peer failed" >&2
  fi
  RSS_PEAK=$(rss_kb "$SERVER_PID" VmHWM)
  RSS_END=$(rss_kb "$SERVER_PID" VmRSS)
  printf '{"rss_after_start": %d, "rss_after_queries": %d, "rss_at_end": %d, "peak_rss": %d}\n' \
    $((RSS_START * 1024)) $((RSS_QUERIES * 1024)) $((RSS_END * 1024)) $((RSS_PEAK * 1024)) >"$RUN/server.json"
  if [[ -s "$RUN/server.log" ]]; then
    echo "server log (warnings):" >&2; tail -n 20 "$RUN/server.log" >&2
  fi
fi

# 6. Report.
python3 - "$RUN/meta.json" "$(load_avg)" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1])); m["load_end"] = sys.argv[2]
m["paths"] = {}
import os
d = os.path.join(os.path.dirname(sys.argv[1]), "http")
for k in ("known", "topical", "browse", "facets", "sort", "phrases"):
    p = os.path.join(d, k + ".txt")
    if os.path.exists(p):
        m["paths"][k] = sum(1 for line in open(p, encoding="utf-8") if line.strip())
json.dump(m, open(sys.argv[1], "w"), indent=2)
EOF
report_args=("$RUN")
[[ -n "$JSON_OUT" ]] && report_args+=(--json "$JSON_OUT")
python3 "$TOOLS/report.py" "${report_args[@]}"
if [[ $PERF -eq 1 ]]; then
  for phase in mid merge; do
    case "$phase" in
      mid) echo "perf, ${PERF_SECS} s from half way through the input (sondhan-index):" ;;
      *) echo "perf, the first ${PERF_SECS} s of the final merge (sondhan-index):" ;;
    esac
    [[ -f "$RUN/perf/$phase.txt" ]] && cat "$RUN/perf/$phase.txt"
    if [[ -f "$RUN/perf/$phase.io.txt" ]]; then
      echo "system calls by file:"
      cat "$RUN/perf/$phase.io.txt"
    fi
    echo
  done
fi
