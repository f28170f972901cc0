//! The fold algorithms behind [`super::SplitStrategy`].

use std::collections::BTreeMap;

use satori_core::rng::{rng, shuffle};
use satori_core::{Error, Result};

use super::{ClassCodes, Fold};

/// Check `2 <= n_splits <= n_samples`.
fn check_n_splits(n_samples: usize, n_splits: usize) -> Result<()> {
    if n_splits < 2 {
        return Err(Error::param(
            "n_splits",
            format!("must be at least 2, got {n_splits}"),
        ));
    }
    if n_splits > n_samples {
        return Err(Error::param(
            "n_splits",
            format!(
                "cannot be greater than the number of rows ({n_samples}), got {n_splits}; \
                 use at most {n_samples} folds"
            ),
        ));
    }
    Ok(())
}

/// Folds from a fold number per row: fold `f` tests the rows assigned to `f` and trains on the
/// rest, both in ascending order.
fn folds_from_assignment(fold_of: &[usize], n_splits: usize) -> Vec<Fold> {
    let mut sizes = vec![0usize; n_splits];
    for &f in fold_of {
        sizes[f] += 1;
    }
    (0..n_splits)
        .map(|f| {
            let mut test = Vec::with_capacity(sizes[f]);
            let mut train = Vec::with_capacity(fold_of.len() - sizes[f]);
            for (i, &g) in fold_of.iter().enumerate() {
                if g == f {
                    test.push(i);
                } else {
                    train.push(i);
                }
            }
            Fold { train, test }
        })
        .collect()
}

/// `KFold`: consecutive blocks of the (optionally shuffled) rows; the first `n % k` blocks hold
/// one row more.
pub(crate) fn k_fold(n: usize, n_splits: usize, shuffle_seed: Option<u64>) -> Result<Vec<Fold>> {
    check_n_splits(n, n_splits)?;
    let mut order: Vec<usize> = (0..n).collect();
    if let Some(seed) = shuffle_seed {
        shuffle(&mut order, &mut rng(seed));
    }
    let (base, extra) = (n / n_splits, n % n_splits);
    let mut fold_of = vec![0usize; n];
    let mut start = 0;
    for f in 0..n_splits {
        let size = base + usize::from(f < extra);
        for &i in &order[start..start + size] {
            fold_of[i] = f;
        }
        start += size;
    }
    Ok(folds_from_assignment(&fold_of, n_splits))
}

/// `StratifiedKFold` (scikit-learn ≥ 0.22 allocation): classes numbered by first appearance; the
/// per-fold count of each class comes from dealing the class-sorted rows round robin; each
/// class's rows are then given folds in blocks `0,0,…,1,1,…` (shuffled when a seed is given).
pub(crate) fn stratified_k_fold(
    y: ClassCodes<'_>,
    n_splits: usize,
    shuffle_seed: Option<u64>,
) -> Result<Vec<Fold>> {
    let n = y.codes.len();
    if n_splits < 2 {
        check_n_splits(n, n_splits)?;
    }
    // Encode classes by order of first appearance.
    let mut enc_of_code = vec![usize::MAX; y.labels.len()];
    let mut code_of_enc: Vec<usize> = Vec::new();
    let mut encoded = Vec::with_capacity(n);
    for &c in y.codes {
        let slot = enc_of_code
            .get_mut(c)
            .ok_or_else(|| Error::Internal(format!("class code {c} out of range of the labels")))?;
        if *slot == usize::MAX {
            *slot = code_of_enc.len();
            code_of_enc.push(c);
        }
        encoded.push(*slot);
    }
    let n_classes = code_of_enc.len();
    let mut counts = vec![0usize; n_classes];
    for &e in &encoded {
        counts[e] += 1;
    }
    if let Some((smallest, &count)) = counts
        .iter()
        .enumerate()
        .min_by_key(|&(e, &c)| (c, e))
        .filter(|&(_, &c)| c < n_splits)
    {
        let label = y.label(code_of_enc[smallest]);
        let fix = if count < 2 {
            format!(
                "class `{label}` has {count} row, so no stratified split exists; use a \
                 non-stratified split (e.g. --splitter kfold), or drop or merge that class"
            )
        } else {
            format!(
                "class `{label}` has only {count} rows; use at most {count} folds, or a \
                 non-stratified split"
            )
        };
        return Err(Error::param(
            "n_splits",
            format!("{n_splits} stratified folds need {n_splits} rows of every class: {fix}"),
        ));
    }
    check_n_splits(n, n_splits)?;
    // allocation[f][k]: rows of class k in fold f, from dealing the class-sorted rows round robin.
    let mut allocation = vec![vec![0usize; n_classes]; n_splits];
    let mut pos = 0usize;
    for (k, &count) in counts.iter().enumerate() {
        for p in pos..pos + count {
            allocation[p % n_splits][k] += 1;
        }
        pos += count;
    }
    let mut rows_of_class: Vec<Vec<usize>> =
        counts.iter().map(|&c| Vec::with_capacity(c)).collect();
    for (i, &e) in encoded.iter().enumerate() {
        rows_of_class[e].push(i);
    }
    let mut generator = shuffle_seed.map(rng);
    let mut fold_of = vec![0usize; n];
    for (k, rows) in rows_of_class.iter().enumerate() {
        let mut folds_for_class: Vec<usize> = allocation
            .iter()
            .enumerate()
            .flat_map(|(f, per_class)| std::iter::repeat_n(f, per_class[k]))
            .collect();
        if let Some(g) = generator.as_mut() {
            shuffle(&mut folds_for_class, g);
        }
        for (&i, f) in rows.iter().zip(folds_for_class) {
            fold_of[i] = f;
        }
    }
    Ok(folds_from_assignment(&fold_of, n_splits))
}

/// `GroupKFold` (unshuffled): groups sorted by size, largest first (ties: the later group in
/// sorted label order first, as numpy's stable argsort reversed), each to the lightest fold.
pub(crate) fn group_k_fold(n: usize, groups: &[String], n_splits: usize) -> Result<Vec<Fold>> {
    check_n_splits(n, n_splits)?;
    if groups.len() != n {
        return Err(Error::ShapeMismatch {
            context: "number of group labels (one per row)".into(),
            expected: n,
            got: groups.len(),
        });
    }
    let mut index_of: BTreeMap<&str, usize> = BTreeMap::new();
    for g in groups {
        index_of.insert(g.as_str(), 0);
    }
    for (i, v) in index_of.values_mut().enumerate() {
        *v = i;
    }
    let n_groups = index_of.len();
    if n_splits > n_groups {
        return Err(Error::param(
            "n_splits",
            format!(
                "cannot be greater than the number of distinct groups ({n_groups}), got \
                 {n_splits}; use at most {n_groups} folds"
            ),
        ));
    }
    let group_idx: Vec<usize> = groups.iter().map(|g| index_of[g.as_str()]).collect();
    let mut sizes = vec![0usize; n_groups];
    for &g in &group_idx {
        sizes[g] += 1;
    }
    let mut order: Vec<usize> = (0..n_groups).collect();
    order.sort_by_key(|&g| sizes[g]); // stable, ascending
    order.reverse();
    let mut fold_rows = vec![0usize; n_splits];
    let mut fold_of_group = vec![0usize; n_groups];
    for &g in &order {
        let lightest = (0..n_splits)
            .min_by_key(|&f| (fold_rows[f], f))
            .unwrap_or(0);
        fold_rows[lightest] += sizes[g];
        fold_of_group[g] = lightest;
    }
    let fold_of: Vec<usize> = group_idx.iter().map(|&g| fold_of_group[g]).collect();
    Ok(folds_from_assignment(&fold_of, n_splits))
}

/// `TimeSeriesSplit`: `n_splits` test blocks of `test_size` rows ending at the last row; each
/// trains on the rows before it, less `gap`, keeping at most `max_train_size` of them.
pub(crate) fn time_series_split(
    n: usize,
    n_splits: usize,
    max_train_size: Option<usize>,
    test_size: Option<usize>,
    gap: usize,
) -> Result<Vec<Fold>> {
    let n_folds = n_splits.saturating_add(1);
    if n_folds > n {
        return Err(Error::NotEnoughSamples {
            context: format!("time_series_split with n_splits={n_splits} (n_splits + 1 rows)"),
            needed: n_folds,
            got: n,
        });
    }
    let test_size = test_size.unwrap_or(n / n_folds);
    if test_size == 0 {
        return Err(Error::param("test_size", "must be at least 1"));
    }
    let needed = test_size.saturating_mul(n_splits).saturating_add(gap);
    if needed >= n {
        return Err(Error::param(
            "n_splits",
            format!(
                "too many splits ({n_splits}) for {n} rows with test_size={test_size} and \
                 gap={gap}: n_splits * test_size + gap must be below the number of rows"
            ),
        ));
    }
    let first = n - n_splits * test_size;
    Ok((0..n_splits)
        .map(|s| {
            let test_start = first + s * test_size;
            let train_end = test_start - gap;
            let train_start = match max_train_size {
                Some(m) if m < train_end => train_end - m,
                _ => 0,
            };
            Fold {
                train: (train_start..train_end).collect(),
                test: (test_start..test_start + test_size).collect(),
            }
        })
        .collect())
}
