#!/usr/bin/env bash
# Browser tests of the search page: indexes tests/data/sample.jsonl and fixtures/hostile.jsonl
# into a temporary database, serves it with BIN_DIR/sondhan-server on a free loopback port, and
# runs search_page.test.mjs in Debian's Chromium (playwright-core, no browser download). With the
# shared corpus beside the checkout, a second server over it is used to time the first result's
# paint after Enter. Screenshots go to <BIN_DIR>/../screenshots (build/screenshots by default).
#
#   tests/browser/run.sh [BIN_DIR]          BIN_DIR defaults to build/bin
#
# Environment: SONDHAN_SCREENSHOT_DIR (where screenshots go), SONDHAN_CHROMIUM (default
# /usr/bin/chromium), SONDHAN_BENCH_DB (an already indexed shared corpus to reuse),
# SONDHAN_BROWSER_NO_BENCH=1 (skip the paint timing).
# Needs: apt-get install chromium fonts-noto-core; node >= 20 and npm.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
bin_dir=${1:-$root/build/bin}
if [[ ! -x $bin_dir/sondhan-server || ! -x $bin_dir/sondhan-index ]]; then
  echo "run.sh: no sondhan-server and sondhan-index in '$bin_dir' (build first, or pass BIN_DIR)" >&2
  exit 2
fi
bin_dir=$(cd "$bin_dir" && pwd)
shots=${SONDHAN_SCREENSHOT_DIR:-$(dirname "$bin_dir")/screenshots}
chromium=${SONDHAN_CHROMIUM:-/usr/bin/chromium}
corpus=$root/../shared/corpus/bn_news.jsonl.gz

if [[ ! -x $chromium ]]; then
  echo "run.sh: no Chromium at $chromium (apt-get install chromium fonts-noto-core)" >&2
  exit 2
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "run.sh: node and npm are needed" >&2
  exit 2
fi
if [[ ! -f $here/node_modules/playwright-core/package.json ]]; then
  # playwright-core downloads no browser; the variable only makes sure of it.
  (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sondhan-browser.XXXXXX")
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ $status -ne 0 ]]; then
    for log in "$work"/*.log; do
      [[ -f $log ]] && { echo "---- last lines of $(basename "$log")"; tail -n 20 "$log"; }
    done
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free loopback port: the kernel picks one for a throwaway listener.
free_port() {
  node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# serve DB LOG: starts a server on a free port; sets served_url once /health answers.
served_url=
serve() {
  local db=$1 log=$2 port
  port=$(free_port)
  "$bin_dir/sondhan-server" --db "$db" --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
  pids+=($!)
  local url=http://127.0.0.1:$port
  if ! node -e '
    const url = process.argv[1] + "/health";
    const until = Date.now() + 20000;
    (async () => {
      while (Date.now() < until) {
        try { if ((await fetch(url)).ok) return; } catch {}
        await new Promise((r) => setTimeout(r, 100));
      }
      process.exit(1);
    })();' "$url"; then
    echo "run.sh: the server on port $port did not start" >&2
    return 1
  fi
  served_url=$url
}

"$bin_dir/sondhan-index" -q --db "$work/sample.db" "$root/tests/data/sample.jsonl" "$here/fixtures/hostile.jsonl" \
  >"$work/index-sample.log" 2>&1
serve "$work/sample.db" "$work/server-sample.log"
base_url=$served_url
echo "sample server: $base_url"

bench_url=
if [[ ${SONDHAN_BROWSER_NO_BENCH:-} != 1 ]]; then
  bench_db=${SONDHAN_BENCH_DB:-}
  if [[ -z $bench_db && -f $corpus ]]; then
    echo "indexing the shared corpus for the paint timing..."
    bench_db=$work/bench.db
    "$bin_dir/sondhan-index" -q --db "$bench_db" "$corpus" >"$work/index-bench.log" 2>&1
    tail -n 1 "$work/index-bench.log"
  fi
  if [[ -n $bench_db ]]; then
    serve "$bench_db" "$work/server-bench.log"
    bench_url=$served_url
    echo "shared-corpus server: $bench_url"
  fi
fi

mkdir -p "$shots"
cd "$here"
SONDHAN_BASE_URL=$base_url SONDHAN_BENCH_URL=$bench_url SONDHAN_SCREENSHOT_DIR=$shots \
SONDHAN_SOURCE_DIR=$root SONDHAN_CHROMIUM=$chromium \
  node --test --test-reporter=spec --test-timeout=300000 search_page.test.mjs
