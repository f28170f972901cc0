//! The score functions on CSR input (`select::f_regression_csr`, `select::chi2_csr`): the same
//! scores as the dense functions, whatever the memory layout of the target.

use ndarray::{Array1, Array2, s};
use satori_core::{Dataset, Target};
use satori_features::ScoreFunc;
use satori_features::select::{chi2_csr, f_regression_csr};
use satori_features::sparse::csr_from_dense;

/// A sparse-ish matrix (about half zeros) and a target that depends on its first columns.
fn problem(n: usize) -> (Array2<f64>, Array1<f64>) {
    let x = Array2::from_shape_fn((n, 6), |(i, j)| {
        let h = (i * 31 + j * 17 + i * j) % 11;
        if h < 5 { 0.0 } else { h as f64 * 0.25 }
    });
    let y = Array1::from_shape_fn(n, |i| {
        x[[i, 0]] * 2.0 - x[[i, 1]] + ((i * 7) % 5) as f64 * 0.3
    });
    (x, y)
}

#[test]
fn f_regression_csr_reads_a_non_contiguous_target() {
    // Regression test: a target held as a strided view (every other element of a longer array,
    // or a reversed one) used to score every column 0, as if the target were missing.
    let (x, y) = problem(40);
    let m = csr_from_dense(x.view());
    let (expected, expected_p) = f_regression_csr(&m, y.view()).unwrap();
    assert!(expected.iter().any(|&f| f > 1.0), "{expected}");

    let mut interleaved = Array1::<f64>::zeros(2 * y.len());
    interleaved.slice_mut(s![..;2]).assign(&y);
    let strided = interleaved.slice(s![..;2]);
    assert!(strided.as_slice().is_none());
    let (f, p) = f_regression_csr(&m, strided).unwrap();
    assert_eq!(f, expected);
    assert_eq!(p, expected_p);

    let reversed_storage: Array1<f64> = y.iter().rev().copied().collect();
    let reversed = reversed_storage.slice(s![..;-1]);
    assert_eq!(f_regression_csr(&m, reversed).unwrap().0, expected);
}

#[test]
fn f_regression_csr_rejects_a_target_of_another_length() {
    let (x, y) = problem(10);
    let m = csr_from_dense(x.view());
    let e = f_regression_csr(&m, y.slice(s![..9])).unwrap_err();
    assert!(
        matches!(
            e,
            satori_core::Error::ShapeMismatch {
                expected: 10,
                got: 9,
                ..
            }
        ),
        "{e}"
    );
}

fn dataset(x: &Array2<f64>, target: Target) -> Dataset {
    let names = (0..x.ncols()).map(|j| format!("c{j}")).collect();
    Dataset::new(x.clone(), names)
        .unwrap()
        .with_target(target)
        .unwrap()
}

#[test]
fn csr_scores_are_the_dense_scores_bit_for_bit() {
    let (x, y) = problem(57);
    let m = csr_from_dense(x.view());
    let dense = ScoreFunc::FRegression
        .scores(&dataset(&x, Target::regression(y.clone())))
        .unwrap();
    assert_eq!(f_regression_csr(&m, y.view()).unwrap(), dense);

    let codes: Vec<usize> = (0..57).map(|i| (i * 5 + i / 3) % 3).collect();
    let labels = vec!["a".to_string(), "b".into(), "c".into()];
    let target = Target::classes(Array1::from(codes.clone()), labels).unwrap();
    let dense = ScoreFunc::Chi2.scores(&dataset(&x, target)).unwrap();
    let sparse = chi2_csr(&m, &codes, 3).unwrap();
    // Bits, so that a NaN score (a column with no stored value) would compare too.
    let bits = |a: &Array1<f64>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&sparse.0), bits(&dense.0));
    assert_eq!(bits(&sparse.1), bits(&dense.1));
    // CSC input is read as CSR.
    assert_eq!(chi2_csr(&m.to_csc(), &codes, 3).unwrap().0.len(), 6);
}
