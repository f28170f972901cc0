"""Tests of the benchmark harness and the data-loading benchmark's pieces.

    bench/.venv/bin/python -m unittest discover -s bench -p 'test_*.py'

The harness and most tests need only the standard library (``python3`` works too); the tests of
the data set and of the pandas/pyarrow contenders are skipped where numpy/pandas/pyarrow are not
installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import data_loading  # noqa: E402
import harness  # noqa: E402

PY = sys.executable
HAVE_PEERS = all(importlib.util.find_spec(m) is not None for m in ("numpy", "pandas", "pyarrow"))


def small():
    """A tiny callable contender (used by test_reported_peak_is_not_the_parents)."""
    return lambda: {"ok": True}


def script(code: str) -> list[str]:
    return [PY, "-c", code]


class RoundOrder(unittest.TestCase):
    def test_each_contender_takes_each_slot(self):
        n = 4
        orders = [harness.round_order(n, r) for r in range(n)]
        for order in orders:
            self.assertEqual(sorted(order), list(range(n)))
        for slot in range(n):
            self.assertEqual(sorted(o[slot] for o in orders), list(range(n)))

    def test_rotation(self):
        self.assertEqual(harness.round_order(3, 0), [0, 1, 2])
        self.assertEqual(harness.round_order(3, 1), [1, 2, 0])
        self.assertEqual(harness.round_order(3, 5), [2, 0, 1])
        self.assertEqual(harness.round_order(0, 1), [])


class Measurements(unittest.TestCase):
    def test_peak_rss_is_the_childs_own(self):
        # The child touches 300 MiB; the parent (this test) stays small.
        run = harness.run_once(harness.Contender("alloc", cmd=script("b = bytearray(300 * 2**20)")))
        self.assertTrue(run.ok, run.error)
        self.assertGreater(run.peak_rss_bytes, 300 * 2**20)
        self.assertLess(run.peak_rss_bytes, 400 * 2**20)
        small = harness.run_once(harness.Contender("small", cmd=script("pass")))
        self.assertLess(small.peak_rss_bytes, 100 * 2**20)

    def test_reported_peak_is_not_the_parents(self):
        # A big harness process: the child's ru_maxrss would carry the parent's 400 MiB, but the
        # child's own VmHWM (reported by callables and by satori's programs) does not.
        code = (
            "import sys; sys.path.insert(0, %r); import harness\n"
            "big = bytearray(400 * 2**20)\n"
            "c = harness.Contender('small', call=(%r, 'small', {}))\n"
            "r = harness.run_once(c)\n"
            "print(r.peak_rss_bytes if r.ok else r.error)\n"
        ) % (HERE, os.path.abspath(__file__))
        out = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True)
        self.assertIn("warning: the harness process peaked", out.stderr)
        self.assertLess(int(out.stdout.strip()), 100 * 2**20, out.stdout)

    def test_background_load_sees_other_processes(self):
        # A busy process that is not a contender shows up as background load.
        hog = subprocess.Popen(
            [PY, "-c", "import time\nt = time.time()\nwhile time.time() - t < 3: pass"]
        )
        try:
            stats = {}
            harness.run_contenders(
                [harness.Contender("sleep", cmd=script("import time; time.sleep(1)"))],
                rounds=1, log=lambda s: None, stats=stats,
            )
        finally:
            hog.wait()
        self.assertGreater(stats["background_cores"], 0.5)

    def test_cpu_time_counts_work_not_sleep(self):
        sleep = harness.run_once(harness.Contender("sleep", cmd=script("import time; time.sleep(0.5)")))
        self.assertGreaterEqual(sleep.wall_s, 0.5)
        self.assertLess(sleep.cpu_s, 0.3)
        spin = harness.run_once(
            harness.Contender(
                "spin",
                cmd=script("import time\nt = time.process_time()\nwhile time.process_time() - t < 0.5: pass"),
            )
        )
        self.assertGreaterEqual(spin.cpu_s, 0.5)

    def test_reported_seconds_take_precedence(self):
        run = harness.run_once(
            harness.Contender("rep", cmd=script('print("noise"); print(\'{"seconds": 0.25, "rows": 7}\')'))
        )
        self.assertTrue(run.ok)
        self.assertEqual(run.seconds, 0.25)
        self.assertEqual(run.report["rows"], 7)
        plain = harness.run_once(harness.Contender("plain", cmd=script("print('not json')")))
        self.assertTrue(plain.ok)
        self.assertIsNone(plain.report)
        self.assertEqual(plain.seconds, plain.wall_s)

    def test_child_env_has_passive_omp(self):
        run = harness.run_once(
            harness.Contender(
                "env", cmd=script('import json, os; print(json.dumps({"omp": os.environ.get("OMP_WAIT_POLICY")}))')
            )
        )
        self.assertEqual(run.report, {"omp": "PASSIVE"})

    def test_failure_is_recorded_not_raised(self):
        run = harness.run_once(
            harness.Contender("bad", cmd=script("import sys; sys.stderr.write('boom here\\n'); sys.exit(3)"))
        )
        self.assertFalse(run.ok)
        self.assertEqual(run.returncode, 3)
        self.assertIn("boom here", run.error)

    def test_timeout_kills(self):
        run = harness.run_once(harness.Contender("slow", cmd=script("import time; time.sleep(30)"), timeout_s=0.5))
        self.assertFalse(run.ok)
        self.assertLess(run.wall_s, 10)
        self.assertIn("timed out after 0.5 s", run.error)

    def test_missing_program_is_a_failed_run(self):
        run = harness.run_once(harness.Contender("nope", cmd=["/nonexistent/program"]))
        self.assertFalse(run.ok)
        self.assertIn("could not start", run.error)


CALLABLE_MODULE = '''
import time
def work(n):
    data = list(range(n))  # preparation: not timed
    def timed():
        time.sleep(0.2)
        return data
    def after(result):
        return {"count": len(result)}
    return timed, after
def plain(x):
    return lambda: {"x": x}
def broken():
    return 42
'''


class Callables(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.module = os.path.join(cls.dir.name, "mod.py")
        with open(cls.module, "w") as f:
            f.write(CALLABLE_MODULE)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_timed_and_after(self):
        run = harness.run_once(harness.Contender("c", call=(self.module, "work", {"n": 5})))
        self.assertTrue(run.ok, run.error)
        self.assertEqual(run.report["count"], 5)
        self.assertGreaterEqual(run.seconds, 0.2)
        self.assertLess(run.seconds, run.wall_s)  # start-up is not in the measured region
        self.assertLess(run.region_cpu_s, 0.1)  # sleeping is not CPU
        self.assertGreater(run.report["peak_rss_bytes"], 0)

    def test_plain_callable(self):
        run = harness.run_once(harness.Contender("c", call=(self.module, "plain", {"x": "y"})))
        self.assertTrue(run.ok, run.error)
        self.assertEqual(run.report["x"], "y")

    def test_not_callable_fails_clearly(self):
        run = harness.run_once(harness.Contender("c", call=(self.module, "broken", {})))
        self.assertFalse(run.ok)
        self.assertIn("callable", run.error)

    def test_contender_needs_exactly_one_way_to_run(self):
        with self.assertRaises(ValueError):
            harness.Contender("x")
        with self.assertRaises(ValueError):
            harness.Contender("x", cmd=["true"], call=("m", "f", {}))


def fake_run(name, group, r, seconds, ok=True, rss=100):
    return harness.Run(
        contender=name, group=group, round=r, position=0, wall_s=seconds + 1, cpu_s=seconds,
        peak_rss_bytes=rss, returncode=0 if ok else 1, report={"seconds": seconds},
        error=None if ok else "exit code 1: x",
    )


class Summaries(unittest.TestCase):
    def setUp(self):
        self.contenders = [
            harness.Contender("sat", cmd=["x"], group="A", satori=True),
            harness.Contender("peer", cmd=["x"], group="A"),
            harness.Contender("other", cmd=["x"], group="B"),
        ]

    def test_medians_and_ratios(self):
        runs = [fake_run("sat", "A", r, s) for r, s in enumerate([1.0, 3.0, 2.0])]
        runs += [fake_run("peer", "A", r, s, rss=200 + r) for r, s in enumerate([4.0, 10.0, 5.0])]
        runs += [fake_run("other", "B", 0, 7.0)]
        s = {x.contender: x for x in harness.summarize(runs, self.contenders)}
        self.assertEqual(s["sat"].seconds, 2.0)
        self.assertEqual(s["peer"].seconds, 5.0)
        self.assertAlmostEqual(s["peer"].ratio, 0.4)
        self.assertAlmostEqual(s["peer"].cpu_ratio, 0.4)
        self.assertEqual(s["peer"].peak_rss_bytes, 201)
        self.assertIsNone(s["sat"].ratio)
        self.assertIsNone(s["other"].ratio)  # no satori in group B

    def test_failed_runs_are_left_out_of_medians_and_reported(self):
        runs = [fake_run("sat", "A", 0, 1.0), fake_run("sat", "A", 1, 100.0, ok=False), fake_run("sat", "A", 2, 3.0)]
        runs += [fake_run("peer", "A", r, 4.0) for r in range(3)]
        s = {x.contender: x for x in harness.summarize(runs, self.contenders)}
        self.assertEqual(s["sat"].seconds, 2.0)
        self.assertEqual((s["sat"].n_ok, s["sat"].n_runs), (2, 3))
        self.assertIn("exit code 1", s["sat"].error)
        self.assertAlmostEqual(s["peer"].ratio, 0.5)

    def test_table(self):
        runs = [fake_run("sat", "A", 0, 1.0), fake_run("peer", "A", 0, 4.0)]
        runs += [fake_run("other", "B", 0, 1.0, ok=False)]
        md = harness.render_table(harness.summarize(runs, self.contenders), extra=[("x", lambda s: "X")])
        lines = md.splitlines()
        self.assertEqual(
            lines[0],
            "| group | tool | time (s, median) | satori ÷ tool | CPU (s) | CPU satori ÷ tool | peak RSS (MiB) | x | runs ok |",
        )
        self.assertIn("| A | **sat** | 1.000 | (reference) | 1.000 |  | 0 | X | 1/1 |", md)
        self.assertIn("| A | peer | 4.000 | 0.25× | 4.000 | 0.25× |", md)
        self.assertIn("| B | other | — | — | — | — | — | — | 0/1 |", md)
        self.assertIn("`other` failed in 1 of 1 runs", md)

    def test_run_contenders_alternates(self):
        seen, stats = [], {}
        cs = [harness.Contender(n, cmd=script(f"print({n!r})")) for n in ("a", "b", "c")]
        runs = harness.run_contenders(cs, rounds=3, log=seen.append, stats=stats)
        self.assertGreaterEqual(stats["background_cores"], 0.0)
        self.assertGreater(stats["wall_s"], 0.0)
        self.assertEqual([r.contender for r in runs], ["a", "b", "c", "b", "c", "a", "c", "a", "b"])
        self.assertEqual(len(seen), 9)
        with self.assertRaises(ValueError):
            harness.run_contenders(cs + cs[:1], rounds=1)

    def test_markdown_records_machine_versions_and_command(self):
        runs = [fake_run("sat", "A", 0, 1.0)]
        os.environ["BENCH_COMMAND"] = "bench/run.sh test --x"
        try:
            md = harness.render_markdown(
                harness.summarize(runs, self.contenders[:1]), title="T", rounds=3, packages=["surely-not-a-package"]
            )
        finally:
            del os.environ["BENCH_COMMAND"]
        self.assertIn("### T", md)
        self.assertIn("CPUs (", md)
        self.assertIn("surely-not-a-package not installed", md)
        self.assertIn("Command: `bench/run.sh test --x`", md)
        self.assertIn("medians of 3 rounds", md)
        self.assertNotIn("smoke test", md)
        one = harness.render_markdown(harness.summarize(runs, self.contenders[:1]), title="T", rounds=1, packages=[])
        self.assertIn("smoke test, not a result", one)


@unittest.skipUnless(HAVE_PEERS, "needs numpy, pandas and pyarrow (bench/.venv)")
class DataLoading(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.csv = os.path.join(cls.dir.name, "d.csv")
        data_loading.generate_numpy(1000, cls.csv)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_csv_holds_exactly_the_generated_doubles(self):
        import numpy as np

        with open(self.csv) as f:
            header = f.readline().strip().split(",")
            rows = [line.strip().split(",") for line in f]
        self.assertEqual(header, [f"f{i}" for i in range(28)] + ["target"])
        self.assertEqual(len(rows), 1000)
        x = np.array([[float(v) for v in r[:28]] for r in rows])
        rng = np.random.default_rng(data_loading.SEED)
        expected = rng.standard_normal((1000, 28))
        np.testing.assert_array_equal(x, expected)  # exact: shortest round-trip form
        self.assertEqual({r[28] for r in rows}, {"0", "1"})
        # Shortest form: no value is longer than repr's 17 significant digits plus sign/exponent.
        self.assertTrue(all(repr(float(v)) == v for r in rows for v in r[:28]))

    def test_peers_read_the_same_numbers(self):
        me = os.path.abspath(data_loading.__file__)
        cs = [
            harness.Contender("pandas", call=(me, "pandas_csv", {"path": self.csv})),
            harness.Contender("pandas-pa", call=(me, "pandas_csv", {"path": self.csv, "engine": "pyarrow"})),
            harness.Contender("pyarrow", call=(me, "pyarrow_csv", {"path": self.csv})),
        ]
        runs = harness.run_contenders(cs, rounds=1, log=lambda s: None)
        self.assertTrue(all(r.ok for r in runs), [r.error for r in runs])
        summaries = harness.summarize(runs, cs)
        self.assertEqual(data_loading.check_same_numbers(summaries, 1000), [])
        # And the check can fail: a tool that read a different number is caught.
        summaries[2].report = json.loads(json.dumps(summaries[2].report))
        summaries[2].report["column_sums"][3] += 1e-3
        problems = data_loading.check_same_numbers(summaries, 1000)
        self.assertEqual(len(problems), 1)
        self.assertIn("column 3", problems[0])
        summaries[1].report["rows"] = 999
        self.assertIn("999", " ".join(data_loading.check_same_numbers(summaries, 1000)))


if __name__ == "__main__":
    unittest.main()
