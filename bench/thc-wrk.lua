-- wrk script for the trusted HTTP context: each request carries the MSISDN of one of
-- N subscribers (round robin), as an operator's gateway would insert it.
local n = tonumber(os.getenv("OMACP_BENCH_SUBSCRIBERS") or "1000")
local base = 491700000000
local i = 0
local path = "/thc/" .. (os.getenv("OMACP_BENCH_TENANT") or "operator")

request = function()
  i = (i % n) + 1
  return wrk.format("GET", path, { ["X-MSISDN"] = tostring(base + i) })
end
