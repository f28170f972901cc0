//! `satori explain` (per-row contributions): SHAP values per input column.

use std::path::PathBuf;

use satori_core::Progress;
use satori_explain::{ExplainParams, Explanation, Method, OutputSpace, auto_method};
use satori_pipeline::model_file;
use serde::Serialize;

use crate::args::{read_options, read_table};
use crate::commands::explain_args::ExplainArgs;
use crate::output::{num, print_json};
use crate::progress::TermProgress;
use crate::stdio::Output;

#[derive(Debug, Serialize)]
struct ColumnJson {
    column: String,
    mean_abs: f64,
}

#[derive(Debug, Serialize)]
struct OutputJson {
    output: String,
    base_value: f64,
    top: Vec<ColumnJson>,
}

#[derive(Debug, Serialize)]
struct ExplainJson {
    command: &'static str,
    model: String,
    data: String,
    out: String,
    method: Method,
    output_space: OutputSpace,
    n_rows: usize,
    n_columns: usize,
    n_evaluations: Option<usize>,
    max_additivity_error: f64,
    outputs: Vec<OutputJson>,
}

/// The columns by mean |φ| for output `k`, strongest first.
fn ranking(e: &Explanation, k: usize) -> Vec<(usize, f64)> {
    let mut v: Vec<(usize, f64)> = e.mean_abs(k).into_iter().enumerate().collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

pub fn run(args: &ExplainArgs, progress: &TermProgress) -> anyhow::Result<()> {
    let shap = &args.shap;
    let Some(data) = &args.data else {
        anyhow::bail!(
            "`satori explain` needs the data whose predictions to explain: satori explain {} \
             data.csv --out shap.csv",
            args.model.display()
        );
    };
    let out_path = args.out.clone().unwrap_or_else(|| PathBuf::from("-"));
    let mut inputs: Vec<&std::path::Path> = vec![&args.model, data];
    if let Some(b) = &shap.background {
        inputs.push(b);
    }
    let out = Output::new("--out", &out_path, &inputs)?;
    let (_, pipeline) = model_file::load(&args.model)?;
    let opts = pipeline.read_options(read_options(&args.read)?);
    let table = read_table(data, &opts, progress)?;
    let background = match &shap.background {
        Some(p) => Some(read_table(p, &opts, progress)?),
        None => None,
    };
    let params = ExplainParams {
        method: shap.method,
        rows: args.rows.unwrap_or_default(),
        background_size: shap.background_size,
        n_evaluations: shap.evaluations,
        interactions: shap.interactions,
        seed: args.seed,
    };
    let (auto, why) = auto_method(&pipeline);
    progress.start("explaining", None);
    let result = satori_explain::explain(&pipeline, &table, background.as_ref(), &params);
    progress.finish();
    let e = result?;
    e.write_csv(out.path())?;
    let to_stdout = out.is_stdout();
    if let Some(report) = &args.report {
        // The SHAP pictures: beeswarm, the first row's waterfall, the strongest column's
        // dependence plot.
        let html = satori_report::render_explain_report(&satori_report::ExplainReportInput {
            title: format!("Explanation of {}", args.model.display()),
            explanation: Some(&e),
            notes: vec![format!(
                "SHAP values by {} of {} rows of {}, seed {}.",
                e.method,
                e.rows.len(),
                data.display(),
                args.seed
            )],
            ..Default::default()
        })?;
        satori_core::fs::write_atomic(report, html.as_bytes())?;
    }
    out.finish()?;
    let outputs: Vec<OutputJson> = (0..e.outputs.len())
        .map(|k| OutputJson {
            output: e.outputs[k].clone(),
            base_value: e.base_values[k],
            top: ranking(&e, k)
                .into_iter()
                .take(shap.top)
                .map(|(j, v)| ColumnJson {
                    column: e.columns[j].clone(),
                    mean_abs: v,
                })
                .collect(),
        })
        .collect();
    let summary = ExplainJson {
        command: "explain",
        model: args.model.display().to_string(),
        data: data.display().to_string(),
        out: if to_stdout {
            "standard output".into()
        } else {
            out_path.display().to_string()
        },
        method: e.method,
        output_space: e.output_space,
        n_rows: e.rows.len(),
        n_columns: e.columns.len(),
        n_evaluations: e.n_evaluations,
        max_additivity_error: e.additivity_error(),
        outputs,
    };
    if args.json {
        if !to_stdout {
            print_json(&summary)?;
        }
        return Ok(());
    }
    if crate::output::quiet() {
        return Ok(());
    }
    let say = |line: &str| {
        if to_stdout {
            progress.say(line);
        } else {
            show!("{line}");
        }
    };
    let how = if shap.method == Method::Auto && e.method == auto {
        format!(" (auto: {why})")
    } else {
        String::new()
    };
    let evals = match e.n_evaluations {
        Some(n) => format!(", {n} coalitions per row"),
        None => String::new(),
    };
    say(&format!(
        "SHAP values of {} rows × {} columns by {}{how}{evals}, in the model's {} space; wrote \
         {}",
        summary.n_rows,
        summary.n_columns,
        e.method,
        match e.output_space {
            OutputSpace::Value => "value",
            OutputSpace::Margin => "margin (raw score)",
            OutputSpace::Probability => "probability",
        },
        summary.out
    ));
    for o in &summary.outputs {
        let title = if summary.outputs.len() > 1 {
            format!("{}: ", o.output)
        } else {
            String::new()
        };
        say(&format!(
            "{title}base value {}; strongest columns by mean |SHAP|:",
            num(o.base_value)
        ));
        for (i, c) in o.top.iter().enumerate() {
            say(&format!(
                "  {:>2}. {:<24} {}",
                i + 1,
                c.column,
                num(c.mean_abs)
            ));
        }
    }
    Ok(())
}
