"""Golden outputs of scikit-learn's PoissonRegressor and TweedieRegressor.

Seeded count, compound Poisson-gamma, gamma and normal targets; both solvers at a tight
tolerance (the optimum: Newton-Cholesky to max|gradient| <= 1e-10, L-BFGS to 1e-10), with and
without sample weights and an intercept, log and identity links, and the penalty switched off.
n_iter of newton-cholesky is recorded for the default tolerance. Writes expected.json next to
this file; crates/satori-linear/tests/regression_golden.rs reads it. Run it with
tests/golden/regenerate.sh linear_glm.
"""

import json
import platform
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.linear_model import PoissonRegressor, TweedieRegressor

SEED = 6003
TIGHT = {"tol": 1e-10, "max_iter": 1000}


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def fit(kind, params, X, y, w, X_test):
    cls = PoissonRegressor if kind == "poisson" else TweedieRegressor
    model = cls(**params).fit(X, y, sample_weight=w)
    return {
        "model": kind,
        "params": params,
        "coef": floats(model.coef_),
        "intercept": float(model.intercept_),
        "predict": floats(model.predict(X_test)),
        "n_iter": int(model.n_iter_),
    }


def case(name, X, y, w, fits, rng):
    X_test = rng.normal(size=(6, X.shape[1])) * 0.5
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
    n, p = 120, 5
    X = rng.normal(size=(n, p)) * 0.5
    eta = X @ rng.normal(size=p) * 0.8 + 0.5
    mu = np.exp(eta)
    counts = rng.poisson(mu).astype(float)
    w = rng.uniform(0.2, 3.0, size=n)
    newton = {"solver": "newton-cholesky"}
    poisson_fits = [
        ("poisson", {**newton, **TIGHT}),
        ("poisson", {"alpha": 0.0, **newton, **TIGHT}),
        ("poisson", {"alpha": 0.3, "fit_intercept": False, **newton, **TIGHT}),
        ("poisson", {"alpha": 0.1, **TIGHT}),
        ("poisson", {"alpha": 0.1, **newton}),
    ]
    cases = [
        case("poisson", X, counts, None, poisson_fits, rng),
        case("poisson_weighted", X, counts, w, poisson_fits, rng),
    ]
    # Compound Poisson-gamma: some exact zeros.
    n_events = rng.poisson(mu * 0.7)
    y = np.array([rng.gamma(2.0, m / 2.0, size=k).sum() for k, m in zip(n_events, mu)])
    tw = [
        ("tweedie", {"power": 1.5, "alpha": 0.05, **newton, **TIGHT}),
        ("tweedie", {"power": 1.5, "alpha": 0.05, **TIGHT}),
        ("tweedie", {"power": 1.2, "alpha": 0.0, **newton, **TIGHT}),
    ]
    cases.append(case("compound_poisson_gamma", X, y, w, tw, rng))
    yg = rng.gamma(3.0, mu / 3.0)
    gamma = [
        ("tweedie", {"power": 2.0, "alpha": 0.01, **newton, **TIGHT}),
        ("tweedie", {"power": 3.0, "alpha": 0.01, **newton, **TIGHT}),
        ("tweedie", {"power": 2.0, "alpha": 0.01, "link": "identity", **newton, **TIGHT}),
    ]
    cases.append(case("gamma", X, yg + 5.0, None, gamma, rng))
    yn = X @ rng.normal(size=p) + 0.3 * rng.normal(size=n)
    normal = [
        ("tweedie", {"power": 0.0, "alpha": 0.2, **newton, **TIGHT}),
        ("tweedie", {"power": 0.0, "alpha": 0.2, **TIGHT}),
        ("tweedie", {"power": 0.0, "alpha": 0.2, "link": "log", **newton, **TIGHT}),
    ]
    cases.append(case("normal", X, yn, w, normal[:2], rng))
    cases.append(case("normal_log_link", X, np.exp(0.3 * yn) + 1.0, None, normal[2:], rng))
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
