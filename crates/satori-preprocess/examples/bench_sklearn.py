"""scikit-learn side of bench_scale_impute.rs: StandardScaler and SimpleImputer(median)
fit_transform on a 1M x 28 C-ordered float64 matrix with 10% NaN, median of 3 runs."""

import time

import numpy as np
import sklearn
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler

rng = np.random.default_rng(42)
X = rng.normal(size=(1_000_000, 28)) * 3.0 + 1.0
X[rng.random(X.shape) < 0.1] = np.nan


def median_of_3(make):
    times = []
    for _ in range(3):
        t = time.perf_counter()
        make().fit(X).transform(X)
        times.append(time.perf_counter() - t)
    return sorted(times)[1]


scale = median_of_3(StandardScaler)
impute = median_of_3(lambda: SimpleImputer(strategy="median"))
print(f"sklearn {sklearn.__version__} standard_scaler {scale:.3f} s  median_imputer {impute:.3f} s")
