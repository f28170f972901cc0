//! Behaviour of the regression family beyond scikit-learn agreement: parameter validation, bad
//! data, convergence reporting, warm starts, partial TOML, postcard round trips and determinism
//! across thread counts.

use ndarray::{Array1, Array2, array};
use satori_core::{Dataset, Error, Estimator, Params, Predictor, Target};
use satori_linear::{
    ElasticNetParams, GlmSolver, LassoParams, LinearRegressionParams, PathParams,
    PoissonRegressorParams, RidgeParams, TweedieRegressorParams, enet_path, lasso_path,
};
use satori_testkit::generate;

fn dataset(x: Array2<f64>, y: Array1<f64>) -> Dataset {
    let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
    Dataset::new(x, names)
        .unwrap()
        .with_target(Target::regression(y))
        .unwrap()
}

fn param_name(e: Error) -> String {
    match e {
        Error::InvalidParameter { name, .. } => name,
        other => panic!("expected a parameter error, got {other}"),
    }
}

#[test]
fn bad_parameters_are_named() {
    let data = generate::regression(20, 2, 0);
    let enet = |f: fn(&mut ElasticNetParams)| {
        let mut p = ElasticNetParams::default();
        f(&mut p);
        param_name(p.fit(&data).unwrap_err())
    };
    assert_eq!(enet(|p| p.alpha = -1.0), "alpha");
    assert_eq!(enet(|p| p.l1_ratio = 1.5), "l1_ratio");
    assert_eq!(enet(|p| p.l1_ratio = f64::NAN), "l1_ratio");
    assert_eq!(enet(|p| p.max_iter = 0), "max_iter");
    assert_eq!(enet(|p| p.tol = -1e-3), "tol");
    let lasso = LassoParams {
        alpha: f64::INFINITY,
        ..Default::default()
    };
    assert_eq!(param_name(lasso.validate().unwrap_err()), "alpha");
    let ridge = RidgeParams {
        alpha: -0.1,
        ..Default::default()
    };
    assert_eq!(param_name(ridge.fit(&data).unwrap_err()), "alpha");
    let lr = LinearRegressionParams {
        tol: 2.0,
        ..Default::default()
    };
    assert_eq!(param_name(lr.validate().unwrap_err()), "tol");
    for power in [0.5, f64::NAN] {
        let t = TweedieRegressorParams {
            power,
            ..Default::default()
        };
        let e = t.validate().unwrap_err();
        assert!(e.to_string().contains("(0, 1)"), "{e}");
        assert_eq!(param_name(e), "power");
    }
    let t = TweedieRegressorParams {
        max_iter: 0,
        ..Default::default()
    };
    assert_eq!(param_name(t.validate().unwrap_err()), "max_iter");
    let p = PoissonRegressorParams {
        tol: 0.0,
        ..Default::default()
    };
    assert_eq!(param_name(p.validate().unwrap_err()), "tol");
    let path = PathParams {
        eps: 0.0,
        ..Default::default()
    };
    assert_eq!(param_name(enet_path(&data, &path).unwrap_err()), "eps");
    let path = PathParams {
        alphas: Some(vec![]),
        ..Default::default()
    };
    assert_eq!(param_name(path.validate().unwrap_err()), "alphas");
}

#[test]
fn params_read_from_partial_toml_and_reject_unknown_keys() {
    let p: ElasticNetParams = toml::from_str("alpha = 0.5\nselection = \"random\"").unwrap();
    assert_eq!(p.alpha, 0.5);
    assert_eq!(p.max_iter, 1000);
    let t: TweedieRegressorParams =
        toml::from_str("power = 1.5\nlink = \"log\"\nsolver = \"newton-cholesky\"").unwrap();
    assert_eq!(t.solver, GlmSolver::NewtonCholesky);
    let r: RidgeParams = toml::from_str("solver = \"svd\"").unwrap();
    assert_eq!(r.alpha, 1.0);
    let l: LinearRegressionParams = toml::from_str("positive = true").unwrap();
    assert!(l.positive && l.fit_intercept);
    assert!(toml::from_str::<LassoParams>("alpha = 1\nl1_ratio = 0.5").is_err());
    assert!(toml::from_str::<PoissonRegressorParams>("power = 1").is_err());
    for d in [
        LinearRegressionParams::default().validate(),
        RidgeParams::default().validate(),
        LassoParams::default().validate(),
        ElasticNetParams::default().validate(),
        PoissonRegressorParams::default().validate(),
        TweedieRegressorParams::default().validate(),
        PathParams::default().validate(),
    ] {
        d.unwrap();
    }
}

#[test]
fn nan_features_ask_for_imputation() {
    let data = dataset(
        array![[1.0, f64::NAN], [2.0, 1.0], [3.0, 0.0]],
        array![1.0, 2.0, 3.0],
    );
    let errors = [
        LinearRegressionParams::default().fit(&data).map(|_| ()),
        RidgeParams::default().fit(&data).map(|_| ()),
        LassoParams::default().fit(&data).map(|_| ()),
        PoissonRegressorParams::default().fit(&data).map(|_| ()),
        enet_path(&data, &PathParams::default()).map(|_| ()),
    ];
    for e in errors {
        let msg = e.unwrap_err().to_string();
        assert!(msg.contains("impute first"), "{msg}");
    }
    let clean = dataset(
        array![[1.0, 0.0], [2.0, 1.0], [3.0, 0.0]],
        array![1.0, 2.0, 3.0],
    );
    let m = RidgeParams::default().fit(&clean).unwrap();
    let msg = m
        .predict(array![[f64::NAN, 1.0]].view())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("impute first"), "{msg}");
}

#[test]
fn bad_targets_are_clear_errors() {
    let x = array![[1.0], [2.0], [3.0]];
    let negative = dataset(x.clone(), array![1.0, -2.0, 3.0]);
    let msg = PoissonRegressorParams::default()
        .fit(&negative)
        .unwrap_err()
        .to_string();
    assert!(msg.contains(">= 0") && msg.contains("row 1"), "{msg}");
    let zero = dataset(x.clone(), array![1.0, 0.0, 3.0]);
    let gamma = TweedieRegressorParams {
        power: 2.0,
        ..Default::default()
    };
    let msg = gamma.fit(&zero).unwrap_err().to_string();
    assert!(msg.contains("> 0"), "{msg}");
    let all_zero = dataset(x.clone(), array![0.0, 0.0, 0.0]);
    assert!(PoissonRegressorParams::default().fit(&all_zero).is_err());
    // Normal (power 0) takes any real target.
    assert!(TweedieRegressorParams::default().fit(&negative).is_ok());

    let empty = dataset(Array2::zeros((0, 2)), Array1::zeros(0));
    assert!(matches!(
        LinearRegressionParams::default().fit(&empty),
        Err(Error::NotEnoughSamples { .. })
    ));
    assert!(ElasticNetParams::default().fit(&empty).is_err());
    assert!(TweedieRegressorParams::default().fit(&empty).is_err());

    let classes = Dataset::new(x, vec!["a".into()])
        .unwrap()
        .with_target(Target::classes(array![0, 1, 0], vec!["n".into(), "y".into()]).unwrap())
        .unwrap();
    let msg = RidgeParams::default()
        .fit(&classes)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("continuous target"), "{msg}");
}

#[test]
fn non_convergence_is_recorded_not_an_error() {
    let data = generate::regression(60, 4, 3);
    let m = ElasticNetParams {
        alpha: 1e-4,
        max_iter: 1,
        tol: 1e-12,
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    assert!(!m.converged());
    assert_eq!(m.n_iter(), 1);
    assert!(m.dual_gap() > 0.0);
    let g = TweedieRegressorParams {
        power: 1.5,
        max_iter: 1,
        tol: 1e-12,
        ..Default::default()
    };
    let pos = data.clone().with_target(Target::regression(
        data.require_target().unwrap().as_f64().mapv(f64::exp),
    ));
    let m = g.fit(&pos.unwrap()).unwrap();
    assert!(!m.converged());
    assert_eq!(m.n_iter(), 1);
}

#[test]
fn warm_start_reaches_the_same_optimum_faster() {
    let data = generate::regression(200, 6, 4);
    let p = ElasticNetParams {
        alpha: 0.05,
        tol: 1e-10,
        ..Default::default()
    };
    let cold = p.fit(&data).unwrap();
    let near = ElasticNetParams {
        alpha: 0.051,
        ..p.clone()
    }
    .fit(&data)
    .unwrap();
    let warm = p.fit_warm_start(&data, &near).unwrap();
    assert!(
        warm.n_iter() < cold.n_iter(),
        "{} vs {}",
        warm.n_iter(),
        cold.n_iter()
    );
    for (a, b) in warm.coef().iter().zip(cold.coef()) {
        assert!((a - b).abs() < 1e-7, "{a} vs {b}");
    }
    let other = generate::regression(20, 3, 0);
    let small = LassoParams::default().fit(&other).unwrap();
    assert!(matches!(
        p.fit_warm_start(&data, &small),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn path_starts_empty_and_ends_near_least_squares() {
    let data = generate::regression(100, 4, 5);
    let path = lasso_path(
        &data,
        &PathParams {
            tol: 1e-12,
            eps: 1e-6,
            n_alphas: 30,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(path.alphas.len(), 30);
    assert!(path.alphas.windows(2).all(|w| w[0] > w[1]));
    assert!(path.coefs[0].iter().all(|&c| c == 0.0));
    let ols = LinearRegressionParams::default().fit(&data).unwrap();
    for (a, b) in path.coefs[29].iter().zip(ols.coef()) {
        assert!((a - b).abs() < 1e-3, "{a} vs {b}");
    }
    assert!(path.converged.iter().all(|&c| c));
    // An explicit grid is sorted into decreasing order.
    let given = enet_path(
        &data,
        &PathParams {
            alphas: Some(vec![0.01, 0.1, 0.001]),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(given.alphas, vec![0.1, 0.01, 0.001]);
}

/// Bit-identical models at 1 and 2 threads, on data long enough for the parallel kernels.
#[test]
fn same_model_at_one_and_two_threads() {
    let n = 70_000;
    let data = generate::regression(n, 5, 9);
    let pos = data
        .clone()
        .with_target(Target::regression(
            data.require_target()
                .unwrap()
                .as_f64()
                .mapv(|v| (0.3 * v).exp()),
        ))
        .unwrap();
    let fit_all = || {
        let lr = LinearRegressionParams::default().fit(&data).unwrap();
        let ridge = RidgeParams::default().fit(&data).unwrap();
        let enet = ElasticNetParams {
            alpha: 0.01,
            ..Default::default()
        }
        .fit(&data)
        .unwrap();
        let glm = TweedieRegressorParams {
            power: 1.5,
            solver: GlmSolver::NewtonCholesky,
            ..Default::default()
        }
        .fit(&pos)
        .unwrap();
        let lbfgs = PoissonRegressorParams::default().fit(&pos).unwrap();
        (
            postcard::to_stdvec(&lr).unwrap(),
            postcard::to_stdvec(&ridge).unwrap(),
            postcard::to_stdvec(&enet).unwrap(),
            postcard::to_stdvec(&glm).unwrap(),
            postcard::to_stdvec(&lbfgs).unwrap(),
        )
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(fit_all);
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
        .install(fit_all);
    assert!(one == two, "models differ between 1 and 2 threads");
}

/// Counts what a fit reports.
#[derive(Default)]
struct Recorder {
    started: std::sync::Mutex<Vec<String>>,
    advanced: std::sync::atomic::AtomicU64,
    notes: std::sync::Mutex<Vec<String>>,
}

impl satori_core::Progress for Recorder {
    fn start(&self, stage: &str, _total: Option<u64>) {
        self.started.lock().unwrap().push(stage.to_string());
    }
    fn advance(&self, n: u64) {
        self.advanced
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
    fn finish(&self) {}
    fn note(&self, message: &str) {
        self.notes.lock().unwrap().push(message.to_string());
    }
}

#[test]
fn iterative_fits_report_progress() {
    let data = generate::regression(80, 4, 2);
    let rec = Recorder::default();
    let m = ElasticNetParams {
        alpha: 0.01,
        ..Default::default()
    }
    .fit_with_progress(&data, &rec)
    .unwrap();
    assert_eq!(rec.advanced.into_inner(), m.n_iter() as u64);
    assert_eq!(rec.started.lock().unwrap().len(), 1);
    assert!(rec.notes.lock().unwrap().is_empty());

    let rec = Recorder::default();
    let m = ElasticNetParams {
        alpha: 1e-5,
        max_iter: 2,
        tol: 1e-14,
        ..Default::default()
    }
    .fit_with_progress(&data, &rec)
    .unwrap();
    assert!(!m.converged());
    assert!(rec.notes.lock().unwrap()[0].contains("did not converge"));

    let pos = data
        .clone()
        .with_target(Target::regression(
            data.require_target().unwrap().as_f64().mapv(f64::exp),
        ))
        .unwrap();
    let rec = Recorder::default();
    let m = PoissonRegressorParams::default()
        .fit_with_progress(&pos, &rec)
        .unwrap();
    assert_eq!(rec.advanced.into_inner(), m.n_iter() as u64);
}
