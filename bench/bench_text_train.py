"""Text classification end to end: `satori train` with a free-text column against scikit-learn's
ColumnTransformer(TfidfVectorizer, StandardScaler) + LogisticRegression.

    bench/run.sh bench_text_train [--docs N] [--rounds R] [--no-build]

Data: a seeded synthetic review set (bench/data/reviews_N.csv): N rows (default 100,000) with a
`review` of 20-120 words drawn from a Zipf(1.1) law over a 30,000-word made-up vocabulary, into
which 0-3 words of a 40-word "positive" or "negative" list are mixed; a numeric column `score`
(weakly informative) and the `label` (pos/neg, 15% flipped). Each contender, in its own process,
reads the file (untimed), then: a stratified 80/20 split, TF-IDF of `review` with scikit-learn's
defaults, standard scaling of `score`, LogisticRegression (lbfgs, C=1, max_iter=100) on the sparse
matrix, accuracy and ROC-AUC on the 20%. satori's side is the whole `satori train` flow
(crates/satori-workflow/examples/bench_text_train.rs): the same steps chosen automatically.
The two splits differ (both seeded, stratified), so the scores agree to sampling noise only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGES = ["scikit-learn", "numpy", "scipy", "pandas"]


def make_reviews(path: str, docs: int) -> None:
    """Write the review CSV (run in a subprocess: the harness stays small)."""
    import numpy as np

    rng = np.random.default_rng(2027)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocab = ["".join(rng.choice(letters, size=rng.integers(3, 10))) for _ in range(30_000)]
    pos = vocab[:20]
    neg = vocab[20:40]
    weights = 1.0 / np.arange(1, len(vocab) + 1) ** 1.1
    weights[:40] = 0.0
    weights /= weights.sum()
    cum = np.cumsum(weights)
    lengths = rng.integers(20, 121, size=docs)
    words = np.minimum(np.searchsorted(cum, rng.uniform(size=int(lengths.sum()))), len(vocab) - 1)
    labels = rng.integers(0, 2, size=docs)
    with open(path, "w", encoding="utf-8") as f:
        f.write("review,score,label\n")
        start = 0
        for i, n in enumerate(lengths):
            doc = [vocab[w] for w in words[start:start + n]]
            start += n
            pool = pos if labels[i] == 1 else neg
            for _ in range(rng.integers(0, 4)):
                doc.insert(int(rng.integers(0, len(doc) + 1)), pool[int(rng.integers(0, 20))])
            label = labels[i] if rng.uniform() > 0.15 else 1 - labels[i]
            score = rng.normal() + 0.3 * label
            f.write(f"{' '.join(doc)},{score:.4f},{'pos' if label else 'neg'}\n")


def sklearn_text_train(path: str):
    """pandas + ColumnTransformer(TfidfVectorizer, StandardScaler) + LogisticRegression."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    df = pd.read_csv(path, keep_default_na=False)

    def fit():
        x = df[["review", "score"]]
        y = df["label"]
        xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.2, stratify=y, random_state=0)
        pre = ColumnTransformer([("text", TfidfVectorizer(), "review"), ("num", StandardScaler(), ["score"])])
        model = make_pipeline(pre, LogisticRegression())
        model.fit(xtr, ytr)
        proba = model.predict_proba(xte)[:, 1]
        pred = model.predict(xte)
        return model, accuracy_score(yte, pred), roc_auc_score(yte == "pos", proba)

    def report(result):
        model, acc, auc = result
        return {
            "accuracy": float(acc),
            "roc_auc": float(auc),
            "n_features": int(model[-1].coef_.shape[1]),
            "n_iter": int(model[-1].n_iter_[0]),
        }

    return fit, report


def ensure_data(path: str, module: str, maker: str, *args) -> None:
    """Write `path` with `module.maker(path, *args)` in a subprocess if it does not exist."""
    if os.path.exists(path):
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    code = (
        f"import sys; sys.path.insert(0, {HERE!r}); import {module} as b; "
        f"b.{maker}({path!r}, {', '.join(repr(a) for a in args)})"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def run_train_bench(name: str, title: str, path: str, satori_label: str, peer: tuple, note: str,
                    rounds: int, no_build: bool, packages: list[str]) -> int:
    """Build the satori example (`bench_text_train`, the `satori train` flow), run it on `path`
    against `peer` = (label, module path, function) with the harness, print and save the table
    with the holdout scores. Shared by bench_text_train and bench_libsvm_train."""
    import harness

    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    example = os.path.join(os.path.abspath(target), "release", "examples", "bench_text_train")
    if not no_build:
        cmd = ["cargo", "build", "--release", "-p", "satori-workflow", "--example", "bench_text_train"]
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            return 2
    peer_label, peer_module, peer_func = peer
    contenders = [
        harness.Contender(satori_label, cmd=[example, path], satori=True),
        harness.Contender(peer_label, call=(peer_module, peer_func, {"path": path})),
    ]
    stats: dict = {}
    runs = harness.run_contenders(contenders, rounds=rounds, stats=stats)
    summaries = harness.summarize(runs, contenders)

    def field(key, fmt="{}"):
        return lambda s: fmt.format(s.report[key]) if s.report and key in s.report else "—"

    extra = [
        ("holdout accuracy", field("accuracy", "{:.4f}")),
        ("holdout ROC-AUC", field("roc_auc", "{:.4f}")),
        ("model columns", field("n_features", "{:,}")),
    ]
    md = harness.render_markdown(
        summaries,
        title=title,
        rounds=rounds,
        packages=packages,
        extra=extra,
        notes=[note],
        stats=stats,
    )
    print(md)
    print("written to " + harness.save_results(name, runs, summaries, md), file=sys.stderr)
    return 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_text_train", description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=100_000, help="rows (default 100,000)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build the satori example")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    path = os.path.join(HERE, "data", f"reviews_{args.docs}.csv")
    ensure_data(path, "bench_text_train", "make_reviews", args.docs)
    return run_train_bench(
        "bench_text_train",
        "Text classification end to end (TF-IDF + logistic regression)",
        path,
        "satori train (TF-IDF → sparse logistic)",
        ("scikit-learn TfidfVectorizer + LogisticRegression", os.path.abspath(__file__), "sklearn_text_train"),
        f"{args.docs:,} synthetic reviews; timed: split, TF-IDF (scikit-learn's defaults), scaling, "
        "logistic regression on the sparse matrix, holdout scoring; reading the CSV is not timed. "
        "Contenders alternate.",
        args.rounds,
        args.no_build,
        PACKAGES,
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
