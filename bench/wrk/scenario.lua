-- One script for every scenario: the Python runner writes the requests of a scenario to a file,
-- one per line, and each wrk request picks a random line, so no cache sees the same request twice in a row.
--
-- Line format: PATH, or PATH<TAB>ETAG (sent as If-None-Match: a conditional poll).
-- Arguments (after `--`): FILE SEED [WRITE_SHARE TOKEN NONCE CLAIMANTS]
--   WRITE_SHARE: fraction of requests that are writes (scenario 7): half POST a new claim, half PATCH a claim
--   this thread created (its id read from the 201's Location, so the PATCH never races its POST).
-- done() prints one line "BENCH_JSON {...}": counts, errors by kind, statuses and latency percentiles (µs).

local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

local function split(text, sep)
  local out = {}
  for piece in string.gmatch(text, "([^" .. sep .. "]+)") do
    table.insert(out, piece)
  end
  return out
end

function init(args)
  local file, seed = args[1], tonumber(args[2] or "1")
  math.randomseed(seed * 1000 + thread_id)
  reads = {}
  for line in io.lines(file) do
    local path, etag = line:match("^([^\t]+)\t?(.*)$")
    if path then
      local headers = {}
      if etag ~= "" then headers["If-None-Match"] = etag end
      table.insert(reads, wrk.format("GET", path, headers))
    end
  end
  write_share = tonumber(args[3] or "0")
  token = args[4]
  nonce = args[5]
  claimants = args[6] and split(args[6], ",") or {}
  created = {}
  posted = 0
  s2xx, s3xx, s4xx, s5xx = 0, 0, 0, 0
end

local function post_claim()
  posted = posted + 1
  local id = string.format("bench-%s-%d-%d", nonce, thread_id, posted)
  local body = string.format(
    '{"id": "%s", "claimant": "%s", "kind": "assertion", "when": "2023-03-01", "language": "fr", '
      .. '"quote_type": "paraphrase", "words": "Le porte-parole a déclaré que les livraisons de drones continuent (%d)."}',
    id, claimants[math.random(#claimants)], posted)
  return wrk.format("POST", "/v1/claims", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end

local function patch_claim()
  local id = created[math.random(#created)]
  local body = string.format('{"words": "Le porte-parole a précisé sa déclaration (%d)."}', math.random(1000000))
  return wrk.format("PATCH", "/v1/claims/" .. id, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/merge-patch+json",
    ["If-Match"] = "*",
  }, body)
end

function request()
  if write_share > 0 and math.random() < write_share then
    if #created > 0 and math.random() < 0.5 then
      return patch_claim()
    end
    return post_claim()
  end
  return reads[math.random(#reads)]
end

function response(status, headers, body)
  if status < 300 then s2xx = s2xx + 1
  elseif status < 400 then s3xx = s3xx + 1
  elseif status < 500 then s4xx = s4xx + 1
  else s5xx = s5xx + 1 end
  if status == 201 then
    local location = headers["Location"] or headers["location"]
    if location then
      table.insert(created, location:match("([^/]+)$"))
    end
  end
end

function done(summary, latency, requests)
  local statuses = {0, 0, 0, 0}
  for _, thread in ipairs(threads) do
    statuses[1] = statuses[1] + thread:get("s2xx")
    statuses[2] = statuses[2] + thread:get("s3xx")
    statuses[3] = statuses[3] + thread:get("s4xx")
    statuses[4] = statuses[4] + thread:get("s5xx")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"statuses": {"2xx": %d, "3xx": %d, "4xx": %d, "5xx": %d}, '
      .. '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    statuses[1], statuses[2], statuses[3], statuses[4],
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
