"""Golden outputs of imbalanced-learn's resamplers (crates/satori-imbalance/tests/golden.rs).

Two seeded data sets from scikit-learn's make_classification: a binary one with weights
[0.9, 0.1] and a 3-class one with weights [0.6, 0.3, 0.1].

- Deterministic samplers (TomekLinks, EditedNearestNeighbours, RepeatedEditedNearestNeighbours,
  AllKNN, NearMiss 1/2/3, NeighbourhoodCleaningRule): `sample_indices_`, which satori must equal
  row for row.
- Random samplers (RandomOverSampler, RandomUnderSampler, SMOTE, BorderlineSMOTE, ADASYN,
  SMOTEENN, SMOTETomek): the class counts after resampling. satori draws its randomness
  differently; the counts of the over- and under-samplers follow from the strategy (and, for
  Borderline-SMOTE and ADASYN, from deterministic neighbour counts), so they must be equal; after
  SMOTE+ENN / SMOTE+Tomek they depend on the synthetic rows and are compared loosely.

Run with tests/golden/regenerate.sh imbalance.
"""

import json
import platform
from collections import Counter
from pathlib import Path

import imblearn
import numpy as np
import sklearn
from imblearn.combine import SMOTEENN, SMOTETomek
from imblearn.over_sampling import ADASYN, SMOTE, BorderlineSMOTE, RandomOverSampler
from imblearn.under_sampling import (
    AllKNN,
    EditedNearestNeighbours,
    NearMiss,
    NeighbourhoodCleaningRule,
    RandomUnderSampler,
    RepeatedEditedNearestNeighbours,
    TomekLinks,
)
from sklearn.datasets import make_classification


def datasets():
    xb, yb = make_classification(
        n_samples=300, n_features=4, n_informative=3, n_redundant=1, n_clusters_per_class=2,
        weights=[0.9, 0.1], flip_y=0.02, class_sep=0.8, random_state=3,
    )
    xm, ym = make_classification(
        n_samples=360, n_features=5, n_informative=3, n_redundant=1, n_classes=3,
        n_clusters_per_class=1, weights=[0.6, 0.3, 0.1], flip_y=0.03, class_sep=0.7,
        random_state=7,
    )
    return {"binary": (xb, yb), "multiclass": (xm, ym)}


def deterministic():
    return {
        "tomek_links": TomekLinks(),
        "tomek_links_all": TomekLinks(sampling_strategy="all"),
        "edited_nearest_neighbours": EditedNearestNeighbours(),
        "edited_nearest_neighbours_mode_5": EditedNearestNeighbours(n_neighbors=5, kind_sel="mode"),
        "edited_nearest_neighbours_all": EditedNearestNeighbours(sampling_strategy="all"),
        "repeated_edited_nearest_neighbours": RepeatedEditedNearestNeighbours(),
        "all_knn": AllKNN(),
        "all_knn_allow_minority": AllKNN(allow_minority=True, n_neighbors=4),
        "near_miss_1": NearMiss(version=1),
        "near_miss_2": NearMiss(version=2),
        "near_miss_3": NearMiss(version=3),
        "near_miss_1_majority": NearMiss(version=1, sampling_strategy="majority", n_neighbors=2),
        "neighbourhood_cleaning_rule": NeighbourhoodCleaningRule(),
        "neighbourhood_cleaning_rule_all": NeighbourhoodCleaningRule(sampling_strategy="all"),
    }


def random(name):
    samplers = {
        "random_over_sampler": RandomOverSampler(random_state=0),
        "random_over_sampler_all": RandomOverSampler(sampling_strategy="all", random_state=0),
        "random_over_sampler_shrinkage": RandomOverSampler(shrinkage=1.0, random_state=0),
        "random_under_sampler": RandomUnderSampler(random_state=0),
        "random_under_sampler_not_majority": RandomUnderSampler(
            sampling_strategy="not majority", random_state=0
        ),
        "smote": SMOTE(random_state=0),
        "smote_minority_k3": SMOTE(sampling_strategy="minority", k_neighbors=3, random_state=0),
        "borderline_smote_1": BorderlineSMOTE(kind="borderline-1", random_state=0),
        "borderline_smote_2": BorderlineSMOTE(kind="borderline-2", random_state=0),
        "adasyn": ADASYN(random_state=0),
        "smote_enn": SMOTEENN(random_state=0),
        "smote_tomek": SMOTETomek(random_state=0),
    }
    if name == "binary":
        samplers["random_over_sampler_ratio"] = RandomOverSampler(
            sampling_strategy=0.5, random_state=0
        )
        samplers["random_under_sampler_ratio"] = RandomUnderSampler(
            sampling_strategy=0.25, random_state=0
        )
    else:
        samplers["smote_counts"] = SMOTE(sampling_strategy={1: 150, 2: 120}, random_state=0)
        samplers["random_under_sampler_counts"] = RandomUnderSampler(
            sampling_strategy={0: 100, 1: 50}, random_state=0
        )
    return samplers


def counts(y, n_classes):
    c = Counter(int(v) for v in y)
    return [c.get(k, 0) for k in range(n_classes)]


def main():
    out = {
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
            "imbalanced-learn": imblearn.__version__,
        },
        "datasets": {},
    }
    for name, (x, y) in datasets().items():
        n_classes = int(y.max()) + 1
        case = {"x": x.tolist(), "y": [int(v) for v in y], "selected": {}, "counts": {}}
        for key, sampler in deterministic().items():
            sampler.fit_resample(x, y)
            case["selected"][key] = [int(i) for i in sampler.sample_indices_]
        for key, sampler in random(name).items():
            _, yr = sampler.fit_resample(x, y)
            case["counts"][key] = counts(yr, n_classes)
        out["datasets"][name] = case
    path = Path(__file__).with_name("expected.json")
    path.write_text(json.dumps(out) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
