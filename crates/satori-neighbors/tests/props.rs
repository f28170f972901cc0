//! Every algorithm returns exactly the naive reference's neighbours: the same rows in the same
//! order (distance, then row index) and the same distances to the last bit, on data with
//! duplicate rows and many ties; `kneighbors_self` never returns the row itself.

use ndarray::{Array2, ArrayView2};
use proptest::prelude::*;
use satori_neighbors::{Algorithm, IndexOptions, KnnIndex, Metric, Neighbors};

/// All distances, sorted by (distance, row), the first `k`; `skip_self` skips row `q` for query `q`.
fn naive(
    x: ArrayView2<'_, f64>,
    q: ArrayView2<'_, f64>,
    k: usize,
    metric: Metric,
    skip_self: bool,
) -> (Vec<Vec<usize>>, Vec<Vec<f64>>) {
    let mut ind = Vec::new();
    let mut dist = Vec::new();
    for (qi, qr) in q.outer_iter().enumerate() {
        let qv = qr.to_vec();
        let mut all: Vec<(f64, usize)> = x
            .outer_iter()
            .enumerate()
            .filter(|(i, _)| !(skip_self && *i == qi))
            .map(|(i, r)| (metric.distance(&qv, &r.to_vec()), i))
            .collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        all.truncate(k);
        ind.push(all.iter().map(|p| p.1).collect());
        dist.push(all.iter().map(|p| p.0).collect());
    }
    (ind, dist)
}

fn as_vecs(n: &Neighbors) -> (Vec<Vec<usize>>, Vec<Vec<f64>>) {
    (
        n.indices.outer_iter().map(|r| r.to_vec()).collect(),
        n.distances.outer_iter().map(|r| r.to_vec()).collect(),
    )
}

/// Rows from a small grid of values (so many distances tie), some rows repeated.
fn data() -> impl Strategy<Value = (Array2<f64>, Array2<f64>, usize, usize)> {
    (1usize..5, 1usize..80, 1usize..20, 1usize..6).prop_flat_map(|(d, n, nq, leaf)| {
        (
            proptest::collection::vec(-3i32..4, n * d),
            proptest::collection::vec(-4i32..5, nq * d),
            proptest::collection::vec(0usize..n, 0..n),
            1usize..=n,
        )
            .prop_map(move |(xv, qv, dups, k)| {
                let mut x =
                    Array2::from_shape_vec((n, d), xv.iter().map(|v| *v as f64 * 0.5).collect())
                        .unwrap();
                // Overwrite some rows with copies of others: exact duplicates.
                for (i, &src) in dups.iter().enumerate() {
                    let row = x.row(src).to_owned();
                    x.row_mut((i * 7 + 3) % n).assign(&row);
                }
                let q = Array2::from_shape_vec(
                    (nq, d),
                    qv.iter().map(|v| *v as f64 * 0.25 + 0.1).collect(),
                )
                .unwrap();
                (x, q, k, leaf)
            })
    })
}

fn options(algorithm: Algorithm, metric: Metric, leaf_size: usize) -> IndexOptions {
    IndexOptions {
        algorithm,
        metric,
        leaf_size,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_algorithm_matches_the_naive_reference((x, q, k, leaf) in data()) {
        for metric in [Metric::Euclidean, Metric::Manhattan] {
            let expected = naive(x.view(), q.view(), k, metric, false);
            // Queries on the grid itself (exact matches, distance 0) as well as off it.
            let expected_on_x = naive(x.view(), x.view(), k, metric, false);
            for algorithm in [Algorithm::KdTree, Algorithm::Brute, Algorithm::Auto] {
                let index = KnnIndex::build(x.view(), &options(algorithm, metric, leaf)).unwrap();
                let got = index.kneighbors(q.view(), k).unwrap();
                prop_assert_eq!(as_vecs(&got), expected.clone(), "{:?} {:?}", algorithm, metric);
                let got = index.kneighbors(x.view(), k).unwrap();
                prop_assert_eq!(as_vecs(&got), expected_on_x.clone(), "{:?} {:?}", algorithm, metric);
            }
        }
    }

    #[test]
    fn kneighbors_self_skips_the_row_and_matches((x, _q, k, leaf) in data()) {
        prop_assume!(x.nrows() >= 2);
        let k = k.min(x.nrows() - 1);
        for metric in [Metric::Euclidean, Metric::Manhattan] {
            let expected = naive(x.view(), x.view(), k, metric, true);
            for algorithm in [Algorithm::KdTree, Algorithm::Brute] {
                let index = KnnIndex::build(x.view(), &options(algorithm, metric, leaf)).unwrap();
                let got = index.kneighbors_self(k).unwrap();
                for (i, row) in got.indices.outer_iter().enumerate() {
                    prop_assert!(!row.iter().any(|j| *j == i));
                }
                prop_assert_eq!(as_vecs(&got), expected.clone(), "{:?} {:?}", algorithm, metric);
            }
        }
    }

    /// Far from the origin and with wide-ranging scales the product form rounds badly; the
    /// exact recomputation must still give the direct formula's answer.
    #[test]
    fn brute_is_exact_far_from_the_origin(
        xv in proptest::collection::vec(-1000i64..1000, 40 * 20),
        qv in proptest::collection::vec(-1000i64..1000, 5 * 20),
        offset in prop_oneof![Just(0.0), Just(1e6), Just(-3e8)],
        k in 1usize..10,
    ) {
        let x = Array2::from_shape_vec((40, 20), xv.iter().map(|v| offset + *v as f64 * 1e-3).collect()).unwrap();
        let q = Array2::from_shape_vec((5, 20), qv.iter().map(|v| offset + *v as f64 * 1e-3).collect()).unwrap();
        let expected = naive(x.view(), q.view(), k, Metric::Euclidean, false);
        for algorithm in [Algorithm::Brute, Algorithm::KdTree] {
            let index = KnnIndex::build(x.view(), &options(algorithm, Metric::Euclidean, 3)).unwrap();
            prop_assert_eq!(as_vecs(&index.kneighbors(q.view(), k).unwrap()), expected.clone());
        }
    }
}

#[test]
fn larger_sets_agree_across_blocks_and_threads() {
    // More rows than one brute-force block (512) and more queries than one chunk, with
    // duplicates: the blocked paths and the tree agree with the reference.
    let n = 1500;
    let d = 6;
    let mut state = 12345u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) % 21) as f64 / 4.0
    };
    let x = Array2::from_shape_fn((n, d), |_| next());
    let q = Array2::from_shape_fn((300, d), |_| next() + 0.05);
    for metric in [Metric::Euclidean, Metric::Manhattan] {
        let expected = naive(x.view(), q.view(), 7, metric, false);
        for algorithm in [Algorithm::KdTree, Algorithm::Brute] {
            let index = KnnIndex::build(x.view(), &options(algorithm, metric, 30)).unwrap();
            assert_eq!(as_vecs(&index.kneighbors(q.view(), 7).unwrap()), expected);
        }
    }
}

#[test]
fn auto_follows_scikit_learns_rule() {
    let low = Array2::<f64>::zeros((100, 15));
    let high = Array2::<f64>::zeros((100, 16));
    let auto = IndexOptions::default();
    let index = KnnIndex::build(low.view(), &auto).unwrap();
    assert_eq!(index.algorithm_for(5), Algorithm::KdTree);
    assert_eq!(index.algorithm_for(49), Algorithm::KdTree);
    assert_eq!(index.algorithm_for(50), Algorithm::Brute);
    let index = KnnIndex::build(high.view(), &auto).unwrap();
    assert_eq!(index.algorithm_for(5), Algorithm::Brute);
    let kd = options(Algorithm::KdTree, Metric::Euclidean, 30);
    assert_eq!(
        KnnIndex::build(high.view(), &kd).unwrap().algorithm_for(99),
        Algorithm::KdTree
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let x = ndarray::array![[0.0, 1.0], [2.0, 3.0]];
    let index = KnnIndex::build(x.view(), &IndexOptions::default()).unwrap();
    assert!(index.kneighbors(x.view(), 3).is_err());
    assert!(index.kneighbors(x.view(), 0).is_err());
    assert!(index.kneighbors_self(2).is_err());
    assert!(index.kneighbors(ndarray::array![[0.0]].view(), 1).is_err());
    let msg = index
        .kneighbors(ndarray::array![[0.0, f64::NAN]].view(), 1)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("missing"), "{msg}");
    assert!(KnnIndex::build(ndarray::array![[f64::NAN]].view(), &IndexOptions::default()).is_err());
}

#[test]
fn index_round_trips_through_json() {
    let x = ndarray::array![[0.0, 1.0], [2.0, 3.0], [2.0, 2.5]];
    let index = KnnIndex::build(x.view(), &IndexOptions::default()).unwrap();
    let back: KnnIndex = serde_json::from_str(&serde_json::to_string(&index).unwrap()).unwrap();
    let q = ndarray::array![[1.9, 2.9]];
    assert_eq!(
        back.kneighbors(q.view(), 2).unwrap(),
        index.kneighbors(q.view(), 2).unwrap()
    );
    // A stored index with a bad option is refused on reading, not at the first search.
    let bad = serde_json::to_string(&index)
        .unwrap()
        .replace("\"leaf_size\":30", "\"leaf_size\":0");
    assert!(serde_json::from_str::<KnnIndex>(&bad).is_err());
}

#[test]
fn query_layout_does_not_matter() {
    // Column-major and strided queries give the answers of row-major ones.
    let x = Array2::from_shape_fn((50, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f64);
    let q = Array2::from_shape_fn((9, 3), |(i, j)| ((i * 5 + j) % 7) as f64 + 0.3);
    let q_f = q.t().as_standard_layout().into_owned().reversed_axes();
    assert!(!q_f.is_standard_layout());
    for algorithm in [Algorithm::KdTree, Algorithm::Brute] {
        for metric in [Metric::Euclidean, Metric::Manhattan] {
            let index = KnnIndex::build(q_f.view(), &options(algorithm, metric, 2)).unwrap();
            let index_c = KnnIndex::build(q.view(), &options(algorithm, metric, 2)).unwrap();
            let a = index.kneighbors(x.view(), 4).unwrap();
            assert_eq!(a, index_c.kneighbors(x.view(), 4).unwrap());
            let index = KnnIndex::build(x.view(), &options(algorithm, metric, 2)).unwrap();
            let a = index.kneighbors(q.view(), 4).unwrap();
            assert_eq!(a, index.kneighbors(q_f.view(), 4).unwrap());
            assert_eq!(
                as_vecs(&a),
                naive(x.view(), q.view(), 4, metric, false),
                "{algorithm:?} {metric:?}"
            );
        }
    }
}

/// Distances as bits, so NaN distances compare equal to NaN.
fn bits(n: (Vec<Vec<usize>>, Vec<Vec<f64>>)) -> (Vec<Vec<usize>>, Vec<Vec<u64>>) {
    let d =
        n.1.iter()
            .map(|r| r.iter().map(|v| v.to_bits()).collect())
            .collect();
    (n.0, d)
}

/// Knock holes (NaN) into the cells whose flag is set.
fn with_holes(mut x: Array2<f64>, holes: &[bool]) -> Array2<f64> {
    for (v, &h) in x.iter_mut().zip(holes.iter().cycle()) {
        if h {
            *v = f64::NAN;
        }
    }
    x
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// nan_euclidean with missing cells in rows and queries (some pairs share no present
    /// coordinate, so their distance is NaN and ranks last): brute force and `auto` return the
    /// naive reference's rows, order and distance bits; `nearest_among` over any candidate
    /// subset does the same among those candidates.
    #[test]
    fn nan_euclidean_matches_the_naive_reference(
        (x, q, k, _leaf) in data(),
        holes in proptest::collection::vec(proptest::bool::weighted(0.3), 1..23),
        keep in proptest::collection::vec(any::<bool>(), 1..9),
    ) {
        let x = with_holes(x, &holes);
        let q = with_holes(q, &holes[holes.len() / 2..]);
        let metric = Metric::NanEuclidean;
        let expected = bits(naive(x.view(), q.view(), k, metric, false));
        for algorithm in [Algorithm::Brute, Algorithm::Auto] {
            let index = KnnIndex::build(x.view(), &options(algorithm, metric, 30)).unwrap();
            prop_assert_eq!(bits(as_vecs(&index.kneighbors(q.view(), k).unwrap())), expected.clone());
            if x.nrows() >= 2 {
                let k = k.min(x.nrows() - 1);
                let expected = bits(naive(x.view(), x.view(), k, metric, true));
                prop_assert_eq!(bits(as_vecs(&index.kneighbors_self(k).unwrap())), expected);
            }
        }
        let index = KnnIndex::build(x.view(), &options(Algorithm::Auto, metric, 30)).unwrap();
        let mut dist = Vec::new();
        for qr in q.outer_iter() {
            let qv = qr.to_vec();
            index.distances_to(&qv, &mut dist).unwrap();
            let candidates: Vec<usize> = (0..x.nrows()).filter(|i| keep[i % keep.len()]).collect();
            let mut want: Vec<(f64, usize)> = candidates
                .iter()
                .map(|&i| (metric.distance(&qv, &x.row(i).to_vec()), i))
                .collect();
            want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            want.truncate(k);
            let got = satori_neighbors::nearest_among(&dist, k, candidates);
            let as_bits = |v: &[(f64, usize)]| v.iter().map(|p| (p.0.to_bits(), p.1)).collect::<Vec<_>>();
            prop_assert_eq!(as_bits(&got), as_bits(&want));
        }
    }
}

#[test]
fn nan_euclidean_scales_by_the_present_coordinates_and_refuses_what_it_cannot_search() {
    let nan = f64::NAN;
    let m = Metric::NanEuclidean;
    // One coordinate present in both of 2: (3 − 1)² · 2 / 1 = 8.
    assert_eq!(m.distance(&[3.0, nan], &[1.0, 5.0]), 8f64.sqrt());
    assert!(m.distance(&[nan, 1.0], &[1.0, nan]).is_nan());
    assert_eq!(m.distance(&[1.0, 2.0], &[4.0, 6.0]), 5.0);
    let x = ndarray::array![[0.0, nan], [nan, 1.0], [2.0, 2.0]];
    let kd = options(Algorithm::KdTree, m, 30);
    let err = KnnIndex::build(x.view(), &kd).unwrap_err().to_string();
    assert!(
        err.contains("kd_tree") && err.contains("nan_euclidean"),
        "{err}"
    );
    let brute = options(Algorithm::Brute, m, 30);
    let index = KnnIndex::build(x.view(), &brute).unwrap();
    // Query (0, NaN): row 0 at 0, row 2 at √(2·4), row 1 shares nothing (NaN, last).
    let got = index
        .kneighbors(ndarray::array![[0.0, nan]].view(), 3)
        .unwrap();
    assert_eq!(got.indices.row(0).to_vec(), vec![0, 2, 1]);
    assert!(got.distances[[0, 2]].is_nan());
    let inf = ndarray::array![[0.0, f64::INFINITY]];
    let err = KnnIndex::build(inf.view(), &brute).unwrap_err().to_string();
    assert!(
        err.contains("infinite") && err.contains("row 0, column 1"),
        "{err}"
    );
    assert!(index.kneighbors(inf.view(), 1).is_err());
    let mut out = Vec::new();
    assert!(index.distances_to(&[0.0, f64::INFINITY], &mut out).is_err());
    assert!(index.distances_to(&[0.0], &mut out).is_err());
    // The other metrics still refuse missing values.
    let err = KnnIndex::build(x.view(), &options(Algorithm::Brute, Metric::Euclidean, 30))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("missing") && err.contains("impute first"),
        "{err}"
    );
}
