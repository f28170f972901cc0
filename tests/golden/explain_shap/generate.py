"""Golden SHAP values of the `shap` package and LightGBM for the same trees and linear models.

- `sklearn`: a DecisionTreeRegressor, a RandomForestRegressor (10 trees) and a three-class
  DecisionTreeClassifier fitted by scikit-learn on data with missing values (scikit-learn learns
  where they go), exported node by node (feature, threshold, children, the child missing values
  go to, weighted cover, values) and explained by shap's TreeExplainer on the same trees given as
  its dictionary model: path-dependent SHAP values, SHAP interaction values, and interventional
  SHAP values against a background set. Data values lie on a grid of 1/8 so that every threshold
  (a midpoint) is exact in float32 and float64.
- `lightgbm`: a binary LightGBM model with a categorical column and missing values, exported
  from `dump_model()` (categorical splits as category lists, `default_left`, covers = the
  row counts LightGBM's own TreeSHAP uses) with `predict(pred_contrib=True)` — LightGBM's
  TreeSHAP in the margin — for rows with missing values and unseen categories.
- `linear`: shap's LinearExplainer (interventional, background mean) for a LogisticRegression
  (binary margin) and a LinearRegression.
- `kernel`: shap's KernelExplainer on the random forest's prediction function (eight columns)
  with a background of 20 rows at a stated number of evaluations, its mean absolute error
  against the exact interventional values (shap's TreeExplainer with the same background), so
  that the Rust test can check that satori's KernelSHAP is no less accurate at the same budget.

Writes expected.json next to this file; crates/satori-explain/src/shap/golden.rs reads it. Run
it with tests/golden/regenerate.sh explain_shap.
"""

import json
import platform
from pathlib import Path

import lightgbm
import numpy as np
import shap
import sklearn
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

SEED = 1607
rng = np.random.default_rng(SEED)


def rows(a):
    return [[None if np.isnan(v) else float(v) for v in r] for r in np.asarray(a, dtype=np.float64)]


def grid_data(n, m, nan_fraction):
    x = rng.integers(-16, 17, size=(n, m)).astype(np.float64) / 8.0
    if nan_fraction > 0:
        mask = rng.random((n, m)) < nan_fraction
        x[mask] = np.nan
    return x


def export_sklearn(est, scale=1.0, normalize=False):
    t = est.tree_
    values = t.value.reshape(t.value.shape[0], t.value.shape[1] * t.value.shape[2])
    if normalize:
        values = values / values.sum(1, keepdims=True)
    values = values * scale
    missing_left = getattr(t, "missing_go_to_left", np.zeros(t.node_count, dtype=np.uint8))
    default = np.where(missing_left.astype(bool), t.children_left, t.children_right)
    default = np.where(t.children_left < 0, -1, default)
    return {
        "children_left": t.children_left.astype(np.int32),
        "children_right": t.children_right.astype(np.int32),
        "children_default": default.astype(np.int32),
        "features": np.where(t.children_left < 0, -2, t.feature).astype(np.int32),
        "thresholds": np.where(t.children_left < 0, 0.0, t.threshold).astype(np.float64),
        "values": values.astype(np.float64),
        "node_sample_weight": t.weighted_n_node_samples.astype(np.float64),
    }


def tree_json(d):
    return {
        "left": d["children_left"].tolist(),
        "right": d["children_right"].tolist(),
        "default": d["children_default"].tolist(),
        "feature": d["features"].tolist(),
        # scikit-learn writes +inf where every non-missing value goes left; JSON has no inf, and
        # any finite bound above the data routes the same.
        "threshold": np.clip(d["thresholds"], -1e300, 1e300).tolist(),
        "value": d["values"].tolist(),
        "cover": d["node_sample_weight"].tolist(),
    }


def per_output(a, k):
    """shap's values as (n, m, k) (or (n, m, m, k)), whatever layout this version returns."""
    if isinstance(a, list):
        return np.stack(a, axis=-1)
    a = np.asarray(a)
    if k == 1 and a.ndim in (2, 3) and a.shape[-1] != 1:
        return a[..., None]
    return a


def sklearn_case(name, trees, x, bg, k):
    # Exported before shap sees the trees: given background data, shap's TreeExplainer rewrites
    # the dictionary's node_sample_weight in place with the background's coverage, and the
    # path-dependent values must be compared on the training covers they were computed from.
    exported = [tree_json(t) for t in trees]
    model = {"trees": [{key: np.array(v, copy=True) for key, v in t.items()} for t in trees]}
    path = shap.TreeExplainer(model)
    values = per_output(path.shap_values(x), k)
    inter = per_output(path.shap_interaction_values(x), k)
    base = np.atleast_1d(path.expected_value).astype(float)
    model = {"trees": [{key: np.array(v, copy=True) for key, v in t.items()} for t in trees]}
    interv = shap.TreeExplainer(model, data=bg, feature_perturbation="interventional")
    ivalues = per_output(interv.shap_values(x), k)
    ibase = np.atleast_1d(interv.expected_value).astype(float)
    return {
        "name": name,
        "n_outputs": k,
        "trees": exported,
        "x": rows(x),
        "background": rows(bg),
        "values": values.tolist(),
        "interactions": inter.tolist(),
        "base": base.tolist(),
        "interventional_values": ivalues.tolist(),
        "interventional_base": ibase.tolist(),
    }


def sklearn_cases():
    m = 5
    x = grid_data(400, m, 0.1)
    y = np.nan_to_num(x[:, 0]) * 2 - np.nan_to_num(x[:, 1]) + np.nan_to_num(x[:, 2]) * np.nan_to_num(x[:, 3])
    y = y + rng.normal(0, 0.1, size=len(y))
    test = grid_data(25, m, 0.2)
    bg = grid_data(15, m, 0.1)
    cases = []
    dt = DecisionTreeRegressor(max_depth=6, random_state=0).fit(x, y)
    cases.append(sklearn_case("decision_tree", [export_sklearn(dt)], test, bg, 1))
    rf = RandomForestRegressor(n_estimators=10, max_depth=5, random_state=0).fit(x, y)
    trees = [export_sklearn(e, scale=1.0 / len(rf.estimators_)) for e in rf.estimators_]
    cases.append(sklearn_case("random_forest", trees, test, bg, 1))
    yc = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
    dc = DecisionTreeClassifier(max_depth=5, random_state=0).fit(x, yc)
    cases.append(sklearn_case("classifier", [export_sklearn(dc, normalize=True)], test, bg, 3))
    return cases


def lgb_tree(info):
    """A LightGBM tree as flat arrays: internal and leaf nodes numbered parents first."""
    nodes = []

    def walk(n):
        i = len(nodes)
        nodes.append(None)
        if "leaf_index" in n or "split_index" not in n:
            nodes[i] = {"leaf": True, "value": n["leaf_value"], "cover": float(n.get("leaf_count", 0))}
            return i
        entry = {
            "leaf": False,
            "feature": n["split_feature"],
            "default_left": bool(n["default_left"]),
            "missing_type": n["missing_type"],
            "cover": float(n["internal_count"]),
            "value": n.get("internal_value", 0.0),
        }
        if n["decision_type"] == "==":
            entry["categories"] = [int(c) for c in str(n["threshold"]).split("||")]
        else:
            entry["threshold"] = float(n["threshold"])
        nodes[i] = entry
        entry["left"] = walk(n["left_child"])
        entry["right"] = walk(n["right_child"])
        return i

    walk(info["tree_structure"])
    return nodes


def lightgbm_case():
    n, m = 1500, 4
    x = grid_data(n, m, 0.0)
    x[:, 0] = rng.integers(0, 6, size=n)  # categorical codes
    x[rng.random(n) < 0.15, 1] = np.nan  # missing values LightGBM learns a direction for
    score = np.where(np.isin(x[:, 0], [1, 4]), 1.0, -0.5) + np.nan_to_num(x[:, 1], nan=1.5) - x[:, 2] * x[:, 3]
    y = (score + rng.normal(0, 0.5, size=n) > 0).astype(int)
    data = lightgbm.Dataset(x, y, categorical_feature=[0], free_raw_data=False)
    params = dict(objective="binary", num_leaves=15, learning_rate=0.2, min_data_in_leaf=10,
                  min_data_per_group=5, cat_smooth=1.0, verbose=-1, seed=SEED, deterministic=True,
                  num_threads=1)
    booster = lightgbm.train(params, data, num_boost_round=20)
    test = grid_data(30, m, 0.0)
    test[:, 0] = rng.integers(0, 7, size=30)  # 6 was never seen: it goes right
    test[rng.random(30) < 0.3, 1] = np.nan
    contrib = booster.predict(test, pred_contrib=True)
    raw = booster.predict(test, raw_score=True)
    dump = booster.dump_model()
    return {
        "trees": [lgb_tree(t) for t in dump["tree_info"]],
        "x": rows(test),
        "contrib": contrib.tolist(),
        "raw": raw.tolist(),
    }


def linear_case():
    m = 6
    x = rng.normal(size=(300, m))
    w = rng.normal(size=m)
    y = x @ w + rng.normal(0, 0.3, size=300)
    bg = x[:100]
    test = rng.normal(size=(20, m))
    lin = LinearRegression().fit(x, y)
    lin_values = shap.LinearExplainer(lin, bg).shap_values(test)
    logit = LogisticRegression().fit(x, (y > 0).astype(int))
    logit_ex = shap.LinearExplainer(logit, bg)
    log_values = logit_ex.shap_values(test)
    return {
        "x": rows(test),
        "background": rows(bg),
        "linear": {"coef": lin.coef_.tolist(), "intercept": float(lin.intercept_),
                   "values": np.asarray(lin_values).tolist(),
                   "base": float(np.atleast_1d(shap.LinearExplainer(lin, bg).expected_value)[0])},
        "logistic": {"coef": logit.coef_[0].tolist(), "intercept": float(logit.intercept_[0]),
                     "values": np.asarray(log_values).tolist(),
                     "base": float(np.atleast_1d(logit_ex.expected_value)[0])},
    }


def kernel_case():
    m = 8
    x = grid_data(500, m, 0.0)
    y = x[:, 0] * 2 - x[:, 1] + x[:, 2] * x[:, 3] + np.sin(x[:, 4]) + 0.5 * x[:, 5] * x[:, 6]
    rf = RandomForestRegressor(n_estimators=8, max_depth=6, random_state=1).fit(x, y)
    trees = [export_sklearn(e, scale=1.0 / len(rf.estimators_)) for e in rf.estimators_]
    bg = x[:20]
    test = grid_data(10, m, 0.0)
    exact = per_output(
        shap.TreeExplainer({"trees": trees}, data=bg, feature_perturbation="interventional").shap_values(test), 1
    )[..., 0]
    nsamples = 100
    errors = []
    for rep in range(5):
        np.random.seed(rep)
        ke = shap.KernelExplainer(rf.predict, bg)
        est = ke.shap_values(test, nsamples=nsamples, silent=True, l1_reg=False)
        errors.append(float(np.mean(np.abs(np.asarray(est) - exact))))
    return {
        "trees": [tree_json(t) for t in trees],
        "x": rows(test),
        "background": rows(bg),
        "exact": exact.tolist(),
        "nsamples": nsamples,
        "shap_mean_abs_error": float(np.mean(errors)),
        "shap_errors": errors,
    }


def main():
    out = {
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
            "lightgbm": lightgbm.__version__,
            "shap": shap.__version__,
        },
        "sklearn": sklearn_cases(),
        "lightgbm": lightgbm_case(),
        "linear": linear_case(),
        "kernel": kernel_case(),
    }
    path = Path(__file__).with_name("expected.json")
    path.write_text(json.dumps(out, allow_nan=False) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
