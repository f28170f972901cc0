//! Parameter importances of a finished search: how much of the objective's variation each
//! searched parameter explains, by **fANOVA** (Hutter, Hoos and Leyton-Brown, "An efficient
//! approach for assessing hyperparameter importance", ICML 2014) over a random-forest surrogate,
//! as Optuna's `FanovaImportanceEvaluator` computes it.
//!
//! 1. The complete trials with a finite value become a table: one column per searched parameter
//!    that took more than one value among them, in the space's internal coordinates, with log
//!    ranges in log space and a choice as the index of its value. A conditional parameter that
//!    is inactive in a trial gets a sentinel: the middle of one more region, as wide as the
//!    parameter's range, below its low end (so "inactive" is one more part of its axis).
//! 2. A random forest regressor (64 trees, depth up to 64, every column tried at each split,
//!    bootstrap samples; satori-tree's `RandomForestRegressor`, seeded) learns value from
//!    parameters.
//! 3. Each tree is a piecewise-constant function on the box of the parameters' ranges (for an
//!    integer, each value gets an equal share of its axis; for a choice, each category does).
//!    Under the uniform distribution on that box, the tree's total variance is
//!    `V = Σ_leaf vol·(v − μ)²`, and parameter `j`'s main-effect variance is the variance of the
//!    tree's marginal `f_j(x_j)` (the tree averaged over every other parameter), computed
//!    exactly on the intervals the tree's splits on `j` cut. A tree's importance of `j` is
//!    `V_j / V` (trees with `V = 0` are skipped); the forest's is the mean over trees, and the
//!    importances are normalised to sum to 1.
//!
//! Interactions are not attributed to any single parameter: they are left out before the
//! normalisation, as Optuna does.

use ndarray::{Array1, Array2};
use satori_core::{Dataset, Error, Estimator, Result, Target};
use satori_tree::{FlatTree, RandomForestRegressorParams, SplitRule};

use crate::space::{Distribution, SearchSpace};
use crate::trial::{TrialRecord, TrialState};

/// Trees of the surrogate forest (Optuna's default).
pub const FANOVA_TREES: usize = 64;
/// Deepest a surrogate tree grows (Optuna's default).
pub const FANOVA_MAX_DEPTH: usize = 64;

/// One column of the surrogate's table: a parameter's axis.
struct Axis {
    path: String,
    /// The bounds of the axis (the uniform distribution fANOVA averages over).
    lo: f64,
    hi: f64,
}

/// A parameter's coordinate: its log for a log range, the choice's index, or the value.
fn coordinate(d: &Distribution, x: f64) -> f64 {
    match d {
        Distribution::Float { log: true, .. } | Distribution::Int { log: true, .. } => x.ln(),
        _ => x,
    }
}

/// The bounds of a parameter's axis, before any sentinel region.
fn bounds(d: &Distribution) -> (f64, f64) {
    match *d {
        Distribution::Float {
            low,
            high,
            log: true,
            ..
        } => (low.ln(), high.ln()),
        Distribution::Float { low, high, .. } => (low, high),
        Distribution::Int {
            low,
            high,
            log: true,
            ..
        } => ((low as f64 - 0.5).max(0.5).ln(), (high as f64 + 0.5).ln()),
        Distribution::Int {
            low, high, step, ..
        } => (
            low as f64 - 0.5 * step as f64,
            high as f64 + 0.5 * step as f64,
        ),
        Distribution::Choice { ref choices } => (-0.5, choices.len() as f64 - 0.5),
    }
}

/// The fANOVA importance of each searched parameter over the complete trials (see the
/// [module docs](self)): `(path, importance)` pairs, normalised to sum to 1, largest first (ties
/// in the space's order). Parameters that took a single value in the complete trials are left
/// out (nothing can be said of them). The same trials, space and `seed` give the same result.
///
/// An error when fewer than two complete trials have a finite value, when no parameter varied
/// among them, when they all have the same value, when a trial's parameters do not fit `space`,
/// or when the surrogate explains no variation by any single parameter.
pub fn param_importances(
    trials: &[TrialRecord],
    space: &SearchSpace,
    seed: u64,
) -> Result<Vec<(String, f64)>> {
    let complete: Vec<&TrialRecord> = trials
        .iter()
        .filter(|t| t.state == TrialState::Complete && t.value.is_some_and(f64::is_finite))
        .collect();
    if complete.len() < 2 {
        return Err(Error::NotEnoughSamples {
            context: "parameter importances (complete trials with a finite value)".into(),
            needed: 2,
            got: complete.len(),
        });
    }
    let (axes, columns) = table(&complete, space)?;
    if axes.is_empty() {
        return Err(Error::InvalidData(
            "no searched parameter took more than one value in the complete trials".into(),
        ));
    }
    let y: Vec<f64> = complete.iter().filter_map(|t| t.value).collect();
    if y.iter().all(|v| *v == y[0]) {
        return Err(Error::InvalidData(format!(
            "every complete trial has the same value ({}), so no parameter explains any of it",
            y[0]
        )));
    }
    let n = complete.len();
    let mut x = Array2::<f64>::zeros((n, axes.len()));
    for (j, col) in columns.iter().enumerate() {
        for (i, v) in col.iter().enumerate() {
            x[[i, j]] = *v;
        }
    }
    let names = axes.iter().map(|a| a.path.clone()).collect();
    let data = Dataset::new(x, names)?.with_target(Target::regression(Array1::from(y)))?;
    let params = RandomForestRegressorParams {
        n_estimators: FANOVA_TREES,
        max_depth: Some(FANOVA_MAX_DEPTH),
        seed,
        ..Default::default()
    };
    let forest = params.fit(&data)?;
    let domain: Vec<(f64, f64)> = axes.iter().map(|a| (a.lo, a.hi)).collect();
    let mut sums = vec![0.0; axes.len()];
    let mut counted = 0usize;
    for tree in forest.trees() {
        let Some(fractions) = tree_fractions(tree, &domain)? else {
            continue;
        };
        for (s, f) in sums.iter_mut().zip(fractions) {
            *s += f;
        }
        counted += 1;
    }
    let total: f64 = sums.iter().sum();
    if counted == 0 || !(total > 0.0 && total.is_finite()) {
        return Err(Error::InvalidData(
            "the surrogate forest explains none of the variation by any single parameter".into(),
        ));
    }
    let mut out: Vec<(String, f64)> = axes
        .into_iter()
        .zip(sums)
        .map(|(a, s)| (a.path, s / total))
        .collect();
    // Largest first; a stable sort keeps the space's order among ties.
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok(out)
}

/// The axes of the parameters that vary among `trials`, and their columns (one value per trial).
fn table(trials: &[&TrialRecord], space: &SearchSpace) -> Result<(Vec<Axis>, Vec<Vec<f64>>)> {
    let mut points = Vec::with_capacity(trials.len());
    for t in trials {
        let point = space.point_from_values(&t.params).map_err(|e| {
            Error::InvalidData(format!(
                "trial {}'s parameters do not fit the search space: {e}",
                t.number
            ))
        })?;
        points.push(point);
    }
    let mut axes = Vec::new();
    let mut columns = Vec::new();
    for (index, p) in space.params().iter().enumerate() {
        let (lo, hi) = bounds(&p.distribution);
        let width = hi - lo;
        let conditional = p.condition.is_some();
        let sentinel = conditional.then_some(lo - 0.5 * width);
        let col: Vec<f64> = points
            .iter()
            .map(|pt| match pt.get(index).copied().flatten() {
                Some(v) => coordinate(&p.distribution, v).clamp(lo, hi),
                None => sentinel.unwrap_or(lo),
            })
            .collect();
        if !col.iter().all(|v| v.is_finite()) {
            return Err(Error::InvalidData(format!(
                "parameter {} has a value the importances cannot place on its axis",
                p.path
            )));
        }
        if col.iter().all(|v| *v == col[0]) {
            continue;
        }
        axes.push(Axis {
            path: p.path.clone(),
            lo: if conditional { lo - width } else { lo },
            hi,
        });
        columns.push(col);
    }
    Ok((axes, columns))
}

/// A leaf of a tree: its box (one interval per axis) and its value.
struct Leaf {
    lo: Vec<f64>,
    hi: Vec<f64>,
    value: f64,
}

/// The leaves of `tree` with their boxes within `domain`.
fn leaves(tree: &FlatTree, domain: &[(f64, f64)]) -> Result<Vec<Leaf>> {
    let lo: Vec<f64> = domain.iter().map(|d| d.0).collect();
    let hi: Vec<f64> = domain.iter().map(|d| d.1).collect();
    let mut out = Vec::new();
    let mut stack = vec![(0u32, lo, hi)];
    while let Some((node, lo, hi)) = stack.pop() {
        let children = tree.children(node).filter(|_| !tree.is_leaf(node));
        let (Some((left, right)), Some(f)) = (children, tree.feature(node)) else {
            let value = tree.value(node).first().copied().unwrap_or(0.0);
            out.push(Leaf { lo, hi, value });
            continue;
        };
        let t = match tree.rule(node) {
            Some(SplitRule::Threshold(t)) => t,
            _ => {
                return Err(Error::Internal(
                    "the importance surrogate split on categories".into(),
                ));
            }
        };
        if f >= lo.len() {
            return Err(Error::Internal(
                "the importance surrogate split on an unknown column".into(),
            ));
        }
        let mut left_hi = hi.clone();
        left_hi[f] = t.clamp(lo[f], hi[f]);
        let mut right_lo = lo.clone();
        right_lo[f] = t.clamp(lo[f], hi[f]);
        stack.push((right, right_lo, hi));
        stack.push((left, lo, left_hi));
    }
    Ok(out)
}

/// Per axis, the share of `tree`'s variance (over the uniform distribution on `domain`) that the
/// axis' main effect explains; `None` when the tree is constant.
fn tree_fractions(tree: &FlatTree, domain: &[(f64, f64)]) -> Result<Option<Vec<f64>>> {
    if tree.n_nodes() == 0 {
        return Ok(None);
    }
    let leaves = leaves(tree, domain)?;
    let d = domain.len();
    let span: Vec<f64> = domain.iter().map(|(a, b)| b - a).collect();
    let frac = |l: &Leaf, i: usize| ((l.hi[i] - l.lo[i]) / span[i]).max(0.0);
    let volume: Vec<f64> = leaves
        .iter()
        .map(|l| (0..d).map(|i| frac(l, i)).product())
        .collect();
    let mass: f64 = volume.iter().sum();
    if mass.is_nan() || mass <= 0.0 {
        return Ok(None);
    }
    let mean = leaves
        .iter()
        .zip(&volume)
        .map(|(l, w)| w * l.value)
        .sum::<f64>()
        / mass;
    let variance = leaves
        .iter()
        .zip(&volume)
        .map(|(l, w)| w * (l.value - mean).powi(2))
        .sum::<f64>()
        / mass;
    // A relative floor: rounding in a constant tree must not read as variance.
    if variance.is_nan() || variance <= 1e-24 * mean.abs().max(1.0).powi(2) {
        return Ok(None);
    }
    let mut fractions = Vec::with_capacity(d);
    for (j, &span_j) in span.iter().enumerate() {
        // The cut points of axis j: every leaf's bounds on it.
        let mut cuts: Vec<f64> = leaves.iter().flat_map(|l| [l.lo[j], l.hi[j]]).collect();
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        if cuts.len() < 2 {
            fractions.push(0.0);
            continue;
        }
        let k = cuts.len() - 1;
        // Difference array of the marginal over the intervals: each leaf adds its value times
        // its share of the other axes to every interval of axis j it covers.
        let mut diff = vec![0.0; k + 1];
        for l in &leaves {
            if l.hi[j] <= l.lo[j] {
                continue;
            }
            let others: f64 = (0..d).filter(|&i| i != j).map(|i| frac(l, i)).product();
            let a = cuts.partition_point(|c| *c < l.lo[j]);
            let b = cuts.partition_point(|c| *c < l.hi[j]);
            if a < b && b <= k {
                diff[a] += l.value * others;
                diff[b] -= l.value * others;
            }
        }
        let mut running = 0.0;
        let mut var_j = 0.0;
        for i in 0..k {
            running += diff[i];
            let w = (cuts[i + 1] - cuts[i]) / span_j;
            var_j += w * (running - mean).powi(2);
        }
        fractions.push((var_j / variance).clamp(0.0, 1.0));
    }
    Ok(Some(fractions))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use satori_core::rng::{RngExt, rng};
    use serde_json::Value;

    use super::*;

    fn record(number: u64, params: &[(&str, Value)], value: f64) -> TrialRecord {
        TrialRecord {
            number,
            state: TrialState::Complete,
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
            value: Some(value),
            intermediate_values: BTreeMap::new(),
            duration_s: None,
            fail_reason: None,
        }
    }

    fn space() -> SearchSpace {
        SearchSpace::parse_specs(["x=float(0,1)", "y=float(0.001,1,log)", "z=int(1,10)"]).unwrap()
    }

    /// Strongly on x, weakly on log y, not at all on z.
    fn trials(n: usize, seed: u64) -> Vec<TrialRecord> {
        let mut r = rng(seed);
        (0..n)
            .map(|i| {
                let x: f64 = r.random();
                let ly: f64 = r.random::<f64>() * 1000f64.ln() + 0.001f64.ln();
                let z: i64 = r.random_range(1..=10);
                let value = 20.0 * (x - 0.3).powi(2) + 0.5 * ly;
                record(
                    i as u64,
                    &[
                        ("x", Value::from(x)),
                        ("y", Value::from(ly.exp().clamp(0.001, 1.0))),
                        ("z", Value::from(z)),
                    ],
                    value,
                )
            })
            .collect()
    }

    #[test]
    fn ranks_strong_over_weak_over_none_and_sums_to_one() {
        let t = trials(120, 3);
        let imp = param_importances(&t, &space(), 0).unwrap();
        let names: Vec<&str> = imp.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["x", "y", "z"], "{imp:?}");
        let sum: f64 = imp.iter().map(|(_, v)| v).sum();
        assert!((sum - 1.0).abs() < 1e-9, "{sum}");
        assert!(imp[0].1 > 0.5, "{imp:?}");
        assert!(imp[2].1 < 0.05, "{imp:?}");
        assert!(imp.iter().all(|(_, v)| *v >= 0.0));
    }

    /// A depth-2 tree on x (split at `tx`) then y (split at 0.5) with these four leaf values
    /// (x low & y low, x low & y high, x high & y low, x high & y high).
    fn two_level(tx: f64, v: [f64; 4]) -> FlatTree {
        use satori_tree::NodeStats;
        let mut t = FlatTree::new(2, 1);
        let s = NodeStats::default();
        let root = t.add_node(&[0.0], s).unwrap();
        let l = t.add_node(&[0.0], s).unwrap();
        let r = t.add_node(&[0.0], s).unwrap();
        let leaves: Vec<u32> = v.iter().map(|x| t.add_node(&[*x], s).unwrap()).collect();
        t.set_split(root, 0, SplitRule::Threshold(tx), false, l, r, 1.0)
            .unwrap();
        t.set_split(
            l,
            1,
            SplitRule::Threshold(0.5),
            false,
            leaves[0],
            leaves[1],
            1.0,
        )
        .unwrap();
        t.set_split(
            r,
            1,
            SplitRule::Threshold(0.5),
            false,
            leaves[2],
            leaves[3],
            1.0,
        )
        .unwrap();
        t
    }

    #[test]
    fn exact_decomposition_of_a_tree() {
        let unit = [(0.0, 1.0), (0.0, 1.0)];
        // f = [x > .5] + 2 [y > .5]: main-effect variances 1/4 and 1, total 5/4.
        let f = tree_fractions(&two_level(0.5, [0.0, 2.0, 1.0, 3.0]), &unit)
            .unwrap()
            .unwrap();
        assert!(
            (f[0] - 0.2).abs() < 1e-12 && (f[1] - 0.8).abs() < 1e-12,
            "{f:?}"
        );
        // A pure interaction (XOR): no main effect.
        let f = tree_fractions(&two_level(0.5, [0.0, 1.0, 1.0, 0.0]), &unit)
            .unwrap()
            .unwrap();
        assert!(f[0].abs() < 1e-12 && f[1].abs() < 1e-12, "{f:?}");
        // Only x matters, split off-centre on a wider domain: all of the variance is x's.
        let f = tree_fractions(
            &two_level(0.25, [0.0, 0.0, 4.0, 4.0]),
            &[(0.0, 2.0), (0.0, 1.0)],
        )
        .unwrap()
        .unwrap();
        assert!((f[0] - 1.0).abs() < 1e-12 && f[1].abs() < 1e-12, "{f:?}");
        // A constant tree has no variance to share.
        let flat = two_level(0.5, [1.0; 4]);
        assert!(tree_fractions(&flat, &unit).unwrap().is_none());
    }

    #[test]
    fn deterministic_for_a_seed() {
        let t = trials(60, 9);
        let a = param_importances(&t, &space(), 5).unwrap();
        let b = param_importances(&t, &space(), 5).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn too_little_to_say_is_an_error() {
        let t = trials(1, 1);
        assert!(matches!(
            param_importances(&t, &space(), 0),
            Err(Error::NotEnoughSamples { got: 1, .. })
        ));
        // Two trials with the same parameters: nothing varies.
        let mut same = trials(2, 1);
        same[1].params = same[0].params.clone();
        assert!(param_importances(&same, &space(), 0).is_err());
        // Values all equal.
        let mut flat = trials(10, 1);
        for t in &mut flat {
            t.value = Some(1.0);
        }
        assert!(param_importances(&flat, &space(), 0).is_err());
        // Failed and NaN trials are not counted.
        let mut odd = trials(3, 1);
        odd[0].state = TrialState::Failed;
        odd[1].value = Some(f64::NAN);
        assert!(param_importances(&odd, &space(), 0).is_err());
        // Parameters outside the space are an error, not a panic.
        let mut wrong = trials(5, 1);
        wrong[2].params.insert("w".into(), Value::from(1));
        assert!(param_importances(&wrong, &space(), 0).is_err());
    }

    #[test]
    fn a_parameter_that_never_varies_is_left_out() {
        let mut t = trials(40, 4);
        for r in &mut t {
            r.params.insert("z".into(), Value::from(3));
        }
        let imp = param_importances(&t, &space(), 0).unwrap();
        assert_eq!(imp.len(), 2);
        assert!(imp.iter().all(|(n, _)| n != "z"));
    }

    #[test]
    fn conditional_and_choice_parameters() {
        let space = SearchSpace::parse_specs([
            "kind=choice(a,b)",
            "rate=float(0,1) if kind=b",
            "noise=float(0,1)",
        ])
        .unwrap();
        let mut r = rng(11);
        let t: Vec<TrialRecord> = (0..80)
            .map(|i| {
                let b = r.random::<f64>() < 0.5;
                let rate: f64 = r.random();
                let noise: f64 = r.random();
                let mut p = vec![
                    ("kind", Value::from(if b { "b" } else { "a" })),
                    ("noise", Value::from(noise)),
                ];
                if b {
                    p.push(("rate", Value::from(rate)));
                }
                let value = if b { 5.0 + rate } else { 0.0 };
                record(i, &p, value)
            })
            .collect();
        let imp = param_importances(&t, &space, 1).unwrap();
        assert_eq!(imp.len(), 3);
        let get = |n: &str| imp.iter().find(|(k, _)| k == n).unwrap().1;
        assert!(get("noise") < get("kind"), "{imp:?}");
        assert!(get("noise") < get("rate"), "{imp:?}");
    }
}
