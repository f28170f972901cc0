//! DatetimeFeatures: golden tests against pandas 3.1.1's `.dt` accessors
//! (`tests/golden/features_datetime`), the transformer conformance checks, and behaviour.
//!
//! Tolerances: calendar features exactly (they are whole numbers); the cyclical sine/cosine
//! columns at 1e-15 absolute (libm's and numpy's `sin`/`cos` may differ in the last bit).

use ndarray::{Array2, array};
use satori_core::{ColumnKind, ColumnSchema, Dataset, Error, Estimator, Schema, Transformer};
use satori_features::{DatetimeFeaturesParams, DatetimePart};
use satori_testkit::{NanPolicy, TransformerConformance, golden};

fn dataset(x: Array2<f64>, kinds: &[(&str, ColumnKind)]) -> Dataset {
    let cols = kinds
        .iter()
        .map(|(n, k)| ColumnSchema {
            name: (*n).into(),
            kind: k.clone(),
        })
        .collect();
    Dataset::with_schema(x, Schema::new(cols).unwrap()).unwrap()
}

#[test]
fn golden_pandas_dt_accessors() {
    let g = golden::load("features_datetime");
    let seconds = golden::f64_vec(&g, "/seconds");
    let n = seconds.len();
    let x = Array2::from_shape_fn((n, 2), |(i, j)| if j == 0 { seconds[i] } else { i as f64 });
    let data = dataset(
        x.clone(),
        &[("when", ColumnKind::Datetime), ("id", ColumnKind::Numeric)],
    );
    let params = DatetimeFeaturesParams {
        cyclical: true,
        ..Default::default()
    };
    let m = params.fit(&data).unwrap();
    let names = m.feature_names_out(&data.feature_names());
    assert_eq!(names.len(), 9 + 6 + 1);
    assert_eq!(names[0], "when_year");
    assert_eq!(names[15], "id");
    let z = m.transform(x.view()).unwrap();
    for (k, name) in names.iter().enumerate().take(15) {
        let key = name.trim_start_matches("when_");
        let expected = golden::f64_vec(&g, &format!("/{key}"));
        let got = z.column(k).to_vec();
        let atol = if key.ends_with("_sin") || key.ends_with("_cos") {
            1e-15
        } else {
            0.0
        };
        golden::assert_close(name, &got, &expected, 0.0, atol);
    }
    assert_eq!(z.column(15).to_vec(), x.column(1).to_vec());
}

#[test]
fn selected_features_and_columns() {
    let x = array![[1.0, 1_709_214_330.0, 0.0], [2.0, 0.0, 86_400.0 * 2.0]];
    let data = dataset(
        x.clone(),
        &[
            ("a", ColumnKind::Numeric),
            ("t1", ColumnKind::Datetime),
            ("t2", ColumnKind::Datetime),
        ],
    );
    let p = DatetimeFeaturesParams {
        features: vec![DatetimePart::IsWeekend, DatetimePart::Hour],
        ..Default::default()
    };
    let m = p.fit(&data).unwrap();
    assert_eq!(
        m.feature_names_out(&data.feature_names()),
        ["a", "t1_is_weekend", "t1_hour", "t2_is_weekend", "t2_hour"]
    );
    // 1970-01-03 was a Saturday.
    assert_eq!(
        m.transform(x.view()).unwrap().row(1).to_vec(),
        vec![2.0, 0.0, 0.0, 1.0, 0.0]
    );
    let only_t2 = DatetimeFeaturesParams {
        columns: vec!["t2".into()],
        features: vec![DatetimePart::Year],
        cyclical: false,
    };
    let m = only_t2.fit(&data).unwrap();
    assert_eq!(
        m.transform(x.view()).unwrap().row(0).to_vec(),
        vec![1.0, 1_709_214_330.0, 1970.0]
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let x = array![[0.0, 1.0]];
    let numeric = dataset(
        x.clone(),
        &[("a", ColumnKind::Numeric), ("b", ColumnKind::Numeric)],
    );
    let e = DatetimeFeaturesParams::default()
        .fit(&numeric)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no datetime column"), "{e}");
    let e = DatetimeFeaturesParams {
        columns: vec!["whn".into()],
        ..Default::default()
    }
    .fit(&numeric)
    .unwrap_err();
    assert!(matches!(e, Error::MissingColumn { .. }), "{e}");
    let p = DatetimeFeaturesParams {
        columns: vec!["a".into()],
        ..Default::default()
    };
    let m = p.fit(&numeric).unwrap();
    assert!(m.transform(array![[f64::INFINITY, 0.0]].view()).is_err());
    assert!(m.transform(array![[1e16, 0.0]].view()).is_err());
    assert!(matches!(
        m.transform(array![[0.0]].view()),
        Err(Error::ShapeMismatch { .. })
    ));
    let twice = DatetimeFeaturesParams {
        features: vec![DatetimePart::Year, DatetimePart::Year],
        ..Default::default()
    };
    assert!(matches!(
        twice.fit(&numeric),
        Err(Error::InvalidParameter { .. })
    ));
    let p: DatetimeFeaturesParams =
        toml::from_str("features = [\"month\", \"day_of_week\"]\ncyclical = true").unwrap();
    assert_eq!(
        p.features,
        vec![DatetimePart::Month, DatetimePart::DayOfWeek]
    );
    assert!(toml::from_str::<DatetimeFeaturesParams>("features = [\"weekday\"]").is_err());
}

#[test]
fn datetime_conformance() {
    let x = Array2::from_shape_fn((30, 2), |(i, j)| {
        if j == 0 {
            1.6e9 + i as f64 * 54_321.7
        } else {
            i as f64
        }
    });
    let data = dataset(
        x,
        &[("when", ColumnKind::Datetime), ("n", ColumnKind::Numeric)],
    );
    for cyclical in [false, true] {
        let p = DatetimeFeaturesParams {
            cyclical,
            ..Default::default()
        };
        // A missing timestamp gives NaN in every feature of its row.
        TransformerConformance::new(p, data.clone())
            .nan_policy(NanPolicy::MissingPropagates)
            .check();
    }
}
