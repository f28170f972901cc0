//! Split criteria of the CART builder, following scikit-learn's `_criterion.pyx` formula by
//! formula (proxy improvements, children impurities, node values), so that the same data gives
//! the same splits.

use serde::{Deserialize, Serialize};

/// The impurity a classification tree minimises (scikit-learn's `criterion`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassCriterion {
    /// Gini index `1 - Σ p_k²` (default).
    #[default]
    Gini,
    /// Shannon entropy `-Σ p_k log2 p_k` (in bits, as scikit-learn).
    Entropy,
    /// The same as `entropy` (scikit-learn's alias; the trees are identical).
    LogLoss,
}

/// The impurity a regression tree minimises (scikit-learn's `criterion`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegCriterion {
    /// Mean squared error; leaves predict the weighted mean (default).
    #[default]
    SquaredError,
    /// Mean absolute error; leaves predict the weighted median.
    AbsoluteError,
    /// Half Poisson deviance; leaves predict the weighted mean. Needs `y >= 0` with a positive
    /// sum.
    Poisson,
}

/// The criterion inside the builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Crit {
    Gini,
    Entropy,
    Mse,
    Mae,
    Poisson,
}

impl From<ClassCriterion> for Crit {
    fn from(c: ClassCriterion) -> Self {
        match c {
            ClassCriterion::Gini => Crit::Gini,
            ClassCriterion::Entropy | ClassCriterion::LogLoss => Crit::Entropy,
        }
    }
}

impl From<RegCriterion> for Crit {
    fn from(c: RegCriterion) -> Self {
        match c {
            RegCriterion::SquaredError => Crit::Mse,
            RegCriterion::AbsoluteError => Crit::Mae,
            RegCriterion::Poisson => Crit::Poisson,
        }
    }
}

/// One row of a layout for [`Eval::advance_items`]: its weight and target value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Item {
    pub w: f64,
    pub v: f64,
}

/// `f64::EPSILON`, scikit-learn's `EPSILON` in the criteria and the tree builder.
pub(crate) const EPSILON: f64 = f64::EPSILON;

/// The training targets seen by a criterion: class codes (classification) or values.
pub(crate) struct Targets<'a> {
    pub y: &'a [f64],
    pub class: &'a [u32],
    pub n_classes: usize,
}

/// Incremental evaluation of splits of one node: totals of the node, sums of the left part of a
/// layout (samples in the order of a candidate feature), and for the absolute error the
/// prefix/suffix errors of the layout.
pub(crate) struct Eval {
    pub crit: Crit,
    k: usize,
    total: Vec<f64>,
    pub w_total: f64,
    left: Vec<f64>,
    pub w_left: f64,
    pos: usize,
    mae: MaeBuf,
}

#[derive(Default)]
struct MaeBuf {
    prefix_err: Vec<f64>,
    suffix_err: Vec<f64>,
    prefix_w: Vec<f64>,
    sorted_y: Vec<f64>,
    order: Vec<u32>,
    ranks: Vec<u32>,
    fw: Vec<f64>,
    fwy: Vec<f64>,
}

impl Eval {
    pub fn new(crit: Crit, n_classes: usize) -> Self {
        let k = match crit {
            Crit::Gini | Crit::Entropy => n_classes.max(1),
            _ => 2,
        };
        Eval {
            crit,
            k,
            total: vec![0.0; k],
            w_total: 0.0,
            left: vec![0.0; k],
            w_left: 0.0,
            pos: 0,
            mae: MaeBuf::default(),
        }
    }

    fn is_class(&self) -> bool {
        matches!(self.crit, Crit::Gini | Crit::Entropy)
    }

    /// Accumulate one sample into `sums` (class counts, or `[Σwy, Σwy²]`).
    #[inline]
    fn add(is_class: bool, sums: &mut [f64], t: &Targets<'_>, w: f64, i: usize) {
        if is_class {
            sums[t.class[i] as usize] += w;
        } else {
            let y = t.y[i];
            sums[0] += w * y;
            sums[1] += w * y * y;
        }
    }

    /// Compute the node totals of `samples`.
    pub fn init_node(&mut self, samples: &[u32], t: &Targets<'_>, w: &[f64]) {
        self.total.iter_mut().for_each(|v| *v = 0.0);
        self.w_total = 0.0;
        let c = self.is_class();
        for &s in samples {
            let i = s as usize;
            self.w_total += w[i];
            Self::add(c, &mut self.total, t, w[i], i);
        }
    }

    /// The impurity of the node (its totals), as scikit-learn's `node_impurity`.
    pub fn node_impurity(&mut self, samples: &[u32], t: &Targets<'_>, w: &[f64]) -> f64 {
        match self.crit {
            Crit::Gini | Crit::Entropy | Crit::Mse => {
                impurity_of(self.crit, &self.total, self.w_total)
            }
            Crit::Poisson => poisson_loss(samples, t, w, self.total[0], self.w_total),
            Crit::Mae => {
                let n = samples.len();
                self.reset(samples, t, w);
                if n == 0 {
                    0.0
                } else {
                    self.mae.suffix_err[0] / self.w_total
                }
            }
        }
    }

    /// The node's prediction: weighted class fractions, the weighted mean, or (absolute error)
    /// the weighted median.
    pub fn node_value(&mut self, samples: &[u32], t: &Targets<'_>, w: &[f64]) -> Vec<f64> {
        match self.crit {
            Crit::Gini | Crit::Entropy => self.total.iter().map(|c| c / self.w_total).collect(),
            Crit::Mse | Crit::Poisson => vec![self.total[0] / self.w_total],
            Crit::Mae => vec![weighted_median(samples, t.y, w)],
        }
    }

    /// Start a pass over `layout` with nothing on the left.
    pub fn reset(&mut self, layout: &[u32], t: &Targets<'_>, w: &[f64]) {
        self.left.iter_mut().for_each(|v| *v = 0.0);
        self.w_left = 0.0;
        self.pos = 0;
        if self.crit == Crit::Mae {
            self.mae.precompute(layout, t.y, w);
        }
    }

    /// Move `layout[pos..new_pos]` to the left.
    #[inline]
    pub fn advance(&mut self, layout: &[u32], new_pos: usize, t: &Targets<'_>, w: &[f64]) {
        if self.crit == Crit::Mae {
            self.w_left = if new_pos == 0 {
                0.0
            } else {
                self.mae.prefix_w[new_pos - 1]
            };
        } else {
            let c = self.is_class();
            for &s in &layout[self.pos..new_pos] {
                let i = s as usize;
                self.w_left += w[i];
                Self::add(c, &mut self.left, t, w[i], i);
            }
        }
        self.pos = new_pos;
    }

    /// Move items `[pos, new_pos)` of a layout to the left, given the layout's weights and
    /// target values (class codes as `f64` for classification) in layout order: the scan of
    /// the best splitter, with sequential memory access.
    #[inline]
    pub fn advance_items(&mut self, items: &[Item], new_pos: usize) {
        if self.crit == Crit::Mae {
            self.w_left = if new_pos == 0 {
                0.0
            } else {
                self.mae.prefix_w[new_pos - 1]
            };
        } else if self.is_class() {
            for it in &items[self.pos..new_pos] {
                self.w_left += it.w;
                self.left[it.v as usize] += it.w;
            }
        } else {
            for it in &items[self.pos..new_pos] {
                self.w_left += it.w;
                self.left[0] += it.w * it.v;
                self.left[1] += it.w * it.v * it.v;
            }
        }
        self.pos = new_pos;
    }

    /// The weight on the right of the current position.
    #[inline]
    pub fn w_right(&self) -> f64 {
        self.w_total - self.w_left
    }

    /// scikit-learn's `proxy_impurity_improvement` at the current position.
    #[inline]
    pub fn proxy(&self) -> f64 {
        let (wl, wr) = (self.w_left, self.w_right());
        match self.crit {
            Crit::Gini | Crit::Entropy => {
                let (il, ir) = self.class_children();
                -wr * ir - wl * il
            }
            Crit::Mse => {
                let sl = self.left[0];
                let sr = self.total[0] - sl;
                sl * sl / wl + sr * sr / wr
            }
            Crit::Poisson => {
                let sl = self.left[0];
                let sr = self.total[0] - sl;
                if sl <= EPSILON || sr <= EPSILON {
                    return f64::NEG_INFINITY;
                }
                sl * log2(sl / wl) + sr * log2(sr / wr)
            }
            Crit::Mae => {
                let (il, ir) = self.mae_children();
                -wr * ir - wl * il
            }
        }
    }

    fn class_children(&self) -> (f64, f64) {
        let (wl, wr) = (self.w_left, self.w_right());
        match self.crit {
            Crit::Gini => {
                let (mut sql, mut sqr) = (0.0, 0.0);
                for c in 0..self.k {
                    let l = self.left[c];
                    let r = self.total[c] - l;
                    sql += l * l;
                    sqr += r * r;
                }
                (1.0 - sql / (wl * wl), 1.0 - sqr / (wr * wr))
            }
            _ => {
                let (mut el, mut er) = (0.0, 0.0);
                for c in 0..self.k {
                    let l = self.left[c];
                    if l > 0.0 {
                        let p = l / wl;
                        el -= p * log2(p);
                    }
                    let r = self.total[c] - l;
                    if r > 0.0 {
                        let p = r / wr;
                        er -= p * log2(p);
                    }
                }
                (el, er)
            }
        }
    }

    fn mae_children(&self) -> (f64, f64) {
        let pos = self.pos;
        let n = self.mae.prefix_err.len();
        let el = if pos > 0 {
            self.mae.prefix_err[pos - 1]
        } else {
            0.0
        };
        let er = if pos < n {
            self.mae.suffix_err[pos]
        } else {
            0.0
        };
        (el / self.w_left, er / self.w_right())
    }

    /// The impurities of the two children of the split at `pos` of `layout` (call after
    /// [`Eval::advance`] to `pos`).
    pub fn children_impurity(&self, layout: &[u32], t: &Targets<'_>, w: &[f64]) -> (f64, f64) {
        let pos = self.pos;
        match self.crit {
            Crit::Gini | Crit::Entropy => self.class_children(),
            Crit::Mae => self.mae_children(),
            Crit::Mse => {
                let mut sq_left = 0.0;
                for &s in &layout[..pos] {
                    let i = s as usize;
                    sq_left += w[i] * t.y[i] * t.y[i];
                }
                let sq_right = self.total[1] - sq_left;
                let (wl, wr) = (self.w_left, self.w_right());
                let sl = self.left[0];
                let sr = self.total[0] - sl;
                (
                    sq_left / wl - (sl / wl).powi(2),
                    sq_right / wr - (sr / wr).powi(2),
                )
            }
            Crit::Poisson => {
                let sl = self.left[0];
                (
                    poisson_loss(&layout[..pos], t, w, sl, self.w_left),
                    poisson_loss(&layout[pos..], t, w, self.total[0] - sl, self.w_right()),
                )
            }
        }
    }
}

/// scikit-learn's `log` of the tree criteria: base 2, computed as `ln(x) / ln(2)` (entropy is in
/// bits; the Poisson proxy uses it too, while the Poisson loss uses the natural log).
#[inline]
fn log2(x: f64) -> f64 {
    x.ln() / std::f64::consts::LN_2
}

/// Impurity from sums (classification counts, or `[Σwy, Σwy²]` for the squared error).
fn impurity_of(crit: Crit, sums: &[f64], w: f64) -> f64 {
    match crit {
        Crit::Gini => {
            let sq: f64 = sums.iter().map(|c| c * c).sum();
            1.0 - sq / (w * w)
        }
        Crit::Entropy => {
            let mut e = 0.0;
            for &c in sums {
                if c > 0.0 {
                    let p = c / w;
                    e -= p * log2(p);
                }
            }
            e
        }
        _ => sums[1] / w - (sums[0] / w).powi(2),
    }
}

/// scikit-learn's `poisson_loss`: `Σ w xlogy(y, y / ȳ) / Σw`, infinite when `Σwy <= ε`.
fn poisson_loss(samples: &[u32], t: &Targets<'_>, w: &[f64], y_sum: f64, w_sum: f64) -> f64 {
    if y_sum <= EPSILON {
        return f64::INFINITY;
    }
    let mean = y_sum / w_sum;
    let mut loss = 0.0;
    for &s in samples {
        let i = s as usize;
        let y = t.y[i];
        if y != 0.0 {
            loss += w[i] * y * (y / mean).ln();
        }
    }
    loss / w_sum
}

/// The weighted median as scikit-learn's absolute-error criterion computes it: the smallest
/// value whose cumulative weight reaches half the total, or the mean of it and the next value
/// when the cumulative weight equals half exactly.
pub(crate) fn weighted_median(samples: &[u32], y: &[f64], w: &[f64]) -> f64 {
    let mut v: Vec<(f64, f64)> = samples
        .iter()
        .map(|&s| (y[s as usize], w[s as usize]))
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = v.iter().map(|p| p.1).sum();
    let half = 0.5 * total;
    let mut cum = 0.0;
    for (j, &(yv, wv)) in v.iter().enumerate() {
        cum += wv;
        if cum >= half {
            if cum == half
                && let Some(next) = v.get(j + 1)
            {
                return (yv + next.0) / 2.0;
            }
            return yv;
        }
    }
    v.last().map_or(0.0, |p| p.0)
}

impl MaeBuf {
    /// Fill the prefix and suffix absolute errors (around the running weighted median) of
    /// `layout`, with a Fenwick tree over the ranks of `y`, as scikit-learn's
    /// `precompute_absolute_errors`.
    fn precompute(&mut self, layout: &[u32], y: &[f64], w: &[f64]) {
        let n = layout.len();
        self.order.clear();
        self.order.extend(0..n as u32);
        self.order.sort_by(|&a, &b| {
            y[layout[a as usize] as usize].total_cmp(&y[layout[b as usize] as usize])
        });
        self.sorted_y.clear();
        self.sorted_y
            .extend(self.order.iter().map(|&o| y[layout[o as usize] as usize]));
        self.ranks.resize(n, 0);
        for (r, &o) in self.order.iter().enumerate() {
            self.ranks[o as usize] = r as u32;
        }
        self.prefix_err.clear();
        self.prefix_err.resize(n, 0.0);
        self.suffix_err.clear();
        self.suffix_err.resize(n, 0.0);
        self.prefix_w.clear();
        self.prefix_w.resize(n, 0.0);
        let mut acc = 0.0;
        for (p, &s) in layout.iter().enumerate() {
            acc += w[s as usize];
            self.prefix_w[p] = acc;
        }
        for forward in [true, false] {
            self.fw.clear();
            self.fw.resize(n + 1, 0.0);
            self.fwy.clear();
            self.fwy.resize(n + 1, 0.0);
            let (mut tw, mut twy) = (0.0, 0.0);
            for step in 0..n {
                let p = if forward { step } else { n - 1 - step };
                let i = layout[p] as usize;
                let r = self.ranks[p] as usize;
                let (wi, yi) = (w[i], self.sorted_y[r]);
                fenwick_add(&mut self.fw, &mut self.fwy, r, wi, wi * yi);
                tw += wi;
                twy += wi * yi;
                let half = 0.5 * tw;
                let (r0, wl0, wyl0) = fenwick_search(&self.fw, &self.fwy, half, false);
                let (median, wl, wyl) = if wl0 + self.fw_at(r0) == half && r0 + 1 < n {
                    let (r1, wl1, wyl1) = fenwick_search(&self.fw, &self.fwy, half, true);
                    if r1 < n && r1 != r0 {
                        ((self.sorted_y[r0] + self.sorted_y[r1]) / 2.0, wl1, wyl1)
                    } else {
                        (self.sorted_y[r0], wl0, wyl0)
                    }
                } else {
                    (self.sorted_y[r0.min(n - 1)], wl0, wyl0)
                };
                let (wr, wyr) = (tw - wl, twy - wyl);
                let err = (wyr - median * wr) + (median * wl - wyl);
                if forward {
                    self.prefix_err[p] = err;
                } else {
                    self.suffix_err[p] = err;
                }
            }
        }
    }

    /// The weight stored at rank `r` alone.
    fn fw_at(&self, r: usize) -> f64 {
        fenwick_prefix(&self.fw, r + 1) - fenwick_prefix(&self.fw, r)
    }
}

fn fenwick_add(fw: &mut [f64], fwy: &mut [f64], r: usize, w: f64, wy: f64) {
    let mut i = r + 1;
    while i < fw.len() {
        fw[i] += w;
        fwy[i] += wy;
        i += i & i.wrapping_neg();
    }
}

fn fenwick_prefix(fw: &[f64], mut i: usize) -> f64 {
    let mut s = 0.0;
    while i > 0 {
        s += fw[i];
        i -= i & i.wrapping_neg();
    }
    s
}

/// Descend the Fenwick tree: the first rank whose cumulative weight reaches `target`
/// (`>= target`, or `> target` when `strict`), with the weight and weighted sum of the ranks
/// before it.
fn fenwick_search(fw: &[f64], fwy: &[f64], target: f64, strict: bool) -> (usize, f64, f64) {
    let size = fw.len() - 1;
    let mut bit = 1usize;
    while bit * 2 <= size {
        bit *= 2;
    }
    let (mut idx, mut cw, mut cwy) = (0usize, 0.0, 0.0);
    let mut remaining = target;
    while bit != 0 {
        let next = idx + bit;
        if next <= size {
            let node = fw[next];
            let go = if strict {
                node <= remaining
            } else {
                node < remaining
            };
            if go {
                remaining -= node;
                cw += node;
                cwy += fwy[next];
                idx = next;
            }
        }
        bit >>= 1;
    }
    (idx, cw, cwy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_median_matches_hand_values() {
        let y = [3.0, 1.0, 2.0, 10.0];
        let w = [1.0; 4];
        assert_eq!(weighted_median(&[0, 1, 2, 3], &y, &w), 2.5);
        assert_eq!(weighted_median(&[0, 1, 2], &y, &w), 2.0);
        let w2 = [5.0, 1.0, 1.0, 1.0];
        assert_eq!(weighted_median(&[0, 1, 2, 3], &y, &w2), 3.0);
    }

    #[test]
    fn mae_prefix_errors_match_brute_force() {
        let y = [3.0, 1.0, 2.0, 10.0, -4.0, 2.5, 7.0];
        let w = [1.0, 2.0, 0.5, 1.0, 3.0, 1.0, 1.5];
        let layout: Vec<u32> = vec![4, 0, 6, 1, 3, 2, 5];
        let mut m = MaeBuf::default();
        m.precompute(&layout, &y, &w);
        for p in 0..layout.len() {
            let pre = &layout[..=p];
            let med = weighted_median(pre, &y, &w);
            let err: f64 = pre
                .iter()
                .map(|&s| w[s as usize] * (y[s as usize] - med).abs())
                .sum();
            assert!(
                (m.prefix_err[p] - err).abs() < 1e-9,
                "prefix {p}: {} vs {err}",
                m.prefix_err[p]
            );
            let suf = &layout[p..];
            let med = weighted_median(suf, &y, &w);
            let err: f64 = suf
                .iter()
                .map(|&s| w[s as usize] * (y[s as usize] - med).abs())
                .sum();
            assert!((m.suffix_err[p] - err).abs() < 1e-9, "suffix {p}");
        }
    }
}
