//! The KD-tree (scikit-learn's `KDTree`, `leaf_size` with its meaning): nodes split at the median
//! of their widest-spread dimension, each node keeps the bounding box of its rows, and a query
//! skips every node whose box is farther than the worst of the `k` best rows found so far.
//!
//! Like scikit-learn, the tree is a complete binary tree of
//! `1 + ⌊log2(max(1, (n − 1) / leaf_size))⌋` levels, so a leaf holds between `leaf_size / 2` and
//! `2 · leaf_size` rows (fewer only when `n` is). The rows are copied in tree order so that a
//! leaf's rows are contiguous in memory.
//!
//! Exactness: a node is skipped only when its box's distance is *strictly* greater than the
//! worst kept distance, and the box distance is computed with the same per-dimension
//! differences, squares and left-to-right sums as a row's distance (each a monotone rounding of
//! a term no larger than the row's), so it never exceeds the distance computed for any row
//! inside. The answer is therefore exactly the brute-force one, ties by row index included.

use ndarray::ArrayView2;
use rayon::prelude::*;

use crate::distance::{Metric, Neighbors, collect, finish, rdist, reduced_bound};
use crate::heap::TopK;

/// Queries per parallel task (fixed, so the split does not depend on the thread count).
const CHUNK: usize = 256;

/// A built KD-tree over a copy of the rows.
#[derive(Debug, Clone)]
pub(crate) struct KdTree {
    d: usize,
    /// The rows in tree order, row-major (`n × d`).
    data: Vec<f64>,
    /// The original row index of each row of `data`.
    perm: Vec<usize>,
    /// Each node's row range in `data`.
    start: Vec<usize>,
    end: Vec<usize>,
    leaf: Vec<bool>,
    /// Each node's bounding box, row-major (`nodes × d`).
    lower: Vec<f64>,
    upper: Vec<f64>,
}

/// The number of tree levels scikit-learn's `BinaryTree` uses.
fn n_levels(n: usize, leaf_size: usize) -> usize {
    let ratio = (n.saturating_sub(1) / leaf_size).max(1);
    1 + ratio.ilog2() as usize
}

impl KdTree {
    pub(crate) fn build(x: ArrayView2<'_, f64>, leaf_size: usize) -> KdTree {
        let (n, d) = x.dim();
        let n_nodes = (1usize << n_levels(n, leaf_size)) - 1;
        let mut perm: Vec<usize> = (0..n).collect();
        let mut t = KdTree {
            d,
            data: Vec::new(),
            perm: Vec::new(),
            start: vec![0; n_nodes],
            end: vec![0; n_nodes],
            leaf: vec![true; n_nodes],
            lower: vec![0.0; n_nodes * d],
            upper: vec![0.0; n_nodes * d],
        };
        t.build_node(x, &mut perm, 0, 0, n);
        let mut data = Vec::with_capacity(n * d);
        for &i in &perm {
            data.extend(x.row(i).iter());
        }
        t.data = data;
        t.perm = perm;
        t
    }

    fn build_node(
        &mut self,
        x: ArrayView2<'_, f64>,
        perm: &mut [usize],
        node: usize,
        start: usize,
        end: usize,
    ) {
        let d = self.d;
        self.start[node] = start;
        self.end[node] = end;
        let (lo, hi) = (
            &mut self.lower[node * d..(node + 1) * d],
            &mut self.upper[node * d..(node + 1) * d],
        );
        lo.fill(f64::INFINITY);
        hi.fill(f64::NEG_INFINITY);
        for &i in &perm[start..end] {
            for (j, &v) in x.row(i).iter().enumerate() {
                lo[j] = lo[j].min(v);
                hi[j] = hi[j].max(v);
            }
        }
        let first_child = 2 * node + 1;
        if first_child >= self.start.len() || end - start < 2 {
            self.leaf[node] = true;
            return;
        }
        self.leaf[node] = false;
        // The widest-spread dimension (the first of equals), as scikit-learn's
        // `find_node_split_dim`.
        let mut dim = 0;
        let mut best = f64::NEG_INFINITY;
        for j in 0..d {
            let spread = hi[j] - lo[j];
            if spread > best {
                best = spread;
                dim = j;
            }
        }
        let mid = start + (end - start) / 2;
        // Rows below the median value go left; equal values are ordered by row index so the
        // tree does not depend on anything but the data.
        perm[start..end].select_nth_unstable_by(mid - start, |&a, &b| {
            x[[a, dim]].total_cmp(&x[[b, dim]]).then(a.cmp(&b))
        });
        self.build_node(x, perm, first_child, start, mid);
        self.build_node(x, perm, first_child + 1, mid, end);
    }

    /// The `k` nearest rows of each query; with `exclude_self`, query `i` is row `i` of the
    /// indexed rows and skips it.
    pub(crate) fn search(
        &self,
        queries: ArrayView2<'_, f64>,
        k: usize,
        metric: Metric,
        exclude_self: bool,
    ) -> Neighbors {
        match metric {
            // The index builds no tree for nan_euclidean, so it never reaches here.
            Metric::Euclidean | Metric::NanEuclidean => {
                self.search_with::<true>(queries, k, exclude_self)
            }
            Metric::Manhattan => self.search_with::<false>(queries, k, exclude_self),
        }
    }

    fn search_with<const EUC: bool>(
        &self,
        queries: ArrayView2<'_, f64>,
        k: usize,
        exclude_self: bool,
    ) -> Neighbors {
        let nq = queries.nrows();
        let chunks: Vec<Vec<(f64, usize)>> = (0..nq.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let mut out = Vec::with_capacity(CHUNK * k);
                let mut heap = TopK::new(k);
                let mut q = vec![0.0; self.d];
                for qi in c * CHUNK..((c + 1) * CHUNK).min(nq) {
                    for (dst, src) in q.iter_mut().zip(queries.row(qi)) {
                        *dst = *src;
                    }
                    heap.clear();
                    let skip = if exclude_self { qi } else { usize::MAX };
                    let root = self.box_rdist::<EUC>(0, &q);
                    self.visit::<EUC>(0, root, &q, skip, &mut heap);
                    heap.drain_sorted_into(&mut out);
                }
                out
            })
            .collect();
        collect(chunks, nq, k)
    }

    fn visit<const EUC: bool>(
        &self,
        node: usize,
        node_rdist: f64,
        q: &[f64],
        skip: usize,
        heap: &mut TopK,
    ) {
        if node_rdist > reduced_bound::<EUC>(heap) {
            return;
        }
        if self.leaf[node] {
            let d = self.d;
            for p in self.start[node]..self.end[node] {
                let i = self.perm[p];
                if i == skip {
                    continue;
                }
                let rd = rdist::<EUC>(q, &self.data[p * d..(p + 1) * d]);
                if rd <= reduced_bound::<EUC>(heap) {
                    heap.push(finish::<EUC>(rd), i);
                }
            }
            return;
        }
        let (l, r) = (2 * node + 1, 2 * node + 2);
        let (dl, dr) = (self.box_rdist::<EUC>(l, q), self.box_rdist::<EUC>(r, q));
        if dl <= dr {
            self.visit::<EUC>(l, dl, q, skip, heap);
            self.visit::<EUC>(r, dr, q, skip, heap);
        } else {
            self.visit::<EUC>(r, dr, q, skip, heap);
            self.visit::<EUC>(l, dl, q, skip, heap);
        }
    }

    /// The reduced distance from `q` to the node's bounding box (0 inside it).
    #[inline]
    fn box_rdist<const EUC: bool>(&self, node: usize, q: &[f64]) -> f64 {
        let d = self.d;
        let lo = &self.lower[node * d..(node + 1) * d];
        let hi = &self.upper[node * d..(node + 1) * d];
        let mut s = 0.0;
        for j in 0..d {
            let v = q[j];
            let gap = if v < lo[j] {
                lo[j] - v
            } else if v > hi[j] {
                v - hi[j]
            } else {
                0.0
            };
            s += if EUC { gap * gap } else { gap };
        }
        s
    }
}
