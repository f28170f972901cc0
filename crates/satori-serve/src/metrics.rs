//! Prometheus metrics, kept in atomics (no lock on the request path) and rendered as the text
//! exposition format by `GET /metrics`.
//!
//! Per model and version: requests by outcome, latency histograms (queue, compute, total), the
//! number of rows per predict call (batch sizes), shadow scoring outcomes. Server-wide: in-flight
//! requests, queue depth, model loads by outcome, request-log lines dropped. Drift statistics are
//! rendered by the [`crate::DriftObserver`] installed for a model, if any, after these families.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a request ended, as counted in `satori_requests_total{outcome=…}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answered with predictions.
    Success,
    /// The client's mistake (400, 413, 415, 422).
    BadRequest,
    /// Unknown model or version (404).
    NotFound,
    /// A missing or wrong token (401, 403).
    Unauthorized,
    /// Refused by the queue limit or while draining (503).
    Overloaded,
    /// Past its deadline (504).
    Timeout,
    /// A server error (500).
    Error,
}

const OUTCOMES: [Outcome; 7] = [
    Outcome::Success,
    Outcome::BadRequest,
    Outcome::NotFound,
    Outcome::Unauthorized,
    Outcome::Overloaded,
    Outcome::Timeout,
    Outcome::Error,
];

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::BadRequest => "bad_request",
            Outcome::NotFound => "not_found",
            Outcome::Unauthorized => "unauthorized",
            Outcome::Overloaded => "overloaded",
            Outcome::Timeout => "timeout",
            Outcome::Error => "error",
        }
    }

    fn index(self) -> usize {
        OUTCOMES.iter().position(|o| *o == self).unwrap_or(0)
    }
}

/// Latency bucket bounds, in seconds.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];
/// Batch-size bucket bounds, in rows.
const BATCH_BUCKETS: [f64; 10] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 256.0, 1024.0, 65536.0];

/// Input anomaly score bucket bounds (scores lie in (0, 1]; ordinary rows near 0.5 or below).
const ANOMALY_BUCKETS: [f64; 12] = [
    0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9, 1.0,
];

/// A cumulative histogram with fixed bounds; the sum is kept in nanoseconds (or rows).
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    counts: Vec<AtomicU64>,
    count: AtomicU64,
    sum_units: AtomicU64,
    unit: f64,
}

impl Histogram {
    fn new(bounds: &'static [f64], unit: f64) -> Self {
        Histogram {
            bounds,
            counts: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_units: AtomicU64::new(0),
            unit,
        }
    }

    fn observe(&self, value: f64) {
        if let Some(k) = self.bounds.iter().position(|b| value <= *b) {
            self.counts[k].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_units
            .fetch_add((value / self.unit).round() as u64, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            cumulative += c.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{b}\"}} {cumulative}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {count}");
        let sum = self.sum_units.load(Ordering::Relaxed) as f64 * self.unit;
        let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
        let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
    }
}

/// The metrics of one model version.
#[derive(Debug)]
pub struct ModelMetrics {
    requests: Vec<AtomicU64>,
    rows: AtomicU64,
    queue: Histogram,
    compute: Histogram,
    total: Histogram,
    batch: Histogram,
    shadow: Vec<AtomicU64>,
    anomaly: Histogram,
    anomalous: AtomicU64,
    anomaly_threshold: Mutex<Option<f64>>,
}

impl ModelMetrics {
    fn new() -> Self {
        ModelMetrics {
            requests: OUTCOMES.iter().map(|_| AtomicU64::new(0)).collect(),
            rows: AtomicU64::new(0),
            queue: Histogram::new(&LATENCY_BUCKETS, 1e-9),
            compute: Histogram::new(&LATENCY_BUCKETS, 1e-9),
            total: Histogram::new(&LATENCY_BUCKETS, 1e-9),
            batch: Histogram::new(&BATCH_BUCKETS, 1.0),
            shadow: OUTCOMES.iter().map(|_| AtomicU64::new(0)).collect(),
            anomaly: Histogram::new(&ANOMALY_BUCKETS, 1e-9),
            anomalous: AtomicU64::new(0),
            anomaly_threshold: Mutex::new(None),
        }
    }

    /// The input anomaly scores of one predict call's rows.
    pub fn anomaly_scores(&self, scores: &satori_pipeline::InputAnomalyScores) {
        for &s in &scores.scores {
            self.anomaly.observe(s);
        }
        self.anomalous
            .fetch_add(scores.n_anomalous() as u64, Ordering::Relaxed);
        *self
            .anomaly_threshold
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(scores.threshold);
    }

    /// Count one request's outcome, with its queue and total time when it was admitted.
    pub fn request(&self, outcome: Outcome, rows: usize, queue: Duration, total: Duration) {
        self.requests[outcome.index()].fetch_add(1, Ordering::Relaxed);
        if outcome == Outcome::Success {
            self.rows.fetch_add(rows as u64, Ordering::Relaxed);
            self.queue.observe(queue.as_secs_f64());
            self.total.observe(total.as_secs_f64());
        }
    }

    /// One predict call: its rows (several requests' when batched) and its compute time.
    pub fn predict_call(&self, rows: usize, compute: Duration) {
        self.batch.observe(rows as f64);
        self.compute.observe(compute.as_secs_f64());
    }

    /// A shadow scoring's outcome.
    pub fn shadow(&self, outcome: Outcome) {
        self.shadow[outcome.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// Requests counted with this outcome so far.
    pub fn count(&self, outcome: Outcome) -> u64 {
        self.requests[outcome.index()].load(Ordering::Relaxed)
    }
}

/// Every metric of the server.
#[derive(Debug, Default)]
pub struct Metrics {
    models: Mutex<BTreeMap<(String, String), Arc<ModelMetrics>>>,
    /// Requests being handled now (admitted or queued).
    pub in_flight: AtomicI64,
    /// Requests waiting for a compute slot now.
    pub queue_depth: AtomicI64,
    loads: Mutex<BTreeMap<(String, String, &'static str), u64>>,
    unrouted: Vec<AtomicU64>,
    /// Request-log lines dropped because the writer fell behind.
    pub log_dropped: AtomicU64,
    /// Request-log lines written.
    pub log_written: AtomicU64,
}

impl Metrics {
    /// Empty metrics.
    pub fn new() -> Self {
        Metrics {
            unrouted: OUTCOMES.iter().map(|_| AtomicU64::new(0)).collect(),
            ..Default::default()
        }
    }

    /// The metrics of a model version (created on first use).
    pub fn model(&self, name: &str, version: &str) -> Arc<ModelMetrics> {
        let mut m = self.models.lock().unwrap_or_else(|e| e.into_inner());
        m.entry((name.to_string(), version.to_string()))
            .or_insert_with(|| Arc::new(ModelMetrics::new()))
            .clone()
    }

    /// A request that never reached a model (unknown model, malformed before routing).
    pub fn unrouted(&self, outcome: Outcome) {
        if let Some(c) = self.unrouted.get(outcome.index()) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A model version load attempt: `outcome` is `success` or `failure`.
    pub fn load(&self, name: &str, version: &str, outcome: &'static str) {
        let mut m = self.loads.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry((name.to_string(), version.to_string(), outcome))
            .or_insert(0) += 1;
    }

    /// Load attempts of a model version with this outcome so far.
    pub fn loads(&self, name: &str, version: &str, outcome: &'static str) -> u64 {
        let m = self.loads.lock().unwrap_or_else(|e| e.into_inner());
        m.get(&(name.to_string(), version.to_string(), outcome))
            .copied()
            .unwrap_or(0)
    }

    /// The text exposition format; `served` lists (model, version, role) of what serves now.
    pub fn render(&self, served: &[(String, String, &'static str)]) -> String {
        let mut out = String::new();
        let models: Vec<((String, String), Arc<ModelMetrics>)> = {
            let m = self.models.lock().unwrap_or_else(|e| e.into_inner());
            m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
        };
        let lbl = |(n, v): &(String, String)| {
            format!("model=\"{}\",version=\"{}\"", escape(n), escape(v))
        };
        out.push_str(
            "# HELP satori_requests_total Inference requests by model, version and outcome.\n",
        );
        out.push_str("# TYPE satori_requests_total counter\n");
        for (k, m) in &models {
            for o in OUTCOMES {
                let _ = writeln!(
                    out,
                    "satori_requests_total{{{},outcome=\"{}\"}} {}",
                    lbl(k),
                    o.label(),
                    m.requests[o.index()].load(Ordering::Relaxed)
                );
            }
        }
        for o in OUTCOMES {
            let _ = writeln!(
                out,
                "satori_requests_total{{model=\"\",version=\"\",outcome=\"{}\"}} {}",
                o.label(),
                self.unrouted[o.index()].load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP satori_rows_total Rows predicted by model and version.\n");
        out.push_str("# TYPE satori_rows_total counter\n");
        for (k, m) in &models {
            let _ = writeln!(
                out,
                "satori_rows_total{{{}}} {}",
                lbl(k),
                m.rows.load(Ordering::Relaxed)
            );
        }
        for (name, help, pick) in [
            (
                "satori_request_queue_seconds",
                "Time a request waited for a compute slot.",
                0,
            ),
            (
                "satori_request_compute_seconds",
                "Time of one predict call (several requests' rows when batched).",
                1,
            ),
            (
                "satori_request_duration_seconds",
                "Total time of a successful request, from arrival to answer.",
                2,
            ),
            ("satori_batch_size", "Rows per predict call.", 3),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
            for (k, m) in &models {
                let h = match pick {
                    0 => &m.queue,
                    1 => &m.compute,
                    2 => &m.total,
                    _ => &m.batch,
                };
                h.render(&mut out, name, &lbl(k));
            }
        }
        out.push_str(
            "# HELP satori_shadow_requests_total Shadow scorings by model, version and outcome.\n",
        );
        out.push_str("# TYPE satori_shadow_requests_total counter\n");
        for (k, m) in &models {
            for o in [
                Outcome::Success,
                Outcome::BadRequest,
                Outcome::Overloaded,
                Outcome::Error,
            ] {
                let _ = writeln!(
                    out,
                    "satori_shadow_requests_total{{{},outcome=\"{}\"}} {}",
                    lbl(k),
                    o.label(),
                    m.shadow[o.index()].load(Ordering::Relaxed)
                );
            }
        }
        // Input anomaly scores, for the versions whose model has a detector and has scored rows.
        let with_anomaly: Vec<(&(String, String), &Arc<ModelMetrics>, f64)> = models
            .iter()
            .filter_map(|(k, m)| {
                let t = *m
                    .anomaly_threshold
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                t.map(|t| (k, m, t))
            })
            .collect();
        if !with_anomaly.is_empty() {
            out.push_str(
                "# HELP satori_input_anomaly_score Input anomaly scores of the rows predicted (isolation forest; higher is more anomalous).\n\
                 # TYPE satori_input_anomaly_score histogram\n",
            );
            for &(k, m, _) in &with_anomaly {
                m.anomaly
                    .render(&mut out, "satori_input_anomaly_score", &lbl(k));
            }
            out.push_str(
                "# HELP satori_input_anomalous_rows_total Rows whose input anomaly score passed the model's threshold.\n\
                 # TYPE satori_input_anomalous_rows_total counter\n",
            );
            for &(k, m, _) in &with_anomaly {
                let _ = writeln!(
                    out,
                    "satori_input_anomalous_rows_total{{{}}} {}",
                    lbl(k),
                    m.anomalous.load(Ordering::Relaxed)
                );
            }
            out.push_str(
                "# HELP satori_input_anomaly_threshold The score above which a row is anomalous (fixed at training).\n\
                 # TYPE satori_input_anomaly_threshold gauge\n",
            );
            for &(k, _, t) in &with_anomaly {
                let _ = writeln!(out, "satori_input_anomaly_threshold{{{}}} {t}", lbl(k));
            }
        }
        out.push_str("# HELP satori_inflight_requests Inference requests being handled now.\n");
        out.push_str("# TYPE satori_inflight_requests gauge\n");
        let _ = writeln!(
            out,
            "satori_inflight_requests {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        out.push_str("# HELP satori_queue_depth Inference requests waiting for a compute slot.\n");
        out.push_str("# TYPE satori_queue_depth gauge\n");
        let _ = writeln!(
            out,
            "satori_queue_depth {}",
            self.queue_depth.load(Ordering::Relaxed)
        );
        out.push_str("# HELP satori_model_loads_total Model version loads by outcome.\n");
        out.push_str("# TYPE satori_model_loads_total counter\n");
        {
            let loads = self.loads.lock().unwrap_or_else(|e| e.into_inner());
            for ((n, v, o), c) in loads.iter() {
                let _ = writeln!(
                    out,
                    "satori_model_loads_total{{model=\"{}\",version=\"{}\",outcome=\"{o}\"}} {c}",
                    escape(n),
                    escape(v)
                );
            }
        }
        out.push_str("# HELP satori_model_serving Model versions serving now, by role.\n");
        out.push_str("# TYPE satori_model_serving gauge\n");
        for (n, v, role) in served {
            let _ = writeln!(
                out,
                "satori_model_serving{{model=\"{}\",version=\"{}\",role=\"{role}\"}} 1",
                escape(n),
                escape(v)
            );
        }
        out.push_str("# HELP satori_request_log_lines_total Request-log lines written.\n");
        out.push_str("# TYPE satori_request_log_lines_total counter\n");
        let _ = writeln!(
            out,
            "satori_request_log_lines_total {}",
            self.log_written.load(Ordering::Relaxed)
        );
        out.push_str(
            "# HELP satori_request_log_dropped_total Request-log lines dropped because the writer fell behind.\n",
        );
        out.push_str("# TYPE satori_request_log_dropped_total counter\n");
        let _ = writeln!(
            out,
            "satori_request_log_dropped_total {}",
            self.log_dropped.load(Ordering::Relaxed)
        );
        out
    }
}

/// A label value escaped for the exposition format.
pub fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_render_every_family() {
        let metrics = Metrics::new();
        let m = metrics.model("churn", "2");
        m.request(
            Outcome::Success,
            3,
            Duration::from_micros(50),
            Duration::from_millis(2),
        );
        m.request(Outcome::BadRequest, 0, Duration::ZERO, Duration::ZERO);
        m.predict_call(3, Duration::from_millis(1));
        let text = metrics.render(&[("churn".into(), "2".into(), "champion")]);
        assert!(text.contains(
            "satori_requests_total{model=\"churn\",version=\"2\",outcome=\"success\"} 1"
        ));
        assert!(text.contains(
            "satori_requests_total{model=\"churn\",version=\"2\",outcome=\"bad_request\"} 1"
        ));
        assert!(text.contains(
            "satori_request_duration_seconds_bucket{model=\"churn\",version=\"2\",le=\"0.001\"} 0"
        ));
        assert!(text.contains(
            "satori_request_duration_seconds_bucket{model=\"churn\",version=\"2\",le=\"0.0025\"} 1"
        ));
        assert!(
            text.contains("satori_batch_size_bucket{model=\"churn\",version=\"2\",le=\"4\"} 1")
        );
        assert!(text.contains("satori_rows_total{model=\"churn\",version=\"2\"} 3"));
        assert!(
            text.contains(
                "satori_model_serving{model=\"churn\",version=\"2\",role=\"champion\"} 1"
            )
        );
        assert_eq!(escape("a\"b"), "a\\\"b");
    }
}
