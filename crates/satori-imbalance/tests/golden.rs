//! The resamplers against imbalanced-learn 0.14.2 (tests/golden/imbalance, written by its
//! generate.py): deterministic samplers select the same rows (`sample_indices_`), random ones
//! reach the same class counts.

use ndarray::Array2;
use satori_core::{Dataset, Target};
use satori_imbalance::*;
use satori_testkit::golden;
use serde_json::Value;

fn dataset(g: &Value, name: &str) -> Dataset {
    let rows: Vec<Vec<f64>> = golden::at(g, &format!("/datasets/{name}/x"))
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        })
        .collect();
    let p = rows[0].len();
    let x = Array2::from_shape_vec((rows.len(), p), rows.concat()).unwrap();
    let y = golden::usize_vec(g, &format!("/datasets/{name}/y"));
    let n_classes = y.iter().max().unwrap() + 1;
    let labels = (0..n_classes).map(|c| c.to_string()).collect();
    Dataset::new(x, (0..p).map(|j| format!("x{j}")).collect())
        .unwrap()
        .with_target(Target::classes(y.into(), labels).unwrap())
        .unwrap()
}

fn deterministic(key: &str) -> Box<dyn Resampler> {
    let all = SamplingStrategy::All;
    match key {
        "tomek_links" => Box::new(TomekLinksParams::default()),
        "tomek_links_all" => Box::new(TomekLinksParams {
            sampling_strategy: all,
        }),
        "edited_nearest_neighbours" => Box::new(EditedNearestNeighboursParams::default()),
        "edited_nearest_neighbours_mode_5" => Box::new(EditedNearestNeighboursParams {
            n_neighbors: 5,
            kind_sel: KindSel::Mode,
            ..Default::default()
        }),
        "edited_nearest_neighbours_all" => Box::new(EditedNearestNeighboursParams {
            sampling_strategy: all,
            ..Default::default()
        }),
        "repeated_edited_nearest_neighbours" => {
            Box::new(RepeatedEditedNearestNeighboursParams::default())
        }
        "all_knn" => Box::new(AllKnnParams::default()),
        "all_knn_allow_minority" => Box::new(AllKnnParams {
            allow_minority: true,
            n_neighbors: 4,
            ..Default::default()
        }),
        "near_miss_1" => Box::new(NearMissParams::default()),
        "near_miss_2" => Box::new(NearMissParams {
            version: 2,
            ..Default::default()
        }),
        "near_miss_3" => Box::new(NearMissParams {
            version: 3,
            ..Default::default()
        }),
        "near_miss_1_majority" => Box::new(NearMissParams {
            sampling_strategy: SamplingStrategy::Majority,
            n_neighbors: 2,
            ..Default::default()
        }),
        "neighbourhood_cleaning_rule" => Box::new(NeighbourhoodCleaningRuleParams::default()),
        "neighbourhood_cleaning_rule_all" => Box::new(NeighbourhoodCleaningRuleParams {
            sampling_strategy: all,
            ..Default::default()
        }),
        other => panic!("no sampler for golden key {other}"),
    }
}

fn counts(pairs: &[(&str, usize)]) -> SamplingStrategy {
    SamplingStrategy::Counts(pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect())
}

fn random(key: &str) -> Box<dyn Resampler> {
    match key {
        "random_over_sampler" => Box::new(RandomOverSamplerParams::default()),
        "random_over_sampler_all" => Box::new(RandomOverSamplerParams {
            sampling_strategy: SamplingStrategy::All,
            ..Default::default()
        }),
        "random_over_sampler_shrinkage" => Box::new(RandomOverSamplerParams {
            shrinkage: Some(Shrinkage::All(1.0)),
            ..Default::default()
        }),
        "random_over_sampler_ratio" => Box::new(RandomOverSamplerParams {
            sampling_strategy: SamplingStrategy::Ratio(0.5),
            ..Default::default()
        }),
        "random_under_sampler" => Box::new(RandomUnderSamplerParams::default()),
        "random_under_sampler_not_majority" => Box::new(RandomUnderSamplerParams {
            sampling_strategy: SamplingStrategy::NotMajority,
            ..Default::default()
        }),
        "random_under_sampler_ratio" => Box::new(RandomUnderSamplerParams {
            sampling_strategy: SamplingStrategy::Ratio(0.25),
            ..Default::default()
        }),
        "random_under_sampler_counts" => Box::new(RandomUnderSamplerParams {
            sampling_strategy: counts(&[("0", 100), ("1", 50)]),
            ..Default::default()
        }),
        "smote" => Box::new(SmoteParams::default()),
        "smote_minority_k3" => Box::new(SmoteParams {
            sampling_strategy: SamplingStrategy::Minority,
            k_neighbors: 3,
            ..Default::default()
        }),
        "smote_counts" => Box::new(SmoteParams {
            sampling_strategy: counts(&[("1", 150), ("2", 120)]),
            ..Default::default()
        }),
        "borderline_smote_1" => Box::new(BorderlineSmoteParams::default()),
        "borderline_smote_2" => Box::new(BorderlineSmoteParams {
            kind: BorderlineKind::Borderline2,
            ..Default::default()
        }),
        "adasyn" => Box::new(AdasynParams::default()),
        "smote_enn" => Box::new(SmoteEnnParams::default()),
        "smote_tomek" => Box::new(SmoteTomekParams::default()),
        other => panic!("no sampler for golden key {other}"),
    }
}

fn class_counts(d: &Dataset, n_classes: usize) -> Vec<usize> {
    let mut c = vec![0; n_classes];
    for v in d.target().unwrap().as_f64() {
        c[v as usize] += 1;
    }
    c
}

#[test]
fn deterministic_samplers_select_imbalanced_learns_rows() {
    let g = golden::load("imbalance");
    for name in ["binary", "multiclass"] {
        let data = dataset(&g, name);
        let selected = golden::at(&g, &format!("/datasets/{name}/selected"))
            .as_object()
            .unwrap();
        for (key, expected) in selected {
            let expected: Vec<usize> = expected
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            let out = deterministic(key).fit_resample(&data).unwrap();
            let got = out.sample_indices().expect("a selection");
            assert_eq!(got, expected, "{name}: {key}");
            assert_eq!(out.data.n_samples(), expected.len());
        }
    }
}

#[test]
fn random_samplers_reach_imbalanced_learns_class_counts() {
    let g = golden::load("imbalance");
    for name in ["binary", "multiclass"] {
        let data = dataset(&g, name);
        let n_classes = data.target().unwrap().labels().unwrap().len();
        let expected = golden::at(&g, &format!("/datasets/{name}/counts"))
            .as_object()
            .unwrap();
        for (key, want) in expected {
            let want: Vec<usize> = want
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            let out = random(key).fit_resample(&data).unwrap();
            let got = class_counts(&out.data, n_classes);
            if key.starts_with("smote_enn") || key.starts_with("smote_tomek") {
                // The cleaning step judges synthetic rows, which differ from imbalanced-learn's:
                // the counts can differ a little, and never exceed SMOTE's.
                let smote = class_counts(
                    &SmoteParams::default().fit_resample(&data).unwrap().data,
                    n_classes,
                );
                for c in 0..n_classes {
                    assert!(got[c] <= smote[c], "{name}: {key}: {got:?} vs {smote:?}");
                    let tol = (want[c] as f64 * 0.1).max(5.0);
                    assert!(
                        (got[c] as f64 - want[c] as f64).abs() <= tol,
                        "{name}: {key}: class {c}: {got:?} vs imbalanced-learn's {want:?}"
                    );
                }
            } else {
                assert_eq!(got, want, "{name}: {key}");
            }
        }
    }
}
