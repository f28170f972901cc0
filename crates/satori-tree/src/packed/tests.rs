use super::*;
use crate::flat::{NodeStats, SplitRule};
use proptest::prelude::*;

/// root: x0 <= 1 (NaN left) ? (x1 in {0, 2, 70} (NaN right) ? 10 : 20) : 30, with `w` values
/// per node (the leaf's value, then its negation, then zeros).
fn sample(w: usize) -> FlatTree {
    let mut t = FlatTree::new(2, w);
    let s = NodeStats::default();
    let v = |x: f64| -> Vec<f64> { (0..w).map(|j| [x, -x, 0.0][j.min(2)]).collect() };
    let root = t.add_node(&v(0.0), s).unwrap();
    let cat = t.add_node(&v(0.0), s).unwrap();
    let far = t.add_node(&v(30.0), s).unwrap();
    let a = t.add_node(&v(10.0), s).unwrap();
    let b = t.add_node(&v(20.0), s).unwrap();
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

const ROWS: [[f64; 2]; 12] = [
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

#[test]
fn packed_routing_equals_the_flat_tree() {
    for w in [1, 2, 3] {
        let t = sample(w);
        let p = Packed::new(&[t.clone(), t.clone()]).unwrap();
        assert_eq!(p.width(), w);
        for r in ROWS {
            assert_eq!(p.tree_values(1, &r), t.predict_row(&r), "{r:?}");
            assert_eq!(p.tree_value(1, &r), t.predict_row(&r)[0], "{r:?}");
        }
        assert_eq!(p.n_trees(), 2);
    }
    // Numeric-only trees take the walk without category tests.
    let t = sample(1);
    let numeric = numeric_sample();
    let trees: Vec<FlatTree> = (0..19)
        .map(|i| {
            if i % 3 == 1 {
                numeric.clone()
            } else {
                t.clone()
            }
        })
        .collect();
    let numeric_only = vec![numeric; 19];
    for trees in [trees, numeric_only] {
        check_sums(&trees, &ROWS, &[1, 3]);
    }
    // Trees of several values per leaf add them to the same outputs (a forest's classes).
    check_sums(&vec![sample(2); 11], &ROWS, &[2, 4]);
    check_sums(&vec![sample(3); 9], &ROWS, &[3]);
}

#[test]
fn trees_of_another_shape_are_refused() {
    let e = Packed::new(&[sample(1), sample(2)])
        .unwrap_err()
        .to_string();
    assert!(e.contains("values per leaf"), "{e}");
    let empty = Packed::new(&[]).unwrap();
    assert_eq!(empty.n_trees(), 0);
    let mut out = [0.5];
    empty.add_all(&[1.0, 2.0], &mut out);
    assert_eq!(out, [0.5]);
}

/// x0 <= 1 (NaN right) ? (x1 <= -0.5 (NaN left) ? 1 : 2) : 3.
fn numeric_sample() -> FlatTree {
    let mut t = FlatTree::new(2, 1);
    let s = NodeStats::default();
    let root = t.add_node(&[0.0], s).unwrap();
    let inner = t.add_node(&[0.0], s).unwrap();
    let far = t.add_node(&[3.0], s).unwrap();
    let a = t.add_node(&[1.0], s).unwrap();
    let b = t.add_node(&[2.0], s).unwrap();
    t.set_split(root, 0, SplitRule::Threshold(1.0), false, inner, far, 1.0)
        .unwrap();
    t.set_split(inner, 1, SplitRule::Threshold(-0.5), true, a, b, 1.0)
        .unwrap();
    t
}

/// What the packed trees must add for `row` into `k` outputs: each flat tree's values in
/// tree order, tree `t` into outputs `(t * w) % k ..`.
fn expected(trees: &[FlatTree], row: &[f64], k: usize, start: f64) -> Vec<f64> {
    let mut e = vec![start; k];
    for (t, tree) in trees.iter().enumerate() {
        let v = tree.predict_row(row);
        let g = (t * v.len()) % k;
        e[g..g + v.len()]
            .iter_mut()
            .zip(v)
            .for_each(|(o, x)| *o += x);
    }
    e
}

/// Single-row (lanes + remainder) and block sums, for the given output counts and row counts
/// around the lane and block sizes, equal the flat trees' values added in order.
fn check_sums(trees: &[FlatTree], rows: &[[f64; 2]], ks: &[usize]) {
    let p = Packed::new(trees).unwrap();
    for &k in ks {
        for r in rows {
            let mut out = vec![0.25; k];
            p.add_all(r, &mut out);
            assert_eq!(bits(&out), bits(&expected(trees, r, k, 0.25)), "{r:?}");
        }
        for n in [0, 1, 7, 8, 9, 63, 64, 65, 150] {
            let xs: Vec<[f64; 2]> = (0..n).map(|i| rows[(i * 7) % rows.len()]).collect();
            let flat: Vec<f64> = xs.iter().flatten().copied().collect();
            let mut out = vec![0.25; n * k];
            p.add_rows(&flat, 2, k, &mut out);
            let e: Vec<f64> = xs
                .iter()
                .flat_map(|r| expected(trees, r, k, 0.25))
                .collect();
            assert_eq!(bits(&out), bits(&e), "{n} rows, k = {k}");
        }
    }
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// A tree grown by splitting a chosen leaf per step: (leaf pick, feature, threshold or
/// category, NaN left, category split, leaf value).
type Step = (u8, u8, i8, bool, bool, i8);

fn random_tree(nf: usize, w: usize, steps: &[Step]) -> FlatTree {
    let mut t = FlatTree::new(nf, w);
    let s = NodeStats::default();
    let vals = |a: f64| -> Vec<f64> { (0..w).map(|j| a + j as f64 * 0.125).collect() };
    let mut leaves = vec![t.add_node(&vals(0.5), s).unwrap()];
    for (j, &(pick, f, th, ml, cat, v)) in steps.iter().enumerate() {
        let at = leaves.swap_remove(pick as usize % leaves.len());
        let l = t.add_node(&vals(f64::from(v) * 0.25), s).unwrap();
        let r = t.add_node(&vals(j as f64 - f64::from(v) * 0.5), s).unwrap();
        let rule = if cat {
            SplitRule::Categories(vec![u32::from(th.unsigned_abs()) % 5, 7, 70])
        } else {
            SplitRule::Threshold(f64::from(th) * 0.5)
        };
        t.set_split(at, f as usize % nf, rule, ml, l, r, 1.0)
            .unwrap();
        leaves.extend([l, r]);
    }
    t
}

fn input() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        -40.0..40.0f64,
        (0u8..80).prop_map(f64::from),
    ]
}

proptest! {
    /// The unchecked walk equals its safe twin and the flat trees, for single rows and
    /// blocks, with and without category splits, with one value per leaf cycling over `k`
    /// outputs or `k` values per leaf.
    #[test]
    fn unchecked_walk_matches_safe_twin(
        steps in prop::collection::vec(
            prop::collection::vec(any::<Step>(), 0..24), 1..20),
        rows in prop::collection::vec(prop::collection::vec(input(), 3), 0..80),
        k in 1usize..4,
        per_leaf in any::<bool>(),
    ) {
        let w = if per_leaf { k } else { 1 };
        let trees: Vec<FlatTree> = steps.iter().map(|s| random_tree(3, w, s)).collect();
        let p = Packed::new(&trees).unwrap();
        prop_assert!(p.unchecked_ok(3));
        let mut all = Vec::new();
        for r in &rows {
            let e = expected(&trees, r, k, 0.0);
            all.extend(e.iter().copied());
            for (cat, unchecked) in [(true, true), (true, false), (false, true), (false, false)] {
                if !cat && p.has_categories() {
                    continue;
                }
                let mut out = vec![0.0; k];
                match (cat, unchecked) {
                    (true, true) => p.add_all_with::<true, true>(r, &mut out),
                    (true, false) => p.add_all_with::<true, false>(r, &mut out),
                    (false, true) => p.add_all_with::<false, true>(r, &mut out),
                    (false, false) => p.add_all_with::<false, false>(r, &mut out),
                }
                prop_assert_eq!(bits(&out), bits(&e));
            }
        }
        let flat: Vec<f64> = rows.iter().flatten().copied().collect();
        for unchecked in [true, false] {
            let mut out = vec![0.0; rows.len() * k];
            if unchecked {
                p.add_rows_with::<true, true>(&flat, 3, k, &mut out);
            } else {
                p.add_rows_with::<true, false>(&flat, 3, k, &mut out);
            }
            prop_assert_eq!(bits(&out), bits(&all));
        }
        // Rows shorter than a used feature never take the unchecked walk.
        prop_assert!(!p.unchecked_ok(0));
    }
}

/// Trees too large to stay in cache are walked by every row given before the next tree (one
/// block): the sums are the same as the flat trees', in order.
#[test]
fn large_trees_walk_all_rows_per_tree_with_the_same_sums() {
    let steps: Vec<Step> = (0..12_000u32)
        .map(|j| {
            let b = j.to_le_bytes();
            (
                b[0] ^ b[1],
                b[1],
                ((j % 200) as i16 - 100) as i8,
                j.is_multiple_of(3),
                j.is_multiple_of(7),
                b[0] as i8,
            )
        })
        .collect();
    let trees: Vec<FlatTree> = (0..3)
        .map(|i| random_tree(3, 2, &steps[i * 100..]))
        .collect();
    let p = Packed::new(&trees).unwrap();
    assert_eq!(p.block_rows(), usize::MAX);
    let rows: Vec<[f64; 3]> = (0..300)
        .map(|i| {
            [
                f64::from(i % 80) - 40.0,
                f64::from(i % 13),
                f64::from(i % 71),
            ]
        })
        .collect();
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    let mut out = vec![0.0; rows.len() * 2];
    p.add_rows(&flat, 3, 2, &mut out);
    let e: Vec<f64> = rows
        .iter()
        .flat_map(|r| expected(&trees, r, 2, 0.0))
        .collect();
    assert_eq!(bits(&out), bits(&e));
    // Small trees keep the small block.
    assert_eq!(
        Packed::new(&[numeric_sample()]).unwrap().block_rows(),
        BLOCK
    );
}
