#!/usr/bin/env python3
"""Slow clients for the soak test: they hold server connections for as long as it lets them.

  slow_clients.py --port P --clients N --seconds S --out slow.json [--interval 3]

Half of them (rounded up) are dribblers: each opens a connection, sends a request line and
then one more header line every INTERVAL seconds (jittered +-1 s), never ending the headers.
The others are non-readers: each asks for a large answer (100 hits with facets, uncompressed)
with a small receive buffer and never reads it (that the server let such a connection go is
seen from its end of the socket in /proc/net/tcp: its FIN waits behind the unread answer). Either kind reconnects when the server closes
its connection or answers, so the pressure stays on for the whole run; every such cut-off is
recorded with the time the connection was held. Writes a JSON summary."""

import argparse
import os
import random
import select
import socket
import sys
import threading
import time
from urllib.parse import quote

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import percentile, server_side_state, write_json  # noqa: E402

HOST = "127.0.0.1"
POLL_GONE = select.POLLHUP | select.POLLERR | getattr(select, "POLLRDHUP", 0x2000)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.connections = 0
        self.connect_errors = 0
        self.cut_off = 0            # server closed or answered before the end of the run
        self.held_s = []            # how long each cut-off connection had been held
        self.responses = {}         # status line start -> count (dribblers: what the server said)
        self.held_to_end = 0        # connections still open when the run ended

    def add(self, **kw):
        with self.lock:
            for k, v in kw.items():
                if isinstance(getattr(self, k), list):
                    getattr(self, k).append(v)
                else:
                    setattr(self, k, getattr(self, k) + v)

    def count_response(self, data):
        line = data.split(b"\r\n", 1)[0][:40].decode("latin-1", "replace")
        key = " ".join(line.split(" ")[1:2]) or "closed"
        with self.lock:
            self.responses[key] = self.responses.get(key, 0) + 1

    def summary(self):
        held = self.held_s
        return {
            "connections": self.connections,
            "connect_errors": self.connect_errors,
            "cut_off_by_server": self.cut_off,
            "held_to_end": self.held_to_end,
            "held_s_p50": round(percentile(held, 50), 2) if held else None,
            "held_s_max": round(max(held), 2) if held else None,
            "server_answers": self.responses,
        }


def connect(port, rcvbuf=None, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect((HOST, port))
    return s


def dribbler(port, deadline, interval, stats, rng):
    path = "/search?q=" + quote("বাংলাদেশ সরকার", safe="")
    while time.monotonic() < deadline:
        try:
            s = connect(port)
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n".encode())
        except OSError:
            stats.add(connect_errors=1)
            time.sleep(0.5)
            continue
        stats.add(connections=1)
        opened = time.monotonic()
        line = 0
        closed = False
        while time.monotonic() < deadline and not closed:
            wait = min(deadline - time.monotonic(), max(0.5, interval + rng.uniform(-1, 1)))
            readable, _, _ = select.select([s], [], [], max(0.0, wait))
            if readable:  # the server answered (a timeout status) or closed
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if data:
                    stats.count_response(data)
                else:
                    stats.count_response(b"closed")
                closed = True
                break
            if time.monotonic() >= deadline:
                break
            try:
                s.sendall(f"X-Slow-{line}: {'a' * 16}\r\n".encode())
                line += 1
            except OSError:
                stats.count_response(b"closed")
                closed = True
        if closed:
            stats.add(cut_off=1, held_s=time.monotonic() - opened)
        else:
            stats.add(held_to_end=1)
        s.close()


def non_reader(port, deadline, stats):
    path = "/search?q=" + quote("বাংলাদেশ", safe="") + "&limit=100&facets=source,category,year"
    request = (f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept-Encoding: identity\r\n\r\n").encode()
    while time.monotonic() < deadline:
        try:
            s = connect(port, rcvbuf=4096)
            s.sendall(request)
        except OSError:
            stats.add(connect_errors=1)
            time.sleep(0.5)
            continue
        stats.add(connections=1)
        opened = time.monotonic()
        poller = select.poll()
        poller.register(s, POLL_GONE)  # never POLLIN: the answer is never read
        gone = False
        while time.monotonic() < deadline and not gone:
            # The server's FIN waits behind the unread answer; its end of the socket tells.
            gone = bool(poller.poll(int(max(0.0, min(0.5, deadline - time.monotonic())) * 1000)))
            gone = gone or server_side_state(s) != "ESTABLISHED"
        if gone:
            stats.add(cut_off=1, held_s=time.monotonic() - opened)
        else:
            stats.add(held_to_end=1)
        s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--clients", type=int, default=40)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--interval", type=float, default=3.0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    deadline = time.monotonic() + args.seconds
    dribblers, readers = Stats(), Stats()
    n_dribble = (args.clients + 1) // 2
    threads = []
    for i in range(args.clients):
        if i < n_dribble:
            t = threading.Thread(target=dribbler, daemon=True,
                                 args=(args.port, deadline, args.interval, dribblers, random.Random(i)))
        else:
            t = threading.Thread(target=non_reader, daemon=True, args=(args.port, deadline, readers))
        threads.append(t)
        t.start()
    for t in threads:
        t.join(args.seconds + 15)
    write_json(args.out, {"clients": args.clients,
                          "dribblers": dict(clients=n_dribble, **dribblers.summary()),
                          "non_readers": dict(clients=args.clients - n_dribble, **readers.summary())})


if __name__ == "__main__":
    main()
