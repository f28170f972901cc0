//! Properties of the seeded splits and of the shuffled folds, and their errors.

use ndarray::{Array1, Array2};
use proptest::prelude::*;
use satori_core::{Dataset, Error, Params, Target};
use satori_data::splits::{Fold, SplitStrategy, train_test_split};

fn plain(n: usize) -> Dataset {
    Dataset::new(Array2::zeros((n, 1)), vec!["x".into()]).unwrap()
}

fn classified(codes: &[usize], n_labels: usize) -> Dataset {
    let labels = (0..n_labels).map(|c| format!("c{c}")).collect();
    plain(codes.len())
        .with_target(Target::classes(Array1::from(codes.to_vec()), labels).unwrap())
        .unwrap()
}

fn regression(n: usize) -> Dataset {
    plain(n)
        .with_target(Target::regression(Array1::from_iter(
            (0..n).map(|i| i as f64),
        )))
        .unwrap()
}

/// Each fold's parts are disjoint and cover the rows; the tests cover every row exactly once.
fn check_partition(folds: &[Fold], n: usize) {
    let mut seen = vec![0usize; n];
    for f in folds {
        let mut all: Vec<usize> = f.train.iter().chain(&f.test).copied().collect();
        all.sort();
        assert_eq!(
            all,
            (0..n).collect::<Vec<_>>(),
            "train ∪ test = rows, disjoint"
        );
        for &i in &f.test {
            seen[i] += 1;
        }
    }
    assert!(seen.iter().all(|&s| s == 1), "each row tested exactly once");
    let sizes: Vec<usize> = folds.iter().map(|f| f.test.len()).collect();
    let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
    assert!(hi - lo <= 1, "fold sizes {sizes:?}");
}

fn class_counts(codes: &[usize], rows: &[usize], k: usize) -> Vec<usize> {
    let mut c = vec![0; k];
    for &r in rows {
        c[codes[r]] += 1;
    }
    c
}

proptest! {
    #[test]
    fn shuffled_k_fold_partitions(n in 2usize..200, k in 2usize..10, seed: u64) {
        prop_assume!(k <= n);
        let s = SplitStrategy::KFold { n_splits: k, shuffle: true, seed };
        let folds = s.split(&plain(n), None).unwrap();
        prop_assert_eq!(folds.len(), k);
        check_partition(&folds, n);
        prop_assert_eq!(&folds, &s.split(&plain(n), None).unwrap());
    }

    #[test]
    fn stratified_keeps_class_proportions(
        codes in proptest::collection::vec(0usize..4, 20..300),
        k in 2usize..6,
        seed: u64,
        shuffle: bool,
    ) {
        let counts = class_counts(&codes, &(0..codes.len()).collect::<Vec<_>>(), 4);
        prop_assume!(counts.iter().filter(|&&c| c > 0).all(|&c| c >= k));
        let data = classified(&codes, 4);
        let folds = SplitStrategy::StratifiedKFold { n_splits: k, shuffle, seed }
            .split(&data, None)
            .unwrap();
        check_partition(&folds, codes.len());
        for f in &folds {
            let got = class_counts(&codes, &f.test, 4);
            for c in 0..4 {
                let ideal = counts[c] as f64 / k as f64;
                prop_assert!((got[c] as f64 - ideal).abs() < 1.0 + 1e-9,
                    "class {} has {} rows in a test fold, ideal {}", c, got[c], ideal);
            }
        }
    }

    #[test]
    fn train_test_split_sizes_and_disjointness(n in 2usize..500, frac in 0.01f64..0.99, seed: u64) {
        let n_test = (frac * n as f64).ceil() as usize;
        prop_assume!(n_test < n);
        let (train, test) = train_test_split(&plain(n), frac, false, seed).unwrap();
        prop_assert_eq!(test.len(), n_test);
        prop_assert_eq!(train.len(), n - n_test);
        let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
        all.sort();
        prop_assert_eq!(all, (0..n).collect::<Vec<_>>());
    }

    #[test]
    fn stratified_train_test_split_keeps_proportions(
        codes in proptest::collection::vec(0usize..3, 30..400),
        frac in 0.1f64..0.5,
        seed: u64,
    ) {
        let all_rows: Vec<usize> = (0..codes.len()).collect();
        let counts = class_counts(&codes, &all_rows, 3);
        prop_assume!(counts.iter().all(|&c| c >= 2));
        let n_test = (frac * codes.len() as f64).ceil() as usize;
        prop_assume!(n_test >= 3 && codes.len() - n_test >= 3);
        let (train, test) = train_test_split(&classified(&codes, 3), frac, true, seed).unwrap();
        prop_assert_eq!(test.len(), n_test);
        prop_assert_eq!(train.len() + test.len(), codes.len());
        let got = class_counts(&codes, &test, 3);
        for c in 0..3 {
            let ideal = counts[c] as f64 * n_test as f64 / codes.len() as f64;
            prop_assert!((got[c] as f64 - ideal).abs() < 1.0 + 1e-9,
                "class {} has {} test rows, ideal {}", c, got[c], ideal);
        }
        let mut both: Vec<usize> = train.iter().chain(&test).copied().collect();
        both.sort();
        prop_assert_eq!(both, all_rows);
    }
}

#[test]
fn seeds_decide_shuffled_folds() {
    let data = classified(&(0..100).map(|i| i % 3).collect::<Vec<_>>(), 3);
    for make in [
        |seed| SplitStrategy::KFold {
            n_splits: 5,
            shuffle: true,
            seed,
        },
        |seed| SplitStrategy::StratifiedKFold {
            n_splits: 5,
            shuffle: true,
            seed,
        },
        |seed| SplitStrategy::RepeatedKFold {
            n_splits: 5,
            n_repeats: 3,
            seed,
        },
        |seed| SplitStrategy::RepeatedStratifiedKFold {
            n_splits: 5,
            n_repeats: 3,
            seed,
        },
    ] as [fn(u64) -> SplitStrategy; 4]
    {
        let a = make(1).split(&data, None).unwrap();
        assert_eq!(
            a,
            make(1).split(&data, None).unwrap(),
            "same seed, same folds"
        );
        assert_ne!(
            a,
            make(2).split(&data, None).unwrap(),
            "different seed, different folds"
        );
    }
    let (a, _) = train_test_split(&data, 0.3, true, 1).unwrap();
    assert_eq!(a, train_test_split(&data, 0.3, true, 1).unwrap().0);
    assert_ne!(a, train_test_split(&data, 0.3, true, 2).unwrap().0);
}

#[test]
fn repeated_folds_partition_each_repeat_differently() {
    let codes: Vec<usize> = (0..60).map(|i| usize::from(i % 4 == 0)).collect();
    let data = classified(&codes, 2);
    for s in [
        SplitStrategy::RepeatedKFold {
            n_splits: 4,
            n_repeats: 3,
            seed: 9,
        },
        SplitStrategy::RepeatedStratifiedKFold {
            n_splits: 4,
            n_repeats: 3,
            seed: 9,
        },
    ] {
        let folds = s.split(&data, None).unwrap();
        assert_eq!(folds.len(), 12);
        assert_eq!(s.n_folds(), 12);
        for rep in folds.chunks(4) {
            check_partition(rep, 60);
        }
        assert_ne!(folds[..4], folds[4..8]);
    }
}

#[test]
fn unshuffled_folds_ignore_the_seed() {
    let a = SplitStrategy::KFold {
        n_splits: 3,
        shuffle: false,
        seed: 1,
    }
    .split(&plain(10), None);
    let b = SplitStrategy::KFold {
        n_splits: 3,
        shuffle: false,
        seed: 2,
    }
    .split(&plain(10), None);
    assert_eq!(a.unwrap(), b.unwrap());
}

fn message(e: Error) -> String {
    e.to_string()
}

#[test]
fn bad_fractions_and_sizes_are_errors() {
    for f in [0.0, 1.0, -0.1, 1.5, f64::NAN] {
        let e = message(train_test_split(&plain(10), f, false, 0).unwrap_err());
        assert!(
            e.contains("test_fraction") && e.contains("between 0 and 1"),
            "{e}"
        );
    }
    let e = message(train_test_split(&plain(1), 0.5, false, 0).unwrap_err());
    assert!(e.contains("not enough samples"), "{e}");
    assert!(train_test_split(&plain(0), 0.5, false, 0).is_err());
}

#[test]
fn stratifying_needs_classes_with_two_rows() {
    let codes = [0, 0, 0, 1, 1, 1, 2];
    let e = message(train_test_split(&classified(&codes, 3), 0.3, true, 0).unwrap_err());
    assert!(e.contains("class `c2` has only 1 row"), "{e}");
    let e = message(train_test_split(&regression(10), 0.3, true, 0).unwrap_err());
    assert!(e.contains("classification target"), "{e}");
    let e = message(train_test_split(&plain(10), 0.3, true, 0).unwrap_err());
    assert!(e.contains("needs a target"), "{e}");
    // Three classes cannot each have a row in a test part of two rows.
    let codes = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2];
    let e = message(train_test_split(&classified(&codes, 3), 0.2, true, 0).unwrap_err());
    assert!(e.contains("3 classes"), "{e}");
}

#[test]
fn fold_parameter_errors_are_clear() {
    let e = message(
        SplitStrategy::KFold {
            n_splits: 1,
            shuffle: false,
            seed: 0,
        }
        .split(&plain(5), None)
        .unwrap_err(),
    );
    assert!(e.contains("n_splits") && e.contains("at least 2"), "{e}");
    let e = message(
        SplitStrategy::KFold {
            n_splits: 6,
            shuffle: false,
            seed: 0,
        }
        .split(&plain(5), None)
        .unwrap_err(),
    );
    assert!(e.contains("number of rows (5)"), "{e}");

    let codes = [0, 0, 0, 0, 1, 1, 0, 0];
    let s = SplitStrategy::StratifiedKFold {
        n_splits: 3,
        shuffle: false,
        seed: 0,
    };
    let e = message(s.split(&classified(&codes, 2), None).unwrap_err());
    assert!(e.contains("class `c1` has only 2"), "{e}");
    let e = message(s.split(&regression(10), None).unwrap_err());
    assert!(e.contains("classification target"), "{e}");

    let g = SplitStrategy::GroupKFold { n_splits: 3 };
    let e = message(g.split(&plain(6), None).unwrap_err());
    assert!(e.contains("groups"), "{e}");
    let groups: Vec<String> = ["a", "a", "b", "b", "a", "b"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let e = message(g.split(&plain(6), Some(&groups)).unwrap_err());
    assert!(e.contains("distinct groups (2)"), "{e}");
    let e = message(g.split(&plain(7), Some(&groups)).unwrap_err());
    assert!(e.contains("group labels"), "{e}");

    let t = |n_splits, test_size, gap| SplitStrategy::TimeSeriesSplit {
        n_splits,
        max_train_size: None,
        test_size,
        gap,
    };
    let e = message(t(5, None, 0).split(&plain(5), None).unwrap_err());
    assert!(e.contains("need at least 6"), "{e}");
    let e = message(t(3, Some(3), 2).split(&plain(10), None).unwrap_err());
    assert!(e.contains("too many splits"), "{e}");
    assert!(t(3, Some(0), 0).split(&plain(10), None).is_err());
    let r = SplitStrategy::RepeatedKFold {
        n_splits: 3,
        n_repeats: 0,
        seed: 0,
    };
    assert!(message(r.split(&plain(10), None).unwrap_err()).contains("n_repeats"));
}

#[test]
fn strategies_validate_as_params() {
    assert!(SplitStrategy::default().validate().is_ok());
    assert_eq!(SplitStrategy::default().n_folds(), 5);
    let bad = SplitStrategy::GroupKFold { n_splits: 0 };
    assert!(
        bad.validate()
            .unwrap_err()
            .to_string()
            .contains("`n_splits`")
    );
    let bad = SplitStrategy::TimeSeriesSplit {
        n_splits: 3,
        max_train_size: Some(0),
        test_size: None,
        gap: 0,
    };
    assert!(
        bad.validate()
            .unwrap_err()
            .to_string()
            .contains("`max_train_size`")
    );
}

#[test]
fn group_folds_never_share_a_group() {
    let groups: Vec<String> = (0..50).map(|i| format!("g{}", (i * 7) % 11)).collect();
    let folds = SplitStrategy::GroupKFold { n_splits: 4 }
        .split(&plain(50), Some(&groups))
        .unwrap();
    check_partition_groups(&folds, &groups);
}

fn check_partition_groups(folds: &[Fold], groups: &[String]) {
    for f in folds {
        for &i in &f.test {
            assert!(
                f.train.iter().all(|&j| groups[j] != groups[i]),
                "group {} on both sides",
                groups[i]
            );
        }
    }
}

#[test]
fn strategies_round_trip_through_serde_with_defaults() {
    let s: SplitStrategy =
        serde_json::from_str(r#"{"kind": "stratified_k_fold", "shuffle": true, "seed": 7}"#)
            .unwrap();
    assert_eq!(
        s,
        SplitStrategy::StratifiedKFold {
            n_splits: 5,
            shuffle: true,
            seed: 7
        }
    );
    let t = SplitStrategy::TimeSeriesSplit {
        n_splits: 3,
        max_train_size: Some(10),
        test_size: None,
        gap: 2,
    };
    let json = serde_json::to_string(&t).unwrap();
    assert!(json.contains(r#""kind":"time_series_split""#), "{json}");
    assert_eq!(serde_json::from_str::<SplitStrategy>(&json).unwrap(), t);
    assert!(serde_json::from_str::<SplitStrategy>(r#"{"kind": "k_fold", "n_split": 3}"#).is_err());
    assert_eq!(t.name(), "time_series_split");
}
