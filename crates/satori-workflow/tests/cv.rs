//! Cross-validation: folds fitted independently, scores per fold, out-of-fold predictions.

use satori_data::splits::SplitStrategy;
use satori_data::{ReadOptions, TargetSpec, bundled, read_csv_bytes};
use satori_workflow::{CvRequest, MetricSpec, cross_validate};

fn table(name: &str) -> satori_data::Table {
    let ds = bundled::get(name).unwrap();
    read_csv_bytes(name, ds.csv.as_bytes(), &ReadOptions::default()).unwrap()
}

fn request(target: &str, strategy: SplitStrategy) -> CvRequest {
    CvRequest {
        targets: vec![TargetSpec {
            name: target.into(),
            task: None,
        }],
        model: "baseline".into(),
        overrides: vec![],
        pipeline: None,
        strategy,
        groups: None,
        seed: 0,
    }
}

#[test]
fn each_fold_is_fitted_on_its_own_training_rows() {
    let t = table("diabetes");
    let r = request(
        "progression",
        SplitStrategy::KFold {
            n_splits: 4,
            shuffle: false,
            seed: 0,
        },
    );
    let cv = cross_validate(&t, &r, &MetricSpec::default(), &satori_core::NoProgress).unwrap();
    assert_eq!(cv.folds.len(), 4);
    let oof = &cv.out_of_fold.as_ref().expect("k-fold partitions the rows")[0];
    assert_eq!(oof.len(), 442);
    // The mean baseline predicts each validation row with the mean of the other folds' targets.
    let (data, _) = t
        .to_dataset(&TargetSpec {
            name: "progression".into(),
            task: None,
        })
        .unwrap();
    let y = data.require_target().unwrap().as_f64();
    let folds = r.strategy.split(&data, None).unwrap();
    for f in &folds {
        let mean = f.train.iter().map(|&i| y[i]).sum::<f64>() / f.train.len() as f64;
        for &i in &f.test {
            assert!((oof.values[i] - mean).abs() < 1e-9, "row {i}");
        }
    }
    let s = &cv.summary["r2"];
    assert_eq!(s.n_folds, 4);
    let mean = cv.folds.iter().map(|f| f.scores["r2"]).sum::<f64>() / 4.0;
    assert!((s.mean - mean).abs() < 1e-12);
}

#[test]
fn stratified_classification_with_extra_metrics_and_repeats() {
    let t = table("wine");
    let mut r = request(
        "class",
        SplitStrategy::StratifiedKFold {
            n_splits: 3,
            shuffle: true,
            seed: 1,
        },
    );
    let spec = MetricSpec::from_names(
        &[
            "f1_micro".into(),
            "0.5*recall_macro+0.5*precision_macro".into(),
        ],
        None,
    )
    .unwrap();
    let cv = cross_validate(&t, &r, &spec, &satori_core::NoProgress).unwrap();
    assert!(cv.summary.contains_key("f1_micro"));
    assert!(cv.summary.contains_key("accuracy"));
    assert!(cv.out_of_fold.unwrap()[0].proba.is_some());
    r.strategy = SplitStrategy::RepeatedStratifiedKFold {
        n_splits: 3,
        n_repeats: 2,
        seed: 1,
    };
    let cv = cross_validate(&t, &r, &MetricSpec::default(), &satori_core::NoProgress).unwrap();
    assert_eq!(cv.folds.len(), 6);
    assert!(
        cv.out_of_fold.is_none(),
        "repeated folds validate rows twice"
    );
}

#[test]
fn same_request_same_result_at_any_thread_count() {
    let t = table("palmer_penguins");
    let mut r = request(
        "species",
        SplitStrategy::StratifiedKFold {
            n_splits: 5,
            shuffle: true,
            seed: 3,
        },
    );
    r.overrides = vec![("model.strategy".into(), "stratified".into())];
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            cross_validate(&t, &r, &MetricSpec::default(), &satori_core::NoProgress).unwrap()
        })
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a.summary, b.summary);
    assert_eq!(a.out_of_fold, b.out_of_fold);
}

#[test]
fn bad_requests_are_clear_errors() {
    let t = table("wine");
    let r = request(
        "class",
        SplitStrategy::KFold {
            n_splits: 1,
            shuffle: false,
            seed: 0,
        },
    );
    let e = cross_validate(&t, &r, &MetricSpec::default(), &satori_core::NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("n_splits"), "{e}");
    let mut r = request("class", SplitStrategy::GroupKFold { n_splits: 3 });
    let e = cross_validate(&t, &r, &MetricSpec::default(), &satori_core::NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("group"), "{e}");
    r.groups = Some("no_such_column".into());
    let e = cross_validate(&t, &r, &MetricSpec::default(), &satori_core::NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no_such_column"), "{e}");
    assert!(
        MetricSpec::from_names(&["f1_macr".into()], None)
            .unwrap_err()
            .to_string()
            .contains("f1_macro")
    );
}
