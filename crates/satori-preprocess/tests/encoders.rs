//! Behaviour of the encoders on small hand-made cases: errors name the column and the value,
//! parameters are validated, column selection, missing values.

use ndarray::{Array2, array};
use satori_core::{
    ColumnKind, ColumnSchema, Dataset, Error, Estimator, Params, Schema, Target, Transformer,
};
use satori_preprocess::*;

/// Column `colour` (categorical: red, green, blue, pink) and `size` (numeric).
fn data(x: Array2<f64>) -> Dataset {
    let schema = Schema::new(vec![
        ColumnSchema {
            name: "colour".into(),
            kind: ColumnKind::Categorical {
                categories: vec!["red".into(), "green".into(), "blue".into(), "pink".into()],
            },
        },
        ColumnSchema {
            name: "size".into(),
            kind: ColumnKind::Numeric,
        },
    ])
    .unwrap();
    Dataset::with_schema(x, schema).unwrap()
}

fn train() -> Dataset {
    data(array![
        [0.0, 1.0],
        [1.0, 2.0],
        [1.0, 3.0],
        [2.0, 4.0],
        [1.0, 5.0],
        [2.0, 6.0]
    ])
}

#[test]
fn unknown_category_error_names_column_and_value() {
    let enc = OneHotEncoderParams::default().fit(&train()).unwrap();
    match enc.transform(array![[3.0, 0.0]].view()) {
        Err(Error::UnknownCategory {
            column,
            value,
            known,
        }) => {
            assert_eq!(column, "colour");
            assert_eq!(value, "pink"); // in the schema, not seen at fit
            assert_eq!(known, "red, green, blue");
        }
        other => panic!("expected UnknownCategory, got {other:?}"),
    }
    let e = enc.transform(array![[9.0, 0.0]].view()).unwrap_err();
    assert!(e.to_string().contains("unknown category `9.0`"), "{e}");
    let e = enc.transform(array![[f64::NAN, 0.0]].view()).unwrap_err();
    assert!(e.to_string().contains("`nan`"), "{e}");
    let e = enc.transform(array![[0.5, 0.0]].view()).unwrap_err();
    assert!(matches!(e, Error::UnknownCategory { .. }), "{e}");
}

#[test]
fn one_hot_layout_and_grouping() {
    let p = OneHotEncoderParams {
        handle_unknown: HandleUnknown::InfrequentIfExist,
        min_frequency: Some(2.0),
        ..Default::default()
    };
    let enc = p.fit(&train()).unwrap();
    let names = enc.feature_names_out(&train().feature_names());
    assert_eq!(
        names,
        vec![
            "colour_green",
            "colour_blue",
            "colour_infrequent_sklearn",
            "size"
        ]
    );
    let out = enc
        .transform(array![[0.0, 7.0], [3.0, 8.0], [1.0, 9.0]].view())
        .unwrap();
    assert_eq!(out.row(0).to_vec(), vec![0.0, 0.0, 1.0, 7.0]); // red is infrequent
    assert_eq!(out.row(1).to_vec(), vec![0.0, 0.0, 1.0, 8.0]); // unknown → infrequent
    assert_eq!(out.row(2).to_vec(), vec![1.0, 0.0, 0.0, 9.0]);
    // max_categories = 2: one frequent (green, the most frequent) + the infrequent group.
    let p = OneHotEncoderParams {
        max_categories: Some(2),
        drop: DropCategory::First,
        ..Default::default()
    };
    let enc = p.fit(&train()).unwrap();
    assert_eq!(
        enc.feature_names_out(&train().feature_names()),
        vec!["colour_infrequent_sklearn", "size"]
    );
}

#[test]
fn one_hot_params_are_validated() {
    for f in [0.0, 1.5, -1.0, f64::NAN] {
        let p = OneHotEncoderParams {
            min_frequency: Some(f),
            ..Default::default()
        };
        assert!(p.validate().is_err(), "min_frequency {f}");
    }
    let p = OneHotEncoderParams {
        max_categories: Some(0),
        ..Default::default()
    };
    assert!(p.validate().is_err());
    for cols in [vec![2], vec![0, 0]] {
        let p = OneHotEncoderParams {
            columns: Some(cols.clone()),
            ..Default::default()
        };
        let e = p.fit(&train()).unwrap_err();
        assert!(
            matches!(e, Error::InvalidParameter { ref name, .. } if name == "columns"),
            "{cols:?}: {e}"
        );
    }
    // Params carry scikit-learn's names and reject unknown ones.
    let p: OneHotEncoderParams =
        serde_json::from_str(r#"{"handle_unknown": "infrequent_if_exist", "drop": "if_binary"}"#)
            .unwrap();
    assert_eq!(p.drop, DropCategory::IfBinary);
    assert!(serde_json::from_str::<OneHotEncoderParams>(r#"{"sparse": true}"#).is_err());
}

#[test]
fn numeric_only_data_passes_through() {
    let x = array![[1.0, 2.0], [3.0, 4.0]];
    let d = Dataset::new(x.clone(), vec!["a".into(), "b".into()]).unwrap();
    let enc = OneHotEncoderParams::default().fit(&d).unwrap();
    assert_eq!(enc.transform(x.view()).unwrap(), x);
    let enc = OrdinalEncoderParams::default().fit(&d).unwrap();
    assert_eq!(enc.transform(x.view()).unwrap(), x);
}

#[test]
fn ordinal_unknowns_and_missing() {
    let with_nan = data(array![[0.0, 1.0], [2.0, 2.0], [f64::NAN, 3.0]]);
    let enc = OrdinalEncoderParams::default().fit(&with_nan).unwrap();
    let out = enc
        .transform(array![[2.0, 0.0], [f64::NAN, 0.0]].view())
        .unwrap();
    assert_eq!(out[[0, 0]], 1.0);
    assert!(out[[1, 0]].is_nan());
    assert!(enc.transform(array![[1.0, 0.0]].view()).is_err());
    // Missing values not seen at fit are unknown, as in scikit-learn.
    let enc = OrdinalEncoderParams::default().fit(&train()).unwrap();
    assert!(matches!(
        enc.transform(array![[f64::NAN, 0.0]].view()),
        Err(Error::UnknownCategory { .. })
    ));
    let clash = OrdinalEncoderParams {
        handle_unknown: OrdinalUnknown::UseEncodedValue,
        unknown_value: Some(1.0),
        ..Default::default()
    };
    assert!(matches!(
        clash.fit(&train()),
        Err(Error::InvalidParameter { .. })
    ));
    let stray = OrdinalEncoderParams {
        unknown_value: Some(-1.0),
        ..Default::default()
    };
    assert!(stray.validate().is_err());
    let nan_code = OrdinalEncoderParams {
        handle_unknown: OrdinalUnknown::UseEncodedValue,
        ..Default::default()
    };
    let enc = nan_code.fit(&train()).unwrap();
    assert!(enc.transform(array![[3.0, 0.0]].view()).unwrap()[[0, 0]].is_nan());
}

#[test]
fn target_encoder_errors_and_unknowns() {
    let d = train()
        .with_target(Target::regression(array![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))
        .unwrap();
    let enc = TargetEncoderParams::default().fit(&d).unwrap();
    let out = enc.transform(array![[3.0, 0.0]].view()).unwrap();
    assert_eq!(out[[0, 0]], enc.target_mean()[0]); // unknown → target mean
    assert!(TargetEncoderParams::default().fit(&train()).is_err()); // no target
    let many = TargetEncoderParams {
        cv: 7,
        ..Default::default()
    };
    assert!(matches!(
        many.fit_transform(&d),
        Err(Error::NotEnoughSamples { .. })
    ));
    for bad in [
        TargetEncoderParams {
            cv: 1,
            ..Default::default()
        },
        TargetEncoderParams {
            smooth: Smooth::Value(-1.0),
            ..Default::default()
        },
    ] {
        assert!(bad.validate().is_err());
    }
    let p: TargetEncoderParams =
        serde_json::from_str(r#"{"smooth": {"value": 2.5}, "cv": 3}"#).unwrap();
    assert_eq!(p.smooth, Smooth::Value(2.5));
}

#[test]
fn frequency_encoder_weights_and_unknowns() {
    let d = train()
        .with_weights(array![1.0, 1.0, 1.0, 2.0, 3.0, 2.0])
        .unwrap();
    let enc = FrequencyEncoderParams::default().fit(&d).unwrap();
    let out = enc
        .transform(array![[0.0, 9.0], [1.0, 9.0], [2.0, 9.0], [3.0, 9.0]].view())
        .unwrap();
    // weights: red 1, green 1 + 1 + 3 = 5, blue 2 + 2 = 4, of 10
    assert_eq!(out.column(0).to_vec(), vec![0.1, 0.5, 0.4, 0.0]);
    assert_eq!(out.column(1).to_vec(), vec![9.0; 4]);
    let counts = FrequencyEncoderParams {
        normalize: false,
        ..Default::default()
    };
    let out = counts
        .fit(&train())
        .unwrap()
        .transform(array![[1.0, 0.0]].view())
        .unwrap();
    assert_eq!(out[[0, 0]], 3.0);
}
