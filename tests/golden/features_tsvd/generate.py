"""Golden outputs of scikit-learn's TruncatedSVD for crates/satori-features/tests/truncated_svd.rs.

Dense data (40 x 8, a decaying spectrum plus noise, not centred) and sparse data (60 x 30, about
20% non-zero counts, passed to scikit-learn as a CSR matrix). For each: the `arpack` solver
(ARPACK with tol=0, i.e. to machine precision) for several n_components, and the `randomized`
solver with many power iterations (n_iter=40), which converges to the same exact answer. Records
components_, explained_variance_, explained_variance_ratio_, singular_values_ and the transform
of the training rows and of held-out rows.

Writes expected.json next to this file. Run it with tests/golden/regenerate.sh features_tsvd.
"""

import json
import platform
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.decomposition import TruncatedSVD

SEED = 4242


def matrix(a):
    return [[float(v) for v in row] for row in np.asarray(a, dtype=np.float64)]


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def datasets(rng):
    n, p = 40, 8
    basis = rng.normal(size=(p, p))
    scales = np.array([10.0, 6.0, 3.0, 1.5, 0.8, 0.4, 0.2, 0.1])
    dense = rng.normal(size=(n, p)) * scales @ basis + 2.0
    dense_new = rng.normal(size=(7, p)) * scales @ basis + 2.0
    counts = rng.poisson(lam=rng.uniform(0.5, 4.0, size=30), size=(60, 30)).astype(float)
    counts *= rng.uniform(size=(60, 30)) < 0.2
    counts[:, 3] = 0.0  # an all-zero column
    counts_new = rng.poisson(2.0, size=(5, 30)) * (rng.uniform(size=(5, 30)) < 0.3)
    return {
        "dense": (dense, dense_new, False),
        "sparse": (counts, counts_new.astype(float), True),
    }


def main():
    rng = np.random.default_rng(SEED)
    cases = []
    for name, (x, x_new, sparse) in datasets(rng).items():
        xin = sp.csr_matrix(x) if sparse else x
        xin_new = sp.csr_matrix(x_new) if sparse else x_new
        runs = [("arpack", k, {}) for k in (1, 3, 5)]
        runs.append(("randomized", 3, {"n_iter": 40}))
        for algorithm, k, extra in runs:
            m = TruncatedSVD(n_components=k, algorithm=algorithm, random_state=0, **extra)
            z = m.fit_transform(xin)
            cases.append({
                "data": name,
                "sparse": sparse,
                "algorithm": algorithm,
                "n_components": k,
                "n_iter": extra.get("n_iter", 5),
                "x": matrix(x),
                "x_new": matrix(x_new),
                "components": matrix(m.components_),
                "explained_variance": floats(m.explained_variance_),
                "explained_variance_ratio": floats(m.explained_variance_ratio_),
                "singular_values": floats(m.singular_values_),
                "fit_transform": matrix(z),
                "transform_new": matrix(m.transform(xin_new)),
            })
    out = {
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "sklearn": sklearn.__version__,
        },
        "seed": SEED,
        "cases": cases,
    }
    path = Path(__file__).with_name("expected.json")
    path.write_text(json.dumps(out, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
