//! The fitted model of a pipeline as ONNX operators, from the preprocessed double matrix.

use satori_core::{Error, Result};
use satori_nn::{Activation, Dense, Network, NeuralNet};
use satori_pipeline::AnyModel;
use satori_tree::FlatTree;

use crate::graph::{Elem, Graph, attr_float, attr_int};
use crate::trees::{Ensemble, LeafFn, Post};
use crate::unsupported;

/// What the model part of the graph produces.
pub(crate) enum Head {
    /// Class probabilities (float `[N, classes]`) and, where the operator gives it, the label.
    Classes {
        proba: String,
        label: Option<String>,
    },
    /// The predicted value (float `[N, 1]`).
    Value(String),
}

/// The model kinds the export takes, for the error that names the others.
pub const EXPORTABLE_MODELS: &[&str] = &[
    "decision_tree_classifier",
    "decision_tree_regressor",
    "random_forest_classifier",
    "random_forest_regressor",
    "extra_trees_classifier",
    "extra_trees_regressor",
    "balanced_random_forest",
    "gbm_classifier",
    "gbm_regressor",
    "mlp_classifier",
    "mlp_regressor",
    "linear_regression",
    "ridge",
    "lasso",
    "elastic_net",
    "poisson_regressor",
    "tweedie_regressor",
    "sgd_regressor",
    "logistic_regression",
];

/// The graph of `model` on the double matrix `x` (`p` columns); `classes` for classifiers.
pub(crate) fn model_head(
    g: &mut Graph,
    model: &AnyModel,
    x: &str,
    p: usize,
    classes: Option<&[String]>,
) -> Result<Head> {
    if model.n_features() != p {
        return Err(Error::Internal(format!(
            "the preprocessing gives {p} columns, the model reads {}",
            model.n_features()
        )));
    }
    let classes =
        || classes.ok_or_else(|| Error::Internal("a classifier pipeline without classes".into()));
    match model {
        AnyModel::DecisionTreeClassifier(m) => {
            forest_classifier(g, std::slice::from_ref(m.tree()), p, x, classes()?)
        }
        AnyModel::RandomForestClassifier(m)
        | AnyModel::ExtraTreesClassifier(m)
        | AnyModel::BalancedRandomForest(m) => forest_classifier(g, m.trees(), p, x, classes()?),
        AnyModel::DecisionTreeRegressor(m) => {
            forest_regressor(g, std::slice::from_ref(m.tree()), p, x)
        }
        AnyModel::RandomForestRegressor(m) | AnyModel::ExtraTreesRegressor(m) => {
            forest_regressor(g, m.trees(), p, x)
        }
        AnyModel::GbmClassifier(m) => {
            let classes = classes()?;
            let k = m.init_score().len();
            let trees = m.trees();
            if k == 1 && classes.len() == 2 {
                // One margin: the logistic function of the summed score, then [1 - p, p]. The
                // sigmoid is its own standard operator: ONNX Runtime's TreeEnsembleRegressor
                // leaves the sum untransformed whatever `post_transform` says.
                let e = Ensemble {
                    trees,
                    n_features: p,
                    leaf: &|_, v| vec![(0, v[0])],
                    base_values: m.init_score().to_vec(),
                    post: Post::None,
                };
                let margin = e.regressor(g, x, 1)?;
                let p1 = g.op("Sigmoid", &[&margin], vec![]);
                Ok(Head::Classes {
                    proba: binary_proba(g, &p1),
                    label: None,
                })
            } else if k == classes.len() && k > 2 {
                let e = Ensemble {
                    trees,
                    n_features: p,
                    leaf: &|t, v| vec![(t % k, v[0])],
                    base_values: m.init_score().to_vec(),
                    post: Post::Softmax,
                };
                let (label, proba) = e.classifier(g, x, classes)?;
                Ok(Head::Classes {
                    proba,
                    label: Some(label),
                })
            } else {
                Err(Error::InvalidData(format!(
                    "corrupt gradient boosting model: {k} score groups for {} classes",
                    classes.len()
                )))
            }
        }
        AnyModel::GbmRegressor(m) => {
            let e = Ensemble {
                trees: m.trees(),
                n_features: p,
                leaf: &|_, v| vec![(0, v[0])],
                base_values: m.init_score().to_vec(),
                post: Post::None,
            };
            let raw = e.regressor(g, x, 1)?;
            Ok(Head::Value(if m.log_link() {
                g.op("Exp", &[&raw], vec![])
            } else {
                raw
            }))
        }
        AnyModel::MlpClassifier(m) => {
            let logits = network(g, m.network(), x)?;
            Ok(Head::Classes {
                proba: g.op("Softmax", &[&logits], vec![attr_int("axis", 1)]),
                label: None,
            })
        }
        AnyModel::MlpRegressor(m) => Ok(Head::Value(network(g, m.network(), x)?)),
        AnyModel::LinearRegression(m) => linear_value(g, x, m.coef(), m.intercept(), false),
        AnyModel::Ridge(m) => linear_value(g, x, m.coef(), m.intercept(), false),
        AnyModel::Lasso(m) | AnyModel::ElasticNet(m) => {
            linear_value(g, x, m.coef(), m.intercept(), false)
        }
        AnyModel::PoissonRegressor(m) | AnyModel::TweedieRegressor(m) => {
            linear_value(g, x, m.coef(), m.intercept(), m.log_link())
        }
        AnyModel::SgdRegressor(m) => linear_value(g, x, &m.coef(), m.intercept(), false),
        AnyModel::LogisticRegression(m) => {
            let classes = classes()?;
            let all: Vec<usize> = (0..classes.len()).collect();
            if m.fitted_classes() != all.as_slice() {
                return Err(unsupported(
                    "a logistic_regression fitted on fewer classes than its target has (their \
                     probabilities are fixed zeros)",
                ));
            }
            let coef = m.coef();
            let (k, n) = coef.dim();
            // Scores X·Wᵀ + b in double, as satori computes them.
            let w: Vec<f64> = coef.t().iter().copied().collect();
            let w = g.const_f64("coef", &[n, k], w);
            let b = g.const_f64("intercept", &[k], m.intercept().to_vec());
            let scores = g.op("Gemm", &[x, &w, &b], vec![]);
            let proba = if k == 1 {
                let p1 = g.op("Sigmoid", &[&scores], vec![]);
                let p1 = g.cast(&p1, Elem::Float);
                binary_proba(g, &p1)
            } else {
                let s = g.op("Softmax", &[&scores], vec![attr_int("axis", 1)]);
                g.cast(&s, Elem::Float)
            };
            Ok(Head::Classes { proba, label: None })
        }
        other => Err(unsupported(&format!(
            "model `{}` has no ONNX export; exportable models are {}",
            other.kind(),
            EXPORTABLE_MODELS.join(", ")
        ))),
    }
}

/// `[1 - p, p]` from the positive-class probability `p` (float `[N, 1]`).
fn binary_proba(g: &mut Graph, p1: &str) -> String {
    let one = g.const_f32("one", &[1], vec![1.0]);
    let p0 = g.op("Sub", &[&one, p1], vec![]);
    g.hstack(&[p0, p1.to_string()])
}

/// Averaged class probabilities of trees whose leaves hold them. Two classes: one weight per
/// leaf (the second class's probability), ONNX's binary form, whose scores are `[1 - p, p]`.
fn forest_classifier(
    g: &mut Graph,
    trees: &[FlatTree],
    p: usize,
    x: &str,
    classes: &[String],
) -> Result<Head> {
    let scale = 1.0 / trees.len().max(1) as f64;
    let k = classes.len();
    let binary = |_: usize, v: &[f64]| vec![(0, v[1] * scale)];
    let multi = |_: usize, v: &[f64]| v.iter().enumerate().map(|(c, &w)| (c, w * scale)).collect();
    if let Some(t) = trees.iter().find(|t| t.n_outputs() != k) {
        return Err(Error::InvalidData(format!(
            "corrupt tree: {} values per leaf for {k} classes",
            t.n_outputs()
        )));
    }
    let leaf: LeafFn<'_> = if k == 2 { &binary } else { &multi };
    let e = Ensemble {
        trees,
        n_features: p,
        leaf,
        base_values: Vec::new(),
        post: Post::None,
    };
    let (label, proba) = e.classifier(g, x, classes)?;
    Ok(Head::Classes {
        proba,
        label: Some(label),
    })
}

/// The mean of the trees' leaf values.
fn forest_regressor(g: &mut Graph, trees: &[FlatTree], p: usize, x: &str) -> Result<Head> {
    let scale = 1.0 / trees.len().max(1) as f64;
    let e = Ensemble {
        trees,
        n_features: p,
        leaf: &|_, v| vec![(0, v[0] * scale)],
        base_values: Vec::new(),
        post: Post::None,
    };
    Ok(Head::Value(e.regressor(g, x, 1)?))
}

/// `x · coef + intercept` in double (then `exp` for a log link), as float `[N, 1]`.
fn linear_value(
    g: &mut Graph,
    x: &str,
    coef: &[f64],
    intercept: f64,
    log_link: bool,
) -> Result<Head> {
    let w = g.const_f64("coef", &[coef.len(), 1], coef.to_vec());
    let b = g.const_f64("intercept", &[1], vec![intercept]);
    let mut y = g.op("Gemm", &[x, &w, &b], vec![]);
    if log_link {
        y = g.op("Exp", &[&y], vec![]);
    }
    Ok(Head::Value(g.cast(&y, Elem::Float)))
}

/// A dense layer `x · W + b` (float).
fn dense(g: &mut Graph, x: &str, d: &Dense) -> String {
    let w = g.const_f32("weight", &[d.n_in, d.n_out], d.weight.clone());
    let b = g.const_f32("bias", &[d.n_out], d.bias.clone());
    g.op("Gemm", &[x, &w, &b], vec![])
}

/// The network's single head (logits or values, float) from the double matrix `x`.
fn network(g: &mut Graph, net: &Network, x: &str) -> Result<String> {
    net.validate()?;
    let [head] = net.heads.as_slice() else {
        return Err(unsupported(&format!(
            "a network with {} output heads (only single-target networks export)",
            net.heads.len()
        )));
    };
    let mut h = g.cast(x, Elem::Float);
    for layer in &net.hidden {
        h = dense(g, &h, &layer.dense);
        if let Some(bn) = &layer.batch_norm {
            let n = bn.gamma.len();
            let scale = g.const_f32("bn_gamma", &[n], bn.gamma.clone());
            let bias = g.const_f32("bn_beta", &[n], bn.beta.clone());
            let mean = g.const_f32("bn_mean", &[n], bn.running_mean.clone());
            let var = g.const_f32("bn_var", &[n], bn.running_var.clone());
            h = g.op(
                "BatchNormalization",
                &[&h, &scale, &bias, &mean, &var],
                vec![attr_float("epsilon", bn.eps)],
            );
        }
        h = match net.activation {
            Activation::Relu => g.op("Relu", &[&h], vec![]),
            Activation::Tanh => g.op("Tanh", &[&h], vec![]),
            Activation::Logistic => g.op("Sigmoid", &[&h], vec![]),
            Activation::Gelu => {
                // 0.5 · x · (1 + erf(x · (1/√2))), the exact GELU satori computes.
                let r = g.const_f32("inv_sqrt2", &[1], vec![std::f32::consts::FRAC_1_SQRT_2]);
                let half = g.const_f32("half", &[1], vec![0.5]);
                let one = g.const_f32("one", &[1], vec![1.0]);
                let s = g.op("Mul", &[&h, &r], vec![]);
                let e = g.op("Erf", &[&s], vec![]);
                let e = g.op("Add", &[&e, &one], vec![]);
                let m = g.op("Mul", &[&h, &e], vec![]);
                g.op("Mul", &[&m, &half], vec![])
            }
        };
    }
    Ok(dense(g, &h, head))
}
