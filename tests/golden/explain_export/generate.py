"""Golden outputs of scikit-learn's export_graphviz and export_text.

Fits DecisionTreeClassifier/Regressor trees on seeded data (plain counts, sample weights that
make the class values fractional, many classes so that numpy wraps the value list, a regression
tree), dumps each tree's arrays (children, feature, threshold, impurity, samples, weighted
samples, value) and the text both exporters write for several option sets. Writes expected.json
next to this file; crates/satori-explain/tests/export_golden.rs loads the arrays into a FlatTree
and compares satori's export character for character. Run it with
tests/golden/regenerate.sh explain_export.
"""

import json
import platform
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import make_classification, make_regression
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor, export_graphviz, export_text

SEED = 1616


def tree_arrays(est):
    t = est.tree_
    return {
        "n_features": int(est.n_features_in_),
        "children_left": [int(v) for v in t.children_left],
        "children_right": [int(v) for v in t.children_right],
        "feature": [int(v) for v in t.feature],
        "threshold": [float(v) for v in t.threshold],
        "impurity": [float(v) for v in t.impurity],
        "n_node_samples": [int(v) for v in t.n_node_samples],
        "weighted_n_node_samples": [float(v) for v in t.weighted_n_node_samples],
        "value": [[float(v) for v in t.value[i][0]] for i in range(t.node_count)],
    }


def case(name, est, classifier, feature_names, class_names, options):
    out = {"name": name, "classifier": classifier, "criterion": est.criterion}
    out["tree"] = tree_arrays(est)
    out["feature_names"] = feature_names
    out["class_names"] = class_names
    dots = []
    for opt in options["dot"]:
        kw = dict(opt)
        if kw.pop("names", False):
            kw["feature_names"] = feature_names
            if classifier:
                kw["class_names"] = class_names
        dots.append({"options": opt, "text": export_graphviz(est, out_file=None, **kw)})
    out["dot"] = dots
    texts = []
    for opt in options["text"]:
        kw = dict(opt)
        if kw.pop("names", False):
            kw["feature_names"] = feature_names
            if classifier:
                kw["class_names"] = class_names
        texts.append({"options": opt, "text": export_text(est, **kw)})
    out["text"] = texts
    return out


def main():
    rng = np.random.RandomState(SEED)
    cases = []
    dot_opts = [
        {},
        {"names": True},
        {"names": True, "filled": True},
        {"names": True, "impurity": False, "precision": 2},
        {"names": True, "max_depth": 1, "filled": True},
    ]
    text_opts = [{}, {"names": True}, {"names": True, "max_depth": 1}, {"decimals": 3}]

    X, y = make_classification(n_samples=300, n_features=5, n_informative=3, n_redundant=0,
                               n_classes=3, n_clusters_per_class=1, random_state=SEED)
    X = np.round(X, 3).astype(np.float32).astype(np.float64)
    names = [f"f{i}" for i in range(5)]
    est = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, y)
    cases.append(case("classifier", est, True, names, ["setosa", "versicolor", "virginica"],
                      {"dot": dot_opts, "text": text_opts}))

    w = rng.uniform(0.25, 2.0, size=len(y))
    est = DecisionTreeClassifier(max_depth=3, criterion="entropy", random_state=0).fit(X, y, sample_weight=w)
    cases.append(case("weighted_entropy", est, True, names, ["a", "b", "c"],
                      {"dot": dot_opts, "text": text_opts}))

    Xm, ym = make_classification(n_samples=600, n_features=6, n_informative=5, n_redundant=0,
                                 n_classes=12, n_clusters_per_class=1, random_state=SEED + 1)
    Xm = np.round(Xm, 3).astype(np.float32).astype(np.float64)
    est = DecisionTreeClassifier(max_depth=2, random_state=0).fit(Xm, ym)
    cases.append(case("many_classes", est, True, [f"c{i}" for i in range(6)],
                      [f"class_{i}" for i in range(12)], {"dot": dot_opts, "text": text_opts}))

    Xr, yr = make_regression(n_samples=200, n_features=4, noise=5.0, random_state=SEED)
    Xr = np.round(Xr, 3).astype(np.float32).astype(np.float64)
    yr = yr * 37.5 + 1000.0
    est = DecisionTreeRegressor(max_depth=3, random_state=0).fit(Xr, yr)
    cases.append(case("regressor", est, False, ["age", "income", "height", "weight"], None,
                      {"dot": dot_opts, "text": text_opts}))

    est = DecisionTreeRegressor(max_depth=3, criterion="absolute_error", random_state=0).fit(Xr, yr / 1000.0)
    cases.append(case("regressor_mae", est, False, ["age", "income", "height", "weight"], None,
                      {"dot": dot_opts, "text": text_opts}))

    out = {
        "generator": "tests/golden/explain_export/generate.py",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "cases": cases,
    }
    Path(__file__).with_name("expected.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
