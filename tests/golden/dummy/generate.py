"""Golden outputs of scikit-learn's DummyClassifier and DummyRegressor.

Runs every strategy on seeded data, with and without sample weights, including ties for
most_frequent, class totals that only tie before rounding, zero-weight classes, and weighted
medians/quantiles at tricky points (cumulative weights landing exactly on or a rounding error away
from the requested rank, zero weights at either end, ties, more than 128 values for numpy's
pairwise summation). Writes expected.json next to this file; crates/satori-baseline/tests/golden.rs
reads it. Run it with tests/golden/regenerate.sh dummy.
"""

import json
import platform
from pathlib import Path

import numpy as np
import sklearn
from sklearn.dummy import DummyClassifier, DummyRegressor

SEED = 20260
N_TEST = 4
N_DRAWS = 20000
QUANTILES = [0.0, 0.07, 0.1, 0.25, 0.29, 1 / 3, 0.5, 0.57, 0.75, 0.9, 0.999, 1.0]
# Every percent: numpy interpolates from the nearer neighbour (a + (b - a) g below g = 0.5,
# b - (b - a) (1 - g) from 0.5 on), and the two forms round differently for some of these.
QUANTILE_GRID = [k / 100 for k in range(1, 100)]


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def classifier_case(name, y, weights=None, n_features=2):
    y = np.asarray(y, dtype=object).astype(str)
    X = np.zeros((len(y), n_features))
    X_test = np.ones((N_TEST, n_features))
    sw = None if weights is None else np.asarray(weights, dtype=np.float64)
    out = {
        "name": name,
        "y": y.tolist(),
        "weights": None if sw is None else floats(sw),
        "n_features": n_features,
    }
    for strategy in ["most_frequent", "prior", "uniform"]:
        clf = DummyClassifier(strategy=strategy, random_state=0).fit(X, y, sample_weight=sw)
        out["classes"] = clf.classes_.tolist()
        out["class_prior"] = floats(clf.class_prior_)
        entry = {"proba": [floats(r) for r in clf.predict_proba(X_test)]}
        if strategy != "uniform":
            entry["predict"] = clf.predict(X_test).tolist()
        out[strategy] = entry
    # Random strategies: sklearn's empirical class frequencies over many draws (its generator is
    # not ours, so the Rust test compares distributions, not values).
    X_many = np.zeros((N_DRAWS, n_features))
    for strategy in ["stratified", "uniform"]:
        clf = DummyClassifier(strategy=strategy, random_state=0).fit(X, y, sample_weight=sw)
        pred = clf.predict(X_many)
        freq = [float(np.mean(pred == c)) for c in clf.classes_]
        out.setdefault(strategy, {})["freq"] = freq
    constant = out["classes"][-1]
    clf = DummyClassifier(strategy="constant", constant=constant).fit(X, y, sample_weight=sw)
    out["constant"] = {
        "constant": constant,
        "predict": clf.predict(X_test).tolist(),
        "proba": [floats(r) for r in clf.predict_proba(X_test)],
    }
    return out


def regressor_case(name, y, weights=None, n_features=1, quantiles=QUANTILES):
    y = np.asarray(y, dtype=np.float64)
    X = np.zeros((len(y), n_features))
    X_test = np.ones((N_TEST, n_features))
    sw = None if weights is None else np.asarray(weights, dtype=np.float64)
    out = {
        "name": name,
        "y": floats(y),
        "weights": None if sw is None else floats(sw),
        "n_features": n_features,
    }

    def fit(**kw):
        reg = DummyRegressor(**kw).fit(X, y, sample_weight=sw)
        pred = reg.predict(X_test)
        assert np.all(pred == pred[0])
        return float(reg.constant_[0, 0])

    out["mean"] = fit(strategy="mean")
    out["median"] = fit(strategy="median")
    out["quantiles"] = [{"q": q, "value": fit(strategy="quantile", quantile=q)} for q in quantiles]
    out["constant"] = {"constant": 3.25, "value": fit(strategy="constant", constant=3.25)}
    return out


def main():
    rng = np.random.default_rng(SEED)
    three = rng.choice(["ant", "bee", "cat"], size=25, p=[0.5, 0.3, 0.2])
    many = rng.choice([f"c{i:02d}" for i in range(12)], size=200)
    classifiers = [
        classifier_case("three_classes", three),
        classifier_case("three_classes_weighted", three, rng.uniform(0.1, 3.0, size=25)),
        # a and b both occur twice: argmax takes the first in sorted order.
        classifier_case("count_tie", ["b", "a", "b", "a", "c"]),
        # weighted totals a = 0.5 + 1.0 = 1.5 and b = 0.75 + 0.75 = 1.5 tie exactly.
        classifier_case("weighted_tie", ["b", "a", "b", "a", "c"], [0.75, 0.5, 0.75, 1.0, 1.4]),
        # b = 0.1 + 0.2 = 0.30000000000000004 beats a = 0.3 by one rounding error.
        classifier_case("rounding_tie", ["b", "b", "a"], [0.1, 0.2, 0.3]),
        # z occurs only with weight zero: prior 0, yet one of classes_ (uniform and constant).
        classifier_case("zero_weight_class", ["x", "y", "z", "y", "x", "z"], [1, 2, 0, 1, 1, 0]),
        classifier_case("many_classes_weighted", many, rng.uniform(0.0, 2.0, size=200), 3),
        classifier_case("single_class", ["only"] * 4),
    ]

    normal_odd = rng.normal(1.0, 3.0, size=31)
    normal_even = rng.normal(-2.0, 0.5, size=30)
    tenths_y = rng.permutation(10).astype(np.float64)
    big = 1e8 + rng.normal(size=300)
    huge = rng.normal(size=50) * 1e15 + rng.uniform(size=50)
    regressors = [
        regressor_case("normal_odd", normal_odd),
        regressor_case("normal_even", normal_even),
        regressor_case("normal_odd_grid", normal_odd, quantiles=QUANTILE_GRID),
        regressor_case("normal_even_weighted_grid", normal_even, rng.uniform(0.0, 2.0, size=30),
                       quantiles=QUANTILE_GRID),
        regressor_case("huge_grid", rng.normal(size=57) * 1e12, quantiles=QUANTILE_GRID),
        regressor_case("normal_odd_weighted", normal_odd, rng.uniform(0.0, 2.0, size=31)),
        regressor_case("normal_even_weighted", normal_even, rng.exponential(size=30)),
        regressor_case("four", [1.0, 2.0, 3.0, 4.0]),
        # unit weights: sklearn's weighted median is 2, np.median would say 2.5.
        regressor_case("four_unit_weights", [1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 1.0]),
        regressor_case("zero_weights_at_ends", [1.0, 2.0, 3.0, 4.0, 5.0], [0, 0, 1, 1, 0]),
        regressor_case(
            "weighted_ties", [2.0, 2.0, 1.0, 3.0, 3.0, 2.0], [0.25, 0.5, 1.0, 0.75, 0.5, 0.25]
        ),
        # ten weights of 0.1 sum to 0.9999999999999999: ranks land next to the steps.
        regressor_case("tenths", tenths_y, [0.1] * 10),
        regressor_case("pairwise_300", big),
        regressor_case("pairwise_300_weighted", big, rng.uniform(0.5, 1.5, size=300)),
        regressor_case("huge_magnitude", huge, rng.uniform(0.0, 1.0, size=50)),
        regressor_case("single", [7.5]),
        regressor_case("single_weighted", [7.5], [0.3]),
    ]

    out = {
        "generator": "tests/golden/dummy/generate.py",
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "sklearn": sklearn.__version__,
        },
        "seed": SEED,
        "n_test": N_TEST,
        "n_draws": N_DRAWS,
        "classifier": classifiers,
        "regressor": regressors,
    }
    path = Path(__file__).with_name("expected.json")
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
