"""Golden outputs of scikit-learn's LinearDiscriminantAnalysis for
crates/satori-features/tests/lda.rs.

Three-class data (4 features, unequal class sizes, different class means, correlated noise),
binary data (3 features) and three-class data with a duplicated (collinear) column. Solvers:
svd (default, with n_components, priors, collinear features) and eigen (no shrinkage, "auto"
Ledoit-Wolf, a fixed 0.3). Records explained_variance_ratio_, means_, priors_, coef_,
intercept_, xbar_ (svd), the transform of the training rows and of held-out rows, and
predict / predict_proba of the held-out rows.

Writes expected.json next to this file. Run it with tests/golden/regenerate.sh features_lda.
"""

import json
import platform
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

SEED = 31337


def matrix(a):
    return [[float(v) for v in row] for row in np.asarray(a, dtype=np.float64)]


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def make(rng, sizes, p, spread):
    mix = rng.normal(size=(p, p))
    xs, ys = [], []
    for c, n in enumerate(sizes):
        centre = rng.normal(scale=spread, size=p)
        xs.append(centre + rng.normal(size=(n, p)) @ mix * 0.7)
        ys.append(np.full(n, c))
    x = np.vstack(xs)
    y = np.concatenate(ys)
    order = rng.permutation(len(y))
    return x[order], y[order]


def main():
    rng = np.random.default_rng(SEED)
    x3, y3 = make(rng, [20, 25, 15], 4, 2.0)
    x3_new, _ = make(rng, [3, 3, 3], 4, 2.0)
    x2, y2 = make(rng, [18, 22], 3, 1.5)
    x2_new, _ = make(rng, [3, 3], 3, 1.5)
    xc = np.hstack([x3, x3[:, :1] * 2.0])
    xc_new = np.hstack([x3_new, x3_new[:, :1] * 2.0])
    runs = [
        ("three", x3, y3, x3_new, {}),
        ("three", x3, y3, x3_new, {"n_components": 1}),
        ("three", x3, y3, x3_new, {"priors": [0.5, 0.3, 0.2]}),
        ("three", x3, y3, x3_new, {"solver": "eigen"}),
        ("three", x3, y3, x3_new, {"solver": "eigen", "shrinkage": "auto"}),
        ("three", x3, y3, x3_new, {"solver": "eigen", "shrinkage": 0.3}),
        ("binary", x2, y2, x2_new, {}),
        ("binary", x2, y2, x2_new, {"solver": "eigen", "shrinkage": "auto"}),
        ("collinear", xc, y3, xc_new, {}),
    ]
    cases = []
    for name, x, y, x_new, params in runs:
        m = LinearDiscriminantAnalysis(**params).fit(x, y)
        cases.append({
            "data": name,
            "params": params,
            "x": matrix(x),
            "y": [int(v) for v in y],
            "x_new": matrix(x_new),
            "explained_variance_ratio": floats(m.explained_variance_ratio_),
            "means": matrix(m.means_),
            "priors": floats(m.priors_),
            "coef": matrix(m.coef_),
            "intercept": floats(m.intercept_),
            "xbar": floats(m.xbar_) if hasattr(m, "xbar_") else None,
            "transform": matrix(m.transform(x)),
            "transform_new": matrix(m.transform(x_new)),
            "predict_new": [int(v) for v in m.predict(x_new)],
            "proba_new": matrix(m.predict_proba(x_new)),
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
