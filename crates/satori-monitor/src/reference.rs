//! Training reference statistics, kept in the model file for drift monitoring.

use satori_core::numeric::quantile_linear_sorted;
use satori_core::{ColumnKind, Dataset};
use serde::{Deserialize, Serialize};

/// Summary statistics of one training column, kept for drift monitoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnReference {
    /// The column.
    pub name: String,
    /// Rows seen.
    pub count: u64,
    /// Missing values seen.
    pub missing: u64,
    /// Mean of the non-missing values (numeric columns).
    pub mean: Option<f64>,
    /// Population standard deviation of the non-missing values (numeric columns).
    pub std: Option<f64>,
    /// Minimum (numeric columns).
    pub min: Option<f64>,
    /// Maximum (numeric columns).
    pub max: Option<f64>,
    /// Deciles 0.1..0.9 of the non-missing values (numeric columns), NumPy's linear method.
    pub deciles: Vec<f64>,
    /// Frequency of each category (categorical columns), in category order.
    pub category_frequencies: Vec<f64>,
}

/// Summary statistics of every feature column of `data`.
pub fn reference_stats(data: &Dataset) -> Vec<ColumnReference> {
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
                    .map(|d| quantile_linear_sorted(&present, d as f64 / 10.0).unwrap_or(f64::NAN))
                    .collect();
            }
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use satori_core::{ColumnSchema, Schema};

    #[test]
    fn numeric_and_categorical_statistics() {
        let schema = Schema::new(vec![
            ColumnSchema {
                name: "a".into(),
                kind: ColumnKind::Numeric,
            },
            ColumnSchema {
                name: "c".into(),
                kind: ColumnKind::Categorical {
                    categories: vec!["x".into(), "y".into()],
                },
            },
        ])
        .unwrap();
        let d = Dataset::with_schema(
            array![[1.0, 0.0], [f64::NAN, 1.0], [3.0, 1.0], [4.0, f64::NAN]],
            schema,
        )
        .unwrap();
        let r = reference_stats(&d);
        assert_eq!((r[0].count, r[0].missing), (4, 1));
        assert_eq!(r[0].min, Some(1.0));
        assert_eq!(r[0].max, Some(4.0));
        assert_eq!(r[0].deciles[4], 3.0);
        assert_eq!(r[1].category_frequencies, vec![1.0 / 3.0, 2.0 / 3.0]);
        assert!(r[1].deciles.is_empty());
        let json = serde_json::to_string(&r).unwrap();
        let back: Vec<ColumnReference> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }
}
