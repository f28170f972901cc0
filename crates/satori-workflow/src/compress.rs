//! Model compression (`satori compress`): a smaller or faster model from a trained one, with what
//! it costs measured on a holdout.
//!
//! The methods live in the model crates; this module picks the one that fits the model,
//! measures the model file's size, the single-row and 1,000-row prediction latency (medians of
//! repeated runs of the whole pipeline) and the task's default metric before and after, refuses
//! a result that loses more than allowed, and records it all in the new model's header
//! ([`CompressionRecord`]).
//!
//! - Neural networks (`mlp_classifier`, `mlp_regressor`): `quantize` (int8 weights per output
//!   channel with activation scales calibrated on rows, or per-row `dynamic` scales), `f16`,
//!   `prune` (whole hidden units, then a short fine-tune), see `satori_nn::compress`.
//! - Tree ensembles (random forests, extra trees, balanced forests, gradient boosting): `compact`
//!   keeps the trees that matter most: a prefix of boosting rounds, or the forest's trees in
//!   greedy order of how well they preserve its predictions (`satori_tree::forest::select`),
//!   as many as a size or latency budget allows, or as few as the allowed metric drop permits.
//!
//! The holdout file (with the target) is split in two by a seeded draw: the first half
//! ("tuning rows") calibrates, fine-tunes and chooses trees; the second ("evaluation rows")
//! measures the metric, so that no choice is scored on the rows that made it.

use std::path::Path;
use std::time::Instant;

use ndarray::Array2;
use satori_core::rng::derive_seed;
use satori_core::{Dataset, Error, Progress, Result, Target, Task};
use satori_data::Table;
use satori_nn::{MlpClassifier, MlpRegressor, NeuralNet, Quantization, TrainingRecord};
use satori_pipeline::model_file::compression::{CompressionRecord, lower_is_better};
use satori_pipeline::{AnyModel, FittedPipeline, ModelHeader, model_file};

use crate::evaluate::{MetricSpec, evaluate_predictions, labelled_truth};

/// A compression method.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// int8 weights; `dynamic`: per-row activation scales instead of calibrated ones.
    Quantize {
        /// Per-row activation scales (no calibration).
        dynamic: bool,
    },
    /// Half-precision weights.
    F16,
    /// Remove `sparsity` of each hidden layer's units, then fine-tune for `epochs`.
    Prune {
        /// Fraction of hidden units to remove, in `(0, 1)`.
        sparsity: f64,
        /// Fine-tuning epochs on the tuning rows (0: none).
        epochs: usize,
    },
    /// Keep the trees that matter most.
    Compact,
}

impl Method {
    /// The method's name on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Method::Quantize { .. } => "quantize",
            Method::F16 => "f16",
            Method::Prune { .. } => "prune",
            Method::Compact => "compact",
        }
    }
}

/// A size or latency budget the compressed model must meet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Budget {
    /// Bytes of the model file at most.
    Size(u64),
    /// Median single-row prediction time at most, in microseconds.
    Latency(f64),
}

impl Budget {
    /// Parse `size=2MB` (B, KB, MB, GB; powers of 1000; KiB, MiB, GiB of 1024) or `latency=20us`
    /// (ns, us, ms, s).
    pub fn parse(s: &str) -> Result<Budget> {
        let bad = |why: &str| {
            Error::param(
                "--budget",
                format!("`{s}`: {why}; write size=2MB or latency=20us"),
            )
        };
        let (kind, value) = s.split_once('=').ok_or_else(|| bad("no `=`"))?;
        let value = value.trim();
        let split = value
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(value.len());
        let (num, unit) = value.split_at(split);
        let n: f64 = num.parse().map_err(|_| bad("not a number"))?;
        if !(n.is_finite() && n > 0.0) {
            return Err(bad("must be > 0"));
        }
        match kind.trim() {
            "size" => {
                let mult = match unit.trim().to_ascii_lowercase().as_str() {
                    "" | "b" => 1.0,
                    "kb" | "k" => 1e3,
                    "mb" | "m" => 1e6,
                    "gb" | "g" => 1e9,
                    "kib" => 1024.0,
                    "mib" => 1024.0 * 1024.0,
                    "gib" => 1024.0 * 1024.0 * 1024.0,
                    _ => return Err(bad("unknown size unit (B, KB, MB, GB, KiB, MiB, GiB)")),
                };
                Ok(Budget::Size((n * mult).round() as u64))
            }
            "latency" => {
                let mult = match unit.trim() {
                    "ns" => 1e-3,
                    "us" | "µs" => 1.0,
                    "ms" => 1e3,
                    "s" => 1e6,
                    _ => return Err(bad("unknown time unit (ns, us, ms, s)")),
                };
                Ok(Budget::Latency(n * mult))
            }
            _ => Err(bad("the budget is `size` or `latency`")),
        }
    }

    /// As given on the command line.
    pub fn describe(&self) -> String {
        match self {
            Budget::Size(b) => format!("size={}", human_bytes(*b)),
            Budget::Latency(us) => format!("latency={us}us"),
        }
    }

    fn met(&self, m: &Measure) -> bool {
        match self {
            Budget::Size(b) => m.size <= *b,
            Budget::Latency(us) => m.row_us <= *us,
        }
    }
}

/// Bytes in a readable unit.
pub fn human_bytes(b: u64) -> String {
    if b >= 1_000_000 {
        format!("{:.2} MB", b as f64 / 1e6)
    } else if b >= 1_000 {
        format!("{:.1} KB", b as f64 / 1e3)
    } else {
        format!("{b} B")
    }
}

/// What `satori compress` was asked.
#[derive(Debug, Clone)]
pub struct CompressOptions {
    /// The method; `None` picks the model's usual one (`quantize` for networks, `compact` for
    /// tree ensembles).
    pub method: Option<Method>,
    /// A budget the result must meet.
    pub budget: Option<Budget>,
    /// The largest metric loss allowed (refused beyond).
    pub max_metric_drop: Option<f64>,
    /// Seed of the tuning/evaluation split (and fine-tuning).
    pub seed: u64,
    /// Single-row timings per latency measurement (the median is kept).
    pub row_repeats: usize,
    /// 1,000-row timings per latency measurement.
    pub batch_repeats: usize,
    /// When the compression runs (recorded), if known.
    pub created_at: Option<String>,
}

impl Default for CompressOptions {
    fn default() -> Self {
        CompressOptions {
            method: None,
            budget: None,
            max_metric_drop: None,
            seed: 0,
            row_repeats: 200,
            batch_repeats: 7,
            created_at: None,
        }
    }
}

/// Size, latency and metric of one model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measure {
    /// Bytes of the model file.
    pub size: u64,
    /// Median microseconds to predict one row.
    pub row_us: f64,
    /// Median microseconds to predict 1,000 rows.
    pub batch_us: f64,
    /// The metric on the evaluation rows.
    pub metric: f64,
}

/// The result: the compressed model's header (with its [`CompressionRecord`]) and pipeline.
#[derive(Debug, Clone)]
pub struct Compressed {
    /// The new header.
    pub header: ModelHeader,
    /// The new pipeline.
    pub pipeline: FittedPipeline,
    /// The record (also in the header).
    pub record: CompressionRecord,
}

/// The methods that apply to a model kind (empty: none).
pub fn methods_for(kind: &str) -> &'static [&'static str] {
    match kind {
        "mlp_classifier" | "mlp_regressor" => &["quantize", "f16", "prune"],
        "random_forest_classifier"
        | "random_forest_regressor"
        | "extra_trees_classifier"
        | "extra_trees_regressor"
        | "balanced_random_forest"
        | "gbm_classifier"
        | "gbm_regressor" => &["compact"],
        _ => &[],
    }
}

/// The metric compression compares: ROC-AUC (binary), accuracy (multiclass), R² (regression).
pub fn default_metric(task: Task) -> &'static str {
    match task {
        Task::Binary => "roc_auc",
        Task::Multiclass => "accuracy",
        Task::Regression => "r2",
    }
}

/// The holdout, split into tuning and evaluation rows.
struct Holdout {
    tune: Table,
    eval: Table,
    /// Truth on the evaluation rows (all have a target).
    eval_truth: Target,
    /// The tuning rows as the model sees them, with their target.
    tune_data: Dataset,
    /// 1,000 rows for batch timing (evaluation rows, repeated when fewer).
    batch: Table,
    /// One row for single-row timing.
    one: Table,
    describe: String,
}

fn split_holdout(pipeline: &FittedPipeline, table: &Table, seed: u64) -> Result<Holdout> {
    let target = pipeline.target();
    if table.column(target).is_err() {
        return Err(Error::InvalidData(format!(
            "{}: the holdout has no target column `{target}`; compress measures the metric \
             change on rows with the target",
            table.source
        )));
    }
    let (rows, _) = labelled_truth(table, target, pipeline.classes())?;
    if rows.len() < 4 {
        return Err(Error::NotEnoughSamples {
            context: format!("{}: rows with a target to compress with", table.source),
            needed: 4,
            got: rows.len(),
        });
    }
    // a seeded half/half split (by a hash of the row number, so it never depends on order of
    // evaluation), made non-empty on both sides
    let mut tune_rows = Vec::new();
    let mut eval_rows = Vec::new();
    for &r in &rows {
        if derive_seed(seed, r as u64) & 1 == 0 {
            tune_rows.push(r);
        } else {
            eval_rows.push(r);
        }
    }
    if tune_rows.is_empty() {
        tune_rows.push(eval_rows.pop().unwrap_or(0));
    }
    if eval_rows.is_empty() {
        eval_rows.push(tune_rows.pop().unwrap_or(0));
    }
    let tune = table.select_rows(&tune_rows)?;
    let eval = table.select_rows(&eval_rows)?;
    let (_, eval_truth) = labelled_truth(&eval, target, pipeline.classes())?;
    let (_, tune_truth) = labelled_truth(&tune, target, pipeline.classes())?;
    let x = pipeline.model_input(&tune)?;
    let names = (0..x.ncols()).map(|i| format!("f{i}")).collect();
    let tune_data = Dataset::new(x, names)?.with_target(tune_truth)?;
    let batch_rows: Vec<usize> = (0..1000).map(|i| i % eval.n_rows()).collect();
    let batch = eval.select_rows(&batch_rows)?;
    let one = eval.select_rows(&[0])?;
    let describe = format!(
        "{}: {} evaluation rows (tuning on {} others)",
        table.source,
        eval.n_rows(),
        tune.n_rows()
    );
    Ok(Holdout {
        tune,
        eval,
        eval_truth,
        tune_data,
        batch,
        one,
        describe,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median microseconds of `f` over `n` runs (after one warm-up run).
fn time_us(n: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    f()?;
    let mut v = Vec::with_capacity(n.max(1));
    for _ in 0..n.max(1) {
        let t = Instant::now();
        f()?;
        v.push(t.elapsed().as_secs_f64() * 1e6);
    }
    Ok(median(v))
}

fn metric_of(pipeline: &FittedPipeline, h: &Holdout) -> Result<f64> {
    let p = pipeline.predict_table(&h.eval)?;
    let name = default_metric(pipeline.task());
    let e = evaluate_predictions(&h.eval_truth, &p, None, &MetricSpec::default())?;
    e.metrics.get(name).copied().ok_or_else(|| {
        Error::InvalidData(format!(
            "{name} is undefined on the evaluation rows ({}); use a larger holdout",
            e.undefined
                .get(name)
                .map_or("no reason given", String::as_str)
        ))
    })
}

fn file_size(header: &ModelHeader, pipeline: &FittedPipeline) -> Result<u64> {
    Ok(model_file::to_bytes(header, pipeline)?.len() as u64)
}

fn measure(
    header: &ModelHeader,
    pipeline: &FittedPipeline,
    h: &Holdout,
    o: &CompressOptions,
) -> Result<Measure> {
    Ok(Measure {
        size: file_size(header, pipeline)?,
        row_us: time_us(o.row_repeats, || pipeline.predict_table(&h.one).map(|_| ()))?,
        batch_us: time_us(o.batch_repeats, || {
            pipeline.predict_table(&h.batch).map(|_| ())
        })?,
        metric: metric_of(pipeline, h)?,
    })
}

/// How a model is rebuilt around a new network.
fn with_network(model: &AnyModel, net: satori_nn::Network) -> Result<AnyModel> {
    let record = |params: &satori_nn::MlpParams,
                  loss: &satori_core::TrainingHistory,
                  metric: &satori_core::TrainingHistory,
                  n_iter: usize,
                  converged: bool,
                  stop: Option<&str>| {
        let mut params = params.clone();
        params.hidden_layer_sizes = net.hidden.iter().map(|h| h.dense.n_out).collect();
        params.batch_norm = net.hidden.iter().any(|h| h.batch_norm.is_some());
        TrainingRecord {
            params,
            net: net.clone(),
            loss: loss.clone(),
            metric: metric.clone(),
            n_iter,
            converged,
            stop_reason: stop.map(str::to_string),
        }
    };
    match model {
        AnyModel::MlpClassifier(m) => {
            let r = record(
                m.params(),
                m.loss_curve(),
                m.metric_curve(),
                m.n_iter(),
                m.converged(),
                m.stop_reason(),
            );
            let classes = satori_core::PredictProba::classes(m).to_vec();
            Ok(AnyModel::MlpClassifier(MlpClassifier::from_record(
                r, classes,
            )?))
        }
        AnyModel::MlpRegressor(m) => {
            let r = record(
                m.params(),
                m.loss_curve(),
                m.metric_curve(),
                m.n_iter(),
                m.converged(),
                m.stop_reason(),
            );
            Ok(AnyModel::MlpRegressor(MlpRegressor::from_record(r)?))
        }
        other => Err(Error::Internal(format!(
            "{} is not a neural network",
            other.kind()
        ))),
    }
}

fn network_of(model: &AnyModel) -> Option<&satori_nn::Network> {
    match model {
        AnyModel::MlpClassifier(m) => Some(m.network()),
        AnyModel::MlpRegressor(m) => Some(m.network()),
        _ => None,
    }
}

/// Compress a network; returns the new model and what was done.
fn compress_network(
    model: &AnyModel,
    method: Method,
    h: &Holdout,
    progress: &dyn Progress,
) -> Result<(AnyModel, String)> {
    let net = network_of(model).ok_or_else(|| Error::Internal("not a network".into()))?;
    let f32_rows = |x: &Array2<f64>| -> Vec<f32> { x.iter().map(|&v| v as f32).collect() };
    match method {
        Method::Quantize { dynamic } => {
            let (q, calib, detail) = if dynamic {
                (
                    Quantization::Int8Dynamic,
                    None,
                    "int8 weights per output channel, activations quantised per row (dynamic)"
                        .to_string(),
                )
            } else {
                let rows = f32_rows(&h.tune_data.x().to_owned());
                let n = h.tune_data.n_samples();
                (
                    Quantization::Int8Static,
                    Some(rows),
                    format!(
                        "int8 weights per output channel, activation scales calibrated on {n} rows (static)"
                    ),
                )
            };
            let c = net.quantize(q, calib.as_deref())?;
            Ok((with_network(model, c)?, detail))
        }
        Method::F16 => {
            let c = net.quantize(Quantization::F16, None)?;
            Ok((
                with_network(model, c)?,
                "f16 weights (half precision)".into(),
            ))
        }
        Method::Prune { sparsity, epochs } => {
            let pruned = net.prune_neurons(sparsity)?;
            let before: Vec<usize> = net.hidden.iter().map(|h| h.dense.n_out).collect();
            let after: Vec<usize> = pruned.hidden.iter().map(|h| h.dense.n_out).collect();
            let mut m = with_network(model, pruned)?;
            if epochs > 0 {
                progress.note(&format!(
                    "fine-tuning the pruned network for {epochs} epochs on {} rows",
                    h.tune_data.n_samples()
                ));
                m =
                    match &m {
                        AnyModel::MlpClassifier(c) => AnyModel::MlpClassifier(
                            c.fit_more_with_progress(&h.tune_data, epochs, progress)?,
                        ),
                        AnyModel::MlpRegressor(r) => AnyModel::MlpRegressor(
                            r.fit_more_with_progress(&h.tune_data, epochs, progress)?,
                        ),
                        other => other.clone(),
                    };
            }
            Ok((
                m,
                format!(
                    "hidden units {before:?} -> {after:?} ({:.0}% removed by weight norm), \
                     fine-tuned {epochs} epochs on {} rows",
                    sparsity * 100.0,
                    h.tune_data.n_samples()
                ),
            ))
        }
        Method::Compact => Err(Error::Internal("compact on a network".into())),
    }
}

/// The most tuning rows the greedy choice of a forest's trees looks at.
const SELECTION_ROWS: usize = 2000;

/// The candidate tree ensembles of `k` = 1..=n trees (or rounds), smallest first.
struct TreeCandidates<'a> {
    model: &'a AnyModel,
    order: Vec<usize>,
    n: usize,
    unit: &'static str,
}

impl TreeCandidates<'_> {
    fn new<'a>(model: &'a AnyModel, h: &Holdout) -> Result<TreeCandidates<'a>> {
        // at most SELECTION_ROWS tuning rows choose the forest's trees (the greedy search costs
        // trees² × rows)
        let n = h.tune_data.n_samples().min(SELECTION_ROWS);
        let x = || h.tune_data.x().slice_move(ndarray::s![..n, ..]);
        Ok(match model {
            AnyModel::GbmClassifier(m) => TreeCandidates {
                model,
                order: Vec::new(),
                n: m.n_iter(),
                unit: "boosting rounds",
            },
            AnyModel::GbmRegressor(m) => TreeCandidates {
                model,
                order: Vec::new(),
                n: m.n_iter(),
                unit: "boosting rounds",
            },
            AnyModel::RandomForestClassifier(f)
            | AnyModel::ExtraTreesClassifier(f)
            | AnyModel::BalancedRandomForest(f) => {
                let order = f.selection_order(x())?;
                TreeCandidates {
                    model,
                    n: order.len(),
                    order,
                    unit: "trees",
                }
            }
            AnyModel::RandomForestRegressor(f) | AnyModel::ExtraTreesRegressor(f) => {
                let order = f.selection_order(x())?;
                TreeCandidates {
                    model,
                    n: order.len(),
                    order,
                    unit: "trees",
                }
            }
            other => {
                return Err(Error::Internal(format!(
                    "{} is not a tree ensemble",
                    other.kind()
                )));
            }
        })
    }

    fn with(&self, k: usize) -> Result<AnyModel> {
        let keep = || &self.order[..k];
        Ok(match self.model {
            AnyModel::GbmClassifier(m) => AnyModel::GbmClassifier(m.with_rounds(k)?),
            AnyModel::GbmRegressor(m) => AnyModel::GbmRegressor(m.with_rounds(k)?),
            AnyModel::RandomForestClassifier(f) => {
                AnyModel::RandomForestClassifier(f.with_trees(keep())?)
            }
            AnyModel::ExtraTreesClassifier(f) => {
                AnyModel::ExtraTreesClassifier(f.with_trees(keep())?)
            }
            AnyModel::BalancedRandomForest(f) => {
                AnyModel::BalancedRandomForest(f.with_trees(keep())?)
            }
            AnyModel::RandomForestRegressor(f) => {
                AnyModel::RandomForestRegressor(f.with_trees(keep())?)
            }
            AnyModel::ExtraTreesRegressor(f) => {
                AnyModel::ExtraTreesRegressor(f.with_trees(keep())?)
            }
            other => {
                return Err(Error::Internal(format!(
                    "{} is not a tree ensemble",
                    other.kind()
                )));
            }
        })
    }
}

/// Choose how many trees to keep: the most that meet the budget, else the fewest whose metric on
/// the tuning rows stays within the allowed drop.
fn compact_trees(
    header: &ModelHeader,
    pipeline: &FittedPipeline,
    h: &Holdout,
    o: &CompressOptions,
    progress: &dyn Progress,
) -> Result<(FittedPipeline, String)> {
    let model = pipeline.model();
    let cands = TreeCandidates::new(model, h)?;
    let n = cands.n;
    let build = |k: usize| pipeline.with_model(cands.with(k)?);
    let what = if cands.unit == "trees" {
        "greedily chosen to preserve the forest's predictions on the tuning rows"
    } else {
        "the first rounds"
    };
    match o.budget {
        Some(budget) => {
            // the measure grows with the number of trees: the largest k that meets the budget
            let fits = |k: usize| -> Result<bool> {
                let p = build(k)?;
                Ok(match budget {
                    Budget::Size(b) => file_size(header, &p)? <= b,
                    Budget::Latency(us) => {
                        time_us(o.row_repeats, || p.predict_table(&h.one).map(|_| ()))? <= us
                    }
                })
            };
            progress.note(&format!(
                "searching the number of {} (of {n}) for {}",
                cands.unit,
                budget.describe()
            ));
            if !fits(1)? {
                let p = build(1)?;
                let smallest = match budget {
                    Budget::Size(_) => human_bytes(file_size(header, &p)?),
                    Budget::Latency(_) => format!(
                        "{:.1}us",
                        time_us(o.row_repeats, || p.predict_table(&h.one).map(|_| ()))?
                    ),
                };
                return Err(Error::param(
                    "--budget",
                    format!(
                        "{} cannot be met by compacting this {}: the smallest reachable (1 of {n} {}) is {smallest}",
                        budget.describe(),
                        model.kind(),
                        cands.unit
                    ),
                ));
            }
            let (mut lo, mut hi) = (1usize, n);
            while lo < hi {
                let mid = lo + (hi - lo).div_ceil(2);
                if fits(mid)? {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            Ok((
                build(lo)?,
                format!(
                    "kept {lo} of {n} {} ({what}), the most that meet {}",
                    cands.unit,
                    budget.describe()
                ),
            ))
        }
        None => {
            let Some(drop) = o.max_metric_drop else {
                return Err(Error::param(
                    "--budget",
                    "compact needs a budget (--budget size=… or latency=…) or the metric drop \
                     it may cost (--max-metric-drop)",
                ));
            };
            // the fewest trees whose metric on the tuning rows is within `drop` of the whole
            // model's (searched on the tuning rows; the evaluation rows judge the result)
            let name = default_metric(pipeline.task());
            let (_, tune_truth) = labelled_truth(&h.tune, pipeline.target(), pipeline.classes())?;
            let score = |p: &FittedPipeline| -> Result<f64> {
                let pred = p.predict_table(&h.tune)?;
                let e = evaluate_predictions(&tune_truth, &pred, None, &MetricSpec::default())?;
                e.metrics.get(name).copied().ok_or_else(|| {
                    Error::InvalidData(format!("{name} is undefined on the tuning rows"))
                })
            };
            let full = score(pipeline)?;
            let lower = lower_is_better(name);
            let ok = |k: usize| -> Result<bool> {
                let s = score(&build(k)?)?;
                let loss = if lower { s - full } else { full - s };
                Ok(loss <= drop)
            };
            progress.note(&format!(
                "searching the fewest {} (of {n}) within a {name} drop of {drop}",
                cands.unit
            ));
            let (mut lo, mut hi) = (1usize, n);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if ok(mid)? {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            Ok((
                build(lo)?,
                format!(
                    "kept {lo} of {n} {} ({what}), the fewest within a {name} drop of {drop} on the tuning rows",
                    cands.unit
                ),
            ))
        }
    }
}

/// Compress the model in `header`/`pipeline` (read from `source`) with `options`, measuring on
/// `holdout` (a table read with the pipeline's read options, holding the target). Returns the
/// new model, or an error: a method that does not apply, a budget that cannot be met, a metric
/// drop beyond `max_metric_drop`, a holdout without the target.
pub fn compress(
    header: &ModelHeader,
    pipeline: &FittedPipeline,
    source: &Path,
    holdout: &Table,
    options: &CompressOptions,
    progress: &dyn Progress,
) -> Result<Compressed> {
    let kind = pipeline.model().kind();
    if pipeline.targets().len() > 1 {
        return Err(Error::InvalidData(format!(
            "compress takes a model of one target; this {kind} predicts {}",
            pipeline.target_names().join(", ")
        )));
    }
    let applies = methods_for(kind);
    if applies.is_empty() {
        return Err(Error::param(
            "--method",
            format!(
                "no compression method applies to a {kind}; compress takes neural networks \
                 (quantize, f16, prune) and tree ensembles: forests and gradient boosting \
                 (compact)"
            ),
        ));
    }
    let method = match options.method {
        Some(m) => m,
        None if applies.contains(&"compact") => Method::Compact,
        None => Method::Quantize { dynamic: false },
    };
    if !applies.contains(&method.name()) {
        return Err(Error::param(
            "--method",
            format!(
                "{} does not apply to a {kind}; methods for it: {}",
                method.name(),
                applies.join(", ")
            ),
        ));
    }
    if let Some(d) = options.max_metric_drop
        && !(d.is_finite() && d >= 0.0)
    {
        return Err(Error::param(
            "--max-metric-drop",
            format!("must be a number ≥ 0, got {d}"),
        ));
    }
    let h = split_holdout(pipeline, holdout, options.seed)?;
    progress.note(&format!("measuring the original model on {}", h.describe));
    let mut before = measure(header, pipeline, &h, options)?;
    // the file as it is on disk (an older writer may have laid the header out differently)
    if let Ok(m) = std::fs::metadata(source) {
        before.size = m.len();
    }
    let metric = default_metric(pipeline.task()).to_string();
    let mut record = CompressionRecord {
        method: method.name().into(),
        // as long as the detail a search writes, so that the probe below sizes the file well
        detail: "x".repeat(200),
        budget: options.budget.map(|b| b.describe()),
        source: format!(
            "{} ({})",
            source.display(),
            model_file::file_checksum(source).unwrap_or_else(|_| "unreadable".into())
        ),
        created_at: options.created_at.clone(),
        size_before: before.size,
        size_after: before.size,
        latency_row_us_before: before.row_us,
        latency_row_us_after: before.row_us,
        latency_1k_us_before: before.batch_us,
        latency_1k_us_after: before.batch_us,
        metric,
        metric_before: before.metric,
        metric_after: before.metric,
        metric_on: h.describe.clone(),
        max_metric_drop: options.max_metric_drop,
    };
    // a size budget counts the whole file, the record included: candidates are sized with a
    // record like the final one
    let mut probe = header.clone();
    probe.compression = Some(record.clone());
    let (new_pipeline, detail) = match method {
        Method::Compact => compact_trees(&probe, pipeline, &h, options, progress)?,
        m => {
            let (model, detail) = compress_network(pipeline.model(), m, &h, progress)?;
            (pipeline.with_model(model)?, detail)
        }
    };
    let mut new_header = header.clone();
    new_header.model_summary = summary(&new_pipeline).or(header.model_summary.clone());
    if let (Some(net), Some(obj)) = (
        network_of(new_pipeline.model()),
        new_header
            .params
            .pointer_mut("/model")
            .and_then(|m| m.as_object_mut()),
    ) {
        obj.insert(
            "hidden_layer_sizes".into(),
            serde_json::json!(net.hidden.iter().map(|h| h.dense.n_out).collect::<Vec<_>>()),
        );
    }
    new_header.compression = None;
    progress.note("measuring the compressed model");
    let after = measure(&new_header, &new_pipeline, &h, options)?;
    record.detail = detail;
    record.size_after = after.size;
    record.latency_row_us_after = after.row_us;
    record.latency_1k_us_after = after.batch_us;
    record.metric_after = after.metric;
    if let Some(max) = options.max_metric_drop {
        let lost = record.metric_drop();
        if lost > max {
            return Err(Error::InvalidData(format!(
                "refused: {} drops {:.4} (from {:.4} to {:.4}), more than --max-metric-drop {max}; \
                 nothing written",
                record.metric, lost, record.metric_before, record.metric_after
            )));
        }
    }
    // the recorded size is the file's own, record included (a fixed point: a few passes)
    let mut final_header = new_header.clone();
    for _ in 0..4 {
        final_header.compression = Some(record.clone());
        let size = file_size(&final_header, &new_pipeline)?;
        if size == record.size_after {
            break;
        }
        record.size_after = size;
    }
    final_header.compression = Some(record.clone());
    if let Some(b) = options.budget
        && !b.met(&Measure {
            size: record.size_after,
            ..after
        })
    {
        let reached = match b {
            Budget::Size(_) => human_bytes(record.size_after),
            Budget::Latency(_) => format!("{:.1}us per row", after.row_us),
        };
        return Err(Error::param(
            "--budget",
            format!(
                "{} cannot be met with {} on this {kind}: the smallest reachable is {reached}",
                b.describe(),
                method.name()
            ),
        ));
    }
    Ok(Compressed {
        header: final_header,
        pipeline: new_pipeline,
        record,
    })
}

/// The model's summary, preceded by a line per text column.
fn summary(pipeline: &FittedPipeline) -> Option<String> {
    let mut lines: Vec<String> = pipeline
        .text()
        .describe()
        .into_iter()
        .map(|l| format!("text {l}"))
        .collect();
    lines.extend(pipeline.model().summary());
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The lines `satori compress` and `satori inspect` print for a record.
pub fn report_lines(r: &CompressionRecord) -> Vec<String> {
    let pct = |a: f64, b: f64| {
        if a > 0.0 {
            format!("{:+.0}%", (b / a - 1.0) * 100.0)
        } else {
            "n/a".into()
        }
    };
    let ratio = |a: f64, b: f64| {
        if b > 0.0 {
            format!("{:.2}x", a / b)
        } else {
            "n/a".into()
        }
    };
    vec![
        format!("method: {} ({})", r.method, r.detail),
        format!(
            "size: {} -> {} ({} smaller)",
            human_bytes(r.size_before),
            human_bytes(r.size_after),
            ratio(r.size_before as f64, r.size_after as f64)
        ),
        format!(
            "latency, one row: {:.1}us -> {:.1}us ({})",
            r.latency_row_us_before,
            r.latency_row_us_after,
            pct(r.latency_row_us_before, r.latency_row_us_after)
        ),
        format!(
            "latency, 1,000 rows: {:.0}us -> {:.0}us ({} faster)",
            r.latency_1k_us_before,
            r.latency_1k_us_after,
            ratio(r.latency_1k_us_before, r.latency_1k_us_after)
        ),
        format!(
            "{}: {:.4} -> {:.4} (drop {:+.4}) on {}",
            r.metric,
            r.metric_before,
            r.metric_after,
            r.metric_drop(),
            r.metric_on
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse_with_their_units() {
        assert_eq!(Budget::parse("size=2MB").unwrap(), Budget::Size(2_000_000));
        assert_eq!(Budget::parse("size=1.5KiB").unwrap(), Budget::Size(1536));
        assert_eq!(Budget::parse("size=300").unwrap(), Budget::Size(300));
        assert_eq!(
            Budget::parse("latency=20us").unwrap(),
            Budget::Latency(20.0)
        );
        assert_eq!(
            Budget::parse("latency=2ms").unwrap(),
            Budget::Latency(2000.0)
        );
        assert_eq!(
            Budget::parse("latency=500ns").unwrap(),
            Budget::Latency(0.5)
        );
        for bad in [
            "size",
            "size=",
            "size=0MB",
            "size=2XB",
            "speed=3",
            "latency=3h",
            "size=-1",
        ] {
            let e = Budget::parse(bad).unwrap_err().to_string();
            assert!(e.contains("--budget"), "{bad}: {e}");
        }
    }

    #[test]
    fn methods_follow_the_model_kind() {
        assert_eq!(methods_for("mlp_classifier"), ["quantize", "f16", "prune"]);
        assert_eq!(methods_for("gbm_regressor"), ["compact"]);
        assert!(methods_for("logistic_regression").is_empty());
        assert!(methods_for("multitask_mlp").is_empty());
        assert!(lower_is_better("rmse") && !lower_is_better("roc_auc"));
    }
}
