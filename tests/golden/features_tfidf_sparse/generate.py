"""Golden outputs of scikit-learn's sparse-input MaxAbsScaler and chi2 for
crates/satori-features/tests/text_sparse.rs (the sparse helpers used with text features).

A 30 x 12 CSR count matrix (~30% non-zero, one all-zero column), a copy with a column of mixed
signs for MaxAbsScaler (max_abs_, scale_, transform of held-out rows, inverse_transform), and
chi2 scores and p-values against three-class and two-class targets (NaN for the all-zero column,
written as null).

Writes expected.json next to this file. Run it with tests/golden/regenerate.sh
features_tfidf_sparse.
"""

import json
import platform
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.feature_selection import chi2
from sklearn.preprocessing import MaxAbsScaler

SEED = 555


def matrix(a):
    return [[float(v) for v in row] for row in np.asarray(a, dtype=np.float64)]


def floats(a):
    return [None if np.isnan(v) else float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def main():
    rng = np.random.default_rng(SEED)
    counts = rng.poisson(3.0, size=(30, 12)).astype(float) * (rng.uniform(size=(30, 12)) < 0.3)
    counts[:, 5] = 0.0
    y3 = rng.integers(0, 3, size=30)
    y2 = rng.integers(0, 2, size=30)
    signed = counts.copy()
    signed[:, 2] = signed[:, 2] * np.where(rng.uniform(size=30) < 0.5, -1.0, 1.0) - 0.0
    held = rng.normal(size=(4, 12)) * (rng.uniform(size=(4, 12)) < 0.4)
    scaler = MaxAbsScaler().fit(sp.csr_matrix(signed))
    out = {
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "sklearn": sklearn.__version__,
        },
        "counts": matrix(counts),
        "signed": matrix(signed),
        "held": matrix(held),
        "y3": [int(v) for v in y3],
        "y2": [int(v) for v in y2],
        "max_abs": floats(scaler.max_abs_),
        "scale": floats(scaler.scale_),
        "scaled_held": matrix(scaler.transform(sp.csr_matrix(held)).toarray()),
        "inverse_held": matrix(scaler.inverse_transform(sp.csr_matrix(held)).toarray()),
        "chi2_y3": [floats(v) for v in chi2(sp.csr_matrix(counts), y3)],
        "chi2_y2": [floats(v) for v in chi2(sp.csr_matrix(counts), y2)],
    }
    path = Path(__file__).with_name("expected.json")
    path.write_text(json.dumps(out, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
