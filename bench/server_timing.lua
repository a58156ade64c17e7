-- wrk script: collect the Server-Timing "app;dur=" of every response and print
-- server-side percentiles at the end (wrk's own figures include queueing).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  durations = {}
  statuses = {}
  math.randomseed(os.time() + (tonumber(args[1]) or 0))
  think_ms = tonumber(os.getenv("THINK_MS") or "0")
  -- With PATHS_FILE set, each request takes a random path from it (one per line), so a
  -- search benchmark sends many different queries instead of one the cache answers.
  paths = {}
  local file = os.getenv("PATHS_FILE")
  if file then
    for line in io.lines(file) do table.insert(paths, line) end
  end
end

function request()
  if #paths == 0 then return wrk.format(nil, nil) end
  return wrk.format(nil, paths[math.random(#paths)])
end

-- With THINK_MS set, each connection is a reader who pauses 0.5x-1.5x that long
-- between pages; without it, connections fire back to back (a stress test).
function delay()
  if think_ms <= 0 then return 0 end
  return math.random(math.floor(think_ms / 2), math.floor(think_ms * 3 / 2))
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local timing = headers["server-timing"] or headers["Server-Timing"]
  if timing then
    local value = string.match(timing, "dur=([%d%.]+)")
    if value then table.insert(durations, tonumber(value)) end
  end
end

function done(summary, latency, requests)
  local all = {}
  local codes = {}
  for _, thread in ipairs(threads) do
    for _, value in ipairs(thread:get("durations")) do table.insert(all, value) end
    for code, count in pairs(thread:get("statuses")) do codes[code] = (codes[code] or 0) + count end
  end
  table.sort(all)
  local function pct(p)
    if #all == 0 then return 0 end
    return all[math.max(1, math.ceil(p * #all))]
  end
  local parts = {}
  for code, count in pairs(codes) do table.insert(parts, code .. "=" .. count) end
  io.write(string.format("SERVER p50=%.1f p95=%.1f p99=%.1f n=%d statuses=%s\n",
    pct(0.50), pct(0.95), pct(0.99), #all, table.concat(parts, ",")))
  io.write(string.format("CLIENT p50=%.1f p95=%.1f p99=%.1f rps=%.1f errors=%d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
