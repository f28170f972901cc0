"""Golden outputs of scikit-learn's LogisticRegression for satori-linear's logistic regression.

Cases: binary and multinomial, L2 (lbfgs), no penalty (C=inf), sample weights, class_weight
(balanced and a map), no intercept, and L1 / elastic net (saga). Every case is fitted to a very
tight tolerance so that the optimum itself is compared (the objective is convex, strictly so
except for pure L1); the `default_tol` case is fitted with the default tol=1e-4 as well.
Writes expected.json next to this file; crates/satori-linear/tests/logistic_golden.rs reads it.
Run it with tests/golden/regenerate.sh linear_logistic.
"""

import json
import platform
import warnings
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

SEED = 20261


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def data(n, p, k, seed, scale=True):
    X, y = make_classification(
        n_samples=n, n_features=p, n_informative=min(p, 3), n_redundant=0,
        n_classes=k, n_clusters_per_class=1, class_sep=0.8, flip_y=0.1, random_state=seed,
    )
    if scale:
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, y


def case(name, X, y, weights=None, tight=True, **params):
    labels = [f"c{v}" for v in np.unique(y)]
    y_str = np.array([f"c{v}" for v in y])
    kw = dict(params)
    if tight:
        kw.setdefault("tol", 1e-10)
        kw.setdefault("max_iter", 100000)
    if kw.get("l1_ratio", 0.0) > 0:
        kw["solver"] = "saga"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = LogisticRegression(**kw).fit(X, y_str, sample_weight=weights)
    assert list(clf.classes_) == labels
    cw = kw.get("class_weight")
    return {
        "name": name,
        "data": DATA_NAMES[id(X)],
        "labels": labels,
        "weights": None if weights is None else floats(weights),
        "params": {
            "C": "inf" if np.isinf(kw.get("C", 1.0)) else float(kw.get("C", 1.0)),
            "l1_ratio": float(kw.get("l1_ratio", 0.0)),
            "fit_intercept": bool(kw.get("fit_intercept", True)),
            "tol": float(kw.get("tol", 1e-4)),
            "max_iter": int(kw.get("max_iter", 100)),
            "class_weight": cw if isinstance(cw, (str, type(None))) else {k: float(v) for k, v in cw.items()},
        },
        "solver": kw.get("solver", "lbfgs"),
        "coef": [floats(r) for r in clf.coef_],
        "intercept": floats(clf.intercept_),
        "proba": [floats(r) for r in clf.predict_proba(X)],
        "n_iter": int(np.max(clf.n_iter_)),
    }


DATA_NAMES = {}


def main():
    rng = np.random.default_rng(SEED)
    cases = []
    Xb, yb = data(200, 5, 2, SEED)
    Xm, ym = data(240, 4, 3, SEED + 1)
    X4, y4 = data(300, 6, 4, SEED + 2, scale=False)
    datasets = {}
    for name, (X, y) in {"binary": (Xb, yb), "multi3": (Xm, ym), "multi4": (X4, y4)}.items():
        DATA_NAMES[id(X)] = name
        datasets[name] = {"x": [floats(r) for r in X], "y": [int(v) for v in y]}
    wb = rng.uniform(0.1, 3.0, size=len(yb))
    wm = rng.uniform(0.0, 2.0, size=len(ym))
    cases.append(case("binary_l2", Xb, yb))
    cases.append(case("binary_l2_default_tol", Xb, yb, tight=False))
    cases.append(case("binary_strong_C", Xb, yb, C=0.05))
    cases.append(case("binary_no_penalty", Xb, yb, C=np.inf))
    cases.append(case("binary_no_intercept", Xb, yb, C=2.0, fit_intercept=False))
    cases.append(case("binary_weights_balanced", Xb, yb, weights=wb, class_weight="balanced"))
    cases.append(case("multinomial_l2", Xm, ym))
    cases.append(case("multinomial_l2_default_tol", Xm, ym, tight=False))
    cases.append(case("multinomial_weights_map", Xm, ym, weights=wm, C=0.3,
                      class_weight={"c0": 2.0, "c2": 0.5}))
    cases.append(case("multinomial4_unscaled", X4, y4, C=10.0))
    cases.append(case("binary_l1", Xb, yb, C=0.2, l1_ratio=1.0))
    cases.append(case("binary_elasticnet", Xb, yb, weights=wb, C=0.5, l1_ratio=0.5))
    cases.append(case("multinomial_elasticnet", Xm, ym, C=0.3, l1_ratio=0.7))
    out = {
        "versions": {
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "python": platform.python_version(),
        },
        "seed": SEED,
        "datasets": datasets,
        "cases": cases,
    }
    Path(__file__).with_name("expected.json").write_text(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
