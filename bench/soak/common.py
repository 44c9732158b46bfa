"""Shared helpers of the soak test's Python clients (standard library only)."""

import json
import socket
import time


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a list of numbers; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n * p / 100), at least 1
    return ordered[min(len(ordered), int(rank)) - 1]


def summary_ms(values):
    """p50/p90/p99/max of latencies in ms, rounded for reports."""
    out = {"count": len(values)}
    for name, p in (("p50", 50), ("p90", 90), ("p99", 99)):
        v = percentile(values, p)
        out[name] = None if v is None else round(v, 2)
    out["max"] = round(max(values), 2) if values else None
    return out


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


class ResponseError(Exception):
    pass


class ResponseReader:
    """Reads HTTP/1.1 responses one after another from a connected socket, with a deadline.

    Bodies are counted, not kept, beyond keep_body bytes. Handles Content-Length, chunked and
    close-delimited bodies (HEAD-less GET/POST traffic only)."""

    def __init__(self, sock, keep_body=65536):
        self.sock = sock
        self.buf = b""
        self.keep_body = keep_body
        self.eof = False

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("deadline")
        self.sock.settimeout(remaining)
        data = self.sock.recv(262144)
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _line(self, deadline):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            if len(self.buf) > 1 << 20:
                raise ResponseError("header line too long")
            if not self._fill(deadline):
                raise ResponseError("connection closed inside the headers")

    def _take(self, n, deadline, keep):
        """Consumes n body bytes; returns the first `keep` of them."""
        kept = []
        kept_len = 0
        while n > 0:
            if not self.buf and not self._fill(deadline):
                raise ResponseError("connection closed inside the body")
            part = self.buf[:n]
            self.buf = self.buf[len(part):]
            n -= len(part)
            if kept_len < keep:
                kept.append(part[:keep - kept_len])
                kept_len += len(kept[-1])
        return b"".join(kept)

    def read(self, deadline):
        """Returns (status, headers dict with lower-case names, body prefix, body length)."""
        status_line = self._line(deadline)
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
            raise ResponseError(f"bad status line {status_line[:80]!r}")
        status = int(parts[1])
        headers = {}
        while True:
            line = self._line(deadline)
            if not line:
                break
            name, _, value = line.partition(b":")
            headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
        if "content-length" in headers:
            n = int(headers["content-length"])
            body = self._take(n, deadline, self.keep_body)
            return status, headers, body, n
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body, total = b"", 0
            while True:
                size = int(self._line(deadline).split(b";")[0], 16)
                if size == 0:
                    while self._line(deadline):  # trailers
                        pass
                    return status, headers, body, total
                body += self._take(size, deadline, max(0, self.keep_body - len(body)))
                total += size
                self._line(deadline)
        if status in (204, 304) or 100 <= status < 200:
            return status, headers, b"", 0
        # Close-delimited body.
        total = 0
        body = b""
        while True:
            if self.buf:
                total += len(self.buf)
                if len(body) < self.keep_body:
                    body += self.buf[:self.keep_body - len(body)]
                self.buf = b""
            if not self._fill(deadline):
                return status, headers, body, total


TCP_STATES = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1",
              "05": "FIN_WAIT2", "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT",
              "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING"}


def server_side_state(sock):
    """TCP state of the server's end of this loopback connection, from /proc/net/tcp.

    A client that never reads cannot see the server close: the FIN waits behind unsent data. The
    server's end tells: ESTABLISHED while the server holds the connection, FIN_WAIT1 (or gone,
    None) once it let go."""
    client_port = sock.getsockname()[1]
    server_port = sock.getpeername()[1]
    want = (f"{server_port:04X}", f"{client_port:04X}")
    with open("/proc/net/tcp", encoding="ascii") as f:
        next(f)
        for line in f:
            cols = line.split()
            if (cols[1].rsplit(":", 1)[1], cols[2].rsplit(":", 1)[1]) == want:
                return TCP_STATES.get(cols[3], cols[3])
    return None


def request_bytes(method, target, host, headers=(), body=b""):
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines += list(headers)
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def fetch(host, port, target, timeout=10.0, headers=()):
    """One request on a fresh connection; returns (status, headers, body prefix, body length)."""
    deadline = time.monotonic() + timeout
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(request_bytes("GET", target, f"{host}:{port}", ["Connection: close", *headers]))
        return ResponseReader(s, keep_body=1 << 24).read(deadline)
