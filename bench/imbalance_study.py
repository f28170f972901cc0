#!/usr/bin/env python3
"""What each imbalance approach does to PR-AUC and recall at a fixed precision.

Data: scikit-learn's bundled digits (no network), target "is a 9", the 9s subsampled so that
positives are about 3% of the rows; a seeded, stratified 70/30 train/test split. For each seed,
each approach trains the `satori` binary on the training file (`--holdout 0`), predicts the test
file (`satori predict --proba`, plus the hard labels the model's own threshold gives), and the
numbers come from scikit-learn on the test rows:

- PR-AUC: average precision of P(positive);
- recall at precision >= 0.9: the largest recall among the test PR curve's operating points whose
  precision is at least 0.9 (the threshold picked on the test rows: the best the ranking allows);
- precision, recall and F1 of the model's own hard labels (threshold 0.5, or the tuned one).

Usage: bench/imbalance_study.py [--satori target/debug/satori] [--seeds 0,1,2,3,4]
                                [--work /tmp/imbalance_study] [--out bench/results/imbalance_study.json]
Run it with the golden venv's python (tests/golden/setup-venv.sh prints its path).
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import (average_precision_score, f1_score, precision_recall_curve,
                             precision_score, recall_score)
from sklearn.model_selection import train_test_split

FIXED_PRECISION = 0.9
POS_FRACTION = 0.03

# (name, model, extra satori train arguments)
APPROACHES = [
    ("none", "gbm", []),
    ("class_weight=balanced", "gbm", ["--set", "model.class_weight=balanced"]),
    ("tune-threshold f1", "gbm", ["--tune-threshold", "f1"]),
    ("random_over_sampler", "gbm", ["--resample", "random_over_sampler"]),
    ("smote", "gbm", ["--resample", "smote"]),
    ("random_under_sampler", "gbm", ["--resample", "random_under_sampler"]),
    ("smote_tomek", "gbm", ["--resample", "smote_tomek"]),
    ("smote_enn", "gbm", ["--resample", "smote_enn"]),
    ("none", "logistic", []),
    ("class_weight=balanced", "logistic", ["--set", "model.class_weight=balanced"]),
    ("tune-threshold f1", "logistic", ["--tune-threshold", "f1"]),
    ("random_over_sampler", "logistic", ["--resample", "random_over_sampler"]),
    ("smote", "logistic", ["--resample", "smote"]),
    ("random_under_sampler", "logistic", ["--resample", "random_under_sampler"]),
    ("smote_tomek", "logistic", ["--resample", "smote_tomek"]),
    ("balanced_random_forest", "balanced_random_forest", []),
    ("rusboost", "rusboost_classifier", []),
    ("none", "forest", []),
]


def make_data(seed):
    d = load_digits()
    x, y = d.data, (d.target == 9).astype(int)
    rng = np.random.default_rng(seed)
    neg = np.flatnonzero(y == 0)
    pos = np.flatnonzero(y == 1)
    n_pos = int(round(POS_FRACTION / (1 - POS_FRACTION) * len(neg)))
    keep = np.sort(np.concatenate([neg, rng.choice(pos, n_pos, replace=False)]))
    x, y = x[keep], y[keep]
    return train_test_split(x, y, test_size=0.3, stratify=y, random_state=seed)


def write_csv(path, x, y):
    cols = [f"p{i}" for i in range(x.shape[1])]
    with open(path, "w") as f:
        f.write(",".join(cols + ["y"]) + "\n")
        for row, t in zip(x, y):
            f.write(",".join(str(int(v)) for v in row) + f",{'yes' if t else 'no'}\n")


def recall_at_precision(y, p, target):
    prec, rec, _ = precision_recall_curve(y, p)
    ok = prec >= target
    return float(rec[ok].max()) if ok.any() else 0.0


def scores(y, p, labels):
    return {
        "pr_auc": float(average_precision_score(y, p)),
        "recall_at_p90": recall_at_precision(y, p, FIXED_PRECISION),
        "precision": float(precision_score(y, labels, zero_division=0)),
        "recall": float(recall_score(y, labels)),
        "f1": float(f1_score(y, labels)),
    }


def run_satori(satori, work, train, test, model, extra, seed):
    out = os.path.join(work, "m.satori")
    preds = os.path.join(work, "p.csv")
    t0 = time.perf_counter()
    subprocess.run([satori, "train", train, "--target", "y", "--model", model, "--holdout", "0",
                    "--seed", str(seed), "-q", "--out", out] + extra,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    fit_s = time.perf_counter() - t0
    subprocess.run([satori, "predict", out, test, "--proba", "-q", "--out", preds],
                   check=True, stdout=subprocess.DEVNULL)
    with open(preds) as f:
        head = f.readline().strip().split(",")
        rows = [line.strip().split(",") for line in f if line.strip()]
    ip, iy = head.index("proba_yes"), head.index("prediction")
    p = np.array([float(r[ip]) for r in rows])
    labels = np.array([1 if r[iy] == "yes" else 0 for r in rows])
    return p, labels, fit_s


def reference_imblearn(xtr, ytr, xte, yte, seed):
    """imbalanced-learn / scikit-learn equivalents of a few rows, as a reference point."""
    from imblearn.over_sampling import SMOTE
    from imblearn.pipeline import make_pipeline
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    out = {}
    models = {
        "gbm": lambda: HistGradientBoostingClassifier(random_state=seed),
        "logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    }
    for fam, mk in models.items():
        for name, pipe in [("none", mk()),
                           ("smote", make_pipeline(StandardScaler(), SMOTE(random_state=seed), mk()))]:
            pipe.fit(xtr, ytr)
            p = pipe.predict_proba(xte)[:, 1]
            out[f"{fam}/{name}"] = scores(yte, p, (p >= 0.5).astype(int))
    from imblearn.ensemble import BalancedRandomForestClassifier, RUSBoostClassifier
    from imblearn.under_sampling import RandomUnderSampler
    for key, m in [
        ("gbm/random_under_sampler",
         make_pipeline(RandomUnderSampler(random_state=seed), models["gbm"]())),
        ("balanced_random_forest/balanced_random_forest",
         BalancedRandomForestClassifier(random_state=seed)),
        ("rusboost_classifier/rusboost", RUSBoostClassifier(random_state=seed)),
    ]:
        try:
            m.fit(xtr, ytr)
        except ValueError as e:  # RUSBoost: "worse than random, ensemble can not be fit"
            out[key] = {"error": str(e)}
            continue
        p = m.predict_proba(xte)[:, 1]
        out[key] = scores(yte, p, m.predict(xte))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--satori", default="target/debug/satori")
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument("--work", default="/tmp/imbalance_study")
    ap.add_argument("--out", default="bench/results/imbalance_study.json")
    ap.add_argument("--only", default="", help="comma-separated approach names (debugging)")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    os.makedirs(args.work, exist_ok=True)
    approaches = [a for a in APPROACHES
                  if not args.only or a[0] in args.only.split(",") or a[1] in args.only.split(",")]
    runs = []
    data = []
    for seed in seeds:
        xtr, xte, ytr, yte = make_data(seed)
        data.append({"seed": seed, "n_train": len(ytr), "pos_train": int(ytr.sum()),
                     "n_test": len(yte), "pos_test": int(yte.sum())})
        train = os.path.join(args.work, f"train_{seed}.csv")
        test = os.path.join(args.work, f"test_{seed}.csv")
        write_csv(train, xtr, ytr)
        write_csv(test, xte, yte)
        for name, model, extra in approaches:
            try:
                p, labels, fit_s = run_satori(args.satori, args.work, train, test, model, extra,
                                              seed)
                s = scores(yte, p, labels)
            except subprocess.CalledProcessError as e:
                # e.g. RUSBoost's first stump no better than chance: recorded, not averaged
                s = {"error": e.stderr.decode().strip()}
                fit_s = None
            s.update({"seed": seed, "approach": name, "model": model, "tool": "satori",
                      "args": extra, "fit_s": fit_s})
            runs.append(s)
            print(json.dumps(s), flush=True)
        for key, s in reference_imblearn(xtr, ytr, xte, yte, seed).items():
            fam, name = key.split("/")
            s.update({"seed": seed, "approach": name, "model": fam, "tool": "imbalanced-learn"})
            runs.append(s)
            print(json.dumps(s), flush=True)
    import imblearn
    import sklearn
    result = {
        "benchmark": "imbalance_study",
        "data": "sklearn load_digits, target = (digit == 9), 9s subsampled to "
                f"{POS_FRACTION:.0%} of rows; stratified 70/30 split, seeded",
        "fixed_precision": FIXED_PRECISION,
        "splits": data,
        "versions": {"scikit-learn": sklearn.__version__, "imbalanced-learn": imblearn.__version__,
                     "python": platform.python_version()},
        "runs": runs,
    }
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    # summary table
    keys = sorted({(r["tool"], r["model"], r["approach"]) for r in runs},
                  key=lambda k: [(r["tool"], r["model"], r["approach"]) for r in runs].index(k))
    print("| tool | model | approach | PR-AUC | recall @ P≥0.9 | precision | recall | F1 |")
    print("|---|---|---|---|---|---|---|---|")
    for k in keys:
        rs = [r for r in runs if (r["tool"], r["model"], r["approach"]) == k and "error" not in r]
        failed = sum(1 for r in runs if (r["tool"], r["model"], r["approach"]) == k) - len(rs)
        cells = []
        for m in ["pr_auc", "recall_at_p90", "precision", "recall", "f1"]:
            v = np.array([r[m] for r in rs])
            cells.append(f"{v.mean():.3f} ± {v.std():.3f}")
        note = f" ({failed} failed)" if failed else ""
        print(f"| {k[0]} | {k[1]} | {k[2]}{note} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
