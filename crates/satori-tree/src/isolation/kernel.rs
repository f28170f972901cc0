//! The scoring kernel: the summed path length of each row over the trees of a forest.
//!
//! The trees are copied into one array of 16-byte nodes built for this walk (rebuilt per call:
//! microseconds next to scoring). Isolation trees store a node's children next to each other
//! (right = left + 1), so a step is `node = left + goes_right` without a branch; a leaf points to
//! itself with threshold +∞, so every row of a tree takes the same number of steps (the tree's
//! depth) and eight rows walk side by side, hiding the latency of each load behind the others.
//! [`path_lengths_safe`] is the plain twin (through [`FlatTree::leaf`]) that tests compare with.

use rayon::prelude::*;

use crate::flat::FlatTree;

/// Rows per parallel task (fixed, so the result does not depend on the thread count; each row's
/// sum runs over the trees in order either way).
const ROW_CHUNK: usize = 2048;
/// Rows walking a tree side by side.
const LANES: usize = 8;
/// The bit of `Node::feature` that sends missing values right.
const MISSING_RIGHT: u32 = 1 << 31;

#[derive(Debug, Clone, Copy)]
struct Node {
    threshold: f64,
    /// The split feature, with [`MISSING_RIGHT`] set when missing values go right.
    feature: u32,
    /// The left child (the right one is next to it); a leaf points to itself.
    left: u32,
}

/// A forest laid out for [`Compact::path_lengths`].
pub(crate) struct Compact {
    nodes: Vec<Node>,
    values: Vec<f64>,
    /// Per tree: its root and depth.
    trees: Vec<(u32, usize)>,
}

impl Compact {
    /// Lay out `trees`, or `None` when a tree does not have adjacent children (so the caller
    /// falls back to [`path_lengths_safe`]) or the forest is too large to index with `u32`.
    pub(crate) fn new(trees: &[FlatTree]) -> Option<Compact> {
        let mut nodes = Vec::new();
        let mut values = Vec::new();
        let mut roots = Vec::with_capacity(trees.len());
        for t in trees {
            let base = u32::try_from(nodes.len()).ok()?;
            u32::try_from(nodes.len() + t.n_nodes()).ok()?;
            for id in 0..t.n_nodes() as u32 {
                let node = match (t.feature(id), t.children(id), t.rule(id)) {
                    (Some(f), Some((l, r)), Some(crate::SplitRule::Threshold(thr))) => {
                        if r != l + 1 || f >= MISSING_RIGHT as usize || thr.is_nan() {
                            return None;
                        }
                        let missing = if t.missing_left(id) { 0 } else { MISSING_RIGHT };
                        Node {
                            threshold: thr,
                            feature: f as u32 | missing,
                            left: base + l,
                        }
                    }
                    (None, _, _) => Node {
                        threshold: f64::INFINITY,
                        feature: 0,
                        left: base + id,
                    },
                    _ => return None,
                };
                nodes.push(node);
                values.push(*t.value(id).first()?);
            }
            roots.push((base, t.max_depth()));
        }
        Some(Compact {
            nodes,
            values,
            trees: roots,
        })
    }

    /// The sum over the trees (in order) of each row's leaf value; `rows` is row-major with `p`
    /// values per row (`p` at least 1 and the trees' feature count, checked by the caller).
    pub(crate) fn path_lengths(&self, rows: &[f64], p: usize) -> Vec<f64> {
        let n = rows.len() / p;
        let mut out = vec![0.0; n];
        out.par_chunks_mut(ROW_CHUNK)
            .zip(rows.par_chunks(ROW_CHUNK * p))
            .for_each(|(o, r)| self.chunk(r, p, o));
        out
    }

    fn chunk(&self, rows: &[f64], p: usize, out: &mut [f64]) {
        let nodes = &self.nodes[..];
        for &(root, depth) in &self.trees {
            let mut lanes = out.chunks_exact_mut(LANES);
            let mut blocks = rows.chunks_exact(LANES * p);
            for (o, block) in (&mut lanes).zip(&mut blocks) {
                let mut at = [root; LANES];
                for _ in 0..depth {
                    for l in 0..LANES {
                        at[l] = step(nodes, at[l], &block[l * p..(l + 1) * p]);
                    }
                }
                for l in 0..LANES {
                    o[l] += self.values[at[l] as usize];
                }
            }
            let o = lanes.into_remainder();
            for (l, row) in blocks.remainder().chunks_exact(p).enumerate() {
                let mut at = root;
                for _ in 0..depth {
                    at = step(nodes, at, row);
                }
                o[l] += self.values[at as usize];
            }
        }
    }
}

/// One step down: the left child plus one when the row goes right.
#[inline(always)]
fn step(nodes: &[Node], at: u32, row: &[f64]) -> u32 {
    let node = nodes[at as usize];
    let x = row[(node.feature & !MISSING_RIGHT) as usize];
    let right = (x > node.threshold) | (x.is_nan() & (node.feature & MISSING_RIGHT != 0));
    node.left + u32::from(right)
}

/// The same sums through [`FlatTree::leaf`], row by row: the reference of the kernel, and the
/// path for trees it cannot lay out.
pub(crate) fn path_lengths_safe(trees: &[FlatTree], rows: &[f64], p: usize) -> Vec<f64> {
    rows.par_chunks(ROW_CHUNK * p)
        .flat_map_iter(|chunk| {
            chunk.chunks_exact(p).map(|row| {
                trees
                    .iter()
                    .fold(0.0, |acc, t| acc + t.value(t.leaf(row))[0])
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolation::grow::TreeDraw;
    use ndarray::Array2;
    use proptest::prelude::*;
    use satori_core::rng::{RngExt, rng, sub_rng};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// The branch-free kernel gives the safe walk's sums bit for bit, on data with missing
        /// and infinite values, duplicates and every row count around the lane width.
        #[test]
        fn kernel_matches_its_safe_twin(
            n in 1usize..90, p in 1usize..5, seed in any::<u64>(), nan in 0.0f64..0.4,
            max_samples in 1usize..90, depth in 0usize..9, score_rows in 0usize..40,
        ) {
            let mut r = rng(seed);
            let mut draw = |_: (usize, usize)| {
                let u: f64 = r.random();
                if u < nan { f64::NAN } else { (r.random::<f64>() * 8.0).round() / 2.0 }
            };
            let x = Array2::from_shape_fn((n, p), &mut draw);
            let plan = TreeDraw { max_samples: max_samples.min(n), max_features: p,
                bootstrap: seed % 2 == 0, max_depth: depth };
            let trees: Vec<FlatTree> = (0..7)
                .map(|t| plan.grow(x.view(), &mut sub_rng(seed, t)).unwrap())
                .collect();
            let mut rows = Array2::from_shape_fn((score_rows, p), &mut draw);
            if score_rows > 2 {
                rows[[1, 0]] = f64::INFINITY;
                rows[[2, p - 1]] = f64::NEG_INFINITY;
            }
            let flat = rows.as_slice().unwrap();
            let compact = Compact::new(&trees).unwrap();
            let fast = compact.path_lengths(flat, p);
            let safe = path_lengths_safe(&trees, flat, p);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&fast), bits(&safe));
        }
    }
}
