//! The hot loops of training: histogram building, histogram subtraction, split finding on a
//! histogram, and the row partition. Each `unsafe` kernel ([`hist_rows_unchecked`],
//! [`hist_rows_group_unchecked`]) has a safe twin (`hist_rows_safe`, `hist_rows_group_safe`)
//! that a property test compares it with. The prediction walk lives with the packed trees in
//! `satori_tree::packed`, which every tree model shares.
//!
//! A histogram holds [`SLOTS`] bins per feature (so a `u8` bin index is always in range), each
//! bin the sums `[gradient, hessian, count]` of its rows.

/// One histogram bin: sums of gradients, hessians and row counts.
pub(crate) type Bin = [f64; 3];

/// Histogram slots per feature: every `u8` bin value.
pub(crate) const SLOTS: usize = 256;

/// A gradient/hessian pair of one row.
pub(crate) type GradPair = [f64; 2];

#[inline]
fn add(b: &mut Bin, p: &GradPair) {
    b[0] += p[0];
    b[1] += p[1];
    b[2] += 1.0;
}

/// Histogram of every row in order: `gh[r]` belongs to row `r`, `col[r]` is its bin.
pub(crate) fn hist_all(col: &[u8], gh: &[GradPair], out: &mut [Bin; SLOTS]) {
    for (&b, p) in col.iter().zip(gh) {
        add(&mut out[b as usize], p);
    }
}

/// Histogram of the listed rows; `gh[k]` belongs to `rows[k]` (gradients gathered in leaf
/// order). The safe twin of [`hist_rows_unchecked`] (only the property test calls it).
#[cfg(test)]
pub(crate) fn hist_rows_safe(col: &[u8], rows: &[u32], gh: &[GradPair], out: &mut [Bin; SLOTS]) {
    for (&r, p) in rows.iter().zip(gh) {
        add(&mut out[col[r as usize] as usize], p);
    }
}

/// [`hist_rows_safe`] without the bounds check on `col`.
///
/// # Safety
/// Every entry of `rows` must be below `col.len()`.
pub(crate) unsafe fn hist_rows_unchecked(
    col: &[u8],
    rows: &[u32],
    gh: &[GradPair],
    out: &mut [Bin; SLOTS],
) {
    for (&r, p) in rows.iter().zip(gh) {
        // SAFETY: the caller guarantees `r < col.len()`.
        let b = unsafe { *col.get_unchecked(r as usize) };
        add(&mut out[b as usize], p);
    }
}

/// Features per pass of the grouped kernels: one read of a row's gradients feeds this many
/// histograms (independent accumulations, which also hide the store-to-load latency).
pub(crate) const GROUP: usize = 4;

/// [`hist_all`] for [`GROUP`] features at once.
pub(crate) fn hist_all_group(
    cols: [&[u8]; GROUP],
    gh: &[GradPair],
    outs: [&mut [Bin; SLOTS]; GROUP],
) {
    let [o0, o1, o2, o3] = outs;
    let n = gh
        .len()
        .min(cols.iter().map(|c| c.len()).min().unwrap_or(0));
    let (c0, c1, c2, c3) = (&cols[0][..n], &cols[1][..n], &cols[2][..n], &cols[3][..n]);
    for (i, p) in gh[..n].iter().enumerate() {
        add(&mut o0[c0[i] as usize], p);
        add(&mut o1[c1[i] as usize], p);
        add(&mut o2[c2[i] as usize], p);
        add(&mut o3[c3[i] as usize], p);
    }
}

/// The safe twin of [`hist_rows_group_unchecked`] (only the property test calls it).
#[cfg(test)]
pub(crate) fn hist_rows_group_safe(
    cols: [&[u8]; GROUP],
    rows: &[u32],
    gh: &[GradPair],
    outs: [&mut [Bin; SLOTS]; GROUP],
) {
    for (c, o) in cols.into_iter().zip(outs) {
        hist_rows_safe(c, rows, gh, o);
    }
}

/// [`hist_rows_unchecked`] for [`GROUP`] features at once.
///
/// # Safety
/// Every entry of `rows` must be below the length of every column in `cols`.
pub(crate) unsafe fn hist_rows_group_unchecked(
    cols: [&[u8]; GROUP],
    rows: &[u32],
    gh: &[GradPair],
    outs: [&mut [Bin; SLOTS]; GROUP],
) {
    let [o0, o1, o2, o3] = outs;
    let [c0, c1, c2, c3] = cols;
    for (&r, p) in rows.iter().zip(gh) {
        let r = r as usize;
        // SAFETY: the caller guarantees `r` is below every column's length.
        let (b0, b1, b2, b3) = unsafe {
            (
                *c0.get_unchecked(r),
                *c1.get_unchecked(r),
                *c2.get_unchecked(r),
                *c3.get_unchecked(r),
            )
        };
        add(&mut o0[b0 as usize], p);
        add(&mut o1[b1 as usize], p);
        add(&mut o2[b2 as usize], p);
        add(&mut o3[b3 as usize], p);
    }
}

/// `parent -= child`, bin by bin: the sibling's histogram by subtraction.
pub(crate) fn subtract(parent: &mut [Bin], child: &[Bin]) {
    for (p, c) in parent.iter_mut().zip(child) {
        p[0] -= c[0];
        p[1] -= c[1];
        p[2] -= c[2];
    }
}

/// The regularisation and the limits a split must respect.
#[derive(Debug, Clone)]
pub(crate) struct SplitRules {
    pub l1: f64,
    pub l2: f64,
    pub min_leaf: f64,
    pub min_hess: f64,
    pub min_gain: f64,
    pub max_cat_to_onehot: usize,
    pub cat_smooth: f64,
    pub max_cat_threshold: usize,
}

/// LightGBM's extra L2 penalty on sorted-category splits (`cat_l2`).
const CAT_L2: f64 = 10.0;
/// LightGBM's minimum rows per category group in sorted-category splits (`min_data_per_group`).
const MIN_DATA_PER_GROUP: f64 = 100.0;

/// Gains closer than this (relative) count as a tie, which the earlier candidate wins: sums
/// of the same gradients in another row order differ in the last bits, and without it such
/// ties (common with two-valued gradients, as the quantile loss has) would be broken by
/// rounding noise.
const GAIN_RTOL: f64 = 1e-10;

/// Whether `gain` beats `best` by more than the tie tolerance.
#[inline]
pub(crate) fn beats(gain: f64, best: f64) -> bool {
    gain > best + GAIN_RTOL * best.abs()
}

fn threshold_l1(g: f64, l1: f64) -> f64 {
    let r = g.abs() - l1;
    if r > 0.0 { r.copysign(g) } else { 0.0 }
}

/// The leaf value minimising the regularised objective, clamped to `[lo, hi]`.
pub(crate) fn leaf_output(g: f64, h: f64, l1: f64, l2: f64, lo: f64, hi: f64) -> f64 {
    let den = h + l2;
    let out = if den > 1e-300 {
        -threshold_l1(g, l1) / den
    } else {
        0.0
    };
    out.clamp(lo, hi)
}

/// The objective decrease of a leaf with value `out` (`G²/(H+λ)` at the optimum).
pub(crate) fn leaf_gain(g: f64, h: f64, l1: f64, l2: f64, out: f64) -> f64 {
    -(2.0 * threshold_l1(g, l1) * out + (h + l2) * out * out)
}

/// Where a split sends rows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SplitKind {
    /// Bins `<= bin` go left.
    Threshold(u8),
    /// The listed bins go left (the missing bin never does).
    Categories(Vec<u8>),
}

/// The best split of one leaf on one feature.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Split {
    pub gain: f64,
    pub feature: usize,
    pub kind: SplitKind,
    pub missing_left: bool,
    pub left: Bin,
    pub right: Bin,
    pub left_out: f64,
    pub right_out: f64,
}

/// What the leaf being split is: its totals, value bounds, and the feature's constraint.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LeafCtx {
    pub total: Bin,
    pub lo: f64,
    pub hi: f64,
    pub parent_gain: f64,
}

fn sub(a: &Bin, b: &Bin) -> Bin {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn plus(a: &Bin, b: &Bin) -> Bin {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// A candidate's gain and outputs, or `None` when it breaks a limit or the constraint.
fn evaluate(
    r: &SplitRules,
    ctx: &LeafCtx,
    left: &Bin,
    right: &Bin,
    l2: f64,
    monotone: i8,
) -> Option<(f64, f64, f64)> {
    if left[2] < r.min_leaf || right[2] < r.min_leaf {
        return None;
    }
    if left[1] < r.min_hess || right[1] < r.min_hess {
        return None;
    }
    let lo = leaf_output(left[0], left[1], r.l1, l2, ctx.lo, ctx.hi);
    let ro = leaf_output(right[0], right[1], r.l1, l2, ctx.lo, ctx.hi);
    if (monotone > 0 && lo > ro) || (monotone < 0 && lo < ro) {
        return None;
    }
    let (lg, rg) = (
        leaf_gain(left[0], left[1], r.l1, l2, lo),
        leaf_gain(right[0], right[1], r.l1, l2, ro),
    );
    let gain = lg + rg - ctx.parent_gain;
    // A gain within rounding noise of its terms is no gain: it would split on noise.
    let noise = GAIN_RTOL * (lg.abs() + rg.abs() + ctx.parent_gain.abs());
    (gain > r.min_gain && gain > noise && gain.is_finite()).then_some((gain, lo, ro))
}

/// The best threshold split of a numeric feature with `nv` value bins (bin `nv` is missing),
/// trying missing values on both sides.
pub(crate) fn best_numeric(
    hist: &[Bin; SLOTS],
    nv: usize,
    feature: usize,
    monotone: i8,
    ctx: &LeafCtx,
    r: &SplitRules,
) -> Option<Split> {
    let miss = hist[nv.min(SLOTS - 1)];
    let has_missing = miss[2] > 0.0;
    let mut best: Option<Split> = None;
    let mut acc: Bin = [0.0; 3];
    for (b, bin) in hist.iter().enumerate().take(nv) {
        acc = plus(&acc, bin);
        let last = b + 1 == nv;
        // A next bin that is exactly empty leaves both sides exactly as they are, so its
        // threshold gives this partition with the same gain, and ties go to the larger
        // threshold: evaluate the partition once, at the last bin of its run. (Small leaves
        // leave most of the 255 bins empty.)
        if !last && hist.get(b + 1) == Some(&[0.0; 3]) {
            continue;
        }
        let mut tries = [(false, acc), (true, acc)];
        tries[1].1 = plus(&acc, &miss);
        for (missing_left, left) in tries {
            // Everything left is no split; the missing-left form only differs with missing rows.
            let skip = if missing_left {
                !has_missing || last
            } else {
                last && !has_missing
            };
            if skip {
                continue;
            }
            let right = sub(&ctx.total, &left);
            let Some((gain, lo, ro)) = evaluate(r, ctx, &left, &right, r.l2, monotone) else {
                continue;
            };
            // On a tie the larger threshold wins (LightGBM scans from the right): bins empty
            // in this leaf between two used ones all give the same partition.
            if best.as_ref().is_none_or(|s| !beats(s.gain, gain)) {
                // Without missing rows here, unseen NaN follows the larger child.
                let missing_left = if has_missing {
                    missing_left
                } else {
                    left[2] >= right[2]
                };
                best = Some(Split {
                    gain,
                    feature,
                    kind: SplitKind::Threshold(b as u8),
                    missing_left,
                    left,
                    right,
                    left_out: lo,
                    right_out: ro,
                });
            }
        }
    }
    best
}

/// The best category split of a categorical feature with `nv` value bins: one category versus
/// the rest for at most `max_cat_to_onehot` categories, else LightGBM's sorted-category search.
pub(crate) fn best_categorical(
    hist: &[Bin; SLOTS],
    nv: usize,
    feature: usize,
    ctx: &LeafCtx,
    r: &SplitRules,
) -> Option<Split> {
    let used: Vec<usize> = (0..nv.min(SLOTS - 1))
        .filter(|&b| hist[b][2] > 0.0)
        .collect();
    let mut best: Option<Split> = None;
    let mut consider = |left_bins: Vec<u8>, left: Bin, l2: f64| {
        let right = sub(&ctx.total, &left);
        if let Some((gain, lo, ro)) = evaluate(r, ctx, &left, &right, l2, 0)
            && best.as_ref().is_none_or(|s| beats(gain, s.gain))
        {
            best = Some(Split {
                gain,
                feature,
                kind: SplitKind::Categories(left_bins),
                missing_left: false,
                left,
                right,
                left_out: lo,
                right_out: ro,
            });
        }
    };
    if used.len() <= r.max_cat_to_onehot {
        for &b in &used {
            consider(vec![b as u8], hist[b], r.l2);
        }
        return best;
    }
    let mut sorted: Vec<usize> = used
        .into_iter()
        .filter(|&b| hist[b][2] >= r.cat_smooth)
        .collect();
    let score = |b: usize| hist[b][0] / (hist[b][1] + r.cat_smooth);
    sorted.sort_by(|&a, &b| score(a).total_cmp(&score(b)).then(a.cmp(&b)));
    let max_num = r.max_cat_threshold.min(sorted.len().div_ceil(2));
    for reverse in [false, true] {
        let mut acc: Bin = [0.0; 3];
        let mut group = 0.0;
        let mut bins = Vec::new();
        for i in 0..sorted.len().min(max_num) {
            let b = if reverse {
                sorted[sorted.len() - 1 - i]
            } else {
                sorted[i]
            };
            acc = plus(&acc, &hist[b]);
            bins.push(b as u8);
            group += hist[b][2];
            if acc[2] < r.min_leaf || acc[1] < r.min_hess {
                continue;
            }
            let right_n = ctx.total[2] - acc[2];
            if right_n < r.min_leaf || right_n < MIN_DATA_PER_GROUP {
                break;
            }
            if group < MIN_DATA_PER_GROUP {
                continue;
            }
            group = 0.0;
            let mut sorted_bins = bins.clone();
            sorted_bins.sort_unstable();
            consider(sorted_bins, acc, r.l2 + CAT_L2);
        }
    }
    best
}

/// Stable partition of `rows` by `left_of[bin]`: left rows first, in their order, then right
/// rows in theirs. Returns the number of left rows. `scratch` is reused between calls.
pub(crate) fn partition(
    rows: &mut [u32],
    scratch: &mut Vec<u32>,
    col: &[u8],
    left_of: &[bool; SLOTS],
) -> usize {
    // Branch-free: every row is written to both sides and the side it belongs to advances.
    scratch.clear();
    scratch.resize(rows.len(), 0);
    let (mut n_left, mut n_right) = (0, 0);
    for i in 0..rows.len() {
        let r = rows[i];
        let left = left_of[col[r as usize] as usize];
        // n_left <= i: the slot written was already read.
        rows[n_left] = r;
        scratch[n_right] = r;
        n_left += usize::from(left);
        n_right += usize::from(!left);
    }
    scratch.truncate(n_right);
    rows[n_left..].copy_from_slice(scratch);
    n_left
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rules() -> SplitRules {
        SplitRules {
            l1: 0.0,
            l2: 0.0,
            min_leaf: 1.0,
            min_hess: 0.0,
            min_gain: 0.0,
            max_cat_to_onehot: 4,
            cat_smooth: 10.0,
            max_cat_threshold: 32,
        }
    }

    fn histogram(col: &[u8], gh: &[GradPair]) -> Box<[Bin; SLOTS]> {
        let mut h = Box::new([[0.0; 3]; SLOTS]);
        hist_all(col, gh, &mut h);
        h
    }

    #[test]
    fn numeric_split_separates_gradients() {
        // Bins 0,1 have negative gradients, bin 2 positive: the split is after bin 1.
        let col = [0u8, 1, 2, 2, 0];
        let gh = [
            [-1.0, 1.0],
            [-1.0, 1.0],
            [1.0, 1.0],
            [1.0, 1.0],
            [-1.0, 1.0],
        ];
        let h = histogram(&col, &gh);
        let total = [-1.0, 5.0, 5.0];
        let ctx = LeafCtx {
            total,
            lo: f64::NEG_INFINITY,
            hi: f64::INFINITY,
            parent_gain: leaf_gain(-1.0, 5.0, 0.0, 0.0, 0.2),
        };
        let s = best_numeric(&h, 3, 0, 0, &ctx, &rules()).unwrap();
        assert_eq!(s.kind, SplitKind::Threshold(1));
        assert_eq!(s.left, [-3.0, 3.0, 3.0]);
        assert_eq!((s.left_out, s.right_out), (1.0, -1.0));
        // G²/H: 9/3 + 4/2 - 1/5.
        assert!((s.gain - (3.0 + 2.0 - 0.2)).abs() < 1e-12);
        // An increasing constraint forbids it (left value above right).
        let c = best_numeric(&h, 3, 0, 1, &ctx, &rules());
        assert!(c.is_none_or(|c| c.left_out <= c.right_out));
    }

    /// `best_numeric` as it was before empty bins were skipped: every bin's threshold evaluated.
    fn best_numeric_every_bin(
        hist: &[Bin; SLOTS],
        nv: usize,
        ctx: &LeafCtx,
        r: &SplitRules,
    ) -> Option<Split> {
        let miss = hist[nv.min(SLOTS - 1)];
        let has_missing = miss[2] > 0.0;
        let mut best: Option<Split> = None;
        let mut acc: Bin = [0.0; 3];
        for (b, bin) in hist.iter().enumerate().take(nv) {
            acc = plus(&acc, bin);
            let last = b + 1 == nv;
            for (missing_left, left) in [(false, acc), (true, plus(&acc, &miss))] {
                let skip = if missing_left {
                    !has_missing || last
                } else {
                    last && !has_missing
                };
                if skip {
                    continue;
                }
                let right = sub(&ctx.total, &left);
                let Some((gain, lo, ro)) = evaluate(r, ctx, &left, &right, r.l2, 0) else {
                    continue;
                };
                if best.as_ref().is_none_or(|s| !beats(s.gain, gain)) {
                    best = Some(Split {
                        gain,
                        feature: 0,
                        kind: SplitKind::Threshold(b as u8),
                        missing_left: if has_missing {
                            missing_left
                        } else {
                            left[2] >= right[2]
                        },
                        left,
                        right,
                        left_out: lo,
                        right_out: ro,
                    });
                }
            }
        }
        best
    }

    proptest! {
        /// Skipping the thresholds of exactly empty bins picks the very split (threshold,
        /// missing side, sums, gain) that evaluating every bin picks.
        #[test]
        fn empty_bins_do_not_change_the_split(
            rows in proptest::collection::vec((0u8..40, -3i32..4, 1u32..4), 1..60),
            nv in 2usize..40,
            missing in proptest::collection::vec(-3i32..4, 0..5),
        ) {
            let mut col: Vec<u8> = rows.iter().map(|r| r.0 % nv as u8).collect();
            let mut gh: Vec<GradPair> = rows.iter().map(|r| [r.1 as f64 * 0.5, r.2 as f64]).collect();
            for g in &missing {
                col.push(nv as u8);
                gh.push([*g as f64, 1.0]);
            }
            let h = histogram(&col, &gh);
            let total = h.iter().take(nv + 1).fold([0.0; 3], |a, b| plus(&a, b));
            let ctx = LeafCtx {
                total,
                lo: f64::NEG_INFINITY,
                hi: f64::INFINITY,
                parent_gain: leaf_gain(total[0], total[1], 0.0, 0.0, leaf_output(total[0], total[1], 0.0, 0.0, f64::NEG_INFINITY, f64::INFINITY)),
            };
            let want = best_numeric_every_bin(&h, nv, &ctx, &rules());
            let got = best_numeric(&h, nv, 0, 0, &ctx, &rules());
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn missing_values_choose_their_side() {
        // Missing rows (bin 2) have the gradients of bin 0.
        let col = [0u8, 1, 2, 2];
        let gh = [[-1.0, 1.0], [1.0, 1.0], [-1.0, 1.0], [-1.0, 1.0]];
        let h = histogram(&col, &gh);
        let ctx = LeafCtx {
            total: [-2.0, 4.0, 4.0],
            lo: f64::NEG_INFINITY,
            hi: f64::INFINITY,
            parent_gain: 1.0,
        };
        let s = best_numeric(&h, 2, 0, 0, &ctx, &rules()).unwrap();
        assert_eq!(s.kind, SplitKind::Threshold(0));
        assert!(s.missing_left);
        assert_eq!(s.left[2], 3.0);
    }

    #[test]
    fn one_hot_category_split() {
        let col = [0u8, 1, 2, 1, 0, 2];
        let gh = [
            [1.0, 1.0],
            [-2.0, 1.0],
            [1.0, 1.0],
            [-2.0, 1.0],
            [1.0, 1.0],
            [1.0, 1.0],
        ];
        let h = histogram(&col, &gh);
        let ctx = LeafCtx {
            total: [0.0, 6.0, 6.0],
            lo: f64::NEG_INFINITY,
            hi: f64::INFINITY,
            parent_gain: 0.0,
        };
        let s = best_categorical(&h, 3, 0, &ctx, &rules()).unwrap();
        assert_eq!(s.kind, SplitKind::Categories(vec![1]));
        assert!(!s.missing_left);
    }

    #[test]
    fn partition_is_stable() {
        let col = [0u8, 5, 0, 5, 5, 0];
        let mut rows = vec![0, 1, 2, 3, 4, 5];
        let mut left_of = [false; SLOTS];
        left_of[0] = true;
        let n = partition(&mut rows, &mut Vec::new(), &col, &left_of);
        assert_eq!(n, 3);
        assert_eq!(rows, vec![0, 2, 5, 1, 3, 4]);
    }

    proptest! {
        #[test]
        fn unchecked_histogram_matches_safe_twin(
            col in proptest::collection::vec(any::<u8>(), 1..300),
            picks in proptest::collection::vec((any::<u16>(), -5.0f64..5.0, 0.0f64..2.0), 0..400),
        ) {
            let rows: Vec<u32> = picks.iter().map(|p| (p.0 as usize % col.len()) as u32).collect();
            let gh: Vec<GradPair> = picks.iter().map(|p| [p.1, p.2]).collect();
            let mut a = Box::new([[0.0; 3]; SLOTS]);
            let mut b = Box::new([[0.0; 3]; SLOTS]);
            hist_rows_safe(&col, &rows, &gh, &mut a);
            // SAFETY: every row index was reduced modulo col.len().
            unsafe { hist_rows_unchecked(&col, &rows, &gh, &mut b) };
            prop_assert_eq!(a, b);
        }

        #[test]
        fn grouped_kernels_match_the_safe_twins(
            cols in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 64), GROUP),
            picks in proptest::collection::vec((0usize..64, -5.0f64..5.0, 0.0f64..2.0), 0..300),
        ) {
            let rows: Vec<u32> = picks.iter().map(|p| p.0 as u32).collect();
            let gh: Vec<GradPair> = picks.iter().map(|p| [p.1, p.2]).collect();
            let c = [&cols[0][..], &cols[1][..], &cols[2][..], &cols[3][..]];
            let mut a: Vec<Box<[Bin; SLOTS]>> = (0..GROUP).map(|_| Box::new([[0.0; 3]; SLOTS])).collect();
            let mut b = a.clone();
            let [a0, a1, a2, a3] = &mut a[..] else { unreachable!() };
            hist_rows_group_safe(c, &rows, &gh, [a0, a1, a2, a3]);
            let [b0, b1, b2, b3] = &mut b[..] else { unreachable!() };
            // SAFETY: every row index is below 64, the length of every column.
            unsafe { hist_rows_group_unchecked(c, &rows, &gh, [b0, b1, b2, b3]) };
            prop_assert_eq!(&a, &b);
            // All rows in order: the grouped kernel equals one feature at a time.
            let gh_all: Vec<GradPair> = (0..64).map(|i| [i as f64 - 30.0, 1.0]).collect();
            let mut d: Vec<Box<[Bin; SLOTS]>> = (0..GROUP).map(|_| Box::new([[0.0; 3]; SLOTS])).collect();
            let [d0, d1, d2, d3] = &mut d[..] else { unreachable!() };
            hist_all_group(c, &gh_all, [d0, d1, d2, d3]);
            for (f, col) in c.iter().enumerate() {
                let mut e = Box::new([[0.0; 3]; SLOTS]);
                hist_all(col, &gh_all, &mut e);
                prop_assert_eq!(&d[f], &e);
            }
        }

        #[test]
        fn subtraction_recovers_the_sibling(
            col in proptest::collection::vec(0u8..8, 2..200),
            split in 1usize..199,
        ) {
            let split = split.min(col.len() - 1);
            let gh: Vec<GradPair> = (0..col.len()).map(|i| [i as f64 - 50.0, 1.0 + i as f64]).collect();
            let rows: Vec<u32> = (0..col.len() as u32).collect();
            let mut parent = Box::new([[0.0; 3]; SLOTS]);
            hist_all(&col, &gh, &mut parent);
            let mut left = Box::new([[0.0; 3]; SLOTS]);
            hist_rows_safe(&col, &rows[..split], &gh[..split], &mut left);
            let mut right = Box::new([[0.0; 3]; SLOTS]);
            hist_rows_safe(&col, &rows[split..], &gh[split..], &mut right);
            subtract(&mut parent[..], &left[..]);
            // Integer-valued sums: subtraction is exact.
            prop_assert_eq!(parent, right);
        }
    }
}
