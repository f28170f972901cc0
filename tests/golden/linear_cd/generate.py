"""Golden outputs of scikit-learn's Lasso, ElasticNet, lasso_path and enet_path.

Path grids are requested with an integer `alphas` (scikit-learn 1.9 deprecated `n_alphas`; the
Rust side calls the same thing `n_alphas`).

Seeded correlated data; fits at scikit-learn's default tolerance (coefficients and n_iter: the
Rust port takes the same cyclic steps) and at a tight tolerance (the optimum), with and without
sample weights, an intercept, positivity, more features than rows, and two paths (raw data as
enet_path takes it, and centred data as ElasticNetCV passes it). Writes expected.json next to this
file; crates/satori-linear/tests/regression_golden.rs reads it. Run it with
tests/golden/regenerate.sh linear_cd.
"""

import json
import platform
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.linear_model import ElasticNet, Lasso, enet_path, lasso_path

SEED = 6002
TIGHT = {"tol": 1e-12, "max_iter": 100000}


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def data(rng, n, p):
    base = rng.normal(size=(n, p))
    mix = np.eye(p) + 0.4 * rng.normal(size=(p, p))
    X = base @ mix + rng.normal(size=p)
    coef = np.where(rng.uniform(size=p) < 0.5, 0.0, rng.normal(size=p) * 2)
    y = X @ coef + 0.7 + 0.5 * rng.normal(size=n)
    return X, y


def fit(kind, params, X, y, w, X_test):
    model = (Lasso if kind == "lasso" else ElasticNet)(**params)
    model.fit(X, y, sample_weight=w)
    return {
        "model": kind,
        "params": params,
        "coef": floats(model.coef_),
        "intercept": float(model.intercept_),
        "predict": floats(model.predict(X_test)),
        "n_iter": int(model.n_iter_),
        "dual_gap": float(model.dual_gap_),
    }


def case(name, X, y, w, fits, rng):
    X_test = rng.normal(size=(6, X.shape[1])) * 2.0
    return {
        "name": name,
        "x": [floats(r) for r in X],
        "y": floats(y),
        "weights": None if w is None else floats(w),
        "x_test": [floats(r) for r in X_test],
        "fits": [fit(k, p, X, y, w, X_test) for k, p in fits],
    }


def path_case(name, X, y, l1_ratio, center, extra):
    Xp, yp = X, y
    if center:
        Xp, yp = X - X.mean(axis=0), y - y.mean()
    fn = lasso_path if l1_ratio == 1.0 else enet_path
    kw = {} if l1_ratio == 1.0 else {"l1_ratio": l1_ratio}
    alphas, coefs, gaps, n_iters = fn(Xp, yp, return_n_iter=True, **kw, **extra)
    return {
        "name": name,
        "x": [floats(r) for r in X],
        "y": floats(y),
        "params": {"l1_ratio": l1_ratio, "fit_intercept": center, **extra},
        "alphas": floats(alphas),
        "coefs": [floats(coefs[:, k]) for k in range(coefs.shape[1])],
        "n_iters": [int(v) for v in n_iters],
    }


def main():
    rng = np.random.default_rng(SEED)
    fits = [
        ("lasso", {"alpha": 0.05}),
        ("lasso", {"alpha": 0.05, **TIGHT}),
        ("enet", {"alpha": 0.1}),
        ("enet", {"alpha": 0.1, "l1_ratio": 0.3, **TIGHT}),
        ("enet", {"alpha": 0.02, "l1_ratio": 0.8, "fit_intercept": False, **TIGHT}),
        ("lasso", {"alpha": 0.03, "positive": True, **TIGHT}),
        ("enet", {"alpha": 1.0, "l1_ratio": 0.5}),
        ("enet", {"alpha": 0.01, "l1_ratio": 0.9, "max_iter": 3}),
    ]
    cases = []
    X, y = data(rng, 80, 8)
    cases.append(case("correlated", X, y, None, fits, rng))
    w = rng.uniform(0.1, 3.0, size=80)
    cases.append(case("weighted", X, y, w, fits, rng))
    Xw, yw = data(rng, 15, 25)
    wide = [("lasso", {"alpha": 0.1, **TIGHT}), ("enet", {"alpha": 0.2, "l1_ratio": 0.5, **TIGHT})]
    cases.append(case("wide", Xw, yw, None, wide, rng))

    paths = [
        path_case("lasso_raw", X, y, 1.0, False, {"alphas": 20, "eps": 1e-2, "tol": 1e-10}),
        path_case("enet_centred", X, y, 0.7, True, {"alphas": 15, "eps": 1e-3, "tol": 1e-10}),
        path_case("lasso_default_tol", X, y, 1.0, True, {"alphas": 10}),
    ]
    out = {
        "versions": {
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "python": platform.python_version(),
        },
        "seed": SEED,
        "cases": cases,
        "paths": paths,
    }
    path = Path(__file__).with_name("expected.json")
    path.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
