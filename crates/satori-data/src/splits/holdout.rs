//! A single seeded train/test split.

use satori_core::rng::{SatoriRng, rng, shuffle};
use satori_core::{Dataset, Error, Result};

use super::class_codes;

/// Split the rows of `data` into a training and a test part, returned as row indices (each part
/// in a seeded random order), as scikit-learn's `train_test_split` sizes them: the test part has
/// `ceil(test_fraction * n_samples)` rows, the training part the rest.
///
/// With `stratify`, each class keeps its proportion in both parts (scikit-learn's
/// `StratifiedShuffleSplit` allocation: per-class counts are the rounded proportional shares,
/// leftover rows going to the classes with the largest remainders, ties broken at random); this
/// needs a classification target whose every class has at least two rows, and at least one row
/// per class in each part.
///
/// Errors: `test_fraction` outside (0, 1); a part that would be empty; `stratify` without a
/// classification target; a class with a single row (named in the message).
pub fn train_test_split(
    data: &Dataset,
    test_fraction: f64,
    stratify: bool,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>)> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(Error::param(
            "test_fraction",
            format!("must be strictly between 0 and 1 (e.g. 0.2), got {test_fraction}"),
        ));
    }
    let n = data.n_samples();
    let n_test = (test_fraction * n as f64).ceil() as usize;
    let n_train = n.saturating_sub(n_test);
    if n_train == 0 || n_test == 0 {
        return Err(Error::NotEnoughSamples {
            context: format!(
                "a train/test split with test_fraction={test_fraction} (both parts non-empty)"
            ),
            needed: 2,
            got: n,
        });
    }
    let mut g = rng(seed);
    if !stratify {
        let mut order: Vec<usize> = (0..n).collect();
        shuffle(&mut order, &mut g);
        let train = order.split_off(n_test);
        return Ok((train, order));
    }
    let y = class_codes(data)?;
    let mut class_rows: Vec<Vec<usize>> = vec![Vec::new(); y.labels.len()];
    for (i, &c) in y.codes.iter().enumerate() {
        class_rows
            .get_mut(c)
            .ok_or_else(|| Error::Internal(format!("class code {c} out of range of the labels")))?
            .push(i);
    }
    let present: Vec<usize> = (0..class_rows.len())
        .filter(|&c| !class_rows[c].is_empty())
        .collect();
    if let Some(&c) = present.iter().find(|&&c| class_rows[c].len() < 2) {
        return Err(Error::InvalidData(format!(
            "cannot stratify: class `{}` has only 1 row, and every class needs at least 2 \
             (one for each part); drop that class's rows or split without stratification",
            y.label(c)
        )));
    }
    let n_classes = present.len();
    if n_test < n_classes || n_train < n_classes {
        return Err(Error::NotEnoughSamples {
            context: format!(
                "a stratified split with test_fraction={test_fraction}: each part needs a row of \
                 every one of the {n_classes} classes (train {n_train}, test {n_test} rows)"
            ),
            needed: n_classes,
            got: n_test.min(n_train),
        });
    }
    let counts: Vec<usize> = present.iter().map(|&c| class_rows[c].len()).collect();
    let n_i = approximate_mode(&counts, n_train, &mut g);
    let remaining: Vec<usize> = counts.iter().zip(&n_i).map(|(c, t)| c - t).collect();
    let t_i = approximate_mode(&remaining, n_test, &mut g);
    let mut train = Vec::with_capacity(n_train);
    let mut test = Vec::with_capacity(n_test);
    for (k, &c) in present.iter().enumerate() {
        let mut rows = class_rows[c].clone();
        shuffle(&mut rows, &mut g);
        train.extend_from_slice(&rows[..n_i[k]]);
        test.extend_from_slice(&rows[n_i[k]..n_i[k] + t_i[k]]);
    }
    shuffle(&mut train, &mut g);
    shuffle(&mut test, &mut g);
    Ok((train, test))
}

/// scikit-learn's `_approximate_mode`: `n_draws` split over classes in proportion to `counts`,
/// floored, the leftover going to the largest remainders (ties broken at random). Never gives a
/// class more than its count.
fn approximate_mode(counts: &[usize], n_draws: usize, g: &mut SatoriRng) -> Vec<usize> {
    let total: usize = counts.iter().sum();
    if total == 0 {
        return vec![0; counts.len()];
    }
    let continuous: Vec<f64> = counts
        .iter()
        .map(|&c| c as f64 / total as f64 * n_draws as f64)
        .collect();
    let mut floored: Vec<usize> = continuous.iter().map(|v| v.floor() as usize).collect();
    let mut need = n_draws.saturating_sub(floored.iter().sum());
    let remainder: Vec<f64> = continuous
        .iter()
        .zip(&floored)
        .map(|(c, &f)| c - f as f64)
        .collect();
    let mut values = remainder.clone();
    values.sort_by(|a, b| b.total_cmp(a));
    values.dedup();
    for value in values {
        if need == 0 {
            break;
        }
        let mut inds: Vec<usize> = (0..counts.len())
            .filter(|&k| remainder[k] == value)
            .collect();
        shuffle(&mut inds, g);
        let add_now = inds.len().min(need);
        for &k in &inds[..add_now] {
            floored[k] += 1;
        }
        need -= add_now;
    }
    for (f, &c) in floored.iter_mut().zip(counts) {
        *f = (*f).min(c);
    }
    floored
}
