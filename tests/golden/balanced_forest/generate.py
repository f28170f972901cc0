"""Reference quality of imbalanced-learn 0.14.2's BalancedRandomForestClassifier, for a
statistical comparison: satori's random streams are not numpy's, so
crates/satori-tree/tests/balanced_forest.rs fits satori's balanced forest (same parameters:
imbalanced-learn's defaults sampling_strategy="all", replacement=True, bootstrap=False,
max_features="sqrt", 100 trees) on the same rows and compares the held-out ROC AUC averaged
over SEEDS within 0.005, and the mean balanced accuracy within 0.02.

Two imbalanced data sets:
- ``digits_9``: scikit-learn's bundled handwritten digits (real data, 1,797 rows, 64 pixel
  features with values 0..16), target "is a 9" (10 % positives); a stratified 60/40 split.
- ``synthetic_5pct``: make_classification with weights=[0.95, 0.05] (2,000 rows, 10 features,
  rounded to 3 decimals), a stratified 60/40 split.

Also recorded: a plain RandomForestClassifier's AUC and balanced accuracy on the same split, to
show what the balancing changes.
"""

import json
import platform
from pathlib import Path

import imblearn
import numpy as np
import sklearn
from imblearn.ensemble import BalancedRandomForestClassifier
from sklearn.datasets import load_digits, make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split

SEEDS = list(range(10))


def case(X, y):
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.4, stratify=y, random_state=0)
    out = {"x": Xtr.tolist(), "y": ytr.tolist(), "x_test": Xte.tolist(), "y_test": yte.tolist()}
    for name, make in [
        ("balanced_random_forest", lambda s: BalancedRandomForestClassifier(
            n_estimators=100, random_state=s)),
        ("random_forest", lambda s: RandomForestClassifier(n_estimators=100, random_state=s)),
    ]:
        aucs, baccs = [], []
        for s in SEEDS:
            m = make(s).fit(Xtr, ytr)
            aucs.append(float(roc_auc_score(yte, m.predict_proba(Xte)[:, 1])))
            baccs.append(float(balanced_accuracy_score(yte, m.predict(Xte))))
        out[name] = {"auc": aucs, "mean_auc": float(np.mean(aucs)),
                     "balanced_accuracy": baccs, "mean_balanced_accuracy": float(np.mean(baccs))}
    return out


def main():
    d = load_digits()
    X1 = d.data.astype(np.float64)
    y1 = (d.target == 9).astype(int)
    X2, y2 = make_classification(n_samples=2000, n_features=10, n_informative=4, n_redundant=2,
                                 weights=[0.95, 0.05], flip_y=0.01, class_sep=0.8,
                                 random_state=20261207)
    X2 = np.round(X2, 3)
    out = {
        "versions": {"imbalanced-learn": imblearn.__version__, "sklearn": sklearn.__version__,
                     "numpy": np.__version__, "python": platform.python_version()},
        "seeds": SEEDS,
        "cases": {"digits_9": case(X1, y1), "synthetic_5pct": case(X2, y2)},
    }
    Path(__file__).with_name("expected.json").write_text(json.dumps(out) + "\n")
    for k, v in out["cases"].items():
        print(k, {m: (v[m]["mean_auc"], v[m]["mean_balanced_accuracy"])
                  for m in ("balanced_random_forest", "random_forest")}, sum(v["y"]), len(v["y"]))


if __name__ == "__main__":
    main()
