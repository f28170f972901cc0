//! The reliability contract, item by item (docs/robustness.md): outputs appear complete or not
//! at all, inputs are never damaged, bad input is a clear one-line error (exit 1), and nothing is
//! answered wrongly in silence. Each test names the item of the hostile-input review it keeps out.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{assert_user_error, data, satori, stderr, stdout};

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

fn path(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).display().to_string()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = path(dir, name);
    std::fs::write(&p, text).unwrap();
    p
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A CSV of `n` rows `x,y,label` whose line `bad_line` (if any) holds a value `transform --using`
/// cannot read as a number.
fn numbers_csv(n: usize, bad_line: Option<usize>) -> String {
    let mut s = String::from("x,y,label\n");
    for i in 0..n {
        let line = i + 2;
        let x = if Some(line) == bad_line {
            "oops".to_string()
        } else {
            format!("{}", i as f64 * 0.5)
        };
        s += &format!(
            "{x},{},{}\n",
            (i * 7 % 11) as f64,
            if i % 3 == 0 { "a" } else { "b" }
        );
    }
    s
}

/// Item 1: `transform … --out` over its own input is refused and the input is untouched; an error
/// midway through a chunked transform leaves no partial output.
#[test]
fn transform_never_damages_its_input_or_leaves_a_partial_output() {
    let dir = tmp();
    let train = write(&dir, "d.csv", &numbers_csv(400, None));
    let pipe = write(
        &dir,
        "p.toml",
        "[[preprocessing]]\nstep = \"standard_scaler\"\n",
    );
    let prep = path(&dir, "prep.satori");
    let clean = path(&dir, "clean.csv");
    let o = satori(&[
        "transform",
        &train,
        "--pipeline",
        &pipe,
        "--drop",
        "label",
        "--save",
        &prep,
        "--out",
        &clean,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = std::fs::read(&train).unwrap();
    // Writing over the file it reads is refused, and the file keeps every byte.
    let o = satori(&[
        "transform",
        &train,
        "--using",
        &prep,
        "--drop",
        "label",
        "--out",
        &train,
    ]);
    assert_user_error(&o, &["--out", "also an input"]);
    assert_eq!(std::fs::read(&train).unwrap(), before);
    // A bad value on line 300 of a chunked transform: an error, and no output file at all.
    let bad = write(&dir, "bad.csv", &numbers_csv(400, Some(300)));
    let out = path(&dir, "out.csv");
    let o = satori(&[
        "transform",
        &bad,
        "--using",
        &prep,
        "--drop",
        "label",
        "--chunk-rows",
        "50",
        "--out",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        !Path::new(&out).exists(),
        "a failed transform leaves no file"
    );
    // An existing output is left as it was when the new one fails.
    std::fs::write(&out, "previous\n").unwrap();
    let o = satori(&[
        "transform",
        &bad,
        "--using",
        &prep,
        "--drop",
        "label",
        "--chunk-rows",
        "50",
        "--out",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous\n");
    assert!(
        entries(dir.path())
            .iter()
            .all(|e| !e.contains("satori-tmp")),
        "no temporary file is left behind: {:?}",
        entries(dir.path())
    );
}

/// Item 1: two processes writing the same output leave one complete file, never a mix.
#[test]
fn concurrent_writers_leave_one_complete_file() {
    let dir = tmp();
    let a = write(&dir, "a.csv", &numbers_csv(3000, None));
    let b_text = numbers_csv(3000, None).replace(",a\n", ",c\n");
    let b = write(&dir, "b.csv", &b_text);
    let pipe = write(
        &dir,
        "p.toml",
        "[[preprocessing]]\nstep = \"min_max_scaler\"\n",
    );
    let out = path(&dir, "same.csv");
    let spawn = |input: &str| {
        Command::new(env!("CARGO_BIN_EXE_satori"))
            .args([
                "transform",
                input,
                "--pipeline",
                &pipe,
                "--id",
                "label",
                "--out",
                &out,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    for _ in 0..3 {
        let (p, q) = (spawn(&a), spawn(&b));
        let (p, q) = (p.wait_with_output().unwrap(), q.wait_with_output().unwrap());
        assert!(p.status.success() && q.status.success());
        let text = std::fs::read_to_string(&out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3001);
        let fields = lines[0].split(',').count();
        assert!(lines.iter().all(|l| l.split(',').count() == fields));
        // Every id comes from one writer.
        let from_a = lines[1..].iter().all(|l| !l.starts_with('c'));
        let from_b = lines[1..].iter().all(|l| !l.starts_with('a'));
        assert!(from_a || from_b, "the file mixes both writers' rows");
    }
}

/// Item 2: a missing output folder is an error naming it, never created; `train X.csv --out
/// X.csv` is refused.
#[test]
fn outputs_never_create_folders_or_overwrite_inputs() {
    let dir = tmp();
    let csv = data("wine.csv");
    let nested = dir.path().join("no/such/folder/m.satori");
    let o = satori(&[
        "train",
        &csv,
        "--target",
        "class",
        "--out",
        &nested.display().to_string(),
    ]);
    assert_user_error(&o, &["does not exist", "no/such/folder"]);
    assert!(!dir.path().join("no").exists());
    let copy = write(&dir, "wine.csv", &std::fs::read_to_string(&csv).unwrap());
    let before = std::fs::read(&copy).unwrap();
    let o = satori(&["train", &copy, "--target", "class", "--out", &copy]);
    assert_user_error(&o, &["--out", "also an input"]);
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    let model = path(&dir, "m.satori");
    assert!(
        satori(&["train", &csv, "--target", "class", "--out", &model])
            .status
            .success()
    );
    let weights = dir.path().join("missing/w.safetensors");
    let o = satori(&[
        "inspect",
        &model,
        "--export-weights",
        &weights.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let o = satori(&["predict", &model, &csv, "--out", &model]);
    assert_user_error(&o, &["also an input"]);
}

/// Item 4: a `--score` that names no column is an error even beside `proba_*` columns, and
/// probabilities that do not sum to 1 are an error, not a log loss.
#[test]
fn evaluate_refuses_a_missing_score_column_and_bad_probabilities() {
    let dir = tmp();
    let preds = write(
        &dir,
        "p.csv",
        "y,prediction,proba_a,proba_b\na,a,0.9,0.1\nb,b,0.2,0.8\na,b,0.4,0.6\nb,b,0.3,0.7\n",
    );
    let o = satori(&[
        "evaluate",
        "--predictions",
        &preds,
        "--target",
        "y",
        "--score",
        "no_such_column",
    ]);
    assert_user_error(&o, &["no_such_column"]);
    let bad = write(
        &dir,
        "bad.csv",
        "y,prediction,proba_a,proba_b\na,a,0.9,0.3\nb,b,0.2,0.8\n",
    );
    let o = satori(&["evaluate", "--predictions", &bad, "--target", "y"]);
    assert_user_error(&o, &["row 1", "sum to"]);
}

/// Item 7: a header whose `model_kind` was edited (checksum recomputed) is refused.
#[test]
fn an_edited_model_kind_is_caught() {
    let dir = tmp();
    let model = path(&dir, "m.satori");
    let o = satori(&[
        "train",
        &data("wine.csv"),
        "--target",
        "class",
        "--model",
        "tree",
        "--out",
        &model,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut bytes = std::fs::read(&model).unwrap();
    let head_len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let head = String::from_utf8(bytes[32..32 + head_len].to_vec()).unwrap();
    let edited = head.replace(
        "\"model_kind\":\"decision_tree_classifier\"",
        "\"model_kind\":\"random_forest_classifier\"",
    );
    assert_ne!(edited, head);
    assert_eq!(
        edited.len(),
        head.len() - "decision_tree".len() + "random_forest".len()
    );
    let mut out = bytes[..12].to_vec();
    out.extend_from_slice(&(edited.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32(edited.as_bytes()).to_le_bytes());
    out.extend_from_slice(&bytes[20..32]);
    out.extend_from_slice(edited.as_bytes());
    out.extend_from_slice(&bytes.split_off(32 + head_len));
    std::fs::write(&model, out).unwrap();
    let o = satori(&[
        "predict",
        &model,
        &data("wine.csv"),
        "--out",
        &path(&dir, "p.csv"),
    ]);
    assert_user_error(
        &o,
        &["random_forest_classifier", "decision_tree_classifier"],
    );
}

/// CRC-32 (IEEE), as the model file's checksums.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Item 9: `--seed` seeds stochastic models too: another seed grows another forest, and a
/// `model.seed` of its own is kept.
#[test]
fn seed_changes_a_forest() {
    let dir = tmp();
    let csv = data("diabetes.csv");
    let fit = |seed: &str, extra: &[&str]| {
        let model = path(&dir, &format!("f{seed}{}.satori", extra.len()));
        let preds = path(&dir, &format!("p{seed}{}.csv", extra.len()));
        let mut args = vec![
            "train",
            csv.as_str(),
            "--target",
            "progression",
            "--model",
            "forest",
            "--set",
            "model.n_estimators=5",
            "--holdout",
            "0",
            "--seed",
            seed,
            "--out",
            &model,
        ];
        args.extend_from_slice(extra);
        assert!(satori(&args).status.success());
        assert!(
            satori(&["predict", &model, &csv, "--out", &preds])
                .status
                .success()
        );
        std::fs::read_to_string(&preds).unwrap()
    };
    let (a, b) = (fit("0", &[]), fit("7", &[]));
    assert_ne!(a, b, "--seed 7 grows another forest");
    assert_eq!(
        fit("7", &["--set", "model.seed=0"]),
        a,
        "model.seed keeps its own"
    );
}

/// Items 11 and 12: sizes beyond memory are clear errors before anything is allocated;
/// `--threads` is capped.
#[test]
fn sizes_and_threads_are_bounded() {
    let dir = tmp();
    let o = satori(&[
        "train",
        &data("wine.csv"),
        "--target",
        "class",
        "--model",
        "mlp",
        "--set",
        "model.hidden_layer_sizes=[1000000000]",
        "--out",
        &path(&dir, "m.satori"),
    ]);
    assert_user_error(&o, &["hidden_layer_sizes", "at most"]);
    let o = satori(&[
        "train",
        &data("wine.csv"),
        "--target",
        "class",
        "--model",
        "mlp",
        "--set",
        "model.hidden_layer_sizes=[1000000,1000000]",
        "--out",
        &path(&dir, "m.satori"),
    ]);
    assert_user_error(&o, &["memory"]);
    let o = satori(&[
        "generate",
        "classification",
        "--rows",
        "100000000000",
        "--features",
        "40",
        "-o",
        &path(&dir, "x.csv"),
    ]);
    assert_user_error(&o, &["memory", "100000000000 rows"]);
    let started = std::time::Instant::now();
    let o = satori(&["--threads", "100000", "inspect", &data("wine.csv")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("capped at"), "{}", stderr(&o));
    assert!(started.elapsed().as_secs() < 60);
}

/// Item 15: a mean imputer on a categorical column names the step and the cause.
#[test]
fn a_mean_imputer_on_a_categorical_column_says_why() {
    let dir = tmp();
    let pipe = write(
        &dir,
        "p.toml",
        "[[preprocessing]]\nstep = \"simple_imputer\"\nstrategy = \"mean\"\n",
    );
    let o = satori(&[
        "train",
        &data("palmer_penguins.csv"),
        "--target",
        "species",
        "--pipeline",
        &pipe,
        "--out",
        &path(&dir, "m.satori"),
    ]);
    assert_user_error(
        &o,
        &["simple_imputer", "categorical column", "most_frequent"],
    );
}

/// Item 16: messages that used to mislead.
#[test]
fn messages_say_what_is_wrong() {
    let dir = tmp();
    let out = path(&dir, "m.satori");
    // Another model kind by --set starts from that model's defaults (not boosting's fields).
    let o = satori(&[
        "train",
        &data("diabetes.csv"),
        "--target",
        "progression",
        "--model",
        "gbm",
        "--set",
        "model.kind=ridge",
        "--out",
        &out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("ridge"), "{}", stdout(&o));
    // Dropping the target.
    let o = satori(&[
        "train",
        &data("wine.csv"),
        "--target",
        "class",
        "--drop",
        "class",
        "--out",
        &out,
    ]);
    assert_user_error(&o, &["--drop", "is the target"]);
    // Too many stratified folds: the largest that works.
    let o = satori(&[
        "cv",
        &data("wine.csv"),
        "--target",
        "class",
        "--folds",
        "1000",
    ]);
    assert_user_error(&o, &["--folds", "use at most 48 folds"]);
    let one = write(
        &dir,
        "one.csv",
        &(0..30)
            .map(|i| format!("{i},{}\n", if i == 0 { "rare" } else { ["a", "b"][i % 2] }))
            .fold("x,y\n".to_string(), |s, l| s + &l),
    );
    let o = satori(&["cv", &one, "--target", "y"]);
    assert_user_error(&o, &["`rare` has 1 row", "no stratified split exists"]);
    // Transfer learning from a boosting model: the model is the message, before any data note.
    let base = path(&dir, "gbm.satori");
    assert!(
        satori(&[
            "train",
            &data("wine.csv"),
            "--target",
            "class",
            "--model",
            "gbm",
            "--out",
            &base
        ])
        .status
        .success()
    );
    let o = satori(&[
        "train",
        &data("wine.csv"),
        "--target",
        "class",
        "--model",
        "mlp",
        "--init-from",
        &base,
        "--out",
        &out,
    ]);
    assert_user_error(&o, &["not a neural network"]);
    assert!(!stderr(&o).contains("note:"), "{}", stderr(&o));
}

/// The bad-input suite: a table of hostile inputs, each run through the binary. Every run ends
/// with exit 0 or 1 (never a crash, a panic or an internal error), a failure is one `error:` line,
/// and no run leaves a partial output file.
#[test]
fn a_table_of_hostile_inputs_keeps_the_contract() {
    let dir = tmp();
    let wine = std::fs::read_to_string(data("wine.csv")).unwrap();
    let header = wine.lines().next().unwrap().to_string();
    let big_field = format!("a,y\n{},1\n2,0\n", "9".repeat(10 << 20));
    let many_classes: String = (0..10_000).fold("x,y\n".to_string(), |s, i| {
        s + &format!("{},c{i}\n", i % 17)
    });
    let cases: Vec<(&str, String)> = vec![
        ("empty", String::new()),
        ("header only", format!("{header}\n")),
        (
            "one row",
            format!("{header}\n{}\n", wine.lines().nth(1).unwrap()),
        ),
        ("constant target", "x,y\n1,a\n2,a\n3,a\n4,a\n5,a\n".into()),
        ("10,000 classes", many_classes),
        ("duplicate columns", "x,x,y\n1,2,a\n3,4,b\n5,6,a\n".into()),
        (
            "nan and inf strings",
            "x,y\nnan,a\n-inf,b\n1,a\n2,b\n".into(),
        ),
        ("a 10 MB field", big_field),
        ("unclosed quote", "x,y\n1,a\n\"2,b\n3,a\n".into()),
        ("NUL byte", "x,y\n1,a\n2\0,b\n".into()),
        ("only missing targets", "x,y\n1,\n2,\n".into()),
        ("binary junk", "\u{1}\u{2}\u{3}\u{feff}\u{fffd}".repeat(100)),
    ];
    let model = path(&dir, "m.satori");
    let preds = path(&dir, "p.csv");
    for (name, text) in &cases {
        let file = write(&dir, "input.csv", text);
        let runs: Vec<Vec<&str>> = vec![
            vec!["inspect", &file, "--target", "y"],
            vec!["train", &file, "--target", "y", "--out", &model],
            vec![
                "train", &file, "--target", "y", "--model", "gbm", "--out", &model,
            ],
            vec!["cv", &file, "--target", "y", "--folds", "2"],
            vec!["anomalies", &file, "--out", &preds],
        ];
        for args in runs {
            let _ = std::fs::remove_file(&model);
            let _ = std::fs::remove_file(&preds);
            let o = satori(&args);
            let err = stderr(&o);
            let code = o.status.code();
            assert!(
                code == Some(0) || code == Some(1),
                "{name}: `{}` exited {code:?}: {err}",
                args[0]
            );
            assert!(
                !err.contains("panicked") && !err.contains("internal error"),
                "{name}: `{}`: {err}",
                args[0]
            );
            if code == Some(1) {
                let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
                assert_eq!(errors.len(), 1, "{name}: `{}`: {err}", args[0]);
                assert!(
                    errors[0].len() <= 1000,
                    "{name}: a message of {}",
                    errors[0].len()
                );
                assert!(!Path::new(&model).exists() && !Path::new(&preds).exists());
            }
        }
        assert!(
            entries(dir.path())
                .iter()
                .all(|e| !e.contains("satori-tmp")),
            "{name}: a temporary file was left: {:?}",
            entries(dir.path())
        );
    }
}

/// Truncated and bit-flipped model files, read-only and missing folders, a process killed while
/// it writes: a clear error or an untouched target, never a damaged file.
#[test]
fn damaged_files_folders_and_signals() {
    let dir = tmp();
    let model = path(&dir, "m.satori");
    let csv = data("breast_cancer.csv");
    let o = satori(&["train", &csv, "--target", "diagnosis", "--out", &model]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&model).unwrap();
    let preds = path(&dir, "p.csv");
    for (k, cut) in [8, 30, bytes.len() / 3, bytes.len() - 1]
        .into_iter()
        .enumerate()
    {
        let damaged = path(&dir, &format!("cut{k}.satori"));
        std::fs::write(&damaged, &bytes[..cut]).unwrap();
        let o = satori(&["predict", &damaged, &csv, "--out", &preds]);
        assert_user_error(&o, &[]);
    }
    for bit in [3usize, 13, 40, bytes.len() / 2, bytes.len() - 3] {
        let mut flipped = bytes.clone();
        flipped[bit] ^= 0x10;
        let damaged = path(&dir, "flip.satori");
        std::fs::write(&damaged, &flipped).unwrap();
        let o = satori(&["predict", &damaged, &csv, "--out", &preds]);
        assert_user_error(&o, &[]);
        assert!(!Path::new(&preds).exists());
    }
    // A read-only folder: a clear error (skipped when running as root, who may write anyway).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = dir.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        let target = ro.join("m.satori").display().to_string();
        let o = satori(&["train", &csv, "--target", "diagnosis", "--out", &target]);
        if !Path::new(&target).exists() {
            assert_user_error(&o, &["ro"]);
        }
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // Killed while writing: the previous model is still whole.
    let before = std::fs::read(&model).unwrap();
    for delay_ms in [5u64, 50, 200] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_satori"))
            .args([
                "train",
                &csv,
                "--target",
                "diagnosis",
                "--model",
                "forest",
                "--out",
                &model,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let now = std::fs::read(&model).unwrap();
        assert!(
            now == before || satori(&["inspect", &model]).status.success(),
            "a killed run left a damaged model"
        );
    }
}
