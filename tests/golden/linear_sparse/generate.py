"""Golden outputs of scikit-learn's linear models fitted on scipy.sparse.csr_matrix input.

Text-like data: make_classification / make_regression features made non-negative and kept with
probability 0.08, with 30 of the 80 columns all zero (over 90% of the entries are zero). The
matrices are written in CSR form (indptr, indices, data); the Rust test
(crates/satori-linear/tests/sparse_golden.rs) builds sprs CSR matrices from them, fits with
`fit_csr` and compares coefficients, intercepts and predictions on held-out sparse rows:

- LogisticRegression: lbfgs (L2) and saga (L1, elastic net) with tight tolerances, so both sides
  sit at the optimum of the same convex objective;
- SGDClassifier / SGDRegressor with shuffle=False: scikit-learn's sparse plain SGD (updates
  through the stored entries, intercept updates times SPARSE_INTERCEPT_DECAY = 0.01);
- Ridge (sparse_cg, tol 1e-12) and LinearRegression (lsqr, tol 1e-12) with implicit centring;
- Lasso and ElasticNet (sparse coordinate descent, tol 1e-12) with implicit centring;
- PoissonRegressor (lbfgs) and TweedieRegressor (newton-cholesky), tol 1e-10.

Writes expected.json next to this file. Run it with tests/golden/regenerate.sh linear_sparse.
"""

import json
import platform
import warnings
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import (
    ElasticNet,
    PoissonRegressor,
    TweedieRegressor,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Ridge,
    SGDClassifier,
    SGDRegressor,
)

SEED = 4606
N, P, HELD, DENSITY, ZERO_COLS = 300, 80, 20, 0.08, 30


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def csr(m):
    m = sp.csr_matrix(m)
    m.sort_indices()
    return {
        "shape": [int(m.shape[0]), int(m.shape[1])],
        "indptr": [int(v) for v in m.indptr],
        "indices": [int(v) for v in m.indices],
        "data": floats(m.data),
    }


def sparsify(X, rng):
    keep = rng.uniform(size=X.shape) < DENSITY
    X = np.round(np.abs(X) * keep, 6)
    X[:, rng.choice(P, ZERO_COLS, replace=False)] = 0.0
    return X


def datasets(rng):
    out = {}
    for k in (2, 3):
        X, y = make_classification(
            n_samples=N + HELD, n_features=P, n_informative=20, n_redundant=0, n_classes=k,
            n_clusters_per_class=1, class_sep=2.0, flip_y=0.02, random_state=SEED + k,
        )
        X = sparsify(X, rng)
        # Make the sparse features informative: shift each row's class into its entries.
        out[f"clf{k}"] = (X, y)
    X, _ = make_regression(n_samples=N + HELD, n_features=P, random_state=SEED)
    X = sparsify(X, rng)
    coef = rng.normal(size=P) * (rng.uniform(size=P) < 0.6)
    y = X @ coef + 0.5 + 0.1 * rng.normal(size=N + HELD)
    out["reg"] = (X, y)
    eta = 0.3 * (X @ (coef * 0.5)) + 0.2
    out["counts"] = (X, rng.poisson(np.exp(np.clip(eta, -5, 3))).astype(float))
    return out


def data_entry(X, y):
    return {"x": csr(X[:N]), "y": [int(v) if float(v).is_integer() else float(v) for v in y[:N]],
            "held": csr(X[N:])}


def result(model, X_held, proba):
    out = {
        "coef": floats(model.coef_),
        "intercept": floats(np.atleast_1d(model.intercept_)),
        "predict": floats(model.predict(sp.csr_matrix(X_held))),
    }
    if proba:
        out["proba"] = floats(model.predict_proba(sp.csr_matrix(X_held)))
    if getattr(model, "n_iter_", None) is not None:
        out["n_iter"] = int(np.max(model.n_iter_))
    return out


def main():
    rng = np.random.default_rng(SEED)
    data = datasets(rng)
    weights = np.round(rng.uniform(0.2, 2.0, size=N), 3)
    cases = []

    def case(kind, name, dname, params, model, sample_weight=None, proba=False):
        X, y = data[dname]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(sp.csr_matrix(X[:N]), y[:N], sample_weight=sample_weight)
        cases.append({
            "kind": kind, "name": name, "data": dname, "params": params,
            "weights": None if sample_weight is None else floats(sample_weight),
            **result(model, X[N:], proba),
        })

    # LogisticRegression: satori's C / l1_ratio / fit_intercept / tol / max_iter / class_weight.
    for name, dname, params, extra, w in [
        ("binary_l2", "clf2", {"C": 1.0}, {}, None),
        ("multi_l2_weighted", "clf3", {"C": 0.5, "class_weight": "balanced"}, {}, weights),
        ("binary_l1", "clf2", {"C": 2.0, "l1_ratio": 1.0}, {"solver": "saga"}, None),
        ("multi_enet_no_intercept", "clf3", {"C": 1.0, "l1_ratio": 0.5, "fit_intercept": False},
         {"solver": "saga"}, None),
    ]:
        full = {"tol": 1e-12 if extra else 1e-10, "max_iter": 200000 if extra else 10000, **params}
        case("logistic", name, dname, full, LogisticRegression(**full, **extra), w, proba=True)

    # SGD with shuffle=False (rows in order).
    for name, dname, params, w in [
        ("hinge_l2", "clf2", {}, None),
        ("log_enet_avg", "clf2", {"loss": "log_loss", "penalty": "elasticnet", "alpha": 1e-3,
                                  "average": 10}, None),
        ("modified_huber_l1_multi", "clf3", {"loss": "modified_huber", "penalty": "l1",
                                             "alpha": 1e-3}, weights),
    ]:
        full = {"shuffle": False, **params}
        case("sgd_classifier", name, dname, full, SGDClassifier(**full), w,
             proba=params.get("loss") in ("log_loss", "modified_huber"))
    for name, params, w in [
        ("squared_default", {}, None),
        ("huber_l1_weighted", {"loss": "huber", "penalty": "l1", "learning_rate": "constant",
                               "eta0": 0.005}, weights),
        ("eps_insensitive_no_intercept", {"loss": "epsilon_insensitive", "fit_intercept": False,
                                          "max_iter": 50, "tol": None}, None),
    ]:
        full = {"shuffle": False, **params}
        case("sgd_regressor", name, "reg", full, SGDRegressor(**full), w)

    # Least squares with implicit centring.
    case("ridge", "ridge_weighted", "reg", {"alpha": 1.0},
         Ridge(alpha=1.0, solver="sparse_cg", tol=1e-12), weights)
    case("ridge", "ridge_no_intercept", "reg", {"alpha": 0.1, "fit_intercept": False},
         Ridge(alpha=0.1, fit_intercept=False, solver="sparse_cg", tol=1e-12))
    case("linear", "ols", "reg", {}, LinearRegression(tol=1e-12))
    case("linear", "ols_weighted", "reg", {}, LinearRegression(tol=1e-12), weights)

    # Coordinate descent with implicit centring (tight tolerance: both at the optimum).
    case("elastic_net", "lasso", "reg", {"alpha": 0.01, "l1_ratio": 1.0},
         Lasso(alpha=0.01, tol=1e-12, max_iter=100000))
    case("elastic_net", "enet_weighted", "reg", {"alpha": 0.02, "l1_ratio": 0.5},
         ElasticNet(alpha=0.02, l1_ratio=0.5, tol=1e-12, max_iter=100000), weights)

    # GLMs: L-BFGS and Newton-Cholesky on sparse input, tight tolerances.
    case("glm", "poisson_lbfgs", "counts", {"power": 1.0, "alpha": 0.01},
         PoissonRegressor(alpha=0.01, tol=1e-10, max_iter=10000))
    case("glm", "tweedie_newton_weighted", "counts",
         {"power": 1.5, "alpha": 0.1, "solver": "newton-cholesky"},
         TweedieRegressor(power=1.5, alpha=0.1, solver="newton-cholesky", tol=1e-10,
                          max_iter=1000), weights)

    out = {
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "sklearn": sklearn.__version__,
        },
        "datasets": {k: data_entry(X, y) for k, (X, y) in data.items()},
        "cases": cases,
    }
    path = Path(__file__).with_name("expected.json")
    path.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    density = {k: float((X != 0).mean()) for k, (X, _) in data.items()}
    print("density", density, "cases", len(cases))


if __name__ == "__main__":
    main()
