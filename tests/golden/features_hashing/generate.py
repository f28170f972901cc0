"""Golden outputs of scikit-learn's murmurhash3_32 and FeatureHasher for
crates/satori-features/tests/hashing.rs.

murmurhash3_32(s, seed=0, positive=False) of strings of every tail length, unicode and empty.
FeatureHasher(input_type="string") on lists of "column=value" tokens (repeated tokens, unicode
values, empty rows) with n_features 1024, 2**20 and 7, with and without alternate_sign, as CSR
rows. A small table (two categorical columns, one integer column with missing values) hashed
with satori's documented token rule (category label, whole numbers without a decimal point,
no token for a missing value), the rows built here in Python.

Writes expected.json next to this file. Run it with tests/golden/regenerate.sh features_hashing.
"""

import json
import platform
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.feature_extraction import FeatureHasher
from sklearn.utils import murmurhash3_32

STRINGS = ["", "a", "ab", "abc", "abcd", "abcde", "foo", "color=red", "size=XL",
           "naïve=café", "日本語=テスト", "x" * 37, "city=São Paulo", "n=-1"]

SAMPLES = [
    ["color=red", "size=L", "city=Paris"],
    ["color=blue", "color=blue", "size=XL"],
    [],
    ["naïve=café", "日本語=テスト", "color=red", "city=São Paulo"],
    ["a=1", "b=2", "c=3", "d=4", "e=5", "f=6", "g=7", "h=8"],
]

TABLE = {
    "color": ["red", "green", "blue", "green", None, "red"],
    "size": ["S", "M", "L", "XL", "M", None],
    "count": [3.0, None, 12.0, 0.0, -4.0, 7.0],
}
CATEGORIES = {"color": ["blue", "green", "red"], "size": ["L", "M", "S", "XL"]}


def rows(m):
    m = m.tocsr()
    m.sort_indices()
    out = []
    for i in range(m.shape[0]):
        a, b = m.indptr[i], m.indptr[i + 1]
        out.append({"indices": [int(j) for j in m.indices[a:b]],
                    "values": [float(v) for v in m.data[a:b]]})
    return out


def table_tokens():
    out = []
    for i in range(len(TABLE["color"])):
        toks = []
        for col in ["color", "size", "count"]:
            v = TABLE[col][i]
            if v is None:
                continue
            if col == "count":
                v = str(int(v))
            toks.append(f"{col}={v}")
        out.append(toks)
    return out


def main():
    hashes = {s: int(murmurhash3_32(s, seed=0, positive=False)) for s in STRINGS}
    cases = []
    for n_features in [1024, 2**20, 7]:
        for alternate_sign in [True, False]:
            h = FeatureHasher(n_features=n_features, input_type="string",
                              alternate_sign=alternate_sign)
            cases.append({
                "n_features": n_features,
                "alternate_sign": alternate_sign,
                "rows": rows(h.transform(SAMPLES)),
            })
    table = FeatureHasher(n_features=16, input_type="string").transform(table_tokens())
    out = {
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "sklearn": sklearn.__version__,
        },
        "hashes": hashes,
        "samples": SAMPLES,
        "cases": cases,
        "table": TABLE,
        "categories": CATEGORIES,
        "table_tokens": table_tokens(),
        "table_rows": rows(table),
    }
    path = Path(__file__).with_name("expected.json")
    path.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
