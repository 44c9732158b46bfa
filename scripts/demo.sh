#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install dependencies, build, index the bundled
# sample articles into data/sample.db and serve them on 127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
rm -rf data/sample.db
build/bin/sondhan-index --db data/sample.db tests/data/sample.jsonl
cat <<'MSG'

sondhan is starting on http://127.0.0.1:8080 (Ctrl-C stops it). Try, from another terminal:

  curl -s 'http://127.0.0.1:8080/search?q=উত্তর%20কোরিয়া%20সেনা&limit=3'
  curl -s -G 'http://127.0.0.1:8080/search' --data-urlencode 'q=উত্তর কোরিয়া সেনা' --data-urlencode 'facets=source,year'

MSG
exec build/bin/sondhan-server --config config/sondhan.toml --db data/sample.db
