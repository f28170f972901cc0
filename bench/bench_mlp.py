"""MLP training benchmark: satori-nn against scikit-learn's MLPClassifier (and PyTorch if installed).

    bench/run.sh bench_mlp [--rows N] [--epochs E] [--rounds R] [--no-build]

The network of issue #6: 28 → 256 → 256 → output, ReLU, Adam (lr 1e-3, L2 1e-4), batch 512, on
the first N rows (default 100,000; the issue's full set is --rows 1000000) of the shared synthetic
binary set bench/data/synth_binary_1000000x28.csv (made by bench/run.sh data_loading). Each
contender trains E epochs (default 3) in its own process; the time is the fit alone divided by E
(time per epoch; reading the data is not timed). satori uses a 2-unit softmax output,
scikit-learn and PyTorch one logistic unit (the same function class; 257 more weights).

satori's side is crates/satori-nn/examples/bench_mlp.rs (release build). PyTorch is skipped with
a printed reason unless importable from bench/.venv (bench/setup.sh --with-torch installs it).
Every contender reports its per-epoch training loss and training accuracy, printed below the
table, so the loss curves can be compared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CSV = os.path.join(HERE, "data", "synth_binary_1000000x28.csv")
PACKAGES = ["scikit-learn", "numpy", "torch"]


def _load(path: str, rows: int):
    import numpy as np

    data = np.loadtxt(path, delimiter=",", skiprows=1, max_rows=rows)
    return data[:, :-1], data[:, -1].astype(int)


def sklearn_mlp(path: str, rows: int, epochs: int):
    """scikit-learn's MLPClassifier with the benchmark network, E epochs."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    x, y = _load(path, rows)
    model = MLPClassifier(
        hidden_layer_sizes=(256, 256),
        solver="adam",
        batch_size=512,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        random_state=0,
    )

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x, y)

    def report(_):
        return {
            "epochs": epochs,
            "loss": [round(v, 6) for v in model.loss_curve_],
            "train_accuracy": float((model.predict(x) == y).mean()),
        }

    return fit, report


def torch_mlp(path: str, rows: int, epochs: int):
    """PyTorch CPU with the same network, Adam and batch size."""
    import numpy as np
    import torch

    x, y = _load(path, rows)
    xt = torch.tensor(x, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.float32).unsqueeze(1)
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(28, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 1)
    )
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-4)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    losses: list[float] = []

    def fit():
        g = torch.Generator().manual_seed(0)
        for _ in range(epochs):
            perm = torch.randperm(len(xt), generator=g)
            total = 0.0
            for i in range(0, len(xt), 512):
                idx = perm[i : i + 512]
                opt.zero_grad()
                loss = loss_fn(net(xt[idx]), yt[idx])
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
            losses.append(total / len(xt))

    def report(_):
        with torch.no_grad():
            acc = float(((net(xt) > 0).float() == yt).float().mean())
        return {"epochs": epochs, "loss": [round(v, 6) for v in losses], "train_accuracy": acc}

    return fit, report


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_mlp", description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000, help="rows of the 1M set to train on (default 100,000)")
    ap.add_argument("--epochs", type=int, default=3, help="epochs per fit (default 3)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build the satori example")
    args = ap.parse_args(argv)
    if not os.path.exists(CSV):
        print(f"bench/run.sh bench_mlp: {CSV} not found; run bench/run.sh data_loading first", file=sys.stderr)
        return 2
    sys.path.insert(0, HERE)
    import harness

    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    example = os.path.join(os.path.abspath(target), "release", "examples", "bench_mlp")
    if not args.no_build:
        cmd = ["cargo", "build", "--release", "-p", "satori-nn", "--example", "bench_mlp"]
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            return 2
    me = os.path.abspath(__file__)
    kw = {"path": CSV, "rows": args.rows, "epochs": args.epochs}
    contenders = [
        harness.Contender("satori-nn", cmd=[example, CSV, str(args.rows), str(args.epochs)], satori=True),
        harness.Contender("scikit-learn MLPClassifier", call=(me, "sklearn_mlp", kw)),
    ]
    try:
        import torch  # noqa: F401

        contenders.append(harness.Contender("PyTorch (CPU)", call=(me, "torch_mlp", kw)))
    except ImportError:
        print("PyTorch is not installed in bench/.venv (bench/setup.sh --with-torch): skipped", file=sys.stderr)
    stats: dict = {}
    runs = harness.run_contenders(contenders, rounds=args.rounds, stats=stats)
    # Peers report the whole fit; turn every time into time per epoch (satori's already is).
    for r in runs:
        if r.report is not None and not r.contender.startswith("satori") and "seconds" in r.report:
            r.report["seconds"] = r.report["seconds"] / args.epochs
    summaries = harness.summarize(runs, contenders)
    notes = [
        f"Time per epoch (fit time ÷ {args.epochs} epochs), {args.rows:,} rows × 28 features, "
        "network 28 → 256 → 256 → output, ReLU, Adam lr 1e-3, L2 1e-4, batch 512.",
    ]
    for r in runs:
        if r.report is not None and r.round == 0:
            notes.append(f"- {r.contender}: loss per epoch {r.report.get('loss')}, training accuracy {r.report.get('train_accuracy')}")
    md = harness.render_markdown(
        summaries, title="MLP training (time per epoch)", rounds=args.rounds, packages=PACKAGES, notes=notes, stats=stats
    )
    print(md)
    print("written to " + harness.save_results("bench_mlp", runs, summaries, md), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
