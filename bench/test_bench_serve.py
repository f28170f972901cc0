"""Self-tests of bench/bench_serve.py's pieces that need no server: wrk's output parsed, the wrk
script and the request bodies written as the servers read them (standard library only)."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_serve  # noqa: E402

WRK = """Running 10s test @ http://127.0.0.1:8080/predict
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.52ms  400.12us  12.01ms   80.00%
    Req/Sec    21.10k     1.20k   24.00k    70.00%
  Latency Distribution
     50%    1.40ms
     75%    1.70ms
     90%    2.10ms
     99%    3.05ms
  420012 requests in 10.00s, 80.11MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 5
Requests/sec:  42001.20
Transfer/sec:      8.01MB
"""


class ParseWrk(unittest.TestCase):
    def test_rate_percentiles_and_errors(self):
        r = bench_serve.parse_wrk(WRK)
        self.assertEqual(r["requests_per_s"], 42001.20)
        self.assertAlmostEqual(r["p50_ms"], 1.40)
        self.assertAlmostEqual(r["p99_ms"], 3.05)
        self.assertEqual(r["requests"], 420012)
        self.assertEqual(r["non_2xx"], 5)
        self.assertEqual(r["socket_errors"], 3)

    def test_units(self):
        text = "Latency Distribution\n 50%  850.00us\n 99%    1.20s\nRequests/sec: 10.0\n"
        r = bench_serve.parse_wrk(text)
        self.assertAlmostEqual(r["p50_ms"], 0.85)
        self.assertAlmostEqual(r["p99_ms"], 1200.0)


class Bodies(unittest.TestCase):
    def test_rows_keep_types_and_missing_values(self):
        meta = {"columns": [{"name": "carrier", "categories": ["AA", "UA"]},
                            {"name": "month", "categories": None},
                            {"name": "temp", "categories": None}]}
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "rows.csv")
            with open(path, "w") as fh:
                fh.write("carrier,month,temp\nUA,7,80.96\n,12,\n")
            rows = bench_serve.request_rows(path, meta)
        self.assertEqual(rows, [{"carrier": "UA", "month": 7, "temp": 80.96},
                                {"carrier": None, "month": 12, "temp": None}])
        v2 = bench_serve.v2_body({"carrier": "UA", "month": 7.0, "temp": None}, meta,
                                 {"month": "INT64"})
        self.assertEqual(v2["inputs"][0], {"name": "carrier", "datatype": "BYTES", "shape": [1],
                                           "data": ["UA"]})
        self.assertEqual(v2["inputs"][1]["data"], [7])
        self.assertEqual(v2["inputs"][2]["datatype"], "FP64")

    def test_wrk_script_cycles_through_the_bodies(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s.lua")
            bodies = [json.dumps({"rows": [{"a": 1}]}), json.dumps({"rows": [{"a": "x\"y"}]})]
            bench_serve.lua_script(path, "/predict", bodies)
            with open(path) as fh:
                lua = fh.read()
        self.assertIn('local path = "/predict"', lua)
        self.assertIn("i = i % #bodies + 1", lua)
        for b in bodies:
            # Each body is a Lua string literal whose JSON escaping Lua reads back unchanged.
            self.assertIn(json.dumps(b), lua)


if __name__ == "__main__":
    unittest.main()
