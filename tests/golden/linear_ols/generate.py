"""Golden outputs of scikit-learn's LinearRegression and Ridge (closed-form solvers).

Seeded data sets: well conditioned, with sample weights, rank deficient (a duplicated column and
an exact linear combination: lstsq's minimum-norm solution), more features than rows (ridge's
dual Cholesky, minimum-norm least squares), without an intercept, and non-negative least squares
(positive=True). Writes expected.json next to this file; crates/satori-linear/tests/
regression_golden.rs reads it. Run it with tests/golden/regenerate.sh linear_ols.
"""

import json
import platform
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.linear_model import LinearRegression, Ridge

SEED = 6001


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def data(rng, n, p, noise=0.3):
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 3.0, size=p) + rng.normal(size=p)
    coef = rng.normal(size=p)
    y = X @ coef + 1.5 + noise * rng.normal(size=n)
    return X, y


def fit(kind, params, X, y, w, X_test):
    model = (LinearRegression if kind == "linear" else Ridge)(**params)
    model.fit(X, y, sample_weight=w)
    return {
        "model": kind,
        "params": params,
        "coef": floats(model.coef_),
        "intercept": float(model.intercept_),
        "predict": floats(model.predict(X_test)),
    }


def case(name, X, y, w, fits, rng):
    X_test = rng.normal(size=(7, X.shape[1])) * 2.0
    return {
        "name": name,
        "x": [floats(r) for r in X],
        "y": floats(y),
        "weights": None if w is None else floats(w),
        "x_test": [floats(r) for r in X_test],
        "fits": [fit(k, p, X, y, w, X_test) for k, p in fits],
    }


def main():
    rng = np.random.default_rng(SEED)
    standard = [
        ("linear", {}),
        ("linear", {"fit_intercept": False}),
        ("ridge", {}),
        ("ridge", {"alpha": 0.37, "solver": "cholesky"}),
        ("ridge", {"alpha": 0.37, "solver": "svd"}),
        ("ridge", {"alpha": 12.0, "fit_intercept": False}),
    ]
    cases = []
    X, y = data(rng, 60, 5)
    cases.append(case("well_conditioned", X, y, None, standard, rng))
    w = rng.uniform(0.1, 3.0, size=60)
    cases.append(case("weighted", X, y, w, standard, rng))

    X, y = data(rng, 40, 4)
    X = np.column_stack([X, X[:, 1], 2.0 * X[:, 0] - X[:, 2]])
    deficient = [
        ("linear", {}),
        ("linear", {"tol": 1e-3}),
        ("ridge", {"alpha": 0.5}),
        ("ridge", {"alpha": 0.5, "solver": "svd"}),
    ]
    # Not compared: Ridge(alpha=0, solver="svd") on these columns keeps singular values of
    # rounding-noise size (scikit-learn's cut-off is an absolute 1e-15), so its coefficients are
    # amplified noise (~1e13) that no two SVD implementations share.
    cases.append(case("rank_deficient", X, y, None, deficient, rng))
    w = rng.uniform(0.0, 2.0, size=40)
    cases.append(case("rank_deficient_weighted", X, y, w, deficient, rng))

    X, y = data(rng, 10, 15)
    wide = [("linear", {}), ("ridge", {}), ("ridge", {"alpha": 0.01, "solver": "svd"})]
    cases.append(case("wide", X, y, None, wide, rng))

    X, y = data(rng, 50, 6)
    y = X @ np.array([1.0, -2.0, 0.5, 0.0, 3.0, -0.7]) + 0.2 * rng.normal(size=50)
    positive = [("linear", {"positive": True}), ("linear", {"positive": True, "fit_intercept": False})]
    cases.append(case("positive", X, y, None, positive, rng))
    w = rng.uniform(0.2, 2.0, size=50)
    cases.append(case("positive_weighted", X, y, w, positive, rng))

    out = {
        "versions": {
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "python": platform.python_version(),
        },
        "seed": SEED,
        "cases": cases,
    }
    path = Path(__file__).with_name("expected.json")
    path.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
