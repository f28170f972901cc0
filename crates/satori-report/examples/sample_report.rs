//! Writes an evaluation report of a model trained on a bundled dataset, on its holdout rows.
//!
//! ```text
//! cargo run -p satori-report --example sample_report -- [--dataset NAME] [--model NAME]
//!     [--png-dir DIR] OUT.html
//! ```
//!
//! Defaults: `--dataset breast_cancer --model baseline`. With `--png-dir`, every picture is also
//! written there as PNG. This is what `tests/browser/check_report.sh` renders in Chromium.

use std::path::PathBuf;
use std::process::ExitCode;

use satori_core::{NoProgress, Result, Target};
use satori_data::{ReadOptions, TargetSpec, bundled, profile::profile, read_csv_bytes};
use satori_report::{
    CALIBRATION_BINS, Chart, ClassScores, Outcomes, ReportInput, SCORE_BINS, calibration_chart,
    confusion_matrix_chart, precision_recall_chart, predicted_vs_actual_chart, render_report,
    residuals_chart, roc_chart, score_distribution_chart,
};
use satori_workflow::{TrainRequest, train};

struct Args {
    dataset: String,
    model: String,
    png_dir: Option<PathBuf>,
    out: PathBuf,
}

fn parse_args() -> std::result::Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut dataset, mut model, mut png_dir, mut out) = (
        "breast_cancer".to_string(),
        "baseline".to_string(),
        None,
        None,
    );
    while let Some(a) = args.next() {
        let mut value = |flag: &str| args.next().ok_or_else(|| format!("{flag} needs a value"));
        match a.as_str() {
            "--dataset" => dataset = value("--dataset")?,
            "--model" => model = value("--model")?,
            "--png-dir" => png_dir = Some(PathBuf::from(value("--png-dir")?)),
            other if other.starts_with("--") => return Err(format!("unknown flag {other}")),
            other => out = Some(PathBuf::from(other)),
        }
    }
    let out =
        out.ok_or("usage: sample_report [--dataset NAME] [--model NAME] [--png-dir DIR] OUT.html")?;
    Ok(Args {
        dataset,
        model,
        png_dir,
        out,
    })
}

fn write_pngs(dir: &std::path::Path, input: &ReportInput) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| satori_core::Error::io(dir, e))?;
    let mut charts: Vec<(&str, Result<Chart>)> = Vec::new();
    match &input.outcomes {
        Outcomes::Classification {
            classes,
            y_true,
            y_pred,
            proba,
        } => {
            let t = ndarray::ArrayView1::from(y_true.as_slice());
            let p = ndarray::ArrayView1::from(y_pred.as_slice());
            charts.push(("confusion", confusion_matrix_chart(t, p, classes, None)));
            if let Some(proba) = proba {
                let s = ClassScores {
                    y_true: t,
                    proba: proba.view(),
                    classes,
                    sample_weight: None,
                };
                charts.push(("roc", roc_chart(&s)));
                charts.push(("precision_recall", precision_recall_chart(&s)));
                charts.push(("calibration", calibration_chart(&s, CALIBRATION_BINS)));
                charts.push(("scores", score_distribution_chart(&s, SCORE_BINS)));
            }
        }
        Outcomes::Regression { y_true, y_pred } => {
            let t = ndarray::ArrayView1::from(y_true.as_slice());
            let p = ndarray::ArrayView1::from(y_pred.as_slice());
            charts.push(("predicted_vs_actual", predicted_vs_actual_chart(t, p)));
            charts.push(("residuals", residuals_chart(t, p)));
        }
    }
    for (name, chart) in charts {
        match chart.and_then(|c| c.png()) {
            Ok(png) => {
                let path = dir.join(format!("{name}.png"));
                std::fs::write(&path, png).map_err(|e| satori_core::Error::io(&path, e))?;
            }
            Err(e) => eprintln!("{name}: not drawn: {e}"),
        }
    }
    Ok(())
}

fn run(args: &Args) -> Result<()> {
    let ds = bundled::get(&args.dataset).ok_or_else(|| {
        satori_core::Error::param(
            "dataset",
            format!(
                "no bundled dataset `{}` (have: {})",
                args.dataset,
                bundled::names().join(", ")
            ),
        )
    })?;
    let table = read_csv_bytes(ds.name, ds.csv.as_bytes(), &ReadOptions::default())?;
    let data_profile = profile(&table, Some(ds.target))?;
    let mut request = TrainRequest::new(TargetSpec {
        name: ds.target.into(),
        task: Some(ds.task),
    });
    request.model = args.model.clone();
    request.data_source = Some(ds.name.into());
    let outcome = train(&table, &request, &NoProgress)?;

    // The holdout rows, split exactly as training split them.
    let (data, _) = table.to_dataset(&request.targets[0])?;
    let (_, test_rows) = satori_data::splits::train_test_split(
        &data,
        outcome.params.holdout,
        ds.task.is_classification(),
        outcome.params.pipeline.seed,
    )?;
    let test = data.select_rows(&test_rows)?;
    let predictions = outcome.pipeline.predict_matrix(test.x())?;
    let truth: &Target = test.require_target()?;
    let title = format!("{}: {}", ds.name, outcome.header.model_kind);
    let mut input = ReportInput::from_predictions(title, truth, &predictions, test.weights())?;
    input.evaluated_on = outcome
        .header
        .metrics_on
        .as_ref()
        .map(|m| format!("{m} of {}", ds.name));
    input.profile = Some(data_profile);
    input.model = Some(outcome.header.clone());
    let html = render_report(&input)?;
    std::fs::write(&args.out, html).map_err(|e| satori_core::Error::io(&args.out, e))?;
    if let Some(dir) = &args.png_dir {
        write_pngs(dir, &input)?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("sample_report: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => {
            println!("wrote {}", args.out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sample_report: {e}");
            ExitCode::FAILURE
        }
    }
}
