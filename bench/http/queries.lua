-- wrk script for sondhan: replays a list of request paths and reports a JSON summary.
--
--   SONDHAN_QUERIES=paths.txt wrk -t2 -c16 -d10s --latency -s bench/http/queries.lua http://127.0.0.1:8080
--
-- SONDHAN_QUERIES names a file with one request path per line, already URL-encoded
-- (e.g. /search?q=%E0%A6%89...&limit=10); blank lines and lines starting with '#' are skipped.
-- Each thread cycles through the list from its own starting offset. done() prints the
-- non-200 responses by status, then one line "SONDHAN_JSON {...}" (latencies in ms).

local threads = {}   -- main state: every thread, to collect its counters in done()
local next_id = 0

local function load_paths()
  local name = os.getenv("SONDHAN_QUERIES")
  if not name or name == "" then
    error("SONDHAN_QUERIES is not set (file of request paths, one per line)")
  end
  local f, err = io.open(name, "r")
  if not f then error("cannot open SONDHAN_QUERIES: " .. tostring(err)) end
  local list = {}
  for line in f:lines() do
    line = line:gsub("\r$", "")
    if line ~= "" and line:sub(1, 1) ~= "#" then list[#list + 1] = line end
  end
  f:close()
  if #list == 0 then error("no request paths in " .. name) end
  return list
end

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  threads[#threads + 1] = thread
end

-- Thread state from here to response().
local paths, index = nil, 1
non_200 = 0          -- globals, read by done() through thread:get()
statuses = {}        -- status code -> count, for non-200 only

function init(args)
  paths = load_paths()
  -- Spread the starting offsets of the threads over the list (golden-ratio steps keep them
  -- apart whatever the thread count).
  index = math.floor(id * #paths * 0.6180339887) % #paths + 1
end

function request()
  local path = paths[index]
  index = index % #paths + 1
  return wrk.format("GET", path)
end

function response(status, headers, body)
  if status ~= 200 then
    non_200 = non_200 + 1
    local key = tostring(status)
    statuses[key] = (statuses[key] or 0) + 1
  end
end

function done(summary, latency, requests)
  local total_non_200 = 0
  local by_status = {}
  for _, thread in ipairs(threads) do
    total_non_200 = total_non_200 + (thread:get("non_200") or 0)
    local s = thread:get("statuses")
    if s then
      for code, n in pairs(s) do by_status[code] = (by_status[code] or 0) + n end
    end
  end
  if total_non_200 > 0 then
    local parts = {}
    for code, n in pairs(by_status) do parts[#parts + 1] = code .. ": " .. n end
    table.sort(parts)
    io.write(string.format("non-200 responses: %d (%s)\n", total_non_200, table.concat(parts, ", ")))
  else
    io.write("non-200 responses: 0\n")
  end

  local duration_s = summary.duration / 1e6
  local e = summary.errors
  local function ms(us) return us / 1000.0 end
  io.write(string.format(
    'SONDHAN_JSON {"requests": %d, "duration_s": %.3f, "requests_per_s": %.1f, ' ..
    '"latency_ms": {"p50": %.3f, "p90": %.3f, "p99": %.3f, "max": %.3f}, "non_200": %d, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}}\n',
    summary.requests, duration_s,
    duration_s > 0 and summary.requests / duration_s or 0,
    ms(latency:percentile(50)), ms(latency:percentile(90)), ms(latency:percentile(99)),
    ms(latency.max), total_non_200, e.connect, e.read, e.write, e.timeout))
end
