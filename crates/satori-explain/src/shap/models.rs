//! What each model family offers the exact explainers: its trees (with how their outputs add up
//! to the raw output) or its linear coefficients.

use ndarray::Array2;
use satori_pipeline::AnyModel;
use satori_tree::FlatTree;

use super::tree::{PreparedTree, TreeEnsemble};
use crate::OutputSpace;

/// A tree model as an ensemble whose outputs are the explanation's outputs.
pub(crate) struct TreeView<'a> {
    pub(crate) ensemble: TreeEnsemble<'a>,
    pub(crate) space: OutputSpace,
}

/// Trees with one value per class: a binary model explains the positive class (output 1), a
/// multiclass model every class.
fn class_map(n_classes: usize) -> (Vec<(usize, usize)>, usize) {
    if n_classes == 2 {
        (vec![(1, 0)], 1)
    } else {
        ((0..n_classes).map(|c| (c, c)).collect(), n_classes)
    }
}

fn averaged<'a>(trees: &'a [FlatTree], map: &[(usize, usize)], k: usize) -> Vec<PreparedTree<'a>> {
    let scale = 1.0 / trees.len().max(1) as f64;
    trees
        .iter()
        .map(|t| PreparedTree::new(t, scale, map, k))
        .collect()
}

/// The trees of a tree model (decision trees, forests, extra trees, gradient boosting); `None`
/// for the other families (AdaBoost's weighted votes are not a sum of tree outputs).
pub(crate) fn tree_view(model: &AnyModel) -> Option<TreeView<'_>> {
    let n_features = model.n_features();
    let (trees, offset, k, space) = match model {
        AnyModel::DecisionTreeClassifier(m) => {
            let n_classes = m.tree().n_outputs();
            let (map, k) = class_map(n_classes);
            (
                vec![PreparedTree::new(m.tree(), 1.0, &map, k)],
                vec![0.0; k],
                k,
                OutputSpace::Probability,
            )
        }
        AnyModel::DecisionTreeRegressor(m) => (
            vec![PreparedTree::new(m.tree(), 1.0, &[(0, 0)], 1)],
            vec![0.0],
            1,
            OutputSpace::Value,
        ),
        AnyModel::RandomForestClassifier(m)
        | AnyModel::ExtraTreesClassifier(m)
        | AnyModel::BalancedRandomForest(m) => {
            let n_classes = m.trees().first()?.n_outputs();
            let (map, k) = class_map(n_classes);
            (
                averaged(m.trees(), &map, k),
                vec![0.0; k],
                k,
                OutputSpace::Probability,
            )
        }
        AnyModel::RandomForestRegressor(m) | AnyModel::ExtraTreesRegressor(m) => (
            averaged(m.trees(), &[(0, 0)], 1),
            vec![0.0],
            1,
            OutputSpace::Value,
        ),
        AnyModel::GbmClassifier(m) => {
            let k = m.init_score().len().max(1);
            (
                boosted(m.trees(), k),
                m.init_score().to_vec(),
                k,
                OutputSpace::Margin,
            )
        }
        AnyModel::GbmRegressor(m) => (
            boosted(m.trees(), 1),
            m.init_score().to_vec(),
            1,
            OutputSpace::Value,
        ),
        _ => return None,
    };
    if offset.len() != k {
        return None;
    }
    Some(TreeView {
        ensemble: TreeEnsemble {
            trees,
            offset,
            k,
            n_features,
        },
        space,
    })
}

/// Boosted trees, round-major: tree `t·k + c` adds to output `c`.
fn boosted(trees: &[FlatTree], k: usize) -> Vec<PreparedTree<'_>> {
    trees
        .iter()
        .enumerate()
        .map(|(i, t)| PreparedTree::new(t, 1.0, &[(0, i % k)], k))
        .collect()
}

/// A linear model's raw output `coef · z + intercept` per output.
pub(crate) struct LinearView {
    /// `k × n_features`.
    pub(crate) coef: Array2<f64>,
    pub(crate) intercept: Vec<f64>,
    pub(crate) space: OutputSpace,
}

fn one(coef: &[f64], intercept: f64, space: OutputSpace) -> Option<LinearView> {
    Some(LinearView {
        coef: Array2::from_shape_vec((1, coef.len()), coef.to_vec()).ok()?,
        intercept: vec![intercept],
        space,
    })
}

/// The coefficients of a linear model (least squares, ridge, lasso, elastic net, GLMs on the
/// link scale, logistic and SGD models on the margin); `None` for the other families.
pub(crate) fn linear_view(model: &AnyModel) -> Option<LinearView> {
    match model {
        AnyModel::LinearRegression(m) => one(m.coef(), m.intercept(), OutputSpace::Value),
        AnyModel::Ridge(m) => one(m.coef(), m.intercept(), OutputSpace::Value),
        AnyModel::Lasso(m) | AnyModel::ElasticNet(m) => {
            one(m.coef(), m.intercept(), OutputSpace::Value)
        }
        AnyModel::PoissonRegressor(m) | AnyModel::TweedieRegressor(m) => {
            let space = if m.log_link() {
                OutputSpace::Margin
            } else {
                OutputSpace::Value
            };
            one(m.coef(), m.intercept(), space)
        }
        AnyModel::SgdRegressor(m) => one(&m.coef(), m.intercept(), OutputSpace::Value),
        AnyModel::LogisticRegression(m) => Some(LinearView {
            coef: m.coef(),
            intercept: m.intercept().to_vec(),
            space: OutputSpace::Margin,
        }),
        AnyModel::SgdClassifier(m) => Some(LinearView {
            coef: m.coef(),
            intercept: m.intercept(),
            space: OutputSpace::Margin,
        }),
        _ => None,
    }
}
