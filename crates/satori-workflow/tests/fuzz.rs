//! The pipeline's own inputs under the deterministic mutation fuzzer (`satori_testkit::fuzz`):
//! pipeline files, `--set` assignments, and model files (whole files, and payloads with their
//! checksum recomputed so that decoding itself is fuzzed). The promise: no panic, and every error
//! is a one-line user error; a file that resolves, fits or loads is then used (fitted, or
//! predicted with) and keeps the promise too. See docs/robustness.md.

use std::sync::OnceLock;

use satori_core::{NoProgress, Task};
use satori_data::{ReadOptions, Table, TargetSpec, read_csv_bytes};
use satori_pipeline::model_file;
use satori_pipeline::overrides::parse_assignment;
use satori_pipeline::pipeline_file::parse_pipeline;
use satori_testkit::fuzz::{Fuzzer, Outcome};
use satori_workflow::{TargetInfo, TrainParams, TrainRequest, train};

/// The longest message any error may have.
const MAX_MESSAGE: usize = 1000;

fn one_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(f)
}

/// A small mixed table: numbers with a gap, a category, a date, a binary target.
fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut csv = String::from("x,z,color,day,y\n");
        for i in 0..40 {
            let x = if i % 9 == 4 {
                String::new()
            } else {
                format!("{}", i as f64 * 0.3)
            };
            let color = ["red", "green", "blue"][i % 3];
            let y = if (i * 7) % 5 < 2 { "yes" } else { "no" };
            csv += &format!(
                "{x},{},{color},2024-01-{:02},{y}\n",
                (i % 7) as f64,
                1 + i % 28
            );
        }
        read_csv_bytes("fuzz.csv", csv.as_bytes(), &ReadOptions::default()).unwrap()
    })
}

fn target() -> TargetSpec {
    TargetSpec {
        name: "y".into(),
        task: None,
    }
}

/// Whether every number in a parameter tree is small enough for a quick fit (a fuzzed
/// `n_estimators = 10^9` is a valid request, just not one to fit thousands of times).
fn quick_to_fit(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Number(n) => n.as_f64().is_none_or(|x| x.abs() <= 300.0),
        serde_json::Value::Array(a) => a.len() <= 50 && a.iter().all(quick_to_fit),
        serde_json::Value::Object(m) => m
            .iter()
            .all(|(k, v)| k == "seed" || k == "random_state" || quick_to_fit(v)),
        _ => true,
    }
}

/// Resolve a training request and, when its parameters are quick to fit, train it.
fn resolve_and_fit(file: Option<serde_json::Value>, sets: Vec<(String, String)>) -> Outcome {
    let targets = [TargetInfo {
        name: "y".into(),
        task: Task::Binary,
    }];
    let (data, _) = table().to_dataset(&target()).unwrap();
    let resolved = TrainParams::resolve(
        "logistic",
        &targets,
        data.features(),
        0.2,
        0,
        file.as_ref(),
        &sets,
    );
    let params = match &resolved {
        Ok(p) => p,
        Err(_) => return Outcome::of(&resolved, MAX_MESSAGE),
    };
    if !quick_to_fit(&serde_json::to_value(params).unwrap()) {
        return Outcome::Accepted;
    }
    let mut request = TrainRequest::new(target());
    request.model = "logistic".into();
    request.pipeline = file;
    request.overrides = sets;
    Outcome::of(&train(table(), &request, &NoProgress), MAX_MESSAGE)
}

const PIPELINE_SEEDS: &[&str] = &[
    "holdout = 0.25\nseed = 7\n[[preprocessing]]\nstep = \"simple_imputer\"\nstrategy = \"median\"\n\
     [[preprocessing]]\nstep = \"one_hot_encoder\"\n[[preprocessing]]\nstep = \"standard_scaler\"\n\
     [model]\nkind = \"logistic_regression\"\nC = 0.5\n",
    "[model]\nkind = \"gbm\"\nn_estimators = 5\nnum_leaves = 4\n",
    "[[preprocessing]]\nstep = \"column_transformer\"\n[[preprocessing.groups]]\nkinds = [\"categorical\"]\n\
     steps = [{ step = \"one_hot_encoder\" }]\n[[preprocessing.groups]]\nkinds = [\"numeric\"]\n\
     steps = [{ step = \"simple_imputer\" }, { step = \"standard_scaler\" }]\n",
    "auto_preprocessing = false\n[[preprocessing]]\nstep = \"datetime_features\"\n[[preprocessing]]\n\
     step = \"simple_imputer\"\nstrategy = \"most_frequent\"\n[model]\nkind = \"tree\"\nmax_depth = 3\n",
    "[[preprocessing]]\nstep = \"select_from_model\"\nthreshold = \"median\"\nmax_features = 2\n\
     estimator = { kind = \"decision_tree_classifier\", max_depth = 2 }\n[text]\nvectorizer = \"hashing\"\n",
];

#[test]
fn fuzz_pipeline_files() {
    one_thread(|| {
        Fuzzer::new("pipeline-toml", PIPELINE_SEEDS)
            .default_iterations(5000)
            .max_len(4 << 10)
            .tokens([
                "[[preprocessing]]",
                "step = ",
                "kind = ",
                "[model]",
                "[text]",
                "[tasks.y]",
                "\"gbm\"",
                "holdout = ",
                "1e308",
                "-1",
                "nan",
                "[]",
                "{}",
            ])
            .run(|bytes| {
                let tree = match std::str::from_utf8(bytes) {
                    Ok(text) => parse_pipeline(text, "fuzz.toml"),
                    Err(_) => return Outcome::Rejected("not UTF-8".into()),
                };
                match tree {
                    Ok(tree) => resolve_and_fit(Some(tree), Vec::new()),
                    Err(e) => Outcome::of(&Err::<(), _>(e), MAX_MESSAGE),
                }
            })
            .assert_clean();
    });
}

const SET_SEEDS: &[&str] = &[
    "model.C=0.5\nholdout=0.3\nseed=3\n",
    "model.kind=gbm\nmodel.n_estimators=5\nstratify=false\n",
    "preprocessing.0.max_categories=4\npreprocessing.2.with_mean=false\n",
    "auto_preprocessing=false\nmodel.penalty=l1\nmodel.solver=saga\n",
    "text.vectorizer=none\nmodel.kind=tree\nmodel.max_depth=[1,2]\n",
];

#[test]
fn fuzz_set_assignments() {
    one_thread(|| {
        Fuzzer::new("set-assignments", SET_SEEDS)
            .default_iterations(5000)
            .max_len(1 << 10)
            .tokens([
                "model.",
                "preprocessing.",
                "=",
                ".",
                "kind",
                "\"",
                "[",
                "null",
                "1e99",
            ])
            .run(|bytes| {
                let Ok(text) = std::str::from_utf8(bytes) else {
                    return Outcome::Rejected("not UTF-8".into());
                };
                let mut sets = Vec::new();
                for line in text.lines().filter(|l| !l.is_empty()) {
                    match parse_assignment(line) {
                        Ok(s) => sets.push(s),
                        Err(e) => return Outcome::of(&Err::<(), _>(e), MAX_MESSAGE),
                    }
                }
                resolve_and_fit(None, sets)
            })
            .assert_clean();
    });
}

/// Small model files of several kinds: boosting, logistic behind automatic preprocessing, a text
/// pipeline, and a network of two targets.
fn model_files() -> &'static Vec<Vec<u8>> {
    static M: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    M.get_or_init(|| {
        let fit = |model: &str, sets: &[(&str, &str)], targets: &[&str]| {
            let specs = targets
                .iter()
                .map(|t| TargetSpec {
                    name: t.to_string(),
                    task: None,
                })
                .collect();
            let mut r = TrainRequest::with_targets(specs);
            r.model = model.into();
            r.overrides = sets
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let out = train(table(), &r, &NoProgress).unwrap();
            model_file::to_bytes(&out.header, &out.pipeline).unwrap()
        };
        vec![
            fit(
                "gbm",
                &[("model.n_estimators", "3"), ("model.num_leaves", "4")],
                &["y"],
            ),
            fit("logistic", &[], &["y"]),
            fit(
                "mlp",
                &[("model.max_iter", "2"), ("model.hidden_layer_sizes", "[3]")],
                &["y", "z"],
            ),
        ]
    })
}

/// Load model-file bytes and, when they load, predict the table with them.
fn load_and_predict(bytes: &[u8]) -> Outcome {
    let path = std::path::Path::new("fuzz.satori");
    let loaded = model_file::from_bytes(path, bytes);
    let (_, pipeline) = match &loaded {
        Ok(l) => l,
        Err(_) => return Outcome::of(&loaded, MAX_MESSAGE),
    };
    Outcome::of(&pipeline.predict_table_all(table()), MAX_MESSAGE)
}

#[test]
fn fuzz_model_files() {
    one_thread(|| {
        let seeds: Vec<&[u8]> = model_files().iter().map(Vec::as_slice).collect();
        Fuzzer::new("model-file", seeds)
            .default_iterations(5000)
            .max_len(1 << 20)
            .run(load_and_predict)
            .assert_clean();
    });
}

/// The container around a payload, with both checksums recomputed: what a payload mutated on
/// disk with its checksum "fixed" would look like, so that decoding the payload is fuzzed.
fn with_payload(file: &[u8], payload: &[u8]) -> Vec<u8> {
    let head_len = u32::from_le_bytes(file[12..16].try_into().unwrap()) as usize;
    let head = &file[32..32 + head_len];
    let mut out = file[..20].to_vec();
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(head);
    out.extend_from_slice(payload);
    out
}

#[test]
fn fuzz_model_payloads_behind_valid_checksums() {
    one_thread(|| {
        for (k, file) in model_files().iter().enumerate() {
            let head_len = u32::from_le_bytes(file[12..16].try_into().unwrap()) as usize;
            let payload = &file[32 + head_len..];
            Fuzzer::new(&format!("model-payload-{k}"), [payload])
                .default_iterations(3000)
                .max_len(1 << 20)
                .run(|p| load_and_predict(&with_payload(file, p)))
                .assert_clean();
        }
    });
}

/// Every finding of the campaigns, minimised, stays fixed: forged payloads (valid checksums) whose
/// parts do not fit together — no target, an index past an encoder's or imputer's arrays — are
/// clear errors at load; long values in a pipeline file or `--set` are quoted short.
#[test]
fn fuzz_findings_stay_fixed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_findings");
    let logistic = &model_files()[1];
    for name in [
        "payload-no-targets.bin",
        "payload-one-hot-index.bin",
        "payload-imputer-index.bin",
        "payload-one-hot-plan.bin",
    ] {
        let payload = std::fs::read(dir.join(name)).unwrap();
        let outcome = load_and_predict(&with_payload(logistic, &payload));
        assert!(
            matches!(outcome, Outcome::Rejected(_)),
            "{name}: {outcome:?}"
        );
    }
    let toml = std::fs::read_to_string(dir.join("pipeline-long-threshold.toml")).unwrap();
    let e = parse_pipeline(&toml, "f.toml")
        .and_then(|tree| {
            let targets = [TargetInfo {
                name: "y".into(),
                task: Task::Binary,
            }];
            let (data, _) = table().to_dataset(&target())?;
            TrainParams::resolve(
                "logistic",
                &targets,
                data.features(),
                0.2,
                0,
                Some(&tree),
                &[],
            )
        })
        .unwrap_err()
        .to_string();
    assert!(e.len() <= MAX_MESSAGE && !e.contains('\n'), "{e}");
    let sets = std::fs::read_to_string(dir.join("set-long-value.txt")).unwrap();
    let outcome = match sets
        .lines()
        .filter(|l| !l.is_empty())
        .map(parse_assignment)
        .collect::<satori_core::Result<Vec<_>>>()
    {
        Ok(sets) => resolve_and_fit(None, sets),
        Err(e) => Outcome::of(&Err::<(), _>(e), MAX_MESSAGE),
    };
    assert!(!matches!(outcome, Outcome::Bug(_)), "{outcome:?}");
}
