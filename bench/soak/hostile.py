#!/usr/bin/env python3
"""One hostile traffic pattern against a running sondhan-server, for about SECONDS seconds.

  hostile.py PATTERN --port P --seconds S --out result.json [--log server.log] [--words FILE]

Patterns (each alone; the caller samples the server's memory and /health meanwhile):
  range-2000          8 clients ask /search (100 hits) with a Range header of 2,000 ranges and
                      never read; first, one reading client checks whether such a header gets a
                      multipart answer (on a 10-hit page, to keep that answer small)
  range-control       the same 8 clients without the Range header: what the never-reading
                      clients cost by themselves, to compare range-2000 with
  headers-100k        one client sends a request with 100,000 header lines of 1 KB (100 MB)
  post-100mb          one client POSTs a 100 MB body (Content-Length), to /documents/{id} and to
                      a path without a route, in turn
  post-100mb-chunked  the same with Transfer-Encoding: chunked
  facets-1600         8 clients ask /search?facets=year,year,... (1,600 times, just under 8 KB)
  query-64            8 clients ask a query of the 64 most frequent words (--words)
  pipelined           one client writes 10 GET requests at once on one connection and counts the
                      answers (all 10 must come back), again and again
  crlf-log            requests whose path carries %0D%0A (and %0A, %0D) followed by a forged log
                      line; the server's log (--log) must not show it as a line of its own

Writes {"pattern", "clients", "statuses" (HTTP status -> count), "summary", "checks"}; each
check is {"ok": bool, "detail": str}. Repeats a pattern until SECONDS have passed (at least
once); each socket operation has a timeout, so it ends in bounded time whatever the server does."""

import argparse
import http.client
import os
import secrets
import select
import socket
import sys
import threading
import time
from urllib.parse import quote

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (ResponseError, ResponseReader, request_bytes, server_side_state, summary_ms,  # noqa: E402
                    write_json)

HOST = "127.0.0.1"
POLL_GONE = select.POLLHUP | select.POLLERR | getattr(select, "POLLRDHUP", 0x2000)
MB = 1 << 20


class Result:
    def __init__(self, pattern, clients):
        self.lock = threading.Lock()
        self.pattern = pattern
        self.clients = clients
        self.statuses = {}
        self.summary = {}
        self.checks = {}
        self.latencies = []

    def status(self, s):
        with self.lock:
            key = str(s)
            self.statuses[key] = self.statuses.get(key, 0) + 1

    def check(self, name, ok, detail):
        self.checks[name] = {"ok": bool(ok), "detail": detail}

    def to_json(self):
        return {"pattern": self.pattern, "clients": self.clients, "statuses": self.statuses,
                "summary": self.summary, "checks": self.checks}


def connect(port, timeout=5.0, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect((HOST, port))
    return s


def try_read_status(sock, seconds):
    """The status of an answer already sent (or sent within SECONDS), else an error name."""
    try:
        status, headers, _, length = ResponseReader(sock, keep_body=0).read(time.monotonic() + seconds)
        return status, headers, length
    except socket.timeout:
        return "no answer", {}, 0
    except (OSError, ResponseError) as e:
        return e.__class__.__name__, {}, 0


def run_threads(n, target, *args):
    threads = [threading.Thread(target=target, args=(i, *args), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# ---- range-2000 ---------------------------------------------------------------------------

def pattern_range(args, res):
    ranges = "bytes=" + ",".join(["0-"] * 2000)
    # One reading client first: what does the server answer to such a header (on a small page)?
    probe = "/search?q=" + quote("বাংলাদেশ", safe="") + "&limit=10"
    host = f"{HOST}:{args.port}"
    try:
        with connect(args.port, timeout=10) as s:
            s.sendall(request_bytes("GET", probe, host, ["Accept-Encoding: identity", "Connection: close"]))
            _, _, plain = try_read_status(s, 10)
        with connect(args.port, timeout=10) as s:
            s.sendall(request_bytes("GET", probe, host,
                                    [f"Range: {ranges}", "Accept-Encoding: identity", "Connection: close"]))
            status, headers, length = try_read_status(s, 30)
    except OSError as e:
        status, headers, length, plain = e.__class__.__name__, {}, 0, 0
    res.status(status)
    ctype = headers.get("content-type", "")
    multipart = "multipart" in ctype.lower()
    res.summary["probe"] = {"status": status, "content_type": ctype, "body_bytes": length,
                            "body_bytes_without_range": plain}
    res.check("no_multipart_for_2000_ranges", not multipart,
              f"a 10-hit search with 2,000 ranges answered {status} {ctype or '(no content type)'}, "
              f"{length} bytes ({plain} without the Range header)")

    never_reading_clients(args, res, [f"Range: {ranges}"])


def pattern_range_control(args, res):
    never_reading_clients(args, res, [])


def never_reading_clients(args, res, extra_headers):
    """CLIENTS clients ask for a 100-hit page and never read; each reconnects when the server
    lets its connection go (seen from the server's end of the socket)."""
    path = "/search?q=" + quote("বাংলাদেশ", safe="") + "&limit=100"
    request = request_bytes("GET", path, f"{HOST}:{args.port}", [*extra_headers, "Accept-Encoding: identity"])
    counts = {"connections": 0, "cut_off": 0, "connect_errors": 0}
    lock = threading.Lock()

    def client(_i):
        while time.monotonic() < args.deadline:
            try:
                s = connect(args.port, rcvbuf=4096)
                s.sendall(request)
            except OSError:
                with lock:
                    counts["connect_errors"] += 1
                time.sleep(0.2)
                continue
            with lock:
                counts["connections"] += 1
            poller = select.poll()
            poller.register(s, POLL_GONE)  # never read
            while time.monotonic() < args.deadline:
                if poller.poll(200) or server_side_state(s) != "ESTABLISHED":
                    with lock:
                        counts["cut_off"] += 1
                    break
            s.close()

    run_threads(args.clients, client)
    res.summary.update(counts)


# ---- headers-100k -------------------------------------------------------------------------

def pattern_headers(args, res):
    attempts = []
    batch = 1000
    while True:
        start = time.monotonic()
        sent, outcome = 0, "sent all"
        try:
            s = connect(args.port, timeout=5)
        except OSError as e:
            attempts.append({"sent_mb": 0, "outcome": f"connect: {e.__class__.__name__}"})
            time.sleep(0.5)
            if time.monotonic() >= args.deadline:
                break
            continue
        with s:
            try:
                s.sendall(f"GET /health HTTP/1.1\r\nHost: {HOST}:{args.port}\r\n".encode())
                for first in range(0, 100000, batch):
                    lines = []
                    for i in range(first, first + batch):
                        prefix = f"X-Pad-{i:06d}: "
                        lines.append(prefix + "a" * (1024 - len(prefix) - 2) + "\r\n")
                    chunk = "".join(lines).encode()
                    s.sendall(chunk)
                    sent += len(chunk)
                    if time.monotonic() > args.deadline + 30:
                        outcome = "gave up (slow)"
                        break
                s.sendall(b"\r\n")
            except socket.timeout:
                outcome = "server stopped reading"
            except OSError as e:
                outcome = f"cut off ({e.__class__.__name__})"
            status, _, _ = try_read_status(s, 10)
        res.status(status)
        attempts.append({"sent_mb": round(sent / MB, 1), "outcome": outcome, "status": status,
                         "seconds": round(time.monotonic() - start, 2)})
        if time.monotonic() >= args.deadline:
            break
    res.summary["attempts"] = len(attempts)
    res.summary["examples"] = attempts[:3]
    res.summary["max_sent_mb"] = max(a["sent_mb"] for a in attempts)


# ---- post-100mb, post-100mb-chunked -------------------------------------------------------

def pattern_post(args, res, chunked):
    body_bytes = 100 * MB
    piece = b"x" * MB
    targets = ["/documents/soak-hostile-post", "/soak-hostile-upload"]
    attempts = []
    n = 0
    while True:
        target = targets[n % len(targets)]
        n += 1
        start = time.monotonic()
        sent, outcome = 0, "sent all"
        try:
            s = connect(args.port, timeout=5)
        except OSError as e:
            attempts.append({"target": target, "outcome": f"connect: {e.__class__.__name__}"})
            time.sleep(0.5)
            if time.monotonic() >= args.deadline:
                break
            continue
        with s:
            headers = ["Content-Type: application/json"]
            headers.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {body_bytes}")
            try:
                s.sendall(request_bytes("POST", target, f"{HOST}:{args.port}", headers))
                while sent < body_bytes:
                    readable, _, _ = select.select([s], [], [], 0)
                    if readable:  # the server answered before the body was sent
                        outcome = "answered early"
                        break
                    if chunked:
                        s.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
                    else:
                        s.sendall(piece)
                    sent += len(piece)
                if chunked and outcome == "sent all":
                    s.sendall(b"0\r\n\r\n")
            except socket.timeout:
                outcome = "server stopped reading"
            except OSError as e:
                outcome = f"cut off ({e.__class__.__name__})"
            status, _, _ = try_read_status(s, 10)
        res.status(status)
        attempts.append({"target": target, "sent_mb": round(sent / MB, 1), "outcome": outcome,
                         "status": status, "seconds": round(time.monotonic() - start, 2)})
        if time.monotonic() >= args.deadline:
            break
    res.summary["attempts"] = len(attempts)
    by_target = {}
    for a in attempts:
        t = by_target.setdefault(a["target"], {"attempts": 0, "statuses": {}, "max_sent_mb": 0, "outcomes": {}})
        t["attempts"] += 1
        t["statuses"][str(a.get("status"))] = t["statuses"].get(str(a.get("status")), 0) + 1
        t["outcomes"][a["outcome"]] = t["outcomes"].get(a["outcome"], 0) + 1
        t["max_sent_mb"] = max(t["max_sent_mb"], a.get("sent_mb", 0))
    res.summary["by_target"] = by_target


# ---- facets-1600, query-64: request loops -------------------------------------------------

def loop_requests(args, res, path, timeout=10.0):
    """CLIENTS keep-alive clients ask PATH until the deadline; a request without an answer
    within TIMEOUT seconds counts as an error (TimeoutError)."""
    lat = []
    lock = threading.Lock()
    errors = {}

    def client(_i):
        conn = http.client.HTTPConnection(HOST, args.port, timeout=timeout)
        while time.monotonic() < args.deadline:
            start = time.monotonic()
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                res.status(resp.status)
                with lock:
                    lat.append((time.monotonic() - start) * 1000)
            except (OSError, http.client.HTTPException) as e:
                with lock:
                    errors[e.__class__.__name__] = errors.get(e.__class__.__name__, 0) + 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, args.port, timeout=timeout)
                time.sleep(0.1)
        conn.close()

    run_threads(args.clients, client)
    res.summary["requests"] = len(lat)
    res.summary["latency_ms"] = summary_ms(lat)
    res.summary["errors"] = errors
    res.summary["path_bytes"] = len(path)
    res.check("every_request_answered", lat and not errors,
              f"{len(lat)} answers, {sum(errors.values())} requests without an answer within "
              f"{timeout:g} s or failed {errors or ''}")


def pattern_facets(args, res):
    loop_requests(args, res, "/search?facets=" + ",".join(["year"] * 1600))


def pattern_query64(args, res):
    with open(args.words, encoding="utf-8") as f:
        words = f.read().split()
    res.summary["words"] = len(words)
    loop_requests(args, res, "/search?q=" + quote(" ".join(words), safe="") + "&limit=10")


# ---- pipelined ----------------------------------------------------------------------------

def pattern_pipelined(args, res):
    words = ["ঢাকা", "সরকার", "বাংলাদেশ", "নির্বাচন", "করোনা", "ভারত", "খেলা", "বন্যা", "পুলিশ", "আদালত"]
    host = f"{HOST}:{args.port}"
    batch = b"".join(request_bytes("GET", "/search?q=" + quote(w, safe="") + "&limit=10", host) for w in words)
    counts = []
    while True:
        got = 0
        try:
            with connect(args.port, timeout=10) as s:
                s.sendall(batch)
                reader = ResponseReader(s, keep_body=0)
                deadline = time.monotonic() + 10
                while got < len(words):
                    status, _, _, _ = reader.read(deadline)
                    res.status(status)
                    got += 1
        except (OSError, ResponseError):
            pass
        counts.append(got)
        if time.monotonic() >= args.deadline:
            break
    complete = sum(1 for c in counts if c == len(words))
    res.summary.update({"batches": len(counts), "complete_batches": complete,
                        "answers_per_batch_min": min(counts), "answers_per_batch_max": max(counts)})
    res.check("pipelined_all_answered", complete == len(counts),
              f"{complete} of {len(counts)} batches of 10 pipelined requests got all 10 answers "
              f"(fewest answers in a batch: {min(counts)})")


# ---- crlf-log -----------------------------------------------------------------------------

def pattern_crlf(args, res):
    if not args.log:
        raise SystemExit("hostile.py crlf-log needs --log")
    stamp = "[2001-02-03 04:05:06.789]"
    variants = {"path %0D%0A": "/soak-crlf{}", "path %0A": "/soak-lf{}", "path %0D": "/soak-cr{}",
                "query %0D%0A": "/search?q=soak{}"}
    breaks = {"path %0D%0A": "%0D%0A", "path %0A": "%0A", "path %0D": "%0D", "query %0D%0A": "%0D%0A"}
    nonces = {}
    for name, template in variants.items():
        nonce = "forged-" + secrets.token_hex(6)
        nonces[name] = nonce
        forged = quote(f"{stamp} [info] GET /{nonce} 200 0.01ms", safe="/:")
        target = template.format(breaks[name] + forged)
        try:
            with connect(args.port, timeout=10) as s:
                s.sendall(request_bytes("GET", target, f"{HOST}:{args.port}", ["Connection: close"]))
                status, _, _ = try_read_status(s, 10)
        except OSError as e:
            status = e.__class__.__name__
        res.status(status)
        res.summary[name] = {"status": status}
    time.sleep(1.0)  # let the log reach the file
    with open(args.log, "rb") as f:
        log = f.read().decode("utf-8", "replace")
    lines = log.splitlines()  # every line break a log reader could honour (\n, \r, \x85, \u2028 ...)
    forged_any = []
    for name, nonce in nonces.items():
        forged = [l for l in lines if l.startswith(stamp) and nonce in l]
        mentioned = sum(1 for l in lines if nonce in l)
        res.summary[name].update({"forged_lines": len(forged), "log_lines_with_it": mentioned})
        if forged:
            forged_any.append(f"{name}: {forged[0]!r}")
    res.summary["raw_cr_in_log"] = "\r" in log
    res.check("no_forged_log_line", not forged_any,
              "forged lines: " + "; ".join(forged_any) if forged_any else
              "no request made the log show a line of its own")


PATTERNS = {
    "range-2000": (pattern_range, 8),
    "range-control": (pattern_range_control, 8),
    "headers-100k": (pattern_headers, 1),
    "post-100mb": (lambda a, r: pattern_post(a, r, chunked=False), 1),
    "post-100mb-chunked": (lambda a, r: pattern_post(a, r, chunked=True), 1),
    "facets-1600": (pattern_facets, 8),
    "query-64": (pattern_query64, 8),
    "pipelined": (pattern_pipelined, 1),
    "crlf-log": (pattern_crlf, 1),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pattern", choices=sorted(PATTERNS))
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--out", required=True)
    ap.add_argument("--log")
    ap.add_argument("--words")
    args = ap.parse_args()
    fn, clients = PATTERNS[args.pattern]
    args.clients = clients
    args.deadline = time.monotonic() + args.seconds
    res = Result(args.pattern, clients)
    start = time.monotonic()
    fn(args, res)
    res.summary["seconds"] = round(time.monotonic() - start, 2)
    write_json(args.out, res.to_json())


if __name__ == "__main__":
    main()
