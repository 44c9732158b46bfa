#!/usr/bin/env python3
"""Asks GET /health on a fresh connection every INTERVAL seconds and records each latency.

  health_probe.py --port P --seconds S --out health.tsv [--interval 0.1] [--timeout 5]

Probes start on a fixed schedule, each in its own thread, so that one slow answer does not
delay the next probe (a stalled server shows as many slow probes, not as a few). A probe that
has no complete 200 answer within TIMEOUT seconds (connect included) is a failure. Writes one
line per probe: start offset (s), latency (ms), ok (1/0), status or error. Stops on SIGTERM
(probes in flight are still waited for, up to TIMEOUT)."""

import argparse
import os
import signal
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ResponseError, ResponseReader, request_bytes  # noqa: E402

HOST = "127.0.0.1"


def probe(port, timeout, t0, results, lock):
    start = time.monotonic()
    deadline = start + timeout
    outcome = "?"
    ok = False
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as s:
            s.settimeout(max(0.001, deadline - time.monotonic()))
            s.sendall(request_bytes("GET", "/health", f"{HOST}:{port}", ["Connection: close"]))
            status, _, body, _ = ResponseReader(s).read(deadline)
            ok = status == 200 and b'"ok"' in body
            outcome = str(status)
    except socket.timeout:
        outcome = "timeout"
    except (OSError, ResponseError) as e:
        outcome = e.__class__.__name__
    elapsed = time.monotonic() - start
    if elapsed > timeout:
        ok, outcome = False, "timeout"
    with lock:
        results.append((start - t0, elapsed * 1000, ok, outcome))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    results, lock, threads = [], threading.Lock(), []
    t0 = time.monotonic()
    n = 0
    while not stop.is_set():
        next_at = t0 + n * args.interval
        if next_at - t0 >= args.seconds:
            break
        delay = next_at - time.monotonic()
        if delay > 0 and stop.wait(delay):
            break
        t = threading.Thread(target=probe, args=(args.port, args.timeout, t0, results, lock), daemon=True)
        t.start()
        threads.append(t)
        threads = [t for t in threads if t.is_alive()]
        n += 1
    for t in threads:
        t.join(args.timeout + 1)
    with lock, open(args.out, "w", encoding="utf-8") as f:
        f.write(f"# probes started: {n}\n")  # those without a line below never finished
        for start, ms, ok, outcome in sorted(results):
            f.write(f"{start:.3f}\t{ms:.3f}\t{int(ok)}\t{outcome}\n")


if __name__ == "__main__":
    main()
