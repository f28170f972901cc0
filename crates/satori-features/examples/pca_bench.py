"""Python side of pca_bench.rs: write the benchmark matrix, or time scikit-learn's PCA on it.

    python pca_bench.py write FILE N P   # seeded Gaussian rows with a decaying spectrum
    python pca_bench.py time FILE N P    # median of 3 fits of PCA(n_components=10)
"""

import sys
import time

import numpy as np
import sklearn
from sklearn.decomposition import PCA


def main():
    mode, path, n, p = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if mode == "write":
        rng = np.random.default_rng(7)
        x = rng.standard_normal((n, p)) * (0.9 ** np.arange(p))
        x = x @ rng.standard_normal((p, p)) + rng.standard_normal(p) * 5
        x.astype("<f8").tofile(path)
        return
    x = np.fromfile(path, dtype="<f8").reshape(n, p)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        pca = PCA(n_components=10).fit(x)
        times.append(time.perf_counter() - t)
    times.sort()
    print(
        f"scikit-learn {sklearn.__version__} PCA(n_components=10) solver={pca._fit_svd_solver} "
        f"median of 3: {times[1]:.4f} s (runs {[round(t, 4) for t in times]})"
    )
    print("explained_variance[..3] =", pca.explained_variance_[:3].tolist())


if __name__ == "__main__":
    main()
