#!/usr/bin/env python3
"""Near-duplicate pairs of bn_news.jsonl.gz: candidates, a stratified sample to hand-label, and
the evaluation of a Jaccard threshold against the labels.

Python 3 standard library only, one process.

  python3 sample_pairs.py [CORPUS] [--seed N] [--out draft.tsv]
        Find every pair of articles whose body shingle Jaccard is >= 0.05 (inverted index over
        shingles), and every pair whose titles share most of their words; print the population per
        band; write a stratified sample (label column empty) to --out.  Deterministic for a seed.

  python3 sample_pairs.py [CORPUS] --evaluate pairs.tsv
        Precision / recall of "same story" at Jaccard thresholds 0.3 .. 0.9 against the labels of
        pairs.tsv (on the checked pairs as they are, and weighted back to the candidate population
        of each sampling stratum), the same for containment (for comparison), and the groups each
        threshold makes over the whole corpus: 'best-earlier' = each article joins the group of its
        most similar earlier (lower id) article at or above the threshold; 'components' = connected
        components of all pairs at or above it.

  python3 sample_pairs.py [CORPUS] --show pairs.tsv [--from N] [--count N]
        Print the pairs of a TSV with titles, sizes, containment and the text each has that the
        other lacks (used while labelling; prints article text to the terminal only).

CORPUS defaults to ../shared/corpus/bn_news.jsonl.gz relative to the checkout (this file is
bench/dedup/sample_pairs.py inside the checkout).

Similarity: word 3-gram shingles over the normalized BODY (the title is left out so that a
re-headlined copy is not penalised).  Normalization: Unicode NFC; ZWJ/ZWNJ removed; Bengali digits
to ASCII; every punctuation character (Unicode category P*) replaced by a space; Latin lowercased;
split on whitespace.  A body of fewer than 3 words is one shingle.  Jaccard = |A and B| / |A or B|.
"""

import argparse
import collections
import gzip
import json
import os
import random
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.normpath(os.path.join(HERE, '..', '..', '..', 'shared', 'corpus',
                                               'bn_news.jsonl.gz'))
SEED = 20250611

# Candidate generation: shingles in more than DF_CAP bodies are left out of the overlap count
# (they are boilerplate or stock phrases); exact Jaccard is then computed on full shingle sets.
DF_CAP = 300
MIN_JACCARD = 0.05

# Sampling strata: (name, low, high) over body Jaccard, high exclusive except for the top band;
# plus two strata defined separately (see sample()).
BANDS = [('J0.9-1.0', 0.9, 1.0001), ('J0.8-0.9', 0.8, 0.9), ('J0.7-0.8', 0.7, 0.8),
         ('J0.6-0.7', 0.6, 0.7), ('J0.5-0.6', 0.5, 0.6), ('J0.4-0.5', 0.4, 0.5),
         ('J0.3-0.4', 0.3, 0.4), ('J0.2-0.3', 0.2, 0.3), ('J0.1-0.2', 0.1, 0.2),
         ('J0.05-0.1', 0.05, 0.1)]
PER_BAND = {'J0.9-1.0': 30, 'J0.8-0.9': 30, 'J0.7-0.8': 32, 'J0.6-0.7': 36, 'J0.5-0.6': 40,
            'J0.4-0.5': 40, 'J0.3-0.4': 40, 'J0.2-0.3': 40, 'J0.1-0.2': 36, 'J0.05-0.1': 30,
            'TITLE': 30, 'RANDOM': 20}
TITLE_MIN = 0.6        # title word-set Jaccard for the TITLE stratum ...
TITLE_BODY_MAX = 0.3   # ... with body Jaccard below this

THRESHOLDS = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]

ZW = {0x200C: None, 0x200D: None}
BN_DIGITS = {0x09E6 + i: str(i) for i in range(10)}


def normalize_words(text):
    text = unicodedata.normalize('NFC', text).translate(ZW).translate(BN_DIGITS)
    out = []
    for ch in text:
        out.append(' ' if unicodedata.category(ch).startswith('P') else ch)
    return ''.join(out).lower().split()


def load(path):
    docs = []
    with gzip.open(path, 'rt', encoding='utf-8') as f:
        for line in f:
            d = json.loads(line)
            docs.append(d)
    docs.sort(key=lambda d: int(d['id'].split('-')[1]))  # corpus order is id order already
    return docs


class Corpus:
    def __init__(self, path):
        self.docs = load(path)
        self.index_of = {d['id']: i for i, d in enumerate(self.docs)}
        vocab = {}
        self.shingles = []
        self.title_words = []
        for d in self.docs:
            words = [vocab.setdefault(w, len(vocab)) for w in normalize_words(d['body'])]
            self.title_words.append(frozenset(vocab.setdefault(w, len(vocab))
                                              for w in normalize_words(d['title'])))
            self.shingles.append(words)
        self.vocab = vocab
        v = 1 << 22
        assert len(vocab) < v
        for i, words in enumerate(self.shingles):
            if len(words) < 3:
                s = {-1 - sum(w * v ** k for k, w in enumerate(words))}
            else:
                s = {(a * v + b) * v + c for a, b, c in zip(words, words[1:], words[2:])}
            self.shingles[i] = frozenset(s)

    def jaccard(self, i, j):
        a, b = self.shingles[i], self.shingles[j]
        inter = len(a & b)
        return inter / (len(a) + len(b) - inter)

    def containment(self, i, j):
        """|A&B| / min(|A|,|B|): how much of the shorter body is in the longer."""
        a, b = self.shingles[i], self.shingles[j]
        return len(a & b) / min(len(a), len(b))

    def title_jaccard(self, i, j):
        a, b = self.title_words[i], self.title_words[j]
        if not a or not b:
            return 0.0
        return len(a & b) / len(a | b)


def candidates(c, log=sys.stderr):
    """All pairs (i<j) with body Jaccard >= MIN_JACCARD (as far as rare shingles can find them)."""
    postings = collections.defaultdict(list)
    for i, s in enumerate(c.shingles):
        for h in s:
            postings[h].append(i)
    common = {h for h, p in postings.items() if len(p) > DF_CAP}
    print(f'shingles: {len(postings)} distinct, {len(common)} in more than {DF_CAP} bodies '
          f'(left out of candidate counting)', file=log)
    pairs = {}
    for j, s in enumerate(c.shingles):
        cnt = collections.Counter()
        for h in s:
            if h in common:
                continue
            p = postings[h]
            for i in p:
                if i >= j:
                    break
                cnt[i] += 1
        nj = len(s)
        for i, k in cnt.items():
            # Jaccard >= MIN needs |A&B| >= MIN * max(|A|,|B|)
            if k >= MIN_JACCARD * max(nj, len(c.shingles[i])):
                jac = c.jaccard(i, j)
                if jac >= MIN_JACCARD:
                    pairs[(i, j)] = jac
    return pairs


def title_candidates(c):
    postings = collections.defaultdict(list)
    for i, t in enumerate(c.title_words):
        for w in t:
            postings[w].append(i)
    out = {}
    for j, t in enumerate(c.title_words):
        if len(t) < 3:
            continue
        cnt = collections.Counter()
        for w in t:
            p = postings[w]
            if len(p) > 500:
                continue
            for i in p:
                if i >= j:
                    break
                cnt[i] += 1
        for i, k in cnt.items():
            if k >= 2:
                tj = c.title_jaccard(i, j)
                if tj >= TITLE_MIN:
                    out[(i, j)] = tj
    return out


def band_of(jac):
    for name, lo, hi in BANDS:
        if lo <= jac < hi:
            return name
    return None


def sample(c, pairs, tpairs, seed):
    rng = random.Random(seed)
    strata = collections.defaultdict(list)
    for (i, j), jac in pairs.items():
        strata[band_of(jac)].append((i, j))
    for (i, j), tj in tpairs.items():
        jac = pairs.get((i, j), None)
        if jac is None:
            jac = c.jaccard(i, j)
        if jac < TITLE_BODY_MAX:
            strata['TITLE'].append((i, j))
    # RANDOM: pairs of articles of the same category, drawn uniformly.
    by_cat = collections.defaultdict(list)
    for i, d in enumerate(c.docs):
        by_cat[d['category']].append(i)
    cats = sorted(k for k, v in by_cat.items() if len(v) >= 2)
    weights = [len(by_cat[k]) for k in cats]
    rnd = []
    seen = set()
    rrng = random.Random(seed + 1)
    while len(rnd) < 4 * PER_BAND['RANDOM']:
        k = rrng.choices(cats, weights)[0]
        i, j = sorted(rrng.sample(by_cat[k], 2))
        if (i, j) not in seen:
            seen.add((i, j))
            rnd.append((i, j))
    strata['RANDOM'] = rnd
    population = {k: len(v) for k, v in strata.items()}
    population['RANDOM'] = None  # not a finite list
    chosen = []
    for name in [b[0] for b in BANDS] + ['TITLE', 'RANDOM']:
        pool = sorted(strata[name])
        if name != 'RANDOM':
            rng.shuffle(pool)
        taken = pool[:PER_BAND[name]]
        for i, j in sorted(taken):
            chosen.append((name, i, j))
    return chosen, population


def group_stats(c, pairs, t, mode='best-earlier'):
    """Groups over the whole corpus when pairs with Jaccard >= t are joined.
    mode 'best-earlier': each article joins the group of its most similar earlier article.
    mode 'components': connected components of all pairs >= t."""
    n = len(c.docs)
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    if mode == 'components':
        for (i, j), jac in pairs.items():
            if jac >= t:
                a, b = find(i), find(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    else:
        best = {}
        for (i, j), jac in pairs.items():
            if jac >= t and (j not in best or jac > best[j][0] or
                             (jac == best[j][0] and i < best[j][1])):
                best[j] = (jac, i)
        for j in sorted(best):
            parent[j] = find(best[j][1])
    sizes = collections.Counter(find(x) for x in range(n))
    multi = [s for s in sizes.values() if s >= 2]
    return {'groups': len(multi), 'docs_in_groups': sum(multi),
            'share': sum(multi) / n, 'largest': sorted(multi, reverse=True)[:5],
            'roots': sizes}


def read_tsv(path):
    rows = []
    meta = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                if line.startswith('# stratum-population:'):
                    for kv in line.split(':', 1)[1].split():
                        k, v = kv.split('=')
                        meta[k] = None if v == '-' else int(v)
                continue
            f5 = line.split('\t')
            if f5[0] == 'id_a':
                continue
            rows.append(f5)
    return rows, meta


def stratum_of_note(note):
    # the note begins with "[STRATUM]"
    if note.startswith('['):
        return note[1:note.index(']')]
    return None


def evaluate(c, path, pairs):
    rows, pop = read_tsv(path)
    labelled = []
    for r in rows:
        a, b, label, sim, note = (r + [''] * 5)[:5]
        if label not in ('same', 'different'):
            continue
        i, j = c.index_of[a], c.index_of[b]
        jac = c.jaccard(i, j)
        if abs(jac - float(sim)) > 0.0005:
            print(f'warning: {a} {b} similarity {sim} recomputed {jac:.4f}', file=sys.stderr)
        labelled.append((stratum_of_note(note), jac, label == 'same', a, b))
    counts = collections.Counter((s, l) for s, _, l, _, _ in labelled)
    strata = sorted({s for s, _, _, _, _ in labelled},
                    key=lambda s: ([b[0] for b in BANDS] + ['TITLE', 'RANDOM']).index(s))
    print('labels per stratum (same / different / population of the stratum):')
    for s in strata:
        print(f'  {s:10s} same {counts[(s, True)]:3d}  different {counts[(s, False)]:3d}  '
              f'population {pop.get(s, "-") if pop.get(s) is not None else "-"}')
    print(f'  total      same {sum(1 for x in labelled if x[2])}  different '
          f'{sum(1 for x in labelled if not x[2])}  pairs {len(labelled)}')
    # weights: a Jaccard-band pair stands for population/sampled pairs of its band; the TITLE and
    # RANDOM strata are left out of the weighted figures (their population overlaps the bands or
    # is unbounded; every RANDOM pair is 'different' and below every threshold).
    sampled = collections.Counter(s for s, _, _, _, _ in labelled)
    print()
    def table(name, score, thresholds):
        print(f'{name:9s}  TP  FP  FN   precision recall   | weighted to candidate population: '
              'precision recall')
        for t in thresholds:
            tp = fp = fn = 0
            wtp = wfp = wfn = 0.0
            for s, j, l, a, b in labelled:
                hit = score(a, b, j) >= t
                tp += l and hit
                fp += (not l) and hit
                fn += l and not hit
                if s not in pop or pop[s] is None or s in ('TITLE', 'RANDOM'):
                    continue
                w = pop[s] / sampled[s]
                if l and hit:
                    wtp += w
                elif hit:
                    wfp += w
                elif l:
                    wfn += w
            p = tp / (tp + fp) if tp + fp else float('nan')
            r = tp / (tp + fn) if tp + fn else float('nan')
            wp = wtp / (wtp + wfp) if wtp + wfp else float('nan')
            wr = wtp / (wtp + wfn) if wtp + wfn else float('nan')
            print(f'  {t:.2f}    {tp:3d} {fp:3d} {fn:3d}   {p:.3f}     {r:.3f}    |'
                  f'                                    {wp:.3f}     {wr:.3f}')
        print()

    table('Jaccard', lambda a, b, j: j, THRESHOLDS)
    print('for comparison only (thresholds not fixed in advance): containment = |A and B| / '
          'min(|A|,|B|)')
    table('contain', lambda a, b, j: c.containment(c.index_of[a], c.index_of[b]),
          [0.6, 0.65, 0.7, 0.75, 0.8, 0.9])
    for mode in ('best-earlier', 'components'):
        print(f'groups over the corpus ({len(c.docs)} articles), mode {mode}:')
        print('threshold  groups  articles-in-groups  share   largest   (groups by size)')
        for t in THRESHOLDS:
            g = group_stats(c, pairs, t, mode)
            sizes = collections.Counter(v for v in g['roots'].values() if v >= 2)
            print(f'  {t:.1f}     {g["groups"]:5d}   {g["docs_in_groups"]:6d}          '
                  f'{g["share"]:.3f}   {g["largest"]}   {dict(sorted(sizes.items()))}')
        print()
    print('labelled pairs on the wrong side of Jaccard 0.5:')
    for s, j, l, a, b in sorted(labelled, key=lambda x: x[1]):
        if (l and j < 0.5) or (not l and j >= 0.5):
            print(f'  {a} {b} J={j:.3f} {"same" if l else "different"} [{s}]')


def show(c, path, start, count, width=700):
    rows, _ = read_tsv(path)
    for n, r in enumerate(rows[start:start + count], start):
        a, b = r[0], r[1]
        i, j = c.index_of[a], c.index_of[b]
        da, db = c.docs[i], c.docs[j]
        wa, wb = normalize_words(da['body']), normalize_words(db['body'])
        print('=' * 100)
        print(f'#{n} {a} {b} J={c.jaccard(i, j):.3f} contain={c.containment(i, j):.3f} '
              f'titleJ={c.title_jaccard(i, j):.2f} words={len(wa)}/{len(wb)} '
              f'cat={da["category"]} | {db["category"]}  note={r[4] if len(r) > 4 else ""}')
        print(f'A: {da["title"]}')
        print(f'B: {db["title"]}')
        sa, sb = c.shingles[i], c.shingles[j]
        v = 1 << 22
        print('A starts:', da['body'][:width // 3].replace('\n', ' / '))
        print('B starts:', db['body'][:width // 3].replace('\n', ' / '))
        for tag, words, other in (('A only', wa, sb), ('B only', wb, sa), ('shared', wa, None)):
            # runs of words whose shingle is absent from (or, for 'shared', present in) the other
            runs, cur = [], []
            for k in range(len(words) - 2):
                h = tri_hash(c, tuple(words[k:k + 3]))
                keep = (h in sb) if other is None else (h not in other)
                if keep:
                    cur.append(words[k])
                else:
                    if len(cur) >= 3:
                        runs.append(' '.join(cur))
                    cur = []
            if len(cur) >= 3:
                runs.append(' '.join(cur))
            txt = ' | '.join(runs)
            lim = width // 2 if other is None else width
            print(f'{tag} ({sum(len(x.split()) for x in runs)} words): {txt[:lim]}')


def tri_hash(c, tri):
    v = 1 << 22
    a, b, d = (c.vocab.get(w, -1) for w in tri)
    return (a * v + b) * v + d


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('corpus', nargs='?', default=DEFAULT_CORPUS)
    ap.add_argument('--seed', type=int, default=SEED)
    ap.add_argument('--out', default=None, help='write the unlabelled sample here')
    ap.add_argument('--evaluate', metavar='PAIRS_TSV')
    ap.add_argument('--show', metavar='PAIRS_TSV')
    ap.add_argument('--from', dest='start', type=int, default=0)
    ap.add_argument('--count', type=int, default=20)
    ap.add_argument('--width', type=int, default=700, help='--show: characters of text per part')
    args = ap.parse_args()

    c = Corpus(args.corpus)
    print(f'{len(c.docs)} articles', file=sys.stderr)
    if args.show:
        show(c, args.show, args.start, args.count, args.width)
        return
    pairs = candidates(c)
    print(f'{len(pairs)} candidate pairs with body Jaccard >= {MIN_JACCARD}', file=sys.stderr)
    if args.evaluate:
        evaluate(c, args.evaluate, pairs)
        return
    tpairs = title_candidates(c)
    print(f'{len(tpairs)} pairs with title word Jaccard >= {TITLE_MIN}', file=sys.stderr)
    chosen, population = sample(c, pairs, tpairs, args.seed)
    print('population per stratum:', file=sys.stderr)
    for name in [b[0] for b in BANDS] + ['TITLE']:
        print(f'  {name:10s} {population.get(name, 0):7d}', file=sys.stderr)
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as f:
            f.write('# stratum-population: ' + ' '.join(
                f'{k}={"-" if population.get(k) is None else population.get(k, 0)}'
                for k in [b[0] for b in BANDS] + ['TITLE', 'RANDOM']) + '\n')
            f.write(f'# seed {args.seed}\n')
            f.write('id_a\tid_b\tlabel\tsimilarity\tnote\n')
            for name, i, j in chosen:
                f.write(f'{c.docs[i]["id"]}\t{c.docs[j]["id"]}\t\t{c.jaccard(i, j):.4f}'
                        f'\t[{name}]\n')
        print(f'{len(chosen)} pairs written to {args.out}', file=sys.stderr)


if __name__ == '__main__':
    main()
