"""Golden outputs of scikit-learn's SGDClassifier and SGDRegressor with shuffle=False.

Every loss, penalty and learning-rate schedule appears at least once, with sample weights,
class weights (a map and balanced) and averaging. The rows are visited in order, so the
Rust implementation of _plain_sgd must reproduce the coefficients to rounding.
Writes expected.json next to this file; crates/satori-linear/tests/sgd_golden.rs reads it.
Run it with tests/golden/regenerate.sh linear_sgd.
"""

import json
import platform
import warnings
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import SGDClassifier, SGDRegressor

SEED = 20262


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def standardize(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)


def clf_data(n, p, k, seed):
    X, y = make_classification(
        n_samples=n, n_features=p, n_informative=min(p, 3), n_redundant=0, n_classes=k,
        n_clusters_per_class=1, class_sep=1.0, flip_y=0.05, random_state=seed,
    )
    return standardize(X), y


def reg_data(n, p, seed):
    X, y, = make_regression(n_samples=n, n_features=p, noise=5.0, random_state=seed)
    return standardize(X), y / 10.0


DATA = {}


def clf_case(name, data, weights=None, **params):
    X, y = DATA[data]
    labels = [f"c{v}" for v in np.unique(y)]
    y_str = np.array([f"c{v}" for v in y])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = SGDClassifier(shuffle=False, **params).fit(X, y_str, sample_weight=weights)
    assert list(m.classes_) == labels
    out = {
        "name": name,
        "data": data,
        "labels": labels,
        "weights": None if weights is None else floats(weights),
        "params": params,
        "coef": [floats(r) for r in m.coef_],
        "intercept": floats(m.intercept_),
        "n_iter": int(m.n_iter_),
        "t": float(m.t_),
        "decision": floats(m.decision_function(X)),
    }
    if params.get("loss") in ("log_loss", "modified_huber"):
        out["proba"] = [floats(r) for r in m.predict_proba(X)]
    return out


def reg_case(name, data, weights=None, **params):
    X, y = DATA[data]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = SGDRegressor(shuffle=False, **params).fit(X, y, sample_weight=weights)
    return {
        "name": name,
        "data": data,
        "weights": None if weights is None else floats(weights),
        "params": params,
        "coef": floats(m.coef_),
        "intercept": floats(m.intercept_),
        "n_iter": int(m.n_iter_),
        "t": float(m.t_),
        "predict": floats(m.predict(X)),
    }


def main():
    rng = np.random.default_rng(SEED)
    DATA["bin"] = clf_data(160, 5, 2, SEED)
    DATA["multi"] = clf_data(180, 4, 3, SEED + 1)
    DATA["reg"] = reg_data(150, 4, SEED + 2)
    wb = rng.uniform(0.2, 2.0, size=160)
    wm = rng.uniform(0.0, 2.0, size=180)
    wr = rng.uniform(0.5, 1.5, size=150)
    clf = [
        clf_case("hinge_default", "bin"),
        clf_case("log_loss_l1", "bin", loss="log_loss", penalty="l1", alpha=1e-3),
        clf_case("modified_huber_en_weights", "multi", weights=wm, loss="modified_huber",
                 penalty="elasticnet", l1_ratio=0.3, alpha=1e-3,
                 class_weight={"c0": 2.0, "c2": 0.5}),
        clf_case("squared_hinge_constant_avg", "bin", weights=wb, loss="squared_hinge",
                 learning_rate="constant", eta0=0.01, average=10),
        clf_case("perceptron_invscaling_none", "multi", loss="perceptron", penalty=None,
                 learning_rate="invscaling", eta0=0.5, max_iter=30),
        clf_case("log_loss_balanced_adaptive", "multi", loss="log_loss",
                 class_weight="balanced", learning_rate="adaptive", eta0=0.05, alpha=1e-3),
        clf_case("hinge_no_tol_avg_true", "multi", tol=None, max_iter=7, average=True,
                 fit_intercept=False),
    ]
    reg = [
        reg_case("squared_error_default", "reg"),
        reg_case("huber_en_optimal_weights", "reg", weights=wr, loss="huber", epsilon=0.5,
                 penalty="elasticnet", l1_ratio=0.5, learning_rate="optimal", alpha=1e-3),
        reg_case("eps_insensitive_adaptive_avg", "reg", loss="epsilon_insensitive",
                 learning_rate="adaptive", eta0=0.02, average=True),
        reg_case("sq_eps_constant_l1", "reg", loss="squared_epsilon_insensitive",
                 penalty="l1", alpha=1e-2, learning_rate="constant", eta0=0.001, max_iter=50),
    ]
    out = {
        "versions": {
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "python": platform.python_version(),
        },
        "seed": SEED,
        "datasets": {k: {"x": [floats(r) for r in X], "y": floats(y)} for k, (X, y) in DATA.items()},
        "classifier": clf,
        "regressor": reg,
    }
    Path(__file__).with_name("expected.json").write_text(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
