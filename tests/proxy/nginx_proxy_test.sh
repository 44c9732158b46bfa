#!/usr/bin/env bash
# Checks docker/nginx.conf in front of a real sondhan-server:
#
#   tests/proxy/nginx_proxy_test.sh [BIN_DIR]        (default build/bin; run from anywhere)
#
# Indexes tests/data/sample.jsonl into a temporary database, starts sondhan-server and nginx
# (Debian's nginx package) on free loopback ports, nginx unprivileged in the foreground with the
# configuration's addresses, pid, logs and temp directories moved into the temporary directory
# (tests/proxy/proxy_checks.py conf), then checks through the proxy
# (tests/proxy/proxy_checks.py run): searches give the same hits as direct; methods other than
# GET/HEAD/OPTIONS are refused except PUT/POST/DELETE on /documents/; a Range header with many
# ranges gets no multipart answer; a body over client_max_body_size gets 413 (declared and
# chunked); a %0D%0A path forges no access-log line; a client sending one header line a second
# is cut off (408 or closed) within client_header_timeout (+3 s); requests in progress beyond
# limit_conn from one address get 429/503; back-to-back requests beyond limit_req's burst get
# 429. Takes about 20 s. Exits 0 when every check passes, 1 when one fails, 2 on a set-up error.
# When run as root, nginx runs as nobody (setpriv).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=$(cd "${1:-$ROOT/build/bin}" 2>/dev/null && pwd) || { echo "$0: no bin directory '${1:-build/bin}'" >&2; exit 2; }
CONF="$ROOT/docker/nginx.conf"
CHECKS="$ROOT/tests/proxy/proxy_checks.py"

NGINX=$(command -v nginx || true)
[[ -n "$NGINX" ]] || NGINX=/usr/sbin/nginx
[[ -x "$NGINX" ]] || { echo "$0: nginx not found (apt-get install -y nginx)" >&2; exit 2; }
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "$0: $tool not found" >&2; exit 2; }
done
for b in sondhan-server sondhan-index; do
  [[ -x "$BIN/$b" ]] || { echo "$0: $BIN/$b not found" >&2; exit 2; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sondhan-nginx-test.XXXXXX")
SERVER_PID="" NGINX_PID=""
stop() {  # pid: TERM, then KILL after 5 s
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -n "$NGINX_PID" ]] && stop "$NGINX_PID"
  [[ -n "$SERVER_PID" ]] && stop "$SERVER_PID"
  if [[ $rc -ne 0 && -d "$TMP/nginx" ]]; then
    echo "--- nginx error log (last lines) ---" >&2
    tail -n 20 "$TMP/nginx/error.log" >&2 2>/dev/null || true
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
wait_http() {  # url pid name: until the url answers 200 (20 s)
  local deadline=$((SECONDS + 20))
  until curl -sf --max-time 1 "$1" >/dev/null 2>&1; do
    kill -0 "$2" 2>/dev/null || { echo "$0: $3 exited during start-up" >&2; return 1; }
    [[ $SECONDS -lt $deadline ]] || { echo "$0: $3 did not answer $1 within 20 s" >&2; return 1; }
    sleep 0.1
  done
}

# ---- sondhan-server over the sample articles ----
"$BIN/sondhan-index" -q --db "$TMP/db" "$ROOT/tests/data/sample.jsonl" >"$TMP/index.log" 2>&1 \
  || { echo "$0: indexing tests/data/sample.jsonl failed:" >&2; cat "$TMP/index.log" >&2; exit 2; }
DIRECT=$(free_port)
"$BIN/sondhan-server" --db "$TMP/db" --host 127.0.0.1 --port "$DIRECT" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
wait_http "http://127.0.0.1:$DIRECT/health" "$SERVER_PID" sondhan-server \
  || { cat "$TMP/server.log" >&2; exit 2; }

# ---- nginx, unprivileged, in the foreground ----
NGX="$TMP/nginx"
mkdir -p "$NGX"
PROXY=$(free_port)
python3 "$CHECKS" conf --in "$CONF" --out "$NGX/nginx.conf" --dir "$NGX" --listen "$PROXY" --upstream "$DIRECT"
RUN_AS=()
if [[ $(id -u) -eq 0 ]]; then
  chmod 711 "$TMP"
  chown -R nobody:nogroup "$NGX"
  RUN_AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
fi
"${RUN_AS[@]}" "$NGINX" -t -q -p "$NGX/" -c "$NGX/nginx.conf" -e "$NGX/error.log" \
  || { echo "$0: nginx -t rejected the configuration" >&2; cat "$NGX/error.log" >&2 2>/dev/null; exit 2; }
"${RUN_AS[@]}" "$NGINX" -p "$NGX/" -c "$NGX/nginx.conf" -e "$NGX/error.log" -g 'daemon off;' \
  >"$TMP/nginx.out" 2>&1 &
NGINX_PID=$!
wait_http "http://127.0.0.1:$PROXY/health" "$NGINX_PID" nginx \
  || { cat "$TMP/nginx.out" "$NGX/error.log" >&2 2>/dev/null; exit 2; }
echo "sondhan-server on 127.0.0.1:$DIRECT, nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///') on 127.0.0.1:$PROXY" \
     "(as $([[ ${#RUN_AS[@]} -gt 0 ]] && echo nobody || id -un))"

# ---- checks ----
set +e
python3 "$CHECKS" run --conf "$NGX/nginx.conf" --dir "$NGX" --proxy "$PROXY" --direct "$DIRECT"
rc=$?
set -e
if ! kill -0 "$NGINX_PID" 2>/dev/null || ! kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "not ok - nginx or sondhan-server died during the checks" >&2
  rc=1
fi
exit "$rc"
