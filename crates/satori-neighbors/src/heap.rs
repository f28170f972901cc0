//! A bounded max-heap of `(distance, row)` pairs: the `k` best candidates seen so far, ordered by
//! distance and then by row index, so that equal distances keep the lower row.

use std::cmp::Ordering;

/// `a` before `b`: smaller distance, then smaller row index.
#[inline]
pub(crate) fn before(a: (f64, usize), b: (f64, usize)) -> bool {
    match a.0.total_cmp(&b.0) {
        Ordering::Less => true,
        Ordering::Greater => false,
        Ordering::Equal => a.1 < b.1,
    }
}

/// The `k` smallest `(distance, row)` pairs pushed so far (`k ≥ 1`).
#[derive(Debug, Clone)]
pub(crate) struct TopK {
    k: usize,
    /// A max-heap: `items[0]` is the worst kept pair.
    items: Vec<(f64, usize)>,
}

impl TopK {
    pub(crate) fn new(k: usize) -> TopK {
        TopK {
            k,
            items: Vec::with_capacity(k),
        }
    }

    /// Forget every pair, keeping the capacity.
    pub(crate) fn clear(&mut self) {
        self.items.clear();
    }

    /// Whether `k` pairs are kept.
    #[inline]
    pub(crate) fn is_full(&self) -> bool {
        self.items.len() == self.k
    }

    /// The worst kept distance once full (`+∞` before): a candidate farther than this cannot
    /// enter.
    #[inline]
    pub(crate) fn bound(&self) -> f64 {
        if self.is_full() {
            self.items[0].0
        } else {
            f64::INFINITY
        }
    }

    /// Offer a pair; it is kept when fewer than `k` are kept or it comes before the worst.
    #[inline]
    pub(crate) fn push(&mut self, d: f64, i: usize) {
        if self.items.len() < self.k {
            self.items.push((d, i));
            self.sift_up(self.items.len() - 1);
        } else if before((d, i), self.items[0]) {
            self.items[0] = (d, i);
            self.sift_down(0);
        }
    }

    fn sift_up(&mut self, mut c: usize) {
        while c > 0 {
            let p = (c - 1) / 2;
            if before(self.items[p], self.items[c]) {
                self.items.swap(p, c);
                c = p;
            } else {
                break;
            }
        }
    }

    fn sift_down(&mut self, mut p: usize) {
        let n = self.items.len();
        loop {
            let (l, r) = (2 * p + 1, 2 * p + 2);
            let mut worst = p;
            if l < n && before(self.items[worst], self.items[l]) {
                worst = l;
            }
            if r < n && before(self.items[worst], self.items[r]) {
                worst = r;
            }
            if worst == p {
                break;
            }
            self.items.swap(p, worst);
            p = worst;
        }
    }

    /// The kept pairs, best first, appended to `out`.
    pub(crate) fn drain_sorted_into(&mut self, out: &mut Vec<(f64, usize)>) {
        self.items
            .sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        out.extend_from_slice(&self.items);
        self.items.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_k_smallest_with_ties_by_row() {
        let mut h = TopK::new(3);
        for (d, i) in [(5.0, 0), (1.0, 9), (1.0, 3), (2.0, 1), (1.0, 7), (0.5, 8)] {
            h.push(d, i);
        }
        let mut out = Vec::new();
        h.drain_sorted_into(&mut out);
        assert_eq!(out, vec![(0.5, 8), (1.0, 3), (1.0, 7)]);
    }
}
