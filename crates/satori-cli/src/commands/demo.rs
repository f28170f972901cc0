//! `satori demo`: every layer that exists, end to end, on a bundled dataset.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use satori_core::fs::write_atomic;
use satori_data::{ReadOptions, TargetSpec, bundled, read_csv_bytes};
use satori_pipeline::model_file;
use satori_workflow::{TrainRequest, evaluate_table, output::write_predictions, train};

use crate::output::{num, print_json};
use crate::progress::TermProgress;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the results.
    #[arg(long, default_value = "satori-demo")]
    pub out_dir: PathBuf,
    /// The bundled dataset to use: breast_cancer, wine, diabetes or palmer_penguins.
    #[arg(long, default_value = "breast_cancer")]
    pub dataset: String,
    /// Print a JSON summary (the files written and the holdout scores) instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: DemoArgs, progress: &TermProgress) -> anyhow::Result<()> {
    let ds = bundled::get(&args.dataset).ok_or_else(|| {
        satori_core::Error::param(
            "--dataset",
            format!(
                "no bundled dataset `{}`; available: {}",
                args.dataset,
                bundled::names().join(", ")
            ),
        )
    })?;
    let mut lines: Vec<String> = Vec::new();
    macro_rules! say {
        ($($t:tt)*) => { lines.push(format!($($t)*)) };
    }
    let dir = &args.out_dir;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let data_path = dir.join(format!("{}.csv", ds.name));
    write_atomic(&data_path, ds.csv.as_bytes())?;

    // 1. Data: read with schema inference, profile.
    let table = read_csv_bytes(
        &data_path.display().to_string(),
        ds.csv.as_bytes(),
        &ReadOptions::default(),
    )?;
    let profile = satori_data::profile::profile(&table, Some(ds.target))?;
    let profile_path = dir.join("profile.json");
    write_atomic(
        &profile_path,
        serde_json::to_string_pretty(&profile)?.as_bytes(),
    )?;
    say!("satori demo — {}", ds.description);
    say!(
        "  data      {} rows × {} columns, target `{}` ({}); {} warnings → {}",
        profile.n_rows,
        profile.n_columns,
        ds.target,
        ds.task.name(),
        profile.warnings.len(),
        profile_path.display()
    );

    // 2. Model: gradient boosting with a stratified 20% holdout (and the baseline on the same
    // split, the score to beat); save the model file.
    let mut request = TrainRequest::new(TargetSpec {
        name: ds.target.to_string(),
        task: None,
    });
    request.data_source = Some(data_path.display().to_string());
    request.created_at = Some(crate::args::now());
    let baseline = train(&table, &request, &satori_core::NoProgress)?;
    request.model = "gbm".into();
    let outcome = train(&table, &request, progress)?;
    let model_path = dir.join("model.satori");
    model_file::save(&model_path, &outcome.header, &outcome.pipeline)?;
    say!(
        "  model     {} trained on {} rows → {}",
        outcome.header.model_kind,
        outcome.header.n_train_samples,
        model_path.display()
    );
    if let Some(summary) = &outcome.header.model_summary {
        say!("            {summary}");
    }
    let top: Vec<String> = outcome
        .header
        .feature_importances
        .iter()
        .take(3)
        .map(|(name, v)| format!("{name} {:.0}%", v * 100.0))
        .collect();
    if !top.is_empty() {
        say!("            most important: {}", top.join(", "));
    }

    // 3. Output: reload the file and predict every row; the reloaded model must agree bit for bit.
    let (_, reloaded) = model_file::load(&model_path)?;
    let from_file = reloaded.predict_table(&table)?;
    let in_memory = outcome.pipeline.predict_table(&table)?;
    if from_file != in_memory {
        return Err(
            satori_core::Error::Internal("the reloaded model predicts differently".into()).into(),
        );
    }
    let preds_path = dir.join("predictions.csv");
    let proba = from_file.proba.is_some();
    write_predictions(
        &preds_path,
        reloaded.targets(),
        std::slice::from_ref(&from_file),
        &[],
        proba,
    )?;
    say!(
        "  output    {} predictions → {}",
        from_file.len(),
        preds_path.display()
    );

    // 4. Evaluation: holdout scores, and the whole file through the model.
    if let Some(h) = outcome.evaluation() {
        let shown: Vec<String> = h
            .metrics
            .iter()
            .take(6)
            .map(|(k, v)| format!("{k} {}", num(*v)))
            .collect();
        say!("  holdout   {} rows: {}", h.n_rows, shown.join(", "));
        let key = if ds.task.is_classification() {
            if ds.task == satori_core::Task::Binary {
                "roc_auc"
            } else {
                "accuracy"
            }
        } else {
            "r2"
        };
        if let (Some(m), Some(b)) = (
            h.metrics.get(key),
            baseline.evaluation().and_then(|b| b.metrics.get(key)),
        ) {
            say!(
                "            {key} {} against the baseline's {} on the same rows",
                num(*m),
                num(*b)
            );
        }
    }
    let full = evaluate_table(&reloaded, &table, &Default::default())?
        .into_iter()
        .next()
        .map(|e| e.evaluation);
    let eval_path = dir.join("evaluation.json");
    let evaluation = serde_json::json!({ "holdout": outcome.evaluation(), "all_rows": full });
    write_atomic(
        &eval_path,
        serde_json::to_string_pretty(&evaluation)?.as_bytes(),
    )?;
    say!("  metrics   → {}", eval_path.display());
    if let (Some(h), Some(labelled)) = (outcome.evaluation(), outcome.holdout_predictions()) {
        let report_path = dir.join("report.html");
        let title = format!(
            "satori demo: {} on the {} holdout",
            outcome.header.model_kind, ds.name
        );
        crate::report::write_report(
            crate::report::ReportOutputs {
                html: Some(&report_path),
                plots: None,
            },
            crate::report::ReportOf {
                title: &title,
                evaluated_on: None,
                evaluation: h,
                labelled,
                table: &table,
                target: ds.target,
                header: Some(outcome.header.clone()),
                network: satori_explain::network_summary(outcome.pipeline.model()).ok(),
            },
        )?;
        say!(
            "  report    learning curve, ROC, precision-recall, calibration and confusion pictures → {}",
            report_path.display()
        );
    }
    say!(
        "Next: satori inspect {m}; satori evaluate {m} {d}; satori train {d} --target {t} --model forest --out forest.satori",
        m = model_path.display(),
        d = data_path.display(),
        t = ds.target
    );
    if args.json {
        return print_json(&serde_json::json!({
            "command": "demo",
            "dataset": ds.name,
            "target": ds.target,
            "task": ds.task,
            "model": outcome.header.model_kind,
            "out_dir": dir.display().to_string(),
            "files": {
                "data": data_path.display().to_string(),
                "profile": profile_path.display().to_string(),
                "model": model_path.display().to_string(),
                "predictions": preds_path.display().to_string(),
                "evaluation": eval_path.display().to_string(),
                "report": outcome.evaluation().map(|_| dir.join("report.html").display().to_string()),
            },
            "holdout": outcome.evaluation(),
        }));
    }
    for line in lines {
        show!("{line}");
    }
    Ok(())
}
