#!/usr/bin/env python3
"""Plots indexing runs measured by bench/scale.sh into one SVG (standard library only):

    plot.py OUT.svg LABEL=RUN_DIR/sondhan.samples.jsonl [LABEL=...] [--buckets 50]

Three panels against the number of articles read so far: articles per second, CPU milliseconds
per article, and kilobytes written per article, each averaged over --buckets equal slices of the
run. Runs of different sizes share the axes, so a 100k run shows as the start of a 1M run."""
import argparse
import json

W, H, PAD_L, PAD_R, PAD_T, PAD_B, GAP = 900, 760, 70, 150, 30, 40, 45
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
PANELS = [("articles/s", "rate"), ("CPU ms per article", "cpu_ms"), ("kB written per article", "kb_written")]


def series(path, buckets):
    with open(path, encoding="utf-8") as f:
        rows = [r for r in map(json.loads, f) if "records_est" in r]
    if len(rows) < 2:
        return []
    total = rows[-1]["records_est"]
    out, j = [], 0
    for b in range(1, buckets + 1):
        target = total * b / buckets
        k = j
        while k < len(rows) - 1 and rows[k]["records_est"] < target:
            k += 1
        a, z = rows[j], rows[k]
        n, dt = z["records_est"] - a["records_est"], z["t"] - a["t"]
        if n > 0 and dt > 0:
            out.append({"x": (a["records_est"] + z["records_est"]) / 2, "rate": n / dt,
                        "cpu_ms": (z["cpu_s"] - a["cpu_s"]) / n * 1000,
                        "kb_written": (z["write_bytes"] - a["write_bytes"]) / n / 1024})
        j = k
    return out


def nice_max(v):
    if v <= 0:
        return 1
    m = 10 ** len(str(int(v))) / 10
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if v <= m * step:
            return m * step
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("runs", nargs="+", help="LABEL=samples.jsonl")
    ap.add_argument("--buckets", type=int, default=50)
    a = ap.parse_args()
    runs = []
    for spec in a.runs:
        label, _, path = spec.partition("=")
        runs.append((label, series(path, a.buckets)))
    xmax = nice_max(max((p["x"] for _, s in runs for p in s), default=1))
    ph = (H - PAD_T - PAD_B - GAP * (len(PANELS) - 1)) / len(PANELS)
    pw = W - PAD_L - PAD_R
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>']
    for i, (title, key) in enumerate(PANELS):
        top = PAD_T + i * (ph + GAP)
        ymax = nice_max(max((p[key] for _, s in runs for p in s), default=1))
        svg.append(f'<text x="{PAD_L}" y="{top - 8}" font-weight="bold">{title}</text>')
        svg.append(f'<rect x="{PAD_L}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>')
        for t in range(0, 5):
            y = top + ph - ph * t / 4
            svg.append(f'<line x1="{PAD_L}" x2="{PAD_L + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
            svg.append(f'<text x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">{ymax * t / 4:g}</text>')
        for t in range(0, 6):
            x = PAD_L + pw * t / 5
            svg.append(f'<text x="{x:.1f}" y="{top + ph + 14}" text-anchor="middle">{int(xmax * t / 5):,}</text>')
        for c, (label, s) in enumerate(runs):
            pts = " ".join(f"{PAD_L + pw * p['x'] / xmax:.1f},{top + ph - ph * min(p[key], ymax) / ymax:.1f}" for p in s)
            svg.append(f'<polyline points="{pts}" fill="none" stroke="{COLORS[c % len(COLORS)]}" stroke-width="1.8"/>')
    for c, (label, _) in enumerate(runs):
        y = PAD_T + 10 + c * 18
        svg.append(f'<line x1="{W - PAD_R + 15}" x2="{W - PAD_R + 35}" y1="{y}" y2="{y}" stroke="{COLORS[c % len(COLORS)]}" stroke-width="3"/>')
        svg.append(f'<text x="{W - PAD_R + 40}" y="{y + 4}">{label}</text>')
    svg.append(f'<text x="{PAD_L + pw / 2}" y="{H - 8}" text-anchor="middle">articles read</text>')
    svg.append("</svg>")
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
