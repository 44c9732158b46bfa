-- wrk script of the soak test: replays a mix of realistic requests and reports statuses and
-- latencies per kind of request.
--
--   SOAK_PATHS=paths.tsv wrk -t16 -c16 -d60s --timeout 5s --latency -s bench/soak/mixed.lua URL
--
-- SOAK_PATHS names a file of "kind<TAB>path" lines (bench/soak/prepare.py mix writes it).
-- Run with as many threads as connections: a thread then has one connection, so each response
-- belongs to the thread's last request and is counted under that request's kind.
-- done() prints one line "SOAK_JSON {...}" (latencies in ms). latency_ms is wrk's histogram,
-- which wrk corrects for coordinated omission (a slow answer also counts the requests that
-- connection could not send meanwhile); raw_latency_ms and the kinds' figures are the measured
-- times of the answers as they are.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } soak_timespec_t;
int clock_gettime(int clock_id, soak_timespec_t *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("soak_timespec_t")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  threads[#threads + 1] = thread
end

-- Thread state. Globals are read by done() through thread:get(), which copies flat tables only.
local kinds, paths, index = {}, {}, 1
local current_kind, sent_at = nil, nil
status_count = {}   -- "kind status" -> count
lat_kind = {}       -- i -> kind of the i-th response
lat_ms = {}         -- i -> its latency in ms
unmatched = 0       -- responses with no request of ours outstanding (must stay 0)

function init(args)
  local name = os.getenv("SOAK_PATHS")
  if not name or name == "" then error("SOAK_PATHS is not set") end
  local f, err = io.open(name, "r")
  if not f then error("cannot open SOAK_PATHS: " .. tostring(err)) end
  for line in f:lines() do
    local kind, path = line:match("^([%w_]+)\t(.+)$")
    if kind then
      kinds[#kinds + 1] = kind
      paths[#paths + 1] = path
    end
  end
  f:close()
  if #paths == 0 then error("no paths in " .. name) end
  -- Golden-ratio starting offsets keep the threads apart in the list.
  index = math.floor(id * #paths * 0.6180339887) % #paths + 1
end

function request()
  current_kind = kinds[index]
  local path = paths[index]
  index = index % #paths + 1
  sent_at = now_ms()
  return wrk.format("GET", path, {["Accept-Encoding"] = "gzip"})
end

function response(status, headers, body)
  if not current_kind then
    unmatched = unmatched + 1
    return
  end
  local key = current_kind .. " " .. tostring(status)
  status_count[key] = (status_count[key] or 0) + 1
  lat_kind[#lat_kind + 1] = current_kind
  lat_ms[#lat_ms + 1] = now_ms() - sent_at
  current_kind = nil
end

local function pct(sorted, p)
  if #sorted == 0 then return 0 end
  local rank = math.max(1, math.ceil(#sorted * p / 100))
  return sorted[math.min(#sorted, rank)]
end

function done(summary, lat, requests)
  local by_kind, all_status = {}, {}
  local total_unmatched = 0
  local function kind_entry(kind)
    local k = by_kind[kind]
    if not k then k = {statuses = {}, ms = {}}; by_kind[kind] = k end
    return k
  end
  for _, thread in ipairs(threads) do
    total_unmatched = total_unmatched + (thread:get("unmatched") or 0)
    for key, n in pairs(thread:get("status_count") or {}) do
      local kind, code = key:match("^(%S+) (%S+)$")
      local k = kind_entry(kind)
      k.statuses[code] = (k.statuses[code] or 0) + n
      all_status[code] = (all_status[code] or 0) + n
    end
    local lk, lm = thread:get("lat_kind") or {}, thread:get("lat_ms") or {}
    for i = 1, #lm do
      local ms = kind_entry(lk[i]).ms
      ms[#ms + 1] = lm[i]
    end
  end

  local function status_json(t)
    local parts = {}
    for code, n in pairs(t) do parts[#parts + 1] = string.format('"%s": %d', code, n) end
    table.sort(parts)
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  local all_ms = {}
  for _, k in pairs(by_kind) do
    for _, v in ipairs(k.ms) do all_ms[#all_ms + 1] = v end
  end
  table.sort(all_ms)
  local kind_parts = {}
  for kind, k in pairs(by_kind) do
    table.sort(k.ms)
    kind_parts[#kind_parts + 1] = string.format(
      '"%s": {"responses": %d, "statuses": %s, "p50_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f}',
      kind, #k.ms, status_json(k.statuses), pct(k.ms, 50), pct(k.ms, 99), k.ms[#k.ms] or 0)
  end
  table.sort(kind_parts)

  local e = summary.errors
  local duration_s = summary.duration / 1e6
  io.write(string.format(
    'SOAK_JSON {"requests": %d, "duration_s": %.3f, "requests_per_s": %.1f, ' ..
    '"latency_ms": {"p50": %.3f, "p90": %.3f, "p99": %.3f, "max": %.3f}, ' ..
    '"raw_latency_ms": {"p50": %.3f, "p90": %.3f, "p99": %.3f, "max": %.3f}, ' ..
    '"statuses": %s, "wrk_non_2xx_3xx": %d, "unmatched_responses": %d, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, "kinds": {%s}}\n',
    summary.requests, duration_s, duration_s > 0 and summary.requests / duration_s or 0,
    lat:percentile(50) / 1000, lat:percentile(90) / 1000, lat:percentile(99) / 1000, lat.max / 1000,
    pct(all_ms, 50), pct(all_ms, 90), pct(all_ms, 99), all_ms[#all_ms] or 0,
    status_json(all_status), e.status, total_unmatched, e.connect, e.read, e.write, e.timeout,
    table.concat(kind_parts, ", ")))
end
