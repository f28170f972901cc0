//! The self-contained HTML evaluation report.

mod view;

use std::collections::BTreeMap;

use minijinja::{Environment, value::Serde};
use ndarray::{Array2, ArrayView1};
use satori_core::{Error, Result, Target, Task};
use satori_data::profile::Profile;
use satori_pipeline::{ModelHeader, Predictions};
use satori_workflow::{Evaluation, MetricSpec, evaluate_predictions};

use crate::{Chart, TrainingHistory};

/// Bins of the report's calibration curves.
pub const CALIBRATION_BINS: usize = 10;
/// Bins of the report's score histograms.
pub const SCORE_BINS: usize = 20;

const TEMPLATE: &str = include_str!("template.html");

/// The truth and the predictions a report describes.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcomes {
    /// A binary or multiclass classifier's results.
    Classification {
        /// The class labels, in code order (two: binary, the second is the positive class).
        classes: Vec<String>,
        /// True class codes, one per row.
        y_true: Vec<usize>,
        /// Predicted class codes, one per row.
        y_pred: Vec<usize>,
        /// Predicted probabilities (rows × classes), if the model gives them: they add the ROC,
        /// precision-recall, calibration and score-distribution pictures.
        proba: Option<Array2<f64>>,
    },
    /// A regressor's results.
    Regression {
        /// True values, one per row.
        y_true: Vec<f64>,
        /// Predicted values, one per row.
        y_pred: Vec<f64>,
    },
}

/// Everything a report shows. Fill [`ReportInput::outcomes`] (or use
/// [`ReportInput::from_predictions`]); every other part is optional and its section is left out
/// when it is missing.
#[derive(Debug, Clone)]
pub struct ReportInput {
    /// The report's title (e.g. `breast_cancer: dummy_classifier`).
    pub title: String,
    /// The truth and the predictions.
    pub outcomes: Outcomes,
    /// Optional non-negative sample weights, one per row (used by the metrics, the curves, the
    /// confusion matrix and the per-class report).
    pub sample_weight: Option<Vec<f64>>,
    /// Metric values by scorer name (e.g. from [`satori_workflow::Evaluation::metrics`]).
    pub metrics: BTreeMap<String, f64>,
    /// Metrics that could not be computed, with the reason.
    pub undefined_metrics: BTreeMap<String, String>,
    /// What the rows are, e.g. `holdout of breast_cancer (20%, 114 rows)`.
    pub evaluated_on: Option<String>,
    /// The data's profile, for the data summary.
    pub profile: Option<Profile>,
    /// The model file's header, for the parameters and provenance.
    pub model: Option<ModelHeader>,
    /// The model's training history, for the learning curves.
    pub history: Option<TrainingHistory>,
    /// A neural network's layers, drawn as a diagram in the model section.
    pub network: Option<satori_explain::NetworkSummary>,
}

impl ReportInput {
    /// A report of `outcomes` with nothing else filled in.
    pub fn new(title: impl Into<String>, outcomes: Outcomes) -> Self {
        ReportInput {
            title: title.into(),
            outcomes,
            sample_weight: None,
            metrics: BTreeMap::new(),
            undefined_metrics: BTreeMap::new(),
            evaluated_on: None,
            profile: None,
            model: None,
            history: None,
            network: None,
        }
    }

    /// A report of a pipeline's predictions against the truth (codes must use the predictions'
    /// classes), with the task's default metrics computed by [`evaluate_predictions`]; a caller
    /// that evaluated with more metrics replaces them with [`ReportInput::set_evaluation`].
    pub fn from_predictions(
        title: impl Into<String>,
        truth: &Target,
        predictions: &Predictions,
        sample_weight: Option<ArrayView1<'_, f64>>,
    ) -> Result<Self> {
        let eval = evaluate_predictions(truth, predictions, sample_weight, &MetricSpec::default())?;
        let outcomes = match truth {
            Target::Continuous(y) => Outcomes::Regression {
                y_true: y.to_vec(),
                y_pred: predictions.values.to_vec(),
            },
            Target::Classes { codes, .. } => {
                let classes = predictions.classes.clone().unwrap_or_default();
                let mut y_pred = Vec::with_capacity(predictions.len());
                for (i, &v) in predictions.values.iter().enumerate() {
                    if !(v >= 0.0 && v.fract() == 0.0 && (v as usize) < classes.len()) {
                        return Err(Error::InvalidData(format!(
                            "prediction {v} at row {i} is not a class code below {}",
                            classes.len()
                        )));
                    }
                    y_pred.push(v as usize);
                }
                Outcomes::Classification {
                    classes,
                    y_true: codes.to_vec(),
                    y_pred,
                    proba: predictions.proba.clone(),
                }
            }
        };
        let mut input = ReportInput::new(title, outcomes);
        input.sample_weight = sample_weight.map(|w| w.to_vec());
        input.set_evaluation(&eval);
        Ok(input)
    }

    /// Show an evaluation's metrics (and the reasons of the undefined ones).
    pub fn set_evaluation(&mut self, evaluation: &Evaluation) {
        self.metrics = evaluation.metrics.clone();
        self.undefined_metrics = evaluation.undefined.clone();
    }

    /// The task: regression, or binary / multiclass by the number of classes.
    pub fn task(&self) -> Task {
        match &self.outcomes {
            Outcomes::Regression { .. } => Task::Regression,
            Outcomes::Classification { classes, .. } if classes.len() == 2 => Task::Binary,
            Outcomes::Classification { .. } => Task::Multiclass,
        }
    }

    /// The number of rows evaluated.
    pub fn n_rows(&self) -> usize {
        match &self.outcomes {
            Outcomes::Regression { y_true, .. } => y_true.len(),
            Outcomes::Classification { y_true, .. } => y_true.len(),
        }
    }

    /// Checks that the parts agree: at least one row, equal lengths, codes below the number of
    /// classes, probabilities of the right shape, finite and within [0, 1], finite values, and
    /// finite non-negative weights.
    pub fn validate(&self) -> Result<()> {
        let n = self.n_rows();
        if n == 0 {
            return Err(Error::NotEnoughSamples {
                context: "a report".into(),
                needed: 1,
                got: 0,
            });
        }
        let same = |what: &str, got: usize| {
            if got == n {
                Ok(())
            } else {
                Err(Error::ShapeMismatch {
                    context: format!("report: {what} vs true values"),
                    expected: n,
                    got,
                })
            }
        };
        match &self.outcomes {
            Outcomes::Regression { y_true, y_pred } => {
                same("predicted values", y_pred.len())?;
                for (what, v) in [("true", y_true), ("predicted", y_pred)] {
                    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
                        return Err(Error::InvalidData(format!(
                            "{what} value at row {i} is {}; a report needs finite values",
                            v[i]
                        )));
                    }
                }
            }
            Outcomes::Classification {
                classes,
                y_true,
                y_pred,
                proba,
            } => {
                if classes.len() < 2 {
                    return Err(Error::InvalidData(format!(
                        "a classification report needs at least two class labels, got {}",
                        classes.len()
                    )));
                }
                same("predicted classes", y_pred.len())?;
                for (what, v) in [("true", y_true), ("predicted", y_pred)] {
                    if let Some(i) = v.iter().position(|&c| c >= classes.len()) {
                        return Err(Error::InvalidData(format!(
                            "{what} class code {} at row {i} is not below the {} classes",
                            v[i],
                            classes.len()
                        )));
                    }
                }
                if let Some(p) = proba {
                    let y = ArrayView1::from(y_true.as_slice());
                    let weights = self.sample_weight.as_deref().map(ArrayView1::from);
                    crate::ClassScores {
                        y_true: y,
                        proba: p.view(),
                        classes,
                        sample_weight: weights,
                    }
                    .validate()?;
                }
            }
        }
        if let Some(w) = &self.sample_weight {
            same("sample weights", w.len())?;
            if let Some(i) = w.iter().position(|v| !v.is_finite() || *v < 0.0) {
                return Err(Error::InvalidData(format!(
                    "sample weights must be finite and non-negative; row {i} holds {}",
                    w[i]
                )));
            }
        }
        Ok(())
    }
}

/// The stable names of every picture a report can hold, in page order: the anchors of the page
/// and the file stems [`report_charts`]' callers write (`roc.svg`, `roc.png`, …).
pub const PICTURE_NAMES: &[&str] = &[
    "roc",
    "precision-recall",
    "calibration",
    "scores",
    "predicted-vs-actual",
    "residuals",
    "learning-curve",
    "importance",
    "confusion",
];

/// One picture of a report.
#[derive(Debug, Clone)]
pub struct ReportChart {
    /// Its stable name, one of [`PICTURE_NAMES`] (`roc`, `confusion`, `importance`, …), or of
    /// [`crate::TUNE_PICTURE_NAMES`] for the search report.
    pub name: &'static str,
    /// The chart, ready for [`Chart::svg`] and [`Chart::png`].
    pub chart: Chart,
}

/// Every picture that [`render_report`] shows for `input`, as charts of their own (the
/// confusion-matrix heatmap included), in page order; pictures the data cannot support are left
/// out, as the page leaves them out. Inconsistent input is an error.
pub fn report_charts(input: &ReportInput) -> Result<Vec<ReportChart>> {
    input.validate()?;
    Ok(view::plan(input)
        .planned
        .into_iter()
        .filter_map(|p| p.chart.ok().map(|chart| ReportChart { name: p.id, chart }))
        .collect())
}

fn template_error(e: minijinja::Error) -> Error {
    Error::Internal(format!("the report template failed: {e:#}"))
}

/// Render the report as one self-contained HTML document: inline CSS and inline SVG pictures,
/// no scripts, fonts, styles or images loaded from anywhere. Every user-provided text (labels,
/// column names, parameters) is HTML-escaped. A picture that the data cannot support (e.g. a ROC
/// curve when the truth holds one class) is replaced by a note saying why; inconsistent input
/// is an error.
pub fn render_report(input: &ReportInput) -> Result<String> {
    input.validate()?;
    let ctx = view::build(input)?;
    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE)
        .map_err(template_error)?;
    let template = env.get_template("report.html").map_err(template_error)?;
    template.render(Serde(&ctx)).map_err(template_error)
}
