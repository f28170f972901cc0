"""Golden statistics of scikit-learn's IsolationForest.

The trees are random and satori draws its randomness differently, so scores cannot match row by
row. What is compared (crates/satori-tree/tests/isolation_golden.rs):

- `_average_path_length` (the c(n) of the score's normalisation) at many n: exact;
- the "auto" offset: exactly -0.5;
- on seeded data with injected anomalies, for several parameter settings: the ROC-AUC of
  -score_samples against the known anomalies, averaged over N_SEEDS random_states (satori must be
  within 0.01), the mean score of normal rows and of anomalies, and with contamination=0.05 the
  number of training rows flagged.

The data are quantized to multiples of 1/256 so that scikit-learn's float32 conversion leaves
them unchanged (both libraries see the same numbers). Run with tests/golden/regenerate.sh
isolation_forest.
"""

import json
import platform
from pathlib import Path

import numpy as np
import sklearn
from sklearn.ensemble import IsolationForest
from sklearn.ensemble._iforest import _average_path_length
from sklearn.metrics import roc_auc_score

SEED = 20261
N_SEEDS = 20
N_VALUES = [0, 1, 2, 3, 4, 5, 7, 10, 16, 100, 255, 256, 257, 1000, 4096, 123457, 10**6, 10**9]


def quantize(x):
    return np.round(x * 256.0) / 256.0


def gaussian_with_uniform_anomalies(rng):
    normal = rng.normal(size=(1500, 5))
    anomalies = rng.uniform(-4.5, 4.5, size=(75, 5))
    return normal, anomalies


def clusters_with_scattered_anomalies(rng):
    centres = np.array([[0.0, 0.0, 0.0], [5.0, 5.0, 0.0], [0.0, 5.0, 5.0]])
    normal = np.vstack([c + rng.normal(scale=0.8, size=(400, 3)) for c in centres])
    anomalies = rng.uniform(-3.0, 8.0, size=(60, 3))
    return normal, anomalies


def correlated_with_shifted_anomalies(rng):
    z = rng.normal(size=(2000, 4))
    mix = np.array([[1.0, 0.8, 0.0, 0.0], [0.0, 1.0, 0.5, 0.0], [0.0, 0.0, 1.0, 0.9],
                    [0.0, 0.0, 0.0, 1.0]])
    normal = z @ mix
    # Anomalies break the correlation but stay within the marginal ranges: a harder case.
    anomalies = rng.normal(size=(100, 4)) * 1.6
    return normal, anomalies


DATASETS = [
    ("gaussian", gaussian_with_uniform_anomalies),
    ("clusters", clusters_with_scattered_anomalies),
    ("correlated", correlated_with_shifted_anomalies),
]

SETTINGS = [
    {"name": "defaults", "kwargs": {}},
    {"name": "small_bootstrap", "kwargs": {"max_samples": 64, "bootstrap": True}},
    {"name": "fraction_features", "kwargs": {"max_samples": 0.3, "max_features": 0.5}},
]


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def case(name, make, rng):
    normal, anomalies = make(rng)
    x = quantize(np.vstack([normal, anomalies]))
    y = np.r_[np.zeros(len(normal), dtype=int), np.ones(len(anomalies), dtype=int)]
    order = rng.permutation(len(y))
    x, y = x[order], y[order]
    assert np.array_equal(x.astype(np.float32).astype(np.float64), x)
    out = {"name": name, "x": [floats(r) for r in x], "anomaly": y.tolist(), "settings": []}
    for setting in SETTINGS:
        aucs, normal_means, anomaly_means, flagged = [], [], [], []
        for s in range(N_SEEDS):
            forest = IsolationForest(random_state=s, **setting["kwargs"]).fit(x)
            assert forest.offset_ == -0.5
            scores = forest.score_samples(x)
            aucs.append(roc_auc_score(y, -scores))
            normal_means.append(scores[y == 0].mean())
            anomaly_means.append(scores[y == 1].mean())
            contaminated = IsolationForest(
                random_state=s, contamination=0.05, **setting["kwargs"]
            ).fit(x)
            flagged.append(int((contaminated.predict(x) == -1).sum()))
        out["settings"].append({
            "name": setting["name"],
            "params": setting["kwargs"],
            "auc_mean": float(np.mean(aucs)),
            "auc_std": float(np.std(aucs)),
            "normal_score_mean": float(np.mean(normal_means)),
            "anomaly_score_mean": float(np.mean(anomaly_means)),
            "flagged_mean": float(np.mean(flagged)),
            "flagged_min": int(np.min(flagged)),
            "flagged_max": int(np.max(flagged)),
        })
    return out


def main():
    rng = np.random.default_rng(SEED)
    expected = {
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
        },
        "n_seeds": N_SEEDS,
        "average_path_length": {
            "n": N_VALUES,
            "c": floats(_average_path_length(np.array(N_VALUES, dtype=np.float64))),
        },
        "auto_offset": float(IsolationForest().fit(np.zeros((3, 1)) + [[0], [1], [2]]).offset_),
        "cases": [case(name, make, rng) for name, make in DATASETS],
    }
    path = Path(__file__).with_name("expected.json")
    path.write_text(json.dumps(expected, indent=None, separators=(",", ":")) + "\n")
    for c in expected["cases"]:
        for s in c["settings"]:
            print(c["name"], s["name"], round(s["auc_mean"], 4), round(s["auc_std"], 4),
                  s["flagged_mean"], s["flagged_min"], s["flagged_max"])


if __name__ == "__main__":
    main()
