#!/usr/bin/env python3
"""Which files an indexing run reads and writes, from a perf trace of its system calls
(bench/scale/measure.py --perf-dir writes mid.io.data and merge.io.data):

    io_summary.py PERF.io.data [--records-per-s R | --samples FILE.jsonl --start T]

Prints, per file (a glass table of a shard: s1-0/postlist.glass ...), the pwrite/write and
pread/read calls and bytes, and the fdatasync/fsync calls over the traced span, per second, and
per article when the articles written per second over the span are given (--records-per-s), or
can be read from measure.py's samples (--samples, the trace starting --start seconds into the run).
Descriptors are named from the snapshots of open files in *.fds.json (measure.py takes one every
0.2 s while tracing; perf time stamps are CLOCK_MONOTONIC); one never seen open shows as fd N."""
import argparse
import bisect
import collections
import json
import os
import re
import subprocess

LINE = re.compile(r"^\s*(\S+)\s+(\d+)\s+([0-9]+\.[0-9]+):\s+syscalls:sys_enter_(\w+):\s+(.*)$")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("--records-per-s", type=float, default=0)
    ap.add_argument("--samples")
    ap.add_argument("--start", type=float, default=0)
    a = ap.parse_args()
    snapshots = []  # [(monotonic time, {fd: path})], in time order
    if os.path.exists(a.data + ".fds.json"):
        with open(a.data + ".fds.json") as f:
            loaded = json.load(f)
        if isinstance(loaded, dict):  # one snapshot, taken when the trace started
            loaded = [{"t": 0.0, "fds": loaded}]
        snapshots = [(s["t"], {int(k): v for k, v in s["fds"].items()}) for s in loaded]

    history = collections.defaultdict(list)  # fd -> [(time, path)]
    for st, fds in snapshots:
        for fd, path in fds.items():
            history[fd].append((st, path))

    def file_of(fd, t):
        """The file `fd` was open on at time t: the last snapshot before t that has it, else the
        first after."""
        seen = history.get(fd)
        if not seen:
            return f"fd {fd}"
        i = bisect.bisect_right([st for st, _ in seen], t)
        return seen[i - 1][1] if i else seen[0][1]

    out = subprocess.run(["perf", "script", "-i", a.data, "-F", "comm,tid,time,event,trace"],
                         capture_output=True, text=True, check=False).stdout
    stats = collections.defaultdict(lambda: collections.Counter())
    t_first = t_last = None
    for line in out.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        t = float(m.group(3))
        t_first = t if t_first is None else t_first
        t_last = t
        call, args = m.group(4), m.group(5)
        fields = dict(kv.split(": ", 1) for kv in args.split(", ") if ": " in kv)
        fd = int(fields.get("fd", "0x0"), 16)
        name = file_of(fd, t)
        if "/" in name and not name.startswith(("pipe:", "socket:", "anon_inode:")):
            parts = name.split("/")
            name = "/".join(parts[-2:]) if re.match(r"s\d+-\d+$", parts[-2]) else parts[-1]
        count = int(fields.get("count", "0x0"), 16)
        s = stats[name]
        if call in ("pwrite64", "write"):
            s["write_calls"] += 1
            s["write_bytes"] += count
        elif call in ("pread64", "read"):
            s["read_calls"] += 1
            s["read_bytes"] += count
        elif call in ("fdatasync", "fsync"):
            s["syncs"] += 1
    if t_first is None:
        print("no read/write calls traced")
        return
    span = t_last - t_first
    if span < 1.0:
        span = 1.0  # too short to give rates: the figures are then totals over the span
        print(f"traced less than 1 s: totals, not per second")
    if a.samples and not a.records_per_s:
        with open(a.samples) as f:
            rows = [r for r in map(json.loads, f) if "records_est" in r]
        inside = [r for r in rows if a.start <= r["t"] <= a.start + span]
        if len(inside) >= 2 and inside[-1]["t"] > inside[0]["t"]:
            a.records_per_s = ((inside[-1]["records_est"] - inside[0]["records_est"])
                               / (inside[-1]["t"] - inside[0]["t"]))
    total_w = sum(s["write_bytes"] for s in stats.values())
    print(f"traced {span:.1f} s; written {total_w / 1e6 / span:.1f} MB/s"
          + (f", {total_w / span / a.records_per_s / 1024:.1f} kB per article at {a.records_per_s:.0f} articles/s"
             if a.records_per_s else ""))
    print(f"{'file':<28}{'write MB/s':>11}{'writes/s':>10}{'read MB/s':>10}{'reads/s':>9}{'syncs/s':>8}"
          + (f"{'kB written/art':>15}" if a.records_per_s else ""))
    for name, s in sorted(stats.items(), key=lambda kv: -(kv[1]["write_bytes"] + kv[1]["read_bytes"])):
        if s["write_bytes"] + s["read_bytes"] < 1e4 * span and not s["syncs"]:
            continue
        line = (f"{name[:27]:<28}{s['write_bytes'] / 1e6 / span:>11.2f}{s['write_calls'] / span:>10.0f}"
                f"{s['read_bytes'] / 1e6 / span:>10.2f}{s['read_calls'] / span:>9.0f}{s['syncs'] / span:>8.2f}")
        if a.records_per_s:
            line += f"{s['write_bytes'] / span / a.records_per_s / 1024:>15.2f}"
        print(line)


if __name__ == "__main__":
    main()
