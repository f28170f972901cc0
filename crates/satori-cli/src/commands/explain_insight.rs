//! `satori explain` (global views): importances, partial dependence, tree export, summaries.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use satori_core::ColumnKind;
use satori_explain::{ExportOptions, PdpParams, PermutationParams, TreeValues};
use satori_pipeline::{FittedPipeline, ModelHeader, model_file};
use serde::Serialize;

use crate::args::{read_options, read_table};
use crate::commands::explain_args::{ExplainArgs, TreeFormat};
use crate::output::print_json;
use crate::progress::TermProgress;

pub fn run(args: &ExplainArgs, progress: &TermProgress) -> anyhow::Result<()> {
    let views = args.insight.views();
    if views.len() > 1 {
        anyhow::bail!(
            "choose one view at a time: {} were given",
            views.join(" and ")
        );
    }
    if let Some(out) = &args.out
        && !crate::stdio::is_dash(out)
    {
        let mut inputs: Vec<&Path> = vec![&args.model];
        if let Some(d) = &args.data {
            inputs.push(d);
        }
        crate::stdio::check_output("--out", out, &inputs)?;
    }
    if let Some(report) = &args.report {
        let mut inputs: Vec<&Path> = vec![&args.model];
        if let Some(d) = &args.data {
            inputs.push(d);
        }
        crate::stdio::check_output("--report", report, &inputs)?;
    }
    let (header, pipeline) = model_file::load(&args.model)?;
    if let Some(index) = args.insight.tree {
        return run_tree(args, &header, &pipeline, index, progress);
    }
    if args.insight.summary {
        return run_summary(args, &pipeline);
    }
    let data = args.data.as_ref().with_context(|| {
        format!(
            "{} needs data: give a data file after the model (e.g. `satori explain model.satori \
             data.csv {}`)",
            views[0], views[0]
        )
    })?;
    let opts = pipeline.read_options(read_options(&args.read)?);
    let table = read_table(data, &opts, progress)?;
    if args.insight.lime {
        return run_lime(args, &pipeline, &table, progress);
    }
    let table = match args.rows {
        Some(r) => {
            let range = r.resolve(table.n_rows())?;
            table.select_rows(&range.collect::<Vec<_>>())?
        }
        None => table,
    };
    if args.insight.global || args.insight.drop_column {
        run_global(args, &header, &pipeline, &table, progress)
    } else {
        run_pdp(args, &pipeline, &table, progress)
    }
}

/// Write `text` to `--out` (atomically) or to standard output.
fn emit(args: &ExplainArgs, text: &str) -> anyhow::Result<bool> {
    match &args.out {
        Some(path) if !crate::stdio::is_dash(path) => {
            satori_core::fs::write_atomic(path, text.as_bytes())?;
            Ok(true)
        }
        _ => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .context("writing to standard output")?;
            out.flush().context("writing to standard output")?;
            Ok(false)
        }
    }
}

#[derive(Serialize)]
struct TreeJson {
    command: &'static str,
    view: &'static str,
    model_kind: String,
    tree: usize,
    n_trees: usize,
    n_nodes: usize,
    n_leaves: usize,
    depth: usize,
    format: String,
    out: String,
}

fn run_tree(
    args: &ExplainArgs,
    header: &ModelHeader,
    pipeline: &FittedPipeline,
    index: usize,
    progress: &TermProgress,
) -> anyhow::Result<()> {
    let trees = satori_explain::model_trees(pipeline.model())?;
    let tree = trees.get(index)?;
    let features = pipeline.feature_names_out();
    let schema = pipeline.input_schema();
    let categories = features
        .iter()
        .map(|f| {
            schema.get(f).and_then(|c| match &c.kind {
                ColumnKind::Categorical { categories } => Some(categories.clone()),
                _ => None,
            })
        })
        .collect();
    let class_names = match trees.values {
        TreeValues::Classes => pipeline.classes().map(<[String]>::to_vec),
        TreeValues::Numbers => None,
    };
    let criterion = header.params["model"]["criterion"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| "impurity".into());
    let has_impurity = tree
        .reachable()
        .iter()
        .any(|&n| tree.stats(n).impurity != 0.0);
    let options = ExportOptions {
        values: trees.values,
        feature_names: (features.len() == tree.n_features()).then_some(features),
        class_names: class_names.filter(|c| c.len() == tree.n_outputs()),
        categories,
        criterion,
        impurity: has_impurity,
        filled: args.insight.filled,
        max_depth: args.insight.max_depth,
        show_missing: true,
        ..ExportOptions::default()
    };
    let text = match args.insight.format {
        TreeFormat::Text => satori_explain::export_text(tree, &options)?,
        TreeFormat::Dot => {
            let mut s = satori_explain::export_dot(tree, &options)?;
            s.push('\n');
            s
        }
        TreeFormat::Svg => satori_explain::export_svg(tree, &options)?,
    };
    let to_file = emit(args, &text)?;
    if trees.groups > 1 {
        let classes = pipeline.classes().unwrap_or_default();
        let group = index % trees.groups;
        progress.say(&format!(
            "tree {index} is boosting round {} of class `{}`",
            index / trees.groups,
            classes.get(group).map_or("?", String::as_str)
        ));
    }
    if to_file {
        let out = args.out.as_ref().map(|p| p.display().to_string());
        let format = format!("{:?}", args.insight.format).to_lowercase();
        if args.json {
            print_json(&TreeJson {
                command: "explain",
                view: "tree",
                model_kind: trees.kind.into(),
                tree: index,
                n_trees: trees.trees.len(),
                n_nodes: tree.reachable().len(),
                n_leaves: tree.n_leaves(),
                depth: tree.max_depth(),
                format,
                out: out.unwrap_or_default(),
            })?;
        } else {
            println!(
                "tree {index} of {} ({}): {} nodes, {} leaves, depth {} → {} ({format})",
                trees.trees.len(),
                trees.kind,
                tree.reachable().len(),
                tree.n_leaves(),
                tree.max_depth(),
                out.unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// The metric of `--metric`, or the task's default.
fn metric_for(
    args: &ExplainArgs,
    pipeline: &FittedPipeline,
) -> anyhow::Result<Box<dyn satori_metrics::Metric>> {
    let name = match &args.insight.metric {
        Some(m) => m.clone(),
        None if pipeline.task().is_classification() => "accuracy".into(),
        None => "r2".into(),
    };
    Ok(satori_metrics::metric_by_name(&name)?)
}

#[derive(Serialize)]
struct ImportanceRow {
    column: String,
    importance_mean: f64,
    importance_std: f64,
}

#[derive(Serialize)]
struct GlobalJson {
    command: &'static str,
    view: &'static str,
    method: String,
    metric: String,
    baseline: f64,
    n_rows: usize,
    repeats: usize,
    seed: u64,
    importances: Vec<ImportanceRow>,
    out: Option<String>,
}

fn run_global(
    args: &ExplainArgs,
    header: &ModelHeader,
    pipeline: &FittedPipeline,
    table: &satori_data::Table,
    progress: &TermProgress,
) -> anyhow::Result<()> {
    let metric = metric_for(args, pipeline)?;
    let params = PermutationParams {
        n_repeats: args.insight.repeats,
        seed: args.seed,
    };
    let imp = if args.insight.drop_column {
        progress.say(&format!(
            "drop-column importance: {} columns, {}-fold cross-validation on {} rows, metric {}",
            pipeline.input_schema().len(),
            args.insight.folds,
            table.n_rows(),
            metric.name()
        ));
        let dc = satori_explain::DropColumnParams {
            n_splits: args.insight.folds,
            seed: args.seed,
        };
        satori_explain::drop_column_importance(
            header,
            pipeline,
            table,
            metric.as_ref(),
            &dc,
            progress,
        )?
    } else {
        progress.say(&format!(
            "permutation importance: {} columns × {} repeats on {} rows, metric {}",
            pipeline.input_schema().len(),
            params.n_repeats,
            table.n_rows(),
            metric.name()
        ));
        satori_explain::permutation_importance(pipeline, table, metric.as_ref(), &params)?
    };
    let csv = imp.to_csv();
    let to_file = args.out.is_some() && !args.out.as_deref().is_some_and(crate::stdio::is_dash);
    if to_file || !args.json {
        emit(args, &csv)?;
    }
    let rows: Vec<ImportanceRow> = imp
        .ranking()
        .into_iter()
        .map(|j| ImportanceRow {
            column: imp.columns[j].clone(),
            importance_mean: imp.mean[j],
            importance_std: imp.std[j],
        })
        .collect();
    if args.json {
        print_json(&GlobalJson {
            command: "explain",
            view: "global",
            method: imp.method.clone(),
            metric: imp.metric.clone(),
            baseline: imp.baseline,
            n_rows: table.n_rows(),
            repeats: params.n_repeats,
            seed: params.seed,
            importances: rows,
            out: args.out.as_ref().map(|p| p.display().to_string()),
        })?;
    } else if to_file {
        let what = if imp.method == "drop_column" {
            format!("{} folds", args.insight.folds)
        } else {
            format!("{} repeats", params.n_repeats)
        };
        println!(
            "{} importance ({} on {} rows, baseline {:.4}, {what}):",
            imp.method.replace('_', "-"),
            imp.metric,
            table.n_rows(),
            imp.baseline,
        );
        let width = rows
            .iter()
            .map(|r| r.column.len())
            .max()
            .unwrap_or(6)
            .max(6);
        for r in &rows {
            println!(
                "  {:<width$}  {:>10.4} ± {:.4}",
                r.column, r.importance_mean, r.importance_std
            );
        }
    }
    if let Some(report) = &args.report {
        let html = satori_report::render_explain_report(&satori_report::ExplainReportInput {
            title: format!("Explanation of {}", args.model.display()),
            importances: Some(&imp),
            notes: vec![format!(
                "{} importance on {} rows of {}, metric {} (baseline {:.4}), seed {}.",
                imp.method.replace('_', "-"),
                table.n_rows(),
                args.data
                    .as_ref()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default(),
                imp.metric,
                imp.baseline,
                params.seed
            )],
            ..Default::default()
        })?;
        satori_core::fs::write_atomic(report, html.as_bytes())?;
    }
    Ok(())
}

#[derive(Serialize)]
struct PdpJson {
    command: &'static str,
    view: &'static str,
    columns: Vec<String>,
    outputs: Vec<String>,
    grid_points: usize,
    n_rows: usize,
    ice: bool,
    out: Option<String>,
}

fn run_pdp(
    args: &ExplainArgs,
    pipeline: &FittedPipeline,
    table: &satori_data::Table,
    progress: &TermProgress,
) -> anyhow::Result<()> {
    let cols: Vec<&str> = args.insight.pdp.iter().map(String::as_str).collect();
    if args.insight.ice && cols.len() != 1 {
        anyhow::bail!("--ice draws curves of one column; give --pdp one column");
    }
    let params = PdpParams {
        grid_resolution: args.insight.grid_resolution,
        individual: args.insight.ice || args.report.is_some(),
        ..PdpParams::default()
    };
    progress.say(&format!(
        "partial dependence of {} on {} rows",
        cols.join(" × "),
        table.n_rows()
    ));
    let pd = satori_explain::partial_dependence(pipeline, table, &cols, &params)?;
    let csv = if args.insight.ice {
        pd.ice_csv()
    } else {
        pd.to_csv()
    };
    let to_file = args.out.is_some() && !args.out.as_deref().is_some_and(crate::stdio::is_dash);
    if to_file || !args.json {
        emit(args, &csv)?;
    }
    if args.json {
        print_json(&PdpJson {
            command: "explain",
            view: "pdp",
            columns: pd.columns.clone(),
            outputs: pd.outputs.clone(),
            grid_points: pd.average.ncols(),
            n_rows: table.n_rows(),
            ice: args.insight.ice,
            out: args.out.as_ref().map(|p| p.display().to_string()),
        })?;
    } else if to_file {
        println!(
            "partial dependence of {} ({} grid points, {} rows) → {}",
            pd.columns.join(" × "),
            pd.average.ncols(),
            table.n_rows(),
            args.out
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        );
    }
    if let Some(report) = &args.report {
        let html = satori_report::render_explain_report(&satori_report::ExplainReportInput {
            title: format!("Explanation of {}", args.model.display()),
            partial_dependence: vec![&pd],
            notes: vec![format!(
                "Partial dependence of {} on {} rows of {}.",
                pd.columns.join(" × "),
                table.n_rows(),
                args.data
                    .as_ref()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default()
            )],
            ..Default::default()
        })?;
        satori_core::fs::write_atomic(report, html.as_bytes())?;
    }
    Ok(())
}

fn run_summary(args: &ExplainArgs, pipeline: &FittedPipeline) -> anyhow::Result<()> {
    let summary = satori_explain::network_summary(pipeline.model())?;
    let written = match args.insight.format {
        TreeFormat::Text => summary.to_text(),
        TreeFormat::Svg => satori_report::network_svg(&summary),
        TreeFormat::Dot => {
            return Err(satori_core::Error::param(
                "--format",
                "--summary is written as text or as an SVG diagram (--format svg), not as dot",
            )
            .into());
        }
    };
    if args.json {
        #[derive(Serialize)]
        struct SummaryJson<'a> {
            command: &'static str,
            view: &'static str,
            #[serde(flatten)]
            summary: &'a satori_explain::NetworkSummary,
        }
        if args.out.is_some() {
            emit(args, &written)?;
        }
        return print_json(&SummaryJson {
            command: "explain",
            view: "summary",
            summary: &summary,
        });
    }
    emit(args, &written)?;
    Ok(())
}

fn run_lime(
    args: &ExplainArgs,
    pipeline: &FittedPipeline,
    table: &satori_data::Table,
    progress: &TermProgress,
) -> anyhow::Result<()> {
    let rows: Vec<usize> = match args.rows {
        Some(r) => r.resolve(table.n_rows())?.collect(),
        None => vec![0],
    };
    if rows.len() > 1000 {
        anyhow::bail!(
            "--lime fits one surrogate per row; {} rows were asked for (at most 1000: narrow --rows)",
            rows.len()
        );
    }
    let params = satori_explain::LimeParams {
        n_samples: args.insight.lime_samples,
        kernel_width: None,
        seed: args.seed,
    };
    progress.say(&format!(
        "LIME: {} row(s), {} samples each, background {} rows",
        rows.len(),
        params.n_samples,
        table.n_rows()
    ));
    let out = satori_explain::lime(pipeline, table, &rows, &params)?;
    let csv = satori_explain::lime_csv(&out);
    let to_file = args.out.is_some() && !args.out.as_deref().is_some_and(crate::stdio::is_dash);
    if to_file || !args.json {
        emit(args, &csv)?;
    }
    if args.json {
        #[derive(Serialize)]
        struct LimeJson<'a> {
            command: &'static str,
            view: &'static str,
            explanations: &'a [satori_explain::LimeExplanation],
        }
        print_json(&LimeJson {
            command: "explain",
            view: "lime",
            explanations: &out,
        })?;
    } else if to_file {
        for e in &out {
            println!(
                "row {}: {} = {:.4} (surrogate {:.4}, R² {:.3}, {} samples, kernel width {:.3})",
                e.row,
                e.output,
                e.prediction,
                e.local_prediction,
                e.score,
                e.n_samples,
                e.kernel_width
            );
        }
    }
    Ok(())
}
