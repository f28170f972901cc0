//! Properties over random small datasets: a fully grown regression tree reproduces its
//! training targets, probabilities are class fractions that sum to 1, missing values never
//! break prediction, and a postcard round trip keeps every prediction bit for bit.

use ndarray::{Array1, Array2};
use proptest::prelude::*;
use satori_core::{Dataset, Estimator, PredictProba, Predictor, Target};
use satori_tree::{
    DecisionTreeClassifierParams, DecisionTreeRegressor, DecisionTreeRegressorParams,
    ExtraTreesClassifierParams,
};

fn matrix(values: &[f64], cols: usize) -> Array2<f64> {
    Array2::from_shape_vec((values.len() / cols, cols), values.to_vec()).unwrap()
}

fn names(p: usize) -> Vec<String> {
    (0..p).map(|j| format!("f{j}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn full_regression_tree_fits_distinct_rows(
        xs in prop::collection::vec(-100i32..100, 6..60),
        ys in prop::collection::vec(-1000.0f64..1000.0, 60),
    ) {
        // Distinct values of the first feature: every row can be isolated.
        let mut xs = xs;
        xs.sort_unstable();
        xs.dedup();
        let n = xs.len();
        let x = Array2::from_shape_fn((n, 2), |(i, j)| if j == 0 { xs[i] as f64 } else { ((i * 7) % 3) as f64 });
        let y: Array1<f64> = ys[..n].to_vec().into();
        let data = Dataset::new(x.clone(), names(2)).unwrap().with_target(Target::regression(y.clone())).unwrap();
        let m = DecisionTreeRegressorParams::default().fit(&data).unwrap();
        let p = m.predict(x.view()).unwrap();
        for (a, b) in p.iter().zip(y.iter()) {
            prop_assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0));
        }
        let bytes = postcard::to_allocvec(&m).unwrap();
        let back: DecisionTreeRegressor = postcard::from_bytes(&bytes).unwrap();
        prop_assert_eq!(back.predict(x.view()).unwrap(), p);
    }

    #[test]
    fn probabilities_are_fractions_and_nan_is_routed(
        values in prop::collection::vec(prop_oneof![9 => -5.0f64..5.0, 1 => Just(f64::NAN)], 30..90),
        codes in prop::collection::vec(0usize..3, 30),
        depth in 1usize..6,
    ) {
        let x = matrix(&values[..30 * (values.len() / 30)], values.len() / 30);
        let n = x.nrows();
        let y = Target::classes(Array1::from(codes[..n].to_vec()), vec!["a".into(), "b".into(), "c".into()]).unwrap();
        let data = Dataset::new(x.clone(), names(x.ncols())).unwrap().with_target(y).unwrap();
        let tree = DecisionTreeClassifierParams { max_depth: Some(depth), ..Default::default() }.fit(&data).unwrap();
        let forest = ExtraTreesClassifierParams { n_estimators: 4, ..Default::default() }.fit(&data).unwrap();
        let mut probe = x.clone();
        probe.column_mut(0).fill(f64::NAN);
        for p in [tree.predict_proba(probe.view()).unwrap(), forest.predict_proba(x.view()).unwrap()] {
            for r in p.rows() {
                prop_assert!((r.sum() - 1.0).abs() < 1e-12);
                prop_assert!(r.iter().all(|v| (0.0..=1.0).contains(v)));
            }
        }
        prop_assert!(tree.get_depth() <= depth);
    }
}
