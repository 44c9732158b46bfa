#!/usr/bin/env python3
"""A short reading of a `perf record --call-graph` file of sondhan-index, for bench/scale.sh:

    perf_summary.py PERF.data [--top N]

Prints the CPU share of each library (self time), the top functions by self time, and the
inclusive share (self + everything called from it) of the entry points that say where indexing
time goes: our analysis and document building, Xapian's replace_document (in-memory postings,
and the termlist, position and record tables written as it goes), commit (postings merged into
the B-trees and written), compaction, zlib, reads and writes. Shares are of the CPU samples
taken (cpu-clock: time on a CPU, not time waiting)."""
import argparse
import re
import subprocess

ENTRY_POINTS = [
    ("input: read and parse (reader thread)", r"for_each_record|parse_article|LineReader::next"),
    ("document build (analysis + Xapian Document)", r"DocumentBuilder::build\b"),
    ("  analyzer", r"Analyzer::analyze\b"),
    ("spelling variants (synonym table)", r"file_spelling_variants"),
    ("Xapian replace_document", r"Xapian::Database::Internal::replace_document|WritableDatabase::replace_document"),
    ("Xapian commit", r"Xapian::WritableDatabase::commit"),
    ("Xapian compact (final merge)", r"Xapian::Database::compact"),
    ("zlib deflate (compress)", r"^deflate$"),
    ("zlib inflate (decompress)", r"^inflate$"),
    ("pread (kernel)", r"__x64_sys_pread64"),
    ("pwrite (kernel)", r"__x64_sys_pwrite64"),
    ("fsync/fdatasync (kernel)", r"__x64_sys_fdatasync|__x64_sys_fsync"),
    ("malloc/free (jemalloc)", r"^(malloc|free|je_.*|sdallocx|operator new|operator delete.*|realloc|calloc)$"),
]


def report(path, args):
    cmd = ["perf", "report", "-i", path, "--stdio", "-g", "none", "--percent-limit", "0.05"] + args
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    rows = []
    for line in out.splitlines():
        if not re.match(r"^\s+[0-9.]+%", line):
            continue
        rows.append(line)
    return rows


def parse(rows, ncols):
    """[(pcts..., rest)] from perf report lines with `ncols` percentage columns."""
    out = []
    for line in rows:
        parts = line.split()
        pcts = [float(p.rstrip("%")) for p in parts[:ncols]]
        out.append((pcts, " ".join(parts[ncols:])))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("--top", type=int, default=15)
    a = ap.parse_args()

    by_dso = parse(report(a.data, ["--no-children", "--sort", "dso"]), 1)
    print("CPU by library (self): " + ", ".join(f"{name} {p[0]:.1f}%" for p, name in by_dso if p[0] >= 0.5))
    top = parse(report(a.data, ["--no-children", "--sort", "dso,sym"]), 1)
    print(f"top functions (self):")
    for p, rest in top[:a.top]:
        rest = re.sub(r"\s+", " ", rest)
        rest = rest.replace("[.] ", "").replace("[k] ", "(kernel) ")
        print(f"  {p[0]:5.1f}%  {rest[:110]}")
    inclusive = parse(report(a.data, ["--children", "--sort", "sym"]), 2)
    print("inclusive (self + callees):")
    for label, pattern in ENTRY_POINTS:
        best = 0.0
        for p, rest in inclusive:
            sym = re.sub(r"^\[[.k]\]\s*", "", rest).strip()
            if re.search(pattern, sym):
                best = max(best, p[0])
        if best >= 0.1:
            print(f"  {best:5.1f}%  {label}")


if __name__ == "__main__":
    main()
