//! Writing the HTML report of an evaluation (`train --report`, `evaluate --report`, `demo`).

use std::path::Path;

use satori_pipeline::ModelHeader;
use satori_report::{ReportInput, render_report};
use satori_workflow::{Evaluation, Labelled};

/// Write the self-contained HTML report of one target's evaluation, complete or not at all.
pub fn write_report(
    out: &Path,
    title: &str,
    evaluation: &Evaluation,
    labelled: &Labelled,
    table: &satori_data::Table,
    target: &str,
    header: Option<ModelHeader>,
) -> anyhow::Result<()> {
    let mut input =
        ReportInput::from_predictions(title, &labelled.truth, &labelled.predictions, None)?;
    input.set_evaluation(evaluation);
    input.evaluated_on = Some(format!(
        "{} ({} rows with a target)",
        table.source,
        labelled.rows.len()
    ));
    input.profile = Some(satori_data::profile::profile(table, Some(target))?);
    if input.history.is_none() {
        input.history = header.as_ref().and_then(|h| h.training_history.clone());
    }
    input.model = header;
    let html = render_report(&input)?;
    satori_core::fs::write_atomic(out, html.as_bytes())?;
    Ok(())
}
