"""Sparse LIBSVM data end to end: `satori train data.svm --sparse --model logistic` against
scikit-learn's load_svmlight_file + LogisticRegression.

    bench/run.sh bench_libsvm_train [--rows N] [--features P] [--rounds R] [--no-build]

Data: a seeded synthetic LIBSVM file (bench/data/sparse_N_P.svm): N rows (default 200,000) of 30
distinct features out of P (default 100,000, drawn from a Zipf(1.05) law, so a few are common and
most are rare) with tf-idf-like positive values; the label is the sign of a sparse linear score
plus logistic noise. 100k columns × 200k rows would be 160 GB dense: both sides keep it sparse.
Each contender, in its own process, reads the file (untimed), then: a stratified 80/20 split,
LogisticRegression (L-BFGS, C=1, max_iter=100) on the sparse matrix, accuracy and ROC-AUC on the
20%. satori's side is the library call behind `satori train`
(crates/satori-workflow/examples/bench_text_train.rs, which reads `.svm` files sparse).
"""

from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGES = ["scikit-learn", "numpy", "scipy"]


def make_svm(path: str, rows: int, features: int) -> None:
    """Write the LIBSVM file (run in a subprocess: the harness stays small)."""
    import numpy as np

    rng = np.random.default_rng(2028)
    w = rng.normal(size=features) * (rng.uniform(size=features) < 0.2)
    p = 1.0 / np.arange(1, features + 1) ** 1.05
    p /= p.sum()
    cum = np.cumsum(p)
    with open(path, "w") as f:
        for _ in range(rows):
            idx = np.unique(np.minimum(np.searchsorted(cum, rng.uniform(size=40)), features - 1))[:30]
            vals = rng.uniform(0.1, 1.0, size=len(idx))
            vals /= np.sqrt((vals ** 2).sum())
            score = float((w[idx] * vals).sum()) * 4.0 + rng.logistic() * 0.5
            label = 1 if score > 0 else 0
            f.write(f"{label} " + " ".join(f"{i + 1}:{v:.5f}" for i, v in zip(idx, vals)) + "\n")


def sklearn_libsvm_train(path: str):
    """load_svmlight_file (untimed) + split + LogisticRegression on the CSR matrix."""
    from sklearn.datasets import load_svmlight_file
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, roc_auc_score
    from sklearn.model_selection import train_test_split

    x, y = load_svmlight_file(path)

    def fit():
        xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.2, stratify=y, random_state=0)
        model = LogisticRegression().fit(xtr, ytr)
        proba = model.predict_proba(xte)[:, 1]
        return model, accuracy_score(yte, model.predict(xte)), roc_auc_score(yte, proba)

    def report(result):
        model, acc, auc = result
        return {
            "accuracy": float(acc),
            "roc_auc": float(auc),
            "n_features": int(model.coef_.shape[1]),
            "n_iter": int(model.n_iter_[0]),
        }

    return fit, report


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_libsvm_train", description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=200_000, help="rows (default 200,000)")
    ap.add_argument("--features", type=int, default=100_000, help="features (default 100,000)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build the satori example")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    from bench_text_train import ensure_data, run_train_bench

    path = os.path.join(HERE, "data", f"sparse_{args.rows}_{args.features}.svm")
    ensure_data(path, "bench_libsvm_train", "make_svm", args.rows, args.features)
    return run_train_bench(
        "bench_libsvm_train",
        "Sparse LIBSVM data end to end (logistic regression)",
        path,
        "satori train --sparse (logistic)",
        ("scikit-learn load_svmlight_file + LogisticRegression", os.path.abspath(__file__),
         "sklearn_libsvm_train"),
        f"{args.rows:,} rows × {args.features:,} sparse features (30 per row); timed: split, "
        "logistic regression on the CSR matrix, holdout scoring; reading the file is not timed. "
        "Contenders alternate.",
        args.rounds,
        args.no_build,
        PACKAGES,
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
