"""Golden outputs of satori-preprocess's OutlierClipper, computed with numpy.

The reference definitions (crates/satori-preprocess/src/outliers.rs):
- quantile: bounds np.nanquantile(col, lower_quantile) and np.nanquantile(col, upper_quantile)
  (method="linear");
- iqr: q1 - k * (q3 - q1) and q3 + k * (q3 - q1), q1/q3 = np.nanquantile(col, 0.25 / 0.75);
- zscore: np.nanmean(col) -/+ threshold * np.nanstd(col) (ddof=0);
- action clip: np.clip(x, lo, hi); action missing: NaN where x < lo or x > hi;
- a column without observed values has NaN bounds and passes through unchanged.

scipy.stats.mstats.winsorize is a different definition (it replaces floor(p * n) values at each
end by the nearest kept order statistic, without interpolation); both outputs on one column are
recorded under "winsorize_vs_clip" to show the difference, not compared.

Data: heavy-tailed columns (Student t, df 2) with 10% NaN, a column of ties, a constant column,
an all-missing column, 1,100 rows (numpy's pairwise summation splits above 128 values, so the
z-score mean and std are checked in numpy's order) and a test matrix with values far outside the
training range. Run with tests/golden/regenerate.sh outliers_clipper.
"""

import json
import platform
from pathlib import Path

import numpy as np
import scipy
from scipy.stats import mstats

SEED = 20261130
rng = np.random.default_rng(SEED)


def clean(v):
    if isinstance(v, (list, tuple, np.ndarray)):
        return [clean(x) for x in v]
    if isinstance(v, (float, np.floating)):
        return None if np.isnan(v) else float(v)
    return v


def make(n):
    x = np.column_stack([
        rng.standard_t(2, size=n) * 3.0 + 10.0,
        np.round(rng.standard_t(3, size=n), 1),
        np.full(n, 4.25),
        np.full(n, np.nan),
        rng.lognormal(size=n) * 1000.0,
    ])
    mask = rng.random(x.shape) < 0.1
    mask[:, 2] = False
    x[mask] = np.nan
    # Three decimals keep the file small; the bounds still interpolate to full precision.
    return np.round(x, 3)


def bounds(x, params):
    method = params.get("method", "quantile")
    lo, hi = [], []
    for j in range(x.shape[1]):
        col = x[:, j]
        if np.all(np.isnan(col)):
            lo.append(np.nan)
            hi.append(np.nan)
            continue
        if method == "quantile":
            lo.append(np.nanquantile(col, params.get("lower_quantile", 0.01)))
            hi.append(np.nanquantile(col, params.get("upper_quantile", 0.99)))
        elif method == "iqr":
            k = params.get("k", 1.5)
            q1, q3 = np.nanquantile(col, 0.25), np.nanquantile(col, 0.75)
            lo.append(q1 - k * (q3 - q1))
            hi.append(q3 + k * (q3 - q1))
        else:
            t = params.get("threshold", 3.0)
            m, s = np.nanmean(col), np.nanstd(col)
            lo.append(m - t * s)
            hi.append(m + t * s)
    return np.array(lo), np.array(hi)


def apply(x, lo, hi, action):
    out = x.copy()
    for j in range(x.shape[1]):
        if np.isnan(lo[j]):
            continue
        if action == "clip":
            out[:, j] = np.clip(x[:, j], lo[j], hi[j])
        else:
            out[(x[:, j] < lo[j]) | (x[:, j] > hi[j]), j] = np.nan
    return out


PARAMS = [
    {},
    {"lower_quantile": 0.05, "upper_quantile": 0.9},
    {"lower_quantile": 0.0, "upper_quantile": 1.0},
    {"lower_quantile": 0.333, "upper_quantile": 0.667, "action": "missing"},
    {"method": "iqr"},
    {"method": "iqr", "k": 0.0, "action": "missing"},
    {"method": "iqr", "k": 3.0},
    {"method": "zscore"},
    {"method": "zscore", "threshold": 1.5, "action": "missing"},
]


def main():
    datasets, cases = [], []
    for n in [37, 1100]:
        x_fit = make(n)
        x_test = make(60) * 3.0
        x_test[0] = [1e6, -1e6, 4.25, 5.0, -1.0]
        datasets.append({"x_fit": clean(x_fit), "x_test": clean(x_test)})
        for params in PARAMS:
            lo, hi = bounds(x_fit, params)
            action = params.get("action", "clip")
            cases.append({
                "data": len(datasets) - 1,
                "params": params,
                "lower": clean(lo),
                "upper": clean(hi),
                "fit_out": clean(apply(x_fit, lo, hi, action)),
                "test_out": clean(apply(x_test, lo, hi, action)),
            })
    first = make(37)[:, 0]
    first = first[~np.isnan(first)]
    lo, hi = np.quantile(first, 0.05), np.quantile(first, 0.95)
    expected = {
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__},
        "datasets": datasets,
        "cases": cases,
        "winsorize_vs_clip": {
            "note": "not compared: limits (0.05, 0.05) replace floor(0.05 n) values at each end by the "
                    "next order statistic, np.clip to the linear 5%/95% quantiles interpolates",
            "x": clean(first),
            "scipy_winsorize": clean(np.asarray(mstats.winsorize(first, limits=(0.05, 0.05)))),
            "numpy_clip": clean(np.clip(first, lo, hi)),
        },
    }
    Path(__file__).with_name("expected.json").write_text(json.dumps(expected, separators=(",", ":")) + "\n")
    print(len(cases), "cases")


if __name__ == "__main__":
    main()
