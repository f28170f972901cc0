//! Behaviour of the samplers that needs no reference library: SMOTE's geometry, determinism at
//! any thread count, weights and text columns, the categorical samplers, the k-means samplers,
//! the instance hardness threshold, and the errors.

use ndarray::{Array1, Array2};
use satori_core::rng::{RngExt, rng};
use satori_core::{ColumnKind, ColumnSchema, Dataset, Schema, Target, TextColumn};
use satori_imbalance::*;

/// Two Gaussian-ish blobs, `n_min` rows of class `b` among `n` (labels `a`, `b`).
fn blobs(n: usize, n_min: usize, p: usize, seed: u64) -> Dataset {
    let mut r = rng(seed);
    let codes: Array1<usize> = (0..n).map(|i| usize::from(i < n_min)).collect();
    let x = Array2::from_shape_fn((n, p), |(i, _)| {
        r.random::<f64>() * 2.0 + if codes[i] == 1 { 1.5 } else { 0.0 }
    });
    Dataset::new(x, (0..p).map(|j| format!("x{j}")).collect())
        .unwrap()
        .with_target(Target::classes(codes, vec!["a".into(), "b".into()]).unwrap())
        .unwrap()
}

fn counts(d: &Dataset) -> Vec<usize> {
    let mut c = vec![0; d.target().unwrap().labels().unwrap().len()];
    for v in d.target().unwrap().as_f64() {
        c[v as usize] += 1;
    }
    c
}

/// Whether `p` lies on the segment from `a` to `b` (within rounding).
fn on_segment(p: &[f64], a: &[f64], b: &[f64]) -> bool {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
    let dd: f64 = d.iter().map(|v| v * v).sum();
    if dd == 0.0 {
        return p.iter().zip(a).all(|(x, y)| (x - y).abs() < 1e-12);
    }
    let t: f64 = p
        .iter()
        .zip(a)
        .zip(&d)
        .map(|((x, y), v)| (x - y) * v)
        .sum::<f64>()
        / dd;
    (-1e-12..=1.0 + 1e-12).contains(&t)
        && p.iter()
            .zip(a)
            .zip(&d)
            .all(|((x, y), v)| (x - (y + t * v)).abs() < 1e-9)
}

/// The `k` nearest same-class rows of each row of `x` (brute force, independent of the index).
fn same_class_neighbours(x: &Array2<f64>, k: usize) -> Vec<Vec<usize>> {
    (0..x.nrows())
        .map(|i| {
            let mut d: Vec<(f64, usize)> = (0..x.nrows())
                .filter(|&j| j != i)
                .map(|j| {
                    let s: f64 = x
                        .row(i)
                        .iter()
                        .zip(x.row(j))
                        .map(|(a, b)| (a - b).powi(2))
                        .sum();
                    (s, j)
                })
                .collect();
            d.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            d.into_iter().take(k).map(|(_, j)| j).collect()
        })
        .collect()
}

#[test]
fn every_smote_row_lies_between_a_row_and_one_of_its_k_nearest_same_class_rows() {
    let data = blobs(300, 30, 3, 1);
    for k in [1, 3, 5] {
        let out = SmoteParams {
            k_neighbors: k,
            seed: 9,
            ..Default::default()
        }
        .fit_resample(&data)
        .unwrap();
        assert_eq!(counts(&out.data), [270, 270]);
        assert_eq!(out.n_synthetic(), 240);
        // The first 300 rows are the input, unchanged.
        assert_eq!(out.data.x().slice(ndarray::s![..300, ..]), data.x());
        let minority: Vec<usize> = (0..30).collect();
        let xm = data.x().select(ndarray::Axis(0), &minority);
        let nn = same_class_neighbours(&xm, k);
        for i in 300..out.data.n_samples() {
            let p = out.data.x().row(i).to_vec();
            let found = (0..30).any(|s| {
                nn[s]
                    .iter()
                    .any(|&t| on_segment(&p, &xm.row(s).to_vec(), &xm.row(t).to_vec()))
            });
            assert!(
                found,
                "k = {k}: synthetic row {i} {p:?} is on no seed-neighbour segment"
            );
        }
    }
}

#[test]
fn borderline_and_adasyn_rows_stay_within_their_class_hull_segments() {
    let data = blobs(200, 40, 2, 4);
    let out = BorderlineSmoteParams::default()
        .fit_resample(&data)
        .unwrap();
    assert_eq!(counts(&out.data), [160, 160]);
    let xm = data
        .x()
        .select(ndarray::Axis(0), &(0..40).collect::<Vec<_>>());
    let nn = same_class_neighbours(&xm, 5);
    for i in 200..out.data.n_samples() {
        let p = out.data.x().row(i).to_vec();
        assert!((0..40).any(|s| nn[s].iter().any(|&t| on_segment(
            &p,
            &xm.row(s).to_vec(),
            &xm.row(t).to_vec()
        ))));
    }
    let out = AdasynParams::default().fit_resample(&data).unwrap();
    let c = counts(&out.data);
    assert!((c[1] as i64 - 160).abs() <= 40, "{c:?}");
}

#[test]
fn same_seed_same_rows_at_any_thread_count() {
    let data = blobs(6000, 500, 4, 2);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let a = SmoteParams::default().fit_resample(&data).unwrap().data;
            let b = RandomOverSamplerParams {
                shrinkage: Some(Shrinkage::All(0.5)),
                ..Default::default()
            }
            .fit_resample(&data)
            .unwrap()
            .data;
            let c = AdasynParams::default().fit_resample(&data).unwrap().data;
            (a.x().to_owned(), b.x().to_owned(), c.x().to_owned())
        })
    };
    assert_eq!(run(1), run(4));
    let other = SmoteParams {
        seed: 1,
        ..Default::default()
    }
    .fit_resample(&data)
    .unwrap();
    assert_ne!(other.data.x(), run(2).0.view());
}

#[test]
fn weights_follow_copies_and_mix_like_the_values() {
    let data = blobs(60, 12, 2, 3);
    let w: Array1<f64> = (0..60).map(|i| 1.0 + i as f64).collect();
    let data = data.with_weights(w.clone()).unwrap();
    let out = RandomUnderSamplerParams::default()
        .fit_resample(&data)
        .unwrap();
    let idx = out.sample_indices().unwrap();
    for (i, &r) in idx.iter().enumerate() {
        assert_eq!(out.data.weights().unwrap()[i], w[r]);
    }
    let out = SmoteParams {
        k_neighbors: 3,
        ..Default::default()
    }
    .fit_resample(&data)
    .unwrap();
    let ow = out.data.weights().unwrap();
    for i in 60..out.data.n_samples() {
        // Minority weights are 1..=12: a mix of two of them stays in that range.
        assert!((1.0..=12.0).contains(&ow[i]), "{}", ow[i]);
    }
}

#[test]
fn text_columns_follow_copies_and_stop_synthetic_rows() {
    let data = blobs(40, 8, 2, 5);
    let text = TextColumn {
        name: "t".into(),
        values: (0..40).map(|i| Some(format!("doc {i}"))).collect(),
    };
    let data = data.with_text(vec![text]).unwrap();
    let out = RandomOverSamplerParams::default()
        .fit_resample(&data)
        .unwrap();
    let idx = out.sample_indices().unwrap();
    assert_eq!(idx.len(), 64);
    for (i, &r) in idx.iter().enumerate() {
        assert_eq!(out.data.text()[0].values[i], Some(format!("doc {r}")));
    }
    let e = SmoteParams::default()
        .fit_resample(&data)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("text column `t`") && e.contains("random_over_sampler"),
        "{e}"
    );
}

#[test]
fn clear_errors() {
    let data = blobs(40, 4, 2, 6);
    let e = SmoteParams::default()
        .fit_resample(&data)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("class `b` has 4 rows") && e.contains("k_neighbors = 5"),
        "{e}"
    );
    let mut x = data.x().to_owned();
    x[[3, 1]] = f64::NAN;
    let holes = data.with_features(x, data.features().clone()).unwrap();
    let e = TomekLinksParams::default()
        .fit_resample(&holes)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("column `x1`") && e.contains("impute first"),
        "{e}"
    );
    // Random under-sampling takes missing values.
    assert!(
        RandomUnderSamplerParams::default()
            .fit_resample(&holes)
            .is_ok()
    );
    let reg = Dataset::new(Array2::zeros((4, 1)), vec!["a".into()])
        .unwrap()
        .with_target(Target::regression(Array1::zeros(4)))
        .unwrap();
    let e = SmoteParams::default()
        .fit_resample(&reg)
        .unwrap_err()
        .to_string();
    assert!(e.contains("regression"), "{e}");
    let e = RandomOverSamplerParams {
        sampling_strategy: SamplingStrategy::Ratio(0.01),
        ..Default::default()
    }
    .fit_resample(&data)
    .unwrap_err()
    .to_string();
    assert!(e.contains("would remove rows from class `b`"), "{e}");
    let e = NearMissParams {
        version: 4,
        ..Default::default()
    }
    .fit_resample(&data)
    .unwrap_err()
    .to_string();
    assert!(e.contains("version"), "{e}");
}

fn mixed(n: usize, n_min: usize) -> Dataset {
    let mut r = rng(8);
    let codes: Array1<usize> = (0..n).map(|i| usize::from(i < n_min)).collect();
    let x = Array2::from_shape_fn((n, 3), |(i, j)| match j {
        0 => r.random::<f64>() + codes[i] as f64,
        1 => {
            (if codes[i] == 1 {
                r.random_range(0..2)
            } else {
                r.random_range(0..3)
            }) as f64
        }
        _ => r.random::<f64>(),
    });
    let schema = Schema::new(vec![
        ColumnSchema {
            name: "num".into(),
            kind: ColumnKind::Numeric,
        },
        ColumnSchema {
            name: "colour".into(),
            kind: ColumnKind::Categorical {
                categories: vec!["red".into(), "green".into(), "blue".into()],
            },
        },
        ColumnSchema {
            name: "num2".into(),
            kind: ColumnKind::Numeric,
        },
    ])
    .unwrap();
    Dataset::with_schema(x, schema)
        .unwrap()
        .with_target(Target::classes(codes, vec!["a".into(), "b".into()]).unwrap())
        .unwrap()
}

#[test]
fn smote_nc_votes_categories_and_smote_refuses_them() {
    let data = mixed(120, 20);
    let e = SmoteParams::default()
        .fit_resample(&data)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("column `colour` is categorical") && e.contains("smote_nc"),
        "{e}"
    );
    let out = SmoteNcParams::default().fit_resample(&data).unwrap();
    assert_eq!(counts(&out.data), [100, 100]);
    for i in 120..200 {
        let v = out.data.x()[[i, 1]];
        // The minority only has categories 0 and 1: the vote among its rows picks one of them.
        assert!(v == 0.0 || v == 1.0, "{v}");
        assert!((1.0..=2.0).contains(&out.data.x()[[i, 0]]));
    }
    let e = SmoteNcParams::default()
        .fit_resample(&blobs(40, 10, 2, 1))
        .unwrap_err()
        .to_string();
    assert!(e.contains("needs categorical columns"), "{e}");
}

#[test]
fn smoten_makes_rows_of_existing_values() {
    let data = mixed(120, 20);
    let out = SmotenParams::default().fit_resample(&data).unwrap();
    assert_eq!(counts(&out.data), [100, 100]);
    for i in 120..200 {
        for j in 0..3 {
            let v = out.data.x()[[i, j]];
            assert!(
                (0..20).any(|r| data.x()[[r, j]] == v),
                "row {i} column {j}: {v}"
            );
        }
    }
}

#[test]
fn cluster_centroids_and_kmeans_smote() {
    let data = blobs(200, 30, 2, 7);
    let soft = ClusterCentroidsParams::default()
        .fit_resample(&data)
        .unwrap();
    assert_eq!(counts(&soft.data), [30, 30]);
    assert_eq!(soft.n_synthetic(), 30);
    let hard = ClusterCentroidsParams {
        voting: Voting::Hard,
        ..Default::default()
    }
    .fit_resample(&data)
    .unwrap();
    assert!(hard.sample_indices().is_some());
    assert_eq!(counts(&hard.data)[1], 30);
    let again = ClusterCentroidsParams::default()
        .fit_resample(&data)
        .unwrap();
    assert_eq!(again.data.x(), soft.data.x());
    let out = KMeansSmoteParams {
        n_clusters: 3,
        cluster_balance_threshold: Some(0.05),
        ..Default::default()
    }
    .fit_resample(&data)
    .unwrap();
    let c = counts(&out.data);
    assert!(c[1] >= 170 && c[1] <= 175, "{c:?}");
}

#[test]
fn instance_hardness_threshold_keeps_the_easiest_rows() {
    let data = blobs(150, 30, 2, 9);
    for estimator in [HardnessEstimator::Logistic, HardnessEstimator::RandomForest] {
        let out = InstanceHardnessThresholdParams {
            estimator,
            ..Default::default()
        }
        .fit_resample(&data)
        .unwrap();
        let c = counts(&out.data);
        assert_eq!(c[1], 30);
        // Rows with equal probabilities at the threshold are all kept (a forest gives many
        // easy rows probability 1), as in imbalanced-learn.
        let most = if estimator == HardnessEstimator::Logistic {
            40
        } else {
            119
        };
        assert!((30..=most).contains(&c[0]), "{estimator:?}: {c:?}");
    }
}

#[test]
fn one_sided_selection_keeps_the_minority_and_is_seeded() {
    let data = blobs(200, 30, 2, 10);
    let a = OneSidedSelectionParams::default()
        .fit_resample(&data)
        .unwrap();
    let b = OneSidedSelectionParams::default()
        .fit_resample(&data)
        .unwrap();
    assert_eq!(a.sample_indices(), b.sample_indices());
    assert_eq!(counts(&a.data)[1], 30);
    assert!(counts(&a.data)[0] < 170);
}
