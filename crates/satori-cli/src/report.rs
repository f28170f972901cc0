//! Writing the HTML report of an evaluation and its pictures (`train --report/--plots`,
//! `evaluate --report/--plots`, `demo`).

use std::io;
use std::path::{Path, PathBuf};

use satori_core::Error;
use satori_core::fs::{refuse_overwriting_inputs, write_atomic};
use satori_pipeline::ModelHeader;
use satori_report::{PICTURE_NAMES, ReportInput, render_report, report_charts};
use satori_workflow::{Evaluation, Labelled};

use crate::progress::TermProgress;

/// Where the report and its pictures go: either may be absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOutputs<'a> {
    /// The HTML report (`--report FILE`).
    pub html: Option<&'a Path>,
    /// The folder the pictures go to as SVG and PNG (`--plots DIR`).
    pub plots: Option<&'a Path>,
}

impl ReportOutputs<'_> {
    /// Whether anything is to be written.
    pub fn any(&self) -> bool {
        self.html.is_some() || self.plots.is_some()
    }

    /// The option that asked for a report, for messages (`--report`, else `--plots`).
    pub fn flag(&self) -> &'static str {
        if self.html.is_some() {
            "--report"
        } else {
            "--plots"
        }
    }
}

/// Check `--plots DIR` before any work: the folder must exist (outputs never create folders),
/// and no picture file it may receive may be one of the command's inputs (or other outputs).
pub fn check_plots(dir: &Path, inputs: &[&Path]) -> anyhow::Result<()> {
    check_plots_named(dir, PICTURE_NAMES, inputs)
}

/// [`check_plots`] for a report whose pictures have these names (e.g. the search report's).
pub fn check_plots_named(dir: &Path, names: &[&str], inputs: &[&Path]) -> anyhow::Result<()> {
    if !dir.is_dir() {
        let why = if dir.exists() {
            "is not a folder; give the folder the pictures go to"
        } else {
            "the folder does not exist (create it first; outputs never create folders)"
        };
        return Err(Error::io(dir, io::Error::new(io::ErrorKind::NotFound, why)).into());
    }
    for name in names {
        for ext in ["svg", "png"] {
            refuse_overwriting_inputs("--plots", &dir.join(format!("{name}.{ext}")), inputs)?;
        }
    }
    Ok(())
}

/// What a report describes: one target's evaluation on a labelled table.
pub struct ReportOf<'a> {
    pub title: &'a str,
    /// What the rows are (e.g. `holdout of data.csv (20%, 114 rows)`); by default the table's
    /// source and the rows with a target.
    pub evaluated_on: Option<String>,
    pub evaluation: &'a Evaluation,
    pub labelled: &'a Labelled,
    pub table: &'a satori_data::Table,
    pub target: &'a str,
    pub header: Option<ModelHeader>,
    /// A neural network's layers, drawn in the model section.
    pub network: Option<satori_explain::NetworkSummary>,
}

/// Write the self-contained HTML report and/or every picture of one target's evaluation, each
/// file complete or not at all; returns the picture files written, in page order (SVG, then
/// PNG, of each picture).
pub fn write_report(out: ReportOutputs<'_>, of: ReportOf<'_>) -> anyhow::Result<Vec<PathBuf>> {
    let labelled = of.labelled;
    let mut input =
        ReportInput::from_predictions(of.title, &labelled.truth, &labelled.predictions, None)?;
    input.set_evaluation(of.evaluation);
    input.evaluated_on = Some(of.evaluated_on.unwrap_or_else(|| {
        format!(
            "{} ({} rows with a target)",
            of.table.source,
            labelled.rows.len()
        )
    }));
    input.profile = Some(satori_data::profile::profile(of.table, Some(of.target))?);
    if input.history.is_none() {
        input.history = of.header.as_ref().and_then(|h| h.training_history.clone());
    }
    input.model = of.header;
    input.network = of.network;
    if let Some(html) = out.html {
        write_atomic(html, render_report(&input)?.as_bytes())?;
    }
    match out.plots {
        Some(dir) => write_pictures(dir, &report_charts(&input)?),
        None => Ok(Vec::new()),
    }
}

/// Write each picture into `dir` as SVG and PNG, each file complete or not at all; returns the
/// files written, in order.
pub fn write_pictures(
    dir: &Path,
    pictures: &[satori_report::ReportChart],
) -> anyhow::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for picture in pictures {
        let svg = dir.join(format!("{}.svg", picture.name));
        write_atomic(&svg, picture.chart.svg()?.as_bytes())?;
        written.push(svg);
        let png = dir.join(format!("{}.png", picture.name));
        write_atomic(&png, &picture.chart.png()?)?;
        written.push(png);
    }
    Ok(written)
}

/// Say where the report and the pictures went (the same words for every command).
pub fn say_written(out: ReportOutputs<'_>, pictures: &[PathBuf], progress: &TermProgress) {
    if let Some(html) = out.html {
        progress.say(&format!("Wrote the report to {}", html.display()));
    }
    if let Some(dir) = out.plots {
        let mut message = format!(
            "Wrote {} picture files to {}:",
            pictures.len(),
            dir.display()
        );
        for p in pictures {
            message.push_str(&format!("\n  {}", p.display()));
        }
        progress.say(&message);
    }
}
