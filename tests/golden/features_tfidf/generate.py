"""Golden outputs of scikit-learn's TfidfVectorizer and HashingVectorizer for
crates/satori-features/tests/text.rs.

A small corpus with upper case, punctuation, digits, underscores, unicode letters (accents,
Greek with a final sigma, a dotted capital I, a combining accent, a vulgar fraction), repeated
words and empty documents; held-out documents with unknown words. For several parameter sets:
the sorted vocabulary (get_feature_names_out), idf_, and the transform of the training and
held-out documents as CSR rows (column indices and values). HashingVectorizer: the CSR rows for
several n_features (2**20 and a small 16 with collisions), signs, binary and norms.

Writes expected.json next to this file. Run it with tests/golden/regenerate.sh features_tfidf.
"""

import json
import platform
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer

CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "The dog barks; the fox runs away!! The END.",
    "",
    "Café crème, déjà vu: naïve coöperation — 42 times, x_y and a b c.",
    "ΣΟΦΟΣ σοφός ΣΟΦΟΣ İstanbul cafe\u0301 ½½ 3½ under_score __init__",
    "dog dog dog cat cat mouse",
    "   ...   ",
    "The lazy cat sleeps; the quick dog jumps. Dog days!",
    "fox, fox, FOX: the fox is quick and brown",
    "naïve cat meets a naïve dog",
]

NEW = [
    "A quick unknown zebra meets the brown dog",
    "",
    "entirely unseen words here",
    "FOX fox Fox café crème",
]

TFIDF_CASES = [
    {},
    {"ngram_range": [1, 2], "min_df": 2},
    {"max_df": 0.5, "sublinear_tf": True, "norm": "l1"},
    {"use_idf": False, "norm": None, "binary": True},
    {"smooth_idf": False, "max_features": 6},
    {"lowercase": False, "ngram_range": [2, 3], "min_df": 0.2},
    {"max_df": 3, "min_df": 2, "sublinear_tf": True},
]

HASHING_CASES = [
    {},
    {"n_features": 16},
    {"n_features": 16, "alternate_sign": False, "norm": "l1"},
    {"n_features": 16, "binary": True, "norm": None},
    {"n_features": 64, "ngram_range": [1, 2], "norm": None},
]


def rows(m):
    m = m.tocsr()
    m.sort_indices()
    out = []
    for i in range(m.shape[0]):
        a, b = m.indptr[i], m.indptr[i + 1]
        out.append({"indices": [int(j) for j in m.indices[a:b]],
                    "values": [float(v) for v in m.data[a:b]]})
    return out


def params_json(p):
    return {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in p.items()}


def main():
    tfidf = []
    for p in TFIDF_CASES:
        kw = dict(p)
        if "ngram_range" in kw:
            kw["ngram_range"] = tuple(kw["ngram_range"])
        v = TfidfVectorizer(**kw)
        x = v.fit_transform(CORPUS)
        tfidf.append({
            "params": params_json(p),
            "vocabulary": [str(t) for t in v.get_feature_names_out()],
            "idf": [float(t) for t in v.idf_] if v.use_idf else [],
            "fit_transform": rows(x),
            "transform_new": rows(v.transform(NEW)),
        })
    hashing = []
    for p in HASHING_CASES:
        kw = dict(p)
        if "ngram_range" in kw:
            kw["ngram_range"] = tuple(kw["ngram_range"])
        v = HashingVectorizer(**kw)
        hashing.append({
            "params": params_json(p),
            "n_features": v.n_features,
            "transform": rows(v.transform(CORPUS + NEW)),
        })
    out = {
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "sklearn": sklearn.__version__,
        },
        "corpus": CORPUS,
        "new": NEW,
        "tfidf": tfidf,
        "hashing": hashing,
    }
    path = Path(__file__).with_name("expected.json")
    path.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
