//! CART decision trees: [`DecisionTreeClassifier`] and [`DecisionTreeRegressor`], scikit-learn's
//! `DecisionTreeClassifier`/`DecisionTreeRegressor` (1.9) split for split.
//!
//! With `max_features = "all"` and no ties between candidate splits, the tree is the one
//! scikit-learn grows on the same data: the same features, thresholds at the midpoint of two
//! consecutive training values, the same leaf values. (scikit-learn stores features as `f32`;
//! satori keeps `f64`, so thresholds agree exactly when the training values are representable
//! in `f32`.) Missing values (`NaN`) are handled as scikit-learn ≥ 1.3 does: each split tries
//! sending the node's missing rows left and right and keeps the better; at prediction a missing
//! value follows the learned direction, and at a split whose feature had no missing value in
//! the node it goes to the child that received more training rows.
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, PredictProba, Predictor, Target};
//! use satori_tree::DecisionTreeClassifierParams;
//!
//! let x = array![[1.0], [2.0], [3.0], [4.0]];
//! let y = Target::classes(array![0, 0, 1, 1], vec!["no".into(), "yes".into()]).unwrap();
//! let data = Dataset::new(x.clone(), vec!["f".into()]).unwrap().with_target(y).unwrap();
//! let model = DecisionTreeClassifierParams::default().fit(&data).unwrap();
//! assert_eq!(model.predict(x.view()).unwrap().to_vec(), vec![0.0, 0.0, 1.0, 1.0]);
//! assert_eq!(model.get_n_leaves(), 2);
//! assert_eq!(model.predict_proba(array![[2.6]].view()).unwrap().row(0).to_vec(), vec![0.0, 1.0]);
//! ```

use ndarray::{Array1, Array2, ArrayView2};
use satori_core::{Dataset, Error, Estimator, Params, PredictProba, Predictor, Progress, Result};
use serde::{Deserialize, Serialize};

use crate::builder::{SplitKind, TreeSpec, grow};
use crate::criterion::{ClassCriterion, Crit, RegCriterion, Targets};
use crate::flat::FlatTree;
use crate::params::{
    ClassWeight, FeatureSampling, Prepared, Splitter, argmax_rows, check_poisson, prepare,
    tree_values, validate_growth,
};
use crate::prune::{PruningPath, path, prune};

/// Parameters of a [`DecisionTreeClassifier`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct DecisionTreeClassifierParams {
    /// The impurity: `gini` (default), `entropy` or `log_loss` (the same as `entropy`).
    pub criterion: ClassCriterion,
    /// `best` (default): the best threshold of each candidate feature; `random`: the best of one
    /// random threshold per candidate feature.
    pub splitter: Splitter,
    /// The maximum depth (the root has depth 0). Default none (grow until the other rules
    /// stop); at least 1.
    pub max_depth: Option<usize>,
    /// The fewest rows a node needs to be split. Default 2; at least 2.
    pub min_samples_split: usize,
    /// The fewest rows each child of a split must get. Default 1; at least 1.
    pub min_samples_leaf: usize,
    /// The smallest share of the total sample weight each child must get. Default 0; in
    /// [0, 0.5].
    pub min_weight_fraction_leaf: f64,
    /// The features considered per split: `"all"` (default), `"sqrt"`, `"log2"`, a count
    /// (1..=n_features) or a fraction in (0, 1].
    pub max_features: FeatureSampling,
    /// Grow best-first (largest impurity decrease first) up to this many leaves. Default none
    /// (depth-first, no limit); at least 2.
    pub max_leaf_nodes: Option<usize>,
    /// Split a node only if the weighted impurity decrease `N_t / N · (I − N_l/N_t · I_l −
    /// N_r/N_t · I_r)` is at least this. Default 0; finite, >= 0.
    pub min_impurity_decrease: f64,
    /// Minimal cost-complexity pruning: prune the subtrees whose effective alpha is at most
    /// this. Default 0 (no pruning); finite, >= 0.
    pub ccp_alpha: f64,
    /// Class weights multiplied into the sample weights: none (default), `"balanced"` or a map
    /// from label to weight.
    #[serde(deserialize_with = "crate::params::read_class_weight")]
    pub class_weight: Option<ClassWeight>,
    /// Seed of the order in which features are tried (which matters on ties and with
    /// `max_features` below all) and of the random splitter. Default 0.
    pub seed: u64,
}

impl Default for DecisionTreeClassifierParams {
    fn default() -> Self {
        DecisionTreeClassifierParams {
            criterion: ClassCriterion::Gini,
            splitter: Splitter::Best,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            min_weight_fraction_leaf: 0.0,
            max_features: FeatureSampling::All,
            max_leaf_nodes: None,
            min_impurity_decrease: 0.0,
            ccp_alpha: 0.0,
            class_weight: None,
            seed: 0,
        }
    }
}

/// Parameters of a [`DecisionTreeRegressor`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct DecisionTreeRegressorParams {
    /// The impurity: `squared_error` (default, leaves predict the mean), `absolute_error`
    /// (leaves predict the weighted median) or `poisson` (half Poisson deviance; needs a
    /// non-negative target with a positive sum).
    pub criterion: RegCriterion,
    /// `best` (default) or `random`, as for the classifier.
    pub splitter: Splitter,
    /// The maximum depth. Default none; at least 1.
    pub max_depth: Option<usize>,
    /// The fewest rows a node needs to be split. Default 2; at least 2.
    pub min_samples_split: usize,
    /// The fewest rows each child of a split must get. Default 1; at least 1.
    pub min_samples_leaf: usize,
    /// The smallest share of the total sample weight each child must get. Default 0; in
    /// [0, 0.5].
    pub min_weight_fraction_leaf: f64,
    /// The features considered per split: `"all"` (default), `"sqrt"`, `"log2"`, a count or a
    /// fraction in (0, 1].
    pub max_features: FeatureSampling,
    /// Grow best-first up to this many leaves. Default none; at least 2.
    pub max_leaf_nodes: Option<usize>,
    /// The smallest weighted impurity decrease of a split. Default 0; finite, >= 0.
    pub min_impurity_decrease: f64,
    /// Minimal cost-complexity pruning strength. Default 0; finite, >= 0.
    pub ccp_alpha: f64,
    /// Seed of the feature order and the random splitter. Default 0.
    pub seed: u64,
}

impl Default for DecisionTreeRegressorParams {
    fn default() -> Self {
        DecisionTreeRegressorParams {
            criterion: RegCriterion::SquaredError,
            splitter: Splitter::Best,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            min_weight_fraction_leaf: 0.0,
            max_features: FeatureSampling::All,
            max_leaf_nodes: None,
            min_impurity_decrease: 0.0,
            ccp_alpha: 0.0,
            seed: 0,
        }
    }
}

impl Params for DecisionTreeClassifierParams {
    fn validate(&self) -> Result<()> {
        validate_growth(
            self.max_depth,
            self.min_samples_split,
            self.min_samples_leaf,
            self.min_weight_fraction_leaf,
            self.max_features,
            self.max_leaf_nodes,
            self.min_impurity_decrease,
            self.ccp_alpha,
        )?;
        match &self.class_weight {
            Some(ClassWeight::BalancedSubsample) => Err(Error::param(
                "class_weight",
                "\"balanced_subsample\" is for forests; a single tree takes \"balanced\" or a map",
            )),
            Some(cw) => cw.validate(),
            None => Ok(()),
        }
    }
}

impl Params for DecisionTreeRegressorParams {
    fn validate(&self) -> Result<()> {
        validate_growth(
            self.max_depth,
            self.min_samples_split,
            self.min_samples_leaf,
            self.min_weight_fraction_leaf,
            self.max_features,
            self.max_leaf_nodes,
            self.min_impurity_decrease,
            self.ccp_alpha,
        )
    }
}

/// The resolved growth settings of one tree.
#[allow(clippy::too_many_arguments)]
pub(crate) fn spec(
    crit: Crit,
    splitter: Splitter,
    max_depth: Option<usize>,
    min_samples_split: usize,
    min_samples_leaf: usize,
    min_weight_fraction_leaf: f64,
    max_features: FeatureSampling,
    max_leaf_nodes: Option<usize>,
    min_impurity_decrease: f64,
    n_features: usize,
    seed: u64,
) -> Result<TreeSpec> {
    Ok(TreeSpec {
        crit,
        splitter: match splitter {
            Splitter::Best => SplitKind::Best,
            Splitter::Random => SplitKind::Random,
        },
        max_depth: max_depth.unwrap_or(i32::MAX as usize),
        min_samples_split,
        min_samples_leaf,
        min_weight_fraction_leaf,
        max_features: max_features.resolve(n_features)?,
        max_leaf_nodes,
        min_impurity_decrease,
        seed,
    })
}

impl DecisionTreeClassifierParams {
    fn grow_full(&self, data: &Dataset) -> Result<(FlatTree, Vec<String>)> {
        self.validate()?;
        let Prepared {
            cols,
            y,
            class,
            labels,
            mut w,
        } = prepare(data, true, "DecisionTreeClassifier")?;
        if let Some(cw) = &self.class_weight {
            let per = cw.per_class(&labels, &class, None)?;
            w.iter_mut()
                .zip(&class)
                .for_each(|(wi, &c)| *wi *= per[c as usize]);
        }
        let s = spec(
            self.criterion.into(),
            self.splitter,
            self.max_depth,
            self.min_samples_split,
            self.min_samples_leaf,
            self.min_weight_fraction_leaf,
            self.max_features,
            self.max_leaf_nodes,
            self.min_impurity_decrease,
            cols.n_features(),
            self.seed,
        )?;
        let t = Targets {
            y: &y,
            class: &class,
            n_classes: labels.len(),
        };
        let tree = grow(&s, &cols, &t, &w, labels.len())?;
        Ok((tree, labels))
    }

    /// The cost-complexity pruning path of the tree these parameters grow on `data` (with
    /// `ccp_alpha` ignored), scikit-learn's `cost_complexity_pruning_path`.
    pub fn cost_complexity_pruning_path(&self, data: &Dataset) -> Result<PruningPath> {
        Ok(path(&self.grow_full(data)?.0))
    }
}

impl DecisionTreeRegressorParams {
    fn grow_full(&self, data: &Dataset) -> Result<FlatTree> {
        self.validate()?;
        let Prepared { cols, y, w, .. } = prepare(data, false, "DecisionTreeRegressor")?;
        if self.criterion == RegCriterion::Poisson {
            check_poisson(&y)?;
        }
        let s = spec(
            self.criterion.into(),
            self.splitter,
            self.max_depth,
            self.min_samples_split,
            self.min_samples_leaf,
            self.min_weight_fraction_leaf,
            self.max_features,
            self.max_leaf_nodes,
            self.min_impurity_decrease,
            cols.n_features(),
            self.seed,
        )?;
        let t = Targets {
            y: &y,
            class: &[],
            n_classes: 0,
        };
        grow(&s, &cols, &t, &w, 1)
    }

    /// The cost-complexity pruning path of the tree these parameters grow on `data` (with
    /// `ccp_alpha` ignored), scikit-learn's `cost_complexity_pruning_path`.
    pub fn cost_complexity_pruning_path(&self, data: &Dataset) -> Result<PruningPath> {
        Ok(path(&self.grow_full(data)?))
    }
}

/// A fitted classification tree: leaves hold the weighted class fractions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionTreeClassifier {
    tree: FlatTree,
    classes: Vec<String>,
}

/// A fitted regression tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionTreeRegressor {
    tree: FlatTree,
}

impl Estimator for DecisionTreeClassifierParams {
    type Model = DecisionTreeClassifier;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<DecisionTreeClassifier> {
        progress.start("decision tree", Some(1));
        let (tree, classes) = self.grow_full(data)?;
        let tree = prune(&tree, self.ccp_alpha);
        progress.advance(1);
        progress.finish();
        Ok(DecisionTreeClassifier { tree, classes })
    }
}

impl Estimator for DecisionTreeRegressorParams {
    type Model = DecisionTreeRegressor;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<DecisionTreeRegressor> {
        progress.start("decision tree", Some(1));
        let tree = prune(&self.grow_full(data)?, self.ccp_alpha);
        progress.advance(1);
        progress.finish();
        Ok(DecisionTreeRegressor { tree })
    }
}

macro_rules! tree_accessors {
    ($t:ty) => {
        impl $t {
            /// The fitted tree.
            pub fn tree(&self) -> &FlatTree {
                &self.tree
            }

            /// The depth of the tree (a lone root has depth 0).
            pub fn get_depth(&self) -> usize {
                self.tree.max_depth()
            }

            /// The number of leaves.
            pub fn get_n_leaves(&self) -> usize {
                self.tree.n_leaves()
            }

            /// Impurity-based feature importances, scikit-learn's definition: the total
            /// weighted impurity decrease of each feature's splits, normalised to sum to 1 (all
            /// zeros for a tree without splits).
            pub fn feature_importances(&self) -> Vec<f64> {
                crate::params::tree_importances(&self.tree)
            }

            /// The leaf index of each row.
            pub fn apply(&self, x: ArrayView2<'_, f64>) -> Result<Vec<u32>> {
                self.tree.apply(x)
            }
        }
    };
}

tree_accessors!(DecisionTreeClassifier);
tree_accessors!(DecisionTreeRegressor);

impl Predictor for DecisionTreeClassifier {
    fn n_features(&self) -> usize {
        self.tree.n_features()
    }

    /// The class code with the largest probability (the first on ties).
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(argmax_rows(&self.predict_proba(x)?))
    }
}

impl PredictProba for DecisionTreeClassifier {
    fn classes(&self) -> &[String] {
        &self.classes
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_model(&self.tree, self.classes.len())?;
        tree_values(&self.tree, x)
    }

    fn predict_with_proba(&self, x: ArrayView2<'_, f64>) -> Result<(Array1<f64>, Array2<f64>)> {
        let p = self.predict_proba(x)?;
        Ok((argmax_rows(&p), p))
    }
}

impl Predictor for DecisionTreeRegressor {
    fn n_features(&self) -> usize {
        self.tree.n_features()
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_model(&self.tree, 1)?;
        Ok(tree_values(&self.tree, x)?.column(0).to_owned())
    }
}

/// Refuse a tree that does not fit its model (only possible for an altered model file). The
/// tree itself is valid: built through [`FlatTree`]'s checked API or validated when read.
pub(crate) fn check_model(tree: &FlatTree, n_outputs: usize) -> Result<()> {
    if tree.n_nodes() == 0 {
        return Err(Error::InvalidData("corrupt tree: it has no nodes".into()));
    }
    if tree.n_outputs() != n_outputs {
        return Err(Error::InvalidData(format!(
            "corrupt tree: {} values per leaf for {n_outputs} outputs; was the model file altered?",
            tree.n_outputs()
        )));
    }
    Ok(())
}
