#!/usr/bin/env python3
"""A stand-in for the Lucene / Elasticsearch `bengali` analyzer peer of the relevance figures,
for comparison with sondhan on the team's own test sets. Debian packages no Lucene with the
Bengali analyzer, so this re-implements the rules of its chain (BengaliAnalyzer: the
IndicNormalizer, BengaliNormalizer and BengaliStemmer steps): word tokens, Bengali digits to ASCII,
Indic normalization (precomposed nukta letters), Bengali orthographic normalization (ঁ dropped,
ী/ূ shortened, ঙ/শ/ষ/ণ/ড়/ঢ়/ৎ folded, য-phala, ব-phala and visarga rules) and the single-suffix
stemmer with its minimum lengths; then BM25 (k1 1.2, b 0.75) over title and body as one field.
It skips Lucene's stop list (BM25 gives such words little weight anyway). Writes one run file
per query operator for `relevance_eval --run`:
    bench/relevance/peers/lucene_bengali.py --corpus FILE.jsonl.gz --workdir DIR
writes DIR/lucene_bengali_or.run and DIR/lucene_bengali_and.run (query<TAB>id<TAB>id...);
--check compares the analyzer with the examples of Lucene's own tests."""
import argparse
import gzip
import heapq
import json
import math
import os
import re
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sqlite_fts5 import read_queries  # noqa: E402

VIRAMA = "\u09cd"
# Letters, marks, digits and joiners of any script make words; everything else separates them.
WORD = re.compile(r"[\w\u0981-\u0983\u09bc\u09be-\u09cd\u09d7\u09e2\u09e3\u200c\u200d]+")
BENGALI_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
INDIC_COMPOSE = [
    ("\u0985\u09be", "\u0986"),          # অ + া -> আ
    ("\u09a1\u09bc", "\u09dc"),          # ড + ় -> ড়
    ("\u09a2\u09bc", "\u09dd"),          # ঢ + ় -> ঢ়
    ("\u09af\u09bc", "\u09df"),          # য + ় -> য়
    ("\u09a4\u09cd\u200d", "\u09ce"),    # ত্ + ZWJ -> ৎ
    ("\u09c7\u09be", "\u09cb"),          # ে + া -> ো
    ("\u09c7\u09d7", "\u09cc"),          # ে + ৗ -> ৌ
]
SIMPLE_FOLDS = str.maketrans({
    "\u0981": None,       # ঁ dropped
    "\u09c0": "\u09bf",   # ী -> ি
    "\u09c2": "\u09c1",   # ূ -> ু
    "\u0999": "\u0982",   # ঙ -> ং
    "\u09b6": "\u09b8",   # শ -> স
    "\u09b7": "\u09b8",   # ষ -> স
    "\u09a3": "\u09a8",   # ণ -> ন
    "\u09dc": "\u09b0",   # ড় -> র
    "\u09dd": "\u09b0",   # ঢ় -> র
    "\u09ce": "\u09a4",   # ৎ -> ত
})
CONSONANTS = set(chr(c) for c in range(0x0995, 0x09ba)) | {"\u09dc", "\u09dd", "\u09df", "\u09ce"}

# Suffix buckets, longest first: (suffix length, the word must be longer than this, suffixes).
STEM_BUCKETS = [
    (8, 9, "িয়াছিলাম িতেছিলাম িতেছিলেন ইতেছিলেন িয়াছিলেন ইয়াছিলেন"),
    (7, 8, "িতেছিলি িতেছিলে িয়াছিলা িয়াছিলে িতেছিলা িয়াছিলি য়েদেরকে"),
    (6, 7, "িতেছিস িতেছেন িয়াছিস িয়াছেন েছিলাম েছিলেন েদেরকে"),
    (5, 6, "িতেছি িতেছা িতেছে ছিলাম ছিলেন িয়াছি িয়াছা িয়াছে েছিলে েছিলা য়েদের দেরকে"),
    (4, 5, "িলাম িলেন িতাম িতেন িবেন ছিলি ছিলে ছিলা তেছে িতেছ খানা খানি গুলো গুলি য়েরা েদের"),
    (3, 4, "লাম িলি ইলি িলে ইলে লেন িলা ইলা তাম িতি ইতি িতে ইতে তেন িতা িবা ইবা িবি ইবি বেন "
           "িবে ইবে ছেন য়োন য়ের েরা দের"),
    (2, 3, "িস েন লি লে লা তি তে তা বি বে বা ছি ছা ছে ুন ুক টা টি নি ের রা কে"),
    (1, 2, "ি ী া ো ে ব ত"),
]


def indic_normalize(word):
    for seq, composed in INDIC_COMPOSE:
        word = word.replace(seq, composed)
    return word


# The bucket sizes count য় as one letter, as the Indic normalizer composes it.
STEM_BUCKETS = [(size, longer, [indic_normalize(s) for s in suffixes.split()])
                for size, longer, suffixes in STEM_BUCKETS]
assert all(len(s) == size for size, _, suffixes in STEM_BUCKETS for s in suffixes)


def bengali_normalize(word):
    word = word.translate(SIMPLE_FOLDS)
    out = []
    i = 0
    while i < len(word):
        c = word[i]
        nxt = word[i + 1] if i + 1 < len(word) else ""
        if c == VIRAMA and nxt == "\u09af":  # য-phala
            if i == 1 and word[0] in CONSONANTS:
                out.append("\u09c7")
                i += 2
                if i < len(word) and word[i] == "\u09be":
                    i += 1
            else:
                i += 2
            continue
        if c == VIRAMA and nxt == "\u09ac":  # ব-phala
            if i == 1 or (i >= 2 and word[i - 2] == VIRAMA):
                pass  # word-initial or after a longer cluster: dropped
            elif out:
                out.append(out[-1])  # otherwise it doubles the consonant before it
            i += 2
            continue
        if c == "\u0983":  # visarga
            if i == len(word) - 1:
                if len(word) <= 3:
                    out.append("\u09b9")
            elif nxt:
                out.append(nxt)
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def stem(word):
    for size, longer_than, suffixes in STEM_BUCKETS:
        if len(word) > longer_than and any(word.endswith(s) for s in suffixes):
            return word[:-size]
    return word


def analyze(text):
    terms = []
    for w in WORD.findall(text.lower().translate(BENGALI_DIGITS)):
        w = stem(bengali_normalize(indic_normalize(w)))
        if w:
            terms.append(w)
    return terms


class Bm25Index:
    def __init__(self, docs, k1=1.2, b=0.75):
        self.k1, self.b = k1, b
        self.ids = []
        self.lengths = []
        self.postings = defaultdict(list)  # term -> [(doc, tf)]
        for doc_id, text in docs:
            n = len(self.ids)
            terms = analyze(text)
            self.ids.append(doc_id)
            self.lengths.append(len(terms))
            for term, tf in Counter(terms).items():
                self.postings[term].append((n, tf))
        self.avg_length = sum(self.lengths) / max(1, len(self.lengths))

    def search(self, text, require_all, k=10):
        terms = analyze(text)
        scores = defaultdict(float)
        matched = defaultdict(int)
        n_docs = len(self.ids)
        for term in terms:
            plist = self.postings.get(term, [])
            idf = math.log(1 + (n_docs - len(plist) + 0.5) / (len(plist) + 0.5))
            for doc, tf in plist:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[doc] / self.avg_length)
                scores[doc] += idf * tf / (tf + norm)
                matched[doc] += 1
        if require_all:
            scores = {d: s for d, s in scores.items() if matched[d] == len(terms)}
        best = heapq.nsmallest(k, scores.items(), key=lambda kv: (-kv[1], kv[0]))
        return [self.ids[d] for d, _ in best]


# Lucene's own test expectations for the chain, checked by --check.
LUCENE_EXAMPLES = {
    "করেছিলাম": "কর", "করিতেছিলে": "কর", "করছিলাম": "কর", "করতাম": "কর", "করি": "কর",
    "করো": "কর", "যাইবে": "যা", "যাব": "যা", "যাবে": "যা", "মেয়েরা": "মে", "মেয়েদের": "মে",
    "মেয়েদেরকে": "মে", "একটি": "এক", "মানুষগুলি": "মানুস", "বাড়ী": "বার", "বারী": "বার",
    "১২৩৪": "1234",
}


def check():
    bad = {w: analyze(w) for w, want in LUCENE_EXAMPLES.items() if analyze(w) != [want]}
    for word, got in bad.items():
        print(f"{word}: got {got}, want {LUCENE_EXAMPLES[word]}", file=sys.stderr)
    return 1 if bad else 0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus")
    ap.add_argument("--workdir")
    ap.add_argument("--known-item", default=os.path.join(here, "..", "known_item.tsv"))
    ap.add_argument("--topical", default=os.path.join(here, "..", "topical.tsv"))
    ap.add_argument("--check", action="store_true", help="check the analyzer against Lucene's examples")
    args = ap.parse_args()
    if args.check:
        sys.exit(check())
    if not args.corpus or not args.workdir:
        ap.error("--corpus and --workdir are required")
    with gzip.open(args.corpus, "rt", encoding="utf-8") as f:
        records = (json.loads(line) for line in f)
        index = Bm25Index((r["id"], r.get("title", "") + "\n" + r.get("body", "")) for r in records)
    queries = read_queries(args.known_item, args.topical)
    for op in ("or", "and"):
        with open(os.path.join(args.workdir, f"lucene_bengali_{op}.run"), "w", encoding="utf-8") as out:
            for q in queries:
                out.write("\t".join([q] + index.search(q, require_all=op == "and")) + "\n")


if __name__ == "__main__":
    main()
