"""Golden sparse outputs of scikit-learn's OneHotEncoder (sparse_output=True, its default) for
crates/satori-preprocess/tests/one_hot_sparse.rs, which compares OneHotEncoder::transform_csr
with them exactly (indptr, indices, data, shape, output names).

Two seeded data sets: "mixed" (a categorical column with Zipf-like counts, a missing value and a
schema category never seen at fit; a binary categorical column; a numeric column with zeros and
NaN, passed through; a categorical column with 30 categories, many rare; a numeric column of
small integers) and "categorical" (the three categorical columns only, so that every column is
encoded). Test rows hold unknown codes (in the schema but unseen, and outside the schema) and a
missing value where none was seen at fit.

satori encodes chosen columns in place and passes the others through; scikit-learn's encoder takes
the encoded columns only, so each case fits one scikit-learn encoder per encoded column and joins
the blocks with scipy.sparse.hstack(format="csr"), a passed-through column entering as
csr_matrix(column) (its non-zero values, NaN included): the structure ColumnTransformer builds
for sparse output. Where scikit-learn raises for an unknown category, the test output is null.

Writes expected.json next to this file. Run: tests/golden/regenerate.sh one_hot_sparse
"""

import json
import platform
import warnings
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.preprocessing import OneHotEncoder

warnings.filterwarnings("ignore", message="Found unknown categories")

SEED = 4004
rng = np.random.default_rng(SEED)


def clean(v):
    """JSON-ready: NaN as null."""
    if isinstance(v, (list, tuple, np.ndarray)):
        return [clean(x) for x in v]
    if isinstance(v, (float, np.floating)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def combiner(labels):
    """Output names as satori writes them: the schema label of a code, `nan`, or the value."""

    def name(feature, category):
        if not feature[1:].isdigit():  # scikit-learn's own dry run of the combiner
            return f"{feature}_{category}"
        j = int(feature[1:])
        if isinstance(category, str):
            return f"{feature}_{category}"
        if np.isnan(category):
            return f"{feature}_nan"
        if labels[j] is not None:
            return f"{feature}_{labels[j][int(category)]}"
        return f"{feature}_{float(category)!r}"

    return name


def mixed_data():
    n = 240
    labels = [
        ["a", "b", "c", "d", "e", "f", "g", "h"],
        ["no", "yes"],
        None,
        [f"k{i}" for i in range(30)],
        None,
    ]
    w = 1.0 / np.arange(1, 8) ** 1.3
    c0 = rng.choice(7, size=n, p=w / w.sum()).astype(float)  # "h" (7) never seen at fit
    c0[rng.random(n) < 0.04] = np.nan
    c1 = (rng.random(n) < 0.3).astype(float)
    num = np.round(rng.normal(size=n), 3)
    num[rng.random(n) < 0.3] = 0.0
    num[rng.random(n) < 0.05] = np.nan
    w = 1.0 / np.arange(1, 31) ** 1.1
    c3 = rng.permutation(30)[rng.choice(30, size=n, p=w / w.sum())].astype(float)
    small = rng.integers(-1, 3, size=n).astype(float)
    x = np.column_stack([c0, c1, num, c3, small])
    x_test = np.array(
        [
            [0, 1, 0.5, 3, 2],
            [7, 0, 0.0, 5, -1],  # 7 = "h": in the schema, not seen at fit
            [11, 1, np.nan, 29, 0],  # 11: outside the schema
            [np.nan, 0, -2.0, 31, 1],  # 31: outside the schema
            [4, np.nan, 3.0, 0, 5],  # missing in the binary column: not seen at fit
            [2, 0, 0.0, 12, 0],
            [1, 1, 1.25, 7, 1],
        ],
        dtype=float,
    )
    known = x_test[[0, 5, 6]]
    return x, x_test, known, labels


def csr_json(m):
    m = sp.csr_matrix(m)
    assert m.has_sorted_indices
    return {
        "shape": list(m.shape),
        "indptr": [int(v) for v in m.indptr],
        "indices": [int(v) for v in m.indices],
        "data": clean(m.data),
    }


CASES = []


def add(name, params, x, x_test, labels):
    p = x.shape[1]
    names = [f"f{j}" for j in range(p)]
    columns = params.get("columns") or [j for j in range(p) if labels[j] is not None]
    kw = {k: v for k, v in params.items() if k != "columns"}
    encoders = {
        j: OneHotEncoder(feature_name_combiner=combiner(labels), **kw).fit(x[:, [j]])
        for j in columns
    }

    def assemble(data):
        blocks = []
        for j in range(p):
            if j in columns:
                out = encoders[j].transform(data[:, [j]])
                assert sp.issparse(out)
                blocks.append(out)
            else:
                blocks.append(sp.csr_matrix(data[:, [j]]))
        return sp.hstack(blocks, format="csr")

    out_names = []
    for j in range(p):
        if j in columns:
            out_names += [str(s) for s in encoders[j].get_feature_names_out([names[j]])]
        else:
            out_names.append(names[j])
    try:
        out_test = csr_json(assemble(x_test))
    except ValueError as e:
        assert "unknown categor" in str(e), e
        out_test = None
    CASES.append(
        {
            "name": name,
            "params": params,
            "names_in": names,
            "categories": labels,
            "x_fit": clean(x),
            "x_test": clean(x_test),
            "out_fit": csr_json(assemble(x)),
            "out_test": out_test,
            "names_out": out_names,
        }
    )


def main():
    x, x_test, known, labels = mixed_data()
    mixed = [
        ({}, known),
        ({}, x_test),
        ({"handle_unknown": "ignore"}, x_test),
        ({"handle_unknown": "ignore", "drop": "first"}, x_test),
        ({"handle_unknown": "ignore", "drop": "if_binary"}, x_test),
        ({"handle_unknown": "infrequent_if_exist", "min_frequency": 5}, x_test),
        ({"handle_unknown": "infrequent_if_exist", "max_categories": 4}, x_test),
        ({"handle_unknown": "ignore", "min_frequency": 0.05}, x_test),
        ({"handle_unknown": "error", "max_categories": 3}, known),
        ({"handle_unknown": "infrequent_if_exist", "min_frequency": 3, "max_categories": 6,
          "drop": "first"}, x_test),
        ({"columns": [1, 4], "handle_unknown": "ignore"}, x_test),
        ({"columns": [2], "handle_unknown": "ignore"}, x_test),
    ]
    for i, (params, test) in enumerate(mixed):
        tag = "_".join(f"{k}={v}" for k, v in params.items()) or "default"
        add(f"mixed_{i}_{tag}", params, x, test, labels)
    cat = [0, 1, 3]
    cat_labels = [labels[j] for j in cat]
    xc, tc, kc = x[:, cat], x_test[:, cat], known[:, cat]
    only = [
        ({}, kc),
        ({"handle_unknown": "infrequent_if_exist", "max_categories": 2}, tc),
        ({"handle_unknown": "ignore"}, tc),
        ({"handle_unknown": "ignore", "drop": "first"}, tc),
    ]
    for i, (params, test) in enumerate(only):
        tag = "_".join(f"{k}={v}" for k, v in params.items()) or "default"
        add(f"categorical_{i}_{tag}", params, xc, test, cat_labels)
    out = {
        "generator": "tests/golden/one_hot_sparse/generate.py",
        "seed": SEED,
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__,
        },
        "cases": CASES,
    }
    path = Path(__file__).with_name("expected.json")
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {len(CASES)} cases to {path}")


if __name__ == "__main__":
    main()
