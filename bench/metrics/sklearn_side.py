"""The scikit-learn side of bench/metrics/run.sh.

`sklearn_side.py gen <dir> <n> <seed>` writes labels.u8, scores.f64 and proba.f64;
`sklearn_side.py time <dir>` times the metrics once and prints `<name> <seconds> <value>`.
"""

import sys
import time

import numpy as np


def gen(d, n, seed):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(np.uint8)
    s = rng.normal(size=n) + 0.8 * y
    p = 1.0 / (1.0 + np.exp(-s))
    y.tofile(f"{d}/labels.u8")
    s.astype("<f8").tofile(f"{d}/scores.f64")
    p.astype("<f8").tofile(f"{d}/proba.f64")


def timed(d):
    from sklearn.metrics import average_precision_score, log_loss, roc_auc_score

    y = np.fromfile(f"{d}/labels.u8", dtype=np.uint8).astype(np.int64)
    s = np.fromfile(f"{d}/scores.f64", dtype="<f8")
    p = np.fromfile(f"{d}/proba.f64", dtype="<f8")
    for name, fn in (
        ("roc_auc", lambda: roc_auc_score(y, s)),
        ("average_precision", lambda: average_precision_score(y, s)),
        ("log_loss", lambda: log_loss(y, p)),
    ):
        t0 = time.perf_counter()
        v = fn()
        print(f"{name} {time.perf_counter() - t0:.6f} {v:.17e}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        timed(sys.argv[2])
