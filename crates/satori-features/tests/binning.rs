//! PolynomialFeatures and KBinsDiscretizer behaviour beyond the golden files.

use ndarray::{Array2, array};
use satori_core::{Dataset, Error, Estimator, Params, Transformer};
use satori_features::{BinEncode, BinStrategy, KBinsDiscretizerParams, PolynomialFeaturesParams};

fn data(x: &Array2<f64>) -> Dataset {
    Dataset::new(x.clone(), (0..x.ncols()).map(|j| format!("f{j}")).collect()).unwrap()
}

#[test]
fn polynomial_products_and_errors() {
    let x = array![[2.0, 3.0, 5.0]];
    let p = PolynomialFeaturesParams {
        degree: 3,
        interaction_only: true,
        include_bias: false,
    };
    let m = p.fit(&data(&x)).unwrap();
    assert_eq!(
        m.transform(x.view()).unwrap().row(0).to_vec(),
        vec![2.0, 3.0, 5.0, 6.0, 10.0, 15.0, 30.0]
    );
    assert_eq!(m.n_output_features(), 7);
    assert_eq!(
        m.feature_names_out(&["a".into(), "b".into(), "c".into()])
            .last()
            .unwrap(),
        "a b c"
    );
    let bad = PolynomialFeaturesParams {
        degree: 0,
        include_bias: false,
        ..Default::default()
    };
    assert!(matches!(
        bad.validate(),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(
        PolynomialFeaturesParams {
            degree: 65,
            ..Default::default()
        }
        .validate()
        .is_err()
    );
    let wide = Array2::<f64>::zeros((1, 2000));
    let e = PolynomialFeaturesParams {
        degree: 3,
        ..Default::default()
    }
    .fit(&data(&wide));
    assert!(matches!(e, Err(Error::InvalidParameter { .. })));
    let bias_only = PolynomialFeaturesParams {
        degree: 0,
        ..Default::default()
    };
    let m = bias_only.fit(&data(&x)).unwrap();
    assert_eq!(m.transform(x.view()).unwrap(), array![[1.0]]);
}

#[test]
fn kbins_subsample_is_seeded() {
    let x = Array2::from_shape_fn((1000, 2), |(i, j)| ((i * 7919 + j * 13) % 1000) as f64);
    let p = |seed| KBinsDiscretizerParams {
        n_bins: 4,
        subsample: Some(100),
        seed,
        ..Default::default()
    };
    let a = p(1).fit(&data(&x)).unwrap();
    let b = p(1).fit(&data(&x)).unwrap();
    let c = p(2).fit(&data(&x)).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.bin_edges()[0], c.bin_edges()[0]);
    // Without subsampling the quartiles of 0..999 are exact.
    let full = KBinsDiscretizerParams {
        n_bins: 4,
        subsample: None,
        ..Default::default()
    }
    .fit(&data(&x))
    .unwrap();
    assert_eq!(
        full.bin_edges()[0].to_vec(),
        vec![0.0, 249.5, 499.5, 749.5, 999.0]
    );
}

#[test]
fn kbins_onehot_rows_have_one_per_feature_and_invert() {
    let x = array![[0.0, 5.0], [1.0, 5.0], [2.0, 5.0], [3.0, 5.0]];
    let kb = KBinsDiscretizerParams {
        n_bins: 2,
        strategy: BinStrategy::Uniform,
        encode: BinEncode::OnehotDense,
        ..Default::default()
    }
    .fit(&data(&x))
    .unwrap();
    assert_eq!(kb.n_bins(), vec![2, 1]);
    let z = kb.transform(x.view()).unwrap();
    assert_eq!(
        z,
        array![
            [1.0, 0.0, 1.0],
            [1.0, 0.0, 1.0],
            [0.0, 1.0, 1.0],
            [0.0, 1.0, 1.0]
        ]
    );
    let back = kb.inverse_transform(z.view()).unwrap();
    assert_eq!(back.column(0).to_vec(), vec![0.75, 0.75, 2.25, 2.25]);
    assert!(back.column(1).iter().all(|v| v.is_nan()));
    assert!(
        kb.inverse_transform(array![[0.0, 0.0, 1.0]].view())
            .is_err()
    );
    assert!(kb.inverse_transform(array![[1.0, 0.0]].view()).is_err());
}

#[test]
fn kbins_params_are_validated() {
    assert!(
        KBinsDiscretizerParams {
            n_bins: 1,
            ..Default::default()
        }
        .validate()
        .is_err()
    );
    assert!(
        KBinsDiscretizerParams {
            subsample: Some(0),
            ..Default::default()
        }
        .validate()
        .is_err()
    );
    let p: KBinsDiscretizerParams = serde_json::from_str(
        r#"{"n_bins": 3, "encode": "ordinal", "strategy": "uniform", "quantile_method": "linear"}"#,
    )
    .unwrap();
    assert_eq!(p.encode, BinEncode::Ordinal);
    assert!(serde_json::from_str::<KBinsDiscretizerParams>(r#"{"bins": 3}"#).is_err());
}

#[test]
fn kbins_tiny_range_gives_one_bin() {
    let x = array![[1.0], [1.0 + 1e-12], [1.0 + 2e-12]];
    for strategy in [
        BinStrategy::Quantile,
        BinStrategy::Kmeans,
        BinStrategy::Uniform,
    ] {
        let kb = KBinsDiscretizerParams {
            n_bins: 3,
            strategy,
            ..Default::default()
        }
        .fit(&data(&x))
        .unwrap();
        let z = kb.transform(x.view()).unwrap();
        assert!(z.iter().all(|v| v.is_finite()));
        if strategy != BinStrategy::Uniform {
            assert_eq!(kb.n_bins(), vec![1]);
            assert_eq!(z, array![[1.0], [1.0], [1.0]]);
        }
    }
}
