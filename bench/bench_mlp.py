"""MLP training benchmark: satori-nn against PyTorch (CPU) and scikit-learn's MLPClassifier.

    bench/run.sh bench_mlp [--rows N] [--epochs E] [--sklearn-epochs K] [--threads 1,2]
                           [--rounds R] [--seed S] [--torch-init default|glorot] [--no-sklearn]
                           [--no-build] [--name STEM]

The network of issue #6: Linear 28 → 256, ReLU, Linear 256 → 256, ReLU, output; Adam (lr 1e-3,
betas 0.9/0.999, eps 1e-8, no L2 penalty or weight decay), batch 512, rows shuffled every epoch,
float32, on the first N rows (default: all 1,000,000) of the shared synthetic binary set
bench/data/synth_binary_1000000x28.* (made by bench/run.sh data_loading). Every contender runs
in its own process at each thread count T (satori: a rayon pool of T threads; PyTorch:
torch.set_num_threads(T); scikit-learn: threadpoolctl's limit on its BLAS; and
OMP/MKL/OPENBLAS_NUM_THREADS=T for all).

The time is per epoch: every contender records the wall and process CPU time of each epoch, and
its run's figure is the median over its epochs *after the first* (the first epoch carries the
warm-up: page faults of fresh buffers, thread pools, allocator growth); the table's figure is the
median over rounds of those. satori and PyTorch train E epochs (default 4). scikit-learn trains K
epochs (default 1, it is slow on 1M rows) by calling `partial_fit` once per epoch (one Adam pass
over the shuffled rows each); with K = 1 its figure is that single epoch, warm-up included.

satori (crates/satori-nn/examples/bench_mlp.rs, release build) reads the CSV, the peers the
Parquet copy of the same values; reading is never timed. satori's head is a 2-unit softmax,
PyTorch's and scikit-learn's one logistic unit (BCEWithLogits / log loss; the same function
class). Each contender reports its per-epoch mean training loss, printed below the table. Peak
RSS is every process's high-water mark from the end of loading on (the mark is reset through
/proc/self/clear_refs): training with the data in memory, plus the untimed training-accuracy
prediction, which every contender does in blocks of rows.

The harness's progress lines show the peers' whole fit (all epochs) and satori's median epoch;
the table converts every run to its median epoch.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CSV = os.path.join(HERE, "data", "synth_binary_1000000x28.csv")
PARQUET = os.path.join(HERE, "data", "synth_binary_1000000x28.parquet")
PACKAGES = ["torch", "scikit-learn", "numpy", "threadpoolctl"]
BATCH = 512
#: Rows per block of the (untimed) training-accuracy prediction.
EVAL_ROWS = 65_536


def _load(rows: int):
    """The first ``rows`` rows of the Parquet copy: float64 features, int labels."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    # The system allocator (with the trim in _reset_peak_rss) gives the table's memory back.
    pa.set_memory_pool(pa.system_memory_pool())
    table = pq.read_table(PARQUET).slice(0, rows)
    names = table.schema.names
    x = np.column_stack([table.column(n).to_numpy() for n in names[:-1]])
    y = table.column(names[-1]).to_numpy().astype(int)
    return x, y


def _reset_peak_rss() -> None:
    """Reset this process's peak-RSS mark (VmHWM), so that the reported peak is that of training
    with the data in memory, not of importing and loading (satori's side does the same)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _median_after_first(v: list[float]) -> float:
    return statistics.median(v[1:] if len(v) > 1 else v)


def _chunked_accuracy(predict, x, y) -> float:
    """Training accuracy, predicted in blocks of rows so that the activations of all rows at once
    (gigabytes on 1M rows) do not become the process's peak memory (satori's predict works in
    blocks too)."""
    hits = 0
    for i in range(0, len(y), EVAL_ROWS):
        hits += int((predict(x[i : i + EVAL_ROWS]) == y[i : i + EVAL_ROWS]).sum())
    return hits / len(y)


def sklearn_mlp(rows: int, epochs: int, threads: int, seed: int):
    """scikit-learn's MLPClassifier with the benchmark network: one `partial_fit` per epoch."""
    import warnings

    import numpy as np
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    x, y = _load(rows)
    model = MLPClassifier(
        hidden_layer_sizes=(256, 256),
        solver="adam",
        alpha=0.0,
        batch_size=BATCH,
        learning_rate_init=1e-3,
        shuffle=True,
        random_state=seed,
    )
    epoch_s: list[float] = []
    epoch_cpu: list[float] = []
    _reset_peak_rss()

    def fit():
        with threadpool_limits(limits=threads), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(epochs):
                t0, c0 = time.perf_counter(), time.process_time()
                model.partial_fit(x, y, classes=np.array([0, 1]))
                epoch_s.append(time.perf_counter() - t0)
                epoch_cpu.append(time.process_time() - c0)

    def report(_):
        return {
            "epochs": epochs,
            "epoch_seconds": epoch_s,
            "epoch_cpu_seconds": epoch_cpu,
            "loss": [round(v, 6) for v in model.loss_curve_],
            "train_accuracy": _chunked_accuracy(lambda xs: model.predict(xs), x, y),
        }

    return fit, report


def torch_mlp(rows: int, epochs: int, threads: int, seed: int, init: str = "default"):
    """PyTorch CPU with the same network, Adam, batch size and per-epoch shuffling.

    ``init="glorot"`` replaces PyTorch's default initial weights (Kaiming-uniform) by the rule
    of scikit-learn and satori: weights and biases uniform in ±sqrt(6 / (fan_in + fan_out)).
    """
    import torch

    torch.set_num_threads(threads)
    x, y = _load(rows)
    xt = torch.tensor(x, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.float32).unsqueeze(1)
    del x, y
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(28, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 1)
    )
    if init == "glorot":
        with torch.no_grad():
            for layer in net:
                if isinstance(layer, torch.nn.Linear):
                    bound = (6.0 / (layer.in_features + layer.out_features)) ** 0.5
                    layer.weight.uniform_(-bound, bound)
                    layer.bias.uniform_(-bound, bound)
    elif init != "default":
        raise ValueError(f"init must be 'default' or 'glorot', got {init!r}")
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    losses: list[float] = []
    epoch_s: list[float] = []
    epoch_cpu: list[float] = []
    _reset_peak_rss()

    def fit():
        g = torch.Generator().manual_seed(seed)
        n = len(xt)
        for _ in range(epochs):
            t0, c0 = time.perf_counter(), time.process_time()
            perm = torch.randperm(n, generator=g)
            total = 0.0
            for i in range(0, n, BATCH):
                idx = perm[i : i + BATCH]
                opt.zero_grad()
                loss = loss_fn(net(xt[idx]), yt[idx])
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
            losses.append(total / n)
            epoch_s.append(time.perf_counter() - t0)
            epoch_cpu.append(time.process_time() - c0)

    def report(_):
        with torch.no_grad():
            acc = _chunked_accuracy(lambda xs: (net(xs) > 0).float(), xt, yt)
        return {
            "epochs": epochs,
            "epoch_seconds": epoch_s,
            "epoch_cpu_seconds": epoch_cpu,
            "loss": [round(v, 6) for v in losses],
            "train_accuracy": acc,
        }

    return fit, report


def _per_epoch(runs) -> None:
    """Every run's time and CPU become its median epoch (first left out when there are more)."""
    for r in runs:
        rep = r.report
        if rep is None or not rep.get("epoch_seconds"):
            continue
        rep["seconds"] = _median_after_first(rep["epoch_seconds"])
        rep["cpu_seconds"] = _median_after_first(rep["epoch_cpu_seconds"])


def _fmt_loss(v) -> str:
    return ", ".join(f"{x:.4f}" for x in v) if v else "—"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_mlp", description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of the 1M set to train on (default all)")
    ap.add_argument("--epochs", type=int, default=4, help="epochs of satori and PyTorch (default 4)")
    ap.add_argument("--sklearn-epochs", type=int, default=1, help="epochs of scikit-learn (default 1)")
    ap.add_argument("--threads", default="1,2", help="thread counts (default 1,2)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument("--seed", type=int, default=0, help="seed of every contender (default 0)")
    ap.add_argument(
        "--torch-init",
        choices=["default", "glorot"],
        default="default",
        help="PyTorch's initial weights: its default, or satori's and scikit-learn's Glorot-uniform rule",
    )
    ap.add_argument("--no-sklearn", action="store_true", help="leave scikit-learn out")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build the satori example")
    ap.add_argument("--name", default="bench_mlp", help="results file stem under bench/results (default bench_mlp)")
    args = ap.parse_args(argv)
    for path in (CSV, PARQUET):
        if not os.path.exists(path):
            print(f"bench/run.sh bench_mlp: {path} not found; run bench/run.sh data_loading first", file=sys.stderr)
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
    # find_spec, not import: importing torch would swell this process, whose peak memory the
    # children's ru_maxrss inherits.
    import importlib.util

    have_torch = importlib.util.find_spec("torch") is not None
    if not have_torch:
        print("PyTorch is not installed in bench/.venv (bench/setup.sh --with-torch): skipped", file=sys.stderr)
    me = os.path.abspath(__file__)
    contenders = []
    for t in [int(v) for v in args.threads.split(",")]:
        env = {k: str(t) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
        group = f"{t} thread(s)"
        kw = {"rows": args.rows, "threads": t, "seed": args.seed}
        satori_cmd = [example, CSV, str(args.rows), str(args.epochs), str(t), str(args.seed), "0"]
        contenders.append(harness.Contender(f"satori-nn ({t} thr)", cmd=satori_cmd, group=group, satori=True, env=env))
        if have_torch:
            kw_t = dict(kw, epochs=args.epochs, init=args.torch_init)
            contenders.append(
                harness.Contender(f"PyTorch CPU ({t} thr)", call=(me, "torch_mlp", kw_t), group=group, env=env)
            )
        if not args.no_sklearn:
            kw_s = dict(kw, epochs=args.sklearn_epochs)
            contenders.append(
                harness.Contender(
                    f"scikit-learn MLPClassifier ({t} thr)",
                    call=(me, "sklearn_mlp", kw_s),
                    group=group,
                    env=env,
                    timeout_s=3600.0,
                )
            )
    stats: dict = {}
    runs = harness.run_contenders(contenders, rounds=args.rounds, stats=stats)
    _per_epoch(runs)
    summaries = harness.summarize(runs, contenders)
    extra = [
        ("epochs (timed)", lambda s: f"{s.report['epochs']} ({max(1, s.report['epochs'] - 1)})"),
        ("loss per epoch (last round)", lambda s: _fmt_loss(s.report.get("loss"))),
        ("train acc.", lambda s: f"{s.report['train_accuracy']:.4f}"),
    ]
    notes = [
        f"Time per epoch on {args.rows:,} rows × 28 features: each run's median over its epochs "
        "after the first (warm-up), then the median over rounds; CPU likewise (process user + "
        "system seconds per epoch). Network 28 → 256 → 256 → output, ReLU, Adam lr 1e-3, no "
        f"penalty, batch {BATCH}, shuffled every epoch, float32, seed {args.seed}; PyTorch's "
        f"initial weights: {args.torch_init}. "
        f"scikit-learn: `partial_fit` once per epoch, {args.sklearn_epochs} epoch(s)"
        + (" (its figure is that one epoch, warm-up included)." if args.sklearn_epochs == 1 else "."),
    ]
    for r in runs:
        if r.report is not None and "epoch_seconds" in r.report:
            notes.append(
                f"- round {r.round + 1}, {r.contender}: epoch seconds "
                + ", ".join(f"{v:.2f}" for v in r.report["epoch_seconds"])
                + "; loss "
                + _fmt_loss(r.report.get("loss"))
            )
    md = harness.render_markdown(
        summaries,
        title=f"MLP training (time per epoch, {args.rows:,} rows)",
        rounds=args.rounds,
        packages=PACKAGES,
        extra=extra,
        notes=notes,
        stats=stats,
    )
    print(md)
    print("written to " + harness.save_results(args.name, runs, summaries, md), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
