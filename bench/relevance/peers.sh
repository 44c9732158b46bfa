#!/usr/bin/env bash
# sondhan against its peers on the team's relevance sets, in one table:
#   bench/relevance/peers.sh [--corpus FILE.jsonl.gz] [--db DIR] [--workdir DIR] [--json OUT]
#                            [--known-item FILE] [--half tune|report]
#   (paths relative to the checkout; --known-item bench/relevance/known_item_hard.tsv for the
#   hard set, --half for one half of it; sondhan's searches collapse copies of a story, and a
#   target folded into the hit shown counts as found there)
# Peers, each with OR and AND queries: plain Xapian (TermGenerator, no stemmer), SQLite FTS5 with
# its default tokenizer and with a Bengali-safe one, and a stand-in for Lucene's Bengali analyzer.
# "pooled" is nDCG@10 counting only the judgments of articles in the top 10 of the runs an
# outside benchmark would pool from (every OR run, and the AND runs of plain Xapian and default
# FTS5): how a set judged from the peers' top 10 scores a system that also finds articles the
# peers missed. Expects a built tree (build/bin); indexes the corpus into a temporary database
# unless --db is given.
set -euo pipefail
cd "$(dirname "$0")/../.."

corpus="../shared/corpus/bn_news.jsonl.gz"
db="" workdir="" json=""
known="bench/relevance/known_item.tsv" half=()
bin="${SONDHAN_BIN:-build/bin}"  # where the built programs are
usage() { echo "usage: $0 [--corpus FILE] [--db DIR] [--workdir DIR] [--json OUT] [--known-item FILE] [--half tune|report]" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  [[ $# -ge 2 ]] || usage  # every option takes a value
  case "$1" in
    --corpus) corpus="$2"; shift 2 ;;
    --db) db="$2"; shift 2 ;;
    --workdir) workdir="$2"; shift 2 ;;
    --json) json="$2"; shift 2 ;;
    --known-item) known="$2"; shift 2 ;;
    --half) half=(--half "$2"); shift 2 ;;
    *) usage ;;
  esac
done
[[ -f "$corpus" ]] || { echo "$0: corpus $corpus not found" >&2; exit 2; }
if [[ -z "$workdir" ]]; then
  workdir=$(mktemp -d)
  trap 'rm -rf "$workdir"' EXIT
fi
mkdir -p "$workdir"

echo "peers: plain Xapian ..." >&2
"$bin"/peer_plain_xapian --corpus "$corpus" --workdir "$workdir" --known-item "$known"
echo "peers: SQLite FTS5 ..." >&2
python3 bench/relevance/peers/sqlite_fts5.py --corpus "$corpus" --workdir "$workdir" --known-item "$known"
echo "peers: Lucene Bengali stand-in ..." >&2
python3 bench/relevance/peers/lucene_bengali.py --check
python3 bench/relevance/peers/lucene_bengali.py --corpus "$corpus" --workdir "$workdir" --known-item "$known"
if [[ -z "$db" ]]; then
  echo "sondhan: indexing ..." >&2
  db="$workdir/sondhan"
  "$bin"/sondhan-index -q --db "$db" "$corpus" >/dev/null
fi

peers=(plain_xapian_or plain_xapian_and sqlite_fts5_or sqlite_fts5_and sqlite_fts5_bn_or
       sqlite_fts5_bn_and lucene_bengali_or lucene_bengali_and)
pooled=(plain_xapian_or plain_xapian_and sqlite_fts5_or sqlite_fts5_and sqlite_fts5_bn_or
        lucene_bengali_or)
pool=()
for p in "${pooled[@]}"; do pool+=("$workdir/$p.run"); done
"$bin"/relevance_eval --db "$db" --known-item "$known" "${half[@]}" --pool "${pool[@]}" --json "$workdir/sondhan.json" >/dev/null
for p in "${peers[@]}"; do
  "$bin"/relevance_eval --run "$workdir/$p.run" --known-item "$known" "${half[@]}" --pool "${pool[@]}" --json "$workdir/$p.json" >/dev/null
done

python3 - "$workdir" "$json" sondhan "${peers[@]}" <<'PY'
import json, os, sys
workdir, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = {n: json.load(open(os.path.join(workdir, n + ".json"))) for n in names}
print(f'{"engine":<20} {"MRR@10":>7} {"S@1":>6} {"S@10":>6} {"no res":>7} {"nDCG@10":>8} {"pooled":>7}')
for n, r in rows.items():
    print(f'{n:<20} {r["mrr10"]:7.3f} {r["success1"]:6.3f} {r["success10"]:6.3f} {r["no_result"]:7.3f} '
          f'{r["ndcg10"]:8.3f} {r["ndcg10_peer_pooled"]:7.3f}')
if out:
    json.dump(rows, open(out, "w"), indent=2)
PY
