"""Golden values for satori-metrics from scikit-learn (seeded; run with the pinned venv).

Writes expected.json: for each case the inputs and every metric's value, curve or expected
error. Labels are class codes 0..n_classes-1. Conventions mirrored by satori (see the crate
docs): scalar label metrics use scikit-learn's default label set (classes present in y_true or
y_pred); per-class outputs, confusion matrices, log loss, Brier and top-k use
labels=range(n_classes). NaN and infinities are written as the strings "nan", "inf", "-inf".
"""

import json
import math
import platform
import warnings

import numpy as np
import scipy
import sklearn
from sklearn import metrics as M

SEED = 20261129
rng = np.random.default_rng(SEED)


def enc(x):
    """JSON-safe floats (NaN/inf as strings), recursively."""
    if isinstance(x, dict):
        return {k: enc(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [enc(v) for v in x]
    if isinstance(x, np.ndarray):
        return enc(x.tolist())
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    return x


def attempt(fn):
    """The value, or {"error": message} when scikit-learn raises or warns that it is undefined."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            v = fn()
        except Exception as e:  # noqa: BLE001
            return {"error": f"{type(e).__name__}: {e}"}
    undefined = [w for w in caught if "UndefinedMetricWarning" in type(w.message).__name__
                 or "not defined" in str(w.message) or "not well-defined" in str(w.message)]
    if undefined and isinstance(v, float) and math.isnan(v):
        return {"error": f"undefined: {undefined[0].message}"}
    return v


ZD = {"warn": "warn", "zero": 0, "one": 1, "nan": np.nan}


def label_case(name, y_true, y_pred, n_classes, w=None):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    labels = list(range(n_classes))
    res = []

    def rec(metric, value, **params):
        res.append({"metric": metric, **params, "value": value})

    rec("accuracy", attempt(lambda: M.accuracy_score(y_true, y_pred, sample_weight=w)))
    for adj in (False, True):
        rec("balanced_accuracy", attempt(lambda: M.balanced_accuracy_score(
            y_true, y_pred, sample_weight=w, adjusted=adj)), adjusted=adj)
    present = np.union1d(y_true, y_pred)
    averages = ["micro", "macro", "weighted"]
    if len(present) <= 2:
        averages += [f"binary{p}" for p in range(n_classes)]
    for beta in (1.0, 0.5, 2.0):
        for avg in averages:
            for zd in ZD:
                kw = dict(beta=beta, sample_weight=w, zero_division=ZD[zd])
                if avg.startswith("binary"):
                    kw.update(average="binary", pos_label=int(avg[6:]))
                else:
                    kw.update(average=avg)
                v = attempt(lambda: M.precision_recall_fscore_support(y_true, y_pred, **kw)[:3])
                rec("prf", v, beta=beta, average=avg, zero_division=zd)
        for zd in ZD:
            v = attempt(lambda: [a.tolist() for a in M.precision_recall_fscore_support(
                y_true, y_pred, beta=beta, labels=labels, average=None, sample_weight=w,
                zero_division=ZD[zd])])
            rec("prf_per_class", v, beta=beta, zero_division=zd)
    rec("mcc", attempt(lambda: M.matthews_corrcoef(y_true, y_pred, sample_weight=w)))
    for kw in (None, "linear", "quadratic"):
        rec("cohen_kappa", attempt(lambda: M.cohen_kappa_score(
            y_true, y_pred, weights=kw, sample_weight=w)), weights=kw or "unweighted")
    for norm in (None, "true", "pred", "all"):
        rec("confusion_matrix", attempt(lambda: M.confusion_matrix(
            y_true, y_pred, labels=labels, sample_weight=w, normalize=norm).astype(float)),
            normalize=norm or "none")
    for zd in ZD:
        rep = attempt(lambda: M.classification_report(
            y_true, y_pred, sample_weight=w, output_dict=True, zero_division=ZD[zd]))
        rec("classification_report", rep, zero_division=zd)
    return {"name": name, "n_classes": n_classes, "y_true": y_true, "y_pred": y_pred,
            "sample_weight": w, "results": res}


def binary_score_case(name, y_true, y_score, w=None):
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, dtype=float)
    res = []

    def rec(metric, value, **params):
        res.append({"metric": metric, **params, "value": value})

    for pos in (0, 1):
        for drop in (True, False):
            rec("roc_curve", attempt(lambda: list(M.roc_curve(
                y_true, y_score, pos_label=pos, sample_weight=w, drop_intermediate=drop))),
                pos_label=pos, drop_intermediate=drop)
            rec("pr_curve", attempt(lambda: list(M.precision_recall_curve(
                y_true, y_score, pos_label=pos, sample_weight=w, drop_intermediate=drop))),
                pos_label=pos, drop_intermediate=drop)
        yt = (y_true == pos).astype(int)
        rec("roc_auc", attempt(lambda: M.roc_auc_score(yt, y_score, sample_weight=w)),
            pos_label=pos)
        rec("average_precision", attempt(lambda: M.average_precision_score(
            y_true, y_score, pos_label=pos, sample_weight=w)), pos_label=pos)
    return {"name": name, "y_true": y_true, "y_score": y_score, "sample_weight": w,
            "results": res}


def proba_case(name, y_true, proba, w=None):
    y_true = np.asarray(y_true)
    k = proba.shape[1]
    labels = list(range(k))
    res = []

    def rec(metric, value, **params):
        res.append({"metric": metric, **params, "value": value})

    rec("log_loss", attempt(lambda: M.log_loss(y_true, proba, sample_weight=w, labels=labels)))
    rec("brier_score", attempt(lambda: M.brier_score_loss(
        y_true, proba, sample_weight=w, labels=labels)))
    for kk in (1, 2, 3):
        rec("top_k_accuracy", attempt(lambda: M.top_k_accuracy_score(
            y_true, proba, k=kk, sample_weight=w, labels=labels)), k=kk)
    for avg in ("macro", "weighted", "micro"):
        rec("roc_auc_ovr", attempt(lambda: M.roc_auc_score(
            y_true, proba, multi_class="ovr", average=avg, sample_weight=w)), average=avg)
        rec("average_precision_multiclass", attempt(lambda: M.average_precision_score(
            y_true, proba, average=avg, sample_weight=w)), average=avg)
    rec("roc_auc_ovr_per_class", attempt(lambda: M.roc_auc_score(
        y_true, proba, multi_class="ovr", average=None, sample_weight=w)))
    if w is None:
        for avg in ("macro", "weighted"):
            rec("roc_auc_ovo", attempt(lambda: M.roc_auc_score(
                y_true, proba, multi_class="ovo", average=avg)), average=avg)
    return {"name": name, "y_true": y_true, "y_proba": proba, "sample_weight": w,
            "results": res}


def binary_proba_case(name, y_true, p, w=None):
    y_true = np.asarray(y_true)
    res = []

    def rec(metric, value, **params):
        res.append({"metric": metric, **params, "value": value})

    rec("log_loss_binary", attempt(lambda: M.log_loss(y_true, p, sample_weight=w, labels=[0, 1])))
    for pos in (0, 1):
        rec("brier_score_binary", attempt(lambda: M.brier_score_loss(
            y_true, p, sample_weight=w, pos_label=pos)), pos_label=pos)
    return {"name": name, "y_true": y_true, "y_prob": p, "sample_weight": w, "results": res}


def regression_case(name, y_true, y_pred, w=None):
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    res = []

    def rec(metric, value, **params):
        res.append({"metric": metric, **params, "value": value})

    kw = dict(sample_weight=w)
    rec("mse", attempt(lambda: M.mean_squared_error(y_true, y_pred, **kw)))
    rec("rmse", attempt(lambda: M.root_mean_squared_error(y_true, y_pred, **kw)))
    rec("mae", attempt(lambda: M.mean_absolute_error(y_true, y_pred, **kw)))
    rec("medae", attempt(lambda: M.median_absolute_error(y_true, y_pred, **kw)))
    rec("mape", attempt(lambda: M.mean_absolute_percentage_error(y_true, y_pred, **kw)))
    rec("r2", attempt(lambda: M.r2_score(y_true, y_pred, **kw)))
    rec("explained_variance", attempt(lambda: M.explained_variance_score(y_true, y_pred, **kw)))
    if w is None:
        rec("max_error", attempt(lambda: M.max_error(y_true, y_pred)))
    for power in (-1.0, 0.0, 1.0, 1.5, 2.0, 3.0):
        rec("tweedie", attempt(lambda: M.mean_tweedie_deviance(
            y_true, y_pred, power=power, **kw)), power=power)
    return {"name": name, "y_true": y_true, "y_pred": y_pred, "sample_weight": w, "results": res}


def weights(n, zeros=0):
    w = rng.uniform(0.1, 3.0, size=n).round(3)
    if zeros:
        w[rng.choice(n, size=zeros, replace=False)] = 0.0
    return w


def noisy_labels(y, k, flip):
    y = y.copy()
    m = rng.random(len(y)) < flip
    y[m] = rng.integers(0, k, size=m.sum())
    return y


def main():
    label_cases = []
    y = rng.integers(0, 2, size=40)
    label_cases.append(label_case("binary", y, noisy_labels(y, 2, 0.4), 2))
    label_cases.append(label_case("binary_weighted", y, noisy_labels(y, 2, 0.4), 2, weights(40, 3)))
    y = rng.integers(0, 4, size=60)
    p = noisy_labels(y, 3, 0.5)  # class 3 never predicted
    label_cases.append(label_case("multiclass_unpredicted_class", y, p, 4))
    label_cases.append(label_case("multiclass_weighted", y, p, 4, weights(60, 5)))
    y = rng.integers(0, 4, size=30)  # class 4 of 5 absent everywhere
    label_cases.append(label_case("multiclass_absent_class", y, noisy_labels(y, 4, 0.3), 5))
    y = rng.integers(0, 12, size=150)  # more than 8 classes (pairwise blocks)
    label_cases.append(label_case("many_classes", y, noisy_labels(y, 12, 0.5), 12,
                                  weights(150)))
    label_cases.append(label_case("no_positive_true", [0] * 6, [0, 1, 0, 0, 1, 0], 2))
    label_cases.append(label_case("single_class_all", [1] * 5, [1] * 5, 2))
    label_cases.append(label_case("perfect", [0, 1, 2, 1, 0], [0, 1, 2, 1, 0], 3))

    score_cases = []
    n = 50
    y = rng.integers(0, 2, size=n)
    s = (rng.normal(size=n) + y).round(1)  # many ties
    score_cases.append(binary_score_case("ties", y, s))
    score_cases.append(binary_score_case("ties_weighted", y, s, weights(n, 4)))
    s2 = rng.normal(size=200) + rng.integers(0, 2, size=200) * 0.7
    y2 = (rng.random(200) < 1 / (1 + np.exp(-s2))).astype(int)
    score_cases.append(binary_score_case("distinct", y2, s2))
    score_cases.append(binary_score_case("all_tied", [0, 1, 1, 0, 1], [0.5] * 5))
    score_cases.append(binary_score_case("single_class", [1, 1, 1, 1], [0.1, 0.4, 0.4, 0.9]))
    score_cases.append(binary_score_case("signed_zero", [0, 1, 0, 1, 1, 0],
                                         [0.0, -0.0, 0.3, -0.0, 0.3, -1.0]))

    proba_cases = []
    for k, nn in ((3, 60), (4, 80)):
        y = rng.integers(0, k, size=nn)
        logits = rng.normal(size=(nn, k)) + np.eye(k)[y] * 1.2
        pr = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        pr = pr.round(2)
        pr[:, -1] = 1.0 - pr[:, :-1].sum(axis=1)
        pr = np.clip(pr, 0.0, 1.0)
        pr[0] = np.eye(k)[y[0]]  # a certain, correct row
        pr[1] = np.eye(k)[(y[1] + 1) % k]  # a certain, wrong row: clipping
        proba_cases.append(proba_case(f"proba_k{k}", y, pr))
        proba_cases.append(proba_case(f"proba_k{k}_weighted", y, pr, weights(nn, 3)))
    y = np.array([0, 1, 0, 1, 0, 1])  # class 2 absent from y_true
    pr = np.array([[0.5, 0.3, 0.2], [0.2, 0.5, 0.3], [0.4, 0.4, 0.2], [0.1, 0.8, 0.1],
                   [0.6, 0.2, 0.2], [0.3, 0.3, 0.4]])
    proba_cases.append(proba_case("proba_absent_class", y, pr))

    binary_proba_cases = []
    y = rng.integers(0, 2, size=40)
    p = rng.random(40).round(2)
    p[:3] = [0.0, 1.0, 1.0]
    binary_proba_cases.append(binary_proba_case("binary_proba", y, p))
    binary_proba_cases.append(binary_proba_case("binary_proba_weighted", y, p, weights(40)))
    binary_proba_cases.append(binary_proba_case("binary_proba_one_class", [1, 1, 1], [0.2, 0.9, 1.0]))

    regression_cases = []
    t = rng.gamma(2.0, 2.0, size=41)
    pp = t + rng.normal(scale=1.0, size=41)
    pp = np.abs(pp) + 0.05
    regression_cases.append(regression_case("positive", t, pp))
    regression_cases.append(regression_case("positive_weighted", t, pp, weights(41, 2)))
    t2 = rng.normal(size=30)
    t2[:3] = 0.0
    regression_cases.append(regression_case("signed_with_zeros", t2, t2 + rng.normal(size=30)))
    regression_cases.append(regression_case("even_weighted_median", [1.0, 2.0, 3.0, 4.0],
                                            [1.5, 2.0, 4.0, 6.0], np.array([1.0, 1.0, 1.0, 1.0])))
    regression_cases.append(regression_case("constant_truth", [2.0] * 5, [2.0, 2.5, 2.0, 1.0, 2.0]))
    regression_cases.append(regression_case("constant_perfect", [2.0] * 5, [2.0] * 5))
    regression_cases.append(regression_case("one_sample", [1.0], [2.0]))
    regression_cases.append(regression_case("zero_truth_poisson", [0.0, 1.0, 3.0, 0.0],
                                            [0.5, 1.0, 2.0, 0.1]))

    out = {
        "generator": "tests/golden/metrics/generate.py",
        "seed": SEED,
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "scipy": scipy.__version__, "scikit-learn": sklearn.__version__},
        "label_cases": label_cases,
        "score_cases": score_cases,
        "proba_cases": proba_cases,
        "binary_proba_cases": binary_proba_cases,
        "regression_cases": regression_cases,
    }
    with open("expected.json", "w") as f:
        json.dump(enc(out), f, indent=1, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
