#!/usr/bin/env python3
"""Request paths for the latency part of bench/scale.sh, one file per kind of request:

    paths.py --known-item TSV --topical TSV --phrases TXT --out-dir DIR

writes DIR/known.txt (the known-item queries), DIR/topical.txt (the topical queries), both as
bench/http/http_bench.sh asks them (highlight=true, limit=10); DIR/browse.txt (the first page
with no query: newest first); DIR/facets.txt (one word per topical query, with the source,
category and year facets); DIR/sort.txt (the topical queries, newest first); DIR/phrases.txt
(the quoted phrases of TXT, one query a line, as the known-item queries are asked). Queries are
URL-encoded UTF-8, one path per line, for bench/http/queries.lua."""
import argparse
import os
from urllib.parse import quote

KINDS = ("known", "topical", "browse", "facets", "sort", "phrases")


def lines(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.strip() and not line.startswith("#"):
                yield line.split("\t")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--known-item", required=True)
    ap.add_argument("--topical", required=True)
    ap.add_argument("--phrases", required=True)
    ap.add_argument("--out-dir", required=True)
    a = ap.parse_args()
    known = [c[0].strip() for c in lines(a.known_item) if c[0].strip()]
    topical = [c[2].strip() for c in lines(a.topical) if c[0] == "Q" and len(c) > 2 and c[2].strip()]
    phrases = [c[0].strip() for c in lines(a.phrases) if c[0].strip()]
    words = []
    for q in topical:
        w = q.split()[0]
        if w not in words:
            words.append(w)
    q = lambda s: quote(s, safe="")
    paths = {
        "known": [f"/search?q={q(s)}&highlight=true&limit=10" for s in known],
        "topical": [f"/search?q={q(s)}&highlight=true&limit=10" for s in topical],
        "browse": ["/search?limit=10"],
        "facets": [f"/search?q={q(w)}&facets=source,category,year&limit=10" for w in words],
        "sort": [f"/search?q={q(s)}&sort=-date&limit=10" for s in topical],
        "phrases": [f"/search?q={q(s)}&highlight=true&limit=10" for s in phrases],
    }
    os.makedirs(a.out_dir, exist_ok=True)
    for kind in KINDS:
        if not paths[kind]:
            raise SystemExit(f"paths.py: no requests for {kind}")
        with open(os.path.join(a.out_dir, kind + ".txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(paths[kind]) + "\n")


if __name__ == "__main__":
    main()
