//! Writes a sample explanation report (constructed importances, partial dependence and SHAP
//! values) to the file given: what `tests/browser/check_explain_report.sh` renders in headless
//! Chromium.
//!
//! ```text
//! cargo run -p satori-report --example explain_report -- explain.html
//! ```

#[path = "../tests/explain_sample/mod.rs"]
mod explain_sample;

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: explain_report OUT.html");
        return ExitCode::from(2);
    };
    let imp = explain_sample::importances();
    let p1 = explain_sample::pdp_1d();
    let p2 = explain_sample::pdp_2d();
    let e = explain_sample::explanation();
    let input = satori_report::ExplainReportInput {
        title: "Explanation of a sample model".into(),
        importances: Some(&imp),
        partial_dependence: vec![&p1, &p2],
        explanation: Some(&e),
        notes: vec!["Constructed inputs: importances, partial dependence, SHAP values.".into()],
    };
    match satori_report::render_explain_report(&input).and_then(|html| {
        satori_core::fs::write_atomic(std::path::Path::new(&path), html.as_bytes())
    }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("explain_report: {e}");
            ExitCode::FAILURE
        }
    }
}
