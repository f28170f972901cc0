"""Golden outputs of scikit-learn's imputers, scalers and encoders for satori-preprocess.

Seeded data with missing values (NaN), ties (rounded values), an all-missing column, a constant
column, a large offset, sample weights (zero weights included), unknown categories (codes never
seen at fit) and rare categories. Every case records the parameters in satori's serde form (the
same names as scikit-learn), the fit matrix, optional weights, the test matrix and
scikit-learn's transform of both, plus the output names. Writes expected.json next to this file;
crates/satori-preprocess/tests/golden.rs reads it. Run:

    /work/main/tests/golden/.venv/bin/python tests/golden/preprocess/generate.py
"""

import json
import platform
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import sklearn
from sklearn.impute import KNNImputer, SimpleImputer
from sklearn.preprocessing import (
    MaxAbsScaler,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    PowerTransformer,
    QuantileTransformer,
    RobustScaler,
    StandardScaler,
    TargetEncoder,
)
from sklearn.model_selection import KFold, StratifiedKFold

SEED = 20261129
rng = np.random.default_rng(SEED)


def clean(v):
    """JSON-ready: NaN as null, tuples as lists."""
    if isinstance(v, (list, tuple, np.ndarray)):
        return [clean(x) for x in v]
    if isinstance(v, (float, np.floating)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    return v


def with_nans(x, frac):
    x = x.copy()
    x[rng.random(x.shape) < frac] = np.nan
    return x


CASES = []


def add(name, step, params, est, x_fit, x_test, names, weights=None, extra=None):
    x_fit = np.ascontiguousarray(x_fit, dtype=np.float64)
    x_test = np.ascontiguousarray(x_test, dtype=np.float64)
    if weights is None:
        est.fit(x_fit.copy())
    else:
        est.fit(x_fit.copy(), sample_weight=np.asarray(weights, dtype=np.float64))
    case = {
        "name": name,
        "step": step,
        "params": params,
        "names_in": names,
        "x_fit": clean(x_fit),
        "weights": None if weights is None else clean(np.asarray(weights, dtype=np.float64)),
        "x_test": clean(x_test),
        "out_fit": clean(np.asarray(est.transform(x_fit.copy()), dtype=np.float64)),
        "out_test": clean(np.asarray(est.transform(x_test.copy()), dtype=np.float64)),
        "names_out": [str(s) for s in est.get_feature_names_out(names)],
    }
    if isinstance(est, StandardScaler) and est.mean_ is not None:
        case["stats"] = {
            "mean": clean(est.mean_),
            "scale": None if est.scale_ is None else clean(est.scale_),
        }
    if extra:
        case.update(extra)
    CASES.append(case)


def names(p):
    return [f"f{j}" for j in range(p)]


# ---------------------------------------------------------------- imputation
def imputation_cases():
    n, p = 60, 6
    x = rng.normal(size=(n, p)) * [1.0, 3.0, 0.5, 1.0, 1.0, 2.0] + [0.0, 10.0, -2.0, 0.0, 0.0, 5.0]
    x[:, 3] = np.round(x[:, 3] * 2)  # integers: ties for median and most_frequent
    x[:, 5] = rng.integers(0, 4, size=n)  # a few values with tied counts
    x = with_nans(x, 0.15)
    x[:, 0] = rng.normal(size=n)  # no missing value at fit
    x[:, 4] = np.nan  # all missing
    x_test = with_nans(rng.normal(size=(25, p)) * 2.0, 0.3)
    x_test[0, 0] = np.nan  # missing where fit had none
    x_test[1, :] = np.nan
    for strategy in ["mean", "median", "most_frequent", "constant"]:
        for add_indicator in [False, True]:
            for keep in [False, True]:
                params = {
                    "strategy": strategy,
                    "add_indicator": add_indicator,
                    "keep_empty_features": keep,
                }
                kw = dict(params)
                if strategy == "constant":
                    params["fill_value"] = -7.5
                    kw["fill_value"] = -7.5
                add(
                    f"simple_{strategy}_ind{int(add_indicator)}_keep{int(keep)}",
                    "simple_imputer",
                    params,
                    SimpleImputer(**kw),
                    x,
                    x_test,
                    names(p),
                )
    # 300 rows: numpy's axis-0 sums over more than one pairwise block
    big = with_nans(rng.normal(size=(300, 3)) * 100 + 1e4, 0.1)
    add(
        "simple_mean_300",
        "simple_imputer",
        {"strategy": "mean"},
        SimpleImputer(strategy="mean"),
        big,
        with_nans(rng.normal(size=(10, 3)), 0.5),
        names(3),
    )

    # KNN: continuous values (no distance ties); rows with few present values so that some
    # distances are undefined; one all-missing column.
    n, p = 50, 5
    x = with_nans(rng.normal(size=(n, p)) * [1, 2, 3, 1, 1], 0.2)
    x[:3, 1:] = np.nan  # rows with only column 0 present
    x[3:8, 0] = np.nan
    x[:, 4] = np.nan
    x_test = with_nans(rng.normal(size=(20, p)), 0.3)
    x_test[0, :] = [0.5, np.nan, np.nan, np.nan, np.nan]
    x_test[1, :] = [np.nan, np.nan, 0.3, np.nan, np.nan]
    for k in [1, 3, 5, 12, 100]:
        for weights in ["uniform", "distance"]:
            for add_indicator, keep in [(False, False), (True, True)]:
                params = {
                    "n_neighbors": k,
                    "weights": weights,
                    "add_indicator": add_indicator,
                    "keep_empty_features": keep,
                }
                add(
                    f"knn_k{k}_{weights}_ind{int(add_indicator)}",
                    "knn_imputer",
                    params,
                    KNNImputer(**params),
                    x,
                    x_test,
                    names(p),
                )


# ---------------------------------------------------------------- scaling
def scaling_cases():
    n, p = 200, 6
    x = rng.normal(size=(n, p)) * [1, 5, 0.01, 1, 100, 1] + [0, -3, 0, 7, 1e6, 0]
    x[:, 3] = 7.0  # constant column
    x[:, 5] = np.round(x[:, 5])  # ties for the quantiles
    x = with_nans(x, 0.1)
    x[:, 0] = rng.normal(size=n)
    x_test = rng.normal(size=(30, p)) * 3 + [0, -3, 0, 7, 1e6, 0]
    x_test[2, 1] = np.nan
    w = rng.uniform(0, 3, size=n)
    w[:10] = 0.0
    for with_mean in [True, False]:
        for with_std in [True, False]:
            params = {"with_mean": with_mean, "with_std": with_std}
            add(f"standard_m{int(with_mean)}_s{int(with_std)}", "standard_scaler", params,
                StandardScaler(**params), x, x_test, names(p))
    add("standard_weighted", "standard_scaler", {}, StandardScaler(), x, x_test, names(p),
        weights=w)
    add("standard_unit_weights", "standard_scaler", {}, StandardScaler(), x, x_test, names(p),
        weights=np.ones(n))
    one_col = np.ascontiguousarray(x[:, [1, 2]])
    add("standard_two_cols", "standard_scaler", {}, StandardScaler(), one_col, x_test[:, [1, 2]],
        names(2))
    for fr, clip in [((0.0, 1.0), False), ((-1.0, 2.5), True), ((-3.0, -1.0), False)]:
        params = {"feature_range": list(fr), "clip": clip}
        add(f"minmax_{fr}_{clip}", "min_max_scaler", params,
            MinMaxScaler(feature_range=fr, clip=clip), x, x_test, names(p))
    add("maxabs", "max_abs_scaler", {}, MaxAbsScaler(), x, x_test, names(p))
    # skewed, negative and mixed-sign columns for the Yeo-Johnson likelihood
    xp = np.column_stack([
        np.exp(rng.normal(size=n)),
        -np.exp(rng.normal(size=n) * 0.5),
        rng.normal(size=n) * 3 + 1,
        rng.standard_t(3, size=n),
        np.full(n, 2.5),
        x[:, 0],
    ])
    xp = with_nans(xp, 0.05)
    xp[:, 4] = 2.5  # constant without missing values: lambda 1, left untransformed at fit
    xp = np.ascontiguousarray(xp)
    xp_test = np.ascontiguousarray(np.column_stack([
        np.exp(rng.normal(size=30)), -np.exp(rng.normal(size=30)), rng.normal(size=30) * 5,
        rng.normal(size=30), np.full(30, 2.5), rng.normal(size=30),
    ]))
    for standardize in [True, False]:
        est = PowerTransformer(standardize=standardize)
        add(f"power_std{int(standardize)}", "power_transformer", {"standardize": standardize},
            est, xp, xp_test, names(6), extra=None)
        CASES[-1]["lambdas"] = clean(est.lambdas_)
    for nq in [1000, 57, 10, 2, 1]:
        for dist in ["uniform", "normal"]:
            params = {"n_quantiles": nq, "output_distribution": dist}
            add(f"quantile_{nq}_{dist}", "quantile_transformer", params,
                QuantileTransformer(n_quantiles=nq, output_distribution=dist, subsample=None),
                x, x_test, names(p))
    for qr in [(25.0, 75.0), (10.0, 90.0), (0.0, 100.0), (33.3, 66.6), (50.0, 50.0)]:
        for wc, ws in [(True, True), (False, True), (True, False)]:
            params = {"with_centering": wc, "with_scaling": ws, "quantile_range": list(qr)}
            add(f"robust_{qr}_{int(wc)}{int(ws)}", "robust_scaler", params,
                RobustScaler(with_centering=wc, with_scaling=ws, quantile_range=qr),
                x, x_test, names(p))


# ---------------------------------------------------------------- encoding
def encoder_data():
    """Categorical columns as integer codes (NaN = missing) with their schema labels, plus a
    numeric column passed through. Column 0 has rare categories, a missing value, and a schema
    category ("f") never seen at fit; column 1 is binary; column 2 has tied counts."""
    labels = [
        ["a", "b", "c", "d", "e", "f"],
        ["no", "yes"],
        ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"],
        None,
        None,
    ]
    c0 = np.repeat([0, 1, 2, 3, 4], [30, 25, 12, 4, 2]).astype(float)
    c0[[5, 40]] = np.nan
    c1 = (rng.random(73) < 0.4).astype(float)
    c2 = np.repeat(np.arange(8), [15, 15, 10, 10, 10, 5, 5, 3]).astype(float)
    num = rng.normal(size=73)
    small = rng.integers(-1, 3, size=73).astype(float)  # few distinct numeric values
    x = np.column_stack([c0, c1, c2, num, small])
    x = x[rng.permutation(73)]
    x_test = np.array(
        [
            [0, 1, 0, 0.5, 2],
            [5, 0, 7, 1.5, -1],  # 5 = "f": in the schema, not seen at fit
            [9, 1, 3, -2.0, 0],  # 9: outside the schema
            [np.nan, 0, 6, 0.0, 1],
            [4, 1, 2, 3.0, 2],
            [3, 0, 5, 1.0, 0],
        ],
        dtype=float,
    )
    return x, x_test, labels


def combiner(labels):
    def name(feature, category):
        if not feature[1:].isdigit():  # scikit-learn's own check of the combiner
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


def add_encoder(name, step, params, make, x, x_test, labels, columns):
    """Fit one scikit-learn encoder per encoded column and assemble the output in place, the
    other columns passed through; a transform that raises is recorded as an expected error."""
    p = x.shape[1]
    nm = names(p)

    def assemble(data):
        blocks, out_names = [], []
        for j in range(p):
            if j in columns:
                enc = encoders[j]
                blocks.append(np.asarray(enc.transform(data[:, [j]]), dtype=np.float64))
                out_names += [str(s) for s in enc.get_feature_names_out([nm[j]])]
            else:
                blocks.append(data[:, [j]])
                out_names.append(nm[j])
        return np.hstack(blocks), out_names

    encoders = {j: make(labels).fit(x[:, [j]]) for j in columns}
    out_fit, out_names = assemble(x)
    try:
        out_test = clean(assemble(x_test)[0])
    except ValueError as e:
        assert "unknown categor" in str(e), e
        out_test = None
    CASES.append(
        {
            "name": name,
            "step": step,
            "params": params,
            "names_in": nm,
            "categories": labels,
            "x_fit": clean(x),
            "weights": None,
            "x_test": clean(x_test),
            "out_fit": clean(out_fit),
            "out_test": out_test,
            "names_out": out_names,
        }
    )


def encoding_cases():
    x, x_test, labels = encoder_data()
    cat_cols = [0, 1, 2]
    variants = [
        {},
        {"handle_unknown": "ignore"},
        {"handle_unknown": "ignore", "drop": "first"},
        {"handle_unknown": "ignore", "drop": "if_binary"},
        {"handle_unknown": "infrequent_if_exist", "min_frequency": 5},
        {"handle_unknown": "infrequent_if_exist", "min_frequency": 0.1},
        {"handle_unknown": "infrequent_if_exist", "max_categories": 3},
        {"handle_unknown": "infrequent_if_exist", "max_categories": 1},
        {"handle_unknown": "infrequent_if_exist", "max_categories": 2, "drop": "if_binary"},
        {"handle_unknown": "infrequent_if_exist", "min_frequency": 4, "max_categories": 5,
         "drop": "first"},
        {"handle_unknown": "ignore", "min_frequency": 11},
        {"handle_unknown": "error", "max_categories": 4},
    ]
    for i, v in enumerate(variants):
        kw = dict(v)
        add_encoder(
            f"onehot_{i}_{'_'.join(f'{k}={val}' for k, val in v.items())}",
            "one_hot_encoder",
            v,
            lambda labels, kw=kw: OneHotEncoder(
                sparse_output=False, feature_name_combiner=combiner(labels), **kw
            ),
            x, x_test, labels, cat_cols,
        )
    # explicit columns, a numeric one among them (categories named by value)
    v = {"columns": [1, 4], "handle_unknown": "ignore"}
    add_encoder("onehot_columns_numeric", "one_hot_encoder", v,
                lambda labels: OneHotEncoder(sparse_output=False, handle_unknown="ignore",
                                             feature_name_combiner=combiner(labels)),
                x, x_test, labels, [1, 4])
    # the test rows without unknown categories, so that handle_unknown=error transforms
    known = x_test[[0, 4, 5]]
    add_encoder("onehot_error_known", "one_hot_encoder", {},
                lambda labels: OneHotEncoder(sparse_output=False,
                                             feature_name_combiner=combiner(labels)),
                x, known, labels, cat_cols)
    for v in [{}, {"handle_unknown": "use_encoded_value", "unknown_value": -1},
              {"handle_unknown": "use_encoded_value", "unknown_value": 99},
              {"handle_unknown": "use_encoded_value"}]:
        kw = dict(v)
        if kw.get("handle_unknown") == "use_encoded_value" and "unknown_value" not in kw:
            kw["unknown_value"] = np.nan  # satori: unset unknown_value means NaN
        add_encoder(f"ordinal_{'_'.join(f'{k}={val}' for k, val in v.items())}",
                    "ordinal_encoder", v, lambda labels, kw=kw: OrdinalEncoder(**kw),
                    x, x_test, labels, cat_cols)
    # FrequencyEncoder (no scikit-learn class): pandas' value_counts(normalize, dropna=False)
    for normalize in [True, False]:
        for cols in [cat_cols, [0, 4]]:
            def freq(data, x=x, cols=cols, normalize=normalize):
                out = data.copy()
                for j in cols:
                    counts = pd.Series(x[:, j]).value_counts(normalize=normalize, dropna=False)
                    mapped = pd.Series(data[:, j]).map(counts).astype(float).fillna(0.0)
                    out[:, j] = mapped.to_numpy()
                return out
            params = {"normalize": normalize}
            if cols != cat_cols:
                params["columns"] = cols
            CASES.append({
                "name": f"frequency_{normalize}_{cols}",
                "step": "frequency_encoder",
                "params": params,
                "names_in": names(x.shape[1]),
                "categories": labels,
                "x_fit": clean(x),
                "weights": None,
                "x_test": clean(x_test),
                "out_fit": clean(freq(x)),
                "out_test": clean(freq(x_test)),
                "names_out": names(x.shape[1]),
            })
    v = {"columns": [0, 4], "handle_unknown": "use_encoded_value", "unknown_value": -5}
    add_encoder("ordinal_columns_numeric", "ordinal_encoder", v,
                lambda labels: OrdinalEncoder(handle_unknown="use_encoded_value",
                                              unknown_value=-5),
                x, x_test, labels, [0, 4])


def target_cases():
    """TargetEncoder with unshuffled folds (scikit-learn's KFold for a continuous target,
    StratifiedKFold for classes), so that the cross-fitted training encodings are comparable."""
    x, x_test, labels = encoder_data()
    n = x.shape[0]
    effect = np.nan_to_num(x[:, 0]) * 0.7 - x[:, 2] * 0.3
    y_cont = effect + rng.normal(size=n)
    targets = {
        "continuous": {"kind": "continuous", "y": clean(y_cont)},
        "binary": None,
        "multiclass": None,
    }
    for kind, classes in [("binary", ["neg", "pos"]), ("multiclass", ["ant", "bee", "cat"])]:
        k = len(classes)
        codes = np.clip(np.round(effect / 2 + rng.normal(size=n) * 0.6 + (k - 1) / 2), 0, k - 1)
        codes = codes.astype(int)
        targets[kind] = {"kind": "classes", "labels": classes, "codes": codes.tolist()}
    cols = [0, 1, 2]
    for kind, target in targets.items():
        if target["kind"] == "continuous":
            y = np.asarray(y_cont)
        else:
            y = np.asarray(target["labels"], dtype=object)[target["codes"]]
        for smooth in ["auto", 0.0, 3.5]:
            for cv in [2, 5]:
                splitter = KFold(cv) if kind == "continuous" else StratifiedKFold(cv)
                p = x.shape[1]
                nm = names(p)

                def assemble(data, outs):
                    blocks, out_names = [], []
                    for j in range(p):
                        if j in cols:
                            blocks.append(outs[j])
                            out_names += [str(s) for s in encs[j].get_feature_names_out([nm[j]])]
                        else:
                            blocks.append(data[:, [j]])
                            out_names.append(nm[j])
                    return np.hstack(blocks), out_names

                encs, cross = {}, {}
                for j in cols:
                    encs[j] = TargetEncoder(smooth=smooth, cv=splitter)
                    cross[j] = encs[j].fit_transform(x[:, [j]], y)
                out_cross, out_names = assemble(x, cross)
                out_fit, _ = assemble(x, {j: encs[j].transform(x[:, [j]]) for j in cols})
                out_test, _ = assemble(x_test, {j: encs[j].transform(x_test[:, [j]]) for j in cols})
                params = {
                    "smooth": "auto" if smooth == "auto" else {"value": smooth},
                    "cv": cv,
                    "shuffle": False,
                }
                CASES.append(
                    {
                        "name": f"target_{kind}_{smooth}_cv{cv}",
                        "step": "target_encoder",
                        "params": params,
                        "names_in": nm,
                        "categories": labels,
                        "target": target,
                        "x_fit": clean(x),
                        "weights": None,
                        "x_test": clean(x_test),
                        "out_fit": clean(out_fit),
                        "out_test": clean(out_test),
                        "out_cross": clean(out_cross),
                        "names_out": out_names,
                    }
                )


imputation_cases()
scaling_cases()
encoding_cases()
target_cases()

# Shared input matrices are stored once, in "inputs"; a case's "x_fit"/"x_test" is then
# {"input": index} (the Rust test resolves it).
inputs, seen = [], {}
for case in CASES:
    for key in ["x_fit", "x_test"]:
        text = json.dumps(case[key])
        if text not in seen:
            seen[text] = len(inputs)
            inputs.append(case[key])
        case[key] = {"input": seen[text]}

out = {
    "inputs": inputs,
    "versions": {
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
        "python": platform.python_version(),
    },
    "seed": SEED,
    "cases": CASES,
}
path = Path(__file__).with_name("expected.json")
path.write_text(json.dumps(out, allow_nan=False) + "\n")
print(f"wrote {len(CASES)} cases to {path}")
