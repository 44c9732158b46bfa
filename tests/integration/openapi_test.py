#!/usr/bin/env python3
"""docs/openapi.yaml tells the truth: real answers of a real server, for every route and method it
lists and the errors they give, are validated against it.

  openapi_test.py BIN_DIR SOURCE_DIR

Indexes tests/data/sample.jsonl with bin/sondhan-index into a temporary database, starts
bin/sondhan-server over it on a free loopback port (writable, with private reads), sends each
request below, and checks that its status is one the description lists for that route and method
and that its body matches the schema given for it. Fails too if a route or method of the
description was never exercised, or if the server answers a route the description lacks.
"""
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

import jsonschema
import yaml

WRITE_KEY = "openapi-write-key-0123456789"
READ_KEY = "openapi-read-key-0123456789"
W = {"Authorization": "Bearer " + WRITE_KEY}
R = {"Authorization": "Bearer " + READ_KEY}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def resolve(node, root):
    """The schema with every local $ref replaced by what it points to."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = root
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return resolve(target, root)
        return {k: resolve(v, root) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(v, root) for v in node]
    return node


def template_of(path, templates):
    """The description's path template that `path` matches; literal segments win."""
    parts = path.split("/")
    best = None
    for t in templates:
        tparts = t.split("/")
        if len(tparts) != len(parts):
            continue
        literal = 0
        for tp, p in zip(tparts, parts):
            if tp.startswith("{"):
                if not p:
                    break
            elif tp != p:
                break
            else:
                literal += 1
        else:
            if best is None or literal > best[0]:
                best = (literal, t)
    return best[1] if best else None


def send(port, method, target, headers=None, body=None, content_type=None):
    data = body.encode() if isinstance(body, str) else body
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if content_type:
            conn.putheader("Content-Type", content_type)
        if data is not None:
            conn.putheader("Content-Length", str(len(data)))
        conn.endheaders()
        if data is not None:
            try:
                conn.send(data)
            except (BrokenPipeError, ConnectionResetError):
                # A server may answer from the headers alone (413 for a declared length over its
                # limit) and close without reading the body; its answer is still there to read.
                pass
        r = conn.getresponse()
        return r.status, r.headers.get("Content-Type", ""), r.read()
    finally:
        conn.close()


def start_server(bin_dir, db, env_extra, log):
    port = free_port()
    env = dict(os.environ, SONDHAN_SERVER_ACCESS_LOG="false", SONDHAN_INDEX_REFRESH_MS="100", **env_extra)
    proc = subprocess.Popen([os.path.join(bin_dir, "sondhan-server"), "--db", db, "--port", str(port)],
                            stdout=log, stderr=log, env=env)
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"sondhan-server exited with {proc.returncode}")
        try:
            if send(port, "GET", "/health")[0] == 200:
                return proc, port
        except OSError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("sondhan-server did not start")


def main():
    bin_dir, source_dir = sys.argv[1], sys.argv[2]
    with open(os.path.join(source_dir, "docs/openapi.yaml"), encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    jsonschema.Draft202012Validator.check_schema(resolve(spec["components"]["schemas"], spec))
    templates = list(spec["paths"].keys())
    sample = os.path.join(source_dir, "tests/data/sample.jsonl")
    with open(sample, encoding="utf-8") as f:
        an_id = json.loads(f.readline())["id"]

    article = {"id": "oa-1", "title": "উত্তর কোরিয়ার সেনা মহড়া", "body": "সীমান্তে সেনা মহড়া শুরু হয়েছে।",
               "date": "2025-02-03", "source": "পরীক্ষা", "author": ["এক", "দুই"], "tags": ["সেনা"]}
    requests = [
        # (method, target, headers, body, content type)
        ("GET", "/search?q=উত্তর কোরিয়া সেনা&facets=source,year", R, None, None),
        ("GET", "/search?limit=1", R, None, None),
        ("GET", "/search?q=-ঢাকা&sort=-date", R, None, None),
        ("GET", "/search?q=ঢাকা&collapse=false&highlight=false&page=2", R, None, None),
        ("GET", "/search?q=ঢাকা", None, None, None),            # 401: reads are private
        ("GET", "/search?limit=0", R, None, None),               # 400
        ("GET", "/search?nope=1", R, None, None),                # 400
        ("GET", "/suggest?q=উত্তর কোরি", R, None, None),
        ("GET", "/suggest?limit=99", R, None, None),             # 400
        ("GET", f"/documents/{an_id}", R, None, None),
        ("GET", f"/documents/{an_id}?q=সেনা", R, None, None),
        ("GET", "/documents/no-such-id", R, None, None),         # 404
        ("GET", f"/documents/{an_id}/versions", R, None, None),
        ("GET", f"/documents/{an_id}/related?limit=3", R, None, None),
        ("GET", "/documents/no-such-id/related", R, None, None),
        ("GET", "/documents/no-such-id/versions", R, None, None),
        ("GET", "/health", None, None, None),
        ("GET", "/stats", R, None, None),
        ("GET", "/stats", None, None, None),                     # 401
        ("GET", "/metrics", W, None, None),
        ("GET", "/", None, None, None),
        ("GET", f"/article/{an_id}", None, None, None),
        ("GET", "/assets/app.js", None, None, None),
        ("GET", "/assets/nothing.js", None, None, None),         # 404
        ("PUT", "/documents/oa-1?wait=true", W, json.dumps(article), "application/json"),
        ("PUT", "/documents/oa-1", W, json.dumps(article), "application/json"),
        ("PUT", "/documents/oa-1", W, json.dumps(article), "text/plain"),          # 415
        ("PUT", "/documents/oa-1", W, '{"id": "other", "title": "x"}', "application/json"),  # 400
        ("PUT", "/documents/oa-1", R, json.dumps(article), "application/json"),    # 401
        ("PUT", "/documents/oa-1", W, json.dumps(dict(article, body="ক" * 300000)), "application/json"),  # 413
        ("POST", "/documents?wait=true", W,
         "\n".join([json.dumps(dict(article, id="oa-2")), "{broken", json.dumps({"id": "oa-1", "deleted": True})]),
         "application/x-ndjson"),
        ("POST", "/documents", W, json.dumps([dict(article, id="oa-3"), 5]), "application/json"),
        ("POST", "/documents", W, "id,title", "text/csv"),                         # 415
        ("POST", "/documents", W, '{"not": "an array"}', "application/json"),      # 400
        ("POST", "/documents", None, "{}", "application/x-ndjson"),                # 401
        ("POST", "/documents/delete?wait=true", W, '{"ids": ["oa-2", "nope", 1]}', "application/json"),
        ("POST", "/documents/delete", W, '["oa-2"]', "application/json"),          # 400
        ("POST", "/documents/delete", W, '{"ids": []}', "application/x-ndjson"),   # 415
        ("DELETE", "/documents/oa-3?wait=true", W, None, None),
        ("DELETE", "/documents/oa-3", W, None, None),                              # 404
        ("DELETE", "/documents/oa-3?wait=later", W, None, None),                   # 400
        ("GET", "/no-such-route", R, None, None),                                   # undocumented: 404
    ]

    failures, exercised = [], set()
    with tempfile.TemporaryDirectory(prefix="sondhan-openapi-") as tmp:
        db = os.path.join(tmp, "db")
        subprocess.run([os.path.join(bin_dir, "sondhan-index"), "--db", db, "--quiet", sample], check=True)
        log = open(os.path.join(tmp, "server.log"), "w")
        proc, port = start_server(bin_dir, db, {"SONDHAN_SERVER_WRITE_KEYS": WRITE_KEY,
                                                "SONDHAN_SERVER_READ_KEYS": READ_KEY,
                                                "SONDHAN_SERVER_MAX_BODY_BYTES": "262144"}, log)
        readonly, readonly_port = None, None
        try:
            readonly, readonly_port = start_server(bin_dir, os.path.join(tmp, "db2"), {}, log)
            requests_with_port = [(port, *r) for r in requests] + [
                (readonly_port, "PUT", "/documents/oa-9", None, json.dumps(article), "application/json"),  # 403
                (readonly_port, "POST", "/documents/delete", None, '{"ids": ["x"]}', "application/json"),  # 403
            ]
            for p, method, target, headers, body, ctype in requests_with_port:
                path = urllib.parse.urlsplit(target).path
                quoted = urllib.parse.quote(target, safe="/?&=,-:")
                status, got_type, raw = send(p, method, quoted, headers, body, ctype)
                what = f"{method} {target[:80]} -> {status}"
                template = template_of(path, templates)
                if template is None:
                    if status != 404:
                        failures.append(f"{what}: the description has no such route")
                    continue
                op = spec["paths"][template].get(method.lower())
                if op is None:
                    failures.append(f"{what}: the description has no {method} for {template}")
                    continue
                exercised.add((template, method.lower()))
                response = op["responses"].get(str(status))
                if response is None:
                    failures.append(f"{what}: status {status} is not described (body {raw.decode(errors='replace')[:200]})")
                    continue
                response = resolve(response, spec)
                content = response.get("content")
                if not content:
                    continue
                media = got_type.split(";")[0].strip()
                if media not in content:
                    failures.append(f"{what}: Content-Type {got_type!r}, described: {list(content)}")
                    continue
                schema = content[media].get("schema")
                if media == "application/json" and schema is not None:
                    try:
                        jsonschema.validate(json.loads(raw), resolve(schema, spec),
                                            cls=jsonschema.Draft202012Validator)
                    except (ValueError, jsonschema.ValidationError) as e:
                        failures.append(f"{what}: {str(e).splitlines()[0]} (body {raw.decode(errors='replace')[:300]})")
        finally:
            for p in (proc, readonly):
                if p:
                    p.terminate()
                    p.wait(timeout=30)
            log.close()

    described = {(t, m) for t, item in spec["paths"].items() for m in item if m in ("get", "put", "post", "delete")}
    for t, m in sorted(described - exercised):
        failures.append(f"{m.upper()} {t} is described but was never exercised")
    for f in failures:
        print("FAIL:", f)
    print(f"{len(requests) + 2} requests, {len(exercised)} routes and methods checked, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
