//! The dataset a model is fitted on.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::{ColumnKind, Error, Result, Schema};

/// The learning task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Predict a continuous value.
    Regression,
    /// Predict one of two classes.
    Binary,
    /// Predict one of three or more classes.
    Multiclass,
}

impl Task {
    /// Whether this is a classification task.
    pub fn is_classification(self) -> bool {
        !matches!(self, Task::Regression)
    }

    /// The task's name as used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Task::Regression => "regression",
            Task::Binary => "binary",
            Task::Multiclass => "multiclass",
        }
    }
}

/// What a model learns to predict.
///
/// Deserialising checks what [`Target::classes`] checks (every code below the number of labels),
/// so a model or data file cannot smuggle in an out-of-range class code; the serialised form is
/// the derived one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TargetRepr")]
pub enum Target {
    /// A continuous value per row (finite).
    Continuous(Array1<f64>),
    /// A class per row, as an index into `labels`.
    Classes {
        /// Class code per row, each `< labels.len()`.
        codes: Array1<usize>,
        /// The original class labels, in code order (sorted as scikit-learn's `classes_`).
        labels: Vec<String>,
    },
}

/// [`Target`] as serialised, before its checks.
#[derive(Deserialize)]
#[serde(rename = "Target")]
enum TargetRepr {
    Continuous(Array1<f64>),
    Classes {
        codes: Array1<usize>,
        labels: Vec<String>,
    },
}

impl TryFrom<TargetRepr> for Target {
    type Error = Error;

    fn try_from(r: TargetRepr) -> Result<Target> {
        match r {
            TargetRepr::Continuous(y) => Ok(Target::Continuous(y)),
            TargetRepr::Classes { codes, labels } => Target::classes(codes, labels),
        }
    }
}

impl Target {
    /// A regression target.
    pub fn regression(y: Array1<f64>) -> Self {
        Target::Continuous(y)
    }

    /// A classification target from codes and labels.
    pub fn classes(codes: Array1<usize>, labels: Vec<String>) -> Result<Self> {
        if let Some(&bad) = codes.iter().find(|&&c| c >= labels.len()) {
            return Err(Error::InvalidData(format!(
                "class code {bad} is out of range for {} labels",
                labels.len()
            )));
        }
        Ok(Target::Classes { codes, labels })
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        match self {
            Target::Continuous(y) => y.len(),
            Target::Classes { codes, .. } => codes.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The task this target defines.
    pub fn task(&self) -> Task {
        match self {
            Target::Continuous(_) => Task::Regression,
            Target::Classes { labels, .. } if labels.len() <= 2 => Task::Binary,
            Target::Classes { .. } => Task::Multiclass,
        }
    }

    /// The class labels, for a classification target.
    pub fn labels(&self) -> Option<&[String]> {
        match self {
            Target::Classes { labels, .. } => Some(labels),
            Target::Continuous(_) => None,
        }
    }

    /// The target as `f64` values (class codes for classification).
    pub fn as_f64(&self) -> Array1<f64> {
        match self {
            Target::Continuous(y) => y.clone(),
            Target::Classes { codes, .. } => codes.mapv(|c| c as f64),
        }
    }

    fn select(&self, rows: &[usize]) -> Target {
        match self {
            Target::Continuous(y) => Target::Continuous(y.select(Axis(0), rows)),
            Target::Classes { codes, labels } => Target::Classes {
                codes: codes.select(Axis(0), rows),
                labels: labels.clone(),
            },
        }
    }
}

/// Features (`f64`, `NaN` = missing), an optional target, optional sample weights, and the schema
/// of the feature columns (categorical features are integer codes into their category list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    x: Array2<f64>,
    features: Schema,
    /// No target, one, or several (scikit-learn's 2-D `y`: a multi-output model learns them
    /// together); each has one value per row.
    targets: Vec<Target>,
    /// The target columns' names, one per target when known (may be empty).
    target_names: Vec<String>,
    weights: Option<Array1<f64>>,
    #[serde(default)]
    text: Vec<TextColumn>,
    /// Features kept sparse (a LIBSVM file read sparse), beside `x`; not serialised.
    #[serde(skip)]
    sparse: Option<sprs::CsMat<f64>>,
}

/// A free-text column carried beside the numeric features (the pipeline vectorises it: TF-IDF or
/// hashed token counts). `None` is a missing document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextColumn {
    /// The column's name.
    pub name: String,
    /// One document per row.
    pub values: Vec<Option<String>>,
}

impl Dataset {
    /// A dataset of numeric features with these names (one per column of `x`).
    pub fn new(x: Array2<f64>, feature_names: Vec<String>) -> Result<Self> {
        let schema = Schema::new(
            feature_names
                .into_iter()
                .map(|name| crate::ColumnSchema {
                    name,
                    kind: ColumnKind::Numeric,
                })
                .collect(),
        )?;
        Self::with_schema(x, schema)
    }

    /// A dataset whose feature columns are described by `features`.
    pub fn with_schema(x: Array2<f64>, features: Schema) -> Result<Self> {
        if features.len() != x.ncols() {
            return Err(Error::ShapeMismatch {
                context: "number of feature names".into(),
                expected: x.ncols(),
                got: features.len(),
            });
        }
        for (j, col) in features.columns.iter().enumerate() {
            if let ColumnKind::Categorical { categories } = &col.kind {
                let n = categories.len() as f64;
                if let Some(v) = x
                    .column(j)
                    .iter()
                    .find(|v| !v.is_nan() && (v.fract() != 0.0 || **v < 0.0 || **v >= n))
                {
                    return Err(Error::InvalidData(format!(
                        "categorical column `{}` holds {v}, not a code below {n}",
                        col.name
                    )));
                }
            }
        }
        Ok(Dataset {
            x,
            features,
            targets: Vec::new(),
            target_names: Vec::new(),
            weights: None,
            text: Vec::new(),
            sparse: None,
        })
    }

    /// Attach a block of sparse feature columns (CSR, one row per row; a LIBSVM file read
    /// sparse, column `j` named `f{j}`). The pipeline joins it to the model input without densifying.
    pub fn with_sparse(mut self, block: sprs::CsMat<f64>) -> Result<Self> {
        if block.rows() != self.n_samples() {
            return Err(Error::ShapeMismatch {
                context: "rows of the sparse feature block".into(),
                expected: self.n_samples(),
                got: block.rows(),
            });
        }
        self.sparse = Some(block.to_csr());
        Ok(self)
    }

    /// The dataset without its sparse feature block.
    pub fn without_sparse(mut self) -> Self {
        self.sparse = None;
        self
    }

    /// The sparse feature block, if one is attached.
    pub fn sparse(&self) -> Option<&sprs::CsMat<f64>> {
        self.sparse.as_ref()
    }

    /// Attach free-text columns (one document per row each); their names must differ from the
    /// feature columns' and from each other.
    pub fn with_text(mut self, text: Vec<TextColumn>) -> Result<Self> {
        let mut seen: std::collections::BTreeSet<&str> = self.features.names().collect();
        for col in &text {
            if col.values.len() != self.n_samples() {
                return Err(Error::ShapeMismatch {
                    context: format!("rows of text column `{}`", col.name),
                    expected: self.n_samples(),
                    got: col.values.len(),
                });
            }
            if !seen.insert(&col.name) {
                return Err(Error::InvalidData(format!(
                    "column `{}` appears twice (as text and as another column)",
                    col.name
                )));
            }
        }
        self.text = text;
        Ok(self)
    }

    /// The free-text columns carried beside the features (empty unless attached).
    pub fn text(&self) -> &[TextColumn] {
        &self.text
    }

    /// Attach a target (one value per row), replacing any others.
    pub fn with_target(mut self, target: Target) -> Result<Self> {
        self.check_target(&target, None)?;
        if self.target_names.len() > 1 {
            self.target_names.truncate(1);
        }
        self.targets = vec![target];
        Ok(self)
    }

    /// Attach several named targets at once (scikit-learn's 2-D `y`), replacing any others: a
    /// multi-output model learns them together; a single-output estimator refuses such a dataset
    /// (see [`Dataset::require_target`]). At least one target; names must differ.
    pub fn with_targets(mut self, targets: Vec<(String, Target)>) -> Result<Self> {
        if targets.is_empty() {
            return Err(Error::InvalidData(
                "a list of targets needs at least one".into(),
            ));
        }
        for (i, (name, target)) in targets.iter().enumerate() {
            if targets[..i].iter().any(|(n, _)| n == name) {
                return Err(Error::InvalidData(format!(
                    "the target `{name}` is given twice"
                )));
            }
            self.check_target(target, Some(name))?;
        }
        let (names, targets): (Vec<String>, Vec<Target>) = targets.into_iter().unzip();
        self.target_names = names;
        self.targets = targets;
        Ok(self)
    }

    fn check_target(&self, target: &Target, name: Option<&str>) -> Result<()> {
        let what = match name.or(self.target_names.first().map(String::as_str)) {
            Some(n) => format!("target `{n}`"),
            None => "the target".to_string(),
        };
        if target.len() != self.n_samples() {
            return Err(Error::ShapeMismatch {
                context: format!("length of {what}"),
                expected: self.n_samples(),
                got: target.len(),
            });
        }
        if let Target::Continuous(y) = target
            && let Some(i) = y.iter().position(|v| !v.is_finite())
        {
            return Err(Error::InvalidData(format!(
                "{what} holds a non-finite value ({}) in data row {} (counting from 1, after rows \
                 without a target were dropped); a regression target must be a finite number",
                y[i],
                i + 1
            )));
        }
        Ok(())
    }

    /// Name the target column (for messages and model files).
    pub fn with_target_name(mut self, name: impl Into<String>) -> Self {
        self.target_names = vec![name.into()];
        self
    }

    /// Attach sample weights: finite, non-negative, one per row, not all zero.
    pub fn with_weights(mut self, weights: Array1<f64>) -> Result<Self> {
        if weights.len() != self.n_samples() {
            return Err(Error::ShapeMismatch {
                context: "sample weight length".into(),
                expected: self.n_samples(),
                got: weights.len(),
            });
        }
        if let Some(w) = weights.iter().find(|w| !w.is_finite() || **w < 0.0) {
            return Err(Error::InvalidData(format!(
                "sample weights must be finite and non-negative, found {w}"
            )));
        }
        if !weights.is_empty() && weights.iter().all(|w| *w == 0.0) {
            return Err(Error::InvalidData("all sample weights are zero".into()));
        }
        self.weights = Some(weights);
        Ok(self)
    }

    /// The dataset without sample weights.
    pub fn without_weights(mut self) -> Self {
        self.weights = None;
        self
    }

    /// The feature matrix, rows × features.
    pub fn x(&self) -> ArrayView2<'_, f64> {
        self.x.view()
    }

    /// The schema of the feature columns.
    pub fn features(&self) -> &Schema {
        &self.features
    }

    /// The feature names, in column order.
    pub fn feature_names(&self) -> Vec<String> {
        self.features.names().map(str::to_string).collect()
    }

    /// The target, if any: the only one, or the first of several (see [`Dataset::targets`]).
    pub fn target(&self) -> Option<&Target> {
        self.targets.first()
    }

    /// The one target, or an error saying that the operation needs one — or that it takes a
    /// single target and the dataset has several.
    pub fn require_target(&self) -> Result<&Target> {
        match self.targets.len() {
            0 => Err(Error::InvalidData(
                "this operation needs a target, and the dataset has none".into(),
            )),
            1 => Ok(&self.targets[0]),
            n => Err(Error::InvalidData(format!(
                "this estimator learns one target, and the dataset has {n}{}; a multi-output \
                 model (the multi-task neural network, `--model mlp`) learns several",
                if self.target_names.len() == n {
                    format!(" ({})", self.target_names.join(", "))
                } else {
                    String::new()
                }
            ))),
        }
    }

    /// Every target, in order (empty without one).
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// The number of targets.
    pub fn n_targets(&self) -> usize {
        self.targets.len()
    }

    /// The target column's name, if known (the first target's, when there are several).
    pub fn target_name(&self) -> Option<&str> {
        self.target_names.first().map(String::as_str)
    }

    /// The target columns' names, one per target when known.
    pub fn target_names(&self) -> &[String] {
        &self.target_names
    }

    /// The sample weights, if any.
    pub fn weights(&self) -> Option<ArrayView1<'_, f64>> {
        self.weights.as_ref().map(|w| w.view())
    }

    /// Weights, with unit weights where none were given.
    pub fn weights_or_ones(&self) -> Array1<f64> {
        self.weights
            .clone()
            .unwrap_or_else(|| Array1::ones(self.n_samples()))
    }

    /// The number of rows.
    pub fn n_samples(&self) -> usize {
        self.x.nrows()
    }

    /// The number of feature columns.
    pub fn n_features(&self) -> usize {
        self.x.ncols()
    }

    /// The task defined by the target, if any (the first target's, when there are several).
    pub fn task(&self) -> Option<Task> {
        self.target().map(Target::task)
    }

    /// The same rows with other feature columns (a transformation's output): the targets, their
    /// names, the weights, the text columns and the sparse block are kept.
    pub fn with_features(&self, x: Array2<f64>, features: Schema) -> Result<Dataset> {
        if x.nrows() != self.n_samples() {
            return Err(Error::ShapeMismatch {
                context: "rows of the new feature columns".into(),
                expected: self.n_samples(),
                got: x.nrows(),
            });
        }
        let mut out = Dataset::with_schema(x, features)?;
        out.targets = self.targets.clone();
        out.target_names = self.target_names.clone();
        out.weights = self.weights.clone();
        out.text = self.text.clone();
        out.sparse = self.sparse.clone();
        Ok(out)
    }

    /// A new dataset of the given rows, in the given order (repeats allowed).
    pub fn select_rows(&self, rows: &[usize]) -> Result<Dataset> {
        if let Some(&bad) = rows.iter().find(|&&r| r >= self.n_samples()) {
            return Err(Error::InvalidData(format!(
                "row {bad} is out of range for {} rows",
                self.n_samples()
            )));
        }
        Ok(Dataset {
            x: self.x.select(Axis(0), rows),
            features: self.features.clone(),
            targets: self.targets.iter().map(|t| t.select(rows)).collect(),
            target_names: self.target_names.clone(),
            weights: self.weights.as_ref().map(|w| w.select(Axis(0), rows)),
            text: self
                .text
                .iter()
                .map(|c| TextColumn {
                    name: c.name.clone(),
                    values: rows.iter().map(|&r| c.values[r].clone()).collect(),
                })
                .collect(),
            sparse: self
                .sparse
                .as_ref()
                .map(|m| crate::sparse::select_rows(m, rows)),
        })
    }

    /// Split into parts: the feature matrix, schema, target, target name and weights (text columns
    /// and any targets after the first are dropped; take them first with [`Dataset::text`] and
    /// [`Dataset::targets`]).
    #[allow(clippy::type_complexity)] // a plain tuple of the fields, named in the doc above
    pub fn into_parts(
        self,
    ) -> (
        Array2<f64>,
        Schema,
        Option<Target>,
        Option<String>,
        Option<Array1<f64>>,
    ) {
        let mut targets = self.targets.into_iter();
        let mut names = self.target_names.into_iter();
        (
            self.x,
            self.features,
            targets.next(),
            names.next(),
            self.weights,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn deserialised_classes_are_checked_and_the_form_is_unchanged() {
        let t = Target::classes(array![0, 1, 1], vec!["a".into(), "b".into()]).unwrap();
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(
            json,
            r#"{"Classes":{"codes":{"v":1,"dim":[3],"data":[0,1,1]},"labels":["a","b"]}}"#
        );
        assert_eq!(serde_json::from_str::<Target>(&json).unwrap(), t);
        let bad = json.replace("[0,1,1]", "[0,1,7]");
        let e = serde_json::from_str::<Target>(&bad)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("class code 7 is out of range for 2 labels"),
            "{e}"
        );
        let y = Target::regression(array![1.5, -2.0]);
        let json = serde_json::to_string(&y).unwrap();
        assert_eq!(serde_json::from_str::<Target>(&json).unwrap(), y);
    }

    fn data() -> Dataset {
        Dataset::new(array![[1.0], [2.0], [3.0]], vec!["a".into()]).unwrap()
    }

    #[test]
    fn target_length_checked() {
        assert!(data().with_target(Target::regression(array![1.0])).is_err());
    }

    #[test]
    fn non_finite_regression_target_rejected() {
        let e = data()
            .with_target(Target::regression(array![1.0, f64::NAN, 2.0]))
            .unwrap_err();
        assert!(e.to_string().contains("data row 2"), "{e}");
    }

    #[test]
    fn several_targets_follow_rows_and_single_target_estimators_refuse_them() {
        let classes = Target::classes(array![0, 1, 0], vec!["n".into(), "y".into()]).unwrap();
        let d = data()
            .with_targets(vec![
                ("c".into(), classes),
                ("v".into(), Target::regression(array![0.5, 1.5, 2.5])),
            ])
            .unwrap();
        assert_eq!(d.n_targets(), 2);
        assert_eq!(d.target_names(), ["c", "v"]);
        assert_eq!(d.task(), Some(Task::Binary));
        let e = d.require_target().unwrap_err().to_string();
        assert!(e.contains("2 (c, v)") && e.contains("multi-output"), "{e}");
        let s = d.select_rows(&[2, 1]).unwrap();
        assert_eq!(s.targets()[1].as_f64().to_vec(), vec![2.5, 1.5]);
        let twice = data().with_targets(vec![
            ("a".into(), Target::regression(array![1.0, 2.0, 3.0])),
            ("a".into(), Target::regression(array![1.0, 2.0, 3.0])),
        ]);
        assert!(twice.unwrap_err().to_string().contains("twice"));
        let inf = data()
            .with_targets(vec![(
                "v".into(),
                Target::regression(array![1.0, f64::INFINITY, 3.0]),
            )])
            .unwrap_err()
            .to_string();
        assert!(
            inf.contains("target `v`") && inf.contains("data row 2"),
            "{inf}"
        );
        // One target again replaces the list.
        let one = d
            .with_target(Target::regression(array![1.0, 2.0, 3.0]))
            .unwrap();
        assert_eq!(one.n_targets(), 1);
        assert!(one.require_target().is_ok());
    }

    #[test]
    fn weights_validated() {
        assert!(data().with_weights(array![1.0, -1.0, 1.0]).is_err());
        assert!(data().with_weights(array![0.0, 0.0, 0.0]).is_err());
        assert!(data().with_weights(array![0.0, 1.0, 2.0]).is_ok());
    }

    #[test]
    fn select_rows_keeps_everything_aligned() {
        let d = data()
            .with_target(Target::classes(array![0, 1, 0], vec!["n".into(), "y".into()]).unwrap())
            .unwrap()
            .with_weights(array![1.0, 2.0, 3.0])
            .unwrap();
        let s = d.select_rows(&[2, 0]).unwrap();
        assert_eq!(s.x().column(0).to_vec(), vec![3.0, 1.0]);
        assert_eq!(s.weights().unwrap().to_vec(), vec![3.0, 1.0]);
        assert_eq!(s.task(), Some(Task::Binary));
        assert!(d.select_rows(&[3]).is_err());
    }

    #[test]
    fn text_columns_follow_rows_and_are_checked() {
        let doc = |s: &str| Some(s.to_string());
        let d = data()
            .with_text(vec![TextColumn {
                name: "t".into(),
                values: vec![doc("x"), None, doc("z")],
            }])
            .unwrap();
        let s = d.select_rows(&[2, 2, 1]).unwrap();
        assert_eq!(s.text()[0].values, vec![doc("z"), doc("z"), None]);
        let short = TextColumn {
            name: "t".into(),
            values: vec![None],
        };
        assert!(data().with_text(vec![short]).is_err());
        let clash = TextColumn {
            name: "a".into(),
            values: vec![None; 3],
        };
        assert!(
            data()
                .with_text(vec![clash])
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
    }

    #[test]
    fn sparse_block_follows_rows() {
        let block = sprs::CsMat::new((3, 4), vec![0, 1, 1, 3], vec![2, 0, 3], vec![5.0, 1.0, 2.0]);
        let d = data().with_sparse(block).unwrap();
        let s = d.select_rows(&[2, 1, 0]).unwrap();
        let m = s.sparse().unwrap();
        assert_eq!(
            m.to_dense(),
            array![[1.0, 0.0, 0.0, 2.0], [0.0; 4], [0.0, 0.0, 5.0, 0.0]]
        );
        let wrong = sprs::CsMat::<f64>::zero((2, 4));
        assert!(data().with_sparse(wrong).is_err());
    }

    #[test]
    fn categorical_codes_checked() {
        let schema = Schema::new(vec![crate::ColumnSchema {
            name: "c".into(),
            kind: ColumnKind::Categorical {
                categories: vec!["a".into(), "b".into()],
            },
        }])
        .unwrap();
        assert!(Dataset::with_schema(array![[0.0], [1.0], [f64::NAN]], schema.clone()).is_ok());
        assert!(Dataset::with_schema(array![[2.0]], schema).is_err());
    }
}
