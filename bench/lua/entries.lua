-- Submits finished rounds to the leaderboard, each once and with its own Idempotency-Key.
--
-- Arguments after "--": the file of round ids (one per line) and a prefix that makes the keys of
-- this run unique. Each request takes the next unused round, so every 201 is a new entry. The
-- run stops early when every round has been sent once. Meant for one wrk thread (-t1): with
-- more threads each one would send the same rounds.
--
-- wrk reports the -d duration even when the run stops early, so this script times the run
-- itself: from its first request to its last response, on the monotonic clock.

dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local ffi = require("ffi")
ffi.cdef [[
   typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
   int clock_gettime(int clock_id, bench_timespec *time);
]]
local CLOCK_MONOTONIC = 1
local now_buffer = ffi.new("bench_timespec")

local function now_us()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, now_buffer)
   return tonumber(now_buffer.tv_sec) * 1000000 + tonumber(now_buffer.tv_nsec) / 1000
end

local path = "/api/leaderboards/idempotency-key-clinic/entries"
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   round_ids = {}
   for line in io.lines(args[1]) do
      if line ~= "" then
         table.insert(round_ids, line)
      end
   end
   key_prefix = args[2]
   next_round = 1
   created = 0
   other_status = 0
   first_request_us = 0
   last_response_us = 0
   -- Times of the 201 that completes each quarter of the rounds, to show whether the rate
   -- falls as the leaderboard grows during the run.
   quarter_size = math.max(1, math.floor(#round_ids / 4))
   quarter_1_us, quarter_2_us, quarter_3_us = 0, 0, 0
end

function request()
   if first_request_us == 0 then
      first_request_us = now_us()
   end
   if next_round > #round_ids then
      -- Every round was sent: end the run instead of sending duplicates.
      wrk.thread:stop()
      next_round = 1
   end
   local round_id = round_ids[next_round]
   local headers = {
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = key_prefix .. "-" .. next_round,
   }
   local body = '{"round_id":"' .. round_id .. '","nickname":"Bench ' .. next_round .. '"}'
   next_round = next_round + 1
   return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
   last_response_us = now_us()
   if status == 201 then
      created = created + 1
      if created == quarter_size then
         quarter_1_us = last_response_us
      elseif created == 2 * quarter_size then
         quarter_2_us = last_response_us
      elseif created == 3 * quarter_size then
         quarter_3_us = last_response_us
      end
   else
      other_status = other_status + 1
   end
end

function done(summary, latency, requests)
   local totals = { created = 0, other_status = 0, elapsed_us = 0 }
   for _, thread in ipairs(threads) do
      totals.created = totals.created + thread:get("created")
      totals.other_status = totals.other_status + thread:get("other_status")
      local first = thread:get("first_request_us")
      totals.elapsed_us = math.max(totals.elapsed_us, math.floor(thread:get("last_response_us") - first))
      totals.quarter_size = thread:get("quarter_size")
      for quarter = 1, 3 do
         local reached = thread:get("quarter_" .. quarter .. "_us")
         totals["quarter_" .. quarter .. "_us"] = reached > 0 and math.floor(reached - first) or 0
      end
   end
   bench_report(summary, latency, totals)
end
