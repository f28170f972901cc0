"""Golden outputs of scikit-learn's permutation_importance and partial_dependence (brute).

Models whose predictions both sides compute identically from stored numbers: a LinearRegression
and a LogisticRegression (binary and multiclass) fitted here, their coefficients stored, and
satori's test evaluating X @ coef + intercept (with the logistic / softmax link) itself.

Permutation importance: scikit-learn draws its shuffles from a RandomState seeded per column and
shuffles the already-shuffled column again at each repeat; the effective row order of every
(column, repeat) is reproduced here with the same RandomState calls and stored, so satori's test
feeds exactly scikit-learn's permutations. Partial dependence: method="brute",
grid_resolution, percentiles, a feature with few unique values, a categorical feature, 1-D and
2-D, kind="both" (averages and ICE). Writes expected.json next to this file;
crates/satori-explain/tests/global_golden.rs reads it. Run it with
tests/golden/regenerate.sh explain_global.
"""

import json
import platform
from pathlib import Path

import numpy as np
import sklearn
from sklearn.inspection import partial_dependence, permutation_importance
from sklearn.linear_model import LinearRegression, LogisticRegression

SEED = 1617


def fl(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def mat(a):
    return [fl(r) for r in np.asarray(a, dtype=np.float64)]


def effective_permutations(n_rows, n_cols, n_repeats, random_state):
    """The row order of each (column, repeat) that permutation_importance applies."""
    rs = np.random.RandomState(random_state)
    random_seed = rs.randint(np.iinfo(np.int32).max + 1)
    out = []
    for _col in range(n_cols):
        r = np.random.RandomState(random_seed)
        idx = np.arange(n_rows)
        eff = np.arange(n_rows)
        per_col = []
        for _ in range(n_repeats):
            r.shuffle(idx)
            eff = eff[idx]
            per_col.append([int(v) for v in eff])
        out.append(per_col)
    return out


def data(rng, n):
    X = np.column_stack([
        rng.normal(size=n),
        rng.uniform(-2, 3, size=n),
        rng.randint(0, 4, size=n).astype(float),   # few unique values
        rng.normal(2.0, 0.5, size=n),
        rng.randint(0, 3, size=n).astype(float),   # categorical codes
    ])
    return X


def main():
    rng = np.random.RandomState(SEED)
    n = 160
    X = data(rng, n)
    yr = 2.0 * X[:, 0] - 1.5 * X[:, 1] + 0.7 * X[:, 2] + 0.1 * X[:, 3] + (X[:, 4] == 1) + rng.normal(0, 0.3, n)
    lin = LinearRegression().fit(X, yr)
    z = 1.2 * X[:, 0] - 0.8 * X[:, 1] + 0.3 * X[:, 2]
    yb = (z + rng.logistic(size=n) > 0).astype(int)
    logit = LogisticRegression(max_iter=1000).fit(X, yb)
    ym = np.digitize(z + rng.normal(0, 0.5, n), [-1.0, 1.0])
    multi = LogisticRegression(max_iter=1000).fit(X, ym)

    models = {
        "linear": {"kind": "linear", "coef": mat(np.atleast_2d(lin.coef_)), "intercept": fl(np.atleast_1d(lin.intercept_)), "y": fl(yr)},
        "binary": {"kind": "binary", "coef": mat(logit.coef_), "intercept": fl(logit.intercept_), "y": fl(yb)},
        "multiclass": {"kind": "multiclass", "coef": mat(multi.coef_), "intercept": fl(multi.intercept_), "y": fl(ym)},
    }
    est = {"linear": lin, "binary": logit, "multiclass": multi}

    importance = []
    for name, scoring, n_repeats, rs in [
        ("linear", "r2", 5, 0),
        ("linear", "neg_mean_squared_error", 3, 7),
        ("linear", "neg_mean_absolute_error", 4, 11),
        ("binary", "accuracy", 5, 3),
        ("binary", "neg_log_loss", 4, 5),
        ("binary", "roc_auc", 3, 9),
        ("multiclass", "accuracy", 4, 13),
    ]:
        y = yr if name == "linear" else (yb if name == "binary" else ym)
        r = permutation_importance(est[name], X, y, scoring=scoring, n_repeats=n_repeats, random_state=rs)
        importance.append({
            "model": name,
            "scoring": scoring,
            "n_repeats": n_repeats,
            "permutations": effective_permutations(n, X.shape[1], n_repeats, rs),
            "importances_mean": fl(r.importances_mean),
            "importances_std": fl(r.importances_std),
            "importances": mat(r.importances),
        })

    pdp = []
    for name, features, cat, res, pct in [
        ("linear", [0], [False], 100, (0.05, 0.95)),
        ("linear", [1], [False], 20, (0.1, 0.9)),
        ("linear", [2], [False], 100, (0.05, 0.95)),
        ("linear", [4], [True], 100, (0.05, 0.95)),
        ("linear", [0, 1], [False, False], 12, (0.05, 0.95)),
        ("binary", [0], [False], 30, (0.05, 0.95)),
        ("binary", [1, 4], [False, True], 10, (0.05, 0.95)),
        ("multiclass", [3], [False], 25, (0.05, 0.95)),
    ]:
        categorical = [f for f, c in zip(features, cat) if c]
        r = partial_dependence(est[name], X, features, method="brute", kind="both",
                               grid_resolution=res, percentiles=pct,
                               categorical_features=categorical or None)
        pdp.append({
            "model": name,
            "features": features,
            "categorical": cat,
            "grid_resolution": res,
            "percentiles": list(pct),
            "grid": [fl(v) for v in r["grid_values"]],
            "average": fl(r["average"]),
            "average_shape": list(r["average"].shape),
            "individual": fl(r["individual"]),
            "individual_shape": list(r["individual"].shape),
        })

    out = {
        "generator": "tests/golden/explain_global/generate.py",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "X": mat(X),
        "models": models,
        "importance": importance,
        "pdp": pdp,
    }
    Path(__file__).with_name("expected.json").write_text(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
