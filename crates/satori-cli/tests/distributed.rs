//! `satori train --distributed` under `mpirun`: the model that 2 or 3 ranks train from shards
//! of a file is the one a single process trains from the whole file, bit for bit (its
//! predictions are compared byte for byte), and bad setups are clear errors on rank 0.
//!
//! Without the `distributed` feature only the refusal tests run (a binary without MPI says how
//! to build one). With it, `mpirun` must be installed: CI installs Open MPI and runs these with
//! `cargo test -p satori-cli --features distributed --test distributed`; a missing `mpirun`
//! fails the tests rather than skipping them.

mod common;

use common::{assert_user_error, data, satori, stdout};

#[test]
fn distributed_training_without_a_launcher_or_mpi_says_how() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.satori");
    let o = satori(&[
        "train",
        &data("breast_cancer.csv"),
        "--target",
        "diagnosis",
        "--model",
        "gbm",
        "--distributed",
        "--out",
        out.to_str().unwrap(),
    ]);
    if cfg!(feature = "distributed") {
        assert_user_error(&o, &["--distributed", "mpirun -np"]);
    } else {
        assert_user_error(&o, &["--distributed", "--features distributed"]);
    }
    assert!(!out.exists());
    let o = satori(&[
        "train",
        &data("breast_cancer.csv"),
        "--target",
        "diagnosis",
        "--distributed",
        "--valid",
        &data("breast_cancer.csv"),
    ]);
    assert!(!o.status.success());
    let _ = stdout(&o);
}

#[cfg(feature = "distributed")]
mod with_mpi {
    use super::*;
    use common::stderr;
    use std::path::Path;
    use std::process::{Command, Output};

    /// Run `satori` under `mpirun -np ranks` (as root too, oversubscribing this machine's cores).
    fn mpirun(ranks: usize, args: &[&str]) -> Output {
        Command::new("mpirun")
            .args([
                "--oversubscribe",
                "--allow-run-as-root",
                "-np",
                &ranks.to_string(),
            ])
            .arg(env!("CARGO_BIN_EXE_satori"))
            .args(args)
            .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
            .output()
            .expect("mpirun runs (install Open MPI: apt install openmpi-bin libopenmpi-dev)")
    }

    /// Split a CSV file's rows into `parts` files under `dir` (consecutive rows, header in each).
    fn split_csv(src: &str, dir: &Path, parts: usize) {
        let text = std::fs::read_to_string(src).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        let rows: Vec<&str> = lines.collect();
        for p in 0..parts {
            let (lo, hi) = (rows.len() * p / parts, rows.len() * (p + 1) / parts);
            let mut out = format!("{header}\n");
            for r in &rows[lo..hi] {
                out.push_str(r);
                out.push('\n');
            }
            std::fs::write(dir.join(format!("part-{p}.csv")), out).unwrap();
        }
    }

    fn predictions(model: &Path, input: &str, dir: &Path, name: &str) -> Vec<u8> {
        let out = dir.join(name);
        let o = satori(&[
            "predict",
            model.to_str().unwrap(),
            input,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(out).unwrap()
    }

    fn train_both(
        csv: &str,
        target: &str,
        ranks: usize,
        folder: bool,
        extra: &[&str],
    ) -> (Vec<u8>, Vec<u8>, String) {
        let dir = tempfile::tempdir().unwrap();
        let one = dir.path().join("one.satori");
        let many = dir.path().join("many.satori");
        let mut args = vec!["train", csv, "--target", target, "--model", "gbm"];
        args.extend_from_slice(extra);
        let o = satori(&[&args[..], &["--out", one.to_str().unwrap()]].concat());
        assert!(o.status.success(), "{}", stderr(&o));
        let shards = dir.path().join("shards");
        std::fs::create_dir(&shards).unwrap();
        let input = if folder {
            split_csv(csv, &shards, ranks);
            shards.to_str().unwrap().to_string()
        } else {
            csv.to_string()
        };
        let mut dargs = args.clone();
        dargs[1] = &input;
        dargs.extend_from_slice(&["--distributed", "--out", many.to_str().unwrap()]);
        let o = mpirun(ranks, &dargs);
        assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
        let report = format!("{}{}", stdout(&o), stderr(&o));
        (
            predictions(&one, csv, dir.path(), "one.csv"),
            predictions(&many, csv, dir.path(), "many.csv"),
            report,
        )
    }

    #[test]
    fn three_ranks_on_a_folder_of_shards_train_the_one_process_model() {
        // Sorted by species: each shard holds fewer classes and island categories than the
        // whole file; the ranks agree on the labels and categories first.
        let (one, many, report) = train_both(
            &data("palmer_penguins.csv"),
            "species",
            3,
            true,
            &["--set", "model.n_estimators=30"],
        );
        assert_eq!(one, many, "predictions differ");
        assert!(report.contains("3 ranks"), "{report}");
        assert_eq!(
            report.matches("Trained on").count(),
            1,
            "only rank 0 reports: {report}"
        );
    }

    #[test]
    fn two_ranks_on_byte_ranges_of_one_csv_train_the_one_process_model() {
        let (one, many, _) = train_both(
            &data("diabetes.csv"),
            "progression",
            2,
            false,
            &[
                "--set",
                "model.early_stopping=on",
                "--set",
                "model.subsample=0.8",
            ],
        );
        assert_eq!(one, many);
        let (one, many, _) = train_both(&data("breast_cancer.csv"), "diagnosis", 3, false, &[]);
        assert_eq!(one, many);
    }

    /// The rows of prediction files (headers dropped but the first), concatenated.
    fn joined(files: &[std::path::PathBuf]) -> String {
        let mut out = String::new();
        for (i, f) in files.iter().enumerate() {
            let text = std::fs::read_to_string(f).unwrap();
            let body = if i == 0 {
                &text[..]
            } else {
                text.split_once('\n').unwrap().1
            };
            out.push_str(body);
        }
        out
    }

    #[test]
    fn batch_scoring_writes_one_prediction_file_per_input_shard_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("m.satori");
        let csv = data("breast_cancer.csv");
        let o = satori(&[
            "train",
            &csv,
            "--target",
            "diagnosis",
            "--model",
            "gbm",
            "--out",
            model.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let whole = String::from_utf8(predictions(&model, &csv, dir.path(), "whole.csv")).unwrap();
        // A folder of 3 files on 2 ranks: part-0 on rank 0, part-1 and part-2 on rank 1.
        let shards = dir.path().join("shards");
        let preds = dir.path().join("preds");
        std::fs::create_dir(&shards).unwrap();
        std::fs::create_dir(&preds).unwrap();
        split_csv(&csv, &shards, 3);
        let o = mpirun(
            2,
            &[
                "predict",
                model.to_str().unwrap(),
                shards.to_str().unwrap(),
                "--distributed",
                "--out",
                preds.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            stdout(&o).contains("Wrote 569 predictions to 3 file(s)"),
            "{}",
            stdout(&o)
        );
        let files: Vec<_> = (0..3)
            .map(|p| preds.join(format!("part-{p}.csv")))
            .collect();
        assert_eq!(joined(&files), whole);
        // One CSV file's byte ranges on 3 ranks: part-00000.csv … in rank order.
        let preds2 = dir.path().join("preds2");
        std::fs::create_dir(&preds2).unwrap();
        let o = mpirun(
            3,
            &[
                "predict",
                model.to_str().unwrap(),
                &csv,
                "--distributed",
                "--out",
                preds2.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let files: Vec<_> = (0..3)
            .map(|r| preds2.join(format!("part-{r:05}.csv")))
            .collect();
        assert_eq!(joined(&files), whole);
        // The input folder as --out is refused before anything is written.
        let o = mpirun(
            2,
            &[
                "predict",
                model.to_str().unwrap(),
                shards.to_str().unwrap(),
                "--distributed",
                "--out",
                shards.to_str().unwrap(),
            ],
        );
        assert!(!o.status.success());
        assert!(stderr(&o).contains("input folder"), "{}", stderr(&o));
    }

    #[test]
    fn cross_validation_spreads_its_folds_over_ranks_with_the_one_process_result() {
        let dir = tempfile::tempdir().unwrap();
        let wine = data("wine.csv");
        let args = |oof: &str| -> Vec<String> {
            [
                "cv",
                &wine,
                "--target",
                "class",
                "--model",
                "gbm",
                "--set",
                "model.n_estimators=15",
                "--json",
                "--oof",
                oof,
            ]
            .iter()
            .map(|s| s.to_string())
            .collect()
        };
        let one_oof = dir.path().join("one.csv");
        let many_oof = dir.path().join("many.csv");
        let a = args(one_oof.to_str().unwrap());
        let o = satori(&a.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "{}", stderr(&o));
        let one: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let mut b = args(many_oof.to_str().unwrap());
        b.push("--distributed".into());
        let o = mpirun(3, &b.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "{}", stderr(&o));
        // Rank 0 alone prints the one JSON document.
        let many: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(one["summary"], many["summary"]);
        let scores = |v: &serde_json::Value| -> Vec<serde_json::Value> {
            v["folds"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["scores"].clone())
                .collect()
        };
        assert_eq!(scores(&one), scores(&many));
        assert_eq!(
            std::fs::read(one_oof).unwrap(),
            std::fs::read(many_oof).unwrap()
        );
    }

    /// The standard error of a `satori` run under `mpirun` that must fail.
    fn failure(ranks: usize, args: &[&str]) -> String {
        let o = mpirun(ranks, args);
        assert!(!o.status.success(), "{}", stdout(&o));
        stderr(&o)
    }

    #[test]
    fn bad_setups_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        split_csv(&data("wine.csv"), dir.path(), 2);
        let folder = dir.path().to_str().unwrap();
        let train = ["train", folder, "--target", "class", "--distributed"];
        // More ranks than files.
        let e = failure(3, &train);
        assert!(e.contains("only 2 data file"), "{e}");
        // A shard with other columns.
        std::fs::write(dir.path().join("part-1.csv"), "a,b\n1,2\n").unwrap();
        let e = failure(2, &train);
        assert!(e.contains("rank 1") && e.contains("part-1.csv"), "{e}");
        // A model that does not train distributed.
        let wine = data("wine.csv");
        let e = failure(
            2,
            &[
                "train",
                &wine,
                "--target",
                "class",
                "--model",
                "forest",
                "--distributed",
            ],
        );
        assert!(e.contains("gradient boosting"), "{e}");
    }
}
