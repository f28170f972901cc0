"""Text features benchmark: satori's TfidfVectorizer + TruncatedSVD against scikit-learn's.

    bench/run.sh bench_text_svd [--docs N] [--components K] [--rounds R] [--no-build]

Data: a seeded synthetic corpus (bench/data/corpus_N.txt, one document per line): N documents
(default 50,000) of 20-120 words drawn from a Zipf(1.1) law over a 30,000-word vocabulary of
made-up words, with punctuation and capitals. Each contender, in its own process, reads the file
(untimed), then fits TfidfVectorizer with scikit-learn's defaults (fit_transform) and a
randomized TruncatedSVD(n_components=K, default 50, n_iter=5) on the sparse TF-IDF matrix; the
time is both steps. The table also shows the vocabulary size, the non-zeros and the largest
singular value (both sides must agree: same matrix; randomized SVDs agree to their accuracy).

satori's side is crates/satori-features/examples/bench_text_svd.rs (release build).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGES = ["scikit-learn", "numpy", "scipy"]


def make_corpus(path: str, docs: int) -> None:
    """Write the corpus (run in a subprocess: the harness stays small)."""
    import numpy as np

    rng = np.random.default_rng(2026)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyzéø"))
    vocab = ["".join(rng.choice(letters, size=rng.integers(2, 10))) for _ in range(30_000)]
    weights = 1.0 / np.arange(1, len(vocab) + 1) ** 1.1
    weights /= weights.sum()
    punct = [" ", " ", " ", " ", ", ", ". ", "! ", "; "]
    lengths = rng.integers(20, 121, size=docs)
    words = np.searchsorted(np.cumsum(weights), rng.uniform(size=int(lengths.sum())))
    words = np.minimum(words, len(vocab) - 1)
    seps = rng.integers(0, len(punct), size=int(lengths.sum()))
    with open(path, "w", encoding="utf-8") as f:
        start = 0
        for n in lengths:
            parts = []
            for w, s in zip(words[start:start + n], seps[start:start + n]):
                word = vocab[w]
                parts.append((word.capitalize() if s >= 5 else word) + punct[s])
            f.write("".join(parts).strip() + "\n")
            start += n


def sklearn_text_svd(path: str, components: int):
    """scikit-learn's TfidfVectorizer (defaults) then TruncatedSVD (randomized)."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    with open(path, encoding="utf-8") as f:
        docs = f.read().splitlines()

    def fit():
        vec = TfidfVectorizer()
        x = vec.fit_transform(docs)
        svd = TruncatedSVD(n_components=components, random_state=0).fit(x)
        return vec, x, svd

    def report(result):
        vec, x, svd = result
        return {
            "n_terms": len(vec.vocabulary_),
            "nnz": int(x.nnz),
            "sv": [float(v) for v in svd.singular_values_[:3]],
            "evr_sum": float(svd.explained_variance_ratio_.sum()),
        }

    return fit, report


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_text_svd", description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=50_000, help="documents (default 50,000)")
    ap.add_argument("--components", type=int, default=50, help="SVD components (default 50)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build the satori example")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    import harness

    path = os.path.join(HERE, "data", f"corpus_{args.docs}.txt")
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        code = (
            f"import sys; sys.path.insert(0, {HERE!r}); import bench_text_svd as b; "
            f"b.make_corpus({path!r}, {args.docs})"
        )
        subprocess.run([sys.executable, "-c", code], check=True)

    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    example = os.path.join(os.path.abspath(target), "release", "examples", "bench_text_svd")
    if not args.no_build:
        cmd = ["cargo", "build", "--release", "-p", "satori-features", "--example", "bench_text_svd"]
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            return 2
    me = os.path.abspath(__file__)
    contenders = [
        harness.Contender(
            "satori TF-IDF + TruncatedSVD",
            cmd=[example, path, str(args.components)],
            satori=True,
        ),
        harness.Contender(
            "scikit-learn TfidfVectorizer + TruncatedSVD",
            call=(me, "sklearn_text_svd", {"path": path, "components": args.components}),
        ),
    ]
    stats: dict = {}
    runs = harness.run_contenders(contenders, rounds=args.rounds, stats=stats)
    summaries = harness.summarize(runs, contenders)

    def field(name, fmt="{}"):
        return lambda s: fmt.format(s.report[name]) if s.report and name in s.report else "—"

    extra = [
        ("terms", field("n_terms", "{:,}")),
        ("non-zeros", field("nnz", "{:,}")),
        ("σ₁", lambda s: f"{s.report['sv'][0]:.6f}" if s.report and s.report.get("sv") else "—"),
        ("TF-IDF / SVD (s)", lambda s: (
            f"{s.report['tfidf_seconds']:.2f} / {s.report['svd_seconds']:.2f}"
            if s.report and "tfidf_seconds" in s.report else "—")),
    ]
    notes = [
        f"{args.docs:,} synthetic documents (Zipf words), TfidfVectorizer with scikit-learn's "
        f"defaults then a randomized TruncatedSVD(n_components={args.components}, n_iter=5) on "
        "the sparse matrix; contenders alternating; reading the file is not timed. satori's "
        "split between the two steps is in the last column.",
    ]
    md = harness.render_markdown(
        summaries,
        title="Text features (TF-IDF + truncated SVD)",
        rounds=args.rounds,
        packages=PACKAGES,
        extra=extra,
        notes=notes,
        stats=stats,
    )
    print(md)
    print("written to " + harness.save_results("bench_text_svd", runs, summaries, md), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
