"""Golden values for satori-tree's AdaBoost from scikit-learn 1.9.1 (and RUSBoost from
imbalanced-learn 0.14.2); run with the pinned venv (tests/golden/setup-venv.sh).

- ``samme``: AdaBoostClassifier (SAMME) on small make_classification sets whose features are
  float32-representable, so that satori's decision trees find the very splits scikit-learn's do
  (no two candidate splits tie on this data: the tree's random feature order, which only breaks
  ties, does not matter). crates/satori-tree/tests/adaboost.rs compares the estimator weights and
  errors, and the test predictions, decision function and predict_proba to 1e-9. Cases: binary
  stumps, three-class stumps, binary depth-2 trees with learning_rate 0.5, and binary stumps with
  sample weights.
- ``r2``: AdaBoostRegressor (AdaBoost.R2) draws a weighted bootstrap sample each round with
  numpy's random stream, which satori cannot reproduce, so the comparison is statistical: the
  held-out R² averaged over SEEDS, per loss, within 0.03.
- ``rusboost``: RUSBoostClassifier (random under-sampling each round, also random): held-out
  ROC AUC and balanced accuracy averaged over SEEDS within 0.03.
"""

import json
import platform
from pathlib import Path

import imblearn
import numpy as np
import sklearn
from imblearn.ensemble import RUSBoostClassifier
from sklearn.datasets import make_classification, make_friedman1
from sklearn.ensemble import AdaBoostClassifier, AdaBoostRegressor
from sklearn.metrics import balanced_accuracy_score, r2_score, roc_auc_score
from sklearn.tree import DecisionTreeClassifier

SEED = 20261207
SEEDS = list(range(8))


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def samme_case(name, n_classes, depth, lr, weighted, n=300, n_train=200):
    X, y = make_classification(n_samples=n, n_features=6, n_informative=4, n_redundant=1,
                               n_classes=n_classes, n_clusters_per_class=1, flip_y=0.05,
                               random_state=SEED + n_classes + depth)
    X = f32(X)
    w = None
    if weighted:
        w = np.random.default_rng(SEED).uniform(0.5, 2.0, n_train).round(3)
    m = AdaBoostClassifier(estimator=DecisionTreeClassifier(max_depth=depth), n_estimators=50,
                           learning_rate=lr, random_state=0)
    m.fit(X[:n_train], y[:n_train], sample_weight=w)
    Xt = X[n_train:]
    d = m.decision_function(Xt)
    return {
        "name": name, "max_depth": depth, "learning_rate": lr,
        "x": X[:n_train].tolist(), "y": y[:n_train].tolist(),
        "sample_weight": None if w is None else w.tolist(),
        "x_test": Xt.tolist(),
        "n_trees": len(m.estimators_),
        "estimator_weights": m.estimator_weights_.tolist(),
        "estimator_errors": m.estimator_errors_.tolist(),
        "predict": m.predict(Xt).tolist(),
        "decision_function": (d[:, None] if d.ndim == 1 else d).tolist(),
        "predict_proba": m.predict_proba(Xt).tolist(),
        "feature_importances": m.feature_importances_.tolist(),
    }


def r2_case():
    X, y = make_friedman1(n_samples=800, n_features=6, noise=0.5, random_state=SEED)
    X = np.round(X, 4)
    Xtr, Xte, ytr, yte = X[:500], X[500:], y[:500], y[500:]
    out = {"x": Xtr.tolist(), "y": ytr.tolist(), "x_test": Xte.tolist(), "y_test": yte.tolist(),
           "losses": {}}
    for loss in ("linear", "square", "exponential"):
        r2s = [float(r2_score(yte, AdaBoostRegressor(n_estimators=50, loss=loss, random_state=s)
                              .fit(Xtr, ytr).predict(Xte))) for s in SEEDS]
        out["losses"][loss] = {"r2": r2s, "mean_r2": float(np.mean(r2s))}
    return out


def rus_case():
    X, y = make_classification(n_samples=1500, n_features=8, n_informative=4, n_redundant=2,
                               weights=[0.92, 0.08], flip_y=0.01, class_sep=0.9,
                               random_state=SEED)
    X = np.round(X, 3)
    Xtr, Xte, ytr, yte = X[:900], X[900:], y[:900], y[900:]
    aucs, baccs = [], []
    for s in SEEDS:
        m = RUSBoostClassifier(n_estimators=50, random_state=s).fit(Xtr, ytr)
        aucs.append(float(roc_auc_score(yte, m.predict_proba(Xte)[:, 1])))
        baccs.append(float(balanced_accuracy_score(yte, m.predict(Xte))))
    ada = AdaBoostClassifier(n_estimators=50, random_state=0).fit(Xtr, ytr)
    return {"x": Xtr.tolist(), "y": ytr.tolist(), "x_test": Xte.tolist(), "y_test": yte.tolist(),
            "auc": aucs, "mean_auc": float(np.mean(aucs)), "balanced_accuracy": baccs,
            "mean_balanced_accuracy": float(np.mean(baccs)),
            "adaboost_balanced_accuracy": float(balanced_accuracy_score(yte, ada.predict(Xte)))}


def main():
    out = {
        "versions": {"sklearn": sklearn.__version__, "imbalanced-learn": imblearn.__version__,
                     "numpy": np.__version__, "python": platform.python_version()},
        "seeds": SEEDS,
        "samme": [
            samme_case("binary_stumps", 2, 1, 1.0, False),
            samme_case("three_class_stumps", 3, 1, 1.0, False),
            samme_case("binary_depth2_lr05", 2, 2, 0.5, False),
            samme_case("binary_stumps_weighted", 2, 1, 1.0, True),
        ],
        "r2": r2_case(),
        "rusboost": rus_case(),
    }
    Path(__file__).with_name("expected.json").write_text(json.dumps(out) + "\n")
    for c in out["samme"]:
        print(c["name"], c["n_trees"])
    print({k: v["mean_r2"] for k, v in out["r2"]["losses"].items()})
    print(out["rusboost"]["mean_auc"], out["rusboost"]["mean_balanced_accuracy"],
          out["rusboost"]["adaboost_balanced_accuracy"])


if __name__ == "__main__":
    main()
