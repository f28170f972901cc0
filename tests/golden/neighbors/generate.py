"""Golden outputs of scikit-learn's nearest-neighbour search and knn models.

- NearestNeighbors.kneighbors (k=5) on breast_cancer, standardised (30 columns, no duplicate rows,
  so no ties: indices must match exactly), with algorithm='brute' and 'kd_tree', p=2 and p=1, for
  held-out queries and for the training rows themselves (kneighbors() without X).
- The same on iris, standardised, which has duplicate rows, and on iris stacked twice (every row
  duplicated): distances must match, and where scikit-learn's index differs from satori's at a
  position the two rows are at the same distance from the query. scikit-learn orders equal
  distances by its algorithm's visiting order (the KD-tree's heap, the brute force's
  argpartition), satori by row index; both are "the k nearest", so only the tie order differs.
- KNeighborsClassifier predict_proba / predict (uniform and distance weights) on breast_cancer
  (2 classes) and iris (3 classes; queries include training rows, distance 0, where scikit-learn
  gives the exact matches weight 1 and the others 0; the KD-tree computes those distances
  directly, so they are exactly 0).
- KNeighborsRegressor predict (uniform and distance, p=2 and p=1) on diabetes, standardised.

Writes expected.json next to this file; crates/satori-neighbors/tests/golden.rs reads it. Run it
with tests/golden/regenerate.sh neighbors.
"""

import json
import platform
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor, NearestNeighbors
from sklearn.preprocessing import StandardScaler

K = 5


def rows(a):
    return [[float(v) for v in r] for r in np.asarray(a, dtype=np.float64)]


def split(X, n_train):
    X = StandardScaler().fit_transform(X)
    return X[:n_train], X[n_train:]


def search_case(name, X_train, X_test, exact_order):
    out = {"name": name, "x": rows(X_train), "queries": rows(X_test), "k": K,
           "exact_order": exact_order, "runs": []}
    for algorithm in ["brute", "kd_tree"]:
        for p in [2, 1]:
            nn = NearestNeighbors(n_neighbors=K, algorithm=algorithm, p=p).fit(X_train)
            d, i = nn.kneighbors(X_test)
            ds, is_ = nn.kneighbors()
            out["runs"].append({
                "algorithm": algorithm, "p": p,
                "indices": i.tolist(), "distances": rows(d),
                "self_indices": is_.tolist(), "self_distances": rows(ds),
            })
    return out


def classifier_case(name, X_train, y_train, X_test, algorithm):
    out = {"name": name, "x": rows(X_train), "y": [int(v) for v in y_train],
           "queries": rows(X_test), "n_classes": int(y_train.max()) + 1, "runs": []}
    for weights in ["uniform", "distance"]:
        for k in [K, 8]:
            clf = KNeighborsClassifier(n_neighbors=k, weights=weights, algorithm=algorithm)
            clf.fit(X_train, y_train)
            out["runs"].append({
                "weights": weights, "n_neighbors": k, "algorithm": algorithm,
                "proba": rows(clf.predict_proba(X_test)),
                "predict": [int(v) for v in clf.predict(X_test)],
            })
    return out


def regressor_case(name, X_train, y_train, X_test):
    out = {"name": name, "x": rows(X_train), "y": [float(v) for v in y_train],
           "queries": rows(X_test), "runs": []}
    for weights in ["uniform", "distance"]:
        for p in [2, 1]:
            for k in [K, 9]:
                reg = KNeighborsRegressor(n_neighbors=k, weights=weights, p=p, algorithm="kd_tree")
                reg.fit(X_train, y_train)
                out["runs"].append({
                    "weights": weights, "p": p, "n_neighbors": k,
                    "predict": [float(v) for v in reg.predict(X_test)],
                })
    return out


def main():
    bc = load_breast_cancer()
    bc_train, bc_test = split(bc.data, 400)
    iris = load_iris()
    # Shuffle iris with a fixed permutation so classes are mixed between train and test.
    perm = np.random.RandomState(0).permutation(150)
    iris_X = StandardScaler().fit_transform(iris.data)[perm]
    iris_y = iris.target[perm]
    iris_train, iris_test = iris_X[:110], iris_X[110:]
    # Queries with exact training rows among them (zero distances).
    iris_queries = np.vstack([iris_test, iris_train[:10]])
    doubled = np.vstack([iris_X[:40], iris_X[:40]])
    db = load_diabetes()
    db_train, db_test = split(db.data, 342)

    expected = {
        "versions": {
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "python": platform.python_version(),
        },
        "search": [
            search_case("breast_cancer", bc_train, bc_test, True),
            search_case("iris", iris_train, iris_test, False),
            search_case("iris_doubled", doubled, iris_X[40:60], False),
        ],
        "classifier": [
            classifier_case("breast_cancer", bc_train, bc.target[:400], bc_test, "brute"),
            classifier_case("iris", iris_train, iris_y[:110], iris_queries, "kd_tree"),
        ],
        "regressor": [regressor_case("diabetes", db_train, db.target[:342], db_test)],
    }
    path = Path(__file__).with_name("expected.json")
    path.write_text(json.dumps(expected) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
