//! SHAP values as a CSV file, and the strongest contributions of a row.
//!
//! Layout: `row` (the row's index in the data), then one block per output — `base_value`, one
//! column per input column (its contribution), `raw_prediction` — and, with interaction values,
//! one column `a*b` per ordered pair of input columns (`a*a` is `a`'s main effect). With several
//! outputs (multiclass, several targets) every name of a block is prefixed with the output and a
//! colon (`setosa:base_value`, `setosa:petal_length`, …).

use std::path::Path;

use satori_core::fs::OutputFile;
use satori_core::{Error, Result};

use crate::Explanation;

impl Explanation {
    /// The CSV header (see the [module docs](self)).
    pub fn csv_header(&self) -> Vec<String> {
        let several = self.outputs.len() > 1;
        let mut h = vec!["row".to_string()];
        for o in &self.outputs {
            let name = |s: &str| {
                if several {
                    format!("{o}:{s}")
                } else {
                    s.to_string()
                }
            };
            h.push(name("base_value"));
            h.extend(self.columns.iter().map(|c| name(c)));
            h.push(name("raw_prediction"));
            if self.interactions.is_some() {
                for a in &self.columns {
                    for b in &self.columns {
                        h.push(name(&format!("{a}*{b}")));
                    }
                }
            }
        }
        h
    }

    /// Write the values as CSV (complete or not at all).
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        let io = |e: csv::Error| Error::io(path, std::io::Error::other(e.to_string()));
        let mut out = OutputFile::create(path)?;
        {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(self.csv_header()).map_err(io)?;
            let mut rec: Vec<String> = Vec::new();
            for (i, row) in self.rows.iter().enumerate() {
                rec.clear();
                rec.push(row.to_string());
                for k in 0..self.outputs.len() {
                    rec.push(format!("{}", self.base_values[k]));
                    for j in 0..self.columns.len() {
                        rec.push(format!("{}", self.values[[i, j, k]]));
                    }
                    rec.push(format!("{}", self.raw_predictions[[i, k]]));
                    if let Some(inter) = &self.interactions {
                        for a in 0..self.columns.len() {
                            for b in 0..self.columns.len() {
                                rec.push(format!("{}", inter[[i, a, b, k]]));
                            }
                        }
                    }
                }
                w.write_record(&rec).map_err(io)?;
            }
            w.flush().map_err(|e| Error::io(path, e))?;
        }
        out.commit()
    }

    /// The `k` columns with the largest `|φ|` for explained row `i` and output `output`,
    /// strongest first (ties by column order): `(column index, value)`.
    pub fn top(&self, i: usize, output: usize, k: usize) -> Vec<(usize, f64)> {
        let mut v: Vec<(usize, f64)> = (0..self.columns.len())
            .map(|j| (j, self.values[[i, j, output]]))
            .collect();
        v.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
        v.truncate(k);
        v
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, Array3};

    use crate::{Explanation, Method, OutputSpace};

    fn two_outputs() -> Explanation {
        Explanation {
            method: Method::Tree,
            columns: vec!["a".into(), "b".into()],
            outputs: vec!["x".into(), "y".into()],
            output_space: OutputSpace::Margin,
            rows: vec![3],
            base_values: vec![0.5, -0.5],
            values: Array3::from_shape_vec((1, 2, 2), vec![1.0, -2.0, 0.25, 3.0]).unwrap(),
            raw_predictions: Array2::from_shape_vec((1, 2), vec![1.75, 0.5]).unwrap(),
            data: Array2::zeros((1, 2)),
            interactions: None,
            n_evaluations: None,
        }
    }

    #[test]
    fn csv_has_a_block_per_output() {
        let e = two_outputs();
        assert_eq!(
            e.csv_header(),
            [
                "row",
                "x:base_value",
                "x:a",
                "x:b",
                "x:raw_prediction",
                "y:base_value",
                "y:a",
                "y:b",
                "y:raw_prediction"
            ]
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shap.csv");
        e.write_csv(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.lines().nth(1).unwrap(),
            "3,0.5,1,0.25,1.75,-0.5,-2,3,0.5"
        );
        assert_eq!(e.top(0, 1, 1), vec![(1, 3.0)]);
        assert_eq!(e.top(0, 0, 5), vec![(0, 1.0), (1, 0.25)]);
    }
}
