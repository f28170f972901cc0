//! IsolationForest against scikit-learn 1.9.1 (tests/golden/isolation_forest, written by its
//! generate.py). The trees are random and the two libraries draw differently, so the comparison
//! is statistical, on three datasets with injected anomalies and three parameter settings:
//!
//! - ROC-AUC of the anomaly score against the known anomalies, averaged over seeds (20 for
//!   scikit-learn, 10 for satori): within 0.01 of scikit-learn's (the spread of one seed's AUC is
//!   0.001–0.01);
//! - the mean score of the normal rows and of the anomalies, averaged over the seeds: within
//!   0.01 (scores lie in [-1, 0));
//! - with `contamination = 0.05`: the number of training rows flagged within scikit-learn's
//!   range over its seeds (the offset is the 5th percentile of the training scores);
//!
//! and exactly: `c(n)` ([`average_path_length`]) at 18 values of n, and the "auto" offset −0.5.

use ndarray::{Array1, Array2};
use satori_core::{Dataset, Estimator, Predictor};
use satori_metrics::roc_auc;
use satori_testkit::golden;
use satori_tree::{
    Contamination, IsolationForestParams, IsolationMaxFeatures, IsolationMaxSamples,
    average_path_length,
};
use serde_json::Value;

fn params(setting: &Value, seed: u64) -> IsolationForestParams {
    let mut p = IsolationForestParams {
        seed,
        ..Default::default()
    };
    let kw = &setting["params"];
    if let Some(v) = kw.get("max_samples") {
        p.max_samples = match v.as_u64() {
            Some(k) => IsolationMaxSamples::Count(k as usize),
            None => IsolationMaxSamples::Fraction(v.as_f64().unwrap()),
        };
    }
    if let Some(v) = kw.get("max_features") {
        p.max_features = match v.as_u64() {
            Some(k) => IsolationMaxFeatures::Count(k as usize),
            None => IsolationMaxFeatures::Fraction(v.as_f64().unwrap()),
        };
    }
    if let Some(v) = kw.get("bootstrap") {
        p.bootstrap = v.as_bool().unwrap();
    }
    p
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn average_path_length_is_sklearns() {
    let g = golden::load("isolation_forest");
    let n = golden::f64_vec(&g, "/average_path_length/n");
    let c = golden::f64_vec(&g, "/average_path_length/c");
    let ours: Vec<f64> = n.iter().map(|&n| average_path_length(n)).collect();
    golden::assert_close("c(n)", &ours, &c, 0.0, 0.0);
}

#[test]
fn auto_offset_is_minus_one_half() {
    let g = golden::load("isolation_forest");
    assert_eq!(golden::f64_at(&g, "/auto_offset"), -0.5);
    let x = Array2::from_shape_fn((30, 2), |(i, j)| (i * (j + 1)) as f64);
    let data = Dataset::new(x, vec!["a".into(), "b".into()]).unwrap();
    let forest = IsolationForestParams::default().fit(&data).unwrap();
    assert_eq!(forest.offset(), -0.5);
}

#[test]
fn ranking_quality_and_flag_counts_match_sklearn() {
    let g = golden::load("isolation_forest");
    // scikit-learn's side averages 20 seeds; satori's 10 keep the debug-build test short (its
    // mean AUC then has a standard error of at most 0.003 here, against the 0.01 tolerance).
    assert_eq!(g["n_seeds"].as_u64(), Some(20));
    let n_seeds = 10;
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for case in g["cases"].as_array().unwrap() {
        let x = golden::f64_matrix(case, "/x");
        let y = Array1::from(golden::usize_vec(case, "/anomaly"));
        let names = (0..x.ncols()).map(|j| format!("x{j}")).collect();
        let data = Dataset::new(x.clone(), names).unwrap();
        for setting in case["settings"].as_array().unwrap() {
            let (mut aucs, mut normal, mut anomal, mut flagged) = (vec![], vec![], vec![], vec![]);
            for seed in 0..n_seeds {
                // The trees depend on the seed only, so one fit with contamination 0.05 gives
                // both the scores (as with "auto") and the flags.
                let forest = IsolationForestParams {
                    contamination: Contamination::Fraction(0.05),
                    ..params(setting, seed)
                }
                .fit(&data)
                .unwrap();
                let s = forest.score_samples(x.view()).unwrap();
                assert!(s.iter().all(|&v| (-1.0..0.0).contains(&v)));
                aucs.push(roc_auc(y.view(), (-&s).view(), 1, None).unwrap());
                let pick = |label: usize| -> Vec<f64> {
                    s.iter()
                        .zip(&y)
                        .filter(|(_, l)| **l == label)
                        .map(|(v, _)| *v)
                        .collect()
                };
                normal.push(mean(&pick(0)));
                anomal.push(mean(&pick(1)));
                let flags = forest.predict(x.view()).unwrap();
                flagged.push(flags.iter().filter(|&&f| f == 1.0).count() as f64);
            }
            let what = format!("{} / {}", case["name"], setting["name"]);
            let checks = [
                (
                    "auc",
                    mean(&aucs),
                    golden::f64_at(setting, "/auc_mean"),
                    0.01,
                ),
                (
                    "normal score",
                    mean(&normal),
                    golden::f64_at(setting, "/normal_score_mean"),
                    0.01,
                ),
                (
                    "anomaly score",
                    mean(&anomal),
                    golden::f64_at(setting, "/anomaly_score_mean"),
                    0.01,
                ),
            ];
            for (name, ours, theirs, tol) in checks {
                report.push(format!("{what}: {name} {ours:.4} vs {theirs:.4}"));
                if (ours - theirs).abs() > tol {
                    failures.push(format!(
                        "{what}: {name} {ours} vs scikit-learn {theirs} (tol {tol})"
                    ));
                }
            }
            let (lo, hi) = (
                golden::f64_at(setting, "/flagged_min"),
                golden::f64_at(setting, "/flagged_max"),
            );
            let f_min = flagged.iter().cloned().fold(f64::INFINITY, f64::min);
            let f_max = flagged.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            if f_min < lo || f_max > hi {
                failures.push(format!(
                    "{what}: flagged {f_min}..{f_max}, scikit-learn {lo}..{hi}"
                ));
            }
        }
    }
    eprintln!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
