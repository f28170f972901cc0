"""Golden outputs of scikit-learn's IncrementalPCA for crates/satori-features/tests/incremental_pca.rs.

100 x 6 correlated data with a decaying spectrum and a non-zero mean. `fit` with several
n_components / batch_size / whiten settings (scikit-learn's gen_batches decides the batches), and
explicit partial_fit calls over unequal chunks (10, 35, 5, 50 rows). Records components_,
explained_variance_, explained_variance_ratio_, singular_values_, mean_, var_, noise_variance_,
n_samples_seen_, and the transform of held-out rows.

Writes expected.json next to this file. Run it with tests/golden/regenerate.sh features_ipca.
"""

import json
import platform
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.decomposition import IncrementalPCA

SEED = 9001


def matrix(a):
    return [[float(v) for v in row] for row in np.asarray(a, dtype=np.float64)]


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def record(m, x_new, params, chunks=None):
    return {
        "params": params,
        "chunks": chunks,
        "components": matrix(m.components_),
        "explained_variance": floats(m.explained_variance_),
        "explained_variance_ratio": floats(m.explained_variance_ratio_),
        "singular_values": floats(m.singular_values_),
        "mean": floats(m.mean_),
        "var": floats(m.var_),
        "noise_variance": float(m.noise_variance_),
        "n_samples_seen": int(m.n_samples_seen_),
        "transform_new": matrix(m.transform(x_new)),
    }


def main():
    rng = np.random.default_rng(SEED)
    p = 6
    basis = rng.normal(size=(p, p))
    scales = np.array([5.0, 3.0, 2.0, 1.0, 0.5, 0.25])
    x = rng.normal(size=(100, p)) * scales @ basis + np.arange(p) * 3.0
    x_new = rng.normal(size=(8, p)) * scales @ basis + np.arange(p) * 3.0
    cases = []
    for params in [
        {"n_components": 3, "batch_size": 20},
        {},
        {"n_components": 2, "batch_size": 23, "whiten": True},
        {"n_components": 6, "batch_size": 50},
        {"n_components": 4, "batch_size": 33},
    ]:
        m = IncrementalPCA(**params).fit(x)
        cases.append(record(m, x_new, params))
    chunks = [10, 35, 5, 50]
    m = IncrementalPCA(n_components=4)
    start = 0
    for c in chunks:
        m.partial_fit(x[start:start + c])
        start += c
    cases.append(record(m, x_new, {"n_components": 4}, chunks))
    out = {
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "sklearn": sklearn.__version__,
        },
        "seed": SEED,
        "x": matrix(x),
        "x_new": matrix(x_new),
        "cases": cases,
    }
    path = Path(__file__).with_name("expected.json")
    path.write_text(json.dumps(out, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
