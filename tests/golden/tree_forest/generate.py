"""Reference quality of scikit-learn's forests (RandomForest and ExtraTrees, classifier and
regressor) on seeded data, for a statistical comparison: satori's random streams are not
numpy's, so crates/satori-tree/tests/golden.rs fits satori's forests on the same rows and
compares test accuracy / ROC AUC (classifiers) and R² (regressors) within a stated tolerance.
The features are float32-representable. Run it with tests/golden/regenerate.sh tree_forest.
"""

import json
import platform
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.metrics import accuracy_score, r2_score, roc_auc_score

SEED = 20262
N_TRAIN = 1000


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def matrix(a):
    return [[float(v) for v in r] for r in np.asarray(a, dtype=np.float64)]


def main():
    X, y = make_classification(n_samples=1400, n_features=8, n_informative=5, n_redundant=1,
                               flip_y=0.05, random_state=SEED)
    X = f32(X)
    Xr, yr = make_regression(n_samples=1400, n_features=8, n_informative=5, noise=10.0,
                             random_state=SEED)
    Xr = f32(Xr)
    out = {
        "versions": {
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "seed": SEED,
        "classification": {
            "x": matrix(X[:N_TRAIN]), "y": [int(v) for v in y[:N_TRAIN]],
            "x_test": matrix(X[N_TRAIN:]), "y_test": [int(v) for v in y[N_TRAIN:]],
        },
        "regression": {
            "x": matrix(Xr[:N_TRAIN]), "y": [float(v) for v in yr[:N_TRAIN]],
            "x_test": matrix(Xr[N_TRAIN:]), "y_test": [float(v) for v in yr[N_TRAIN:]],
        },
        "models": {},
    }
    for name, cls in [("random_forest_classifier", RandomForestClassifier),
                      ("extra_trees_classifier", ExtraTreesClassifier)]:
        kw = {"oob_score": True, "bootstrap": True} if name.startswith("random") else {}
        m = cls(n_estimators=100, random_state=0, **kw).fit(X[:N_TRAIN], y[:N_TRAIN])
        p = m.predict_proba(X[N_TRAIN:])[:, 1]
        out["models"][name] = {
            "accuracy": float(accuracy_score(y[N_TRAIN:], m.predict(X[N_TRAIN:]))),
            "auc": float(roc_auc_score(y[N_TRAIN:], p)),
            "oob_score": float(m.oob_score_) if kw else None,
        }
    for name, cls in [("random_forest_regressor", RandomForestRegressor),
                      ("extra_trees_regressor", ExtraTreesRegressor)]:
        kw = {"oob_score": True} if name.startswith("random") else {}
        m = cls(n_estimators=100, random_state=0, **kw).fit(Xr[:N_TRAIN], yr[:N_TRAIN])
        out["models"][name] = {
            "r2": float(r2_score(yr[N_TRAIN:], m.predict(Xr[N_TRAIN:]))),
            "oob_score": float(m.oob_score_) if kw else None,
        }
    Path(__file__).with_name("expected.json").write_text(json.dumps(out) + "\n")
    print(json.dumps(out["models"], indent=1))


if __name__ == "__main__":
    main()
