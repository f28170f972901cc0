//! Training reference statistics (for drift monitoring) and the data fingerprint.

use satori_core::{ColumnKind, Dataset, Target};

use crate::ColumnReference;

/// Summary statistics of every feature column of `data`.
pub(crate) fn reference_stats(data: &Dataset) -> Vec<ColumnReference> {
    let x = data.x();
    data.features()
        .columns
        .iter()
        .enumerate()
        .map(|(j, col)| {
            let column = x.column(j);
            let mut present: Vec<f64> = column.iter().copied().filter(|v| !v.is_nan()).collect();
            let count = column.len() as u64;
            let missing = count - present.len() as u64;
            let mut r = ColumnReference {
                name: col.name.clone(),
                count,
                missing,
                mean: None,
                std: None,
                min: None,
                max: None,
                deciles: Vec::new(),
                category_frequencies: Vec::new(),
            };
            if let ColumnKind::Categorical { categories } = &col.kind {
                let mut counts = vec![0u64; categories.len()];
                for v in &present {
                    if let Some(c) = counts.get_mut(*v as usize) {
                        *c += 1;
                    }
                }
                let n = present.len().max(1) as f64;
                r.category_frequencies = counts.iter().map(|&c| c as f64 / n).collect();
            } else if !present.is_empty() {
                let n = present.len() as f64;
                let mean = present.iter().sum::<f64>() / n;
                let var = present.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
                present.sort_by(f64::total_cmp);
                r.mean = Some(mean);
                r.std = Some(var.sqrt());
                r.min = present.first().copied();
                r.max = present.last().copied();
                r.deciles = (1..10)
                    .map(|d| quantile_sorted(&present, d as f64 / 10.0))
                    .collect();
            }
            r
        })
        .collect()
}

/// Linear-interpolation quantile of sorted values (numpy's default method).
fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// A fingerprint of the training matrix and target: CRC-32 of the feature bits, of the target,
/// and the shape. Equal data gives equal fingerprints; it is no cryptographic hash.
pub(crate) fn fingerprint(data: &Dataset) -> String {
    let mut hx = crc32fast::Hasher::new();
    for v in data.x().iter() {
        hx.update(&v.to_bits().to_le_bytes());
    }
    let mut hy = crc32fast::Hasher::new();
    match data.target() {
        Some(Target::Continuous(y)) => y.iter().for_each(|v| hy.update(&v.to_bits().to_le_bytes())),
        Some(Target::Classes { codes, labels }) => {
            codes
                .iter()
                .for_each(|c| hy.update(&(*c as u64).to_le_bytes()));
            labels.iter().for_each(|l| hy.update(l.as_bytes()));
        }
        None => {}
    }
    format!(
        "{}x{}-{:08x}-{:08x}",
        data.n_samples(),
        data.n_features(),
        hx.finalize(),
        hy.finalize()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn stats_and_fingerprint() {
        let d = Dataset::new(array![[1.0], [f64::NAN], [3.0]], vec!["a".into()]).unwrap();
        let r = reference_stats(&d);
        assert_eq!(r[0].missing, 1);
        assert_eq!(r[0].mean, Some(2.0));
        assert_eq!(r[0].deciles[4], 2.0);
        let d2 = Dataset::new(array![[1.0], [f64::NAN], [3.5]], vec!["a".into()]).unwrap();
        assert_ne!(fingerprint(&d), fingerprint(&d2));
        assert_eq!(fingerprint(&d), fingerprint(&d.clone()));
    }
}
