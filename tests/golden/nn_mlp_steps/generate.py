"""Golden training runs of scikit-learn's MLPRegressor and MLPClassifier from fixed initial weights.

Each case starts both libraries from the same weights (scikit-learn via warm_start after an
initialising fit, satori via MlpRegressor/MlpClassifier::from_network + fit_more), trains a few
epochs with shuffle=False (so the mini-batches are the same consecutive rows), and records the
per-epoch loss curve (penalty included), the final weights and predictions. This checks the SGD
(momentum, Nesterov) and Adam update rules, the L2 penalty, the losses and the ReLU/tanh/logistic
forward passes. scikit-learn computes in float64 and satori in float32, hence a relative
tolerance. Writes expected.json next to this file; crates/satori-nn/tests/golden.rs reads it.
Run it with tests/golden/regenerate.sh nn_mlp_steps.
"""

import json
import platform
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

SEED = 6101


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def run(kind, params, X, y, X_test, rng):
    cls = MLPRegressor if kind == "regressor" else MLPClassifier
    common = dict(shuffle=False, tol=0.0, n_iter_no_change=1000, random_state=0, warm_start=True)
    model = cls(max_iter=1, **common, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)  # initialise every attribute
    sizes = [X.shape[1], *params["hidden_layer_sizes"], model.coefs_[-1].shape[1]]
    coefs = [rng.uniform(-0.5, 0.5, size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    intercepts = [rng.uniform(-0.2, 0.2, size=b) for b in sizes[1:]]
    model.coefs_ = [c.copy() for c in coefs]
    model.intercepts_ = [b.copy() for b in intercepts]
    model.loss_curve_ = []
    model.t_ = 0
    model.best_loss_ = np.inf
    model._no_improvement_count = 0
    model.max_iter = 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    out = {
        "kind": kind,
        "params": params,
        "init_coefs": [floats(c) for c in coefs],
        "init_intercepts": [floats(b) for b in intercepts],
        "loss_curve": floats(model.loss_curve_),
        "coefs": [floats(c) for c in model.coefs_],
        "intercepts": [floats(b) for b in model.intercepts_],
    }
    if kind == "regressor":
        out["predict"] = floats(model.predict(X_test))
    else:
        out["predict_proba"] = [floats(r) for r in model.predict_proba(X_test)]
    return out


def main():
    rng = np.random.default_rng(SEED)
    X = rng.normal(size=(40, 3))
    y_reg = np.sin(X[:, 0]) + X[:, 1] * X[:, 2]
    y_cls = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int) + (X[:, 2] > 1.0).astype(int)
    X_test = rng.normal(size=(6, 3))
    reg = [
        dict(hidden_layer_sizes=[5], activation="relu", solver="sgd", learning_rate_init=0.05,
             momentum=0.9, nesterovs_momentum=True, alpha=1e-3, batch_size=10),
        dict(hidden_layer_sizes=[6, 4], activation="tanh", solver="sgd", learning_rate_init=0.05,
             momentum=0.5, nesterovs_momentum=False, alpha=0.0, batch_size=16),
        dict(hidden_layer_sizes=[5], activation="logistic", solver="adam", learning_rate_init=0.01,
             alpha=1e-2, batch_size=10),
    ]
    cls = [
        dict(hidden_layer_sizes=[6], activation="relu", solver="adam", learning_rate_init=0.02,
             alpha=1e-4, batch_size=8),
    ]
    cases = [run("regressor", p, X, y_reg, X_test, rng) for p in reg]
    cases += [run("classifier", p, X, y_cls, X_test, rng) for p in cls]
    doc = {
        "generator": "tests/golden/nn_mlp_steps/generate.py",
        "seed": SEED,
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "sklearn": sklearn.__version__},
        "x": [floats(r) for r in X],
        "y_regression": floats(y_reg),
        "y_classes": [int(v) for v in y_cls],
        "x_test": [floats(r) for r in X_test],
        "cases": cases,
    }
    Path(__file__).with_name("expected.json").write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
