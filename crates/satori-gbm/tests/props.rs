//! Properties over random data: fitting never panics, predictions on any input (NaN, ±∞,
//! huge values, unseen categories) are finite, the single-row path equals the batch, and a
//! postcard round trip predicts identically.

use ndarray::Array2;
use proptest::prelude::*;
use satori_core::{Dataset, Estimator, Predictor, Target};
use satori_gbm::{EarlyStopping, GbmRegressorParams};

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -5.0f64..5.0,
        1 => Just(f64::NAN),
        1 => (0u8..4).prop_map(f64::from),
    ]
}

fn any_input() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -10.0f64..10.0,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(1e300),
        1 => Just(-7.0),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn fit_and_predict_anything(
        rows in 1usize..60,
        cells in proptest::collection::vec(value(), 180),
        ys in proptest::collection::vec(-3.0f64..3.0, 60),
        inputs in proptest::collection::vec(any_input(), 30),
        categorical in any::<bool>(),
    ) {
        let x = Array2::from_shape_fn((rows, 3), |(i, j)| {
            let v = cells[i * 3 + j];
            // Column 2 holds category codes (or NaN) when categorical.
            if j == 2 && categorical && !v.is_nan() { v.abs().floor() } else { v }
        });
        let y = ndarray::Array1::from(ys[..rows].to_vec());
        let data = Dataset::new(x, vec!["a".into(), "b".into(), "c".into()])
            .unwrap()
            .with_target(Target::regression(y))
            .unwrap();
        let params = GbmRegressorParams {
            n_estimators: 5,
            min_samples_leaf: 2,
            num_leaves: 5,
            categorical_features: if categorical { vec![2] } else { vec![] },
            early_stopping: EarlyStopping::Off,
            ..Default::default()
        };
        let model = params.fit(&data).unwrap();
        let q = Array2::from_shape_vec((10, 3), inputs).unwrap();
        let pred = model.predict(q.view()).unwrap();
        prop_assert!(pred.iter().all(|v| v.is_finite()));
        for (i, row) in q.rows().into_iter().enumerate() {
            prop_assert_eq!(model.predict_one(&row.to_vec()).unwrap().to_bits(), pred[i].to_bits());
        }
        let bytes = postcard::to_allocvec(&model).unwrap();
        let back: satori_gbm::GbmRegressor = postcard::from_bytes(&bytes).unwrap();
        let again = back.predict(q.view()).unwrap();
        prop_assert!(again.iter().zip(pred.iter()).all(|(a, b)| a.to_bits() == b.to_bits()));
    }
}
