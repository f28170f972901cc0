//! The unshuffled splitters give exactly scikit-learn's folds (tests/golden/splits).

use ndarray::{Array1, Array2};
use satori_core::{Dataset, Target};
use satori_data::splits::{Fold, SplitStrategy};
use serde_json::Value;

fn expected() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/golden/splits/expected.json"
    );
    let text = std::fs::read_to_string(path).expect("golden file present");
    serde_json::from_str(&text).expect("golden file is JSON")
}

fn usize_of(v: &Value) -> usize {
    v.as_u64().expect("non-negative integer") as usize
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

fn dataset(case: &Value) -> Dataset {
    let n = usize_of(&case["n_samples"]);
    let data = Dataset::new(Array2::zeros((n, 1)), vec!["x".into()]).unwrap();
    if case["y"].is_null() {
        return data;
    }
    let y = strings(&case["y"]);
    let mut labels = y.clone();
    labels.sort();
    labels.dedup();
    let codes: Array1<usize> = y.iter().map(|v| labels.binary_search(v).unwrap()).collect();
    data.with_target(Target::classes(codes, labels).unwrap())
        .unwrap()
}

fn strategy(case: &Value) -> SplitStrategy {
    let n_splits = usize_of(&case["n_splits"]);
    let opt = |k: &str| case[k].as_u64().map(|v| v as usize);
    match case["kind"].as_str().unwrap() {
        "k_fold" => SplitStrategy::KFold {
            n_splits,
            shuffle: false,
            seed: 0,
        },
        "stratified_k_fold" => SplitStrategy::StratifiedKFold {
            n_splits,
            shuffle: false,
            seed: 0,
        },
        "group_k_fold" => SplitStrategy::GroupKFold { n_splits },
        "time_series_split" => SplitStrategy::TimeSeriesSplit {
            n_splits,
            max_train_size: opt("max_train_size"),
            test_size: opt("test_size"),
            gap: opt("gap").unwrap(),
        },
        other => panic!("unknown kind {other}"),
    }
}

#[test]
fn folds_match_scikit_learn_exactly() {
    let golden = expected();
    let cases = golden["cases"].as_array().unwrap();
    assert!(cases.len() >= 30, "expected the full set of golden cases");
    let mut kinds = std::collections::BTreeSet::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let data = dataset(case);
        let groups = (!case["groups"].is_null()).then(|| strings(&case["groups"]));
        let got = strategy(case)
            .split(&data, groups.as_deref())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let want: Vec<Fold> = serde_json::from_value(case["folds"].clone()).unwrap();
        assert_eq!(got, want, "case {name}");
        kinds.insert(case["kind"].as_str().unwrap().to_string());
    }
    assert_eq!(kinds.len(), 4, "every deterministic splitter is covered");
}
