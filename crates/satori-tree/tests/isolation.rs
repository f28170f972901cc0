//! IsolationForest behaviour: determinism across thread counts, missing and bad values, the
//! contamination offset, the 0/1 prediction convention, the row-flagging helper, progress.

use std::sync::Mutex;

use ndarray::{Array2, array, s};
use satori_core::rng::{RngExt, rng, standard_normal};
use satori_core::{Dataset, Estimator, Predictor, Progress};
use satori_tree::{
    Contamination, IsolationForest, IsolationForestParams, IsolationMaxFeatures,
    IsolationMaxSamples,
};

/// `n` Gaussian rows in `p` columns, then `k` rows far away.
fn data(n: usize, k: usize, p: usize, seed: u64) -> Array2<f64> {
    let mut r = rng(seed);
    Array2::from_shape_fn((n + k, p), |(i, _)| {
        let z = standard_normal(&mut r);
        if i < n { z } else { 6.0 + z.abs() }
    })
}

fn dataset(x: &Array2<f64>) -> Dataset {
    let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
    Dataset::new(x.clone(), names).unwrap()
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn same_seed_same_model_and_scores_at_one_and_two_threads() {
    let x = data(3000, 30, 4, 1);
    let d = dataset(&x);
    for params in [
        IsolationForestParams {
            seed: 7,
            ..Default::default()
        },
        IsolationForestParams {
            seed: 7,
            bootstrap: true,
            max_samples: IsolationMaxSamples::Fraction(0.5),
            max_features: IsolationMaxFeatures::Count(2),
            contamination: Contamination::Fraction(0.02),
            n_estimators: 37,
        },
    ] {
        let run = |threads| {
            in_pool(threads, || {
                let m = params.fit(&d).unwrap();
                let s = m.score_samples(x.view()).unwrap();
                (postcard::to_allocvec(&m).unwrap(), s)
            })
        };
        let (m1, s1) = run(1);
        let (m2, s2) = run(2);
        assert_eq!(m1, m2, "model bytes differ between 1 and 2 threads");
        let bits = |s: &ndarray::Array1<f64>| s.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&s1), bits(&s2));
        let other = IsolationForestParams {
            seed: 8,
            ..params.clone()
        };
        assert_ne!(postcard::to_allocvec(&other.fit(&d).unwrap()).unwrap(), m1);
    }
}

#[test]
fn anomalies_score_lowest_and_predict_one() {
    let x = data(500, 5, 3, 2);
    let params = IsolationForestParams {
        contamination: Contamination::Fraction(0.01),
        ..Default::default()
    };
    let m = params.fit(&dataset(&x)).unwrap();
    let scores = m.score_samples(x.view()).unwrap();
    let worst_normal = scores
        .slice(s![..500])
        .fold(f64::INFINITY, |a, &b| a.min(b));
    assert!(scores.slice(s![500..]).iter().all(|&v| v < worst_normal));
    let pred = m.predict(x.view()).unwrap();
    assert!(pred.iter().all(|&p| p == 0.0 || p == 1.0));
    assert!(pred.slice(s![500..]).iter().all(|&p| p == 1.0));
    let flags = m.is_anomaly(x.view()).unwrap();
    assert_eq!(flags, pred.iter().map(|&p| p == 1.0).collect::<Vec<_>>());
    assert_eq!(m.flag_rows(x.view()).unwrap(), flags);
    // np.percentile(scores, 1) of 505 rows sits at index 504 · 0.01 = 5.04, between the 6th and
    // 7th smallest scores: 6 rows lie below it.
    assert_eq!(flags.iter().filter(|&&f| f).count(), 6);
    let dec = m.decision_function(x.view()).unwrap();
    for ((d, s), f) in dec.iter().zip(&scores).zip(&flags) {
        assert_eq!(*d, s - m.offset());
        assert_eq!(*f, *d < 0.0);
    }
    let (again, training_flags) = params.fit_flag(&dataset(&x)).unwrap();
    let bytes = |m: &IsolationForest| postcard::to_allocvec(m).unwrap();
    assert_eq!(bytes(&again), bytes(&m));
    assert_eq!(training_flags, flags);
}

#[test]
fn contamination_offset_is_the_percentile_of_training_scores() {
    let x = data(401, 0, 2, 3);
    let auto = IsolationForestParams::default().fit(&dataset(&x)).unwrap();
    assert_eq!(auto.offset(), -0.5);
    let m = IsolationForestParams {
        contamination: Contamination::Fraction(0.1),
        ..Default::default()
    }
    .fit(&dataset(&x))
    .unwrap();
    let mut scores = m.score_samples(x.view()).unwrap().to_vec();
    scores.sort_by(f64::total_cmp);
    // (401 - 1) · 0.1 = 40 exactly: the 41st smallest score.
    assert_eq!(m.offset(), scores[40]);
    // Same trees as with "auto": only the offset differs. (Compared as bytes: leaves hold NaN
    // thresholds, and NaN != NaN.)
    let bytes = |t: &[satori_tree::FlatTree]| postcard::to_allocvec(t).unwrap();
    assert_eq!(bytes(m.trees()), bytes(auto.trees()));
}

#[test]
fn resolved_sizes_follow_sklearn() {
    let x = data(1000, 0, 5, 4);
    let d = dataset(&x);
    let m = IsolationForestParams::default().fit(&d).unwrap();
    assert_eq!((m.max_samples(), m.max_features()), (256, 5));
    assert!(m.trees().iter().all(|t| t.max_depth() <= 8));
    assert_eq!(m.trees().len(), 100);
    let m = IsolationForestParams {
        max_samples: IsolationMaxSamples::Fraction(0.1),
        max_features: IsolationMaxFeatures::Fraction(0.5),
        n_estimators: 3,
        ..Default::default()
    }
    .fit(&d)
    .unwrap();
    assert_eq!((m.max_samples(), m.max_features()), (100, 2));
    for t in m.trees() {
        assert_eq!(t.stats(0).n_samples, 100);
        assert!(t.max_depth() <= 7);
        assert!(t.splits_by_feature().iter().filter(|&&c| c > 0).count() <= 2);
    }
    let m = IsolationForestParams {
        max_samples: IsolationMaxSamples::Count(5000),
        n_estimators: 2,
        ..Default::default()
    }
    .fit(&d)
    .unwrap();
    assert_eq!(m.max_samples(), 1000);
}

#[test]
fn missing_values_never_panic_and_follow_the_larger_child() {
    let mut x = data(300, 3, 3, 5);
    let mut r = rng(9);
    for v in x.iter_mut() {
        if r.random::<f64>() < 0.2 {
            *v = f64::NAN;
        }
    }
    x.column_mut(2).fill(f64::NAN);
    let m = IsolationForestParams::default().fit(&dataset(&x)).unwrap();
    // The all-missing column is never split on.
    assert!(m.trees().iter().all(|t| t.splits_by_feature()[2] == 0));
    let s = m.score_samples(x.view()).unwrap();
    assert!(s.iter().all(|v| v.is_finite()));
    let all_nan = Array2::from_elem((2, 3), f64::NAN);
    let s = m.score_samples(all_nan.view()).unwrap();
    assert!(s.iter().all(|v| v.is_finite()));
    // A row of missing values follows `missing_left` at each split, which points to the child
    // that received more non-missing training rows; the missing training rows joined it too, so
    // it is the child with at least as many training rows as its sibling.
    for t in m.trees().iter().take(10) {
        let mut node = 0;
        while let Some((l, r)) = t.children(node) {
            let (next, other) = if t.missing_left(node) { (l, r) } else { (r, l) };
            assert!(t.stats(next).n_samples >= t.stats(other).n_samples);
            node = next;
        }
        assert_eq!(t.leaf(&[f64::NAN; 3]), node);
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let x = data(50, 0, 2, 6);
    let m = IsolationForestParams::default().fit(&dataset(&x)).unwrap();
    assert!(m.score_samples(array![[1.0, 2.0, 3.0]].view()).is_err());
    assert!(m.predict(Array2::<f64>::zeros((1, 1)).view()).is_err());
    // Infinity scores (it goes past every threshold) but cannot be trained on.
    let s = m
        .score_samples(array![[f64::INFINITY, f64::NEG_INFINITY]].view())
        .unwrap();
    assert!(s[0].is_finite());
    let mut bad = x.clone();
    bad[[3, 1]] = f64::INFINITY;
    let e = IsolationForestParams::default()
        .fit(&dataset(&bad))
        .unwrap_err()
        .to_string();
    assert!(e.contains("row 3, column 1"), "{e}");
    let e = IsolationForestParams {
        max_features: IsolationMaxFeatures::Count(3),
        ..Default::default()
    }
    .fit(&dataset(&x))
    .unwrap_err()
    .to_string();
    assert!(e.contains("max_features"), "{e}");
    let e = IsolationForestParams {
        max_samples: IsolationMaxSamples::Fraction(0.001),
        ..Default::default()
    }
    .fit(&dataset(&x))
    .unwrap_err()
    .to_string();
    assert!(e.contains("max_samples"), "{e}");
    let empty = Array2::<f64>::zeros((0, 2));
    assert!(
        IsolationForestParams::default()
            .fit(&dataset(&empty))
            .is_err()
    );
    // A model file with a corrupt tree is caught by validate().
    let bytes = postcard::to_allocvec(&m).unwrap();
    let back: IsolationForest = postcard::from_bytes(&bytes).unwrap();
    back.validate().unwrap();
    assert_eq!(
        back.score_samples(x.view()).unwrap(),
        m.score_samples(x.view()).unwrap()
    );
}

#[test]
fn one_row_gives_sklearns_score_of_one_half() {
    let x = array![[1.0, 2.0]];
    let m = IsolationForestParams::default().fit(&dataset(&x)).unwrap();
    // c(1) = 0: scikit-learn sets the ratio to 1, so the score is -2^-1.
    assert_eq!(m.score_samples(x.view()).unwrap()[0], -0.5);
    assert_eq!(m.predict(x.view()).unwrap()[0], 0.0);
    // Constant data: no split anywhere, every row gets the same score.
    let x = Array2::from_elem((20, 2), 3.0);
    let m = IsolationForestParams::default().fit(&dataset(&x)).unwrap();
    assert!(m.trees().iter().all(|t| t.n_nodes() == 1));
    let s = m
        .score_samples(array![[3.0, 3.0], [100.0, -5.0]].view())
        .unwrap();
    assert_eq!(s[0], s[1]);
    // 100 · c(20) summed tree by tree over 100 · c(20): a ratio of 1 up to rounding.
    assert!((s[0] + 0.5).abs() < 1e-14, "{}", s[0]);
}

#[derive(Default)]
struct Recorder(Mutex<(Vec<String>, u64, u64)>);

impl Progress for Recorder {
    fn start(&self, stage: &str, total: Option<u64>) {
        let mut g = self.0.lock().unwrap();
        g.0.push(stage.to_string());
        g.1 = total.unwrap_or(0);
    }
    fn advance(&self, n: u64) {
        self.0.lock().unwrap().2 += n;
    }
    fn finish(&self) {}
    fn note(&self, message: &str) {
        self.0.lock().unwrap().0.push(message.to_string());
    }
}

#[test]
fn progress_counts_trees_and_notes_capped_samples() {
    let x = data(40, 0, 2, 7);
    let rec = Recorder::default();
    IsolationForestParams {
        n_estimators: 12,
        max_samples: IsolationMaxSamples::Count(100),
        ..Default::default()
    }
    .fit_with_progress(&dataset(&x), &rec)
    .unwrap();
    let g = rec.0.lock().unwrap();
    assert_eq!((g.1, g.2), (12, 12));
    assert!(g.0.iter().any(|m| m.contains("max_samples")), "{:?}", g.0);
}

#[test]
fn large_batches_score_like_single_rows() {
    // Batches of 256 rows or more go through the branch-free kernel, smaller ones walk the
    // trees directly: the scores agree bit for bit.
    let mut x = data(2000, 20, 3, 8);
    x[[5, 1]] = f64::NAN;
    let m = IsolationForestParams {
        seed: 2,
        ..Default::default()
    }
    .fit(&dataset(&x))
    .unwrap();
    let batch = m.score_samples(x.view()).unwrap();
    for i in (0..x.nrows()).step_by(7) {
        let one = m.score_samples(x.slice(s![i..i + 1, ..])).unwrap();
        assert_eq!(one[0].to_bits(), batch[i].to_bits(), "row {i}");
    }
    // A non-contiguous view (every other row, reversed columns) scores the same rows the same.
    let view = x.slice(s![..;2, ..;-1]);
    let flipped = m.score_samples(view.slice(s![.., ..;-1])).unwrap();
    for (k, v) in flipped.iter().enumerate() {
        assert_eq!(v.to_bits(), batch[2 * k].to_bits());
    }
}
