"""Golden values for satori-metrics' imbalance metrics from imbalanced-learn 0.14.2 (seeded; run
with the pinned venv: tests/golden/setup-venv.sh).

Writes expected.json: for each label case (class codes 0..n_classes-1, optional sample weights)
imbalanced-learn's sensitivity/specificity (per class with labels=range(n_classes), and each
average), geometric mean (every average, two corrections, per class), index balanced accuracy
of the geometric mean (two alpha/squared settings, several averages) and the imbalanced
classification report as data and as text. An expected error is {"error": message}.
"""

import json
import math
import platform
import warnings

import imblearn
import numpy as np
import scipy
import sklearn
from imblearn import metrics as I

SEED = 20261207
rng = np.random.default_rng(SEED)


def enc(x):
    if isinstance(x, dict):
        return {str(k): enc(v) for k, v in x.items()}
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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn()
        except Exception as e:  # noqa: BLE001
            return {"error": f"{type(e).__name__}: {e}"}


def imbalanced(n, probs):
    return rng.choice(len(probs), size=n, p=probs)


def noisy(y, k, flip):
    y = y.copy()
    m = rng.random(len(y)) < flip
    y[m] = rng.integers(0, k, m.sum())
    return y


cases = []


def add(name, y_true, y_pred, k, weighted):
    w = rng.uniform(0.1, 3.0, len(y_true)).round(3) if weighted else None
    cases.append((f"{name}{'_weighted' if weighted else ''}", np.asarray(y_true),
                  np.asarray(y_pred), k, w))


for weighted in (False, True):
    yt = imbalanced(200, [0.9, 0.1])
    add("binary_imbalanced", yt, noisy(yt, 2, 0.3), 2, weighted)
    yt = imbalanced(60, [0.5, 0.5])
    add("binary_balanced", yt, noisy(yt, 2, 0.5), 2, weighted)
    yt = imbalanced(300, [0.7, 0.2, 0.08, 0.02])
    add("multiclass_4", yt, noisy(yt, 4, 0.4), 4, weighted)
    yt = imbalanced(150, [0.6, 0.3, 0.1])
    add("multiclass_3", yt, noisy(yt, 3, 0.6), 3, weighted)
add("binary_all_negative_pred", [0, 1, 0, 1, 1, 0], [0, 0, 0, 0, 0, 0], 2, False)
add("binary_only_negatives", [0, 0, 0, 0], [0, 0, 0, 0], 2, False)
add("binary_perfect", [0, 1, 1, 0, 1], [0, 1, 1, 0, 1], 2, False)
add("multiclass_missed_class", [0, 1, 2, 0, 1, 2, 2], [0, 1, 1, 0, 1, 0, 1], 3, False)
add("multiclass_absent_class", [0, 1, 3, 0, 1, 3], [0, 3, 3, 0, 1, 1], 4, False)
add("imblearn_doc", [0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], 3, False)

AVGS = ["binary", "micro", "macro", "weighted"]
out = []
for name, yt, yp, k, w in cases:
    c = {"name": name, "n_classes": k, "y_true": yt, "y_pred": yp, "sample_weight": w}
    labels = list(range(k))
    s, p, sup = I.sensitivity_specificity_support(yt, yp, labels=labels, average=None,
                                                  sample_weight=w)
    c["per_class"] = {"sensitivity": s, "specificity": p, "support": sup,
                      "geometric_mean": I.geometric_mean_score(yt, yp, labels=labels,
                                                               average=None, sample_weight=w),
                      "iba": I.make_index_balanced_accuracy(alpha=0.1, squared=True)(
                          I.geometric_mean_score)(yt, yp, labels=labels, average=None,
                                                  sample_weight=w)}
    c["sensitivity"] = {a: attempt(lambda a=a: I.sensitivity_score(yt, yp, average=a,
                                                                   sample_weight=w))
                        for a in AVGS}
    c["specificity"] = {a: attempt(lambda a=a: I.specificity_score(yt, yp, average=a,
                                                                   sample_weight=w))
                        for a in AVGS}
    c["geometric_mean"] = {a: attempt(lambda a=a: I.geometric_mean_score(yt, yp, average=a,
                                                                         sample_weight=w))
                           for a in AVGS + ["multiclass"]}
    c["geometric_mean_corrected"] = attempt(lambda: I.geometric_mean_score(
        yt, yp, average="multiclass", correction=0.001, sample_weight=w))
    iba = {}
    for alpha, squared in ((0.1, True), (0.5, False)):
        f = I.make_index_balanced_accuracy(alpha=alpha, squared=squared)(I.geometric_mean_score)
        for a in ["multiclass", "binary", "macro", "weighted"]:
            iba[f"{alpha}_{squared}_{a}"] = attempt(
                lambda a=a, f=f: f(yt, yp, average=a, sample_weight=w))
    c["iba"] = iba
    c["report"] = attempt(lambda: I.classification_report_imbalanced(
        yt, yp, sample_weight=w, output_dict=True))
    c["report_text_2"] = attempt(lambda: I.classification_report_imbalanced(
        yt, yp, sample_weight=w))
    c["report_text_4"] = attempt(lambda: I.classification_report_imbalanced(
        yt, yp, sample_weight=w, digits=4, alpha=0.3))
    c["report_alpha_0.3"] = attempt(lambda: I.classification_report_imbalanced(
        yt, yp, sample_weight=w, output_dict=True, alpha=0.3))
    out.append(c)

doc = {
    "versions": {"imbalanced-learn": imblearn.__version__, "scikit-learn": sklearn.__version__,
                 "numpy": np.__version__, "scipy": scipy.__version__,
                 "python": platform.python_version()},
    "seed": SEED,
    "cases": out,
}
with open(__file__.replace("generate.py", "expected.json"), "w") as f:
    json.dump(enc(doc), f, indent=1)
    f.write("\n")
