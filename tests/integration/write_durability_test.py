#!/usr/bin/env python3
"""An acknowledged write is never lost: kill -9 a writable sondhan-server at random moments
while clients write, restart it, and check that every acknowledged change is there.

  write_durability_test.py BIN_DIR [--runs 20] [--seed N]

Each run: start bin/sondhan-server over one database (kept from run to run) on a free loopback
port, with write keys; four clients send single upserts, bulks of upserts and deletes; the server
is killed with SIGKILL after a random time; it is started again, and every change acknowledged
with a 2xx (in this run and a sample of earlier ones) must be there: upserted articles readable by
id and found by a word of their own, deleted ones gone. Exits non-zero on the first loss.
"""
import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

KEY = "durability-test-key-0123456789"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, target, body=None, content_type="application/json", timeout=10):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(f"http://127.0.0.1:{port}{target}", data=data, method=method)
    req.add_header("Authorization", "Bearer " + KEY)
    if data is not None:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def start(bin_dir, db, port, log):
    env = dict(os.environ, SONDHAN_SERVER_WRITE_KEYS=KEY, SONDHAN_INDEX_REFRESH_MS="200",
               SONDHAN_SERVER_ACCESS_LOG="false")
    proc = subprocess.Popen([os.path.join(bin_dir, "sondhan-server"), "--db", db, "--port", str(port)],
                            stdout=log, stderr=log, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode} at start (see {log.name})")
        try:
            if request(port, "GET", "/health", timeout=1)[0] == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("the server did not answer /health within 30 s")


def article(doc_id, word):
    return {"id": doc_id, "title": f"স্থায়িত্ব পরীক্ষা {word}",
            "body": f"প্রতিবেদন {word} লেখা হয়েছে। সংবাদ {doc_id} এর বিবরণ।", "date": "2025-01-02"}


class Writer(threading.Thread):
    """Writes until the server dies; records what was acknowledged."""

    def __init__(self, port, name, rng, acked_upserts, acked_deletes, lock):
        super().__init__(daemon=True)
        self.port, self.name_, self.rng = port, name, rng
        self.acked_upserts, self.acked_deletes, self.lock = acked_upserts, acked_deletes, lock
        self.count = 0

    def word(self):
        self.count += 1
        return f"zq{self.name_}x{self.count}"

    def run(self):
        mine = []
        while True:
            try:
                kind = self.rng.random()
                if kind < 0.5:
                    word = self.word()
                    doc_id = word
                    status, body = request(self.port, "PUT", f"/documents/{doc_id}", json.dumps(article(doc_id, word)))
                    if status in (200, 201):
                        with self.lock:
                            self.acked_upserts[doc_id] = word
                            self.acked_deletes.discard(doc_id)
                        mine.append(doc_id)
                elif kind < 0.85:
                    words = [self.word() for _ in range(self.rng.randint(2, 20))]
                    lines = "\n".join(json.dumps(article(w, w)) for w in words)
                    status, body = request(self.port, "POST", "/documents", lines, "application/x-ndjson")
                    if status == 200:
                        with self.lock:
                            for item in body["items"]:
                                if item["status"] in ("created", "updated"):
                                    self.acked_upserts[item["id"]] = item["id"]
                                    self.acked_deletes.discard(item["id"])
                                    mine.append(item["id"])
                elif mine:
                    doc_id = mine.pop(self.rng.randrange(len(mine)))
                    # Until the delete is acknowledged, the article may or may not be there.
                    with self.lock:
                        self.acked_upserts.pop(doc_id, None)
                    status, body = request(self.port, "DELETE", f"/documents/{doc_id}")
                    if status == 200:
                        with self.lock:
                            self.acked_deletes.add(doc_id)
            except (OSError, ValueError):
                return  # the server is gone (or died mid-answer: not acknowledged)


def check(port, upserts, deletes, rng, run):
    lost = []
    for doc_id, word in upserts.items():
        status, body = request(port, "GET", f"/documents/{urllib.parse.quote(doc_id)}")
        if status != 200 or body.get("id") != doc_id:
            lost.append(f"{doc_id}: GET gave {status}")
    for doc_id in deletes:
        status, _ = request(port, "GET", f"/documents/{urllib.parse.quote(doc_id)}")
        if status != 404:
            lost.append(f"{doc_id}: deleted, but GET gave {status}")
    # Searchable, by a word only that article has.
    for doc_id, word in rng.sample(sorted(upserts.items()), min(25, len(upserts))):
        status, body = request(port, "GET", "/search?" + urllib.parse.urlencode({"q": word}))
        if status != 200 or [h["id"] for h in body["hits"]] != [doc_id]:
            lost.append(f"{doc_id}: search for {word} gave {status} {body.get('total') if body else ''}")
    if lost:
        print(f"run {run}: {len(lost)} acknowledged changes lost:", *lost[:20], sep="\n  ")
        return False
    return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"seed {args.seed}")
    with tempfile.TemporaryDirectory(prefix="sondhan-durability-") as tmp:
        db = os.path.join(tmp, "db")
        all_upserts, all_deletes = {}, set()
        total_acked = 0
        for run in range(1, args.runs + 1):
            port = free_port()
            with open(os.path.join(tmp, f"server-{run}.log"), "w") as log:
                proc = start(args.bin_dir, db, port, log)
                upserts, deletes, lock = {}, set(), threading.Lock()
                writers = [Writer(port, f"{run}w{i}", random.Random(rng.random()), upserts, deletes, lock)
                           for i in range(4)]
                for w in writers:
                    w.start()
                time.sleep(rng.uniform(0.2, 2.5))
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                for w in writers:
                    w.join(timeout=15)
                with lock:
                    acked = dict(upserts), set(deletes)
                total_acked += len(acked[0]) + len(acked[1])
                for doc_id in acked[1]:
                    all_upserts.pop(doc_id, None)
                all_deletes |= acked[1]
                all_upserts.update(acked[0])
                all_deletes -= set(acked[0])

                proc = start(args.bin_dir, db, port, log)
                try:
                    older = dict(rng.sample(sorted(all_upserts.items()), min(200, len(all_upserts))))
                    older.update(acked[0])
                    ok = check(port, older, acked[1], rng, run)
                finally:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(timeout=30)
            print(f"run {run}: {len(acked[0])} upserts and {len(acked[1])} deletes acknowledged before kill -9; "
                  f"{'all there' if ok else 'LOST SOME'}")
            if not ok:
                with open(os.path.join(tmp, f"server-{run}.log")) as log:
                    print(log.read()[-3000:])
                return 1
        print(f"{args.runs} runs, {total_acked} acknowledged changes, 0 lost")
    return 0


if __name__ == "__main__":
    sys.exit(main())
