#!/usr/bin/env python3
"""The table and JSON of bench/scale.sh, from the files a run leaves in its directory:

    report.py RUN_DIR [--json OUT]

RUN_DIR/meta.json (what was run), sondhan.{measure,index}.json and sondhan.samples.jsonl (the
indexing run), fts5.* (the peer, if it ran), http/<kind>.out (wrk, one per kind of request),
server.json (memory, documents) and add.* (the 1,000 added articles). Missing parts are left out
of the table and are null in the JSON."""
import argparse
import json
import os

KINDS = [("known", "known-item queries"), ("topical", "topical queries"), ("browse", "browse page"),
         ("facets", "three-facet query"), ("sort", "sort=-date query"), ("phrases", "quoted phrases")]


def load(run, name):
    path = os.path.join(run, name)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        text = f.read().strip()
    if not text:
        return None
    # Command outputs may carry other lines; their JSON is the last line.
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return json.loads(text.splitlines()[-1])


def samples(run, name):
    path = os.path.join(run, name)
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def wrk_result(path):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("SONDHAN_JSON "):
                return json.loads(line[len("SONDHAN_JSON "):])
    return None


def interp(rows, xkey, x, ykey):
    """y at x, linear between the two samples around it (rows sorted by xkey)."""
    prev = None
    for r in rows:
        if xkey not in r or ykey not in r:
            continue
        if r[xkey] >= x:
            if prev is None or r[xkey] == prev[xkey]:
                return r[ykey]
            f = (x - prev[xkey]) / (r[xkey] - prev[xkey])
            return prev[ykey] + f * (r[ykey] - prev[ykey])
        prev = r
    return None


def at_time(rows, t, key):
    return interp(rows, "t", t, key)


def tenths(rows, count, m):
    """Per tenth of the archive: seconds, articles/s, bytes written and read per article, CPU cores."""
    ingest = [r for r in rows if "records_est" in r]
    if ingest and ingest[-1]["records_est"] < count and m and m.get("input_read_s"):
        # The input was closed between two samples: it was all read by then.
        ingest.append({"t": m["input_read_s"], "records_est": count})
    if len(ingest) < 3 or not count:
        return []
    # Keep the samples while the input is being read (records_est strictly below the end, plus the
    # first one at the end), so that a tenth's end is when its last article was read.
    out = []
    for i in range(10):
        lo, hi = count * i // 10, count * (i + 1) // 10
        t0 = interp(ingest, "records_est", lo, "t") if lo else 0.0
        t1 = interp(ingest, "records_est", hi, "t")
        if t0 is None or t1 is None or t1 <= t0:
            continue
        w0, w1 = at_time(rows, t0, "write_bytes") or 0, at_time(rows, t1, "write_bytes") or 0
        # rchar: bytes the process read by system calls, from storage or the page cache (a B-tree
        # block read again is a pread either way); read_bytes counts only storage, ~0 here.
        r0, r1 = at_time(rows, t0, "rchar") or 0, at_time(rows, t1, "rchar") or 0
        c0, c1 = at_time(rows, t0, "cpu_s") or 0, at_time(rows, t1, "cpu_s") or 0
        d1 = at_time(rows, t1, "db_bytes") or 0
        m0, m1 = at_time(rows, t0, "machine_busy_s"), at_time(rows, t1, "machine_busy_s")
        n = hi - lo
        out.append({"from": lo, "to": hi, "seconds": round(t1 - t0, 2),
                    "articles_per_s": round(n / (t1 - t0), 1),
                    "written_kb_per_article": round((w1 - w0) / n / 1024, 2),
                    "read_kb_per_article": round((r1 - r0) / n / 1024, 2),
                    "cpu_cores": round((c1 - c0) / (t1 - t0), 2),
                    "cpu_ms_per_article": round((c1 - c0) / n * 1000, 2),
                    "others_cores": (round(max(0.0, (m1 - m0) - (c1 - c0)) / (t1 - t0), 2)
                                     if m0 is not None and m1 is not None else None),
                    "db_mb_at_end": round(d1 / 1e6, 1)})
    return out


def phases(rows, m):
    """Ingest (input being read), the last commit, and the merge, from the samples and summary."""
    if not m or not rows:
        return None
    end = m["wall_s"]
    read_at, merge_at = m.get("input_read_s"), m.get("merge_start_s")
    spans = []
    if read_at is not None:
        spans.append(("ingest", 0.0, read_at))
        if merge_at is not None:
            spans.append(("tail", read_at, merge_at))
            spans.append(("merge", merge_at, end))
        else:
            spans.append(("after_input", read_at, end))
    out = {}
    last = rows[-1]
    for name, t0, t1 in spans:
        def val(t, key):
            if t >= last["t"]:
                return last.get(key, 0)
            return at_time(rows, t, key) or 0
        span = max(t1 - t0, 1e-9)
        st0 = at_time(rows, t0, "state_samples") or 0
        st1 = val(t1, "state_samples")
        states = {}

        # Thread states are cumulative counts per sample row.
        def state_at(t, s):
            prev = None
            for r in rows:
                if r["t"] >= t:
                    return r.get("states", {}).get(s, 0)
                prev = r
            return (prev or {}).get("states", {}).get(s, 0)
        for s in ("R", "D"):
            n = state_at(t1, s) - state_at(t0, s)
            states[s] = round(n / (st1 - st0), 2) if st1 > st0 else None
        mb0, mb1 = at_time(rows, t0, "machine_busy_s"), val(t1, "machine_busy_s")
        ours = val(t1, "cpu_s") - (at_time(rows, t0, "cpu_s") or 0)
        out[name] = {"seconds": round(t1 - t0, 2), "cpu_s": round(ours, 1),
                     "others_cores": (round(max(0.0, (mb1 - mb0) - ours) / span, 2)
                                      if mb0 is not None and mb1 else None),
                     "written_mb": round((val(t1, "write_bytes") - (at_time(rows, t0, "write_bytes") or 0)) / 1e6, 1),
                     "read_mb": round((val(t1, "read_bytes") - (at_time(rows, t0, "read_bytes") or 0)) / 1e6, 1),
                     "cpu_cores": round((val(t1, "cpu_s") - (at_time(rows, t0, "cpu_s") or 0)) / span, 2),
                     "threads_running": states["R"], "threads_waiting_on_storage": states["D"]}
    return out


def fmt_bytes(b):
    if b is None:
        return "-"
    for unit, div in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if b >= div:
            return f"{b / div:.2f} {unit}" if unit == "GB" else f"{b / div:.1f} {unit}"
    return f"{b} B"


def ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run")
    ap.add_argument("--json")
    a = ap.parse_args()
    run = a.run
    meta = load(run, "meta.json") or {}
    count = meta.get("count")

    engines = {}
    for key, label in (("sondhan", "sondhan"), ("fts5", "SQLite FTS5 (Bengali-safe)")):
        m, idx = load(run, f"{key}.measure.json"), load(run, f"{key}.index.json")
        if not m:
            continue
        rows = samples(run, f"{key}.samples.jsonl")
        db_bytes = load(run, f"{key}.db_bytes")
        e = {"label": label, "exit_code": m["exit_code"], "timed_out": m["timed_out"],
             "indexed": (idx or {}).get("indexed"),
             "wall_s": m["wall_s"], "articles_per_s": round(count / m["wall_s"], 1) if count else None,
             "user_s": m["user_s"], "sys_s": m["sys_s"],
             "cpu_cores": round((m["user_s"] + m["sys_s"]) / m["wall_s"], 2),
             "peak_rss_bytes": m["peak_rss_bytes"], "write_bytes": m["write_bytes"], "read_bytes": m["read_bytes"],
             "db_bytes": db_bytes,
             "written_kb_per_article": round(m["write_bytes"] / count / 1024, 2) if count else None,
             "phases": phases(rows, m), "tenths": tenths(rows, count, m)}
        if key == "sondhan" and e["phases"] and "merge" in e["phases"]:
            e["merge_s"] = e["phases"]["merge"]["seconds"]
        if key == "fts5" and idx:
            e["merge_s"] = idx.get("optimize_seconds")
        engines[key] = e

    http = {}
    for kind, label in KINDS:
        r = wrk_result(os.path.join(run, "http", kind + ".out"))
        if r:
            http[kind] = {"label": label, "requests": r["requests"], "requests_per_s": r["requests_per_s"],
                          "p50_ms": r["latency_ms"]["p50"], "p99_ms": r["latency_ms"]["p99"],
                          "max_ms": r["latency_ms"]["max"], "non_200": r["non_200"],
                          "socket_errors": sum(r["socket_errors"].values()),
                          "paths": meta.get("paths", {}).get(kind)}
    server = load(run, "server.json")
    add = None
    am, ai, ac = load(run, "add.measure.json"), load(run, "add.index.json"), load(run, "add.check.json")
    if am:
        add = {"articles": (ai or {}).get("indexed"), "wall_s": am["wall_s"], "exit_code": am["exit_code"],
               "write_bytes": am["write_bytes"], "peak_rss_bytes": am["peak_rss_bytes"], **(ac or {})}
    pm, pi = load(run, "fts5_add.measure.json"), load(run, "fts5_add.index.json")
    if pm and add is not None:
        add["peer_wall_s"] = pm["wall_s"]
        add["peer_write_bytes"] = pm["write_bytes"]

    result = {"meta": meta, "index": engines, "http_1conn": http, "server": server, "add": add}
    perf = {}
    for name in ("mid", "mid.io", "merge", "merge.io"):
        path = os.path.join(run, "perf", name + ".txt")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                perf[name] = f.read().splitlines()
    if perf:
        result["perf"] = perf
    s, p = engines.get("sondhan"), engines.get("fts5")
    if s and p:
        result["ratio_sondhan_to_peer"] = {
            "index_time": ratio(s["wall_s"], p["wall_s"]), "peak_rss": ratio(s["peak_rss_bytes"], p["peak_rss_bytes"]),
            "write_bytes": ratio(s["write_bytes"], p["write_bytes"]), "db_size": ratio(s["db_bytes"], p["db_bytes"])}

    # The table.
    print(f"sondhan at scale: {count:,} articles (scale_corpus.py seed {meta.get('seed')}, "
          f"{fmt_bytes(meta.get('archive_bytes'))} gzip), {meta.get('date', '')}")
    print(f"binaries {meta.get('bin')} (checkout {meta.get('git', '?')}), {meta.get('nproc')} cores, "
          f"load average {meta.get('load_start')} at start, {meta.get('load_end')} at end")
    if meta.get("index_opts"):
        print(f"sondhan-index options: {' '.join(meta['index_opts'])}")
    if meta.get("environment"):
        print("environment: " + " ".join(f"{k}={v}" for k, v in sorted(meta["environment"].items())))
    print()
    cols = [k for k in ("sondhan", "fts5") if k in engines]
    if cols:
        w = 26
        head = f"{'indexing':<30}" + "".join(f"{engines[k]['label'][:w]:>{w + 2}}" for k in cols)
        if len(cols) == 2:
            head += f"{'sondhan/peer':>14}"
        print(head)

        def row(name, get, show, rat=True):
            vals = [get(engines[k]) for k in cols]
            line = f"{name:<30}" + "".join(f"{show(v):>{w + 2}}" for v in vals)
            if len(cols) == 2 and rat:
                r = ratio(vals[0], vals[1])
                line += f"{'-' if r is None else r:>14}"
            print(line)
        row("time", lambda e: e["wall_s"], lambda v: f"{v:.1f} s")
        row("  of which final merge", lambda e: e.get("merge_s"), lambda v: "-" if v is None else f"{v:.1f} s")
        row("articles/s", lambda e: e["articles_per_s"], lambda v: f"{v:,.0f}")
        row("CPU (user+sys)", lambda e: e["user_s"] + e["sys_s"],
            lambda v: f"{v:.0f} s")
        row("cores busy (mean)", lambda e: e["cpu_cores"], lambda v: f"{v:.2f}", rat=False)
        row("peak RSS", lambda e: e["peak_rss_bytes"], fmt_bytes)
        row("written (write_bytes)", lambda e: e["write_bytes"], fmt_bytes)
        row("  per article", lambda e: e["written_kb_per_article"], lambda v: f"{v:.1f} kB")
        row("read from storage", lambda e: e["read_bytes"], fmt_bytes)
        row("database size", lambda e: e["db_bytes"], fmt_bytes)
        for k in cols:
            if engines[k]["exit_code"] != 0:
                print(f"  !! {engines[k]['label']} exited with {engines[k]['exit_code']}"
                      f"{' (timed out)' if engines[k]['timed_out'] else ''}")
        print()
    if http:
        print(f"{'HTTP, 1 connection':<30}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}")
        for kind, label in KINDS:
            if kind in http:
                h = http[kind]
                name = f"{label} ({h['paths']})" if h["paths"] and h["paths"] > 1 else label
                print(f"{name:<30}{h['requests']:>10}{h['requests_per_s']:>9.1f}{h['p50_ms']:>9.2f}"
                      f"{h['p99_ms']:>9.2f}{h['max_ms']:>9.1f}{h['non_200'] + h['socket_errors']:>8}")
        print()
    if server:
        print(f"server RSS: {fmt_bytes(server.get('rss_after_start'))} after start, "
              f"{fmt_bytes(server.get('rss_after_queries'))} after the queries, "
              f"peak {fmt_bytes(server.get('peak_rss'))} (VmHWM, at the end)")
    if add:
        line = (f"add {add.get('articles')} articles to the full archive: {add['wall_s']:.2f} s, "
                f"{fmt_bytes(add['write_bytes'])} written")
        if add.get("documents_before") is not None:
            line += (f"; /stats documents {add['documents_before']:,} -> {add.get('documents_after'):,}"
                     f", seen {add.get('visible_after_s')} s after the indexer exited"
                     f", last added article {'found' if add.get('last_found') else 'NOT FOUND'}")
        print(line)
        if "peer_wall_s" in add:
            print(f"  the same 1,000 appended to the peer: {add['peer_wall_s']:.2f} s, "
                  f"{fmt_bytes(add['peer_write_bytes'])} written")
        print()
    for k in cols:
        e = engines[k]
        if e["tenths"]:
            print(f"{e['label']} indexing, per tenth of the archive (time while its articles were read):")
            print(f"{'articles':>21}{'seconds':>9}{'art/s':>8}{'CPU ms/art':>11}{'kB written/art':>15}"
                  f"{'kB read/art':>12}{'cores':>7}{'others':>7}{'db MB':>9}")
            for t in e["tenths"]:
                others = "-" if t["others_cores"] is None else f"{t['others_cores']:.2f}"
                print(f"{t['from']:>10,}-{t['to']:<10,}{t['seconds']:>9.1f}{t['articles_per_s']:>8.0f}"
                      f"{t['cpu_ms_per_article']:>11.2f}{t['written_kb_per_article']:>15.1f}"
                      f"{t['read_kb_per_article']:>12.1f}{t['cpu_cores']:>7.2f}{others:>7}{t['db_mb_at_end']:>9.0f}")
            first, last = e["tenths"][0], e["tenths"][-1]
            if len(e["tenths"]) == 10:
                print(f"  last tenth / first tenth: articles/s x{last['articles_per_s'] / first['articles_per_s']:.2f}, "
                      f"CPU per article x{last['cpu_ms_per_article'] / max(first['cpu_ms_per_article'], 1e-9):.2f}, "
                      f"written per article x{last['written_kb_per_article'] / max(first['written_kb_per_article'], 1e-9):.2f}"
                      )
            print("  (read: read/pread bytes, page cache included; cores: this process; others: the rest of the machine)")
        if e["phases"]:
            parts = []
            for name, ph in e["phases"].items():
                parts.append(f"  {name:<12}{ph['seconds']:>8.1f} s, CPU {ph['cpu_s']:.0f} s ({ph['cpu_cores']:.2f} cores; "
                             f"others {ph['others_cores']}), {ph['written_mb']:.0f} MB written, {ph['read_mb']:.0f} MB read; "
                             f"threads runnable {ph['threads_running']}, in I/O wait {ph['threads_waiting_on_storage']}")
            print("  phases:")
            print("\n".join(parts))
        print()
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2, ensure_ascii=False)
            f.write("\n")
        print(f"(JSON in {a.json})")


if __name__ == "__main__":
    main()
