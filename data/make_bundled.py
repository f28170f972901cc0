"""Rebuild the bundled datasets in this folder from their published copies.

breast_cancer.csv, wine.csv and diabetes.csv come from the files scikit-learn ships
(sklearn/datasets/data/), palmer_penguins.csv from the `palmerpenguins` PyPI package. Values are
copied as text, unchanged; only headers (snake_case feature names) and label columns are rewritten.

Usage: python make_bundled.py <sklearn site-packages dir>/sklearn <palmerpenguins package dir>
"""
import csv
import gzip
import os
import re
import sys

from sklearn.datasets import load_breast_cancer, load_wine

sk, peng = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))


def snake(name):
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def write(name, header, rows):
    with open(os.path.join(here, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"{name}: {len(rows)} rows, {len(header)} columns")


def sklearn_csv(file, feature_names, target, labels):
    with open(os.path.join(sk, "datasets", "data", file)) as f:
        lines = list(csv.reader(f))[1:]  # first line: n_samples, n_features, label names
    rows = [r[:-1] + [labels[int(r[-1])]] for r in lines]
    write(file.replace("_data", ""), [snake(n) for n in feature_names] + [target], rows)


bc = load_breast_cancer()
sklearn_csv("breast_cancer.csv", bc.feature_names, "diagnosis", list(bc.target_names))
wine = load_wine()
sklearn_csv("wine_data.csv", wine.feature_names, "class", list(wine.target_names))

with gzip.open(os.path.join(sk, "datasets", "data", "diabetes_data_raw.csv.gz"), "rt") as f:
    x = [line.split() for line in f if line.strip()]
with gzip.open(os.path.join(sk, "datasets", "data", "diabetes_target.csv.gz"), "rt") as f:
    y = [line.strip() for line in f if line.strip()]
assert len(x) == len(y) == 442
rows = [r + [str(int(float(t)))] for r, t in zip(x, y)]
assert all(float(t) == int(float(t)) for t in y)
write("diabetes.csv", ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "progression"], rows)

with open(os.path.join(peng, "data", "penguins.csv")) as f:
    lines = list(csv.reader(f))
write("palmer_penguins.csv", lines[0], lines[1:])
