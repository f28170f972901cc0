//! Drift on the running server: a [`DriftMonitor`] keeps one sliding [`DriftWindow`] per model
//! version over the rows it scores (inputs as the model reads them, and its own outputs), and
//! `GET /metrics` exports each column's statistics against the training reference that the model
//! file keeps — the same statistics and verdicts as `satori monitor` (docs/monitoring.md).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use satori_data::Table;
use satori_monitor::{DriftWindow, Thresholds, Verdict};
use satori_workflow::monitor::{monitored_columns, prediction_values};

use crate::DriftObserver;
use crate::metrics::escape;
use crate::model::{LoadedModel, Scored};

/// One window per (model, version).
type Windows = BTreeMap<(String, String), DriftWindow>;

/// The drift accumulator `satori serve` installs (`--drift-window N`, 0 turns it off).
pub struct DriftMonitor {
    capacity: usize,
    thresholds: Thresholds,
    windows: Mutex<Windows>,
}

impl DriftMonitor {
    /// A monitor whose windows keep the last `capacity` scored rows of each model version.
    pub fn new(capacity: usize, thresholds: Thresholds) -> satori_core::Result<Self> {
        if capacity == 0 {
            return Err(satori_core::Error::param(
                "--drift-window",
                "must be at least 1 row (0 turns drift monitoring off)",
            ));
        }
        thresholds.check()?;
        Ok(DriftMonitor {
            capacity,
            thresholds,
            windows: Mutex::new(BTreeMap::new()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Windows> {
        // A panic while holding the lock leaves whole windows behind (push is all-or-nothing per
        // row), so the data stays usable.
        self.windows.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl std::fmt::Debug for DriftMonitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DriftMonitor")
            .field("capacity", &self.capacity)
            .field("windows", &self.lock().len())
            .finish()
    }
}

/// The verdict as a number for a gauge.
fn verdict_code(v: Verdict) -> i32 {
    match v {
        Verdict::Unknown => -1,
        Verdict::Stable => 0,
        Verdict::Warning => 1,
        Verdict::Drift => 2,
    }
}

impl DriftObserver for DriftMonitor {
    fn observe(&self, model: &LoadedModel, table: &Table, scored: &Scored) {
        let pipeline = &model.pipeline;
        // The rows as the model read them (an unseen category's code lies past its list); a
        // table the model scored always reads, so a failure here only skips monitoring.
        let Ok((x, _)) = table.features_keeping_unseen(pipeline.input_schema()) else {
            return;
        };
        let outputs = prediction_values(pipeline.targets(), &scored.predictions);
        let key = (model.name.clone(), model.version.clone());
        let mut windows = self.lock();
        if !windows.contains_key(&key) {
            let columns = monitored_columns(&model.header, pipeline);
            match DriftWindow::new(columns, self.capacity, self.thresholds.clone()) {
                Ok(w) => {
                    windows.insert(key.clone(), w);
                }
                Err(_) => return,
            }
        }
        let Some(window) = windows.get_mut(&key) else {
            return;
        };
        let mut row = Vec::with_capacity(x.ncols() + outputs.len());
        for i in 0..x.nrows() {
            row.clear();
            row.extend(x.row(i).iter().copied());
            row.extend(
                outputs
                    .iter()
                    .map(|c| c.get(i).copied().unwrap_or(f64::NAN)),
            );
            if window.push(&row).is_err() {
                return;
            }
        }
    }

    fn render(&self, out: &mut String) {
        let windows = self.lock();
        let families: [(&str, &str, &str); 8] = [
            (
                "satori_drift_window_rows",
                "gauge",
                "Rows in the drift window",
            ),
            (
                "satori_drift_verdict",
                "gauge",
                "Drift verdict per column: -1 unknown, 0 stable, 1 warning, 2 drift",
            ),
            (
                "satori_drift_psi",
                "gauge",
                "Population stability index of the window against the training reference",
            ),
            (
                "satori_drift_ks_statistic",
                "gauge",
                "Kolmogorov-Smirnov statistic against the reference sketch (numeric columns)",
            ),
            (
                "satori_drift_ks_p_value",
                "gauge",
                "Kolmogorov-Smirnov p-value (numeric columns)",
            ),
            (
                "satori_drift_chi2_p_value",
                "gauge",
                "Chi-squared test p-value (categorical columns)",
            ),
            (
                "satori_drift_missing_share",
                "gauge",
                "Share of missing values in the window",
            ),
            (
                "satori_drift_unseen_share",
                "gauge",
                "Share of categories never seen in training (categorical columns)",
            ),
        ];
        let reports: Vec<_> = windows
            .iter()
            .map(|((m, v), w)| (escape(m), escape(v), w.len(), w.report()))
            .collect();
        for (name, kind, help) in families {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for (m, v, len, report) in &reports {
                if name == "satori_drift_window_rows" {
                    let _ = writeln!(out, "{name}{{model=\"{m}\",version=\"{v}\"}} {len}");
                    continue;
                }
                for c in report {
                    let value = match name {
                        "satori_drift_verdict" => Some(f64::from(verdict_code(c.verdict))),
                        "satori_drift_psi" => c.psi,
                        "satori_drift_ks_statistic" => c.ks.as_ref().map(|t| t.statistic),
                        "satori_drift_ks_p_value" => c.ks.as_ref().map(|t| t.p_value),
                        "satori_drift_chi2_p_value" => c.chi2.as_ref().map(|t| t.p_value),
                        "satori_drift_missing_share" => Some(c.current_missing),
                        _ => c.unseen,
                    };
                    if let Some(value) = value.filter(|v| v.is_finite()) {
                        let role = match c.role {
                            satori_monitor::Role::Input => "input",
                            satori_monitor::Role::Prediction => "prediction",
                        };
                        let _ = writeln!(
                            out,
                            "{name}{{model=\"{m}\",version=\"{v}\",column=\"{}\",role=\"{role}\"}} {value}",
                            escape(&c.name)
                        );
                    }
                }
            }
        }
    }
}
