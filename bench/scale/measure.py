#!/usr/bin/env python3
"""Runs one indexing command and records what it costs, for bench/scale.sh.

    measure.py --summary OUT.json [--samples OUT.jsonl] [--input FILE --records N] [--db PATH]
               [--interval S] [--timeout S] [--perf-dir DIR --perf-seconds S] -- COMMAND ARGS...

Whole run (from wait4 when the command ends): wall seconds, user and system CPU seconds, peak RSS,
bytes read from and written to storage (Linux counts them as /proc/PID/io read_bytes and
write_bytes; getrusage reports the same counters in 512-byte blocks).

Over the run, every --interval seconds (one JSON line each in --samples): elapsed seconds, CPU
seconds, RSS, /proc/PID/io, the machine's busy and iowait CPU seconds and load average (other
work on the machine slows the run down), the position of the command in --input (its open file descriptor's
offset, so how far it has read, as a share of the file and as an estimate of records read when
--records is given), the size of --db on disk and the directories in it. Every 0.2 s it also
counts the process's threads by state (R running or runnable, D waiting on storage, S sleeping),
which says how much of the time the threads are off the CPU waiting for writes.

Phases: "input read" is when the command's offset reaches the end of --input (the last batch is
then being written and committed); "merge" starts when a directory appears in --db that was not
there when the input was read (sondhan's compaction writes a new shard generation).

--perf-dir: if `perf` works, records 60 s (--perf-seconds) of CPU samples with call graphs from
when half the input has been read (mid.data), and from the start of the merge (merge.data), and
over the same spans the command's read, write and sync calls (mid.io.data, merge.io.data, with
the files its descriptors were open on in *.fds.json).

Exits with the command's exit status (124 if it ran out of --timeout and was killed). Standard
library only; Linux only.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def read_io(pid):
    try:
        with open(f"/proc/{pid}/io") as f:
            return {k: int(v) for k, v in (line.split(":") for line in f)}
    except (OSError, ValueError):
        return None


def read_cpu_rss(pid):
    """(CPU seconds of the whole process, RSS bytes) or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/statm") as f:
            rss_pages = int(f.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    # Fields after the command name start at field 3 (state): utime is field 14, stime 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK, rss_pages * PAGE


def machine_cpu():
    """(busy, iowait, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal ...
    idle, iowait = v[3], v[4]
    total = sum(v[:8])
    return (total - idle - iowait) / CLK_TCK, iowait / CLK_TCK, total / CLK_TCK


def thread_states(pid):
    states = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return states
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                s = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        states[s] = states.get(s, 0) + 1
    return states


def input_offset(pid, path):
    """Offset of the first descriptor of `pid` open on `path`, or None."""
    fd_dir = f"/proc/{pid}/fd"
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return None
    for fd in fds:
        try:
            if os.readlink(f"{fd_dir}/{fd}") != path:
                continue
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                for line in f:
                    if line.startswith("pos:"):
                        return int(line.split()[1])
        except OSError:
            continue
    return None


def disk_usage(path):
    """Bytes allocated under `path` (like du -sb on allocated blocks), and its subdirectories."""
    if path and not os.path.exists(path) and os.path.exists(path + ".partial"):
        path += ".partial"  # written aside, renamed when complete (fts5_index.py)
    if not path or not os.path.exists(path):
        return 0, []
    if os.path.isfile(path):
        try:
            st = os.stat(path)
            # SQLite keeps a journal or WAL beside the database file.
            extra = sum(os.stat(path + s).st_blocks * 512 for s in ("-journal", "-wal", "-shm")
                        if os.path.exists(path + s))
            return st.st_blocks * 512 + extra, []
        except OSError:
            return 0, []
    total, dirs = 0, []
    for root, subdirs, files in os.walk(path):
        if root == path:
            dirs = sorted(subdirs)
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                pass
    return total, dirs


def perf_works():
    try:
        r = subprocess.run(["perf", "record", "-q", "-o", "/dev/null", "--", "true"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        return r.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def start_perf(pid, out, seconds):
    # cpu-clock: works where hardware counters are not exposed (VMs). DWARF call graphs, because
    # release builds and distribution libraries have no frame pointers.
    cmd = ["perf", "record", "-q", "-e", "cpu-clock", "-F", "199", "--call-graph", "dwarf,16384",
           "-p", str(pid), "-o", out, "--", "sleep", str(seconds)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(out + ".log", "w"),
                            start_new_session=True)


IO_EVENTS = ["syscalls:sys_enter_pread64", "syscalls:sys_enter_pwrite64", "syscalls:sys_enter_read",
             "syscalls:sys_enter_write", "syscalls:sys_enter_fdatasync", "syscalls:sys_enter_fsync"]


def open_files(pid):
    fds = {}
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                fds[fd] = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                pass
    except OSError:
        pass
    return fds


class IoTrace:
    """Traces the command's read/write/sync calls (perf tracepoints, CLOCK_MONOTONIC time
    stamps) and notes which file each descriptor is, every 0.2 s while it runs (a merge opens
    and closes tables as it goes), so that bench/scale/io_summary.py can say how much goes to
    which table."""

    def __init__(self, pid, out, seconds):
        self.pid, self.out, self.end = pid, out, time.monotonic() + seconds
        self.snapshots = []
        self.snapshot()
        cmd = ["perf", "record", "-q", "-k", "CLOCK_MONOTONIC", "-e", ",".join(IO_EVENTS),
               "-p", str(pid), "-o", out, "--", "sleep", str(seconds)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(out + ".log", "w"),
                                     start_new_session=True)
        self.pid_perf = self.proc.pid

    def snapshot(self):
        if time.monotonic() <= self.end:
            fds = open_files(self.pid)
            if fds and (not self.snapshots or self.snapshots[-1][1] != fds):
                self.snapshots.append((time.monotonic(), fds))

    def wait(self, timeout=None):
        r = self.proc.wait(timeout=timeout)
        with open(self.out + ".fds.json", "w") as f:
            json.dump([{"t": t, "fds": fds} for t, fds in self.snapshots], f)
        return r

    @property
    def pid_group(self):
        return self.proc.pid


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--summary", required=True)
    ap.add_argument("--samples")
    ap.add_argument("--input")
    ap.add_argument("--records", type=int, default=0)
    ap.add_argument("--db")
    ap.add_argument("--interval", type=float, default=2.0)
    ap.add_argument("--timeout", type=float, default=0)
    ap.add_argument("--perf-dir")
    ap.add_argument("--perf-seconds", type=int, default=60)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not cmd:
        ap.error("no command")
    input_path = os.path.realpath(a.input) if a.input else None
    input_size = os.path.getsize(input_path) if input_path else 0
    use_perf = bool(a.perf_dir) and perf_works()
    if a.perf_dir:
        os.makedirs(a.perf_dir, exist_ok=True)

    start = time.monotonic()
    proc = subprocess.Popen(cmd, start_new_session=True)
    pid = proc.pid
    stopping = {"signal": None}

    def on_signal(signum, _frame):
        stopping["signal"] = signum
        try:
            os.killpg(pid, signal.SIGTERM)
        except OSError:
            pass
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    samples_out = open(a.samples, "w") if a.samples else None
    state_counts, state_samples = {}, 0
    last = {"io": None, "cpu": 0.0, "rss": 0}
    peak_rss_sampled = 0
    input_read_at = None
    dirs_at_input_read = None
    merge_at = None
    half_at = None
    perfs = []
    io_traces = []
    timed_out = False
    next_sample = next_states = start
    status = None
    while status is None:
        now = time.monotonic()
        if now >= next_sample:
            next_sample += a.interval
            t = now - start
            io = read_io(pid)
            cr = read_cpu_rss(pid)
            pos = input_offset(pid, input_path) if input_path else None
            db_bytes, dirs = disk_usage(a.db)
            if io:
                last["io"] = io
            if cr:
                last["cpu"], last["rss"] = cr
                peak_rss_sampled = max(peak_rss_sampled, cr[1])
            rec = {"t": round(t, 2), "cpu_s": round(last["cpu"], 2), "rss": last["rss"],
                   "db_bytes": db_bytes, "dirs": dirs}
            mc = machine_cpu()
            if mc:
                rec["machine_busy_s"], rec["machine_iowait_s"] = round(mc[0], 2), round(mc[1], 2)
            try:
                with open("/proc/loadavg") as f:
                    rec["load1"] = float(f.read().split()[0])
            except (OSError, ValueError):
                pass
            if io:
                rec.update({k: io.get(k, 0) for k in ("rchar", "wchar", "syscr", "syscw", "read_bytes",
                                                      "write_bytes", "cancelled_write_bytes")})
            if pos is not None:
                rec["input_pos"] = pos
                rec["input_share"] = round(pos / input_size, 5) if input_size else None
                if a.records and input_size:
                    rec["records_est"] = int(a.records * min(1.0, pos / input_size))
                if input_read_at is None and input_size and pos >= input_size:
                    input_read_at, dirs_at_input_read = t, set(dirs)
                if half_at is None and input_size and pos >= input_size / 2:
                    half_at = t
                    if use_perf:
                        perfs.append(start_perf(pid, os.path.join(a.perf_dir, "mid.data"), a.perf_seconds))
                        io_traces.append(IoTrace(pid, os.path.join(a.perf_dir, "mid.io.data"), a.perf_seconds))
            elif input_path and input_read_at is None and t > 1 and last["io"] is not None:
                # The descriptor is closed once the input is read.
                input_read_at, dirs_at_input_read = t, set(dirs)
            if (merge_at is None and dirs_at_input_read is not None
                    and set(dirs) - dirs_at_input_read):
                merge_at = t
                if use_perf:
                    perfs.append(start_perf(pid, os.path.join(a.perf_dir, "merge.data"), a.perf_seconds))
                    io_traces.append(IoTrace(pid, os.path.join(a.perf_dir, "merge.io.data"), a.perf_seconds))
            rec["states"] = dict(state_counts)
            rec["state_samples"] = state_samples
            if samples_out:
                samples_out.write(json.dumps(rec) + "\n")
                samples_out.flush()
        if now >= next_states:
            next_states = now + 0.2
            for tr in io_traces:
                tr.snapshot()
            st = thread_states(pid)
            if st:
                state_samples += 1
                for k, v in st.items():
                    state_counts[k] = state_counts.get(k, 0) + v
        if a.timeout and now - start > a.timeout and not timed_out:
            timed_out = True
            try:
                os.killpg(pid, signal.SIGTERM)
            except OSError:
                pass
        time.sleep(0.02)
        wpid, wstatus, ru = os.wait4(pid, os.WNOHANG)
        if wpid == pid:
            status = (wstatus, ru)
    wall = time.monotonic() - start
    wstatus, ru = status
    rc = os.waitstatus_to_exitcode(wstatus)
    for p in perfs + io_traces:
        try:
            p.wait(timeout=a.perf_seconds + 60)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid if isinstance(p, subprocess.Popen) else p.pid_group, signal.SIGINT)
            p.wait()
    summary = {
        "command": cmd, "exit_code": rc, "timed_out": timed_out, "wall_s": round(wall, 3),
        "user_s": round(ru.ru_utime, 3), "sys_s": round(ru.ru_stime, 3),
        "peak_rss_bytes": ru.ru_maxrss * 1024,
        "read_bytes": ru.ru_inblock * 512, "write_bytes": ru.ru_oublock * 512,
        "last_io": last["io"], "peak_rss_sampled": peak_rss_sampled,
        "input_read_s": None if input_read_at is None else round(input_read_at, 2),
        "merge_start_s": None if merge_at is None else round(merge_at, 2),
        "half_input_s": None if half_at is None else round(half_at, 2),
        "thread_state_samples": state_samples, "thread_states": state_counts,
        "perf": [os.path.join(a.perf_dir, n) for n in ("mid.data", "merge.data")
                 if use_perf and os.path.exists(os.path.join(a.perf_dir, n))],
    }
    with open(a.summary, "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    if stopping["signal"]:
        sys.exit(128 + stopping["signal"])
    sys.exit(124 if timed_out else rc)


if __name__ == "__main__":
    main()
