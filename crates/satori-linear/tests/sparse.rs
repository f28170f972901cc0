//! CSR input for the linear models: `fit_csr` equals the dense fit of the densified matrix,
//! `predict_csr` equals `predict` on the densified rows, bad input is a clear error, a postcard
//! round trip predicts identically, and fits are bit-identical at 1 and 2 threads.
//!
//! Tolerances against the dense fit: logistic regression rtol 1e-6 / atol 1e-8 at tol 1e-10
//! (the same objective; the sparse and dense dot products round differently, so the solvers stop
//! at points a tolerance apart); SGD without an intercept and without the stopping rule: exact
//! (the same updates; zeros add nothing); ridge and least squares: rtol 1e-8 / atol 1e-10
//! (conjugate gradients against the closed form).

use ndarray::{Array1, Array2};
use satori_core::{
    CsMat, Dataset, Error, Estimator, PredictProba, Predictor, SparseEstimator, SparsePredictor,
    Target,
};
use satori_linear::{
    ClassWeight, ElasticNetParams, GlmSolver, LassoParams, LinearRegressionParams,
    LogisticRegressionParams, Penalty, PoissonRegressorParams, RidgeParams, RidgeSolver, Selection,
    SgdClassifierLoss, SgdClassifierParams, SgdRegressorLoss, SgdRegressorParams,
    TweedieRegressorParams,
};

/// A small deterministic generator (splitmix64) for the test data.
struct Gen(u64);

fn rng(seed: u64) -> Gen {
    Gen(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
}

/// Uniform in [0, 1).
fn uniform(g: &mut Gen) -> f64 {
    g.0 = g.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = g.0;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// A CSR matrix of the non-zero entries of `x`.
fn to_csr(x: &Array2<f64>) -> CsMat<f64> {
    let mut indptr = vec![0];
    let (mut indices, mut data) = (Vec::new(), Vec::new());
    for row in x.rows() {
        for (j, &v) in row.iter().enumerate() {
            if v != 0.0 {
                indices.push(j);
                data.push(v);
            }
        }
        indptr.push(indices.len());
    }
    CsMat::new(x.dim(), indptr, indices, data)
}

/// `n × p` text-like data: about `density` of the entries non-zero (positive, tf-idf-like), the
/// last `zero_cols` columns all zero; a score from a few informative columns.
fn sparse_data(
    n: usize,
    p: usize,
    density: f64,
    zero_cols: usize,
    seed: u64,
) -> (Array2<f64>, Vec<f64>) {
    let mut r = rng(seed);
    let mut x = Array2::zeros((n, p));
    for i in 0..n {
        for j in 0..p - zero_cols {
            if uniform(&mut r) < density {
                x[[i, j]] = (uniform(&mut r) * 3.0 * 1e6).round() / 1e6;
            }
        }
    }
    let score: Vec<f64> = (0..n)
        .map(|i| {
            (0..8)
                .map(|j| x[[i, j]] * if j % 2 == 0 { 1.5 } else { -1.2 })
                .sum::<f64>()
                + 0.8 * (uniform(&mut r) - 0.5)
        })
        .collect();
    (x, score)
}

fn classes(score: &[f64], k: usize) -> Target {
    let codes: Array1<usize> = score
        .iter()
        .map(|s| {
            if k == 2 {
                usize::from(*s > 0.0)
            } else if *s < -0.3 {
                0
            } else if *s < 0.3 {
                1
            } else {
                2
            }
        })
        .collect();
    Target::classes(codes, (0..k).map(|c| format!("c{c}")).collect()).unwrap()
}

fn dataset(x: &Array2<f64>, target: Target, w: Option<&Array1<f64>>) -> Dataset {
    let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
    let d = Dataset::new(x.clone(), names)
        .unwrap()
        .with_target(target)
        .unwrap();
    match w {
        Some(w) => d.with_weights(w.clone()).unwrap(),
        None => d,
    }
}

fn weights(n: usize, seed: u64) -> Array1<f64> {
    let mut r = rng(seed);
    (0..n).map(|_| 0.2 + 1.8 * uniform(&mut r)).collect()
}

fn assert_close(what: &str, a: &[f64], b: &[f64], rtol: f64, atol: f64) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= atol + rtol * y.abs(),
            "{what}[{i}]: {x} vs {y} (diff {})",
            (x - y).abs()
        );
    }
}

/// A sparse regression fit's coefficients and intercept equal a dense fit's within `rtol`/`atol`.
macro_rules! assert_same_fit {
    ($what:expr, $sparse:expr, $dense:expr, $rtol:expr, $atol:expr) => {
        assert_close($what, $sparse.coef(), $dense.coef(), $rtol, $atol);
        assert_close(
            $what,
            &[$sparse.intercept()],
            &[$dense.intercept()],
            $rtol,
            $atol,
        );
    };
}

/// Two predictions (one value per row) agree within `rtol`/`atol`.
fn assert_predictions_close(
    what: &str,
    a: satori_core::Result<Array1<f64>>,
    b: satori_core::Result<Array1<f64>>,
    rtol: f64,
    atol: f64,
) {
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_close(what, &a.to_vec(), &b.to_vec(), rtol, atol);
}

/// A postcard round trip of `model` gives the same predictions and probabilities on `x`.
fn assert_round_trip<M>(model: &M, x: &CsMat<f64>)
where
    M: SparsePredictor + serde::Serialize + serde::de::DeserializeOwned,
{
    let back: M = postcard::from_bytes(&postcard::to_allocvec(model).unwrap()).unwrap();
    assert_eq!(back.predict_csr(x).unwrap(), model.predict_csr(x).unwrap());
    assert_eq!(
        back.predict_proba_csr(x).unwrap(),
        model.predict_proba_csr(x).unwrap()
    );
}

fn flat(a: &Array2<f64>) -> Vec<f64> {
    a.iter().copied().collect()
}

#[test]
fn logistic_fit_csr_equals_dense_fit() {
    let (x, score) = sparse_data(400, 120, 0.06, 40, 1);
    let held = sparse_data(50, 120, 0.06, 40, 2).0;
    let (xs, hs) = (to_csr(&x), to_csr(&held));
    let nnz_share = xs.nnz() as f64 / (400.0 * 120.0);
    assert!(nnz_share < 0.1, "{nnz_share}");
    let w = weights(400, 3);
    let cases = [
        (2, 0.0, true, ClassWeight::None, None),
        (3, 0.0, true, ClassWeight::Balanced, Some(&w)),
        (2, 1.0, true, ClassWeight::None, Some(&w)),
        (3, 0.5, false, ClassWeight::None, None),
        (2, 0.0, false, ClassWeight::None, None),
    ];
    for (k, l1_ratio, fit_intercept, class_weight, w) in cases {
        let target = classes(&score, k);
        let params = LogisticRegressionParams {
            c: 2.0,
            l1_ratio,
            fit_intercept,
            tol: 1e-10,
            max_iter: 20_000,
            class_weight,
        };
        let what = format!("k={k} l1_ratio={l1_ratio} intercept={fit_intercept}");
        let dense = params.fit(&dataset(&x, target.clone(), w)).unwrap();
        let sparse = params.fit_csr(&xs, &target, w.map(|w| w.view())).unwrap();
        assert!(dense.converged() && sparse.converged(), "{what}");
        assert_close(
            &what,
            &flat(&sparse.coef()),
            &flat(&dense.coef()),
            1e-6,
            1e-8,
        );
        assert_close(&what, sparse.intercept(), dense.intercept(), 1e-6, 1e-8);
        // Predictions from CSR rows equal those from the densified rows of the same model.
        assert_eq!(
            sparse.predict_csr(&hs).unwrap(),
            sparse.predict(held.view()).unwrap()
        );
        let p_sparse = sparse.predict_proba_csr(&hs).unwrap().unwrap();
        let p_dense = sparse.predict_proba(held.view()).unwrap();
        assert_close(&what, &flat(&p_sparse), &flat(&p_dense), 1e-13, 1e-15);
        assert_close(
            &what,
            &flat(&p_sparse),
            &flat(&dense.predict_proba(held.view()).unwrap()),
            1e-6,
            1e-8,
        );
        // All-zero columns get zero coefficients under L1.
        if l1_ratio == 1.0 {
            assert!(sparse.coef().column(119).iter().all(|v| *v == 0.0));
        }
    }
}

#[test]
fn sgd_fit_csr_equals_dense_fit_without_intercept() {
    let (x, score) = sparse_data(300, 60, 0.08, 20, 4);
    let xs = to_csr(&x);
    let w = weights(300, 5);
    for (k, loss, w) in [
        (2, SgdClassifierLoss::Hinge, None),
        (3, SgdClassifierLoss::LogLoss, Some(&w)),
    ] {
        let target = classes(&score, k);
        let params = SgdClassifierParams {
            loss,
            fit_intercept: false,
            tol: None,
            max_iter: 20,
            shuffle: true,
            seed: 7,
            average: 5,
            ..Default::default()
        };
        let dense = params.fit(&dataset(&x, target.clone(), w)).unwrap();
        let sparse = params.fit_csr(&xs, &target, w.map(|w| w.view())).unwrap();
        // L2, no intercept, no stopping rule: the same updates, bit for bit.
        assert_eq!(sparse.coef(), dense.coef());
        assert_eq!(
            sparse.predict_csr(&xs).unwrap(),
            dense.predict(x.view()).unwrap()
        );
        assert_eq!(
            sparse.decision_function_csr(&xs).unwrap(),
            sparse.decision_function(x.view()).unwrap()
        );
        match sparse.predict_proba_csr(&xs).unwrap() {
            Some(p) => assert_eq!(p, sparse.predict_proba(x.view()).unwrap()),
            None => assert_eq!(loss, SgdClassifierLoss::Hinge),
        }
    }
    let y = Target::regression(score.clone().into());
    let params = SgdRegressorParams {
        loss: SgdRegressorLoss::Huber,
        fit_intercept: false,
        tol: None,
        max_iter: 15,
        seed: 3,
        ..Default::default()
    };
    let dense = params.fit(&dataset(&x, y.clone(), Some(&w))).unwrap();
    let sparse = params.fit_csr(&xs, &y, Some(w.view())).unwrap();
    assert_eq!(sparse.coef(), dense.coef());
    assert_eq!(
        sparse.predict_csr(&xs).unwrap(),
        dense.predict(x.view()).unwrap()
    );
}

#[test]
fn sgd_sparse_intercept_decays_as_sklearn() {
    // With an intercept, scikit-learn scales the intercept updates by 0.01 on sparse input: the
    // first update of the intercept is 0.01 of the dense one.
    let (x, _) = sparse_data(1, 10, 1.0, 0, 8);
    let params = SgdClassifierParams {
        learning_rate: satori_linear::LearningRate::Constant,
        eta0: 0.5,
        penalty: Penalty::None,
        ..Default::default()
    };
    let labels = Target::classes(Array1::from(vec![1]), vec!["a".into(), "b".into()]).unwrap();
    let dense = params
        .partial_fit(&dataset(&x, labels.clone(), None))
        .unwrap();
    let sparse = params.partial_fit_csr(&to_csr(&x), &labels, None).unwrap();
    assert_eq!(dense.intercept()[0], 0.5);
    assert_eq!(sparse.intercept()[0], 0.5 * 0.01);
    assert_eq!(sparse.coef(), dense.coef());
}

#[test]
fn sgd_partial_fit_csr_batches_equal_one_pass() {
    let (x, score) = sparse_data(200, 40, 0.1, 10, 9);
    let target = classes(&score, 3);
    let params = SgdClassifierParams {
        loss: SgdClassifierLoss::ModifiedHuber,
        penalty: Penalty::Elasticnet,
        average: 30,
        ..Default::default()
    };
    let Target::Classes { codes, labels } = &target else {
        unreachable!()
    };
    let part = |a: usize, b: usize| {
        let xs = to_csr(&x.slice(ndarray::s![a..b, ..]).to_owned());
        let t = Target::classes(codes.slice(ndarray::s![a..b]).to_owned(), labels.clone()).unwrap();
        (xs, t)
    };
    let (x1, t1) = part(0, 120);
    let (x2, t2) = part(120, 200);
    let mut online = params.partial_fit_csr(&x1, &t1, None).unwrap();
    online.partial_fit_csr(&x2, &t2, None).unwrap();
    let once = params.partial_fit_csr(&to_csr(&x), &target, None).unwrap();
    assert_eq!(online.coef(), once.coef());
    assert_eq!(online.intercept(), once.intercept());
    assert!(
        online
            .partial_fit_csr(&to_csr(&Array2::zeros((2, 41))), &t1.clone(), None)
            .is_err()
    );

    let y = Target::regression(score.clone().into());
    let yr = |a: usize, b: usize| Target::regression(score[a..b].to_vec().into());
    let rp = SgdRegressorParams {
        penalty: Penalty::L1,
        ..Default::default()
    };
    let mut online = rp.partial_fit_csr(&x1, &yr(0, 120), None).unwrap();
    online.partial_fit_csr(&x2, &yr(120, 200), None).unwrap();
    let once = rp.partial_fit_csr(&to_csr(&x), &y, None).unwrap();
    assert_eq!(online.coef(), once.coef());
    assert_eq!(online.intercept(), once.intercept());
}

#[test]
fn ridge_and_least_squares_fit_csr_equal_closed_form() {
    let (x, score) = sparse_data(500, 80, 0.07, 25, 10);
    let held = sparse_data(40, 80, 0.07, 25, 11).0;
    let (xs, hs) = (to_csr(&x), to_csr(&held));
    let y = Target::regression(score.iter().map(|s| 2.0 * s + 1.5).collect());
    let w = weights(500, 12);
    for (alpha, fit_intercept, w) in [
        (1.0, true, None),
        (0.3, true, Some(&w)),
        (2.0, false, Some(&w)),
        (0.0, true, None),
    ] {
        let what = format!(
            "alpha={alpha} intercept={fit_intercept} weighted={}",
            w.is_some()
        );
        let params = RidgeParams {
            alpha,
            fit_intercept,
            ..Default::default()
        };
        let dense = params.fit(&dataset(&x, y.clone(), w)).unwrap();
        let sparse = params.fit_csr(&xs, &y, w.map(|w| w.view())).unwrap();
        assert_same_fit!(&what, sparse, dense, 1e-8, 1e-10);
        assert_predictions_close(
            &what,
            sparse.predict_csr(&hs),
            sparse.predict(held.view()),
            1e-13,
            1e-13,
        );
        let ls = LinearRegressionParams {
            fit_intercept,
            ..Default::default()
        };
        let dense = ls.fit(&dataset(&x, y.clone(), w)).unwrap();
        let sparse = ls.fit_csr(&xs, &y, w.map(|w| w.view())).unwrap();
        // The all-zero columns: minimum-norm zeros on both sides.
        assert!(sparse.coef()[60..].iter().all(|v| *v == 0.0), "{what}");
        assert_same_fit!(&what, sparse, dense, 1e-8, 1e-10);
        assert_predictions_close(
            &what,
            sparse.predict_csr(&hs),
            dense.predict(held.view()),
            1e-8,
            1e-10,
        );
    }
}

#[test]
fn elastic_net_and_lasso_fit_csr_equal_dense_fit() {
    let (x, score) = sparse_data(400, 70, 0.08, 20, 16);
    let held = sparse_data(30, 70, 0.08, 20, 17).0;
    let (xs, hs) = (to_csr(&x), to_csr(&held));
    let y = Target::regression(score.iter().map(|s| s - 0.7).collect());
    let w = weights(400, 18);
    for (alpha, l1_ratio, fit_intercept, positive, w) in [
        (0.01, 0.5, true, false, None),
        (0.005, 1.0, true, false, Some(&w)),
        (0.02, 0.2, false, false, Some(&w)),
        (0.01, 1.0, true, true, None),
    ] {
        let what = format!("alpha={alpha} l1_ratio={l1_ratio} intercept={fit_intercept}");
        let params = ElasticNetParams {
            alpha,
            l1_ratio,
            fit_intercept,
            positive,
            tol: 1e-12,
            max_iter: 100_000,
            ..Default::default()
        };
        let dense = params.fit(&dataset(&x, y.clone(), w)).unwrap();
        let sparse = params.fit_csr(&xs, &y, w.map(|w| w.view())).unwrap();
        assert!(dense.converged() && sparse.converged(), "{what}");
        assert!(sparse.dual_gap() >= 0.0);
        assert_same_fit!(&what, sparse, dense, 1e-6, 1e-8);
        // Zero columns and L1-removed features are exact zeros on both sides.
        for (a, b) in sparse.coef().iter().zip(dense.coef()) {
            assert_eq!(*a == 0.0, *b == 0.0, "{what}: {a} vs {b}");
        }
        assert_predictions_close(
            &what,
            sparse.predict_csr(&hs),
            sparse.predict(held.view()),
            1e-13,
            1e-13,
        );
    }
    let lasso = LassoParams {
        alpha: 0.01,
        tol: 1e-12,
        selection: Selection::Random,
        seed: 4,
        ..Default::default()
    };
    let dense = lasso.fit(&dataset(&x, y.clone(), None)).unwrap();
    let sparse = lasso.fit_csr(&xs, &y, None).unwrap();
    assert_close("lasso random", sparse.coef(), dense.coef(), 1e-6, 1e-8);
}

#[test]
fn poisson_and_tweedie_fit_csr_equal_dense_fit() {
    let (x, score) = sparse_data(300, 50, 0.1, 15, 19);
    let held = sparse_data(30, 50, 0.1, 15, 20).0;
    let (xs, hs) = (to_csr(&x), to_csr(&held));
    let y = Target::regression(score.iter().map(|s| (0.4 * s).exp().round()).collect());
    let w = weights(300, 21);
    for (power, solver, w) in [
        (1.0, GlmSolver::Lbfgs, None),
        (1.5, GlmSolver::NewtonCholesky, Some(&w)),
        (0.0, GlmSolver::NewtonCholesky, None),
    ] {
        let what = format!("power={power} solver={solver:?}");
        let params = TweedieRegressorParams {
            power,
            alpha: 0.05,
            solver,
            tol: 1e-10,
            max_iter: 10_000,
            ..Default::default()
        };
        let dense = params.fit(&dataset(&x, y.clone(), w)).unwrap();
        let sparse = params.fit_csr(&xs, &y, w.map(|w| w.view())).unwrap();
        assert!(dense.converged() && sparse.converged(), "{what}");
        assert_same_fit!(&what, sparse, dense, 1e-7, 1e-9);
        assert_predictions_close(
            &what,
            sparse.predict_csr(&hs),
            sparse.predict(held.view()),
            1e-13,
            1e-13,
        );
    }
    let poisson = PoissonRegressorParams::default()
        .fit_csr(&xs, &y, None)
        .unwrap();
    assert!(poisson.predict_csr(&hs).unwrap().iter().all(|m| *m > 0.0));
}

#[test]
fn bad_sparse_input_is_a_clear_error() {
    let (x, score) = sparse_data(30, 10, 0.3, 2, 13);
    let xs = to_csr(&x);
    let t = classes(&score, 2);
    let yr = Target::regression(score.clone().into());
    let model = LogisticRegressionParams::default()
        .fit_csr(&xs, &t, None)
        .unwrap();
    let ridge = RidgeParams::default().fit_csr(&xs, &yr, None).unwrap();
    // Wrong column count.
    let wide = to_csr(&Array2::ones((3, 11)));
    assert!(matches!(
        model.predict_csr(&wide),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        ridge.predict_csr(&wide),
        Err(Error::ShapeMismatch { .. })
    ));
    // NaN and infinite stored values.
    let mut bad = xs.clone();
    bad.data_mut()[0] = f64::NAN;
    let e = LogisticRegressionParams::default()
        .fit_csr(&bad, &t, None)
        .unwrap_err();
    assert!(e.to_string().contains("NaN"), "{e}");
    bad.data_mut()[0] = f64::INFINITY;
    assert!(model.predict_csr(&bad).is_err());
    assert!(
        SgdRegressorParams::default()
            .fit_csr(&bad, &yr, None)
            .is_err()
    );
    // CSC storage.
    let e = RidgeParams::default()
        .fit_csr(&xs.to_csc(), &yr, None)
        .unwrap_err();
    assert!(e.to_string().contains("CSR"), "{e}");
    assert!(model.predict_proba_csr(&xs.to_csc()).is_err());
    // An empty matrix.
    let empty: CsMat<f64> = CsMat::zero((0, 10));
    let none = Target::regression(Array1::zeros(0));
    assert!(matches!(
        LinearRegressionParams::default().fit_csr(&empty, &none, None),
        Err(Error::NotEnoughSamples { .. })
    ));
    // Target and weight lengths, negative weights, the wrong target kind, unsupported options.
    let short = Target::regression(Array1::zeros(29));
    assert!(matches!(
        RidgeParams::default().fit_csr(&xs, &short, None),
        Err(Error::ShapeMismatch { .. })
    ));
    let w = Array1::from_elem(30, -1.0);
    assert!(
        SgdClassifierParams::default()
            .fit_csr(&xs, &t, Some(w.view()))
            .is_err()
    );
    assert!(
        LogisticRegressionParams::default()
            .fit_csr(&xs, &yr, None)
            .is_err()
    );
    assert!(RidgeParams::default().fit_csr(&xs, &t, None).is_err());
    let svd = RidgeParams {
        solver: RidgeSolver::Svd,
        ..Default::default()
    };
    assert!(matches!(
        svd.fit_csr(&xs, &yr, None),
        Err(Error::InvalidParameter { .. })
    ));
    let positive = LinearRegressionParams {
        positive: true,
        ..Default::default()
    };
    assert!(matches!(
        positive.fit_csr(&xs, &yr, None),
        Err(Error::InvalidParameter { .. })
    ));
    // Hinge SGD has no probabilities: None, not a panic.
    let sgd = SgdClassifierParams::default()
        .fit_csr(&xs, &t, None)
        .unwrap();
    assert!(sgd.predict_proba_csr(&xs).unwrap().is_none());
    assert!(sgd.predict_proba_csr(&wide).is_err());
}

#[test]
fn postcard_round_trip_predicts_identically() {
    let (x, score) = sparse_data(120, 30, 0.15, 5, 14);
    let xs = to_csr(&x);
    let t = classes(&score, 3);
    let yr = Target::regression(score.clone().into());
    let logistic = LogisticRegressionParams::default()
        .fit_csr(&xs, &t, None)
        .unwrap();
    assert_round_trip(&logistic, &xs);
    let sgd = SgdRegressorParams::default()
        .fit_csr(&xs, &yr, None)
        .unwrap();
    assert_round_trip(&sgd, &xs);
    let clf = SgdClassifierParams::default()
        .fit_csr(&xs, &t, None)
        .unwrap();
    assert_round_trip(&clf, &xs);
    let ridge = RidgeParams::default().fit_csr(&xs, &yr, None).unwrap();
    assert_round_trip(&ridge, &xs);
    let enet = ElasticNetParams::default().fit_csr(&xs, &yr, None).unwrap();
    assert_round_trip(&enet, &xs);
    let glm = TweedieRegressorParams {
        power: 1.5,
        ..Default::default()
    }
    .fit_csr(
        &xs,
        &Target::regression(score.iter().map(|s| s.abs()).collect()),
        None,
    )
    .unwrap();
    assert_round_trip(&glm, &xs);
    let ols = LinearRegressionParams::default()
        .fit_csr(&xs, &yr, None)
        .unwrap();
    assert_round_trip(&ols, &xs);
}

#[test]
fn sparse_fits_are_identical_at_one_and_two_threads() {
    // More rows than one parallel chunk, so the chunked reductions matter.
    let (x, score) = sparse_data(9000, 50, 0.05, 10, 15);
    let xs = to_csr(&x);
    let t = classes(&score, 3);
    let yr = Target::regression(score.clone().into());
    let counts = Target::regression(score.iter().map(|s| (0.3 * s).exp().round()).collect());
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                let l = LogisticRegressionParams::default()
                    .fit_csr(&xs, &t, None)
                    .unwrap();
                let r = RidgeParams::default().fit_csr(&xs, &yr, None).unwrap();
                let s = SgdClassifierParams {
                    max_iter: 3,
                    ..Default::default()
                }
                .fit_csr(&xs, &t, None)
                .unwrap();
                let e = ElasticNetParams {
                    alpha: 0.01,
                    ..Default::default()
                }
                .fit_csr(&xs, &yr, None)
                .unwrap();
                let g = PoissonRegressorParams::default()
                    .fit_csr(&xs, &counts, None)
                    .unwrap();
                (
                    l.coef(),
                    r.coef().to_vec(),
                    s.coef(),
                    l.predict_proba_csr(&xs).unwrap(),
                    e.coef().to_vec(),
                    g.coef().to_vec(),
                )
            })
    };
    assert_eq!(run(1), run(2));
}
