-- Prints wrk's summary as one JSON line that starts with "BENCH_JSON ", for bench/run to parse.
-- Latencies are in microseconds and duration_us is the measured run time.

function bench_report(summary, latency, extra)
   local fields = {
      string.format('"requests":%d', summary.requests),
      string.format('"duration_us":%d', summary.duration),
      string.format('"bytes":%d', summary.bytes),
      string.format('"errors_connect":%d', summary.errors.connect),
      string.format('"errors_read":%d', summary.errors.read),
      string.format('"errors_write":%d', summary.errors.write),
      string.format('"errors_timeout":%d', summary.errors.timeout),
      string.format('"non_2xx_3xx":%d', summary.errors.status),
      string.format('"latency_mean_us":%.1f', latency.mean),
      string.format('"latency_p50_us":%d', latency:percentile(50)),
      string.format('"latency_p90_us":%d', latency:percentile(90)),
      string.format('"latency_p99_us":%d', latency:percentile(99)),
      string.format('"latency_max_us":%d', latency.max),
   }
   for name, value in pairs(extra or {}) do
      table.insert(fields, string.format('"%s":%d', name, value))
   end
   io.write("BENCH_JSON {" .. table.concat(fields, ",") .. "}\n")
end

function done(summary, latency, requests)
   bench_report(summary, latency, {})
end
