"""Golden raw scores of LightGBM 4.7.0's `Booster.refit` (leaf values refitted on new rows with a
decay rate) on pre-binned data, for satori's `refit` of a boosting model.

The data follow tests/golden/gbm_lightgbm: small non-negative integer features (each value its own
bin in both libraries) and matched settings. LightGBM folds its boost_from_average score into the
first tree and restarts the refit's scores from 0, while satori keeps the initial score apart; so
that both start the refit from the same place, the regression target is centred (mean 0) and the
binary classes are exactly balanced (log-odds 0): both libraries' initial score is then 0 (a
nonzero one would also set LightGBM's first tree's shrinkage to 1, which its refit then uses). The new
rows come from a drifted relation. The Rust test (crates/satori-gbm/tests/refit_golden.rs) trains
satori's model with the same parameters, refits it with the same decay and compares raw scores on
test rows. Writes expected.json next to this file; run it with tests/golden/regenerate.sh gbm_refit.
"""

import json
import platform
from pathlib import Path

import lightgbm
import numpy as np
import sklearn

SEED = 20262
N_TRAIN = 3000
N_NEW = 1500
N_TEST = 600
CARDINALITIES = [2, 5, 12, 30, 64, 120]
COMMON = dict(
    learning_rate=0.1,
    num_leaves=15,
    max_depth=-1,
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


def signal(x, drift):
    return (
        (1.5 - 2.0 * drift) * (x[:, 0] - 0.5)
        + 0.4 * np.sin(x[:, 1])
        + (0.08 + 0.05 * drift) * x[:, 2]
        - 0.002 * (x[:, 3] - 15) ** 2
        + 0.01 * x[:, 4]
        - 0.006 * x[:, 5]
        + 0.5 * (x[:, 2] > 6) * (x[:, 4] < 30)
    )


def balanced_labels(rng, f):
    """Exactly half the rows positive: the half with the highest noisy score."""
    s = f - f.mean() + 0.5 * rng.standard_normal(len(f))
    y = np.zeros(len(f))
    y[np.argsort(s)[len(f) // 2 :]] = 1.0
    return y


def case(name, objective, rounds, decay, x_train, y_train, x_new, y_new, x_test):
    params = dict(COMMON, objective=objective, n_estimators=rounds)
    if objective == "regression":
        model = lightgbm.LGBMRegressor(**params)
    else:
        model = lightgbm.LGBMClassifier(**params)
    model.fit(x_train, y_train)
    before = np.asarray(model.booster_.predict(x_test, raw_score=True), dtype=np.float64)
    refitted = model.booster_.refit(x_new, y_new, decay_rate=decay)
    after = np.asarray(refitted.predict(x_test, raw_score=True), dtype=np.float64)
    return {
        "name": name,
        "objective": objective,
        "rounds": rounds,
        "decay_rate": decay,
        "y_train": [float(v) for v in y_train],
        "y_new": [float(v) for v in y_new],
        "raw_before": [float(v) for v in before],
        "raw_after": [float(v) for v in after],
    }


def main():
    rng = np.random.default_rng(SEED)
    x_train = make_x(rng, N_TRAIN)
    x_new = make_x(rng, N_NEW)
    x_test = make_x(rng, N_TEST)
    f_old = signal(x_train, 0.0)
    f_new = signal(x_new, 1.0)
    y_reg = f_old + 0.3 * rng.standard_normal(N_TRAIN)
    # Multiples of 2^-6 summing to exactly 0, so that LightGBM's mean of its float32 labels is 0
    # too: any nonzero average is folded into the first tree, whose shrinkage becomes 1.
    y_reg = np.round((y_reg - y_reg.mean()) * 64) / 64
    y_reg[-1] -= y_reg.sum()
    assert y_reg.sum() == 0.0
    y_reg_new = f_new - f_old.mean() + 0.3 * rng.standard_normal(N_NEW)
    y_bin = balanced_labels(rng, f_old)
    y_bin_new = (rng.random(N_NEW) < 1 / (1 + np.exp(-2 * (f_new - f_old.mean())))).astype(
        np.float64
    )
    out = {
        "versions": {
            "lightgbm": lightgbm.__version__,
            "numpy": np.__version__,
            "sklearn": sklearn.__version__,
            "python": platform.python_version(),
        },
        "seed": SEED,
        "x_train": x_train.astype(int).tolist(),
        "x_new": x_new.astype(int).tolist(),
        "x_test": x_test.astype(int).tolist(),
        "cases": [
            case("regression", "regression", 40, 0.5, x_train, y_reg, x_new, y_reg_new, x_test),
            case("regression_decay0", "regression", 40, 0.0, x_train, y_reg, x_new, y_reg_new, x_test),
            case("binary", "binary", 20, 0.9, x_train, y_bin, x_new, y_bin_new, x_test),
        ],
    }
    path = Path(__file__).with_name("expected.json")
    path.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
