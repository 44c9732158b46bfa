#!/usr/bin/env python3
"""Helpers of nginx_proxy_test.sh (standard library only).

  proxy_checks.py conf  --in docker/nginx.conf --out DIR/nginx.conf --dir DIR --listen PORT --upstream PORT
      Writes the configuration for an unprivileged test instance: the listen and upstream
      addresses on loopback ports, pid, logs and temp directories inside DIR, no `user` line.
      Every substitution must match, so that a changed configuration fails here, loudly.
  proxy_checks.py run   --conf DIR/nginx.conf --dir DIR --proxy PORT --direct PORT
      Runs the checks against the proxy (and the server directly, for comparison); prints one
      "ok"/"not ok" line per check and exits 1 if any failed."""

import argparse
import json
import os
import re
import secrets
import select
import socket
import sys
import time
from urllib.parse import quote

HOST = "127.0.0.1"


# ---- configuration ------------------------------------------------------------------------

def substitute(text, pattern, repl, what, flags=re.M):
    new, n = re.subn(pattern, repl, text, flags=flags)
    if n == 0:
        raise SystemExit(f"proxy_checks.py conf: no {what} in the configuration")
    return new


def cmd_conf(args):
    with open(args.conf_in, encoding="utf-8") as f:
        text = f.read()
    d = args.dir.rstrip("/")
    text = substitute(text, r"^\s*user\s+[^;]*;[ \t]*\n", "", "user line")
    text = substitute(text, r"^(\s*)pid\s+[^;]+;", rf"\1pid {d}/nginx.pid;", "pid")
    text = substitute(text, r"^(\s*)error_log\s+\S+", rf"\1error_log {d}/error.log", "error_log")
    text = substitute(text, r"^(\s*)access_log\s+\S+", rf"\1access_log {d}/access.log", "access_log")
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        text = substitute(text, rf"^(\s*){kind}_temp_path\s+[^;]+;", rf"\1{kind}_temp_path {d}/temp/{kind};",
                          f"{kind}_temp_path")
    text = substitute(text, r"^(\s*)listen\s+[^;]+;", rf"\1listen {HOST}:{args.listen};", "listen")
    text = substitute(text, r"(upstream\s+sondhan\s*\{[^}]*?^\s*server\s+)[^;\s]+",
                      rf"\g<1>{HOST}:{args.upstream}", "upstream server", flags=re.M | re.S)
    os.makedirs(os.path.join(d, "temp"), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)


def directive(text, name):
    m = re.search(rf"^\s*{name}\s+([^;]+);", text, re.M)
    if not m:
        raise SystemExit(f"proxy_checks.py: no {name} in the configuration")
    return m.group(1).split()


def seconds(value):
    m = re.fullmatch(r"(\d+)(ms|s|m)?", value)
    n = int(m.group(1))
    return {"ms": n / 1000, "s": n, None: n, "m": n * 60}[m.group(2)]


def size_bytes(value):
    m = re.fullmatch(r"(\d+)([kKmM]?)", value)
    return int(m.group(1)) * {"": 1, "k": 1024, "K": 1024, "m": 1 << 20, "M": 1 << 20}[m.group(2)]


# ---- HTTP over plain sockets --------------------------------------------------------------

def read_response(sock, deadline):
    """(status, headers, body) of one answer; status None when the connection closed first."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        data = sock.recv(65536)
        if not data:
            return None, {}, b""
        buf += data
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        n = int(headers["content-length"])
        while len(body) < n:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            data = sock.recv(65536)
            if not data:
                break
            body += data
        body = body[:n]
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        raw = body
        body = b""
        while True:
            while b"\r\n" not in raw:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                raw += sock.recv(65536)
            size_line, _, raw = raw.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            while len(raw) < size + 2:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                raw += sock.recv(65536)
            body += raw[:size]
            raw = raw[size + 2:]
    return status, headers, body


def request(port, method, target, headers=(), body=b"", timeout=10.0):
    lines = [f"{method} {target} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close", *headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        return read_response(s, time.monotonic() + timeout)


def get_json(port, target):
    status, headers, body = request(port, "GET", target)
    return status, (json.loads(body) if status and body else None)


# ---- checks -------------------------------------------------------------------------------

class Checks:
    def __init__(self):
        self.n = 0
        self.failed = []

    def report(self, name, ok, detail):
        self.n += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {name}: {detail}", flush=True)
        if not ok:
            self.failed.append(name)

    def run(self, name, fn, *args):
        try:
            ok, detail = fn(*args)
        except Exception as e:  # a check that breaks is a failed check, and the others still run
            ok, detail = False, f"error: {e.__class__.__name__}: {e}"
        self.report(name, ok, detail)


def check_same_hits(proxy, direct):
    targets = [
        "/search?q=" + quote("উত্তর কোরিয়া সেনা", safe=""),
        "/search?q=" + quote("ধান", safe="") + "&facets=source,category,year&sort=-date",
        "/search?limit=5&page=2",
    ]
    details = []
    for t in targets:
        ps, pj = get_json(proxy, t)
        ds, dj = get_json(direct, t)
        if ps != 200 or ds != 200:
            return False, f"{t}: proxy {ps}, direct {ds}"
        pids, dids = [h["id"] for h in pj["hits"]], [h["id"] for h in dj["hits"]]
        if pids != dids or pj["total"] != dj["total"] or pj.get("facets") != dj.get("facets"):
            return False, f"{t}: proxy {pids} (total {pj['total']}) vs direct {dids} (total {dj['total']})"
        if not pids and t == targets[0]:
            return False, f"{t} found nothing: the sample database is not what the test expects"
        details.append(f"{len(pids)} hits")
    ds, dbody = request(direct, "GET", "/documents/seed-0001")[::2]
    ps, pbody = request(proxy, "GET", "/documents/seed-0001")[::2]
    if ps != 200 or pbody != dbody:
        return False, f"/documents/seed-0001: proxy {ps}, direct {ds}, same body: {pbody == dbody}"
    return True, f"3 searches ({', '.join(details)}) and /documents/seed-0001 answer 200 with the same hits as direct"


def check_methods(proxy):
    results = {}
    for method, target in (("PUT", "/search"), ("TRACE", "/"), ("PATCH", "/documents/seed-0001"),
                           ("POST", "/documents/seed-0001"), ("DELETE", "/documents/seed-0001"),
                           ("OPTIONS", "/search"), ("HEAD", "/health")):
        body = b'{"id":"x"}' if method in ("POST", "PUT", "PATCH") else b""
        headers = ["Content-Type: application/json", "Origin: https://example.com",
                   "Access-Control-Request-Method: GET"]
        status, hdrs, rbody = request(proxy, method, target, headers, body)
        results[(method, target)] = (status, hdrs, rbody)
    problems = []
    for key in (("PUT", "/search"), ("TRACE", "/"), ("PATCH", "/documents/seed-0001")):
        status, hdrs, rbody = results[key]
        if status != 405 or b"method not allowed here" not in rbody:  # nginx's own JSON answer
            problems.append(f"{key[0]} {key[1]} -> {status} {rbody[:80]!r} (want nginx's 405)")
    for key in (("POST", "/documents/seed-0001"), ("DELETE", "/documents/seed-0001")):
        status, hdrs, rbody = results[key]
        if status in (None, 502, 503, 504) or b"method not allowed here" in rbody:
            problems.append(f"{key[0]} {key[1]} -> {status} {rbody[:80]!r} (want the server's answer)")
    for key in (("OPTIONS", "/search"), ("HEAD", "/health")):
        status = results[key][0]
        if status not in (200, 204):
            problems.append(f"{key[0]} {key[1]} -> {status}")
    summary = ", ".join(f"{m} {t} {v[0]}" for (m, t), v in results.items())
    return not problems, "; ".join(problems) if problems else summary


def check_no_desync(proxy):
    """A request body the server leaves unread must not reach the next request on a kept-alive
    upstream connection. The body here is the start of a request whose last header swallows the
    next request's line: on a shared connection, the next client would get /documents/seed-0001
    (or a 400) instead of its /health answer."""
    smuggled = b"GET /documents/seed-0001 HTTP/1.1\r\nX-Smuggled: "
    wrong, writes, reads_with_body = [], {}, {}
    rounds = 6  # 4 requests each: within limit_req's burst
    for i in range(rounds):
        status, _, _ = request(proxy, "POST", "/documents/seed-0001", ["Content-Type: text/plain"], smuggled)
        writes[str(status)] = writes.get(str(status), 0) + 1
        method_target = ("GET", "/search?q=x") if i % 2 else ("OPTIONS", "/search")
        status, _, _ = request(proxy, *method_target, ["Content-Type: text/plain"], smuggled)
        reads_with_body[str(status)] = reads_with_body.get(str(status), 0) + 1
        for _ in range(2):  # other clients' requests right after, on whatever connection nginx reuses
            status, _, body = request(proxy, "GET", "/health")
            if status != 200 or b'"ok"' not in body:
                wrong.append(f"{status} {body[:30].decode('utf-8', 'replace')!r}")
    ok = not wrong and set(reads_with_body) == {"400"}
    return ok, (f"{rounds} POSTs whose body is a request (answers {writes}), {rounds} reads with such a "
                f"body (answers {reads_with_body}, want 400 from nginx); /health right after: "
                f"{2 * rounds - len(wrong)} of {2 * rounds} correct" + (f", wrong: {wrong[:3]}" if wrong else ""))


def check_slow_headers(proxy, timeout_s):
    s = socket.create_connection((HOST, proxy), timeout=5)
    start = time.monotonic()
    s.sendall(f"GET /search?q=x HTTP/1.1\r\nHost: {HOST}\r\n".encode())
    limit = timeout_s + 3
    outcome, i = "still open", 0
    while time.monotonic() - start < limit:
        readable, _, _ = select.select([s], [], [], 1.0)
        if readable:
            try:
                data = s.recv(4096)
            except OSError as e:
                data = b""
                outcome = f"reset ({e.__class__.__name__})"
            if data:
                outcome = "answered " + data.split(b"\r\n", 1)[0].decode("latin-1")
            elif outcome == "still open":
                outcome = "closed"
            break
        try:
            s.sendall(f"X-Slow-{i}: x\r\n".encode())  # one header line a second, never the end
            i += 1
        except OSError as e:
            outcome = f"reset ({e.__class__.__name__})"
            break
    elapsed = time.monotonic() - start
    s.close()
    ok = outcome != "still open" and ("408" in outcome or not outcome.startswith("answered"))
    return ok, (f"{outcome} after {elapsed:.1f} s ({i} header lines sent; "
                f"client_header_timeout {timeout_s:g} s, allowed up to {limit:g} s)")


def check_body_limit(proxy, limit):
    details = []
    # Declared too large: nginx answers from the headers alone.
    s = socket.create_connection((HOST, proxy), timeout=10)
    s.sendall((f"POST /documents/seed-0001 HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {limit + 1}\r\n\r\n").encode())
    status, _, body = read_response(s, time.monotonic() + 10)
    s.close()
    details.append(f"Content-Length {limit + 1}: {status}")
    ok = status == 413 and b"payload_too_large" in body
    # Chunked: nginx counts as the body arrives.
    s = socket.create_connection((HOST, proxy), timeout=10)
    s.sendall((f"POST /documents/seed-0001 HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
               "Transfer-Encoding: chunked\r\n\r\n").encode())
    piece = b"x" * 65536
    sent = 0
    try:
        while sent <= 2 * limit and not select.select([s], [], [], 0)[0]:
            s.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
            sent += len(piece)
    except OSError:
        pass  # nginx answered and closed while the body was still coming
    try:
        status, _, _ = read_response(s, time.monotonic() + 10)
    except OSError:
        status = None
    s.close()
    details.append(f"chunked, {sent // 1024} KB sent: {status}")
    ok = ok and status == 413
    # Within the limit: passed to the server (whatever it answers, not 413 from nginx).
    status, _, _ = request(proxy, "POST", "/documents/seed-0001", ["Content-Type: application/json"],
                           b"{" + b" " * 1000 + b"}")
    details.append(f"1 KB body: {status}")
    ok = ok and status != 413
    return ok, "; ".join(details) + f" (client_max_body_size {limit} bytes)"


def check_ranges(proxy, direct):
    target = "/search?q=" + quote("উত্তর কোরিয়া", safe="") + "&limit=10"
    many = "bytes=" + ",".join(["0-"] * 200)
    plain = request(proxy, "GET", target, ["Accept-Encoding: identity"])
    ranged = request(proxy, "GET", target, ["Accept-Encoding: identity", f"Range: {many}"])
    single = request(proxy, "GET", target, ["Accept-Encoding: identity", "Range: bytes=0-99"])
    direct_ranged = request(direct, "GET", target, ["Accept-Encoding: identity", f"Range: {many}"])
    problems = []
    for name, (status, hdrs, body) in (("200 ranges", ranged), ("one range", single)):
        ctype = hdrs.get("content-type", "")
        # The answers differ in took_ms, so their lengths may differ by a few bytes.
        if status not in (200, 206) or "multipart" in ctype.lower() or len(body) > len(plain[2]) + 16:
            problems.append(f"{name}: {status} {ctype} {len(body)} bytes")
    detail = (f"200 ranges: {ranged[0]} {ranged[1].get('content-type')} {len(ranged[2])} bytes "
              f"(without Range: {len(plain[2])}); one range: {single[0]} {len(single[2])} bytes; "
              f"the server directly: {direct_ranged[0]} {direct_ranged[1].get('content-type')} "
              f"{len(direct_ranged[2])} bytes")
    return not problems, ("; ".join(problems) + " | " if problems else "") + detail


def check_limit_conn(proxy, limit, burst, rate, error_log):
    # Requests whose bodies never come stay "in progress" (limit_conn counts them) until
    # client_body_timeout; they pass limit_req as long as there are at most burst + 1 of them.
    time.sleep(burst / rate + 0.5)  # an empty limit_req bucket
    n = min(limit + 8, burst + 1)
    if n <= limit:
        return False, f"limit_conn {limit} cannot be tested within limit_req's burst {burst}"
    socks = []
    for _ in range(n):
        s = socket.create_connection((HOST, proxy), timeout=5)
        s.sendall((f"POST /documents/held HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
                   "Content-Length: 16\r\n\r\n").encode())
        socks.append(s)
    statuses = {}
    deadline = time.monotonic() + 3
    pending = list(socks)
    while pending and time.monotonic() < deadline:
        readable, _, _ = select.select(pending, [], [], 0.2)
        for s in readable:
            try:
                status, _, _ = read_response(s, time.monotonic() + 2)
            except OSError:
                status = None
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            pending.remove(s)
    for s in socks:
        s.close()
    rejected = statuses.get("429", 0) + statuses.get("503", 0)
    with open(error_log, encoding="utf-8", errors="replace") as f:
        logged = sum(1 for line in f if "limiting connections" in line)
    ok = rejected == n - limit and logged >= 1
    return ok, (f"{n} requests in progress at once from one address: {rejected} answered 429/503 at once "
                f"(want {n - limit} beyond limit_conn {limit}), {len(pending)} held; answers {statuses}; "
                f"error log: {logged} 'limiting connections' lines")


def check_limit_req(proxy, burst, rate, error_log):
    time.sleep(burst / rate + 0.5)
    n = burst + 40
    statuses = []
    s = socket.create_connection((HOST, proxy), timeout=5)
    for _ in range(n):
        s.sendall(f"GET /health HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        status, hdrs, _ = read_response(s, time.monotonic() + 5)
        statuses.append(status)
        if status is None or hdrs.get("connection", "").lower() == "close":
            s.close()
            s = socket.create_connection((HOST, proxy), timeout=5)
    s.close()
    too_many = statuses.count(429)
    with open(error_log, encoding="utf-8", errors="replace") as f:
        logged = sum(1 for line in f if "limiting requests" in line)
    ok = too_many >= 1 and all(st == 200 for st in statuses[:burst]) and logged >= 1
    return ok, (f"{n} back-to-back requests: {statuses.count(200)} x 200, {too_many} x 429 "
                f"(burst {burst}); error log: {logged} 'limiting requests' lines")


def check_access_log(proxy, access_log):
    nonce = "forged-" + secrets.token_hex(6)
    stamp = "127.0.0.1 [2001-02-03T04:05:06+00:00]"
    forged = quote(f'{stamp} "GET /{nonce} HTTP/1.1" 200 0', safe="/")
    status, _, _ = request(proxy, "GET", f"/soak%0D%0A{forged}")
    time.sleep(0.5)
    with open(access_log, "rb") as f:
        lines = f.read().decode("utf-8", "replace").splitlines()
    mentioned = [l for l in lines if nonce in l]
    forged_lines = [l for l in mentioned if l.startswith(stamp)]
    ok = bool(mentioned) and not forged_lines
    return ok, (f"a path with %0D%0A and a fake log line answered {status}; the access log has "
                f"{len(mentioned)} line(s) with it, {len(forged_lines)} forged: "
                f"{(mentioned or ['(none)'])[0][:120]!r}")


def cmd_run(args):
    with open(args.conf, encoding="utf-8") as f:
        conf = f.read()
    header_timeout = seconds(directive(conf, "client_header_timeout")[0])
    body_limit = size_bytes(directive(conf, "client_max_body_size")[0])
    conn_limit = int(directive(conf, "limit_conn")[1])
    burst = int(re.search(r"burst=(\d+)", " ".join(directive(conf, "limit_req"))).group(1))
    error_log = os.path.join(args.dir, "error.log")
    access_log = os.path.join(args.dir, "access.log")

    rate = float(re.search(r"rate=(\d+)r/s", conf).group(1))

    def drain():  # let limit_req's bucket empty, so that the next check is not refused for it
        time.sleep(burst / rate + 0.5)

    # Requests per check are counted so that none but the last two meets limit_req's burst.
    c = Checks()
    c.run("search through the proxy = direct", check_same_hits, args.proxy, args.direct)  # 8
    c.run("methods", check_methods, args.proxy)  # 7
    drain()
    c.run("bodies left unread cannot desync the upstream connection", check_no_desync, args.proxy)  # 24
    drain()
    c.run("Range with many ranges: no multipart answer", check_ranges, args.proxy, args.direct)
    c.run("body over client_max_body_size: 413", check_body_limit, args.proxy, body_limit)
    c.run("access log: no forged line", check_access_log, args.proxy, access_log)
    c.run("slow header client cut off", check_slow_headers, args.proxy, header_timeout)
    c.run("limit_conn per address", check_limit_conn, args.proxy, conn_limit, burst, rate, error_log)
    c.run("limit_req per address", check_limit_req, args.proxy, burst, rate, error_log)
    print(f"{c.n - len(c.failed)} of {c.n} checks passed" +
          (f"; failed: {', '.join(c.failed)}" if c.failed else ""))
    sys.exit(1 if c.failed else 0)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("conf")
    c.add_argument("--in", dest="conf_in", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--dir", required=True)
    c.add_argument("--listen", type=int, required=True)
    c.add_argument("--upstream", type=int, required=True)
    r = sub.add_parser("run")
    r.add_argument("--conf", required=True)
    r.add_argument("--dir", required=True)
    r.add_argument("--proxy", type=int, required=True)
    r.add_argument("--direct", type=int, required=True)
    args = ap.parse_args()
    {"conf": cmd_conf, "run": cmd_run}[args.cmd](args)


if __name__ == "__main__":
    main()
