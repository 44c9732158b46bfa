#!/usr/bin/env python3
"""The SQLite FTS5 peers of the relevance figures, for comparison with sondhan on the team's own
test sets: title and body in one FTS5 table, ranked by FTS5's bm25, once with the default
tokenizer (unicode61, which splits Bengali words at their vowel signs) and once "Bengali-safe"
(unicode61 with the Bengali signs as token characters, so that words stay whole). Writes one run
file per tokenizer and query operator for `relevance_eval --run`:
    bench/relevance/peers/sqlite_fts5.py --corpus FILE.jsonl.gz --workdir DIR
writes DIR/sqlite_fts5_{or,and}.run and DIR/sqlite_fts5_bn_{or,and}.run
(query<TAB>id<TAB>id...)."""
import argparse
import gzip
import json
import os
import sqlite3


def read_queries(known_path, topical_path):
    queries = set()
    for path, column in ((known_path, 0), (topical_path, 2)):
        for line in open(path, encoding="utf-8"):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if path == topical_path and cols[0] != "Q":
                continue
            queries.add(cols[column])
    return sorted(queries)


# Bengali vowel signs, candrabindu, anusvara, visarga, nukta, virama, au length mark and the
# joiners: combining characters that unicode61 would otherwise treat as separators.
BENGALI_SIGNS = "".join(chr(c) for c in [*range(0x0981, 0x0984), 0x09BC, *range(0x09BE, 0x09C5),
                                         0x09C7, 0x09C8, *range(0x09CB, 0x09CE), 0x09D7, 0x09E2,
                                         0x09E3, 0x200C, 0x200D])
TOKENIZERS = {
    "sqlite_fts5": "unicode61",
    "sqlite_fts5_bn": f"unicode61 tokenchars '{BENGALI_SIGNS}'",
}


def read_articles(corpus):
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        return [(r["id"], r.get("title", ""), r.get("body", "")) for r in map(json.loads, f)]


def build(rows, path, tokenizer):
    # Built aside and renamed when complete: an interrupted build is never reused.
    partial = path + ".partial"
    if os.path.exists(partial):
        os.remove(partial)
    db = sqlite3.connect(partial)
    db.execute(f"CREATE VIRTUAL TABLE articles USING fts5(id UNINDEXED, title, body, tokenize=\"{tokenizer}\")")
    db.executemany("INSERT INTO articles VALUES (?, ?, ?)", rows)
    db.commit()
    db.close()
    os.rename(partial, path)
    return sqlite3.connect(path)


def fts_query(text, op):
    # Each word as an FTS5 string, so that user text cannot be read as query syntax.
    words = ['"' + w.replace('"', '""') + '"' for w in text.split()]
    return f" {op} ".join(words)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--known-item", default=os.path.join(here, "..", "known_item.tsv"))
    ap.add_argument("--topical", default=os.path.join(here, "..", "topical.tsv"))
    args = ap.parse_args()
    queries = read_queries(args.known_item, args.topical)
    rows = None  # the corpus, read once if some table must be built
    for name, tokenizer in TOKENIZERS.items():
        path = os.path.join(args.workdir, name + ".db")
        if os.path.exists(path):
            db = sqlite3.connect(path)
        else:
            rows = rows if rows is not None else read_articles(args.corpus)
            db = build(rows, path, tokenizer)
        for op in ("OR", "AND"):
            with open(os.path.join(args.workdir, f"{name}_{op.lower()}.run"), "w", encoding="utf-8") as out:
                for q in queries:
                    ids = [r[0] for r in db.execute(
                        "SELECT id FROM articles WHERE articles MATCH ? ORDER BY rank LIMIT 10",
                        (fts_query(q, op),))]
                    out.write("\t".join([q] + ids) + "\n")


if __name__ == "__main__":
    main()
