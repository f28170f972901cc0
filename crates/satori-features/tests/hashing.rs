//! FeatureHasher and MurmurHash3: golden tests against scikit-learn 1.9.1
//! (`tests/golden/features_hashing`), the transformer conformance checks, and behaviour.
//!
//! Tolerance: exact. Hashes, column indices and signed counts are integers.

use ndarray::{Array2, array};
use satori_core::{ColumnKind, ColumnSchema, Dataset, Error, Estimator, Schema, Transformer};
use satori_features::sparse::csr_to_dense;
use satori_features::{FeatureHasherParams, murmurhash3_32};
use satori_testkit::{NanPolicy, TransformerConformance, golden};
use serde_json::Value;
use sprs::CsMat;

fn assert_rows(what: &str, m: &CsMat<f64>, rows: &Value) {
    let rows = rows.as_array().unwrap();
    assert_eq!(m.rows(), rows.len(), "{what}");
    for (i, r) in rows.iter().enumerate() {
        let row = m.outer_view(i).unwrap();
        let idx: Vec<u64> = row.indices().iter().map(|&j| j as u64).collect();
        let e_idx: Vec<u64> = r["indices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(idx, e_idx, "{what}: row {i}");
        let e_val: Vec<f64> = r["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(row.data(), e_val.as_slice(), "{what}: row {i}");
    }
}

#[test]
fn golden_murmurhash3() {
    let g = golden::load("features_hashing");
    for (s, h) in golden::at(&g, "/hashes").as_object().unwrap() {
        assert_eq!(
            murmurhash3_32(s.as_bytes(), 0) as i64,
            h.as_i64().unwrap(),
            "{s:?}"
        );
    }
}

#[test]
fn golden_feature_hasher_on_strings() {
    let g = golden::load("features_hashing");
    let samples: Vec<Vec<String>> = golden::at(&g, "/samples")
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        })
        .collect();
    for case in golden::at(&g, "/cases").as_array().unwrap() {
        let p = FeatureHasherParams {
            n_features: case["n_features"].as_u64().unwrap() as usize,
            alternate_sign: case["alternate_sign"].as_bool().unwrap(),
            ..Default::default()
        };
        let m = p.transform_strings(&samples).unwrap();
        assert_eq!(m.cols(), p.n_features);
        assert_rows(&format!("{p:?}"), &m, &case["rows"]);
    }
}

/// The golden table as a dataset: `color` and `size` categorical (codes), `count` integer.
fn table(g: &Value) -> Dataset {
    let cats = &g["categories"];
    let mut cols = Vec::new();
    let mut values: Vec<Vec<f64>> = Vec::new();
    for name in ["color", "size", "count"] {
        let raw = g["table"][name].as_array().unwrap();
        let (kind, col): (ColumnKind, Vec<f64>) = match cats.get(name) {
            Some(list) => {
                let list: Vec<String> = list
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().into())
                    .collect();
                let codes = raw
                    .iter()
                    .map(|v| {
                        v.as_str().map_or(f64::NAN, |s| {
                            list.iter().position(|c| c == s).unwrap() as f64
                        })
                    })
                    .collect();
                (ColumnKind::Categorical { categories: list }, codes)
            }
            None => (
                ColumnKind::Integer,
                raw.iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect(),
            ),
        };
        cols.push(ColumnSchema {
            name: name.into(),
            kind,
        });
        values.push(col);
    }
    let x = Array2::from_shape_fn((values[0].len(), 3), |(i, j)| values[j][i]);
    Dataset::with_schema(x, Schema::new(cols).unwrap()).unwrap()
}

#[test]
fn golden_table_hashing() {
    let g = golden::load("features_hashing");
    let data = table(&g);
    let p = FeatureHasherParams {
        n_features: 16,
        columns: vec!["color".into(), "size".into(), "count".into()],
        ..Default::default()
    };
    let m = p.fit(&data).unwrap();
    let csr = m.transform_csr(data.x()).unwrap();
    assert_rows("table", &csr, &g["table_rows"]);
    assert_eq!(m.transform(data.x()).unwrap(), csr_to_dense(&csr));
    // By default only the categorical columns are hashed; `count` passes through first.
    let m = FeatureHasherParams {
        n_features: 8,
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    let names = m.feature_names_out(&data.feature_names());
    assert_eq!(names[0], "count");
    assert_eq!(
        names[1..].to_vec(),
        (0..8).map(|i| format!("hash{i}")).collect::<Vec<_>>()
    );
    let z = m.transform(data.x()).unwrap();
    assert!(
        z[[1, 0]].is_nan(),
        "a missing passed-through value stays NaN"
    );
    // An unknown code hashes instead of failing.
    let unseen = array![[7.0, 1.0, 2.0]];
    assert_eq!(m.transform(unseen.view()).unwrap().ncols(), 9);
}

#[test]
fn bad_input_is_a_clear_error() {
    let numeric = Dataset::new(array![[1.0, 2.0]], vec!["a".into(), "b".into()]).unwrap();
    let e = FeatureHasherParams::default()
        .fit(&numeric)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no categorical column"), "{e}");
    let e = FeatureHasherParams {
        columns: vec!["c".into()],
        ..Default::default()
    }
    .fit(&numeric)
    .unwrap_err();
    assert!(matches!(e, Error::MissingColumn { .. }), "{e}");
    assert!(
        FeatureHasherParams {
            n_features: 0,
            ..Default::default()
        }
        .transform_strings(&[vec!["a"]])
        .is_err()
    );
    let m = FeatureHasherParams {
        columns: vec!["a".into()],
        ..Default::default()
    }
    .fit(&numeric)
    .unwrap();
    assert!(matches!(
        m.transform(array![[1.0]].view()),
        Err(Error::ShapeMismatch { .. })
    ));
    let p: FeatureHasherParams = toml::from_str("n_features = 64\nalternate_sign = false").unwrap();
    assert_eq!((p.n_features, p.alternate_sign), (64, false));
    assert!(toml::from_str::<FeatureHasherParams>("n_feature = 64").is_err());
}

#[test]
fn feature_hasher_conformance() {
    let g = golden::load("features_hashing");
    let data = table(&g);
    for alternate_sign in [true, false] {
        let p = FeatureHasherParams {
            n_features: 32,
            alternate_sign,
            ..Default::default()
        };
        // NaN (missing) adds no token to the hash columns; the passed-through `count` column
        // keeps it in its row.
        TransformerConformance::new(p, data.clone())
            .nan_policy(NanPolicy::MissingPropagates)
            .check();
    }
}
