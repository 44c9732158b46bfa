-- wrk script of scripts/sanitize.sh: every thread cycles through the requests listed in the file
-- named by SONDHAN_LOAD_PATHS (lines "STATUS METHOD PATH", paths already percent-encoded),
-- starting at its own place in the list, every other round asking for gzip/brotli, and counts
-- the answers by status class. done() prints one line the script parses:
--   sondhan-load: sent=N 2xx=N 3xx=N 4xx=N 5xx=N

local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local name = os.getenv("SONDHAN_LOAD_PATHS")
  assert(name, "SONDHAN_LOAD_PATHS is not set")
  local file = assert(io.open(name, "r"))
  local plain, compressed = {}, {}
  for line in file:lines() do
    local method, path = line:match("^%d+%s+(%u+)%s+(%S+)$")
    if method then
      -- wrk.format() adds Host but no other default header: give each request its own.
      local headers = {Origin = "https://example.com"}
      if method == "OPTIONS" then headers["Access-Control-Request-Method"] = "GET" end
      table.insert(plain, wrk.format(method, path, headers))
      headers["Accept-Encoding"] = "gzip, br"
      table.insert(compressed, wrk.format(method, path, headers))
    end
  end
  file:close()
  assert(#plain > 0, "no requests in " .. name)
  requests = {}
  for _, r in ipairs(plain) do table.insert(requests, r) end
  for _, r in ipairs(compressed) do table.insert(requests, r) end
  -- Threads start far apart in the list, so that different shapes run at the same moment.
  position = (thread_id * 17) % #requests
  sent, s2xx, s3xx, s4xx, s5xx = 0, 0, 0, 0, 0
end

function request()
  position = position % #requests + 1
  sent = sent + 1
  return requests[position]
end

function response(status, headers, body)
  if status >= 500 then
    s5xx = s5xx + 1
  elseif status >= 400 then
    s4xx = s4xx + 1
  elseif status >= 300 then
    s3xx = s3xx + 1
  else
    s2xx = s2xx + 1
  end
end

function done(summary, latency, reqs)
  local total = {sent = 0, s2xx = 0, s3xx = 0, s4xx = 0, s5xx = 0}
  for _, thread in ipairs(threads) do
    for name in pairs(total) do total[name] = total[name] + thread:get(name) end
  end
  io.write(string.format("sondhan-load: sent=%d 2xx=%d 3xx=%d 4xx=%d 5xx=%d\n",
                         total.sent, total.s2xx, total.s3xx, total.s4xx, total.s5xx))
end
