//! Study files: several studies per file, trials stored as they are asked and told, exact
//! floats, kill-and-resume (in this process and with a real killed process), and bad files.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use satori_tune::{
    Direction, MedianPruner, Pruner, RandomSampler, Sampler, SearchSpace, Study, StudyConfig,
    StudyStore, TpeSampler, Trial, TrialRecord, TrialResult, TrialState,
};
use serde_json::{Value, json};

/// A fresh folder under the system's temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let p =
            std::env::temp_dir().join(format!("satori-tune-storage-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn space() -> SearchSpace {
    SearchSpace::parse_specs([
        "m.x=float(-5,5)",
        "m.lr=float(0.001,1,log)",
        "m.n=int(1,64,log)",
        "m.kind=choice(a,b,c)",
        "m.extra=int(0,10,step=2) if m.kind=b",
    ])
    .unwrap()
}

fn objective(p: &BTreeMap<String, Value>) -> f64 {
    let x = p["m.x"].as_f64().unwrap();
    let lr = p["m.lr"].as_f64().unwrap();
    let n = p["m.n"].as_f64().unwrap();
    let kind = match p["m.kind"].as_str().unwrap() {
        "a" => 1.0,
        "b" => 0.0,
        _ => 2.0,
    };
    let extra = p.get("m.extra").and_then(Value::as_f64).unwrap_or(5.0);
    (x - 1.3).powi(2)
        + (lr.log10() + 2.0).powi(2)
        + (n.log2() - 4.0).powi(2)
        + kind
        + 0.1 * (extra - 4.0).abs()
}

/// TPE with a median pruner, so that restored intermediate values and pruned trials matter.
fn tpe_config(seed: u64) -> StudyConfig {
    StudyConfig {
        direction: Direction::Minimize,
        sampler: Sampler::Tpe(TpeSampler::default()),
        pruner: Pruner::Median(MedianPruner {
            n_startup_trials: 3,
            ..Default::default()
        }),
        seed,
    }
}

fn random_config(seed: u64) -> StudyConfig {
    StudyConfig {
        sampler: Sampler::Random(RandomSampler {}),
        seed,
        ..Default::default()
    }
}

/// Evaluate a trial: six intermediate values falling towards the objective, pruned when the
/// study says so.
fn evaluate(study: &Study, trial: &mut Trial) -> TrialResult {
    let v = objective(trial.params());
    for step in 0..6u64 {
        let at = v + 2.0 / (step as f64 + 1.0);
        trial.report(step, at).unwrap();
        if study.should_prune(trial) {
            return TrialResult::Pruned;
        }
    }
    TrialResult::Complete(v)
}

const INTERRUPTED: &str = "interrupted before it finished";

/// Run a study up to `n` trials in batches of `batch` (ask the batch, tell it in order), storing
/// every trial when asked and when told. Trials in `fail` are told failed without running (what
/// an interrupted trial becomes). With `kill_after`, stop dead after that many tells in this
/// call, leaving the rest of the batch running.
fn drive(
    study: &mut Study,
    mut store: Option<&mut StudyStore>,
    n: usize,
    batch: usize,
    fail: &[u64],
    kill_after: Option<usize>,
) {
    let mut tells = 0;
    while study.trials().len() < n {
        let m = batch.min(n - study.trials().len());
        let mut trials = Vec::new();
        for _ in 0..m {
            let t = study.ask().unwrap().unwrap();
            if let Some(s) = store.as_deref_mut() {
                s.save_trial("s", &study.trials()[t.number() as usize])
                    .unwrap();
            }
            trials.push(t);
        }
        for mut t in trials {
            if kill_after == Some(tells) {
                return;
            }
            let result = if fail.contains(&t.number()) {
                TrialResult::Failed(INTERRUPTED.into())
            } else {
                evaluate(study, &mut t)
            };
            let record = study.tell(t, result).unwrap();
            if let Some(s) = store.as_deref_mut() {
                s.save_trial("s", record).unwrap();
            }
            tells += 1;
        }
    }
}

fn without_durations(records: &[TrialRecord]) -> Vec<TrialRecord> {
    records
        .iter()
        .cloned()
        .map(|mut r| {
            r.duration_s = None;
            r
        })
        .collect()
}

#[test]
fn kill_and_resume_continues_like_an_uninterrupted_run_that_failed_the_interrupted_trials() {
    // Batch size 1: trial 14 asked (stored running) and never told. Batch size 4: trials 12 and
    // 13 told, 14 and 15 still running.
    for (batch, expect_running) in [(1usize, vec![14u64]), (4, vec![14, 15])] {
        let dir = TempDir::new(&format!("kill-resume-{batch}"));
        let file = dir.file("study.db");
        let seed = 17;
        let total = 26;

        let mut store = StudyStore::open(&file).unwrap();
        let mut study = store
            .resume("s", &space(), &tpe_config(seed), "fp")
            .unwrap();
        drive(&mut study, Some(&mut store), total, batch, &[], Some(14));
        // A kill: nothing is closed or flushed beyond what each save_trial committed.
        std::mem::forget(store);
        drop(study);

        let mut store = StudyStore::open(&file).unwrap();
        let stored = store.load("s").unwrap();
        let running: Vec<u64> = stored
            .trials
            .iter()
            .filter(|r| r.state == TrialState::Running)
            .map(|r| r.number)
            .collect();
        assert_eq!(running, expect_running, "batch {batch}");
        assert_eq!(stored.trials.len(), 14 + expect_running.len());

        let mut resumed = store
            .resume("s", &space(), &tpe_config(seed), "fp")
            .unwrap();
        for &n in &expect_running {
            let r = &resumed.trials()[n as usize];
            assert_eq!(r.state, TrialState::Failed);
            assert_eq!(r.fail_reason.as_deref(), Some(INTERRUPTED));
        }
        // The file says so too.
        let again = store.load("s").unwrap();
        assert!(again.trials.iter().all(|r| r.state != TrialState::Running));
        drive(&mut resumed, Some(&mut store), total, batch, &[], None);

        // The uninterrupted run that failed the same trials.
        let mut reference = Study::new(space(), tpe_config(seed)).unwrap();
        drive(&mut reference, None, total, batch, &expect_running, None);

        assert_eq!(resumed.trials().len(), total);
        let numbers: Vec<u64> = resumed.trials().iter().map(|r| r.number).collect();
        assert_eq!(numbers, (0..total as u64).collect::<Vec<_>>());
        assert_eq!(
            without_durations(resumed.trials()),
            without_durations(reference.trials()),
            "batch {batch}"
        );
        // Past TPE's 10 start-up trials and with some pruned: the comparison means something.
        assert!(
            resumed
                .trials()
                .iter()
                .any(|r| r.state == TrialState::Pruned)
        );
        // And the file holds exactly what the resumed study holds.
        let on_disk = StudyStore::open(&file).unwrap().load("s").unwrap().trials;
        assert_eq!(on_disk, resumed.trials());
    }
}

const CHILD_ENV: &str = "SATORI_TUNE_STORAGE_KILL_CHILD";

/// The child of `a_killed_process_loses_no_told_trial` (does nothing in a normal test run): runs
/// a study as fast as it can, saying on stdout which trials it has stored told.
#[test]
fn kill_child_entry() {
    let Ok(file) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut store = StudyStore::open(&file).unwrap();
    let mut study = store
        .resume("kill", &space(), &random_config(3), "fp")
        .unwrap();
    let start = std::time::Instant::now();
    // Bounded, in case the parent is gone.
    while study.trials().len() < 20_000 && start.elapsed() < Duration::from_secs(120) {
        let t = study.ask().unwrap().unwrap();
        store
            .save_trial("kill", &study.trials()[t.number() as usize])
            .unwrap();
        let v = objective(t.params());
        let n = t.number();
        let record = study.tell(t, TrialResult::Complete(v)).unwrap();
        store.save_trial("kill", record).unwrap();
        println!("told {n} {:x}", v.to_bits());
    }
}

#[test]
fn a_killed_process_loses_no_told_trial() {
    let dir = TempDir::new("killed-process");
    let file = dir.file("study.db");
    let exe = std::env::current_exe().unwrap();
    let mut told: BTreeMap<u64, u64> = BTreeMap::new();
    // Four runs, each resuming the study and killed (SIGKILL, at any point of its loop, writes
    // included) after it reported 15 more trials stored told.
    for round in 1..=4 {
        let mut child = Command::new(&exe)
            .args([
                "kill_child_entry",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &file)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut new = 0;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // (libtest may print "test kill_child_entry ... " before the first line.)
            if let Some((_, rest)) = line.split_once("told ") {
                let (n, bits) = rest.split_once(' ').unwrap();
                let n: u64 = n.parse().unwrap();
                assert!(
                    told.insert(n, u64::from_str_radix(bits, 16).unwrap())
                        .is_none()
                );
                new += 1;
                if new == 15 {
                    break;
                }
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(new, 15, "round {round}: the child stopped early");

        let raw = rusqlite::Connection::open(&file).unwrap();
        let check: String = raw
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
        drop(raw);
        let stored = StudyStore::open(&file).unwrap().load("kill").unwrap();
        for (&n, &bits) in &told {
            let r = &stored.trials[n as usize];
            assert_eq!(r.state, TrialState::Complete, "round {round}, trial {n}");
            assert_eq!(r.value.map(f64::to_bits), Some(bits), "trial {n}");
        }
    }

    let mut store = StudyStore::open(&file).unwrap();
    let had = store.load("kill").unwrap().trials.len();
    assert!(had >= 60);
    let mut study = store
        .resume("kill", &space(), &random_config(3), "fp")
        .unwrap();
    // Every trial is complete or was interrupted by a kill (at most one per run).
    let interrupted = study
        .trials()
        .iter()
        .filter(|r| r.state != TrialState::Complete)
        .inspect(|r| {
            assert_eq!(r.state, TrialState::Failed);
            assert_eq!(r.fail_reason.as_deref(), Some(INTERRUPTED));
        })
        .count();
    assert!(interrupted <= 4, "{interrupted}");
    for _ in 0..5 {
        let t = study.ask().unwrap().unwrap();
        store
            .save_trial("kill", &study.trials()[t.number() as usize])
            .unwrap();
        let v = objective(t.params());
        let record = study.tell(t, TrialResult::Complete(v)).unwrap();
        store.save_trial("kill", record).unwrap();
    }
    // Numbering goes on, and random search's trial n depends on the seed and n alone.
    let mut reference = Study::new(space(), random_config(3)).unwrap();
    for r in study.trials() {
        let t = reference.ask().unwrap().unwrap();
        assert_eq!(t.params(), &r.params, "trial {}", r.number);
        reference.tell(t, TrialResult::Complete(0.0)).unwrap();
    }
    assert_eq!(study.trials().len(), had + 5);
    assert_eq!(store.load("kill").unwrap().trials, study.trials());
}

const TORN_CHILD_ENV: &str = "SATORI_TUNE_STORAGE_TORN_CHILD";

/// The child of `a_write_killed_halfway_is_rolled_back` (does nothing in a normal test run):
/// rewrites every trial in one transaction, with a cache so small that SQLite writes changed
/// pages into the file before the commit, then waits to be killed.
#[test]
fn torn_child_entry() {
    let Ok(file) = std::env::var(TORN_CHILD_ENV) else {
        return;
    };
    let raw = rusqlite::Connection::open(&file).unwrap();
    raw.execute_batch(
        "PRAGMA cache_size = 1; BEGIN IMMEDIATE; \
         UPDATE trials SET fail_reason = hex(randomblob(3000)), value = -1;",
    )
    .unwrap();
    println!("written");
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn a_write_killed_halfway_is_rolled_back() {
    let dir = TempDir::new("torn");
    let file = dir.file("study.db");
    let mut store = StudyStore::open(&file).unwrap();
    let mut study = store.resume("s", &space(), &random_config(4), "").unwrap();
    for _ in 0..60 {
        let t = study.ask().unwrap().unwrap();
        let v = objective(t.params());
        let r = study.tell(t, TrialResult::Complete(v)).unwrap();
        store.save_trial("s", r).unwrap();
    }
    drop(store);
    let before = std::fs::read(&file).unwrap();

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "torn_child_entry",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(TORN_CHILD_ENV, &file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let written = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|l| l.ends_with("written"));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(written, "the child did not get to write");
    // The kill left a hot journal and a file holding part of the uncommitted write.
    let journal = PathBuf::from(format!("{}-journal", file.display()));
    assert!(journal.exists());
    assert_ne!(std::fs::read(&file).unwrap(), before);

    let store = StudyStore::open(&file).unwrap();
    assert_eq!(store.load("s").unwrap().trials, study.trials());
    assert!(!journal.exists());
}

#[test]
fn one_file_holds_several_studies() {
    let dir = TempDir::new("several");
    let file = dir.file("study.db");
    let mut store = StudyStore::open(&file).unwrap();
    assert!(store.list().unwrap().is_empty());
    let max = StudyConfig {
        direction: Direction::Maximize,
        ..random_config(1)
    };
    store
        .create("b-max", &space(), &max, "data.csv 1234 target y gbm")
        .unwrap();
    store
        .create("a-min", &space(), &random_config(2), "other")
        .unwrap();
    let e = store
        .create("a-min", &space(), &random_config(2), "other")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("study.db") && e.contains("already has a study `a-min`"),
        "{e}"
    );

    for (name, values) in [("a-min", [3.0, 1.0, 2.0]), ("b-max", [3.0, 5.0, 4.0])] {
        let stored = store.load(name).unwrap();
        let mut study = stored.into_study().unwrap();
        for v in values {
            let t = study.ask().unwrap().unwrap();
            store
                .save_trial(name, &study.trials()[t.number() as usize])
                .unwrap();
            let r = study.tell(t, TrialResult::Complete(v)).unwrap();
            store.save_trial(name, r).unwrap();
        }
    }
    // One trial asked and not told.
    let mut s = store.load("a-min").unwrap().into_study().unwrap();
    let t = s.ask().unwrap().unwrap();
    store
        .save_trial("a-min", &s.trials()[t.number() as usize])
        .unwrap();

    let list = store.list().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].name, "a-min");
    assert_eq!(
        (list[0].trials, list[0].complete, list[0].best_value),
        (4, 3, Some(1.0))
    );
    assert_eq!(list[0].direction, Direction::Minimize);
    assert_eq!(list[1].name, "b-max");
    assert_eq!(
        (list[1].trials, list[1].complete, list[1].best_value),
        (3, 3, Some(5.0))
    );
    assert_eq!(list[1].fingerprint, "data.csv 1234 target y gbm");
    assert!(
        list[1].created_at.ends_with('Z') && list[1].created_at.len() == 20,
        "{}",
        list[1].created_at
    );

    let loaded = store.load("b-max").unwrap();
    assert_eq!(loaded.config, max);
    assert_eq!(loaded.space, space());
    assert_eq!(
        loaded.trials.iter().map(|r| r.number).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert!(store.contains("b-max").unwrap());
    assert!(!store.contains("c").unwrap());
    let e = store.load("c").unwrap_err().to_string();
    assert!(
        e.contains("study.db") && e.contains("no study `c`") && e.contains("`a-min`, `b-max`"),
        "{e}"
    );
    let e = store
        .create(" ", &space(), &max, "")
        .unwrap_err()
        .to_string();
    assert!(e.contains("study name"), "{e}");

    // SQL users can query the columns.
    drop(store);
    let raw = rusqlite::Connection::open(&file).unwrap();
    let best: f64 = raw
        .query_row(
            "SELECT MAX(t.value) FROM trials t JOIN studies s ON s.id = t.study_id \
             WHERE s.name = 'b-max' AND t.state = 'complete'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(best, 5.0);
    let running: i64 = raw
        .query_row(
            "SELECT COUNT(*) FROM trials WHERE state = 'running' AND finished_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(running, 1);
}

#[test]
fn floats_and_text_come_back_bit_exact() {
    let dir = TempDir::new("exact");
    let file = dir.file("study.db");
    let mut store = StudyStore::open(&file).unwrap();
    store.create("s", &space(), &random_config(0), "").unwrap();
    let awkward = [
        -0.0,
        0.1 + 0.2,
        5e-324,
        f64::MAX,
        1.0 / 3.0,
        -1e-300,
        2.0f64.sqrt(),
        f64::INFINITY,
        f64::NEG_INFINITY,
        1.0,
    ];
    let mut records = Vec::new();
    for (i, &v) in awkward.iter().enumerate() {
        let record = TrialRecord {
            number: i as u64,
            state: TrialState::Complete,
            params: BTreeMap::from([
                ("m.a".to_string(), json!(v.is_finite().then_some(v))),
                ("m.b".to_string(), json!(-0.0)),
                ("m.c".to_string(), json!(1e-310)),
                ("m.d".to_string(), json!(123_456_789_012_345_678u64)),
                (
                    "m.e".to_string(),
                    json!("tëxt \"quoted\"\n; DROP TABLE trials"),
                ),
                ("m.f".to_string(), json!([64, 0.1])),
            ]),
            value: Some(v),
            intermediate_values: BTreeMap::from([
                (0, -0.0),
                (1, 1e-310),
                (2, 0.1 + 0.2),
                (7, f64::NAN),
                (9, if v.is_finite() { v } else { 0.5 }),
            ]),
            duration_s: Some(v.abs() / 7.0),
            fail_reason: Some(format!("reason {i}: ünïcode, 'quotes'")),
        };
        store.save_trial("s", &record).unwrap();
        records.push(record);
    }
    drop(store);
    let loaded = StudyStore::open_read_only(&file)
        .unwrap()
        .load("s")
        .unwrap()
        .trials;
    assert_eq!(loaded.len(), records.len());
    let bits = |v: Option<f64>| v.map(f64::to_bits);
    for (a, b) in loaded.iter().zip(&records) {
        assert_eq!(bits(a.value), bits(b.value), "trial {}", b.number);
        assert_eq!(bits(a.duration_s), bits(b.duration_s), "trial {}", b.number);
        assert_eq!(a.params, b.params);
        for (k, v) in &a.params {
            if let (Some(x), Some(y)) = (v.as_f64(), b.params[k].as_f64()) {
                assert_eq!(x.to_bits(), y.to_bits(), "{k}");
            }
        }
        assert_eq!(
            a.intermediate_values.keys().collect::<Vec<_>>(),
            b.intermediate_values.keys().collect::<Vec<_>>()
        );
        for (k, v) in &a.intermediate_values {
            let w = b.intermediate_values[k];
            assert!(
                v.to_bits() == w.to_bits() || (v.is_nan() && w.is_nan()),
                "step {k}: {v} vs {w}"
            );
        }
        assert_eq!(a.fail_reason, b.fail_reason);
        assert_eq!(a.state, b.state);
    }
    // A NaN value is stored as NULL (SQLite has no NaN), like JSON's null.
    let mut store = StudyStore::open(&file).unwrap();
    let mut nan = records[0].clone();
    nan.number = records.len() as u64;
    nan.value = Some(f64::NAN);
    store.save_trial("s", &nan).unwrap();
    assert_eq!(store.load("s").unwrap().trials.last().unwrap().value, None);
}

#[test]
fn a_resumed_study_must_be_the_same_study() {
    let dir = TempDir::new("same");
    let file = dir.file("study.db");
    let mut store = StudyStore::open(&file).unwrap();
    let config = tpe_config(5);
    let first = store
        .load_or_create("s1", &space(), &config, "abc123 target=y model=gbm")
        .unwrap();
    assert!(first.trials.is_empty());
    // The same again resumes.
    let again = store
        .load_or_create("s1", &space(), &config, "abc123 target=y model=gbm")
        .unwrap();
    assert_eq!(again.created_at, first.created_at);

    let err = |store: &mut StudyStore, space: &SearchSpace, config: &StudyConfig, fp: &str| {
        let e = store
            .load_or_create("s1", space, config, fp)
            .unwrap_err()
            .to_string();
        assert!(!e.contains('\n'), "{e}");
        assert!(
            e.contains("study `s1` in ") && e.contains("study.db"),
            "{e}"
        );
        e
    };
    let e = err(&mut store, &space(), &config, "def456 target=y model=gbm");
    assert!(
        e.contains("another data set or target")
            && e.contains("abc123")
            && e.contains("def456")
            && e.contains("another study name or a new study file"),
        "{e}"
    );
    let other_space = SearchSpace::parse_specs([
        "m.x=float(-5,6)",
        "m.lr=float(0.001,1,log)",
        "m.n=int(1,64,log)",
        "m.kind=choice(a,b,c)",
        "m.extra=int(0,10,step=2) if m.kind=b",
    ])
    .unwrap();
    let e = err(
        &mut store,
        &other_space,
        &config,
        "abc123 target=y model=gbm",
    );
    assert!(
        e.contains("another space")
            && e.contains("has `m.x=float(-5.0,5.0)` where this run has `m.x=float(-5.0,6.0)`"),
        "{e}"
    );
    let fewer = SearchSpace::parse_specs(["m.x=float(-5,5)"]).unwrap();
    let e = err(&mut store, &fewer, &config, "abc123 target=y model=gbm");
    assert!(
        e.contains("it searches `m.lr=") && e.contains("which this run does not"),
        "{e}"
    );
    let e = err(
        &mut store,
        &space(),
        &tpe_config(6),
        "abc123 target=y model=gbm",
    );
    assert!(e.contains("seed 5, not 6"), "{e}");
    let e = err(
        &mut store,
        &space(),
        &StudyConfig {
            direction: Direction::Maximize,
            ..config.clone()
        },
        "abc123 target=y model=gbm",
    );
    assert!(e.contains("made to minimize, not to maximize"), "{e}");
    let e = err(
        &mut store,
        &space(),
        &StudyConfig {
            pruner: Pruner::None,
            ..config.clone()
        },
        "abc123 target=y model=gbm",
    );
    assert!(e.contains("another pruner"), "{e}");
    let e = err(
        &mut store,
        &space(),
        &StudyConfig {
            sampler: Sampler::Random(RandomSampler {}),
            ..config.clone()
        },
        "abc123 target=y model=gbm",
    );
    assert!(e.contains("another sampler"), "{e}");
    // A study that could not run is never stored.
    let grid = StudyConfig {
        sampler: "grid".parse().unwrap(),
        ..config
    };
    let e = store
        .load_or_create("g", &space(), &grid, "")
        .unwrap_err()
        .to_string();
    assert!(e.contains("m.x"), "{e}");
    assert!(!store.contains("g").unwrap());
}

#[test]
fn save_trial_updates_by_number_and_refuses_gaps_and_foreign_trials() {
    let dir = TempDir::new("save");
    let file = dir.file("study.db");
    let mut store = StudyStore::open(&file).unwrap();
    store.create("s", &space(), &random_config(0), "").unwrap();
    let mut study = Study::new(space(), random_config(0)).unwrap();
    let t = study.ask().unwrap().unwrap();
    store.save_trial("s", &study.trials()[0]).unwrap();
    assert_eq!(
        store.load("s").unwrap().trials[0].state,
        TrialState::Running
    );
    let r = study.tell(t, TrialResult::Complete(2.5)).unwrap().clone();
    store.save_trial("s", &r).unwrap();
    let stored = store.load("s").unwrap().trials;
    assert_eq!(stored, vec![r.clone()]);

    let mut gap = r.clone();
    gap.number = 2;
    let e = store.save_trial("s", &gap).unwrap_err().to_string();
    assert!(
        e.contains("study.db") && e.contains("must be trial 1, not 2"),
        "{e}"
    );
    let mut foreign = r.clone();
    foreign.params.insert("m.x".into(), json!(0.123));
    let e = store.save_trial("s", &foreign).unwrap_err().to_string();
    assert!(e.contains("another run"), "{e}");
    let e = store.save_trial("nope", &r).unwrap_err().to_string();
    assert!(e.contains("no study `nope`") && e.contains("`s`"), "{e}");
    assert_eq!(store.load("s").unwrap().trials, vec![r]);
}

#[test]
fn files_that_are_not_study_files_are_refused_untouched() {
    let dir = TempDir::new("refused");
    let check_untouched = |path: &Path, bytes: &[u8], needle: &str| {
        let e = StudyStore::open(path).unwrap_err().to_string();
        assert!(
            e.contains(&path.display().to_string()) && e.contains(needle),
            "{e}"
        );
        assert!(!e.contains('\n'), "{e}");
        assert_eq!(std::fs::read(path).unwrap(), bytes, "{e}");
        let journal = PathBuf::from(format!("{}-journal", path.display()));
        assert!(!journal.exists());
    };

    let csv = dir.file("data.csv");
    std::fs::write(&csv, "a,b\n1,2\n").unwrap();
    check_untouched(&csv, b"a,b\n1,2\n", "not a SQLite file");
    let short = dir.file("short.db");
    std::fs::write(&short, "SQLite").unwrap();
    check_untouched(&short, b"SQLite", "not a SQLite file");
    let mut bad_body = b"SQLite format 3\0".to_vec();
    bad_body.extend(std::iter::repeat_n(0xA5u8, 200));
    let body = dir.file("body.db");
    std::fs::write(&body, &bad_body).unwrap();
    let e = StudyStore::open(&body).unwrap_err().to_string();
    assert!(e.contains("body.db"), "{e}");
    assert_eq!(std::fs::read(&body).unwrap(), bad_body);

    // Another program's SQLite database.
    let other = dir.file("other.db");
    {
        let raw = rusqlite::Connection::open(&other).unwrap();
        raw.execute_batch("CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine');")
            .unwrap();
    }
    let bytes = std::fs::read(&other).unwrap();
    check_untouched(&other, &bytes, "another program");
    // Even one with a table called meta.
    let meta = dir.file("meta.db");
    {
        let raw = rusqlite::Connection::open(&meta).unwrap();
        raw.execute_batch(
            "CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES ('format', 'x');",
        )
        .unwrap();
    }
    let bytes = std::fs::read(&meta).unwrap();
    check_untouched(&meta, &bytes, "another program");

    // A study file of a newer schema.
    let newer = dir.file("newer.db");
    StudyStore::open(&newer).unwrap();
    {
        let raw = rusqlite::Connection::open(&newer).unwrap();
        raw.execute(
            "UPDATE meta SET value = '2' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
    }
    let bytes = std::fs::read(&newer).unwrap();
    check_untouched(&newer, &bytes, "newer satori");
    let e = StudyStore::open_read_only(&newer).unwrap_err().to_string();
    assert!(e.contains("schema version 2"), "{e}");
}

#[test]
fn missing_folders_folders_empty_and_absent_files() {
    let dir = TempDir::new("paths");
    let e = StudyStore::open(dir.file("no/such/folder/study.db"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("does not exist") && e.contains("no/such/folder"),
        "{e}"
    );
    let e = StudyStore::open(&dir.0).unwrap_err().to_string();
    assert!(e.contains("folder"), "{e}");
    #[cfg(unix)]
    {
        let e = StudyStore::open("/dev/null").unwrap_err().to_string();
        assert!(
            e.contains("/dev/null") && e.contains("not a regular file"),
            "{e}"
        );
    }
    let e = StudyStore::open_read_only(dir.file("absent.db"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("absent.db") && e.contains("no such study file"),
        "{e}"
    );
    assert!(!dir.file("absent.db").exists());

    // An empty file becomes a study file; read-only, it is refused.
    let empty = dir.file("empty.db");
    std::fs::write(&empty, "").unwrap();
    let e = StudyStore::open_read_only(&empty).unwrap_err().to_string();
    assert!(e.contains("empty"), "{e}");
    let mut store = StudyStore::open(&empty).unwrap();
    store.create("s", &space(), &random_config(0), "").unwrap();
    drop(store);
    assert!(
        std::fs::read(&empty)
            .unwrap()
            .starts_with(b"SQLite format 3\0")
    );
    assert_eq!(
        StudyStore::open_read_only(&empty).unwrap().list().unwrap()[0].name,
        "s"
    );
}

#[test]
fn read_only_and_locked_files_are_clear_errors() {
    let dir = TempDir::new("locked");
    let file = dir.file("study.db");
    let mut store = StudyStore::open(&file).unwrap();
    store.create("s", &space(), &random_config(0), "").unwrap();
    let mut study = Study::new(space(), random_config(0)).unwrap();
    let t = study.ask().unwrap().unwrap();
    let record = study.trials()[t.number() as usize].clone();

    // Opened read-only: reads work, writes are refused.
    let mut ro = StudyStore::open_read_only(&file).unwrap();
    assert_eq!(ro.list().unwrap().len(), 1);
    let e = ro.save_trial("s", &record).unwrap_err().to_string();
    assert!(e.contains("study.db") && e.contains("read-only"), "{e}");

    // Another process holds the file: a write waits, then says so.
    store.set_busy_timeout(Duration::from_millis(100)).unwrap();
    let raw = rusqlite::Connection::open(&file).unwrap();
    raw.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let e = store.save_trial("s", &record).unwrap_err().to_string();
    assert!(e.contains("study.db") && e.contains("locked"), "{e}");
    assert!(!e.contains('\n'), "{e}");
    raw.execute_batch("ROLLBACK").unwrap();
    store.save_trial("s", &record).unwrap();
    drop(raw);
    drop(store);

    // A file without write permission (root writes anyway: then there is nothing to check).
    let mut perms = std::fs::metadata(&file).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&file, perms.clone()).unwrap();
    if std::fs::OpenOptions::new().write(true).open(&file).is_err() {
        let mut store = StudyStore::open(&file).unwrap();
        assert_eq!(store.load("s").unwrap().trials.len(), 1);
        let e = store.save_trial("s", &record).unwrap_err().to_string();
        assert!(e.contains("study.db") && e.contains("read-only"), "{e}");
    }
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&file, perms).unwrap();
}
