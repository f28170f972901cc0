"""Golden: SelectKBest(f_regression, k) on TfidfVectorizer output for a continuous target —
what `--set text.select_k_best=k` keeps for a regression model. Writes expected.json with the
documents, the target and the kept terms (scikit-learn's get_feature_names_out order)."""

import json

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.feature_selection import SelectKBest, f_regression

rng = np.random.default_rng(7)
vocab = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa",
         "lam", "mu", "nu", "xi", "omic", "pi", "rho", "sigma", "tau", "ups"]
weights = {"alpha": 3.0, "beta": -2.0, "gamma": 1.5, "delta": -1.0, "eps": 0.5}
docs, y = [], []
for i in range(300):
    words = list(rng.choice(vocab, size=int(rng.integers(3, 9))))
    docs.append(" ".join(words) + f" doc{i % 7}")
    y.append(float(sum(weights.get(w, 0.0) for w in words) + rng.normal() * 0.5))
x = TfidfVectorizer().fit_transform(docs)
vec = TfidfVectorizer().fit(docs)
cases = []
for k in [3, 8]:
    sel = SelectKBest(f_regression, k=k).fit(x, y)
    kept = [str(t) for t in vec.get_feature_names_out()[sel.get_support()]]
    cases.append({"k": k, "kept": kept})
with open("expected.json", "w") as f:
    json.dump({"sklearn": sklearn.__version__, "docs": docs, "y": y, "cases": cases}, f, indent=1)
