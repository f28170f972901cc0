//! The prediction walk over packed nodes, the one `unsafe` kernel of tree prediction
//! ([`walk_unchecked`]) with its safe twin ([`walk_safe`]), which a property test in
//! `packed/mod.rs` compares it with.

/// A node of the packed prediction layout: a leaf (`value` +inf, NaN left, `left` its own
/// index, so that every value routes it to itself; its outputs are kept apart) or a split
/// (threshold or category-set index in `value`, the left child's index in `left`, the right
/// child's `left + 1`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PackedNode {
    /// The threshold (+inf for a leaf), or the category set's index.
    pub value: f64,
    /// [`LEAF`], [`MISSING_LEFT`], [`CATEGORY`] and the feature (`flags & FEATURE`).
    pub flags: u32,
    /// The left child's index (a leaf's own index).
    pub left: u32,
}

/// `PackedNode::flags`: the node is a leaf.
pub(crate) const LEAF: u32 = 1 << 31;
/// `PackedNode::flags`: NaN goes left.
pub(crate) const MISSING_LEFT: u32 = 1 << 30;
/// `PackedNode::flags`: the split tests a category set.
pub(crate) const CATEGORY: u32 = 1 << 29;
/// `PackedNode::flags`: the bits holding the feature.
pub(crate) const FEATURE: u32 = CATEGORY - 1;

/// The node after `n` when its feature's value is `x`: a split's child (routing as
/// `FlatTree::next`), or a leaf itself. `CAT` false: `n` is no category split.
#[inline(always)]
fn next_node<const CAT: bool>(n: PackedNode, x: f64, sets: &[Vec<u64>]) -> usize {
    let missing_left = n.flags & MISSING_LEFT != 0;
    let go_left = if CAT && n.flags & CATEGORY != 0 {
        if x.is_nan() {
            missing_left
        } else {
            // A negative, fractional or unseen code is not in the set: it goes right.
            sets.get(n.value as usize).is_some_and(|bits| {
                x >= 0.0
                    && x.fract() == 0.0
                    && (x as usize) < bits.len() * 64
                    && bits[x as usize / 64] >> (x as usize % 64) & 1 == 1
            })
        }
    } else {
        // Non-short-circuit operators: a data-dependent choice without a branch.
        // A leaf's threshold is +inf with NaN left: it always stays where it is.
        (x <= n.value) | (x.is_nan() & missing_left)
    };
    n.left as usize + usize::from(!go_left)
}

/// Step every walk `idx[l]` (of row `rows[l]`) through `nodes` until all of them sit on a
/// leaf; the safe twin of [`walk_unchecked`]. A leaf reads feature 0, absent in a row without
/// features (then 0 is used). `CAT` false: no node is a category split.
#[inline(always)]
pub(crate) fn walk_safe<const CAT: bool, const N: usize>(
    nodes: &[PackedNode],
    sets: &[Vec<u64>],
    idx: &mut [usize; N],
    rows: [&[f64]; N],
) {
    loop {
        let mut done = true;
        for (i, row) in idx.iter_mut().zip(rows) {
            let n = nodes[*i];
            done &= n.flags & LEAF != 0;
            let x = row
                .get((n.flags & FEATURE) as usize)
                .copied()
                .unwrap_or(0.0);
            *i = next_node::<CAT>(n, x, sets);
        }
        if done {
            break;
        }
    }
}

/// [`walk_safe`] without bounds checks on `nodes` and the rows.
///
/// # Safety
/// Every `idx[l]` is below `nodes.len()`; every node's `left` is below `nodes.len()`, and a
/// split's `left + 1` too; every node's feature (`flags & FEATURE`, 0 for a leaf) is below the
/// length of every row in `rows`.
#[inline(always)]
pub(crate) unsafe fn walk_unchecked<const CAT: bool, const N: usize>(
    nodes: &[PackedNode],
    sets: &[Vec<u64>],
    idx: &mut [usize; N],
    rows: [&[f64]; N],
) {
    loop {
        let mut done = true;
        for (i, row) in idx.iter_mut().zip(rows) {
            // SAFETY: the caller guarantees that `*i` (a start index or a node's child) is
            // in range, and that every node's feature is within every row.
            let n = unsafe { *nodes.get_unchecked(*i) };
            done &= n.flags & LEAF != 0;
            let x = unsafe { *row.get_unchecked((n.flags & FEATURE) as usize) };
            *i = next_node::<CAT>(n, x, sets);
        }
        if done {
            break;
        }
    }
}
