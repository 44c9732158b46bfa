#!/usr/bin/env python3
"""Samples a process's memory every INTERVAL seconds from /proc/PID/status.

  rss_sampler.py --pid PID --out rss.tsv [--interval 0.2] [--cap-mb N]

One line per sample: offset (s), VmRSS (kB), VmHWM (kB), threads, open descriptors. Stops on
SIGTERM or when the process is gone. With --cap-mb, a process whose resident memory passes
the cap is killed (SIGKILL) and a line "# capped RSS_KB" is written: a safety net for shared
machines, the run then fails."""

import argparse
import os
import signal
import sys
import threading
import time


def read_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM", "Threads", "State"):
                fields[name] = value.split()[0] if value.split() else ""
    return fields


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--cap-mb", type=float, default=0)
    args = ap.parse_args()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    t0 = time.monotonic()
    n = 0
    with open(args.out, "w", encoding="utf-8", buffering=1) as out:
        while not stop.is_set():
            try:
                st = read_status(args.pid)
                if st.get("State") == "Z":
                    break
                try:
                    fds = len(os.listdir(f"/proc/{args.pid}/fd"))
                except OSError:
                    fds = -1
            except (OSError, ValueError):
                break  # the process is gone
            rss = int(st.get("VmRSS", 0))
            out.write(f"{time.monotonic() - t0:.3f}\t{rss}\t{st.get('VmHWM', 0)}\t{st.get('Threads', 0)}\t{fds}\n")
            if args.cap_mb and rss > args.cap_mb * 1024:
                out.write(f"# capped {rss}\n")
                try:
                    os.kill(args.pid, signal.SIGKILL)
                except OSError:
                    pass
                print(f"rss_sampler: resident memory {rss // 1024} MB passed the cap of "
                      f"{args.cap_mb:.0f} MB; the server was killed", file=sys.stderr)
                break
            n += 1
            stop.wait(max(0.0, t0 + n * args.interval - time.monotonic()))


if __name__ == "__main__":
    main()
