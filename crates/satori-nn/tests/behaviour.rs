//! What the MLPs do: learn, stop, record, stay deterministic, and fail cleanly.

use ndarray::{Array1, Array2};
use satori_core::rng::{rng, standard_normal};
use satori_core::{Dataset, Error, Estimator, PredictProba, Predictor, Target};
use satori_nn::{
    ClassWeight, LrSchedule, MlpClassifierParams, MlpParams, MlpRegressorParams, Solver,
};

/// Two interleaved half-moons-like classes in 2-d plus noise features.
fn moons(n: usize, seed: u64) -> Dataset {
    let mut r = rng(seed);
    let mut x = Array2::zeros((n, 4));
    let mut codes = Array1::zeros(n);
    for i in 0..n {
        let c = i % 2;
        let t = std::f64::consts::PI * (i as f64 / n as f64);
        let (a, b) = if c == 0 {
            (t.cos(), t.sin())
        } else {
            (1.0 - t.cos(), 0.5 - t.sin())
        };
        x[[i, 0]] = a + 0.1 * standard_normal(&mut r);
        x[[i, 1]] = b + 0.1 * standard_normal(&mut r);
        x[[i, 2]] = standard_normal(&mut r);
        x[[i, 3]] = standard_normal(&mut r);
        codes[i] = c;
    }
    let names = (0..4).map(|j| format!("f{j}")).collect();
    Dataset::new(x, names)
        .unwrap()
        .with_target(Target::classes(codes, vec!["a".into(), "b".into()]).unwrap())
        .unwrap()
}

fn wave(n: usize, seed: u64) -> Dataset {
    let mut r = rng(seed);
    let x = Array2::from_shape_fn((n, 3), |_| standard_normal(&mut r));
    let y: Array1<f64> = x
        .rows()
        .into_iter()
        .map(|v| (2.0 * v[0]).sin() + v[1] * v[2])
        .collect();
    Dataset::new(x, vec!["a".into(), "b".into(), "c".into()])
        .unwrap()
        .with_target(Target::regression(y))
        .unwrap()
}

fn accuracy(pred: &Array1<f64>, data: &Dataset) -> f64 {
    let y = data.target().unwrap().as_f64();
    pred.iter().zip(y.iter()).filter(|(a, b)| a == b).count() as f64 / y.len() as f64
}

fn r2(pred: &Array1<f64>, data: &Dataset) -> f64 {
    let y = data.target().unwrap().as_f64();
    let m = y.mean().unwrap();
    let ss: f64 = y.iter().map(|v| (v - m).powi(2)).sum();
    let se: f64 = y.iter().zip(pred).map(|(a, b)| (a - b).powi(2)).sum();
    1.0 - se / ss
}

fn clf(p: MlpParams) -> MlpClassifierParams {
    MlpClassifierParams(MlpParams {
        hidden_layer_sizes: vec![32, 32],
        learning_rate_init: 0.01,
        ..p
    })
}

#[test]
fn classifier_learns_a_nonlinear_boundary() {
    let (train, test) = (moons(600, 1), moons(400, 2));
    let model = clf(MlpParams {
        max_iter: 60,
        ..Default::default()
    })
    .fit(&train)
    .unwrap();
    let acc = accuracy(&model.predict(test.x()).unwrap(), &test);
    assert!(acc > 0.93, "accuracy {acc}");
    let h = model.loss_curve();
    assert_eq!(h.train.len(), model.n_iter());
    assert!(
        h.train.last().unwrap() < &(h.train[0] * 0.5),
        "{:?}",
        h.train
    );
    assert_eq!(model.metric_curve().metric, "accuracy");
    h.validate().unwrap();
}

#[test]
fn regressor_learns_and_every_solver_and_schedule_trains() {
    let (train, test) = (wave(800, 3), wave(300, 4));
    for solver in [Solver::Sgd, Solver::Adam, Solver::Adamw, Solver::Rmsprop] {
        for schedule in [
            LrSchedule::Constant,
            LrSchedule::Step,
            LrSchedule::Exponential,
            LrSchedule::Cosine,
            LrSchedule::OneCycle,
            LrSchedule::ReduceOnPlateau,
        ] {
            let lr = if solver == Solver::Sgd { 0.02 } else { 0.005 };
            let p = MlpRegressorParams(MlpParams {
                hidden_layer_sizes: vec![32, 32],
                solver,
                lr_schedule: schedule,
                warmup_epochs: 3,
                step_size: 20,
                learning_rate_init: lr,
                max_iter: 60,
                batch_size: Some(64),
                ..Default::default()
            });
            let model = p.fit(&train).unwrap();
            let score = r2(&model.predict(test.x()).unwrap(), &test);
            assert!(score > 0.6, "{solver:?} {schedule:?}: r2 {score}");
        }
    }
}

#[test]
fn same_seed_same_weights_other_seed_other_weights() {
    let data = moons(200, 5);
    let p = clf(MlpParams {
        max_iter: 5,
        dropout: 0.1,
        batch_norm: true,
        ..Default::default()
    });
    let a = postcard::to_allocvec(&p.fit(&data).unwrap()).unwrap();
    let b = postcard::to_allocvec(&p.fit(&data).unwrap()).unwrap();
    assert_eq!(a, b);
    let mut q = p.clone();
    q.seed = 1;
    assert_ne!(a, postcard::to_allocvec(&q.fit(&data).unwrap()).unwrap());
}

#[test]
fn same_model_at_one_and_two_threads() {
    let data = moons(1500, 6);
    let p = MlpClassifierParams(MlpParams {
        hidden_layer_sizes: vec![256, 256],
        max_iter: 2,
        batch_size: Some(512),
        batch_norm: true,
        ..Default::default()
    });
    let fit = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| postcard::to_allocvec(&p.fit(&data).unwrap()).unwrap())
    };
    assert!(
        fit(1) == fit(2),
        "the model differs between 1 and 2 threads"
    );
}

#[test]
fn early_stopping_holds_out_rows_and_restores_the_best_epoch() {
    let data = moons(400, 7);
    let p = clf(MlpParams {
        early_stopping: true,
        n_iter_no_change: 3,
        max_iter: 300,
        learning_rate_init: 0.05,
        ..Default::default()
    });
    let model = p.fit(&data).unwrap();
    let h = model.loss_curve();
    let valid = h.valid.as_ref().expect("validation curve");
    assert_eq!(valid.len(), h.train.len());
    assert!(
        model.converged() && model.n_iter() < 300,
        "{}",
        model.n_iter()
    );
    // The kept weights are the best epoch's: recompute the validation loss's minimum position.
    let best = valid.iter().cloned().fold(f64::INFINITY, f64::min);
    assert!(valid.last().unwrap() >= &best);
    assert!(
        model
            .metric_curve()
            .valid
            .as_ref()
            .unwrap()
            .iter()
            .all(|a| (0.0..=1.0).contains(a))
    );
}

#[test]
fn divergence_stops_and_keeps_the_best_weights() {
    let data = wave(200, 8);
    let p = MlpRegressorParams(MlpParams {
        hidden_layer_sizes: vec![],
        solver: Solver::Sgd,
        momentum: 0.0,
        learning_rate_init: 10.0,
        batch_size: Some(200),
        alpha: 0.0,
        max_iter: 200,
        n_iter_no_change: 500,
        ..Default::default()
    });
    let model = p.fit(&data).unwrap();
    let reason = model.stop_reason().expect("the run diverges");
    assert!(reason.contains("loss became"), "{reason}");
    assert!(model.n_iter() < 200);
    assert!(
        model
            .predict(data.x())
            .unwrap()
            .iter()
            .all(|v| v.is_finite())
    );
    // When the first epoch already diverges there are no good weights: an error.
    let q = MlpRegressorParams(MlpParams {
        learning_rate_init: 1e30,
        batch_size: Some(10),
        ..p.0
    });
    match q.fit(&data) {
        Err(Error::InvalidData(msg)) => assert!(msg.contains("no epoch finished"), "{msg}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn fit_more_continues_from_the_weights() {
    let data = moons(300, 9);
    let p = clf(MlpParams {
        max_iter: 3,
        ..Default::default()
    });
    let first = p.fit(&data).unwrap();
    let more = first.fit_more(&data, 4).unwrap();
    assert_eq!(more.n_iter(), first.n_iter() + 4);
    assert_eq!(more.loss_curve().train[..3], first.loss_curve().train[..]);
    assert!(more.loss_curve().train[6] < first.loss_curve().train[2]);
    let other = wave(50, 1);
    assert!(first.fit_more(&other, 1).is_err());
    assert!(first.fit_more(&data, 0).is_err());
}

#[test]
fn bad_input_gives_named_errors() {
    let data = moons(50, 1);
    let name = |r: Result<satori_nn::MlpClassifier, Error>| match r {
        Err(Error::InvalidParameter { name, .. }) => name,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        name(
            MlpClassifierParams(MlpParams {
                learning_rate_init: 0.0,
                ..Default::default()
            })
            .fit(&data)
        ),
        "learning_rate_init"
    );
    assert_eq!(
        name(
            MlpClassifierParams(MlpParams {
                hidden_layer_sizes: vec![0],
                ..Default::default()
            })
            .fit(&data)
        ),
        "hidden_layer_sizes"
    );
    let model = clf(MlpParams {
        max_iter: 2,
        ..Default::default()
    })
    .fit(&data)
    .unwrap();
    assert!(matches!(
        model.predict(Array2::zeros((2, 3)).view()),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut x = data.x().to_owned();
    x[[3, 1]] = f64::NAN;
    assert!(matches!(
        model.predict_proba(x.view()),
        Err(Error::InvalidData(_))
    ));
    let nan = Dataset::new(x, data.feature_names())
        .unwrap()
        .with_target(data.target().unwrap().clone())
        .unwrap();
    assert!(matches!(
        clf(MlpParams::default()).fit(&nan),
        Err(Error::InvalidData(_))
    ));
    assert!(matches!(
        clf(MlpParams::default()).fit(&wave(20, 1)),
        Err(Error::InvalidData(_))
    ));
    assert!(matches!(
        MlpRegressorParams::default().fit(&data),
        Err(Error::InvalidData(_))
    ));
    let unknown = ClassWeight::Custom([("zebra".to_string(), 2.0)].into_iter().collect());
    assert_eq!(
        name(
            clf(MlpParams {
                class_weight: unknown,
                ..Default::default()
            })
            .fit(&data)
        ),
        "class_weight"
    );
}

#[test]
fn params_read_from_partial_toml_and_reject_unknown_fields() {
    let p: MlpClassifierParams = toml::from_str(
        "hidden_layer_sizes = [256, 256]\nsolver = \"adamw\"\nlr_schedule = \"cosine\"\n\
         warmup_epochs = 5\nclass_weight = \"balanced\"\ngrad_clip_norm = 1.0",
    )
    .unwrap();
    assert_eq!(p.hidden_layer_sizes, vec![256, 256]);
    assert_eq!(p.solver, Solver::Adamw);
    assert_eq!(p.class_weight, ClassWeight::Balanced);
    assert_eq!(p.alpha, 1e-4);
    let custom: MlpParams = toml::from_str("class_weight = { custom = { yes = 3.0 } }").unwrap();
    assert!(matches!(custom.class_weight, ClassWeight::Custom(_)));
    assert!(toml::from_str::<MlpRegressorParams>("max_depth = 3").is_err());
}

#[test]
fn balanced_class_weights_raise_minority_recall() {
    // 10% minority class with overlapping features.
    let mut r = rng(11);
    let n = 1000;
    let codes: Array1<usize> = (0..n).map(|i| usize::from(i % 10 == 0)).collect();
    let x = Array2::from_shape_fn((n, 2), |(i, _)| {
        codes[i] as f64 * 1.0 + standard_normal(&mut r)
    });
    let data = Dataset::new(x, vec!["a".into(), "b".into()])
        .unwrap()
        .with_target(Target::classes(codes.clone(), vec!["maj".into(), "min".into()]).unwrap())
        .unwrap();
    let recall = |cw: ClassWeight| {
        let m = clf(MlpParams {
            max_iter: 20,
            class_weight: cw,
            ..Default::default()
        })
        .fit(&data)
        .unwrap();
        let pred = m.predict(data.x()).unwrap();
        let hits = (0..n).filter(|&i| codes[i] == 1 && pred[i] == 1.0).count();
        hits as f64 / (n / 10) as f64
    };
    let (plain, balanced) = (recall(ClassWeight::None), recall(ClassWeight::Balanced));
    assert!(balanced > plain + 0.2, "plain {plain}, balanced {balanced}");
}

#[test]
fn sample_weights_count_like_repeated_rows() {
    let data = moons(100, 12);
    let doubled = data
        .clone()
        .with_weights(Array1::from_elem(100, 2.0))
        .unwrap();
    let p = clf(MlpParams {
        max_iter: 3,
        ..Default::default()
    });
    // Scaling every weight by 2 leaves the weighted mean loss, hence the model, unchanged.
    let a = p.fit(&data).unwrap().predict_proba(data.x()).unwrap();
    let b = p.fit(&doubled).unwrap().predict_proba(data.x()).unwrap();
    assert_eq!(a, b);
    // Zero weight on one class: that class is never learnt as likely.
    let w: Array1<f64> = (0..100)
        .map(|i| if i % 2 == 1 { 0.0 } else { 1.0 })
        .collect();
    let skewed = data.clone().with_weights(w).unwrap();
    let m = clf(MlpParams {
        max_iter: 10,
        ..Default::default()
    })
    .fit(&skewed)
    .unwrap();
    assert!(m.predict(data.x()).unwrap().iter().all(|&c| c == 0.0));
}

#[test]
fn augmentations_are_seeded_and_change_the_model() {
    let data = moons(200, 13);
    let base = clf(MlpParams {
        max_iter: 10,
        ..Default::default()
    });
    let plain = base.fit(&data).unwrap().predict_proba(data.x()).unwrap();
    for p in [
        MlpParams {
            noise_std: 0.1,
            ..base.0.clone()
        },
        MlpParams {
            mixup_alpha: 0.4,
            ..base.0.clone()
        },
        MlpParams {
            smote_fraction: 0.5,
            ..base.0.clone()
        },
    ] {
        let p = MlpClassifierParams(p);
        let a = p.fit(&data).unwrap().predict_proba(data.x()).unwrap();
        let b = p.fit(&data).unwrap().predict_proba(data.x()).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, plain);
        let acc = accuracy(&p.fit(&data).unwrap().predict(data.x()).unwrap(), &data);
        assert!(acc > 0.8, "{p:?}: {acc}");
    }
}

#[test]
fn summary_names_layers_shapes_and_counts() {
    let data = moons(50, 1);
    let model = MlpClassifierParams(MlpParams {
        hidden_layer_sizes: vec![16, 8],
        batch_norm: true,
        max_iter: 1,
        ..Default::default()
    })
    .fit(&data)
    .unwrap();
    let s = model.summary();
    assert!(
        s.contains("4 -> 16") && s.contains("16 -> 8") && s.contains("8 -> 2"),
        "{s}"
    );
    assert!(s.contains("batch_norm"), "{s}");
    assert!(s.contains("total parameters: 282"), "{s}");
    assert_eq!(model.classes(), &["a".to_string(), "b".to_string()]);
}

#[test]
fn progress_counts_epochs() {
    use std::sync::atomic::{AtomicU64, Ordering};
    struct Count(AtomicU64, AtomicU64);
    impl satori_core::Progress for Count {
        fn start(&self, _stage: &str, total: Option<u64>) {
            self.1.store(total.unwrap_or(0), Ordering::SeqCst);
        }
        fn advance(&self, n: u64) {
            self.0.fetch_add(n, Ordering::SeqCst);
        }
        fn finish(&self) {}
    }
    let count = Count(AtomicU64::new(0), AtomicU64::new(0));
    let model = clf(MlpParams {
        max_iter: 7,
        ..Default::default()
    })
    .fit_with_progress(&moons(100, 1), &count)
    .unwrap();
    assert_eq!(count.1.load(Ordering::SeqCst), 7);
    assert_eq!(count.0.load(Ordering::SeqCst), model.n_iter() as u64);
}
