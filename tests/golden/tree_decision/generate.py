"""Golden outputs of scikit-learn's DecisionTreeClassifier and DecisionTreeRegressor.

Seeded data whose features are float32-representable (scikit-learn grows trees on float32
copies of X, satori on f64: with float32-exact values the thresholds agree bit for bit), with
and without sample weights, missing values, ccp_alpha, max_leaf_nodes (best-first growth),
class weights, and the regression criteria squared_error, absolute_error and poisson. Each case
records the predictions on held-out rows, the class probabilities, the node/leaf counts, the
depth, the impurity importances, and for some cases the cost-complexity pruning path. Writes
expected.json next to this file; crates/satori-tree/tests/golden.rs reads it. Run it with
tests/golden/regenerate.sh tree_decision.
"""

import json
import platform
from pathlib import Path

import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

SEED = 20261


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def num(v):
    if np.isnan(v):
        return None
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return float(v)


def floats(a):
    return [num(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def matrix(a):
    return [floats(r) for r in np.asarray(a, dtype=np.float64)]


def sk_kwargs(params):
    kw = dict(params)
    kw["random_state"] = kw.pop("seed", 0)
    if kw.get("max_features") == "all":
        kw["max_features"] = None
    return kw


def with_nan(X, frac, rng):
    X = X.copy()
    X[rng.random(X.shape) < frac] = np.nan
    return X


def clf_data(n, p, k, seed, nan=0.0):
    X, y = make_classification(
        n_samples=n, n_features=p, n_informative=min(p, 4), n_redundant=0, n_classes=k,
        n_clusters_per_class=1, random_state=seed,
    )
    rng = np.random.default_rng(seed)
    X = f32(X)
    if nan:
        X = with_nan(X, nan, rng)
    return X, y


def reg_data(n, p, seed, nan=0.0):
    X, y = make_regression(n_samples=n, n_features=p, n_informative=min(p, 3), noise=5.0,
                           random_state=seed)
    rng = np.random.default_rng(seed)
    X = f32(X)
    if nan:
        X = with_nan(X, nan, rng)
    return X, y


def case(name, kind, params, X, y, w=None, path=False):
    n_train = int(len(y) * 0.75)
    Xtr, ytr, Xte = X[:n_train], y[:n_train], X[n_train:]
    wtr = None if w is None else w[:n_train]
    est = (DecisionTreeClassifier if kind == "classifier" else DecisionTreeRegressor)(
        **sk_kwargs(params)
    )
    est.fit(Xtr, ytr, sample_weight=wtr)
    t = est.tree_
    # No ties between candidate splits: scikit-learn's own tree must not depend on the order in
    # which it visits the features (its random_state), or the comparison would be a coin toss.
    for rs in range(1, 6):
        other = clone(est).set_params(random_state=rs).fit(Xtr, ytr, sample_weight=wtr).tree_
        tie_free = (other.node_count == t.node_count
                    and np.array_equal(other.threshold, t.threshold)
                    and np.array_equal(other.feature, t.feature))
        if not tie_free:
            raise SystemExit(f"{name}: the tree depends on random_state (ties); change the case")
    out = {
        "name": name,
        "kind": kind,
        "params": params,
        "x": matrix(Xtr),
        "y": [str(v) for v in ytr] if kind == "classifier" else floats(ytr),
        "weights": None if wtr is None else floats(wtr),
        "x_test": matrix(Xte),
        "predict": ([str(v) for v in est.predict(Xte)] if kind == "classifier"
                    else floats(est.predict(Xte))),
        "predict_train": ([str(v) for v in est.predict(Xtr)] if kind == "classifier"
                          else floats(est.predict(Xtr))),
        "node_count": int(t.node_count),
        "n_leaves": int(est.get_n_leaves()),
        "depth": int(est.get_depth()),
        "importances": floats(est.feature_importances_),
        "thresholds": floats(np.sort(t.threshold[t.children_left != -1])),
    }
    if kind == "classifier":
        out["classes"] = [str(c) for c in est.classes_]
        out["proba"] = matrix(est.predict_proba(Xte))
    if path:
        pp = est.cost_complexity_pruning_path(Xtr, ytr, sample_weight=wtr)
        out["path"] = {"ccp_alphas": floats(pp.ccp_alphas), "impurities": floats(pp.impurities)}
    return out


def main():
    rng = np.random.default_rng(SEED)
    cases = []
    X, y = clf_data(400, 6, 3, 1)
    cases.append(case("gini_depth4", "classifier",
                      {"max_depth": 4, "min_samples_leaf": 5}, X, y, path=True))
    cases.append(case("entropy_depth3", "classifier",
                      {"criterion": "entropy", "max_depth": 3, "min_samples_leaf": 5}, X, y))
    w = f32(rng.uniform(0.5, 3.0, len(y)))
    cases.append(case("entropy_weights", "classifier",
                      {"criterion": "entropy", "min_samples_leaf": 3}, X, y, w=w, path=True))
    X, y = clf_data(400, 5, 2, 2)
    w = f32(rng.uniform(0.5, 3.0, len(y)))
    cases.append(case("gini_weights", "classifier", {"min_samples_leaf": 4}, X, y, w=w))
    cases.append(case("gini_balanced", "classifier",
                      {"max_depth": 3, "class_weight": "balanced"}, X, y))
    X, y = clf_data(400, 5, 2, 3, nan=0.1)
    cases.append(case("gini_nan", "classifier", {"max_depth": 5, "min_samples_leaf": 5}, X, y))
    w = f32(rng.uniform(0.5, 3.0, len(y)))
    cases.append(case("gini_nan_weights", "classifier", {"min_samples_leaf": 5}, X, y, w=w))
    X, y = clf_data(400, 6, 3, 4)
    cases.append(case("gini_ccp", "classifier", {"ccp_alpha": 0.01, "min_samples_leaf": 2}, X, y,
                      path=True))
    cases.append(case("gini_max_leaf", "classifier", {"max_leaf_nodes": 10}, X, y))
    X, y = reg_data(300, 5, 5)
    cases.append(case("mse_leaf5", "regressor", {"min_samples_leaf": 5}, X, y, path=True))
    cases.append(case("mse_leaf_depth", "regressor", {"max_depth": 6, "min_samples_leaf": 4},
                      X, y))
    cases.append(case("mse_ccp", "regressor", {"ccp_alpha": 20.0, "min_samples_leaf": 2}, X, y))
    cases.append(case("mse_max_leaf", "regressor",
                      {"max_leaf_nodes": 15, "min_impurity_decrease": 1.0}, X, y))
    w = f32(rng.uniform(0.5, 2.0, len(y)))
    cases.append(case("mse_weights", "regressor", {"min_samples_leaf": 8}, X, y, w=w))
    X, y = reg_data(200, 4, 6)
    cases.append(case("mae", "regressor",
                      {"criterion": "absolute_error", "min_samples_leaf": 6}, X, y))
    X, y = reg_data(300, 5, 7, nan=0.1)
    cases.append(case("mse_nan", "regressor", {"min_samples_leaf": 6}, X, y))
    Xp, _ = reg_data(300, 4, 8)
    lam = np.exp(0.5 * Xp[:, 0] - 0.3 * Xp[:, 1])
    yp = rng.poisson(lam).astype(np.float64)
    cases.append(case("poisson", "regressor",
                      {"criterion": "poisson", "min_samples_leaf": 20}, Xp, yp))
    out = {
        "versions": {
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "seed": SEED,
        "cases": cases,
    }
    Path(__file__).with_name("expected.json").write_text(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
