use proptest::prelude::*;
use serde::Serialize;

use super::*;
use crate::flat::SplitRule;

/// The derived layout trees were stored in before [`Compact`] (the same fields, in order).
#[derive(Serialize)]
struct Legacy<'a> {
    n_features: usize,
    n_outputs: usize,
    feature: &'a [u32],
    threshold: &'a [f64],
    category_set: &'a [u32],
    category_sets: &'a [Vec<u64>],
    left: &'a [u32],
    right: &'a [u32],
    missing_left: &'a [bool],
    gain: &'a [f64],
    stats: &'a [NodeStats],
    value: &'a [f64],
}

fn legacy_bytes(t: &FlatTree) -> Vec<u8> {
    postcard::to_allocvec(&Legacy {
        n_features: t.n_features,
        n_outputs: t.n_outputs,
        feature: &t.feature,
        threshold: &t.threshold,
        category_set: &t.category_set,
        category_sets: &t.category_sets,
        left: &t.left,
        right: &t.right,
        missing_left: &t.missing_left,
        gain: &t.gain,
        stats: &t.stats,
        value: &t.value,
    })
    .unwrap()
}

fn bits_eq(a: &FlatTree, b: &FlatTree) -> bool {
    let f = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let s = |t: &FlatTree| {
        t.stats
            .iter()
            .flat_map(|s| [s.n_samples, s.weight.to_bits(), s.impurity.to_bits()])
            .collect::<Vec<_>>()
    };
    a.n_features == b.n_features
        && a.n_outputs == b.n_outputs
        && a.feature == b.feature
        && f(&a.threshold) == f(&b.threshold)
        && a.category_set == b.category_set
        && a.category_sets == b.category_sets
        && a.left == b.left
        && a.right == b.right
        && a.missing_left == b.missing_left
        && f(&a.gain) == f(&b.gain)
        && s(a) == s(b)
        && f(&a.value) == f(&b.value)
}

/// A tree grown by splitting a chosen leaf per step: (leaf pick, feature, threshold code,
/// NaN left, category split, value code, weight code).
type Step = (u8, u8, i16, bool, bool, u8, u8);

/// Values that exercise every float encoding: zeros of both signs, integers, `f32`-exact
/// fractions, other floats, NaN with a payload, infinities.
fn float(code: u8, j: usize) -> f64 {
    match code % 9 {
        0 => 0.0,
        1 => -0.0,
        2 => f64::from(code),
        3 => f64::from(code) + 0.5,
        4 => 0.1 * f64::from(code) + j as f64,
        5 => f64::from_bits(0x7ff8_0000_0000_0001 + u64::from(code)),
        6 => f64::INFINITY,
        7 => 1.0,
        _ => 1.0 / 3.0,
    }
}

fn random_tree(nf: usize, k: usize, steps: &[Step]) -> FlatTree {
    let mut t = FlatTree::new(nf, k);
    let stats = |w: u8, j: usize| NodeStats {
        n_samples: u64::from(w) * 1000 + j as u64,
        weight: float(w, j),
        impurity: float(w.wrapping_mul(3), j),
    };
    let vals = |c: u8, j: usize| -> Vec<f64> {
        (0..k).map(|i| float(c.wrapping_add(i as u8), j)).collect()
    };
    let mut leaves = vec![t.add_node(&vals(7, 0), stats(2, 0)).unwrap()];
    for (j, &(pick, f, th, ml, cat, v, w)) in steps.iter().enumerate() {
        let at = leaves.swap_remove(pick as usize % leaves.len());
        let l = t.add_node(&vals(v, j), stats(w, j)).unwrap();
        let r = t.add_node(&vals(v / 2, j + 1), stats(w / 3, j)).unwrap();
        let rule = if cat {
            SplitRule::Categories(vec![th.unsigned_abs() as u32 % 200, 7])
        } else {
            SplitRule::Threshold(f64::from(th) * [0.5, 0.1, 1.0][j % 3])
        };
        t.set_split(at, f as usize % nf, rule, ml, l, r, float(w, j))
            .unwrap();
        leaves.extend([l, r]);
    }
    t
}

proptest! {
    /// Written and read back, by postcard and JSON, a tree is the same bit for bit; the legacy
    /// layout of the same tree reads as the same tree too.
    #[test]
    fn round_trips_are_exact(
        steps in prop::collection::vec(any::<Step>(), 0..60),
        k in 1usize..4,
        prune in any::<u8>(),
    ) {
        let mut t = random_tree(5, k, &steps);
        // Pruned subtrees stay in the arrays (unreachable), as cost-complexity pruning leaves them.
        if prune % 4 == 0 && t.n_nodes() > 3 {
            t.make_leaf(1);
        }
        let bytes = postcard::to_allocvec(&t).unwrap();
        let back: FlatTree = postcard::from_bytes(&bytes).unwrap();
        prop_assert!(bits_eq(&back, &t));
        prop_assert_eq!(postcard::to_allocvec(&back).unwrap(), bytes);
        let legacy: FlatTree = postcard::from_bytes(&legacy_bytes(&t)).unwrap();
        prop_assert!(bits_eq(&legacy, &t));
        if !t.value.iter().chain(&t.gain).any(|v| !v.is_finite())
            && !t.stats.iter().any(|s| !s.weight.is_finite() || !s.impurity.is_finite())
        {
            let json = serde_json::to_string(&t).unwrap();
            let back: FlatTree = serde_json::from_str(&json).unwrap();
            prop_assert!(bits_eq(&back, &t));
        }
    }

    /// Damaged bytes are an error, never a panic or an invalid tree.
    #[test]
    fn damaged_bytes_are_errors(
        steps in prop::collection::vec(any::<Step>(), 1..30),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let t = random_tree(3, 2, &steps);
        let mut bytes = postcard::to_allocvec(&t).unwrap();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        if let Ok(back) = postcard::from_bytes::<FlatTree>(&bytes) {
            back.validate().unwrap();
            if back.n_features() <= 64 {
                let row = vec![f64::NAN; back.n_features()];
                let _ = back.predict_row(&row);
            }
        }
        let bytes = postcard::to_allocvec(&t).unwrap();
        let n = cut.index(bytes.len());
        prop_assert!(postcard::from_bytes::<FlatTree>(&bytes[..n]).is_err());
    }
}

/// A fully grown classification tree's shape: half the nodes pure leaves (`[1, 0]` or
/// `[0, 1]`, impurity 0), integer weights (bootstrap counts), thresholds at midpoints.
fn forest_like(depth: u32) -> FlatTree {
    let mut t = FlatTree::new(20, 2);
    let s = |n: u64| NodeStats {
        n_samples: n,
        weight: (n + n / 3) as f64,
        impurity: 0.0,
    };
    let root = t.add_node(&[0.3, 0.7], s(1 << depth)).unwrap();
    let mut frontier = vec![(root, depth)];
    let mut j = 0u32;
    while let Some((node, d)) = frontier.pop() {
        if d == 0 {
            let v = if j.is_multiple_of(2) {
                [1.0, 0.0]
            } else {
                [0.0, 1.0]
            };
            t.set_value(node, &v).unwrap();
            j += 1;
            continue;
        }
        let mut stats = s(1 << d);
        stats.impurity = 0.25 + f64::from(j) * 1e-3 / 7.0;
        let l = t.add_node(&[0.4 + f64::from(j) / 1e4, 0.6], stats).unwrap();
        let r = t
            .add_node(&[0.45, 0.55 + f64::from(j) / 1e5], stats)
            .unwrap();
        j += 1;
        let th = f64::from(j) * 0.37 + 0.01;
        t.set_split(
            node,
            (j % 20) as usize,
            SplitRule::Threshold(th),
            j.is_multiple_of(3),
            l,
            r,
            th * 2.0,
        )
        .unwrap();
        frontier.push((r, d - 1));
        frontier.push((l, d - 1));
    }
    t
}

#[test]
fn compact_layout_is_under_half_the_legacy_size_for_forest_trees() {
    let t = forest_like(12);
    let compact = postcard::to_allocvec(&t).unwrap().len();
    let legacy = legacy_bytes(&t).len();
    assert!(
        compact * 2 < legacy,
        "{compact} bytes compact, {legacy} legacy ({} nodes)",
        t.n_nodes()
    );
    let back: FlatTree = postcard::from_bytes(&postcard::to_allocvec(&t).unwrap()).unwrap();
    assert!(bits_eq(&back, &t));
    // The pure leaves are stored as a table of their two distributions.
    assert!(matches!(
        Compact::of(&t).leaf_values,
        LeafValues::Table { .. }
    ));
}

#[test]
fn every_float_encoding_is_exact_and_picked_by_size() {
    let ints = [0.0, 3.0, 1e15, 7.0];
    assert!(matches!(Floats::encode(&ints), Floats::Integers(_)));
    let mixed = [
        0.0,
        -0.0,
        0.5,
        1.0 / 3.0,
        f64::NAN,
        f64::NEG_INFINITY,
        2.0,
        0.0,
    ];
    assert!(matches!(Floats::encode(&mixed), Floats::Tagged { .. }));
    let dense: Vec<f64> = (1..50).map(|i| 1.0 / f64::from(i) + 1e-3).collect();
    assert!(matches!(Floats::encode(&dense), Floats::Raw(_)));
    for v in [&ints[..], &mixed[..], &dense[..], &[][..]] {
        let back = Floats::encode(v).decode(v.len(), "test").unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(v));
        assert!(Floats::encode(v).decode(v.len() + 1, "test").is_err());
    }
}

#[test]
fn inconsistent_bodies_are_errors() {
    let t = forest_like(3);
    let good = Compact::of(&t);
    let mut bad = good.clone();
    bad.left[0] = 0;
    assert!(bad.into_tree().unwrap().validate().is_err());
    let mut bad = good.clone();
    bad.left[1] = u32::MAX;
    assert!(bad.into_tree().is_err());
    let mut bad = good.clone();
    bad.right.pop();
    assert!(bad.into_tree().is_err());
    let mut bad = good.clone();
    bad.n_samples.pop();
    assert!(bad.into_tree().is_err());
    let mut bad = good.clone();
    bad.feature[0] = 99;
    assert!(bad.into_tree().unwrap().validate().is_err());
    let mut bad = good.clone();
    if let LeafValues::Table { index, .. } = &mut bad.leaf_values {
        index[0] = 1000;
    }
    assert!(bad.into_tree().is_err());
    let mut bad = good;
    bad.category = vec![0xff];
    assert!(bad.into_tree().is_err());
    // JSON of another layout is refused.
    let e = serde_json::from_str::<FlatTree>(r#"{"layout": 3, "tree": null}"#).unwrap_err();
    assert!(
        e.to_string().contains("layout") || e.to_string().contains("null"),
        "{e}"
    );
}
