#!/usr/bin/env bash
# Concurrent browse traffic, run after run: the searches that match every article (browse pages,
# filters alone, an exclusion alone) together with phrases, facets and sorts, from several
# connections at once. Once crashed the server within seconds (issue 12).
#
#   bench/browse_runs.sh [--runs N] [--seconds N] [--connections N] [--bin DIR] [--no-corpus]
#
# Indexes tests/data/sample.jsonl, and ../shared/corpus/bn_news.jsonl.gz beside the checkout when
# present (not with --no-corpus), into one temporary database with BIN/sondhan-index. Then, --runs
# times (10): starts a fresh BIN/sondhan-server on a free loopback port, asks every request of the
# list below once (each must answer 200), drives them all with wrk from --connections (8)
# connections for --seconds (20), checks that the server is alive and answers /health, and stops
# it with SIGTERM, which must end it with status 0. A run passes with no crash, no 5xx, no socket
# error and every answer 2xx. BIN is build/bin (a Release build); the binaries are copied first,
# so a rebuild meanwhile does not change the server under test.
# Prints one line per run and a summary; exits 1 when a run fails, 2 on a usage or set-up error.
# Needs wrk, curl and python3.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

usage() {
  sed -n '6p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
RUNS=10 SECS=20 CONNS=8 BIN=build/bin USE_CORPUS=1
CORPUS="$ROOT/../shared/corpus/bn_news.jsonl.gz"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-corpus) USE_CORPUS=0; shift; continue ;;
    -h | --help) usage ;;
  esac
  [[ $# -ge 2 ]] || { echo "$0: $1 needs a value" >&2; usage; }
  case "$1" in
    --runs) RUNS=$2 ;;
    --seconds) SECS=$2 ;;
    --connections) CONNS=$2 ;;
    --bin) BIN=$2 ;;
    *) echo "$0: unknown option '$1'" >&2; usage ;;
  esac
  shift 2
done
for opt in runs:RUNS seconds:SECS connections:CONNS; do
  v=${opt#*:}
  [[ "${!v}" =~ ^[1-9][0-9]{0,4}$ ]] || { echo "$0: --${opt%%:*} must be a positive integer" >&2; exit 2; }
done
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is not installed" >&2; exit 2; }
done
for prog in sondhan-server sondhan-index; do
  [[ -x "$BIN/$prog" ]] || { echo "$0: $BIN/$prog is not built" >&2; exit 2; }
done

# Every request answers 200. Written readably; percent-encoded below.
REQUESTS=(
  # Browse: no words, newest first; the first page, a later one, a deep one.
  '/search?limit=1' '/search' '/search?page=5&limit=10' '/search?offset=9990&limit=10'
  # Filters only.
  '/search?source=ঢাকা সংবাদ' '/search?category=খেলা&limit=5' '/search?from=2023-01-01&to=2024-12-31'
  '/search?source=ঢাকা সংবাদ&source=সন্ধান বার্তা&category=জাতীয়'
  # An exclusion only.
  '/search?q=-ঢাকা' '/search?q=-ঢাকা&limit=50' '/search?q=NOT ঢাকা&limit=3' '/search?q=-বৃষ্টি -সরকার'
  # Phrases.
  '/search?q="উত্তর কোরিয়া"' '/search?q="উত্তর কোরিয়া" -ক্ষেপণাস্ত্র' '/search?q="সড়ক দুর্ঘটনা"&highlight=false'
  # Phrases whose checks a ranked match defers (positions in a value), and one it cannot: an
  # excluded phrase, a split word alone, phrases sorted, faceted and paged, a phrase under OR.
  '/search?q=ঢাকা -"উত্তর কোরিয়া"' '/search?q=ঢাকা-চট্টগ্রাম' '/search?q="উত্তর কোরিয়া"&sort=-date&page=2'
  '/search?q="সড়ক দুর্ঘটনা"&facets=source,year' '/search?q="উত্তর কোরিয়া" OR সেনা&page=3'
  # Facets, with and without words.
  '/search?facets=source,category,year' '/search?q=-ঢাকা&facets=source,category,year,month'
  '/search?q=সরকার&facets=source,category,author,tag,year'
  # Sorts.
  '/search?sort=date' '/search?sort=-date&limit=50' '/search?category=আন্তর্জাতিক&sort=date'
  '/search?q=বলেন&sort=-date' '/search?q=-ঢাকা&sort=date&page=3'
  # Words the query expands: number words, a count in thousands, a compound split in two.
  '/search?q=চৌদ্দটি গরু দুইশ পিস' '/search?q=করোনা 5820&sort=-date' '/search?q=স্বাস্থ্যমন্ত্রণালয়ে দক্ষিণপশ্চিমাঞ্চলে'
  # Four words or more, whose first match takes the articles with every word first, then the
  # rest from their floor: with a filter, required and excluded words, a required phrase, paged,
  # without collapsing.
  '/search?q=করোনা টিকা সংগ্রহ বাংলাদেশ' '/search?q=সরকার মন্ত্রী ঢাকা বলেন&page=3'
  '/search?q=সরকার মন্ত্রী ঢাকা বলেন&category=জাতীয়' '/search?q=ভারত বাংলাদেশ সীমান্ত হত্যা&source=ঢাকা সংবাদ'
  '/search?q=সরকার মন্ত্রী ঢাকা বলেন +নির্বাচন -বৃষ্টি&page=2'
  '/search?q="উত্তর কোরিয়া" সেনা মহড়া ক্ষেপণাস্ত্র যুদ্ধ&collapse=false'
)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sondhan-browse.XXXXXX")
server_pid='' wrk_pid=''
cleanup() {
  local pid
  for pid in "$wrk_pid" "$server_pid"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '[browse %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

mkdir -p "$tmp/bin"
cp "$BIN/sondhan-server" "$BIN/sondhan-index" "$tmp/bin/"
for path in "${REQUESTS[@]}"; do printf '%s\n' "$path"; done |
  python3 -c 'import sys, urllib.parse
for line in sys.stdin:
    print("200 GET " + urllib.parse.quote(line.rstrip("\n"), safe="/?=&,-"))' >"$tmp/paths"

start=$SECONDS
"$tmp/bin/sondhan-index" --db "$tmp/db" -q tests/data/sample.jsonl </dev/null >"$tmp/index.out" 2>&1 ||
  { log "sondhan-index failed on the sample:"; tail -20 "$tmp/index.out"; exit 2; }
corpus_note="sample only"
if ((USE_CORPUS)) && [[ -f "$CORPUS" ]]; then
  "$tmp/bin/sondhan-index" --db "$tmp/db" -q "$CORPUS" </dev/null >>"$tmp/index.out" 2>&1 ||
    { log "sondhan-index failed on the shared corpus:"; tail -20 "$tmp/index.out"; exit 2; }
  corpus_note="sample + shared corpus"
fi
log "indexed ($corpus_note) in $((SECONDS - start)) s"

# Starts the server on a free port; sets server_pid and base.
start_server() {
  : >"$tmp/server.log"
  SONDHAN_SERVER_ACCESS_LOG=false "$tmp/bin/sondhan-server" --db "$tmp/db" --host 127.0.0.1 --port 0 \
    </dev/null >"$tmp/server.log" 2>&1 &
  server_pid=$!
  local port='' waited
  for ((waited = 0; waited < 300; waited++)); do
    port=$(grep -ohE 'listening on http://127\.0\.0\.1:[0-9]+' "$tmp/server.log" | head -1 | sed 's/.*://' || true)
    [[ -n "$port" ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  [[ -n "$port" ]] || { log "sondhan-server did not start:"; tail -20 "$tmp/server.log"; return 1; }
  base=http://127.0.0.1:$port
}

failed=0 total_answered=0 total_5xx=0 crashes=0
results=()
for ((run = 1; run <= RUNS; run++)); do
  ok=1 note=''
  start_server || exit 2
  while read -r _ _ path; do
    got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$base$path" || true)
    [[ "$got" == 200 ]] || { ok=0; note+=" $path answered ${got:-nothing};"; }
  done <"$tmp/paths"

  SONDHAN_LOAD_PATHS=$tmp/paths wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 30s --latency \
    -s tests/sanitizers/load.lua "$base" </dev/null >"$tmp/wrk.out" 2>&1 &
  wrk_pid=$!
  wrk_status=0
  wait "$wrk_pid" || wrk_status=$?
  wrk_pid=''
  line=$(grep '^sondhan-load:' "$tmp/wrk.out" || true)
  s2xx=$(sed -nE 's/.* 2xx=([0-9]+).*/\1/p' <<<"$line")
  s3xx=$(sed -nE 's/.* 3xx=([0-9]+).*/\1/p' <<<"$line")
  s4xx=$(sed -nE 's/.* 4xx=([0-9]+).*/\1/p' <<<"$line")
  s5xx=$(sed -nE 's/.* 5xx=([0-9]+).*/\1/p' <<<"$line")
  rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$tmp/wrk.out")
  p50=$(awk '$1 == "50%" { print $2 }' "$tmp/wrk.out")
  p99=$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.out")
  socket_errors=$(grep -E '^ +Socket errors:' "$tmp/wrk.out" | sed 's/^ *//' || true)
  if ((wrk_status != 0)) || [[ -z "$line" ]]; then ok=0; note+=" wrk failed (status $wrk_status);"; fi
  if [[ -n "$socket_errors" ]]; then ok=0; note+=" $socket_errors;"; fi
  answered=$((${s2xx:-0} + ${s3xx:-0} + ${s4xx:-0} + ${s5xx:-0}))
  if ((${s5xx:-0} > 0)); then ok=0; note+=" ${s5xx} answers 5xx;"; fi
  if ((${s3xx:-0} + ${s4xx:-0} > 0)); then ok=0; note+=" $((s3xx + s4xx)) answers 3xx/4xx;"; fi

  if ! kill -0 "$server_pid" 2>/dev/null; then
    ok=0 crashes=$((crashes + 1)); note+=" server DIED;"
    wait "$server_pid" 2>/dev/null || note+=" exit status $?;"
    server_pid=''
  else
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$base/health" || true)" == 200 ]] ||
      { ok=0; note+=" /health not answered after the load;"; }
    kill -TERM "$server_pid" 2>/dev/null || true
    status=0
    wait "$server_pid" || status=$?
    server_pid=''
    if ((status != 0)); then
      ok=0; note+=" exit status $status after SIGTERM;"
      ((status < 128)) || crashes=$((crashes + 1))
    fi
  fi
  if grep -qE 'AddressSanitizer|ThreadSanitizer|runtime error|terminate called|Segmentation' "$tmp/server.log"; then
    ok=0; note+=" see the server log:"; tail -20 "$tmp/server.log"
  fi
  total_answered=$((total_answered + answered)) total_5xx=$((total_5xx + ${s5xx:-0}))
  verdict=PASS
  ((ok)) || { verdict=FAIL; failed=1; }
  results+=("$(printf 'run %2d %s  %8s answers %6s/s  2xx %8s  5xx %s  p50 %s p99 %s%s' "$run" "$verdict" \
    "$answered" "${rps:-?}" "${s2xx:-?}" "${s5xx:-?}" "${p50:-?}" "${p99:-?}" "${note:+ ;$note}")")
  log "${results[-1]}"
done

echo
echo "==== $RUNS runs of concurrent browse traffic: $CONNS connections, ${SECS} s each, $corpus_note ===="
printf '%s\n' "${results[@]}"
echo "total: $total_answered answers, $total_5xx answers 5xx, $crashes crashes"
if ((failed)); then
  echo FAIL
  exit 1
fi
echo PASS
