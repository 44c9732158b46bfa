#!/usr/bin/env python3
"""Summary, verdict and JSON of a soak run (bench/soak.sh writes the inputs).

  report.py soak    --dir RUN_DIR --out FILE.json
  report.py hostile --dir RUN_DIR --out FILE.json --patterns a,b,c

RUN_DIR holds meta.env (KEY=VALUE lines from soak.sh) and the files of the clients: wrk.txt,
health.tsv, rss.tsv, slow.json, preflight.json, server.log (soak), and one sub-directory per
pattern (hostile) with its own meta.env, health.tsv, rss.tsv, result.json and server.log.
Exits 1 when a check fails.

Memory bound: peak RSS <= 2 x idle steady state + allowance, where the idle steady state is the
median RSS at rest after every worker thread has served (warm-up), and the allowance is what the
configured limits let the run's clients make the server hold: connections x (max_body_bytes +
max_header_bytes), with the clients' connections (load + slow clients, or the pattern's clients)."""

import argparse
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import percentile, write_json  # noqa: E402

MB = 1024 * 1024
ACCESS_LINE = re.compile(r" (\d{3}) [0-9.]+ms$")


def read_meta(path):
    meta = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                meta[key] = value
    return meta


def num(meta, key, default=0.0):
    try:
        return float(meta.get(key, ""))
    except ValueError:
        return default


def read_health(path, timeout_ms):
    """Probe latencies (failed probes count as at least the timeout) and failures by kind."""
    started, lat, failures = 0, [], {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("# probes started:"):
                    started = int(line.split(":")[1])
                    continue
                _, ms, ok, outcome = line.rstrip("\n").split("\t")
                ms = float(ms)
                if ok != "1":
                    failures[outcome] = failures.get(outcome, 0) + 1
                    ms = max(ms, timeout_ms)
                lat.append(ms)
    unfinished = started - len(lat)
    if unfinished > 0:
        failures["unfinished"] = unfinished
        lat += [timeout_ms] * unfinished
    return {
        "probes": max(started, len(lat)),
        "p50_ms": round(percentile(lat, 50), 2) if lat else None,
        "p99_ms": round(percentile(lat, 99), 2) if lat else None,
        "max_ms": round(max(lat), 2) if lat else None,
        "failures": sum(failures.values()),
        "failures_by_kind": failures,
    }


def read_rss(path):
    rss, hwm, threads, fds, capped = [], 0, [], [], None
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("# capped"):
                    capped = int(line.split()[2])
                    continue
                t, r, h, th, fd = line.rstrip("\n").split("\t")
                rss.append(int(r))
                hwm = max(hwm, int(h or 0))
                threads.append(int(th))
                fds.append(int(fd))
    return {
        "samples": len(rss),
        "peak_kb": max(rss) if rss else None,
        "hwm_kb": hwm or None,
        "peak_threads": max(threads) if threads else None,
        "peak_fds": max(fds) if fds else None,
        "capped_at_kb": capped,
    }


def read_server_log(path):
    statuses, lines, problems = {}, 0, []
    if os.path.exists(path):
        with open(path, "rb") as f:
            for raw in f.read().decode("utf-8", "replace").split("\n"):
                m = ACCESS_LINE.search(raw.rstrip("\r"))
                if m:
                    lines += 1
                    statuses[m.group(1)] = statuses.get(m.group(1), 0) + 1
                if re.search(r"\[(critical|error)\]|unhandled exception|terminate called|Segmentation", raw):
                    problems.append(raw[:200])
    five = sum(n for s, n in statuses.items() if s.startswith("5"))
    return {"access_lines": lines, "statuses": statuses, "5xx": five,
            "problems": len(problems), "problem_examples": problems[:5]}


def memory(meta, rss, connections):
    idle = num(meta, "idle_steady_kb") * 1024
    per_conn = num(meta, "max_body_bytes") + num(meta, "max_header_bytes")
    allowance = connections * per_conn
    bound = 2 * idle + allowance
    peak = max(rss["peak_kb"] or 0, rss["hwm_kb"] or 0) * 1024
    return {
        "idle_start_mb": round(num(meta, "idle_start_kb") / 1024, 1),
        "idle_steady_mb": round(idle / MB, 1),
        "peak_mb": round(peak / MB, 1),
        "peak_sampled_mb": round((rss["peak_kb"] or 0) / 1024, 1),
        "peak_hwm_mb": round((rss["hwm_kb"] or 0) / 1024, 1),
        "allowance_mb": round(allowance / MB, 1),
        "allowance_formula": f"{connections} connections x ({num(meta, 'max_body_bytes'):.0f} body + "
                             f"{num(meta, 'max_header_bytes'):.0f} header bytes)",
        "bound_mb": round(bound / MB, 1),
        "peak_over_idle": round(peak / idle, 2) if idle else None,
        "within_bound": rss["samples"] > 0 and peak <= bound and rss["capped_at_kb"] is None,
        "capped": rss["capped_at_kb"] is not None,
        "peak_threads": rss["peak_threads"],
        "peak_fds": rss["peak_fds"],
    }


def server_state(meta, capped=False):
    """How the server ended. A server killed at the RSS cap did not crash (the run fails on
    memory instead)."""
    exit_code = meta.get("server_exit", "")
    died = meta.get("died_during_run") == "1"
    outside = meta.get("outside_signal") == "1"
    crashed = (died and not capped and not outside) or (exit_code.isdigit() and int(exit_code) > 128 and meta.get("killed_by_us") != "1")
    return {
        "alive_after_run": meta.get("alive_after") == "1",
        "health_after_run": meta.get("health_after", ""),
        "exit_code": exit_code,
        "died_during_run": died,
        "stop": meta.get("stop", ""),
        "crashed": crashed,
        "stopped_from_outside": outside,
    }


def fmt_ms(v):
    return "n/a" if v is None else f"{v:.1f} ms"


def check(checks, name, ok, detail):
    checks.append({"check": name, "ok": bool(ok), "detail": detail})


def print_checks(checks):
    for c in checks:
        print(f"  {'PASS' if c['ok'] else 'FAIL'}  {c['check']}: {c['detail']}")


# ---- soak ---------------------------------------------------------------------------------

def read_wrk(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("SOAK_JSON "):
                return json.loads(line[len("SOAK_JSON "):])
    return None


def report_soak(d, out):
    meta = read_meta(os.path.join(d, "meta.env"))
    timeout_ms = num(meta, "health_timeout_s", 5) * 1000
    wrk = read_wrk(os.path.join(d, "wrk.txt"))
    health = read_health(os.path.join(d, "health.tsv"), timeout_ms)
    rss = read_rss(os.path.join(d, "rss.tsv"))
    log = read_server_log(os.path.join(d, "server.log"))
    slow = json.load(open(os.path.join(d, "slow.json"))) if os.path.exists(os.path.join(d, "slow.json")) else None
    pre = json.load(open(os.path.join(d, "preflight.json")))
    connections, n_slow = int(num(meta, "connections")), int(num(meta, "slow"))
    mem = memory(meta, rss, connections + n_slow)
    server = server_state(meta, mem["capped"])

    if wrk:
        non2xx = sum(n for s, n in wrk["statuses"].items() if not s.startswith("2"))
        sock = wrk["socket_errors"]
        sock_total = sum(sock.values())
        five_wrk = sum(n for s, n in wrk["statuses"].items() if s.startswith("5"))
    else:
        non2xx = sock_total = five_wrk = None
        sock = {}
    pre_bad = sum(k["non_2xx"] for k in pre["kinds"].values())

    print()
    print(f"sondhan soak: {meta['seconds']} s of mixed traffic on {connections} connections "
          f"+ {n_slow} slow clients + /health every 100 ms")
    print(f"  server   {meta['server_bin']} (sha256 {meta['server_sha'][:12]}, built {meta['server_mtime']}); "
          f"db {meta['db']}")
    print(f"           \"{meta.get('server_startup', '')}\"")
    if wrk:
        lat, raw = wrk["latency_ms"], wrk["raw_latency_ms"]
        print(f"  mixed    {wrk['requests']} requests ({wrk['requests_per_s']}/s); non-2xx {non2xx} "
              f"{dict(sorted((s, n) for s, n in wrk['statuses'].items() if not s.startswith('2')))}; "
              f"socket errors {sock_total} {sock}")
        print(f"           latency p50 {lat['p50']:.1f} ms, p90 {lat['p90']:.1f} ms, p99 {lat['p99']:.1f} ms, "
              f"max {lat['max']:.1f} ms (wrk, corrected for coordinated omission)")
        print(f"           latency p50 {raw['p50']:.1f} ms, p90 {raw['p90']:.1f} ms, p99 {raw['p99']:.1f} ms, "
              f"max {raw['max']:.1f} ms (as measured; also by kind below)")
        for kind, k in sorted(wrk["kinds"].items()):
            bad = {s: n for s, n in k["statuses"].items() if not s.startswith("2")}
            print(f"           {kind:<13} {k['responses']:>6} answers, p50 {k['p50_ms']:8.1f} ms, "
                  f"p99 {k['p99_ms']:8.1f} ms, max {k['max_ms']:8.1f} ms"
                  f"{'' if not bad else '; non-2xx ' + str(bad)}")
    else:
        print("  mixed    no result from wrk (see wrk.txt)")
    print(f"  preflt   {pre['distinct']} distinct requests of the mix asked once before the load: "
          f"{'all 2xx' if not pre_bad else f'{pre_bad} non-2xx'}")
    print(f"  /health  {health['probes']} probes: p50 {fmt_ms(health['p50_ms'])}, p99 {fmt_ms(health['p99_ms'])}, "
          f"max {fmt_ms(health['max_ms'])}; failures {health['failures']} {health['failures_by_kind'] or ''}")
    if slow:
        for kind in ("dribblers", "non_readers"):
            s = slow[kind]
            print(f"  slow     {kind:<11} {s['clients']:>3} clients, {s['connections']} connections, "
                  f"cut off by the server {s['cut_off_by_server']} times (held p50 {s['held_s_p50']} s, "
                  f"max {s['held_s_max']} s), still open at the end {s['held_to_end']}, "
                  f"answers {s['server_answers'] or '{}'}")
    print(f"  memory   idle {mem['idle_start_mb']} MB at start, {mem['idle_steady_mb']} MB steady after warm-up; "
          f"peak {mem['peak_mb']} MB (sampled {mem['peak_sampled_mb']}, VmHWM {mem['peak_hwm_mb']}); "
          f"bound {mem['bound_mb']} MB = 2 x {mem['idle_steady_mb']} + {mem['allowance_mb']} "
          f"[{mem['allowance_formula']}]; peak threads {mem['peak_threads']}, descriptors {mem['peak_fds']}"
          + ("; KILLED AT THE RSS CAP" if mem["capped"] else ""))
    print(f"  server   alive after the run: {'yes' if server['alive_after_run'] else 'NO'} "
          f"(/health after: {server['health_after_run']}); exit {server['exit_code']} after {server['stop']}; "
          f"access log {log['access_lines']} lines, 5xx {log['5xx']}; error lines {log['problems']}")
    for p in log["problem_examples"]:
        print(f"           {p}")

    checks = []
    check(checks, "no crash", server["alive_after_run"] and not server["crashed"],
          f"alive after the run: {server['alive_after_run']}, exit {server['exit_code']} ({server['stop']})")
    if server["stopped_from_outside"]:
        check(checks, "run not disturbed", False,
              "another process stopped the server during the run: the figures are not valid, run again")
    check(checks, "mixed traffic: 0 errors",
          wrk is not None and non2xx == 0 and sock_total == 0 and pre_bad == 0,
          f"non-2xx {non2xx}, socket errors {sock_total}, pre-flight non-2xx {pre_bad}")
    check(checks, "0 5xx", wrk is not None and five_wrk == 0 and log["5xx"] == 0,
          f"5xx to the mix {five_wrk}, 5xx in the access log {log['5xx']}")
    check(checks, "/health p99 <= 1 s, no failure (5 s timeout)",
          health["p99_ms"] is not None and health["p99_ms"] <= 1000 and health["failures"] == 0,
          f"p99 {fmt_ms(health['p99_ms'])}, max {fmt_ms(health['max_ms'])}, failures {health['failures']}")
    check(checks, "memory bounded", mem["within_bound"],
          f"peak {mem['peak_mb']} MB vs bound {mem['bound_mb']} MB ({mem['peak_over_idle']}x idle)")
    print("checks:")
    print_checks(checks)
    failed = sum(1 for c in checks if not c["ok"])
    print(f"RESULT: {'PASS' if not failed else f'FAIL ({failed} of {len(checks)} checks)'}")

    write_json(out, {
        "mode": "soak", "seconds": num(meta, "seconds"), "connections": connections, "slow_clients": n_slow,
        "server": {"binary": meta["server_bin"], "sha256": meta["server_sha"], "mtime": meta["server_mtime"],
                   "startup": meta.get("server_startup"), **server},
        "db": meta["db"], "mixed": wrk, "preflight": pre, "health": health, "slow": slow,
        "memory": mem, "access_log": log, "checks": checks, "pass": failed == 0,
    })
    print(f"(JSON in {out})")
    return failed == 0


# ---- hostile ------------------------------------------------------------------------------

def report_hostile(d, out, patterns):
    top = read_meta(os.path.join(d, "meta.env"))
    results, all_ok = [], True
    print()
    print(f"sondhan hostile patterns: each alone for ~{top['pattern_seconds']} s on a fresh server "
          f"(/health every 100 ms meanwhile)")
    print(f"  server {top['server_bin']} (sha256 {top['server_sha'][:12]}, built {top['server_mtime']}); db {top['db']}")
    print()
    print(f"{'pattern':<19} {'clients':>7} {'idle MB':>8} {'peak MB':>8} {'bound MB':>9} {'peak/idle':>9} "
          f"{'health p99':>11} {'fails':>5} {'alive':>5}  result")
    for name in patterns:
        pd = os.path.join(d, name)
        meta = {**top, **read_meta(os.path.join(pd, "meta.env"))}
        timeout_ms = num(meta, "health_timeout_s", 5) * 1000
        res_path = os.path.join(pd, "result.json")
        res = json.load(open(res_path)) if os.path.exists(res_path) else None
        clients = res["clients"] if res else int(num(meta, "clients", 1))
        health = read_health(os.path.join(pd, "health.tsv"), timeout_ms)
        rss = read_rss(os.path.join(pd, "rss.tsv"))
        log = read_server_log(os.path.join(pd, "server.log"))
        mem = memory(meta, rss, clients)
        server = server_state(meta, mem["capped"])
        checks = []
        check(checks, "no crash", server["alive_after_run"] and not server["crashed"],
              f"alive after the pattern: {server['alive_after_run']}, exit {server['exit_code']} ({server['stop']})")
        if server["stopped_from_outside"]:
            check(checks, "run not disturbed", False,
                  "another process stopped the server during the pattern: not valid, run again")
        check(checks, "pattern ran", res is not None, "result written" if res else
              f"no result (hostile.py exit {meta.get('client_exit')})")
        check(checks, "memory bounded", mem["within_bound"],
              f"peak {mem['peak_mb']} MB vs bound {mem['bound_mb']} MB = 2 x {mem['idle_steady_mb']} + "
              f"{mem['allowance_mb']} [{mem['allowance_formula']}]" + ("; killed at the RSS cap" if mem["capped"] else ""))
        five_hundred = log["statuses"].get("500", 0) + (res["statuses"].get("500", 0) if res else 0)
        check(checks, "no 500", five_hundred == 0, f"500 answers: {five_hundred}")
        check(checks, "/health p99 <= 1 s, no failure", health["p99_ms"] is not None and
              health["p99_ms"] <= 1000 and health["failures"] == 0,
              f"p99 {fmt_ms(health['p99_ms'])}, max {fmt_ms(health['max_ms'])}, failures {health['failures']}")
        for cname, c in (res["checks"] if res else {}).items():
            check(checks, cname, c["ok"], c["detail"])
        ok = all(c["ok"] for c in checks)
        all_ok &= ok
        ratio = f"{mem['peak_over_idle']}x" if mem["peak_over_idle"] else "n/a"
        print(f"{name:<19} {clients:>7} {mem['idle_steady_mb']:>8} {mem['peak_mb']:>8} {mem['bound_mb']:>9} "
              f"{ratio:>9} {fmt_ms(health['p99_ms']):>11} {health['failures']:>5} "
              f"{'yes' if server['alive_after_run'] else 'NO':>5}  {'PASS' if ok else 'FAIL'}")
        results.append({"pattern": name, "clients": clients, "pass": ok, "memory": mem, "health": health,
                        "server": server, "access_log": log, "client_result": res, "checks": checks})
    for r in results:
        print()
        res = r["client_result"]
        print(f"{r['pattern']}: statuses {res['statuses'] if res else 'n/a'}; "
              f"idle {r['memory']['idle_start_mb']} MB at start; peak threads {r['memory']['peak_threads']}, "
              f"descriptors {r['memory']['peak_fds']}")
        if res:
            print(f"  what the clients saw: {json.dumps(res['summary'], ensure_ascii=False)}")
        print_checks(r["checks"])
    failed = [r["pattern"] for r in results if not r["pass"]]
    print()
    print(f"RESULT: {'PASS' if not failed else 'FAIL (' + ', '.join(failed) + ')'}")
    write_json(out, {"mode": "hostile", "pattern_seconds": num(top, "pattern_seconds"),
                     "server": {"binary": top["server_bin"], "sha256": top["server_sha"],
                                "mtime": top["server_mtime"]},
                     "db": top["db"], "patterns": results, "pass": not failed})
    print(f"(JSON in {out})")
    return not failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["soak", "hostile"])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--patterns", default="")
    args = ap.parse_args()
    if args.mode == "soak":
        ok = report_soak(args.dir, args.out)
    else:
        ok = report_hostile(args.dir, args.out, [p for p in args.patterns.split(",") if p])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
