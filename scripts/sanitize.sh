#!/usr/bin/env bash
# Sanitizer runs: builds sondhan with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
# and/or ThreadSanitizer (build-tsan/), serves a temporary database from the sanitized
# sondhan-server under a concurrent HTTP load of every query shape (wrk, tests/sanitizers/), then
# runs the whole CTest suite there. Fails on a failed test, on any sanitizer report from any process
# (tests, the programs they start, the indexer, the server) and on a server that dies.
#
#   scripts/sanitize.sh [--no-ctest] [address|thread|all]     (default: all)
#
# --no-ctest builds and runs the HTTP load only (a quicker check of the server).
#
# Environment (all optional):
#   SONDHAN_BUILD_JOBS=2         parallel compile jobs
#   SONDHAN_LOAD_SECONDS=25      length of the HTTP load
#   SONDHAN_LOAD_CONNECTIONS=16  concurrent connections (the server runs 4 searchers)
#   SONDHAN_LOAD_CORPUS=1        also index ../shared/corpus/bn_news.jsonl.gz, when present, into
#                                the load's database (adds minutes under TSan)
#   ASAN_OPTIONS, UBSAN_OPTIONS, LSAN_OPTIONS, TSAN_OPTIONS
#                                appended to this script's options (a later option wins), e.g.
#                                TSAN_OPTIONS=halt_on_error=0 to collect every report of a run
# Reports go to build-{asan,tsan}/sanitizer-logs/report-*.PID (one file per process) and are
# printed; the same folder keeps the ctest, indexer, server and wrk output of the last run.
# Needs the build dependencies of scripts/install-deps.sh (wrk and curl among them).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

build_jobs=${SONDHAN_BUILD_JOBS:-2}
load_seconds=${SONDHAN_LOAD_SECONDS:-25}
load_connections=${SONDHAN_LOAD_CONNECTIONS:-16}
corpus="$root/../shared/corpus/bn_news.jsonl.gz"
user_asan=${ASAN_OPTIONS:-} user_ubsan=${UBSAN_OPTIONS:-} user_lsan=${LSAN_OPTIONS:-} user_tsan=${TSAN_OPTIONS:-}

usage() { echo "usage: scripts/sanitize.sh [--no-ctest] [address|thread|all]" >&2; exit 2; }
run_ctest=1 which=''
for arg in "$@"; do
  case $arg in
    --no-ctest) run_ctest=0 ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    address | thread | all) [[ -z "$which" ]] || usage; which=$arg ;;
    *) usage ;;
  esac
done
case "${which:-all}" in
  address) sanitizers=(address) ;;
  thread) sanitizers=(thread) ;;
  all) sanitizers=(address thread) ;;
esac
for tool in cmake ctest wrk curl; do
  command -v "$tool" >/dev/null || { echo "sanitize.sh: $tool is not installed (scripts/install-deps.sh)" >&2; exit 2; }
done
ulimit -c 0  # abort_on_error would otherwise leave core files behind
# Targets a sanitizer run leaves out: CMake's own and the benchmark programs (bench/).
not_built='all|clean|depend|edit_cache|rebuild_cache|test|install|install/.*|list_install_components'
not_built+='|analyzer_bench|relevance_eval|peer_plain_xapian|dedup_eval'

# ---- Cleanup of whatever a run leaves behind (temporary directory, server, wrk) ----
tmp='' server_pid='' wrk_pid='' writer_pid=''
cleanup() {
  local pid indexer_pid=''
  if [[ -n "$tmp" && -f "$tmp/writer.pid" ]]; then indexer_pid=$(<"$tmp/writer.pid"); fi
  for pid in "$wrk_pid" "$writer_pid" "$indexer_pid" "$server_pid"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  wrk_pid='' writer_pid='' server_pid=''
  if [[ -n "$tmp" ]]; then rm -rf "$tmp"; fi
  tmp=''
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[sanitize %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# Sanitizer options for every process of a run: any report ends the process with an error
# (ctest then fails the test), and goes to its own file under $1 (prefix), so that reports from
# processes whose exit status nobody checks (a program a test starts, the server) are found too.
set_sanitizer_env() {
  local prefix=$1 supp=$root/tests/sanitizers
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=1"
  ASAN_OPTIONS+=":check_initialization_order=1:strict_init_order=1:log_path=$prefix"
  UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$prefix"
  LSAN_OPTIONS="log_path=$prefix"
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:log_path=$prefix"
  local name
  for name in asan ubsan lsan tsan; do
    if [[ -f "$supp/$name.supp" ]]; then
      case $name in
        asan) ASAN_OPTIONS+=":suppressions=$supp/$name.supp" ;;
        ubsan) UBSAN_OPTIONS+=":suppressions=$supp/$name.supp" ;;
        lsan) LSAN_OPTIONS+=":suppressions=$supp/$name.supp" ;;
        tsan) TSAN_OPTIONS+=":suppressions=$supp/$name.supp" ;;
      esac
    fi
  done
  [[ -z "$user_asan" ]] || ASAN_OPTIONS+=":$user_asan"
  [[ -z "$user_ubsan" ]] || UBSAN_OPTIONS+=":$user_ubsan"
  [[ -z "$user_lsan" ]] || LSAN_OPTIONS+=":$user_lsan"
  [[ -z "$user_tsan" ]] || TSAN_OPTIONS+=":$user_tsan"
  export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS TSAN_OPTIONS
}

# Number of sanitizer reports in the files and logs given (one SUMMARY line per report).
count_reports() {
  local n
  n=$(cat -- "$@" 2>/dev/null | grep -cE '^SUMMARY: (Address|Thread|UndefinedBehavior|Leak)Sanitizer' || true)
  echo "${n:-0}"
}

# Percent-encodes a readable path: keeps ASCII letters, digits and / ? = & , . _ ~ : -, and
# encodes everything else byte by byte (a space, '"', '+', '(', and all of UTF-8 Bengali).
urlencode() {
  local LC_ALL=C s=$1 out='' c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [A-Za-z0-9/?=\&,._~:-]) out+=$c ;;
      *) printf -v c '%%%02X' "'$c"; out+=$c ;;
    esac
  done
  printf '%s' "$out"
}

# ---- One sanitizer: build, test, load. Sets the r_* results; returns non-zero on failure ----
run_one() {
  local san=$1 build logs start
  case $san in
    address) build=$root/build-asan ;;
    thread) build=$root/build-tsan ;;
  esac
  logs=$build/sanitizer-logs
  r_build=- r_ctest=- r_load=- r_tests='not run' r_requests='not run' r_reports=0 r_result=FAIL

  log "$san: configure and build in ${build#"$root"/}"
  start=$SECONDS
  # -O1 -g without NDEBUG: readable stacks, assertions on, and a faster build than -O2.
  # Benchmarks ON for the relevance test, but the benchmark programs themselves are not built:
  # every other target is (the programs, the test binaries, the fuzz replay drivers).
  local targets
  if ! cmake -S "$root" -B "$build" -DSONDHAN_SANITIZE="$san" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
         -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DSONDHAN_BUILD_TESTS=ON -DSONDHAN_BUILD_BENCHMARKS=ON \
       || ! targets=$(cmake --build "$build" --target help | sed -n 's/^\.\.\. \([A-Za-z0-9_-]*\).*/\1/p' \
                        | grep -vxE "$not_built") \
       || ! cmake --build "$build" -j"$build_jobs" --target $targets; then
    r_build=$((SECONDS - start))
    log "$san: build FAILED"
    return 1
  fi
  r_build=$((SECONDS - start))
  rm -rf "$logs"
  mkdir -p "$logs"

  # The HTTP load first: a minute or two, where the suite takes far longer (the relevance test
  # indexes the shared corpus), and the likeliest place for a data race.
  log "$san: concurrent HTTP load"
  start=$SECONDS
  local load_ok=1
  run_load "$build" "$logs" || load_ok=0
  r_load=$((SECONDS - start))
  local load_reports
  load_reports=$(count_reports "$logs"/report-load.* "$logs/server.err")
  r_reports=$load_reports
  if ((load_reports > 0)); then
    log "$san: $load_reports sanitizer report(s) during the load:"
    cat "$logs"/report-load.* "$logs/server.err" 2>/dev/null || true
  fi

  # Then the whole CTest suite, even when the load failed, so that one run shows every problem.
  # Sanitized tests run 2-15x slower than plain ones.
  local ctest_ok=1
  if ((run_ctest)); then
    log "$san: ctest"
    start=$SECONDS
    set_sanitizer_env "$logs/report-ctest"
    # The browser test's paint timing would time the sanitizer, after indexing the shared corpus
    # with the sanitized indexer (14 min under TSan; the relevance test indexes it anyway).
    SONDHAN_BROWSER_NO_BENCH=1 ctest --test-dir "$build" --output-on-failure -j2 --timeout 1800 </dev/null 2>&1 | tee "$logs/ctest.out" || ctest_ok=0
    r_ctest=$((SECONDS - start))
    r_tests=$(grep -oE '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$logs/ctest.out" | tail -1 || true)
    r_tests=${r_tests:-'no ctest summary'}
    local ctest_reports
    ctest_reports=$(count_reports "$logs"/report-ctest.*)
    r_reports=$((r_reports + ctest_reports))
    if ((ctest_reports > 0)); then
      log "$san: $ctest_reports sanitizer report(s) during ctest:"
      cat "$logs"/report-ctest.*
    fi
  fi

  if ((ctest_ok && load_ok && r_reports == 0)); then
    r_result=OK
    return 0
  fi
  return 1
}

# Indexes the sample (and optionally the shared corpus) with the sanitized indexer, serves it
# with the sanitized server on a free loopback port, checks every request of
# tests/sanitizers/load_paths.txt once, loads the server with all of them from concurrent
# connections, and stops it with SIGTERM.
run_load() {
  local build=$1 logs=$2 ok=1
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/sondhan-sanitize.XXXXXX")
  set_sanitizer_env "$logs/report-load"

  if ! "$build/bin/sondhan-index" --db "$tmp/db" "$root/tests/data/sample.jsonl" </dev/null >"$logs/index.out" 2>&1; then
    log "sondhan-index failed on the sample:"; tail -20 "$logs/index.out"
    cleanup; return 1
  fi
  if [[ "${SONDHAN_LOAD_CORPUS:-0}" == 1 ]]; then
    if [[ -f "$corpus" ]]; then
      log "indexing the shared corpus too"
      if ! "$build/bin/sondhan-index" --db "$tmp/db" "$corpus" </dev/null >>"$logs/index.out" 2>&1; then
        log "sondhan-index failed on the shared corpus:"; tail -20 "$logs/index.out"
        cleanup; return 1
      fi
    else
      log "no shared corpus at $corpus: the load uses the sample only"
    fi
  fi

  # Port 0: the server picks a free port and logs it. Four searchers, so that several searches
  # run at once; connections closed every 50 requests, so that connection set-up and tear-down
  # run concurrently with searches; a long queue wait, because a sanitized search is 2-15x slower
  # and a 503 "busy" answer here would say nothing about a bug.
  SONDHAN_SERVER_KEEP_ALIVE_REQUESTS=50 SONDHAN_SERVER_THREADS=4 SONDHAN_SERVER_QUEUE_TIMEOUT_MS=30000 \
    "$build/bin/sondhan-server" --db "$tmp/db" --host 127.0.0.1 --port 0 </dev/null \
    >"$tmp/server.out" 2>"$logs/server.err" &
  server_pid=$!
  local port='' waited
  for ((waited = 0; waited < 600; waited++)); do
    port=$(grep -ohE 'listening on http://127\.0\.0\.1:[0-9]+' "$tmp/server.out" "$logs/server.err" 2>/dev/null \
             | head -1 | sed 's/.*://' || true)
    [[ -n "$port" ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z "$port" ]]; then
    log "sondhan-server did not start:"; tail -20 "$tmp/server.out" "$logs/server.err"
    cleanup; return 1
  fi
  local base=http://127.0.0.1:$port

  # The request list, percent-encoded, and each request's status checked once.
  local status method path encoded got mismatches=0
  : >"$tmp/paths"
  while read -r status method path; do
    [[ -z "$status" || "$status" == \#* ]] && continue
    encoded=$(urlencode "$path")
    printf '%s %s %s\n' "$status" "$method" "$encoded" >>"$tmp/paths"
    got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 -X "$method" \
            -H 'Origin: https://example.com' -H 'Access-Control-Request-Method: GET' "$base$encoded" || true)
    if [[ "$got" != "$status" ]]; then
      log "expected $status, got ${got:-no answer}: $method $path"
      mismatches=$((mismatches + 1))
    fi
  done <"$root/tests/sanitizers/load_paths.txt"
  ((mismatches == 0)) || ok=0

  # A writer beside the readers: the sanitized indexer re-indexes the sample (same articles, a
  # new revision) every few seconds during the load, so that searchers reopen the database while
  # other searches run. Two seconds apart, so no search sees two commits (it retries once).
  : >"$logs/writer.out"
  (
    while [[ ! -e "$tmp/stop" ]]; do
      "$build/bin/sondhan-index" --db "$tmp/db" -q "$root/tests/data/sample.jsonl" </dev/null \
        >>"$logs/writer.out" 2>&1 &
      echo $! >"$tmp/writer.pid"
      if wait $!; then echo ok >>"$tmp/writer.runs"; else echo failed >>"$tmp/writer.runs"; fi
      sleep 2
    done
  ) &
  writer_pid=$!

  # The load: wrk runs in the background so that cleanup can stop it.
  SONDHAN_LOAD_PATHS=$tmp/paths wrk -t2 -c"$load_connections" -d"${load_seconds}s" --timeout 30s \
    -s "$root/tests/sanitizers/load.lua" "$base" </dev/null >"$logs/wrk.out" 2>&1 &
  wrk_pid=$!
  local wrk_status=0
  wait "$wrk_pid" || wrk_status=$?
  wrk_pid=''
  cat "$logs/wrk.out"
  local line sent=0 s5xx=0 socket_errors
  line=$(grep '^sondhan-load:' "$logs/wrk.out" || true)
  if [[ -n "$line" ]]; then
    sent=$(sed -E 's/.* sent=([0-9]+).*/\1/' <<<"$line")
    s5xx=$(sed -E 's/.* 5xx=([0-9]+).*/\1/' <<<"$line")
    r_requests=${line#sondhan-load: }
  else
    r_requests='wrk gave no summary'
  fi
  socket_errors=$(grep -E '^ +Socket errors:' "$logs/wrk.out" || true)
  touch "$tmp/stop"
  wait "$writer_pid" || true
  writer_pid=''
  local commits failed_commits
  commits=$(grep -c '^ok' "$tmp/writer.runs" 2>/dev/null || true)
  failed_commits=$(grep -c '^failed' "$tmp/writer.runs" 2>/dev/null || true)
  r_requests+=", ${commits:-0} re-index runs during the load"
  if ((${failed_commits:-0} > 0)); then
    log "the indexer failed $failed_commits time(s) while the server ran:"; tail -20 "$logs/writer.out"
    ok=0
  fi
  if ((wrk_status != 0)) || [[ -z "$line" ]] || ((sent == 0 || s5xx > 0)) || [[ -n "$socket_errors" ]]; then
    log "load FAILED (wrk status $wrk_status; ${socket_errors:-no socket errors}; $s5xx answers 5xx)"
    ok=0
  fi

  # Still alive and answering? Then a graceful stop, which must end with status 0.
  if ! kill -0 "$server_pid" 2>/dev/null; then
    log "sondhan-server DIED during the load"
    ok=0
  elif [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 "$base/health" || true)" != 200 ]]; then
    log "sondhan-server no longer answers /health after the load"
    ok=0
  fi
  kill -TERM "$server_pid" 2>/dev/null || true
  for ((waited = 0; waited < 600; waited++)); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    log "sondhan-server did not stop within 60 s of SIGTERM"
    ok=0
  fi
  local server_status=0
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || server_status=$?
  server_pid=''
  if ((server_status != 0)); then
    log "sondhan-server exited with status $server_status"
    ok=0
  fi
  tail -n 200 "$tmp/server.out" >"$logs/server.out.tail"
  cleanup
  ((ok))
}

# ---- Main ----
failed=0
declare -A summary
for san in "${sanitizers[@]}"; do
  run_one "$san" || failed=1
  summary[$san]="$r_result  build ${r_build}s, load ${r_load}s ($r_requests), ctest ${r_ctest}s ($r_tests), sanitizer reports: $r_reports"
done

echo
echo "==== sanitizer summary ===="
for san in "${sanitizers[@]}"; do
  printf '%-8s %s\n' "$san:" "${summary[$san]}"
done
if ((failed)); then
  echo "FAILED: see the output above and build-asan/ or build-tsan/ sanitizer-logs/"
  exit 1
fi
echo "all sanitizer runs passed"
