//! Global importance: permutation importance (scikit-learn's `permutation_importance`) and
//! drop-column importance.
//!
//! Permutation importance of a column is how much the score drops when that column's values are
//! shuffled across rows, breaking its link to the target while keeping its distribution: the
//! baseline score minus the score on the shuffled data, for a metric where larger is better, or
//! the shuffled loss minus the baseline loss for a loss (so larger always means more
//! important). Each column is shuffled `n_repeats` times; the result is the mean and the
//! (population) standard deviation over the repeats, as scikit-learn reports them.
//!
//! The columns shuffled are the **input** columns of the table, before the pipeline, so the
//! preprocessing is part of what is measured: a one-hot-encoded column is one column here, and
//! a text column is shuffled as a whole document.
//!
//! The shuffles come from a seeded generator per (column, repeat), so the result is the same at
//! any thread count; [`permutation_scores`] also takes the row orders from the caller, which the
//! golden test uses to feed scikit-learn's own shuffles.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;
use satori_core::{Error, Result, Target, Task};
use satori_data::{Column, Table};
use satori_metrics::{EvalInput, Metric};
use satori_pipeline::{FittedPipeline, Predictions};
use serde::Serialize;

/// How permutation importance is computed.
#[derive(Debug, Clone, PartialEq)]
pub struct PermutationParams {
    /// Shuffles per column (scikit-learn's `n_repeats`, default 5).
    pub n_repeats: usize,
    /// Seed of the shuffles.
    pub seed: u64,
}

impl Default for PermutationParams {
    fn default() -> Self {
        PermutationParams {
            n_repeats: 5,
            seed: 0,
        }
    }
}

/// Importances of input columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Importances {
    /// `permutation` or `drop_column`.
    pub method: String,
    /// The metric scored.
    pub metric: String,
    /// Whether a larger metric is better (importances are signed so that larger is more
    /// important either way).
    pub greater_is_better: bool,
    /// The metric on the data as given (permutation) or of the model with every column
    /// (drop-column).
    pub baseline: f64,
    /// The input columns, in the model's input order.
    pub columns: Vec<String>,
    /// Mean importance per column.
    pub mean: Vec<f64>,
    /// Standard deviation (population, `ddof = 0`) over repeats or folds per column.
    pub std: Vec<f64>,
    /// Every repeat's (or fold's) importance, columns × repeats.
    pub raw: Array2<f64>,
}

impl Importances {
    fn from_raw(
        method: &str,
        metric: &dyn Metric,
        baseline: f64,
        columns: Vec<String>,
        raw: Array2<f64>,
    ) -> Self {
        let (mean, std) = mean_std(&raw);
        Importances {
            method: method.into(),
            metric: metric.name(),
            greater_is_better: metric.greater_is_better(),
            baseline,
            columns,
            mean,
            std,
            raw,
        }
    }

    /// Column indices from the most to the least important (ties keep column order).
    pub fn ranking(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.columns.len()).collect();
        order.sort_by(|&a, &b| self.mean[b].total_cmp(&self.mean[a]));
        order
    }

    /// The CSV the CLI writes: `column,importance_mean,importance_std`, most important first.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("column,importance_mean,importance_std\n");
        for j in self.ranking() {
            out.push_str(&format!(
                "{},{},{}\n",
                csv_field(&self.columns[j]),
                self.mean[j],
                self.std[j]
            ));
        }
        out
    }
}

/// A CSV field, quoted when it needs to be.
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Mean and population standard deviation of each row.
fn mean_std(raw: &Array2<f64>) -> (Vec<f64>, Vec<f64>) {
    raw.rows()
        .into_iter()
        .map(|r| {
            let n = r.len().max(1) as f64;
            let mean = r.sum() / n;
            let var = r.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
            (mean, var.sqrt())
        })
        .unzip()
}

/// SplitMix64: a small, fast, seedable generator for the shuffles (the same stream on every
/// platform and thread count).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (rejection sampling, no modulo bias).
    fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let v = self.next();
            if v < zone {
                return v % n;
            }
        }
    }
}

/// The seeded row order of `(column, repeat)`: a Fisher–Yates shuffle of `0..n_rows` from a
/// generator seeded by `seed`, the column and the repeat.
pub fn seeded_permutation(n_rows: usize, seed: u64, column: usize, repeat: usize) -> Vec<usize> {
    let mut rng = SplitMix(
        seed ^ (column as u64).wrapping_mul(0xA24B_AED4_963E_E407)
            ^ (repeat as u64).wrapping_mul(0x9FB2_1C65_1E98_DF25),
    );
    let mut idx: Vec<usize> = (0..n_rows).collect();
    for i in (1..n_rows).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        idx.swap(i, j);
    }
    idx
}

/// The core of permutation importance, for any model and score: `score(None)` is the score of
/// the data as given, `score(Some((j, order)))` the score with column `j`'s values taken in
/// `order` (row `i` gets the value of row `order[i]`). `order_of(j, r)` gives the row order of
/// column `j` at repeat `r`. Returns the baseline and the importances (columns × repeats),
/// `baseline − score` when `greater_is_better`, else `score − baseline`. Evaluations run in
/// parallel; the result does not depend on the thread count.
pub fn permutation_scores<S, O>(
    n_columns: usize,
    n_repeats: usize,
    greater_is_better: bool,
    order_of: O,
    score: S,
) -> Result<(f64, Array2<f64>)>
where
    S: Fn(Option<(usize, &[usize])>) -> Result<f64> + Sync,
    O: Fn(usize, usize) -> Vec<usize> + Sync,
{
    if n_repeats == 0 {
        return Err(Error::param("--repeats", "must be at least 1"));
    }
    let baseline = score(None)?;
    let jobs: Vec<(usize, usize)> = (0..n_columns)
        .flat_map(|j| (0..n_repeats).map(move |r| (j, r)))
        .collect();
    let scores = jobs
        .par_iter()
        .map(|&(j, r)| score(Some((j, &order_of(j, r)))))
        .collect::<Result<Vec<f64>>>()?;
    let sign = if greater_is_better { 1.0 } else { -1.0 };
    let raw = Array2::from_shape_fn((n_columns, n_repeats), |(j, r)| {
        sign * (baseline - scores[j * n_repeats + r])
    });
    Ok((baseline, raw))
}

/// A metric's value on a model's predictions against the truth (classes coded as the model's).
pub fn score_predictions(
    metric: &dyn Metric,
    truth: &Target,
    predictions: &Predictions,
    weights: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let codes_pred: Array1<usize>;
    let input = match truth {
        Target::Continuous(y) => {
            if predictions.task.is_classification() {
                return Err(Error::InvalidData(
                    "a continuous target cannot score a classifier".into(),
                ));
            }
            EvalInput::regression(y.view(), predictions.values.view())
        }
        Target::Classes { codes, labels } => {
            codes_pred = predictions.values.mapv(|v| v.max(0.0) as usize);
            let mut input = EvalInput::labels(codes.view(), codes_pred.view(), labels.len());
            if let Some(p) = &predictions.proba {
                input = input.with_proba(p.view());
                if predictions.task == Task::Binary {
                    input = input.with_scores(p.column(1));
                }
            }
            input
        }
    };
    let input = match weights {
        Some(w) => input.with_weights(w),
        None => input,
    };
    metric.score(&input)
}

/// The one target of a pipeline (an error naming them for a multi-target model).
pub(crate) fn single_target(pipeline: &FittedPipeline) -> Result<&satori_pipeline::FittedTarget> {
    match pipeline.targets() {
        [t] => Ok(t),
        ts => Err(Error::InvalidData(format!(
            "this model predicts {} targets ({}); global explanations take one",
            ts.len(),
            ts.iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The positions in `table` of the model's input columns (an error naming a missing one).
pub(crate) fn input_positions(pipeline: &FittedPipeline, table: &Table) -> Result<Vec<usize>> {
    pipeline
        .input_schema()
        .names()
        .map(|name| {
            table.schema.position(name).ok_or_else(|| {
                Error::missing_column(
                    name,
                    &format!("{} (the model reads it)", table.source),
                    table.schema.names().collect::<Vec<_>>(),
                )
            })
        })
        .collect()
}

/// `column` with its rows taken in `order`.
pub(crate) fn permute_column(column: &Column, order: &[usize]) -> Column {
    match column {
        Column::Values(v) => Column::Values(order.iter().map(|&i| v[i]).collect()),
        Column::Strings(v) => Column::Strings(order.iter().map(|&i| v[i].clone()).collect()),
    }
}

/// The labelled rows of `table` for the pipeline's target, and the truth on them.
pub(crate) fn labelled(pipeline: &FittedPipeline, table: &Table) -> Result<(Table, Target)> {
    let target = single_target(pipeline)?;
    let (rows, truth) =
        satori_workflow::evaluate::labelled_truth(table, &target.name, target.classes.as_deref())?;
    Ok((table.select_rows(&rows)?, truth))
}

/// Permutation importance of every input column of a pipeline on a labelled table (the holdout
/// or any data with the target column): scikit-learn's `permutation_importance` with `metric`
/// as the scorer. Rows without a target are left out.
pub fn permutation_importance(
    pipeline: &FittedPipeline,
    table: &Table,
    metric: &dyn Metric,
    params: &PermutationParams,
) -> Result<Importances> {
    let (table, truth) = labelled(pipeline, table)?;
    let positions = input_positions(pipeline, &table)?;
    let names: Vec<String> = pipeline
        .input_schema()
        .names()
        .map(str::to_string)
        .collect();
    let n_rows = table.n_rows();
    let score = |change: Option<(usize, &[usize])>| -> Result<f64> {
        let predictions = match change {
            None => pipeline.predict_table(&table)?,
            Some((j, order)) => {
                let mut t = table.clone();
                let p = positions[j];
                t.columns[p] = permute_column(&table.columns[p], order);
                pipeline.predict_table(&t)?
            }
        };
        score_predictions(metric, &truth, &predictions, None)
    };
    let (baseline, raw) = permutation_scores(
        names.len(),
        params.n_repeats,
        metric.greater_is_better(),
        |j, r| seeded_permutation(n_rows, params.seed, j, r),
        score,
    )?;
    Ok(Importances::from_raw(
        "permutation",
        metric,
        baseline,
        names,
        raw,
    ))
}

/// Permutation importance of a model given as a function of a numeric matrix (columns shuffled
/// in the matrix), for models outside a pipeline; `orders` gives each (column, repeat)'s row
/// order, or `None` for the seeded shuffles of `params`.
pub fn permutation_importance_matrix<F>(
    predict: F,
    x: ArrayView2<'_, f64>,
    truth: &Target,
    metric: &dyn Metric,
    params: &PermutationParams,
    orders: Option<&(dyn Fn(usize, usize) -> Vec<usize> + Sync)>,
) -> Result<Importances>
where
    F: Fn(ArrayView2<'_, f64>) -> Result<Predictions> + Sync,
{
    let n_rows = x.nrows();
    let score = |change: Option<(usize, &[usize])>| -> Result<f64> {
        let predictions = match change {
            None => predict(x)?,
            Some((j, order)) => {
                let mut xp = x.to_owned();
                for (i, &o) in order.iter().enumerate() {
                    xp[[i, j]] = x[[o, j]];
                }
                predict(xp.view())?
            }
        };
        score_predictions(metric, truth, &predictions, None)
    };
    let seeded = |j: usize, r: usize| seeded_permutation(n_rows, params.seed, j, r);
    let (baseline, raw) = match orders {
        Some(o) => permutation_scores(
            x.ncols(),
            params.n_repeats,
            metric.greater_is_better(),
            o,
            score,
        )?,
        None => permutation_scores(
            x.ncols(),
            params.n_repeats,
            metric.greater_is_better(),
            seeded,
            score,
        )?,
    };
    let names = (0..x.ncols()).map(|j| format!("x{j}")).collect();
    Ok(Importances::from_raw(
        "permutation",
        metric,
        baseline,
        names,
        raw,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_permutations_are_permutations_and_differ() {
        let a = seeded_permutation(50, 1, 0, 0);
        let mut s = a.clone();
        s.sort_unstable();
        assert_eq!(s, (0..50).collect::<Vec<_>>());
        assert_ne!(a, seeded_permutation(50, 1, 0, 1));
        assert_ne!(a, seeded_permutation(50, 1, 1, 0));
        assert_ne!(a, seeded_permutation(50, 2, 0, 0));
        assert_eq!(a, seeded_permutation(50, 1, 0, 0));
    }

    #[test]
    fn csv_is_sorted_and_quoted() {
        let imp = Importances {
            method: "permutation".into(),
            metric: "r2".into(),
            greater_is_better: true,
            baseline: 0.9,
            columns: vec!["a".into(), "b,c".into()],
            mean: vec![0.1, 0.5],
            std: vec![0.0, 0.25],
            raw: Array2::zeros((2, 1)),
        };
        assert_eq!(
            imp.to_csv(),
            "column,importance_mean,importance_std\n\"b,c\",0.5,0.25\na,0.1,0\n"
        );
    }
}

/// How drop-column importance refits.
#[derive(Debug, Clone, PartialEq)]
pub struct DropColumnParams {
    /// Folds of the cross-validation (K-fold, stratified for classification; default 5).
    pub n_splits: usize,
    /// Seed of the fold shuffle and of the refits.
    pub seed: u64,
}

impl Default for DropColumnParams {
    fn default() -> Self {
        DropColumnParams {
            n_splits: 5,
            seed: 0,
        }
    }
}

/// Drop-column importance: the model of `header` (its kind and resolved parameters) is
/// cross-validated on `table` with every input column, then once without each column, on the
/// same folds (satori-workflow's `cross_validate`, so preprocessing is refitted too); a column's
/// importance per fold is the score lost without it (`baseline − score`, or `score − baseline`
/// for a loss), and the result is the mean and standard deviation over the folds. Costs
/// `(columns + 1) × folds` fits.
pub fn drop_column_importance(
    header: &satori_pipeline::ModelHeader,
    pipeline: &FittedPipeline,
    table: &Table,
    metric: &dyn Metric,
    params: &DropColumnParams,
    progress: &dyn satori_core::Progress,
) -> Result<Importances> {
    use satori_data::splits::SplitStrategy;
    use satori_workflow::{CvRequest, MetricSpec, cross_validate};

    let target = single_target(pipeline)?;
    let positions = input_positions(pipeline, table)?;
    let names: Vec<String> = pipeline
        .input_schema()
        .names()
        .map(str::to_string)
        .collect();
    if names.len() < 2 {
        return Err(Error::InvalidData(
            "drop-column importance needs a model of at least two input columns".into(),
        ));
    }
    let strategy = if target.task.is_classification() {
        SplitStrategy::StratifiedKFold {
            n_splits: params.n_splits,
            shuffle: true,
            seed: params.seed,
        }
    } else {
        SplitStrategy::KFold {
            n_splits: params.n_splits,
            shuffle: true,
            seed: params.seed,
        }
    };
    let request = CvRequest {
        targets: vec![satori_data::TargetSpec {
            name: target.name.clone(),
            task: Some(target.task),
        }],
        model: header.model_kind.clone(),
        overrides: Vec::new(),
        pipeline: Some(header.params.clone()),
        strategy,
        groups: None,
        seed: params.seed,
    };
    let metric_name = metric.name();
    let spec = MetricSpec::from_names(std::slice::from_ref(&metric_name), None)?;
    // Keep the target and the model's input columns only.
    let target_pos = table.schema.position(&target.name).ok_or_else(|| {
        Error::missing_column(
            &target.name,
            &table.source,
            table.schema.names().collect::<Vec<_>>(),
        )
    })?;
    let keep = |drop: Option<usize>| -> Result<Table> {
        let mut cols: Vec<usize> = positions
            .iter()
            .enumerate()
            .filter(|(j, _)| Some(*j) != drop)
            .map(|(_, &p)| p)
            .collect();
        cols.push(target_pos);
        let schema = satori_core::Schema::new(
            cols.iter()
                .map(|&p| table.schema.columns[p].clone())
                .collect(),
        )?;
        Ok(Table {
            source: table.source.clone(),
            schema,
            columns: cols.iter().map(|&p| table.columns[p].clone()).collect(),
            notes: Vec::new(),
            sparse: None,
        })
    };
    let fold_scores = |t: &Table| -> Result<Vec<f64>> {
        let result = cross_validate(t, &request, &spec, &satori_core::NoProgress)?;
        result
            .folds
            .iter()
            .map(|f| {
                f.scores.get(&metric_name).copied().ok_or_else(|| {
                    Error::InvalidData(format!(
                        "{metric_name} is undefined on fold {}: {}",
                        f.fold,
                        f.undefined.get(&metric_name).cloned().unwrap_or_default()
                    ))
                })
            })
            .collect()
    };
    progress.start("drop-column importance", Some(names.len() as u64 + 1));
    let base = fold_scores(&keep(None)?)?;
    progress.advance(1);
    let sign = if metric.greater_is_better() {
        1.0
    } else {
        -1.0
    };
    let mut raw = Array2::zeros((names.len(), base.len()));
    for j in 0..names.len() {
        let s = fold_scores(&keep(Some(j))?)?;
        for (f, (b, v)) in base.iter().zip(&s).enumerate() {
            raw[[j, f]] = sign * (b - v);
        }
        progress.advance(1);
    }
    progress.finish();
    let baseline = base.iter().sum::<f64>() / base.len() as f64;
    Ok(Importances::from_raw(
        "drop_column",
        metric,
        baseline,
        names,
        raw,
    ))
}
