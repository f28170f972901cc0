//! `OneHotEncoder::transform_csr`: scikit-learn's sparse output (tests/golden/one_hot_sparse,
//! written by its generate.py with scikit-learn 1.9.1) compared exactly (shape, indptr,
//! indices, data bit for bit with NaN matching NaN, output names); the sparse matrix against the
//! dense `transform` for every option combination on data larger than one parallel chunk; the
//! same matrix at 1 and 2 threads; and bad input.

use ndarray::{Array2, ArrayView2};
use satori_core::rng::{RngExt, rng};
use satori_core::{ColumnKind, ColumnSchema, Dataset, Error, Estimator, Schema, Transformer};
use satori_preprocess::{DropCategory, HandleUnknown, OneHotEncoder, OneHotEncoderParams};
use satori_testkit::golden;
use serde_json::Value;
use sprs::CsMat;

fn schema(names: &[String], labels: &[Option<Vec<String>>]) -> Schema {
    let columns = names
        .iter()
        .zip(labels)
        .map(|(n, l)| ColumnSchema {
            name: n.clone(),
            kind: match l {
                Some(c) => ColumnKind::Categorical {
                    categories: c.clone(),
                },
                None => ColumnKind::Numeric,
            },
        })
        .collect();
    Schema::new(columns).unwrap()
}

fn golden_labels(case: &Value) -> Vec<Option<Vec<String>>> {
    case["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c.as_array()
                .map(|c| c.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        })
        .collect()
}

/// Bitwise equality with NaN matching NaN (and 0.0 not matching -0.0).
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn assert_same_matrix(what: &str, got: &Array2<f64>, want: &Array2<f64>) {
    assert_eq!(got.dim(), want.dim(), "{what}: shape");
    if let Some(((i, j), v)) = got.indexed_iter().find(|(ij, v)| !same(**v, want[*ij])) {
        panic!("{what}: [{i}, {j}] is {v}, want {}", want[[i, j]]);
    }
}

/// The sparse matrix against the golden arrays: exactly.
fn assert_csr(what: &str, got: &CsMat<f64>, want: &Value) {
    let shape = golden::usize_vec(want, "/shape");
    assert_eq!(vec![got.rows(), got.cols()], shape, "{what}: shape");
    assert!(got.is_csr(), "{what}: CSR");
    assert_eq!(
        got.indptr().raw_storage().to_vec(),
        golden::usize_vec(want, "/indptr"),
        "{what}: indptr"
    );
    assert_eq!(
        got.indices().to_vec(),
        golden::usize_vec(want, "/indices"),
        "{what}: indices"
    );
    let data = golden::f64_vec(want, "/data");
    assert_eq!(got.data().len(), data.len(), "{what}: nnz");
    if let Some(k) = (0..data.len()).find(|&k| !same(got.data()[k], data[k])) {
        panic!("{what}: data[{k}] is {}, want {}", got.data()[k], data[k]);
    }
}

/// The same shape and arrays, values bit for bit.
fn assert_same_csr(what: &str, a: &CsMat<f64>, b: &CsMat<f64>) {
    assert_eq!(a.shape(), b.shape(), "{what}: shape");
    assert_eq!(
        a.indptr().raw_storage(),
        b.indptr().raw_storage(),
        "{what}: indptr"
    );
    assert!(a.indices() == b.indices(), "{what}: indices differ");
    let bits = |m: &CsMat<f64>| m.data().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert!(bits(a) == bits(b), "{what}: data differ");
}

/// `transform_csr(x).to_dense()` is `transform(x)`, bit for bit but for the sign of zero, or
/// both fail alike.
fn assert_dense_agrees(what: &str, enc: &OneHotEncoder, x: ArrayView2<'_, f64>) {
    match (enc.transform(x), enc.transform_csr(x)) {
        (Ok(mut dense), Ok(sparse)) => {
            // a passed-through -0.0 is a zero, which a sparse matrix does not store (scipy's
            // neither): it reads back as 0.0; every other value bit for bit
            dense.mapv_inplace(|v| if v == 0.0 { 0.0 } else { v });
            assert_same_matrix(what, &sparse.to_dense(), &dense);
            // one entry per non-zero value, none stored for a zero
            let nonzero = dense.iter().filter(|v| **v != 0.0).count();
            assert_eq!(sparse.nnz(), nonzero, "{what}: stored entries");
            assert!(
                sparse.data().iter().all(|v| *v != 0.0),
                "{what}: a stored zero"
            );
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{what}: errors"),
        (a, b) => panic!("{what}: dense {:?} but sparse {:?}", a.err(), b.err()),
    }
}

#[test]
fn transform_csr_matches_scikit_learn_sparse_output() {
    let expected = golden::load("one_hot_sparse");
    let cases = expected["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 16);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let params: OneHotEncoderParams = serde_json::from_value(case["params"].clone())
            .unwrap_or_else(|e| panic!("{name}: params: {e}"));
        let names = golden::string_vec(case, "/names_in");
        let x = golden::f64_matrix(case, "/x_fit");
        let data = Dataset::with_schema(x, schema(&names, &golden_labels(case))).unwrap();
        let enc = params.fit(&data).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            enc.feature_names_out(&names),
            golden::string_vec(case, "/names_out"),
            "{name}: output names"
        );
        for (input, output) in [("/x_fit", "/out_fit"), ("/x_test", "/out_test")] {
            let x = golden::f64_matrix(case, input);
            let what = format!("{name} {output}");
            assert_dense_agrees(&what, &enc, x.view());
            let got = enc.transform_csr(x.view());
            if case[&output[1..]].is_null() {
                assert!(
                    matches!(got, Err(Error::UnknownCategory { .. })),
                    "{what}: scikit-learn raised for an unknown category, satori gave {got:?}"
                );
                continue;
            }
            let got = got.unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_csr(&what, &got, &case[&output[1..]]);
        }
    }
}

/// A seeded matrix of `n` rows: a categorical column of 40 codes (rare ones, missing values,
/// codes unseen at fit when `unknown`), a binary categorical one, a numeric one with zeros,
/// -0.0 and NaN, and a categorical one of 3 codes.
fn big(n: usize, seed: u64, unknown: bool) -> Array2<f64> {
    let mut r = rng(seed);
    Array2::from_shape_fn((n, 4), |(_, j)| {
        let u: f64 = r.random();
        match j {
            0 if u < 0.03 => f64::NAN,
            0 if unknown && u < 0.05 => 45.0 + (u * 100.0).floor(), // outside the schema
            0 if unknown && u < 0.06 => 39.0,                       // in the schema, unseen
            0 => ((u * u * 39.0).floor()).min(38.0),
            1 => f64::from(u < 0.3),
            2 if u < 0.3 => 0.0,
            2 if u < 0.35 => -0.0,
            2 if u < 0.4 => f64::NAN,
            2 => (u * 8.0).round() - 4.0,
            _ => (u * 3.0).floor(),
        }
    })
}

fn big_schema() -> Schema {
    let names: Vec<String> = (0..4).map(|j| format!("f{j}")).collect();
    let labels = vec![
        Some((0..40).map(|c| format!("k{c}")).collect()),
        Some(vec!["no".into(), "yes".into()]),
        None,
        Some(vec!["x".into(), "y".into(), "z".into()]),
    ];
    schema(&names, &labels)
}

fn all_params() -> Vec<OneHotEncoderParams> {
    let mut all = Vec::new();
    let columns = [
        None,
        Some(vec![0, 1, 3]),
        Some(vec![0, 2, 3]),
        Some(vec![2]),
    ];
    for columns in columns {
        for drop in [
            DropCategory::None,
            DropCategory::First,
            DropCategory::IfBinary,
        ] {
            for handle_unknown in [
                HandleUnknown::Error,
                HandleUnknown::Ignore,
                HandleUnknown::InfrequentIfExist,
            ] {
                for (min_frequency, max_categories) in [
                    (None, None),
                    (Some(200.0), None),
                    (None, Some(5)),
                    (None, Some(1)),
                    (Some(50.0), Some(4)),
                ] {
                    all.push(OneHotEncoderParams {
                        columns: columns.clone(),
                        drop,
                        handle_unknown,
                        min_frequency,
                        max_categories,
                    });
                }
            }
        }
    }
    all
}

#[test]
fn transform_csr_to_dense_is_transform_for_every_option() {
    // 9,000 rows: more than one parallel chunk of rows (8,192)
    let fit = Dataset::with_schema(big(9_000, 1, false), big_schema()).unwrap();
    let known = big(9_000, 2, false);
    let unknown = big(9_000, 3, true);
    let cat_only = fit.x().select(ndarray::Axis(1), &[0, 1, 3]);
    let cat_schema = Schema::new(
        [0, 1, 3]
            .iter()
            .map(|&j| big_schema().columns[j].clone())
            .collect(),
    )
    .unwrap();
    let cat_fit = Dataset::with_schema(cat_only, cat_schema).unwrap();
    for params in all_params() {
        let what = format!("{params:?}");
        let enc = params.fit(&fit).unwrap();
        assert_dense_agrees(&format!("{what} fit"), &enc, fit.x());
        assert_dense_agrees(&format!("{what} known"), &enc, known.view());
        assert_dense_agrees(&format!("{what} unknown"), &enc, unknown.view());
        if params.columns.is_none() {
            // every column encoded: the path with row pointers known in advance
            let enc = params.fit(&cat_fit).unwrap();
            let cat = |x: &Array2<f64>| x.select(ndarray::Axis(1), &[0, 1, 3]);
            assert_dense_agrees(&format!("{what} categorical fit"), &enc, cat_fit.x());
            assert_dense_agrees(&format!("{what} categorical"), &enc, cat(&known).view());
            assert_dense_agrees(
                &format!("{what} categorical unknown"),
                &enc,
                cat(&unknown).view(),
            );
        }
    }
}

#[test]
fn transform_csr_is_the_same_at_any_thread_count() {
    let fit = Dataset::with_schema(big(30_000, 4, false), big_schema()).unwrap();
    let x = big(30_000, 5, true);
    for handle_unknown in [HandleUnknown::Ignore, HandleUnknown::InfrequentIfExist] {
        let params = OneHotEncoderParams {
            handle_unknown,
            min_frequency: Some(100.0),
            ..Default::default()
        };
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let enc = params.fit(&fit).unwrap();
                (enc.clone(), enc.transform_csr(x.view()).unwrap())
            })
        };
        let (one, two) = (run(1), run(2));
        assert_eq!(one.0, two.0, "fitted encoders differ");
        assert_same_csr("1 and 2 threads", &one.1, &two.1);
    }
}

#[test]
fn fit_counts_every_kind_of_value() {
    // codes, -0.0 with 0.0, negatives, fractions, values past any table, NaN
    let col = [
        3.0,
        0.0,
        -0.0,
        -2.5,
        1e9,
        0.5,
        3.0,
        f64::NAN,
        -2.5,
        1e9,
        3.0,
        2e6,
        -7.0,
    ];
    let x = Array2::from_shape_vec((col.len(), 1), col.to_vec()).unwrap();
    let data = Dataset::new(x.clone(), vec!["v".into()]).unwrap();
    let params = OneHotEncoderParams {
        columns: Some(vec![0]),
        ..Default::default()
    };
    let enc = params.fit(&data).unwrap();
    let fitted = enc.fitted_columns()[0].clone();
    assert_eq!(fitted.values, vec![-7.0, -2.5, 0.0, 0.5, 3.0, 2e6, 1e9]);
    assert_eq!(fitted.counts, vec![1, 2, 2, 1, 3, 1, 2, 1]);
    assert!(fitted.has_missing);
    assert!(
        fitted.values[2].is_sign_positive(),
        "-0.0 is counted as 0.0"
    );
    assert_dense_agrees("every kind", &enc, x.view());
    let sparse = enc.transform_csr(x.view()).unwrap();
    assert_eq!(sparse.indices()[..4], [4, 2, 2, 1]);
}

#[test]
fn unknown_category_under_error_names_column_and_label() {
    let fit = Dataset::with_schema(big(5_000, 6, false), big_schema()).unwrap();
    let enc = OneHotEncoderParams::default().fit(&fit).unwrap();
    let mut x = big(9_000, 7, false);
    x[[8_500, 3]] = 7.0; // outside the schema of the last encoded column
    x[[8_700, 0]] = 39.0; // "k39": in the schema, never seen at fit
    for result in [
        enc.transform_csr(x.view()).map(|_| ()),
        enc.transform(x.view()).map(|_| ()),
    ] {
        match result {
            Err(Error::UnknownCategory { column, value, .. }) => {
                // the first encoded column holding an unknown value is reported
                assert_eq!((column.as_str(), value.as_str()), ("f0", "k39"));
            }
            other => panic!("expected an unknown category, got {other:?}"),
        }
    }
    x[[8_700, 0]] = 1.0;
    let err = enc.transform_csr(x.view()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("f3") && msg.contains("7.0"), "{msg}");
    // a missing value where none was seen at fit is unknown too
    x[[8_500, 3]] = 0.0;
    x[[10, 1]] = f64::NAN;
    let msg = enc.transform_csr(x.view()).unwrap_err().to_string();
    assert!(msg.contains("f1") && msg.contains("nan"), "{msg}");
}

#[test]
fn bad_shapes_are_errors_and_empty_inputs_are_not() {
    let fit = Dataset::with_schema(big(500, 8, false), big_schema()).unwrap();
    let enc = OneHotEncoderParams::default().fit(&fit).unwrap();
    for cols in [3, 5, 0] {
        let x = Array2::<f64>::zeros((4, cols));
        match enc.transform_csr(x.view()) {
            Err(Error::ShapeMismatch { .. }) => {}
            other => panic!("{cols} columns: expected a shape mismatch, got {other:?}"),
        }
    }
    let empty = Array2::<f64>::zeros((0, 4));
    let m = enc.transform_csr(empty.view()).unwrap();
    assert_eq!((m.rows(), m.cols(), m.nnz()), (0, enc.n_features_out(), 0));
    assert_eq!(m.indptr().raw_storage(), &[0]);
    // a column-major (non-standard) view gives the same matrix
    let x = big(3_000, 9, true);
    let t = x.t().to_owned();
    let enc = OneHotEncoderParams {
        handle_unknown: HandleUnknown::Ignore,
        ..Default::default()
    }
    .fit(&fit)
    .unwrap();
    let a = enc.transform_csr(x.view()).unwrap();
    let b = enc.transform_csr(t.t()).unwrap();
    assert_same_csr("column-major input", &a, &b);
}
