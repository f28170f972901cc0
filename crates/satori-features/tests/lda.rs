//! LinearDiscriminantAnalysis: golden tests against scikit-learn 1.9.1
//! (`tests/golden/features_lda`), the classifier and transformer conformance suites, behaviour.
//!
//! Tolerances (rtol with an absolute floor of the same size × the array's largest magnitude):
//! `means_`, `priors_`, `xbar_` 1e-12; `explained_variance_ratio_`, `coef_`, `intercept_`,
//! probabilities 1e-9 (two SVDs or a generalized eigendecomposition by different libraries);
//! transforms 1e-9 after matching the sign of each component (LAPACK's signs are arbitrary;
//! satori makes each `scalings_` column's largest entry positive); predictions exactly.

use ndarray::{Array1, Array2, ArrayView2, array};
use satori_core::{Dataset, Error, Estimator, PredictProba, Predictor, Target, Transformer};
use satori_features::{LdaParams, LdaSolver, Shrinkage};
use satori_testkit::{Conformance, NanPolicy, TransformerConformance, generate, golden};
use serde_json::Value;

fn close(what: &str, a: ArrayView2<'_, f64>, e: ArrayView2<'_, f64>, tol: f64) {
    let atol = tol * e.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    golden::assert_close_2d(what, a, e, tol, atol);
}

fn close_1d(what: &str, a: &[f64], e: &[f64], tol: f64) {
    let atol = tol * e.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    golden::assert_close(what, a, e, tol, atol);
}

/// `a` with each column's sign matched to `e`'s (by the sign of their inner product).
fn match_signs(a: &Array2<f64>, e: &Array2<f64>) -> Array2<f64> {
    let mut out = a.clone();
    for (mut col, ecol) in out.columns_mut().into_iter().zip(e.columns()) {
        if col.dot(&ecol) < 0.0 {
            col.mapv_inplace(|v| -v);
        }
    }
    out
}

fn params(p: &Value) -> LdaParams {
    LdaParams {
        solver: match p.get("solver").and_then(Value::as_str) {
            Some("eigen") => LdaSolver::Eigen,
            _ => LdaSolver::Svd,
        },
        shrinkage: match p.get("shrinkage") {
            Some(Value::String(_)) => Some(Shrinkage::Auto),
            Some(v) => v.as_f64().map(Shrinkage::Value),
            None => None,
        },
        priors: p.get("priors").map(|v| {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        }),
        n_components: p.get("n_components").map(|v| v.as_u64().unwrap() as usize),
        ..Default::default()
    }
}

fn data_of(case: &Value) -> Dataset {
    let x = golden::f64_matrix(case, "/x");
    let y: Array1<usize> = golden::usize_vec(case, "/y").into();
    let n_labels = y.iter().max().unwrap() + 1;
    let labels = (0..n_labels).map(|c| format!("c{c}")).collect();
    let names = (0..x.ncols()).map(|j| format!("x{j}")).collect();
    Dataset::new(x, names)
        .unwrap()
        .with_target(Target::classes(y, labels).unwrap())
        .unwrap()
}

#[test]
fn golden_lda() {
    let g = golden::load("features_lda");
    for (i, case) in golden::at(&g, "/cases")
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let what = |s: &str| format!("case {i} {} {}: {s}", case["data"], case["params"]);
        let data = data_of(case);
        let m = params(&case["params"]).fit(&data).unwrap();
        close(
            &what("means"),
            m.means(),
            golden::f64_matrix(case, "/means").view(),
            1e-12,
        );
        close_1d(
            &what("priors"),
            m.priors().as_slice().unwrap(),
            &golden::f64_vec(case, "/priors"),
            1e-12,
        );
        if !case["xbar"].is_null() {
            close_1d(
                &what("xbar"),
                m.xbar().as_slice().unwrap(),
                &golden::f64_vec(case, "/xbar"),
                1e-12,
            );
        }
        close_1d(
            &what("explained_variance_ratio"),
            m.explained_variance_ratio().as_slice().unwrap(),
            &golden::f64_vec(case, "/explained_variance_ratio"),
            1e-9,
        );
        close(
            &what("coef"),
            m.coef(),
            golden::f64_matrix(case, "/coef").view(),
            1e-9,
        );
        close_1d(
            &what("intercept"),
            m.intercept().as_slice().unwrap(),
            &golden::f64_vec(case, "/intercept"),
            1e-9,
        );
        let x_new = golden::f64_matrix(case, "/x_new");
        for (name, x, key) in [
            ("transform", data.x().to_owned(), "/transform"),
            ("transform_new", x_new.clone(), "/transform_new"),
        ] {
            let e = golden::f64_matrix(case, key);
            let z = m.transform(x.view()).unwrap();
            assert_eq!(z.dim(), e.dim(), "{}", what(name));
            close(&what(name), match_signs(&z, &e).view(), e.view(), 1e-9);
        }
        let pred: Vec<usize> = m
            .predict(x_new.view())
            .unwrap()
            .iter()
            .map(|v| *v as usize)
            .collect();
        assert_eq!(
            pred,
            golden::usize_vec(case, "/predict_new"),
            "{}",
            what("predict")
        );
        close(
            &what("proba"),
            m.predict_proba(x_new.view()).unwrap().view(),
            golden::f64_matrix(case, "/proba_new").view(),
            1e-9,
        );
    }
}

#[test]
fn absent_labels_get_zero_probability() {
    let x = array![
        [0.0, 1.0],
        [1.0, 0.5],
        [0.5, 0.2],
        [5.0, 4.0],
        [4.0, 5.5],
        [4.5, 4.4]
    ];
    let y = Target::classes(
        array![0, 0, 0, 2, 2, 2],
        vec!["a".into(), "b".into(), "c".into()],
    )
    .unwrap();
    let data = Dataset::new(x.clone(), vec!["u".into(), "v".into()])
        .unwrap()
        .with_target(y)
        .unwrap();
    let m = LdaParams::default().fit(&data).unwrap();
    assert_eq!(m.classes().len(), 3);
    assert_eq!(m.present_classes(), &[0, 2]);
    let p = m.predict_proba(x.view()).unwrap();
    assert!(p.column(1).iter().all(|v| *v == 0.0));
    assert_eq!(
        m.predict(x.view()).unwrap().to_vec(),
        vec![0.0, 0.0, 0.0, 2.0, 2.0, 2.0]
    );
    // Priors have one entry per label; the absent label's is ignored.
    let with_priors = LdaParams {
        priors: Some(vec![0.2, 0.5, 0.3]),
        ..Default::default()
    };
    let m = with_priors.fit(&data).unwrap();
    close_1d(
        "renormalised priors",
        m.priors().as_slice().unwrap(),
        &[0.4, 0.6],
        1e-15,
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let data = generate::multiclass(30, 3, 1);
    let too_many = LdaParams {
        n_components: Some(3),
        ..Default::default()
    };
    assert!(matches!(
        too_many.fit(&data),
        Err(Error::InvalidParameter { .. })
    ));
    let svd_shrink = LdaParams {
        shrinkage: Some(Shrinkage::Auto),
        ..Default::default()
    };
    assert!(matches!(
        svd_shrink.fit(&data),
        Err(Error::InvalidParameter { .. })
    ));
    let bad_priors = LdaParams {
        priors: Some(vec![0.5, 0.5]),
        ..Default::default()
    };
    assert!(matches!(
        bad_priors.fit(&data),
        Err(Error::InvalidParameter { .. })
    ));
    let regression = generate::regression(20, 3, 1);
    assert!(LdaParams::default().fit(&regression).is_err());
    // A constant column makes the within-class covariance singular for `eigen`.
    let (mut x, schema, target, _, _) = data.clone().into_parts();
    x.column_mut(0).fill(1.0);
    let constant = Dataset::with_schema(x, schema)
        .unwrap()
        .with_target(target.unwrap())
        .unwrap();
    let e = LdaParams {
        solver: LdaSolver::Eigen,
        ..Default::default()
    }
    .fit(&constant)
    .unwrap_err();
    assert!(e.to_string().contains("singular"), "{e}");
    // The svd solver and shrinkage both cope with it.
    LdaParams::default().fit(&constant).unwrap();
    LdaParams {
        solver: LdaSolver::Eigen,
        shrinkage: Some(Shrinkage::Value(0.2)),
        ..Default::default()
    }
    .fit(&constant)
    .unwrap();
    let p: LdaParams = toml::from_str("solver = \"eigen\"\nshrinkage = \"auto\"").unwrap();
    assert_eq!(p.shrinkage, Some(Shrinkage::Auto));
    let p: LdaParams = toml::from_str("solver = \"eigen\"\nshrinkage = 0.25").unwrap();
    assert_eq!(p.shrinkage, Some(Shrinkage::Value(0.25)));
    assert!(toml::from_str::<LdaParams>("shrinkage = \"max\"").is_err());
    assert!(toml::from_str::<LdaParams>("solvr = \"svd\"").is_err());
    let m = LdaParams::default().fit(&data).unwrap();
    assert!(matches!(
        m.predict(array![[1.0]].view()),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn lda_classifier_conformance() {
    for (data, solver, shrinkage) in [
        (generate::multiclass(90, 3, 7), LdaSolver::Svd, None),
        (generate::binary(80, 8), LdaSolver::Svd, None),
        (
            generate::multiclass(90, 3, 9),
            LdaSolver::Eigen,
            Some(Shrinkage::Auto),
        ),
        (generate::binary(80, 10), LdaSolver::Eigen, None),
    ] {
        let p = LdaParams {
            solver,
            shrinkage,
            ..Default::default()
        };
        Conformance::new(p, data)
            .fit_order_tolerance(1e-9, 1e-9)
            .subset_tolerance(1e-12, 1e-12)
            .check_proba();
    }
}

#[test]
fn lda_transformer_conformance() {
    let data = generate::multiclass(90, 3, 11);
    for solver in [LdaSolver::Svd, LdaSolver::Eigen] {
        let p = LdaParams {
            solver,
            ..Default::default()
        };
        TransformerConformance::new(p.clone(), data.clone())
            .nan_policy(NanPolicy::RejectMentioning("impute"))
            .fit_order_tolerance(1e-9, 1e-9)
            .check();
        let m = p.fit(&data).unwrap();
        assert_eq!(
            m.feature_names_out(&data.feature_names()),
            vec!["lineardiscriminantanalysis0", "lineardiscriminantanalysis1"]
        );
    }
}
