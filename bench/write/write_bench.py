#!/usr/bin/env python3
"""The write API under measurement, on the shared corpus, against the CLI indexer in the same run.

  bench/write/write_bench.py [--corpus FILE.jsonl.gz] [--bin DIR] [--seconds S] [--out FILE.json]

1. sondhan-index into a new database: the CLI's rate (articles/s).
2. The same articles over HTTP into a new database of a writable sondhan-server, as bulks of 100
   and of 1,000 (JSON Lines, two clients sending at once, as a CMS's importer would), until the
   last is searchable (a final ?wait=true): articles/s, and the ratio to the CLI's rate.
3. Search latency over HTTP (wrk, 16 connections, the known-item queries) with no writes, and
   again while a steady stream of single-article PUTs and bulks of 100 goes on.
4. Publish-to-visible: under the same 16-connection search load, one article is PUT (no wait)
   every 200 ms and searched for (by a word only it has) every 10 ms until it is found; p50/p99
   of the time from sending the PUT to the first search that finds it (default refresh, 1 s).
Figures are for reading; nothing passes or fails on time.
"""
import argparse
import gzip
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEY = "bench-write-key-0123456789abcdef"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, target, body=None, content_type="application/json", timeout=300):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(f"http://127.0.0.1:{port}{target}", data=data, method=method)
    req.add_header("Authorization", "Bearer " + KEY)
    if data is not None:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


class Server:
    def __init__(self, bin_dir, db, tmp):
        self.port = free_port()
        self.log = open(os.path.join(tmp, f"server-{self.port}.log"), "w")
        env = dict(os.environ, SONDHAN_SERVER_WRITE_KEYS=KEY, SONDHAN_SERVER_ACCESS_LOG="false",
                   SONDHAN_SERVER_LOG_LEVEL="warn")
        self.proc = subprocess.Popen([os.path.join(bin_dir, "sondhan-server"), "--db", db, "--port", str(self.port)],
                                     stdout=self.log, stderr=self.log, env=env)
        for _ in range(600):
            try:
                if call(self.port, "GET", "/health", timeout=1)[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("sondhan-server did not start")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=120)
        self.log.close()


def read_corpus(path):
    with gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def http_ingest(server, lines, batch, clients=2):
    batches = ["\n".join(lines[i:i + batch]) for i in range(0, len(lines), batch)]
    errors, lock, position = [0], threading.Lock(), [0]

    def sender():
        while True:
            with lock:
                if position[0] >= len(batches):
                    return
                body = batches[position[0]]
                position[0] += 1
            status, answer = call(server.port, "POST", "/documents", body, "application/x-ndjson")
            if status != 200 or answer["errors"]:
                with lock:
                    errors[0] += 1

    start = time.monotonic()
    threads = [threading.Thread(target=sender) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # The last article is searchable once an empty wait returns after the next commit.
    call(server.port, "POST", "/documents?wait=true", "[]", "application/json")
    elapsed = time.monotonic() - start
    status, stats = call(server.port, "GET", "/stats")
    return {"batch": batch, "seconds": round(elapsed, 2), "articles_per_s": round(len(lines) / elapsed, 1),
            "documents": stats["documents"], "failed_requests": errors[0]}


def wrk(port, paths_file, seconds):
    env = dict(os.environ, SONDHAN_QUERIES=paths_file)
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-s",
                          os.path.join(ROOT, "bench/http/queries.lua"), f"http://127.0.0.1:{port}"],
                         capture_output=True, text=True, env=env, check=True).stdout
    summary = json.loads(re.search(r"SONDHAN_JSON (\{.*\})", out).group(1))
    return summary


class WriteStream(threading.Thread):
    """A steady write load: a PUT every 50 ms and a bulk of 100 every second (about 120 articles/s)."""

    def __init__(self, port, lines):
        super().__init__(daemon=True)
        self.port, self.lines, self.stop_flag, self.sent = port, lines, threading.Event(), 0

    def run(self):
        i, next_bulk = 0, time.monotonic()
        while not self.stop_flag.is_set():
            record = json.loads(self.lines[i % len(self.lines)])
            record["id"] = f"stream-{i}"
            call(self.port, "PUT", f"/documents/stream-{i}", json.dumps(record, ensure_ascii=False))
            i += 1
            self.sent += 1
            if time.monotonic() >= next_bulk:
                bulk = []
                for _ in range(100):
                    record = json.loads(self.lines[i % len(self.lines)])
                    record["id"] = f"stream-{i}"
                    bulk.append(json.dumps(record, ensure_ascii=False))
                    i += 1
                call(self.port, "POST", "/documents", "\n".join(bulk), "application/x-ndjson")
                self.sent += 100
                next_bulk += 1.0
            time.sleep(0.05)


def publish_to_visible(port, samples):
    latencies = []
    for n in range(samples):
        word = f"zqvisible{n}x{int(time.time() * 1000) % 100000}"
        record = {"id": f"visible-{word}", "title": f"প্রকাশ পরীক্ষা {word}", "body": f"খবর {word} প্রকাশিত।"}
        start = time.monotonic()
        status, _ = call(port, "PUT", f"/documents/visible-{word}", json.dumps(record, ensure_ascii=False))
        assert status in (200, 201), status
        while True:
            status, body = call(port, "GET", "/search?" + urllib.parse.urlencode({"q": word}))
            if status == 200 and body["total"] > 0:
                break
            if time.monotonic() - start > 30:
                raise SystemExit(f"{word} not visible after 30 s")
            time.sleep(0.01)
        latencies.append((time.monotonic() - start) * 1000)
        time.sleep(0.2)
    latencies.sort()
    return {"samples": samples, "p50_ms": round(statistics.median(latencies), 1),
            "p99_ms": round(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1),
            "max_ms": round(latencies[-1], 1)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=os.path.join(ROOT, "../shared/corpus/bn_news.jsonl.gz"))
    parser.add_argument("--bin", default=os.path.join(ROOT, "build/bin"))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--out")
    args = parser.parse_args()
    lines = read_corpus(args.corpus)
    result = {"articles": len(lines)}
    with tempfile.TemporaryDirectory(prefix="sondhan-write-bench-") as tmp:
        print(f"CLI indexer, {len(lines)} articles ...", file=sys.stderr)
        start = time.monotonic()
        subprocess.run([os.path.join(args.bin, "sondhan-index"), "-q", "--db", os.path.join(tmp, "cli"), args.corpus],
                       check=True, stdout=subprocess.DEVNULL)
        cli_seconds = time.monotonic() - start
        result["cli"] = {"seconds": round(cli_seconds, 2), "articles_per_s": round(len(lines) / cli_seconds, 1)}

        for batch in (100, 1000):
            print(f"HTTP bulks of {batch} ...", file=sys.stderr)
            server = Server(args.bin, os.path.join(tmp, f"http{batch}"), tmp)
            try:
                r = http_ingest(server, lines, batch)
            finally:
                server.stop()
            r["ratio_to_cli"] = round(r["articles_per_s"] / result["cli"]["articles_per_s"], 2)
            result[f"http_bulk_{batch}"] = r

        paths = os.path.join(tmp, "paths.txt")
        with open(os.path.join(ROOT, "bench/relevance/known_item.tsv"), encoding="utf-8") as f, open(paths, "w") as out:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    out.write("/search?limit=10&q=" + urllib.parse.quote(line.split("\t")[0].strip()) + "\n")
        server = Server(args.bin, os.path.join(tmp, "http1000"), tmp)
        try:
            print("search under no writes ...", file=sys.stderr)
            idle = wrk(server.port, paths, args.seconds)
            print("search under a write stream ...", file=sys.stderr)
            stream = WriteStream(server.port, lines)
            stream.start()
            time.sleep(1)
            sent_before = stream.sent
            busy = wrk(server.port, paths, args.seconds)
            written = stream.sent - sent_before
            stream.stop_flag.set()
            stream.join(timeout=30)
            print("publish-to-visible under search load ...", file=sys.stderr)
            load = subprocess.Popen(["wrk", "-t2", "-c16", f"-d{args.samples // 4 + 30}s", "-s",
                                     os.path.join(ROOT, "bench/http/queries.lua"), f"http://127.0.0.1:{server.port}"],
                                    env=dict(os.environ, SONDHAN_QUERIES=paths), stdout=subprocess.DEVNULL)
            time.sleep(1)
            visible = publish_to_visible(server.port, args.samples)
            load.terminate()
            load.wait()
        finally:
            server.stop()
        def summary(w):
            return {"requests_per_s": w["requests_per_s"], "p50_ms": w["latency_ms"]["p50"],
                    "p99_ms": w["latency_ms"]["p99"], "non_200": w["non_200"]}
        result["search_idle"] = summary(idle)
        result["search_with_writes"] = summary(busy)
        result["search_with_writes"]["articles_written_per_s"] = round(written / args.seconds, 1)
        result["publish_to_visible"] = visible

    print(json.dumps(result, indent=1, ensure_ascii=False))
    cli = result["cli"]["articles_per_s"]
    print(f"\nwrites on {len(lines)} articles (CLI {cli}/s in the same run)")
    for batch in (100, 1000):
        r = result[f"http_bulk_{batch}"]
        print(f"  HTTP bulks of {batch:>4}: {r['articles_per_s']}/s = {r['ratio_to_cli']}x the CLI")
    print(f"  search p50/p99 idle: {result['search_idle'].get('p50_ms')}/{result['search_idle'].get('p99_ms')} ms; "
          f"with writes ({result['search_with_writes']['articles_written_per_s']}/s): "
          f"{result['search_with_writes'].get('p50_ms')}/{result['search_with_writes'].get('p99_ms')} ms")
    print(f"  publish-to-visible p50/p99: {visible['p50_ms']}/{visible['p99_ms']} ms (max {visible['max_ms']})")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
