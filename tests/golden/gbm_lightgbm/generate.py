"""Golden predictions of LightGBM 4.7.0 on pre-binned data, in the spirit of scikit-learn's
ensemble/_hist_gradient_boosting/tests/test_compare_lightgbm.py.

Every feature holds small non-negative integers (fewer distinct values than max_bin), so both
libraries put each value in its own bin and see the same histograms; LightGBM runs with matched
settings (min_data_in_bin=1, min_sum_hessian_in_leaf=1e-3, no bagging or feature sampling, no
regularisation, boost_from_average). The Rust test (crates/satori-gbm/tests/golden.rs) trains
satori's models with the same parameters and compares raw scores statistically. Writes
expected.json next to this file; run it with tests/golden/regenerate.sh gbm_lightgbm.
"""

import json
import platform
from pathlib import Path

import lightgbm
import numpy as np
import sklearn

SEED = 20261
N_TRAIN = 3000
N_TEST = 600
# Distinct values per feature: all below max_bin = 255.
CARDINALITIES = [2, 5, 12, 30, 64, 120]
# Rounds per case. Late rounds fit noise with near-equal split gains, which LightGBM (float32
# gradients) and satori (float64) can break differently; like scikit-learn's comparison, the
# classifiers use fewer rounds so that the comparison tests the algorithm, not tie-breaking.
ROUNDS = {"regression": 40, "binary": 20, "multiclass": 10}
COMMON = dict(
    learning_rate=0.1,
    num_leaves=15,
    max_depth=-1,
    # LightGBM checks min_data_in_leaf against counts estimated from hessians, satori against
    # true counts; scikit-learn's test_compare_lightgbm.py sets it to 1 for the same reason.
    min_child_samples=1,
    min_child_weight=1e-3,
    min_data_in_bin=1,
    max_bin=255,
    subsample=1.0,
    subsample_freq=0,
    colsample_bytree=1.0,
    reg_alpha=0.0,
    reg_lambda=0.0,
    min_split_gain=0.0,
    boost_from_average=True,
    n_jobs=1,
    deterministic=True,
    force_col_wise=True,
    random_state=0,
    verbose=-1,
)


def make_x(rng, n):
    return np.column_stack([rng.integers(0, c, size=n) for c in CARDINALITIES]).astype(np.float64)


def signal(x):
    return (
        1.5 * (x[:, 0] - 0.5)
        + 0.4 * np.sin(x[:, 1])
        + 0.08 * x[:, 2]
        - 0.002 * (x[:, 3] - 15) ** 2
        + 0.01 * x[:, 4]
        - 0.006 * x[:, 5]
        + 0.5 * (x[:, 2] > 6) * (x[:, 4] < 30)
    )


def case(name, objective, y_train, x_train, x_test, rounds):
    params = dict(COMMON, objective=objective, n_estimators=rounds)
    init = None
    if objective == "regression":
        model = lightgbm.LGBMRegressor(**params)
    else:
        model = lightgbm.LGBMClassifier(**params)
    if objective == "multiclass":
        # boost_from_average does not apply to softmax in LightGBM (it starts from 0); satori
        # starts from the log class prior, so LightGBM is given that as its init_score.
        prior = np.bincount(y_train.astype(int)) / len(y_train)
        init = np.log(prior)
        model.fit(x_train, y_train, init_score=np.tile(init, (len(y_train), 1)))
    else:
        model.fit(x_train, y_train)
    raw = model.predict(x_test, raw_score=True)
    raw = np.asarray(raw, dtype=np.float64).reshape(len(x_test), -1)
    if init is not None:
        raw = raw + init
    return {
        "name": name,
        "objective": objective,
        "params": {k: v for k, v in params.items() if isinstance(v, (int, float, str))},
        "y_train": [float(v) for v in y_train],
        "raw_test": [[float(v) for v in row] for row in raw],
    }


def main():
    rng = np.random.default_rng(SEED)
    x_train = make_x(rng, N_TRAIN)
    x_test = make_x(rng, N_TEST)
    f = signal(x_train)
    y_reg = f + 0.3 * rng.standard_normal(N_TRAIN)
    p = 1 / (1 + np.exp(-(2 * (f - f.mean()))))
    y_bin = (rng.random(N_TRAIN) < p).astype(np.float64)
    thirds = np.quantile(f, [1 / 3, 2 / 3])
    y_multi = np.digitize(f + 0.3 * rng.standard_normal(N_TRAIN), thirds).astype(np.float64)
    out = {
        "versions": {
            "lightgbm": lightgbm.__version__,
            "numpy": np.__version__,
            "sklearn": sklearn.__version__,
            "python": platform.python_version(),
        },
        "seed": SEED,
        "x_train": x_train.astype(int).tolist(),
        "x_test": x_test.astype(int).tolist(),
        "cases": [
            case("regression", "regression", y_reg, x_train, x_test, ROUNDS["regression"]),
            case("binary", "binary", y_bin, x_train, x_test, ROUNDS["binary"]),
            case("multiclass", "multiclass", y_multi, x_train, x_test, ROUNDS["multiclass"]),
        ],
    }
    path = Path(__file__).with_name("expected.json")
    path.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
