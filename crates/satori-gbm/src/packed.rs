//! The prediction layout: every tree of a booster compiled at fit or load time (never stored)
//! into one array of 16-byte nodes whose children sit side by side (`right = left + 1`), leaf
//! values inline. Routing is [`satori_tree::FlatTree::next`]'s exactly (thresholds `x <= t`,
//! category sets, NaN by `missing_left`) and leaf values are copied bit for bit, so
//! predictions equal the stored trees'.

use satori_tree::{FlatTree, SplitRule};

const LEAF: u32 = 1 << 31;
const MISSING_LEFT: u32 = 1 << 30;
const CATEGORY: u32 = 1 << 29;
const FEATURE: u32 = CATEGORY - 1;

/// One node: a leaf (value in `value`) or a split (threshold or category-set index in
/// `value`, the left child's index in `left`).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Node {
    value: f64,
    flags: u32,
    left: u32,
}

/// The compiled trees.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Packed {
    nodes: Vec<Node>,
    roots: Vec<u32>,
    sets: Vec<Vec<u64>>,
}

impl Packed {
    /// Compile `trees` (each already validated, with fewer than 2^29 features).
    pub fn new(trees: &[FlatTree]) -> Packed {
        let mut p = Packed::default();
        for t in trees {
            p.roots.push(p.nodes.len() as u32);
            p.add_tree(t);
        }
        p
    }

    fn add_tree(&mut self, t: &FlatTree) {
        // Breadth-first, children pushed as a pair: the left child's slot is reserved with
        // its sibling's right after it.
        let base = self.nodes.len();
        let mut order: Vec<u32> = vec![0];
        self.nodes.push(Node {
            value: 0.0,
            flags: LEAF,
            left: 0,
        });
        let mut i = 0;
        while i < order.len() {
            let old = order[i];
            let slot = base + i;
            match (t.feature(old), t.rule(old), t.children(old)) {
                (Some(f), Some(rule), Some((l, r))) => {
                    let left = (base + order.len()) as u32;
                    order.push(l);
                    order.push(r);
                    self.nodes.push(Node {
                        value: 0.0,
                        flags: LEAF,
                        left: 0,
                    });
                    self.nodes.push(Node {
                        value: 0.0,
                        flags: LEAF,
                        left: 0,
                    });
                    let mut flags = f as u32 & FEATURE;
                    if t.missing_left(old) {
                        flags |= MISSING_LEFT;
                    }
                    let value = match rule {
                        SplitRule::Threshold(th) => th,
                        SplitRule::Categories(codes) => {
                            flags |= CATEGORY;
                            let words = codes
                                .iter()
                                .map(|&c| c as usize / 64 + 1)
                                .max()
                                .unwrap_or(0);
                            let mut bits = vec![0u64; words];
                            for c in codes {
                                bits[c as usize / 64] |= 1 << (c % 64);
                            }
                            self.sets.push(bits);
                            (self.sets.len() - 1) as f64
                        }
                    };
                    self.nodes[slot] = Node { value, flags, left };
                }
                _ => {
                    self.nodes[slot] = Node {
                        value: t.value(old).first().copied().unwrap_or(0.0),
                        flags: LEAF,
                        left: 0,
                    };
                }
            }
            i += 1;
        }
    }

    /// The number of compiled trees.
    #[cfg(test)]
    pub fn n_trees(&self) -> usize {
        self.roots.len()
    }

    /// The child of split node `n` that `row` goes to.
    #[inline(always)]
    fn step(&self, n: Node, row: &[f64]) -> usize {
        let x = row[(n.flags & FEATURE) as usize];
        let missing_left = n.flags & MISSING_LEFT != 0;
        let go_left = if n.flags & CATEGORY == 0 {
            // Non-short-circuit operators: a data-dependent choice without a branch.
            (x <= n.value) | (x.is_nan() & missing_left)
        } else if x.is_nan() {
            missing_left
        } else {
            let bits = &self.sets[n.value as usize];
            x >= 0.0
                && x.fract() == 0.0
                && (x as usize) < bits.len() * 64
                && bits[x as usize / 64] >> (x as usize % 64) & 1 == 1
        };
        n.left as usize + usize::from(!go_left)
    }

    /// The leaf value of tree `t` for `row` (which has every feature the trees use).
    #[inline]
    pub fn tree_value(&self, t: usize, row: &[f64]) -> f64 {
        let mut i = self.roots[t] as usize;
        loop {
            let n = self.nodes[i];
            if n.flags & LEAF != 0 {
                return n.value;
            }
            i = self.step(n, row);
        }
    }

    /// Add every tree's value for `row` to `out[t % out.len()]`, in tree order. Four trees are
    /// walked in lockstep (their dependent loads overlap); the additions still happen one
    /// tree after another, so the sums are those of [`Packed::tree_value`] in order.
    pub fn add_all(&self, row: &[f64], out: &mut [f64]) {
        let k = out.len().max(1);
        let n_trees = self.roots.len();
        let mut t = 0;
        while t + LANES <= n_trees {
            let mut idx = [0usize; LANES];
            for (l, i) in idx.iter_mut().enumerate() {
                *i = self.roots[t + l] as usize;
            }
            loop {
                let mut moving = false;
                for i in idx.iter_mut() {
                    let n = self.nodes[*i];
                    if n.flags & LEAF == 0 {
                        *i = self.step(n, row);
                        moving = true;
                    }
                }
                if !moving {
                    break;
                }
            }
            for (l, &i) in idx.iter().enumerate() {
                out[(t + l) % k] += self.nodes[i].value;
            }
            t += LANES;
        }
        for t in t..n_trees {
            out[t % k] += self.tree_value(t, row);
        }
    }
}

/// Trees walked at once by [`Packed::add_all`].
const LANES: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;
    use satori_tree::NodeStats;

    /// root: x0 <= 1 (NaN left) ? (x1 in {0, 2, 70} (NaN right) ? 10 : 20) : 30.
    fn sample() -> FlatTree {
        let mut t = FlatTree::new(2, 1);
        let s = NodeStats::default();
        let root = t.add_node(&[0.0], s).unwrap();
        let cat = t.add_node(&[0.0], s).unwrap();
        let far = t.add_node(&[30.0], s).unwrap();
        let a = t.add_node(&[10.0], s).unwrap();
        let b = t.add_node(&[20.0], s).unwrap();
        t.set_split(root, 0, SplitRule::Threshold(1.0), true, cat, far, 1.0)
            .unwrap();
        t.set_split(
            cat,
            1,
            SplitRule::Categories(vec![0, 2, 70]),
            false,
            a,
            b,
            1.0,
        )
        .unwrap();
        t
    }

    #[test]
    fn packed_routing_equals_the_flat_tree() {
        let t = sample();
        let p = Packed::new(&[t.clone(), t.clone()]);
        let rows = [
            [1.0, 0.0],
            [1.0, 1.0],
            [1.5, 0.0],
            [f64::NAN, 2.0],
            [0.0, f64::NAN],
            [0.0, 70.0],
            [0.0, 71.0],
            [0.0, -1.0],
            [0.0, 0.5],
            [0.0, 1e300],
            [f64::INFINITY, 0.0],
            [f64::NEG_INFINITY, 2.0],
        ];
        for r in rows {
            assert_eq!(p.tree_value(1, &r), t.predict_row(&r)[0], "{r:?}");
        }
        assert_eq!(p.n_trees(), 2);
        // Lockstep walking (4 lanes + remainder) adds the trees in order.
        let many = Packed::new(&vec![t.clone(); 7]);
        for r in rows {
            let mut out = [0.5];
            many.add_all(&r, &mut out);
            let mut expect = 0.5;
            for _ in 0..7 {
                expect += t.predict_row(&r)[0];
            }
            assert_eq!(out[0].to_bits(), expect.to_bits(), "{r:?}");
        }
    }
}
