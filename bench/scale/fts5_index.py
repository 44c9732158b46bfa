#!/usr/bin/env python3
"""Indexing speed of the SQLite FTS5 peer (Bengali-safe tokenizer), for bench/scale.sh.

    fts5_index.py --db FILE [--append] [--commit-every N] [--no-optimize] [--parse-only] INPUT.jsonl.gz

Indexes JSON Lines articles (gzip or plain) into one FTS5 table with the tokenizer of the
relevance peer "sqlite_fts5_bn" (bench/relevance/peers/sqlite_fts5.py, imported, so both stay
the same): title and body indexed, and id, date, source and category stored beside them, so
that the database holds the article's text as sondhan's does. Commits every --commit-every
(1000, sondhan's index.commit_every) articles, then merges FTS5's segments into one with its
'optimize' command (what sondhan's final compaction does) unless --append or --no-optimize.
A new database is written aside and renamed when complete; --append adds to an existing one.
SQLite runs with its defaults (rollback journal, synchronous=FULL), as sondhan runs Xapian with
its (a sync at every commit). Ids are not checked for duplicates (sondhan upserts by id).

--parse-only reads and parses the input without writing: the Python side of the cost, to tell
it apart from SQLite's.

Prints one JSON line: indexed, seconds, insert_seconds, optimize_seconds, records_per_second.
"""
import argparse
import gzip
import json
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "relevance", "peers"))
from sqlite_fts5 import TOKENIZERS  # noqa: E402

TOKENIZER = TOKENIZERS["sqlite_fts5_bn"]
COLUMNS = ("id", "title", "body", "date", "source", "category")
SCHEMA = ("CREATE VIRTUAL TABLE articles USING fts5(id UNINDEXED, title, body, date UNINDEXED, "
          f"source UNINDEXED, category UNINDEXED, tokenize=\"{TOKENIZER}\")")


def records(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                yield tuple(r.get(c) or "" for c in COLUMNS)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--append", action="store_true")
    ap.add_argument("--commit-every", type=int, default=1000)
    ap.add_argument("--no-optimize", action="store_true")
    ap.add_argument("--parse-only", action="store_true")
    ap.add_argument("input")
    a = ap.parse_args()
    if a.commit_every < 1:
        ap.error("--commit-every must be positive")

    start = time.monotonic()
    n = 0
    if a.parse_only:
        for _ in records(a.input):
            n += 1
        secs = time.monotonic() - start
        print(json.dumps({"indexed": 0, "parsed": n, "seconds": round(secs, 3),
                          "records_per_second": round(n / secs, 1) if secs else 0}))
        return

    if a.append:
        if not os.path.exists(a.db):
            sys.exit(f"fts5_index.py: {a.db} does not exist (--append)")
        path = a.db
    else:
        path = a.db + ".partial"
        for p in (path, path + "-journal", path + "-wal"):
            if os.path.exists(p):
                os.remove(p)
    db = sqlite3.connect(path, isolation_level=None)
    if not a.append:
        db.execute(SCHEMA)
    insert = "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?)"
    batch = []
    for rec in records(a.input):
        batch.append(rec)
        if len(batch) >= a.commit_every:
            db.execute("BEGIN")
            db.executemany(insert, batch)
            db.execute("COMMIT")
            n += len(batch)
            batch = []
    if batch:
        db.execute("BEGIN")
        db.executemany(insert, batch)
        db.execute("COMMIT")
        n += len(batch)
    inserted = time.monotonic()
    if not (a.append or a.no_optimize):
        db.execute("INSERT INTO articles(articles) VALUES('optimize')")
    optimized = time.monotonic()
    db.close()
    if not a.append:
        os.replace(path, a.db)
    secs = time.monotonic() - start
    print(json.dumps({"indexed": n, "seconds": round(secs, 3),
                      "insert_seconds": round(inserted - start, 3),
                      "optimize_seconds": round(optimized - inserted, 3),
                      "records_per_second": round(n / secs, 1) if secs else 0}))


if __name__ == "__main__":
    main()
