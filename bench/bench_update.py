"""Incremental update benchmark: `satori update`'s boosting modes on 10 % new rows against
retraining from scratch on every row.

    bench/run.sh bench_update [--rows N] [--cols P] [--trees T] [--fraction F] [--add-rounds R]
                              [--rounds K] [--no-build]

Data: scikit-learn's make_classification with N + N/4 rows (default 200,000 training rows and
50,000 test rows) × P columns (default 28, 20 informative, random_state 1), written once to
bench/data/update_NxP_{train,test}.f64 (row-major float64) with the labels in .u8. The last
fraction F (default 0.1) of the training rows are the *new* rows; the parent model is a
gradient boosting classifier of T rounds (default 200; 31 leaves, learning rate 0.1) trained on
the others, once, outside the timing. Each contender, in its own process, times one thing:

- retrain: T rounds from scratch on every training row (the old and the new);
- add-trees: R more rounds (default 20) on the new rows from the parent (LightGBM's init_model);
- refit: the parent's leaf values refitted on the new rows (decay 0.9, LightGBM's refit).

All run with the default rayon pool (both cores) and report the test ROC AUC. The target of
issue 18: an update at most 0.3x the retrain's time, its AUC within 0.005 of the retrain's.

satori's side is crates/satori-gbm/examples/bench_update.rs (release build): the update
algorithms as `satori update` runs them, without the CLI's reading of the CSV and scoring of
the gate (both proportional to the new rows alone).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGES = ["scikit-learn", "numpy"]


def make_data(stem: str, rows: int, cols: int) -> None:
    """Write the training and test matrices and labels (run in a subprocess)."""
    import numpy as np
    from sklearn.datasets import make_classification

    test = rows // 4
    x, y = make_classification(
        n_samples=rows + test, n_features=cols, n_informative=min(cols, 20), n_redundant=0,
        flip_y=0.05, random_state=1,
    )
    x[:rows].astype("<f8").tofile(stem + "_train.f64")
    y[:rows].astype(np.uint8).tofile(stem + "_train.u8")
    x[rows:].astype("<f8").tofile(stem + "_test.f64")
    y[rows:].astype(np.uint8).tofile(stem + "_test.u8")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_update", description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=200_000, help="training rows (default 200,000)")
    ap.add_argument("--cols", type=int, default=28, help="columns (default 28)")
    ap.add_argument("--trees", type=int, default=200, help="rounds of the parent and the retrain")
    ap.add_argument("--fraction", type=float, default=0.1, help="share of new rows (default 0.1)")
    ap.add_argument("--add-rounds", type=int, default=20, help="rounds add-trees adds (default 20)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build the satori example")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    import harness

    data_dir = os.path.join(HERE, "data")
    os.makedirs(data_dir, exist_ok=True)
    stem = os.path.join(data_dir, f"update_{args.rows}x{args.cols}")
    if not all(os.path.exists(stem + s) for s in ["_train.f64", "_train.u8", "_test.f64", "_test.u8"]):
        code = (
            f"import sys; sys.path.insert(0, {HERE!r}); import bench_update as b; "
            f"b.make_data({stem!r}, {args.rows}, {args.cols})"
        )
        subprocess.run([sys.executable, "-c", code], check=True)

    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    example = os.path.join(os.path.abspath(target), "release", "examples", "bench_update")
    if not args.no_build:
        cmd = ["cargo", "build", "--release", "-p", "satori-gbm", "--example", "bench_update"]
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            return 2
    parent = f"{stem}_parent_{args.trees}_{args.fraction}.postcard"
    base = [example, stem + "_train.f64", stem + "_train.u8", stem + "_test.f64", stem + "_test.u8",
            str(args.cols), str(args.trees)]
    tail = [str(args.fraction), str(args.add_rounds), parent]
    # The parent is trained once, before any timing (a retrain run writes nothing).
    if not os.path.exists(parent):
        subprocess.run(base + ["refit"] + tail, check=True, stdout=subprocess.DEVNULL)
    contenders = [
        harness.Contender("satori update --mode add-trees (new rows)", cmd=base + ["add-trees"] + tail,
                          group="add-trees", satori=True),
        harness.Contender("satori retrain (every row)", cmd=base + ["retrain"] + tail, group="add-trees"),
        harness.Contender("satori update --mode refit (new rows)", cmd=base + ["refit"] + tail,
                          group="refit", satori=True),
        harness.Contender("satori retrain (every row) ", cmd=base + ["retrain"] + tail, group="refit"),
    ]
    stats: dict = {}
    runs = harness.run_contenders(contenders, rounds=args.rounds, stats=stats)
    summaries = harness.summarize(runs, contenders)
    extra = [
        ("test ROC AUC", lambda s: f"{s.report['auc']:.4f}" if s.report else "—"),
        ("parent's AUC", lambda s: f"{s.report['parent_auc']:.4f}" if s.report else "—"),
        ("rounds", lambda s: f"{s.report['n_iter']}" if s.report else "—"),
    ]
    new_rows = int(round(args.rows * args.fraction))
    notes = [
        f"make_classification {args.rows:,} × {args.cols} (20 informative, flip_y 0.05); the parent: "
        f"{args.trees} rounds on the first {args.rows - new_rows:,} rows; new rows: the last "
        f"{new_rows:,}. add-trees adds {args.add_rounds} rounds on the new rows; refit refits every "
        f"leaf on them (decay 0.9); retrain fits {args.trees} rounds on all {args.rows:,} rows. "
        f"AUC on {args.rows // 4:,} held-out rows. The ratio column is update time / retrain time.",
    ]
    md = harness.render_markdown(
        summaries,
        title="Incremental update vs full retrain (gradient boosting)",
        rounds=args.rounds,
        packages=PACKAGES,
        extra=extra,
        notes=notes,
        stats=stats,
    )
    print(md)
    print("written to " + harness.save_results("bench_update", runs, summaries, md), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
