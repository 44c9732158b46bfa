#!/usr/bin/env python3
"""Prepares a soak run against a running sondhan-server.

  prepare.py mix    --port P --root DIR --out paths.tsv --report preflight.json [--size N]
      Writes the mixed realistic traffic, one "kind<TAB>path" line per request, then asks the
      server for every distinct path once (4 connections) and records the status per kind: the
      realistic mix must be all 2xx when the server is calm.
  prepare.py warmup --port P --connections N
      Opens N connections at once, one search each, and holds them open for a moment, so that
      every worker thread has served (and opened its database handle) before idle memory is
      measured.
  prepare.py words  --port P --bin DIR --count 64 --max-bytes B
      Prints the most frequent distinct index words of the served articles (from browse pages),
      one query of COUNT words within B bytes.

Filter values (categories, sources) come from the server's own facets, so nothing of the
corpus is stored here."""

import argparse
import collections
import http.client
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
from urllib.parse import quote, urlencode

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import fetch, summary_ms, write_json  # noqa: E402

HOST = "127.0.0.1"

# Share of each kind of request in the mix (weights, summed to 100).
WEIGHTS = {
    "query": 34,          # the bench queries as typed
    "query_facets": 10,   # ... with facets=source,category,year
    "query_sort": 8,      # ... sorted by date, both ways
    "phrase": 7,          # "two words", title:"..."
    "exclude": 5,         # q=-word, q=a b -c, NOT
    "browse": 12,         # /search?limit=10&page=2..50
    "filter": 8,          # filters only: category=, source=, from/to, facets
    "deep": 6,            # offsets up to the configured maximum (10,000)
    "document": 10,       # /documents/{id}
}


def read_queries(root):
    known, ids, topical = [], [], []
    with open(os.path.join(root, "bench/relevance/known_item.tsv"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if cols[0].strip():
                known.append(cols[0].strip())
            if len(cols) > 1 and cols[1].strip():
                ids.append(cols[1].strip())
    with open(os.path.join(root, "bench/relevance/topical.tsv"), encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\r\n").split("\t")
            if len(cols) >= 3 and cols[0] == "Q" and cols[2].strip():
                topical.append(cols[2].strip())
    if not known or not topical or not ids:
        raise SystemExit("prepare.py: no queries or ids in bench/relevance/*.tsv")
    return known, topical, ids


def facet_values(port):
    status, _, body, _ = fetch(HOST, port, "/search?limit=1&highlight=false&facets=source,category")
    if status != 200:
        raise SystemExit(f"prepare.py: facets request answered {status}")
    facets = json.loads(body)["facets"]
    return [v["value"] for v in facets.get("source", [])], [v["value"] for v in facets.get("category", [])]


def search(**params):
    return "/search?" + urlencode(params, quote_via=quote, safe="")


def make_mix(rng, size, known, topical, ids, sources, categories):
    queries = known + topical
    words = sorted({w for q in queries for w in q.split() if len(w) > 1})
    multi = [q for q in queries if len(q.split()) >= 2]

    def query():
        q = rng.choice(queries)
        p = {"q": q, "limit": rng.choice([10, 10, 10, 20])}
        if rng.random() < 0.2:
            p["page"] = rng.randint(2, 5)
        if rng.random() < 0.1:
            p["highlight"] = "false"
        return search(**p)

    def query_facets():
        return search(q=rng.choice(queries), facets="source,category,year")

    def query_sort():
        return search(q=rng.choice(queries), sort=rng.choice(["-date", "date"]))

    def phrase():
        w = rng.choice(multi).split()
        i = rng.randrange(len(w) - 1)
        q = f'"{w[i]} {w[i + 1]}"'
        r = rng.random()
        if r < 0.15:
            q = f"title:{q}"
        elif r < 0.45:
            q += " " + rng.choice(words)
        return search(q=q)

    def exclude():
        r = rng.random()
        if r < 0.4:
            q = "-" + rng.choice(words)
        elif r < 0.8:
            q = " ".join(rng.choice(multi).split()[:2]) + " -" + rng.choice(words)
        else:
            q = rng.choice(words) + " NOT " + rng.choice(words)
        return search(q=q)

    def browse():
        return search(limit=10, page=rng.randint(2, 50))

    def filter_only():
        p = {}
        r = rng.random()
        if r < 0.5 and categories:
            p["category"] = rng.choice(categories)
        elif r < 0.65 and sources:
            p["source"] = rng.choice(sources)
        elif r < 0.8:
            p["from"], p["to"] = rng.choice([("2019-12-01", "2020-06-30"), ("2020-01-01", "2020-12-31"),
                                              ("2023-01-01", "2024-12-31")])
        if rng.random() < 0.3:
            p["facets"] = "category,year"
        if rng.random() < 0.3:
            p["page"] = rng.randint(2, 20)
        if rng.random() < 0.2:
            p["sort"] = "date"
        if not p:
            p["limit"] = 10
        path = search(**p)
        if len(categories) > 1 and rng.random() < 0.15:  # two categories: OR
            a, b = rng.sample(categories, 2)
            path = "/search?" + urlencode([("category", a), ("category", b)], quote_via=quote, safe="")
        return path

    def deep():
        if rng.random() < 0.7:
            offset = 10000 if rng.random() < 0.2 else rng.randint(1000, 10000)
            return search(limit=10, offset=offset)
        return search(q=rng.choice(words), offset=rng.randint(100, 2000), limit=10)

    def document():
        return "/documents/" + quote(rng.choice(ids), safe="")

    makers = {"query": query, "query_facets": query_facets, "query_sort": query_sort,
              "phrase": phrase, "exclude": exclude, "browse": browse, "filter": filter_only,
              "deep": deep, "document": document}
    kinds = list(WEIGHTS)
    weights = [WEIGHTS[k] for k in kinds]
    return [(kind, makers[kind]()) for kind in rng.choices(kinds, weights=weights, k=size)]


def preflight(port, mix, connections=4):
    """Every distinct path once; returns {kind: {"requests", "non_2xx", "examples", latency}}."""
    distinct = list(dict.fromkeys(mix))
    lock = threading.Lock()
    results = []
    position = [0]

    def worker():
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while True:
            with lock:
                if position[0] >= len(distinct):
                    break
                kind, path = distinct[position[0]]
                position[0] += 1
            start = time.monotonic()
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                status = f"error: {e.__class__.__name__}"
            with lock:
                results.append((kind, path, status, (time.monotonic() - start) * 1000))
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report = {}
    for kind, path, status, ms in results:
        r = report.setdefault(kind, {"requests": 0, "non_2xx": 0, "examples": [], "ms": []})
        r["requests"] += 1
        r["ms"].append(ms)
        if not (isinstance(status, int) and 200 <= status < 300):
            r["non_2xx"] += 1
            if len(r["examples"]) < 3:
                r["examples"].append({"status": status, "path": path})
    for r in report.values():
        r["latency_ms"] = summary_ms(r.pop("ms"))
    return report


def cmd_mix(args):
    known, topical, ids = read_queries(args.root)
    sources, categories = facet_values(args.port)
    rng = random.Random(args.seed)
    mix = make_mix(rng, args.size, known, topical, ids, sources, categories)
    with open(args.out, "w", encoding="utf-8") as f:
        for kind, path in mix:
            f.write(f"{kind}\t{path}\n")
    report = preflight(args.port, mix)
    write_json(args.report, {"paths": len(mix), "distinct": len(set(mix)), "kinds": report})
    bad = {k: r for k, r in report.items() if r["non_2xx"]}
    print(f"mix: {len(mix)} requests ({len(set(mix))} distinct) over {len(report)} kinds; "
          f"pre-flight non-2xx: {sum(r['non_2xx'] for r in report.values())}", file=sys.stderr)
    for kind, r in bad.items():
        print(f"  {kind}: {r['non_2xx']} non-2xx, e.g. {r['examples']}", file=sys.stderr)


def cmd_warmup(args):
    path = search(q="বাংলাদেশ", limit=10)
    errors = []

    def one():
        try:
            conn = http.client.HTTPConnection(HOST, args.port, timeout=30)
            conn.request("GET", path)
            conn.getresponse().read()
            time.sleep(args.hold)  # the worker thread stays bound to this keep-alive connection
            conn.close()
        except (OSError, http.client.HTTPException) as e:
            errors.append(repr(e))

    for _ in range(args.rounds):
        threads = [threading.Thread(target=one) for _ in range(args.connections)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if errors:
        print(f"warm-up: {len(errors)} errors, e.g. {errors[0]}", file=sys.stderr)


def cmd_words(args):
    counts = collections.Counter()
    for page in range(1, args.pages + 1):
        status, _, body, _ = fetch(HOST, args.port, search(limit=100, page=page, highlight="false"), timeout=60)
        if status != 200:
            raise SystemExit(f"prepare.py words: browse page {page} answered {status}")
        for hit in json.loads(body)["hits"]:
            text = f"{hit.get('title') or ''} {hit.get('snippet') or ''}"
            counts.update(set(re.findall(r"[\u0980-\u09FF]+", text)))
    candidates = [w for w, _ in counts.most_common(400) if len(w) > 1]
    analyzed = subprocess.run([os.path.join(args.bin, "sondhan-analyze")], input="\n".join(candidates) + "\n",
                              capture_output=True, text=True, check=True).stdout.split("\n")
    chosen, seen_terms = [], set()
    for word, terms in zip(candidates, analyzed):
        terms = terms.split()
        if len(terms) != 1 or terms[0] in seen_terms:
            continue  # stop words (no term) and words that fold into one already chosen
        if len(" ".join(chosen + [word]).encode("utf-8")) > args.max_bytes:
            continue
        seen_terms.add(terms[0])
        chosen.append(word)
        if len(chosen) == args.count:
            break
    if len(chosen) < args.count:
        raise SystemExit(f"prepare.py words: only {len(chosen)} distinct frequent words found")
    print(" ".join(chosen))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("mix")
    m.add_argument("--port", type=int, required=True)
    m.add_argument("--root", required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--report", required=True)
    m.add_argument("--size", type=int, default=1500)
    m.add_argument("--seed", type=int, default=20240611)
    w = sub.add_parser("warmup")
    w.add_argument("--port", type=int, required=True)
    w.add_argument("--connections", type=int, default=48)
    w.add_argument("--rounds", type=int, default=2)
    w.add_argument("--hold", type=float, default=1.0)
    q = sub.add_parser("words")
    q.add_argument("--port", type=int, required=True)
    q.add_argument("--bin", required=True)
    q.add_argument("--count", type=int, default=64)
    q.add_argument("--max-bytes", type=int, default=2048)
    q.add_argument("--pages", type=int, default=20)
    args = ap.parse_args()
    {"mix": cmd_mix, "warmup": cmd_warmup, "words": cmd_words}[args.cmd](args)


if __name__ == "__main__":
    main()
