"""Golden folds for satori's deterministic splitters (KFold, StratifiedKFold, GroupKFold,
TimeSeriesSplit, all unshuffled), from scikit-learn. Writes expected.json next to this file.

Run with the pinned venv: tests/golden/regenerate.sh splits
"""
import json
import platform

import numpy as np
import sklearn
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold, TimeSeriesSplit

rng = np.random.RandomState(0)


def folds(splitter, n, y=None, groups=None):
    X = np.zeros((n, 1))
    out = []
    for train, test in splitter.split(X, y, groups):
        out.append({"train": [int(i) for i in train], "test": [int(i) for i in test]})
    return out


cases = []

for n, k in [(10, 2), (10, 3), (17, 5), (5, 5), (101, 7)]:
    cases.append({"name": f"kfold_n{n}_k{k}", "kind": "k_fold", "n_samples": n, "n_splits": k,
                  "folds": folds(KFold(k), n)})

strat_inputs = {
    "balanced_binary": ["b", "a"] * 10,
    "imbalanced_3": list(rng.choice(["x", "y", "z"], size=40, p=[0.6, 0.3, 0.1])),
    "appearance_order": ["c"] * 7 + ["a"] * 5 + ["b"] * 9 + ["a"] * 4,
    "many_classes": list(rng.choice([f"k{i}" for i in range(6)], size=97)),
}
for name, y in strat_inputs.items():
    y = [str(v) for v in y]
    counts = {c: y.count(c) for c in set(y)}
    for k in [2, 3, 5]:
        if min(counts.values()) < k:
            continue
        cases.append({"name": f"stratified_{name}_k{k}", "kind": "stratified_k_fold",
                      "n_samples": len(y), "n_splits": k, "y": y,
                      "folds": folds(StratifiedKFold(k), len(y), y=y)})

group_inputs = {
    "distinct_sizes": [f"g{i}" for i in range(8) for _ in range(i + 1)],
    "random_groups": [f"u{v}" for v in rng.randint(0, 12, size=60)],
    "tied_sizes": [f"t{i % 6}" for i in range(36)],
    "shuffled_labels": list(rng.permutation([f"s{i}" for i in range(10) for _ in range(1 + i % 4)])),
}
for name, groups in group_inputs.items():
    groups = [str(g) for g in groups]
    for k in [2, 3, 4]:
        cases.append({"name": f"group_{name}_k{k}", "kind": "group_k_fold",
                      "n_samples": len(groups), "n_splits": k, "groups": groups,
                      "folds": folds(GroupKFold(k), len(groups), groups=groups)})

for n, k, max_train, test_size, gap in [
    (10, 3, None, None, 0), (23, 5, None, None, 0), (23, 4, 6, None, 0), (30, 3, None, 4, 2),
    (50, 5, 10, 5, 3), (7, 6, None, None, 0),
]:
    cases.append({"name": f"ts_n{n}_k{k}_m{max_train}_t{test_size}_g{gap}",
                  "kind": "time_series_split", "n_samples": n, "n_splits": k,
                  "max_train_size": max_train, "test_size": test_size, "gap": gap,
                  "folds": folds(TimeSeriesSplit(k, max_train_size=max_train,
                                                 test_size=test_size, gap=gap), n)})

out = {
    "generator": "tests/golden/splits/generate.py",
    "versions": {"python": platform.python_version(), "numpy": np.__version__,
                 "scikit-learn": sklearn.__version__},
    "cases": cases,
}
with open("expected.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(f"wrote {len(cases)} cases")
