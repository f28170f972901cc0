//! Printing results: human tables on stdout, or one JSON document with `--json`.

use std::sync::atomic::{AtomicBool, Ordering};

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

/// `-q`: no human output on standard output.
static QUIET: AtomicBool = AtomicBool::new(false);

/// Turn the human output off (`-q`).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether the human output is off.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Print a JSON document (pretty) on stdout.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Terminal widths below this are taken as unknown.
const MIN_TERMINAL_WIDTH: u16 = 20;

/// A table with a header row.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    // On a terminal the table fits its width (cells wrap, `…` where they must be cut). A
    // terminal that reports almost no width (the pseudo-terminal `mpirun` gives its ranks says
    // 0 columns) gets the table unwrapped rather than one character per line.
    if t.width().is_some_and(|w| w < MIN_TERMINAL_WIDTH) {
        t.set_content_arrangement(ContentArrangement::Disabled);
    } else {
        t.set_content_arrangement(ContentArrangement::Dynamic);
    }
    t.set_truncation_indicator("…");
    t.set_header(header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    t
}

/// A number for people: integers as integers, others with 4 significant decimals.
pub fn num(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v.abs() >= 1e5 || v.abs() < 1e-3 {
        format!("{v:.4e}")
    } else {
        format!("{v:.4}")
    }
}
