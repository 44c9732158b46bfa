#!/usr/bin/env python3
"""Checks the hard known-item set: no query may share a run of two consecutive words with its
target article (or with a near-duplicate listed as dup:), so that every query has to be found
through synonyms, other spellings, other number forms, abbreviations or split/joined compounds.

    bench/relevance/check_hard_set.py [--tsv FILE] [--corpus FILE.jsonl.gz] [--known-item FILE]

Words are compared twice: after normalizing (Unicode NFC, zero-width joiners removed, Bengali
digits as ASCII, punctuation as a word break, lower case) and again after a crude suffix strip
(-র -এর -য় -কে -দের -রা -গুলো -টি -টা -ে -তে -ের, up to twice, leaving at least two letters),
so that "কোরিয়ার সেনারা" in an article counts as sharing "কোরিয়া সেনা". Every way of stripping
is tried (বৈঠকে is both বৈঠক and বৈঠ), and two words meet if any of their stripped forms do.
Also checked: the format (query<TAB>target<TAB>note, 2-6 query words), that every target and
dup: id exists, that no query is repeated, and that no target is also a target (or dup:) of
known_item.tsv.
Exits 1 listing every offender, 0 if the set is clean. Python 3 standard library only."""
import argparse
import gzip
import json
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKOUT = os.path.normpath(os.path.join(HERE, "..", ".."))
DEFAULT_CORPUS = os.path.join(CHECKOUT, "..", "shared", "corpus", "bn_news.jsonl.gz")

BENGALI_DIGITS = {ord("০") + i: str(i) for i in range(10)}
ZERO_WIDTH = {0x200C: None, 0x200D: None, 0xFEFF: None}
# Longest first; NFC spells য় as য + nukta, so the suffixes are normalized like the words.
SUFFIXES = sorted((unicodedata.normalize("NFC", s) for s in
                   ["র", "এর", "য়", "কে", "দের", "রা", "গুলো", "টি", "টা", "ে", "তে", "ের"]),
                  key=len, reverse=True)
MIN_STEM = 2  # code points left after stripping
DUP = re.compile(r"dup:([^\s;\)\]]+)")


def words(text):
    """Normalized words: NFC, no zero-width joiners, ASCII digits, punctuation as a break."""
    text = unicodedata.normalize("NFC", text).translate(ZERO_WIDTH).translate(BENGALI_DIGITS).lower()
    out, cur = [], []
    for ch in text:
        # Letters, marks (Bengali vowel signs, virama, nukta) and digits belong to a word.
        if unicodedata.category(ch)[0] in "LMN":
            cur.append(ch)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def strips(word):
    """The word and every form left by removing one or two of SUFFIXES from its end."""
    forms, frontier = {word}, {word}
    for _ in range(2):
        frontier = {w[: -len(s)] for w in frontier for s in SUFFIXES
                    if w.endswith(s) and len(w) - len(s) >= MIN_STEM}
        forms |= frontier
    return forms


def strip(word):
    """One stripped form (the longest suffix first, twice): for reports and tools."""
    for _ in range(2):
        for s in SUFFIXES:
            if word.endswith(s) and len(word) - len(s) >= MIN_STEM:
                word = word[: -len(s)]
                break
        else:
            break
    return word


def bigrams(ws):
    return set(zip(ws, ws[1:]))


def stripped_bigrams(ws):
    forms = [strips(w) for w in ws]
    return {(a, b) for fa, fb in zip(forms, forms[1:]) for a in fa for b in fb}


def shared_runs(query, text):
    """The word pairs the query shares with the text: exact, and after the suffix strip (as the
    stripped forms that meet)."""
    q, t = words(query), words(text)
    exact = bigrams(q) & bigrams(t)
    stripped = stripped_bigrams(q) & stripped_bigrams(t)
    return sorted(" ".join(p) for p in exact), sorted(" ".join(p) for p in stripped)


def read_tsv(path):
    rows = []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        rows.append((n, line.split("\t")))
    return rows


def known_ids(path):
    ids = set()
    for _, cols in read_tsv(path):
        if len(cols) >= 2:
            ids.add(cols[1])
        if len(cols) >= 3:
            for m in DUP.finditer(cols[2]):
                ids.update(i for i in m.group(1).split(",") if i)
    return ids


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tsv", default=os.path.join(HERE, "known_item_hard.tsv"))
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--known-item", default=os.path.join(HERE, "known_item.tsv"),
                    help="the older set, whose targets may not be reused")
    args = ap.parse_args()

    articles = {}
    with gzip.open(args.corpus, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            articles[r["id"]] = r.get("title", "") + "\n" + r.get("body", "")
    old = known_ids(args.known_item)

    problems, seen, targets = [], {}, {}
    rows = read_tsv(args.tsv)
    for n, cols in rows:
        where = f"{args.tsv}:{n}"
        if len(cols) != 3:
            problems.append(f"{where}: expected 3 tab-separated columns, got {len(cols)}")
            continue
        query, target, note = cols
        nwords = len(words(query))
        if not 2 <= nwords <= 6:
            problems.append(f"{where}: {query!r} has {nwords} words (want 2-6)")
        key = " ".join(words(query))
        if key in seen:
            problems.append(f"{where}: duplicate query {query!r} (first on line {seen[key]})")
        seen.setdefault(key, n)
        if target in targets:
            problems.append(f"{where}: target {target} already used on line {targets[target]}")
        targets.setdefault(target, n)
        if target not in articles:
            problems.append(f"{where}: target {target} is not in the corpus")
            continue
        if target in old:
            problems.append(f"{where}: target {target} is also in {os.path.basename(args.known_item)}")
        dups = [i for m in DUP.finditer(note) for i in m.group(1).split(",") if i]
        for d in dups:
            if d not in articles:
                problems.append(f"{where}: dup {d} is not in the corpus")
        for doc in [target] + [d for d in dups if d in articles]:
            exact, stripped = shared_runs(query, articles[doc])
            if exact or stripped:
                shown = ", ".join(exact + [s + " (stripped)" for s in stripped if s not in exact])
                problems.append(f"{where}: {query!r} shares with {doc}: {shown}")

    for p in problems:
        print(p)
    print(f"{len(rows)} queries, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
