//! OutlierClipper: golden outputs against numpy (tests/golden/outliers_clipper, written by its
//! generate.py: np.nanquantile, np.nanmean/np.nanstd and np.clip), the conformance properties of
//! a transformer, and behaviour (column selection, categorical columns, missing values, errors).
//!
//! Golden tolerance: exact (rtol 0, atol 0, NaN matching NaN) for bounds and outputs; the
//! quantiles interpolate with numpy's `_lerp` and the mean and standard deviation sum in numpy's
//! pairwise order.

use ndarray::{Array2, Axis, array};
use satori_core::{ColumnKind, ColumnSchema, Dataset, Estimator, Schema, Transformer};
use satori_preprocess::{OutlierAction, OutlierClipperParams, OutlierMethod};
use satori_testkit::generate::Generator;
use satori_testkit::{NanPolicy, TransformerConformance, golden};

fn numeric(x: &Array2<f64>) -> Dataset {
    let names = (0..x.ncols()).map(|j| format!("c{j}")).collect();
    Dataset::new(x.clone(), names).unwrap()
}

#[test]
fn every_case_matches_numpy_exactly() {
    let g = golden::load("outliers_clipper");
    let datasets = golden::at(&g, "/datasets").as_array().unwrap();
    let cases = golden::at(&g, "/cases").as_array().unwrap();
    assert_eq!(cases.len(), 18);
    for (i, case) in cases.iter().enumerate() {
        let d = &datasets[case["data"].as_u64().unwrap() as usize];
        let x_fit = golden::f64_matrix(d, "/x_fit");
        let x_test = golden::f64_matrix(d, "/x_test");
        let params: OutlierClipperParams = serde_json::from_value(case["params"].clone())
            .unwrap_or_else(|e| panic!("case {i}: {e}"));
        let what = format!("case {i} ({}, {} rows)", case["params"], x_fit.nrows());
        let model = params.fit(&numeric(&x_fit)).unwrap();
        golden::assert_close(
            &format!("{what} lower"),
            model.lower(),
            &golden::f64_vec(case, "/lower"),
            0.0,
            0.0,
        );
        golden::assert_close(
            &format!("{what} upper"),
            model.upper(),
            &golden::f64_vec(case, "/upper"),
            0.0,
            0.0,
        );
        for (x, key) in [(&x_fit, "/fit_out"), (&x_test, "/test_out")] {
            let out = model.transform(x.view()).unwrap();
            golden::assert_close_2d(
                &format!("{what} {key}"),
                out.view(),
                golden::f64_matrix(case, key).view(),
                0.0,
                0.0,
            );
        }
    }
}

#[test]
fn winsorize_differs_from_quantile_clipping_as_documented() {
    // The golden file records scipy.stats.mstats.winsorize next to np.clip on one column:
    // satori matches np.clip (checked above); winsorize gives other values at the ends.
    let g = golden::load("outliers_clipper");
    let w = golden::f64_vec(&g, "/winsorize_vs_clip/scipy_winsorize");
    let c = golden::f64_vec(&g, "/winsorize_vs_clip/numpy_clip");
    let x = golden::f64_vec(&g, "/winsorize_vs_clip/x");
    let model = OutlierClipperParams {
        lower_quantile: 0.05,
        upper_quantile: 0.95,
        ..Default::default()
    }
    .fit(&numeric(
        &Array2::from_shape_vec((x.len(), 1), x.clone()).unwrap(),
    ))
    .unwrap();
    let ours = model
        .transform(Array2::from_shape_vec((x.len(), 1), x).unwrap().view())
        .unwrap();
    assert_eq!(ours.column(0).to_vec(), c);
    assert_ne!(w, c);
}

/// The testkit's transformer conformance suite (NaN is missing and stays NaN in its cell; with
/// `action = "missing"` outliers become NaN too), then the clipper's own promises: a fit on
/// reversed rows gives the same bounds, infinity is an error at fit and transform, NaN rows pass
/// through, one-row and one-column fits work, and the names are the input names.
fn check_transformer(params: &OutlierClipperParams, data: &Dataset) {
    let nan = match params.action {
        OutlierAction::Clip => NanPolicy::MissingPropagates,
        OutlierAction::Missing => NanPolicy::MissingIntroduced,
    };
    TransformerConformance::new(params.clone(), data.clone())
        .nan_policy(nan)
        .check();
    let x = data.x().to_owned();
    let model = params.fit(data).unwrap();
    let rev: Vec<usize> = (0..x.nrows()).rev().collect();
    let data_rev = data.select_rows(&rev).unwrap();
    let model_rev = params.fit(&data_rev).unwrap();
    let (a, b) = (model_rev.lower(), model.lower());
    let close = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .all(|(u, v)| (u.is_nan() && v.is_nan()) || (u - v).abs() <= 1e-12 * v.abs().max(1.0))
    };
    assert!(close(a, b) && close(model_rev.upper(), model.upper()));
    // Infinity: errors; NaN rows: passed through.
    let mut inf = x.clone();
    inf[[0, 0]] = f64::INFINITY;
    assert!(model.transform(inf.view()).is_err());
    assert!(params.fit(&numeric(&inf)).is_err());
    let nan = Array2::from_elem((3, x.ncols()), f64::NAN);
    assert!(
        model
            .transform(nan.view())
            .unwrap()
            .iter()
            .all(|v| v.is_nan())
    );
    // One-row and one-column fits.
    let one = params.fit(&data.select_rows(&[0]).unwrap()).unwrap();
    assert_eq!(one.n_features_in(), x.ncols());
    let col = x.column(0).to_owned().insert_axis(Axis(1));
    assert!(params.fit(&numeric(&col)).is_ok());
    assert_eq!(
        model.feature_names_out(&data.feature_names()),
        data.feature_names()
    );
}

#[test]
fn conformance_for_every_method_and_action() {
    let data = Generator::new(90, 4, 5)
        .nan_fraction(0.15)
        .weights(false)
        .regression();
    for method in [
        OutlierMethod::Quantile,
        OutlierMethod::Iqr,
        OutlierMethod::Zscore,
    ] {
        for action in [OutlierAction::Clip, OutlierAction::Missing] {
            let params = OutlierClipperParams {
                method,
                action,
                lower_quantile: 0.1,
                upper_quantile: 0.8,
                k: 0.5,
                threshold: 1.0,
                ..Default::default()
            };
            check_transformer(&params, &data);
        }
    }
}

#[test]
fn reads_partial_toml() {
    let p: OutlierClipperParams = toml::from_str("method = \"zscore\"\nthreshold = 2.5").unwrap();
    assert_eq!(
        (p.method, p.threshold, p.action),
        (OutlierMethod::Zscore, 2.5, OutlierAction::Clip)
    );
    let p: OutlierClipperParams = toml::from_str("action = \"missing\"\ncolumns = [0, 2]").unwrap();
    assert_eq!(p.columns, Some(vec![0, 2]));
    assert!(toml::from_str::<OutlierClipperParams>("methd = \"iqr\"").is_err());
    assert!(toml::from_str::<OutlierClipperParams>("method = \"mad\"").is_err());
}

#[test]
fn columns_categorical_and_missing() {
    let schema = Schema::new(vec![
        ColumnSchema {
            name: "num".into(),
            kind: ColumnKind::Numeric,
        },
        ColumnSchema {
            name: "cat".into(),
            kind: ColumnKind::Categorical {
                categories: (0..10).map(|c| c.to_string()).collect(),
            },
        },
        ColumnSchema {
            name: "empty".into(),
            kind: ColumnKind::Numeric,
        },
    ])
    .unwrap();
    let x = Array2::from_shape_fn((10, 3), |(i, j)| match j {
        0 => {
            if i == 9 {
                1000.0
            } else {
                i as f64
            }
        }
        1 => i as f64,
        _ => f64::NAN,
    });
    let data = Dataset::with_schema(x.clone(), schema).unwrap();
    let params = OutlierClipperParams {
        method: OutlierMethod::Iqr,
        ..Default::default()
    };
    let m = params.fit(&data).unwrap();
    // Categorical codes and the all-missing column are not clipped.
    assert!(m.lower()[1].is_nan() && m.lower()[2].is_nan());
    let out = m.transform(x.view()).unwrap();
    assert_eq!(out.column(1), x.column(1));
    assert!(out.column(2).iter().all(|v| v.is_nan()));
    // Q1 = 2.25, Q3 = 6.75: the upper fence 6.75 + 1.5 · 4.5 = 13.5.
    assert_eq!(m.upper()[0], 13.5);
    assert_eq!(out[[9, 0]], 13.5);
    assert_eq!(m.count_outliers(x.view()).unwrap(), vec![1, 0, 0]);
    // Naming a categorical column, a column twice or out of range: errors naming `columns`.
    for cols in [vec![1], vec![0, 0], vec![5]] {
        let e = OutlierClipperParams {
            columns: Some(cols),
            ..params.clone()
        }
        .fit(&data)
        .unwrap_err();
        assert!(e.to_string().contains("columns"), "{e}");
    }
    let only = OutlierClipperParams {
        columns: Some(vec![2]),
        ..params.clone()
    }
    .fit(&data)
    .unwrap();
    assert!(only.lower()[0].is_nan());
    // NaN in a clipped column passes through; "missing" marks outliers NaN.
    let m = OutlierClipperParams {
        action: OutlierAction::Missing,
        ..params
    }
    .fit(&data)
    .unwrap();
    let out = m
        .transform(array![[f64::NAN, 0.0, 1.0], [-100.0, 3.0, 2.0], [5.0, 3.0, 2.0]].view())
        .unwrap();
    assert!(out[[0, 0]].is_nan() && out[[1, 0]].is_nan());
    assert_eq!(out[[2, 0]], 5.0);
    assert!(
        OutlierClipperParams::default()
            .fit(&numeric(&Array2::zeros((0, 2))))
            .is_err()
    );
}

#[test]
fn outputs_respect_the_bounds_on_random_data() {
    // 40 seeded random matrices (heavy tails, ties, NaN): clipping lands inside the bounds and
    // changes exactly the values outside them (to the nearer bound); "missing" blanks exactly
    // those; NaN passes through.
    use satori_core::rng::RngExt;
    for seed in 0..40u64 {
        let mut r = satori_testkit::generate::test_rng(seed);
        let n = 1 + (seed as usize * 7) % 60;
        let x = Array2::from_shape_fn((n, 3), |(_, j)| {
            let u: f64 = r.random();
            if u < 0.1 {
                f64::NAN
            } else if j == 2 {
                (u * 5.0).floor()
            } else {
                (u - 0.5) / (1.0 - u).powi(2)
            }
        });
        for method in [
            OutlierMethod::Quantile,
            OutlierMethod::Iqr,
            OutlierMethod::Zscore,
        ] {
            let params = OutlierClipperParams {
                method,
                lower_quantile: 0.1,
                upper_quantile: 0.9,
                ..Default::default()
            };
            let clip = params.fit(&numeric(&x)).unwrap();
            let miss = OutlierClipperParams {
                action: OutlierAction::Missing,
                ..params
            }
            .fit(&numeric(&x))
            .unwrap();
            let (c, m) = (
                clip.transform(x.view()).unwrap(),
                miss.transform(x.view()).unwrap(),
            );
            for ((i, j), &v) in x.indexed_iter() {
                let (lo, hi) = (clip.lower()[j], clip.upper()[j]);
                if v.is_nan() || lo.is_nan() {
                    assert!(
                        c[[i, j]].to_bits() == v.to_bits() || (v.is_nan() && c[[i, j]].is_nan())
                    );
                    continue;
                }
                assert!(lo <= hi, "seed {seed}: bounds {lo} > {hi}");
                let outside = v < lo || v > hi;
                assert_eq!(c[[i, j]], v.clamp(lo, hi), "seed {seed}");
                assert_eq!(m[[i, j]].is_nan(), outside, "seed {seed}");
            }
        }
    }
}
