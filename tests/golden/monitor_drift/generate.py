"""Golden outputs of SciPy and NumPy for satori-monitor's drift statistics.

- ks_2samp: scipy.stats.ks_2samp(a, b) (two-sided, method='auto') on raw samples: equal sizes
  (SciPy's square-lattice formula), unequal sizes (its inside-band lattice recursion), heavy ties
  (whole numbers), a shifted and a scaled pair, and one pair above 10 000 values where SciPy
  switches to its asymptotic p-value (kstwo.sf at round(n*m/(n+m))): satori uses the limiting
  Kolmogorov distribution there, so that case records both.
- ks_sketch: a reference sample and a current one; scipy.stats.ks_2samp's statistic on the raw
  samples, which satori approximates from the reference's 101-percentile sketch.
- psi: the PSI of a current sample against a reference on the reference's decile edges
  (np.quantile, linear; repeats dropped), bins by np.searchsorted(edges, x, side='left'), empty
  shares raised to 1e-4; also the reference's np.percentile(ref, 0..100) and its bin counts.
- chi2: scipy.stats.chi2_contingency([reference_counts, current_counts]) (Yates' correction when
  dof == 1, SciPy's default), after dropping categories empty in both rows.
- kstwobign_sf / chi2_sf: scipy.stats.kstwobign.sf(x) and scipy.special.chdtrc(k, x).

Writes expected.json next to this file; crates/satori-monitor/tests/golden.rs reads it. Run it
with tests/golden/regenerate.sh monitor_drift.
"""

import json
from pathlib import Path

import numpy as np
import scipy
from scipy import special, stats

rng = np.random.default_rng(17)
EPS = 1e-4


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64)]


def ks_case(name, a, b):
    r = stats.ks_2samp(a, b)
    return {"name": name, "a": floats(a), "b": floats(b),
            "statistic": float(r.statistic), "p_value": float(r.pvalue)}


ks = [
    ks_case("equal_sizes", rng.normal(size=40), rng.normal(0.5, 1.0, size=40)),
    ks_case("unequal_sizes", rng.normal(size=57), rng.normal(0.3, 1.0, size=83)),
    ks_case("same_distribution", rng.normal(size=300), rng.normal(size=250)),
    ks_case("ties", rng.integers(0, 6, size=120).astype(float),
            rng.integers(0, 7, size=95).astype(float)),
    ks_case("scaled", rng.normal(size=1000), rng.normal(0.0, 1.3, size=700)),
    ks_case("tiny", np.array([1.0, 2.0, 3.0]), np.array([2.5, 4.0, 5.0, 6.0, 7.0])),
    ks_case("far_apart", rng.normal(size=60), rng.normal(5.0, 1.0, size=45)),
]
big_a, big_b = rng.normal(size=10500), rng.normal(0.03, 1.0, size=3000)
big = ks_case("asymptotic", big_a, big_b)
n1, n2 = len(big_a), len(big_b)
big["kstwobign_p_value"] = float(stats.kstwobign.sf(np.sqrt(n1 * n2 / (n1 + n2)) * big["statistic"]))


def sketch_case(name, ref, cur):
    return {"name": name, "reference": floats(ref), "current": floats(cur),
            "statistic": float(stats.ks_2samp(ref, cur).statistic)}


ks_sketch = [
    sketch_case("normal_shift", rng.normal(size=5000), rng.normal(0.2, 1.0, size=800)),
    sketch_case("lognormal_same", rng.lognormal(size=4000), rng.lognormal(size=600)),
    sketch_case("uniform_scale", rng.uniform(0, 1, size=3000), rng.uniform(0, 1.5, size=1000)),
]


def psi_case(name, ref, cur):
    edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10))
    rc = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1)
    cc = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1)
    r = np.maximum(rc / rc.sum(), EPS)
    c = np.maximum(cc / cc.sum(), EPS)
    return {"name": name, "reference": floats(ref), "current": floats(cur),
            "percentiles": floats(np.percentile(ref, np.arange(101))),
            "edges": floats(edges), "reference_counts": [int(v) for v in rc],
            "current_counts": [int(v) for v in cc], "psi": float(np.sum((c - r) * np.log(c / r)))}


psi = [
    psi_case("normal_same", rng.normal(size=2000), rng.normal(size=1000)),
    psi_case("normal_shift", rng.normal(size=2000), rng.normal(0.5, 1.0, size=1000)),
    psi_case("whole_numbers", rng.integers(0, 4, size=500).astype(float),
             rng.integers(0, 5, size=400).astype(float)),
    psi_case("empty_bins", rng.normal(size=1000), rng.normal(10.0, 1.0, size=200)),
]


def chi2_case(name, ref, cur):
    ref, cur = np.asarray(ref, float), np.asarray(cur, float)
    keep = (ref + cur) > 0
    table = np.array([ref[keep], cur[keep]])
    r = stats.chi2_contingency(table)
    return {"name": name, "reference": floats(ref), "current": floats(cur),
            "statistic": float(r.statistic), "p_value": float(r.pvalue), "dof": int(r.dof)}


chi2 = [
    chi2_case("three_categories", [300, 200, 100], [50, 40, 30]),
    chi2_case("two_categories_yates", [120, 80], [30, 45]),
    chi2_case("with_unseen", [500, 300, 200, 0], [40, 30, 20, 10]),
    chi2_case("empty_column_dropped", [10, 0, 30, 60], [5, 0, 10, 40]),
    chi2_case("same_shares", [1000, 500, 250, 250], [100, 50, 25, 25]),
    chi2_case("many", rng.integers(50, 500, size=12), rng.integers(5, 80, size=12)),
]

xs = [0.05, 0.3, 0.5, 0.8, 0.99, 1.0, 1.2, 1.36, 1.63, 2.0, 3.0]
kstwobign_sf = [{"x": x, "sf": float(stats.kstwobign.sf(x))} for x in xs]
chi2_sf = [{"k": k, "x": x, "sf": float(special.chdtrc(k, x))}
           for k, x in [(1, 0.5), (1, 3.84), (2, 5.99), (3, 7.81), (5, 1.0), (11, 30.0),
                        (40, 20.0), (40, 80.0)]]

out = {
    "versions": {"numpy": np.__version__, "scipy": scipy.__version__},
    "psi_epsilon": EPS,
    "ks_2samp": ks,
    "ks_asymptotic": big,
    "ks_sketch": ks_sketch,
    "psi": psi,
    "chi2": chi2,
    "kstwobign_sf": kstwobign_sf,
    "chi2_sf": chi2_sf,
}
Path(__file__).with_name("expected.json").write_text(json.dumps(out) + "\n")
