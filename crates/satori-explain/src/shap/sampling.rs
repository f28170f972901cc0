//! The model-agnostic explainers, on the input columns of any pipeline: KernelSHAP (Lundberg &
//! Lee 2017, with the `shap` package's coalition scheme) and the permutation explainer
//! (antithetic permutations). A coalition `S` of columns is valued as
//! `v(S) = mean_b f(x_S, b_S̄)` over the background rows `b`; `v(∅)` is the base value and
//! `v(all)` the raw prediction, and both explainers make the values add up exactly.

use std::collections::BTreeMap;

use ndarray::{Array2, Array3, ArrayView2};
use rayon::prelude::*;
use satori_core::rng::{RngExt, shuffle, sub_rng};
use satori_core::{Error, Result};
use satori_pipeline::{FittedPipeline, Predictions};

use crate::{ExplainParams, Explanation, Method, OutputSpace};

/// Coalitions KernelSHAP evaluates per row by default: `2·M + 2048`, the `shap` package's
/// `nsamples="auto"`, or every coalition when there are fewer.
pub fn default_kernel_evaluations(n_columns: usize) -> usize {
    2 * n_columns + 2048
}

/// Coalitions the permutation explainer evaluates per row by default: enough antithetic
/// permutation pairs for about 500 evaluations (the `shap` package's `max_evals=500`), at least
/// one pair.
pub fn default_permutation_evaluations(n_columns: usize) -> usize {
    let per_pair = 2 * n_columns.saturating_sub(1).max(1);
    let pairs = (500usize.saturating_sub(2) / per_pair).max(1);
    2 + pairs * per_pair
}

/// `n` of `0..len` drawn without replacement with `seed` (all of them, in order, when
/// `n >= len`).
pub(crate) fn sample_rows(len: usize, n: usize, seed: u64) -> Vec<usize> {
    if n >= len {
        return (0..len).collect();
    }
    let mut idx: Vec<usize> = (0..len).collect();
    let mut rng = sub_rng(seed, 0x6267);
    // A partial Fisher–Yates: the first n places.
    for i in 0..n {
        let j = rng.random_range(i..len);
        idx.swap(i, j);
    }
    let mut out = idx[..n].to_vec();
    out.sort_unstable();
    out
}

/// The raw outputs of the pipeline: class probabilities for classifiers (the positive class's
/// for a binary one), values for regressors, one block per target.
fn outputs_of(preds: &[Predictions]) -> (Vec<Vec<f64>>, OutputSpace) {
    let mut cols = Vec::new();
    let mut space = OutputSpace::Value;
    for p in preds {
        match &p.proba {
            Some(pr) if pr.ncols() == 2 => {
                cols.push(pr.column(1).to_vec());
                space = OutputSpace::Probability;
            }
            Some(pr) => {
                for c in pr.columns() {
                    cols.push(c.to_vec());
                }
                space = OutputSpace::Probability;
            }
            None => cols.push(p.values.to_vec()),
        }
    }
    (cols, space)
}

fn output_names(pipeline: &FittedPipeline, preds: &[Predictions]) -> Vec<String> {
    let several = preds.len() > 1;
    let mut names = Vec::new();
    for (p, t) in preds.iter().zip(pipeline.targets()) {
        let prefix = |s: &str| {
            if several {
                format!("{}:{s}", t.name)
            } else {
                s.to_string()
            }
        };
        match (&p.proba, &p.classes) {
            (Some(pr), Some(c)) if pr.ncols() == 2 && c.len() == 2 => names.push(prefix(&c[1])),
            (Some(pr), Some(c)) if pr.ncols() == c.len() => {
                names.extend(c.iter().map(|c| prefix(c)))
            }
            (Some(pr), _) => names.extend((0..pr.ncols()).map(|j| prefix(&format!("class{j}")))),
            (None, _) if several => names.push(t.name.clone()),
            (None, _) => names.push("value".to_string()),
        }
    }
    names
}

/// The model as a function of input rows: `n × k` raw outputs.
fn evaluate(pipeline: &FittedPipeline, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
    let preds = pipeline.predict_matrix_all(x)?;
    let (cols, _) = outputs_of(&preds);
    let mut out = Array2::zeros((x.nrows(), cols.len()));
    for (k, c) in cols.iter().enumerate() {
        for (i, v) in c.iter().enumerate() {
            out[[i, k]] = *v;
        }
    }
    Ok(out)
}

/// A model as a function of input rows: `n × k` raw outputs.
pub(crate) type ModelFn<'a> = dyn Fn(ArrayView2<'_, f64>) -> Result<Array2<f64>> + Sync + 'a;

/// `v(S)` for each coalition mask (`true`: the column comes from `x`): the mean of the model's
/// outputs over the background rows with the other columns taken from them; `masks.len() × k`.
fn coalition_values(
    f: &ModelFn<'_>,
    x: &[f64],
    background: ArrayView2<'_, f64>,
    masks: &[Vec<bool>],
    k: usize,
) -> Result<Vec<f64>> {
    let (nb, nc) = background.dim();
    let mut out = vec![0.0; masks.len() * k];
    // Batches of whole coalitions, so that memory stays bounded for large backgrounds.
    let per_batch = (65_536 / nb.max(1)).max(1);
    for (bi, chunk) in masks.chunks(per_batch).enumerate() {
        let mut rows = Array2::zeros((chunk.len() * nb, nc));
        for (s, mask) in chunk.iter().enumerate() {
            for b in 0..nb {
                let mut r = rows.row_mut(s * nb + b);
                for j in 0..nc {
                    r[j] = if mask[j] { x[j] } else { background[[b, j]] };
                }
            }
        }
        let f = f(rows.view())?;
        if f.ncols() != k {
            return Err(Error::Internal("model output width changed".into()));
        }
        for s in 0..chunk.len() {
            let o = &mut out[(bi * per_batch + s) * k..(bi * per_batch + s + 1) * k];
            for b in 0..nb {
                for (a, v) in o.iter_mut().zip(f.row(s * nb + b)) {
                    *a += v;
                }
            }
            o.iter_mut().for_each(|v| *v /= nb as f64);
        }
    }
    Ok(out)
}

/// KernelSHAP or the permutation explainer on the input columns.
pub(crate) fn explain_sampled(
    pipeline: &FittedPipeline,
    method: Method,
    rows: &[usize],
    x: ArrayView2<'_, f64>,
    background: ArrayView2<'_, f64>,
    params: &ExplainParams,
) -> Result<Explanation> {
    let nc = x.ncols();
    let bg_preds = pipeline.predict_matrix_all(background)?;
    let names = output_names(pipeline, &bg_preds);
    let (_, space) = outputs_of(&bg_preds);
    let fb = evaluate(pipeline, background)?;
    let k = fb.ncols();
    if names.len() != k {
        return Err(Error::Internal("output names vs outputs".into()));
    }
    let base: Vec<f64> = (0..k)
        .map(|o| fb.column(o).sum() / fb.nrows() as f64)
        .collect();
    let budget = match method {
        Method::Kernel => params
            .n_evaluations
            .unwrap_or_else(|| default_kernel_evaluations(nc)),
        _ => params
            .n_evaluations
            .unwrap_or_else(|| default_permutation_evaluations(nc)),
    };
    if budget == 0 {
        return Err(Error::param(
            "--evaluations",
            "must be at least 1 model evaluation per row",
        ));
    }
    let f = |z: ArrayView2<'_, f64>| evaluate(pipeline, z);
    let fx = evaluate(pipeline, x)?;
    let (values, used) = sampled_values(
        &f,
        method,
        rows,
        x,
        fx.view(),
        &base,
        background,
        budget,
        params.seed,
    )?;
    Ok(Explanation {
        method,
        columns: pipeline
            .input_schema()
            .names()
            .map(str::to_string)
            .collect(),
        outputs: names,
        output_space: space,
        rows: rows.to_vec(),
        base_values: base,
        values,
        raw_predictions: fx,
        data: x.to_owned(),
        interactions: None,
        n_evaluations: Some(used),
    })
}

/// The sampled SHAP values of every row (`n × columns × k`) and the most coalitions a row
/// used, for any model function `f` whose outputs on `x` are `fx` and mean over `background`
/// is `base`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn sampled_values(
    f: &ModelFn<'_>,
    method: Method,
    rows: &[usize],
    x: ArrayView2<'_, f64>,
    fx: ArrayView2<'_, f64>,
    base: &[f64],
    background: ArrayView2<'_, f64>,
    budget: usize,
    seed: u64,
) -> Result<(Array3<f64>, usize)> {
    let (n, nc) = x.dim();
    let k = base.len();
    let results: Vec<Result<(Vec<f64>, usize)>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let xi: Vec<f64> = x.row(i).to_vec();
            let fxi: Vec<f64> = fx.row(i).to_vec();
            let seed = seed ^ (rows[i] as u64).wrapping_mul(0x9E37_79B9);
            match method {
                Method::Kernel => kernel_row(f, &xi, &fxi, base, background, budget, seed),
                _ => permutation_row(f, &xi, &fxi, base, background, budget, seed),
            }
        })
        .collect();
    let mut values = Array3::zeros((n, nc, k));
    let mut used = 0;
    for (i, r) in results.into_iter().enumerate() {
        let (phi, evals) = r?;
        used = used.max(evals);
        for j in 0..nc {
            for o in 0..k {
                values[[i, j, o]] = phi[j * k + o];
            }
        }
    }
    Ok((values, used))
}

/// Whether two input values are the same (missing equals missing).
fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

/// The columns whose value in `x` differs from some background row: the others cannot matter
/// (their Shapley value is 0), as the `shap` package's `varyingInds`.
fn varying(x: &[f64], background: ArrayView2<'_, f64>) -> Vec<usize> {
    (0..x.len())
        .filter(|&j| background.column(j).iter().any(|&b| !same(b, x[j])))
        .collect()
}

fn binom(n: usize, k: usize) -> f64 {
    let k = k.min(n - k);
    let mut c = 1.0_f64;
    for i in 0..k {
        c = c * (n - i) as f64 / (i + 1) as f64;
    }
    c
}

/// Every subset of `0..m` of size `s`, as index lists, in lexicographic order.
fn subsets(m: usize, s: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut cur: Vec<usize> = (0..s).collect();
    loop {
        out.push(cur.clone());
        let mut i = s;
        loop {
            if i == 0 {
                return out;
            }
            i -= 1;
            if cur[i] != i + m - s {
                break;
            }
            if i == 0 && cur[0] == m - s {
                return out;
            }
        }
        cur[i] += 1;
        for j in i + 1..s {
            cur[j] = cur[j - 1] + 1;
        }
    }
}

/// KernelSHAP for one row: coalitions of the varying columns chosen as the `shap` package does
/// (whole subset sizes enumerated, smallest first, while the budget covers them with their
/// complements; the rest sampled by the Shapley kernel's weight per size, each with its
/// complement, repeats adding weight), then the weighted least squares fit with the efficiency
/// constraint `Σ φ = f(x) − base` eliminated exactly.
fn kernel_row(
    f: &ModelFn<'_>,
    x: &[f64],
    fx: &[f64],
    base: &[f64],
    background: ArrayView2<'_, f64>,
    budget: usize,
    seed: u64,
) -> Result<(Vec<f64>, usize)> {
    let nc = x.len();
    let k = fx.len();
    let mut phi = vec![0.0; nc * k];
    let vary = varying(x, background);
    let m = vary.len();
    if m == 0 {
        return Ok((phi, 0));
    }
    if m == 1 {
        for o in 0..k {
            phi[vary[0] * k + o] = fx[o] - base[o];
        }
        return Ok((phi, 0));
    }
    // The most coalitions there are (all but the empty and the full one).
    let max_samples = if m < 60 {
        (1u64 << m).saturating_sub(2) as usize
    } else {
        usize::MAX
    };
    let nsamples = budget.min(max_samples);
    let n_sizes = (m - 1).div_ceil(2);
    let n_paired = (m - 1) / 2;
    let mut weight: Vec<f64> = (1..=n_sizes)
        .map(|s| (m - 1) as f64 / (s * (m - s)) as f64)
        .collect();
    for w in weight.iter_mut().take(n_paired) {
        *w *= 2.0;
    }
    let total: f64 = weight.iter().sum();
    weight.iter_mut().for_each(|w| *w /= total);

    let mut masks: Vec<Vec<bool>> = Vec::new();
    let mut kw: Vec<f64> = Vec::new();
    let mut n_full = 0;
    let mut left = nsamples as f64;
    let mut remaining = weight.clone();
    for s in 1..=n_sizes {
        let paired = s <= n_paired;
        let mut n_subsets = binom(m, s);
        if paired {
            n_subsets *= 2.0;
        }
        if left * remaining[s - 1] / n_subsets >= 1.0 - 1e-8 {
            n_full += 1;
            left -= n_subsets;
            if remaining[s - 1] < 1.0 {
                let r = 1.0 - remaining[s - 1];
                remaining.iter_mut().for_each(|w| *w /= r);
            }
            let mut w = weight[s - 1] / binom(m, s);
            if paired {
                w /= 2.0;
            }
            for sub in subsets(m, s) {
                let mut mask = vec![false; m];
                sub.iter().for_each(|&j| mask[j] = true);
                if paired {
                    masks.push(mask.iter().map(|b| !b).collect());
                    kw.push(w);
                }
                masks.push(mask);
                kw.push(w);
            }
        } else {
            break;
        }
    }
    let n_fixed = masks.len();
    let mut samples_left = nsamples.saturating_sub(n_fixed);
    if n_full != n_sizes && samples_left > 0 {
        let mut rem: Vec<f64> = weight.clone();
        for w in rem.iter_mut().take(n_paired) {
            *w /= 2.0;
        }
        let rem = &rem[n_full..];
        let tot: f64 = rem.iter().sum();
        let cdf: Vec<f64> = rem
            .iter()
            .scan(0.0, |a, w| {
                *a += w / tot;
                Some(*a)
            })
            .collect();
        let mut rng = sub_rng(seed, 0x6b73);
        let mut seen: BTreeMap<Vec<bool>, usize> = BTreeMap::new();
        let mut draws = 4 * samples_left;
        let mut order: Vec<usize> = (0..m).collect();
        while samples_left > 0 && draws > 0 {
            draws -= 1;
            let u: f64 = rng.random();
            let ind = cdf.iter().position(|&c| u < c).unwrap_or(cdf.len() - 1);
            let s = ind + n_full + 1;
            shuffle(&mut order, &mut rng);
            let mut mask = vec![false; m];
            order[..s].iter().for_each(|&j| mask[j] = true);
            let mut add = |mask: Vec<bool>, left: &mut usize| match seen.get(&mask) {
                Some(&i) => kw[i] += 1.0,
                None => {
                    seen.insert(mask.clone(), masks.len());
                    masks.push(mask);
                    kw.push(1.0);
                    *left -= 1;
                }
            };
            let complement: Vec<bool> = mask.iter().map(|b| !b).collect();
            add(mask, &mut samples_left);
            if samples_left > 0 && s <= n_paired {
                add(complement, &mut samples_left);
            }
        }
        let weight_left: f64 = weight[n_full..].iter().sum();
        let sampled: f64 = kw[n_fixed..].iter().sum();
        if sampled > 0.0 {
            kw[n_fixed..]
                .iter_mut()
                .for_each(|w| *w *= weight_left / sampled);
        }
    }
    // Value every coalition over the background.
    let full_masks: Vec<Vec<bool>> = masks
        .iter()
        .map(|mk| {
            let mut full = vec![true; nc];
            for (&j, &b) in vary.iter().zip(mk) {
                full[j] = b;
            }
            // Columns that do not vary are equal in x and the background: either is right.
            full
        })
        .collect();
    let v = coalition_values(f, x, background, &full_masks, k)?;
    // Weighted least squares with Σφ = f(x) − base: φ_last = Δ − Σ others.
    let q = m - 1;
    for o in 0..k {
        let delta = fx[o] - base[o];
        let mut a = vec![0.0; q * q];
        let mut rhs = vec![0.0; q];
        for (s, mk) in masks.iter().enumerate() {
            let last = if mk[q] { 1.0 } else { 0.0 };
            let y = v[s * k + o] - base[o] - last * delta;
            let row: Vec<f64> = (0..q)
                .map(|j| if mk[j] { 1.0 } else { 0.0 } - last)
                .collect();
            let w = kw[s];
            for i in 0..q {
                if row[i] == 0.0 {
                    continue;
                }
                rhs[i] += w * row[i] * y;
                for j in 0..q {
                    a[i * q + j] += w * row[i] * row[j];
                }
            }
        }
        let beta = solve(a, rhs, q)?;
        let mut sum = 0.0;
        for (j, b) in beta.iter().enumerate() {
            phi[vary[j] * k + o] = *b;
            sum += b;
        }
        phi[vary[q] * k + o] = delta - sum;
    }
    Ok((phi, masks.len()))
}

/// Solve the symmetric system `a · β = rhs` (`q × q`) by Gaussian elimination with partial
/// pivoting; a singular system (too few coalitions to pin every column down) gets the least
/// ridge that makes it solvable.
fn solve(a: Vec<f64>, rhs: Vec<f64>, q: usize) -> Result<Vec<f64>> {
    let scale = (0..q)
        .map(|i| a[i * q + i].abs())
        .fold(0.0, f64::max)
        .max(1e-300);
    for ridge in [0.0, 1e-12, 1e-9, 1e-6] {
        let mut m = a.clone();
        let mut b = rhs.clone();
        for i in 0..q {
            m[i * q + i] += ridge * scale;
        }
        if let Some(x) = gauss(&mut m, &mut b, q, scale) {
            return Ok(x);
        }
    }
    Err(Error::InvalidData(
        "KernelSHAP's regression is singular; raise the number of evaluations".into(),
    ))
}

fn gauss(m: &mut [f64], b: &mut [f64], q: usize, scale: f64) -> Option<Vec<f64>> {
    for c in 0..q {
        let p = (c..q).max_by(|&i, &j| m[i * q + c].abs().total_cmp(&m[j * q + c].abs()))?;
        if m[p * q + c].abs() <= 1e-13 * scale {
            return None;
        }
        if p != c {
            for j in 0..q {
                m.swap(p * q + j, c * q + j);
            }
            b.swap(p, c);
        }
        for r in c + 1..q {
            let f = m[r * q + c] / m[c * q + c];
            if f != 0.0 {
                for j in c..q {
                    m[r * q + j] -= f * m[c * q + j];
                }
                b[r] -= f * b[c];
            }
        }
    }
    let mut x = vec![0.0; q];
    for c in (0..q).rev() {
        let mut s = b[c];
        for j in c + 1..q {
            s -= m[c * q + j] * x[j];
        }
        x[c] = s / m[c * q + c];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// The permutation explainer for one row: antithetic pairs of random orders of the varying
/// columns (an order and its reverse); along each, a column's contribution is the change in
/// `v` when it joins the columns before it. Every order's contributions add up to
/// `f(x) − base` exactly, and so does their mean.
fn permutation_row(
    f: &ModelFn<'_>,
    x: &[f64],
    fx: &[f64],
    base: &[f64],
    background: ArrayView2<'_, f64>,
    budget: usize,
    seed: u64,
) -> Result<(Vec<f64>, usize)> {
    let nc = x.len();
    let k = fx.len();
    let mut phi = vec![0.0; nc * k];
    let vary = varying(x, background);
    let m = vary.len();
    if m == 0 {
        return Ok((phi, 0));
    }
    if m == 1 {
        for o in 0..k {
            phi[vary[0] * k + o] = fx[o] - base[o];
        }
        return Ok((phi, 0));
    }
    let per_pair = 2 * (m - 1);
    let pairs = (budget.saturating_sub(2) / per_pair).max(1);
    let mut rng = sub_rng(seed, 0x7065);
    let mut orders = Vec::with_capacity(2 * pairs);
    for _ in 0..pairs {
        let mut order: Vec<usize> = (0..m).collect();
        shuffle(&mut order, &mut rng);
        let rev: Vec<usize> = order.iter().rev().copied().collect();
        orders.push(order);
        orders.push(rev);
    }
    // The inner prefixes of every order (the empty and full coalitions are known: base, f(x)).
    let mut masks = Vec::with_capacity(orders.len() * (m - 1));
    for order in &orders {
        let mut mask = vec![false; nc];
        // Columns that do not vary: take them from x (equal to every background row).
        for (j, slot) in mask.iter_mut().enumerate() {
            *slot = !vary.contains(&j);
        }
        for &p in &order[..m - 1] {
            mask[vary[p]] = true;
            masks.push(mask.clone());
        }
    }
    let v = coalition_values(f, x, background, &masks, k)?;
    for (oi, order) in orders.iter().enumerate() {
        let mut prev: Vec<f64> = base.to_vec();
        for (step, &p) in order.iter().enumerate() {
            let cur: &[f64] = if step == m - 1 {
                fx
            } else {
                &v[(oi * (m - 1) + step) * k..(oi * (m - 1) + step + 1) * k]
            };
            for o in 0..k {
                phi[vary[p] * k + o] += cur[o] - prev[o];
            }
            prev = cur.to_vec();
        }
    }
    let n_orders = orders.len() as f64;
    phi.iter_mut().for_each(|v| *v /= n_orders);
    Ok((phi, masks.len() + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsets_enumerate_every_combination() {
        assert_eq!(subsets(4, 2).len(), 6);
        assert_eq!(
            subsets(5, 1),
            vec![vec![0], vec![1], vec![2], vec![3], vec![4]]
        );
        assert_eq!(subsets(3, 3), vec![vec![0, 1, 2]]);
        assert_eq!(binom(10, 3), 120.0);
    }

    #[test]
    fn row_samples_are_seeded_and_distinct() {
        let a = sample_rows(1000, 50, 3);
        assert_eq!(a, sample_rows(1000, 50, 3));
        assert_ne!(a, sample_rows(1000, 50, 4));
        let mut d = a.clone();
        d.dedup();
        assert_eq!(d.len(), 50);
        assert_eq!(sample_rows(5, 9, 0), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn solver_solves() {
        let x = solve(vec![4.0, 1.0, 1.0, 3.0], vec![1.0, 2.0], 2).unwrap();
        assert!((4.0 * x[0] + x[1] - 1.0).abs() < 1e-12);
        assert!((x[0] + 3.0 * x[1] - 2.0).abs() < 1e-12);
    }
}
