//! [`OneHotEncoder::transform_csr`]: the encoded matrix as CSR, built directly from the input
//! rows (never through the dense matrix), with scikit-learn's `sparse_output=True` structure.

use ndarray::ArrayView2;
use rayon::prelude::*;
use satori_core::{Error, Result, check_features};
use sprs::CsMat;

use super::{ColumnOut, HandleUnknown, OneHotEncoder, encode_row};
use crate::util::standard;

/// Rows per task when building the sparse matrix.
const ROW_CHUNK: usize = 8192;

/// The arrays of a CSR matrix under construction.
struct Csr {
    indptr: Vec<usize>,
    indices: Vec<usize>,
    data: Vec<f64>,
}

impl OneHotEncoder {
    /// Transform `x` into a sparse CSR matrix: the same columns and values as
    /// [`satori_core::Transformer::transform`], stored as scikit-learn's `OneHotEncoder`
    /// (`sparse_output=True`) stores them: one entry of 1.0 per encoded value that has an output
    /// column, none for a dropped category or an ignored unknown one (a row of zeros stores
    /// nothing), the non-zero values of passed-through columns (NaN included), and the column
    /// indices of each row in ascending order.
    ///
    /// Built in one pass over fixed chunks of rows in parallel (the same matrix at any thread
    /// count); when every row stores the same number of entries (every column encoded, nothing
    /// dropped, unknown values an error or the infrequent column), the row pointers are known in
    /// advance and each chunk writes in place.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for a wrong column count, and under `handle_unknown = error`
    /// [`Error::UnknownCategory`] naming the first column (in column order) holding a value not
    /// seen at fit, and that value.
    pub fn transform_csr(&self, x: ArrayView2<'_, f64>) -> Result<CsMat<f64>> {
        check_features(x, self.n_features_in)?;
        let (n, p) = x.dim();
        let p_out = self.n_features_out();
        let cols = self.columns_out();
        let csr = if p == 0 {
            Some(Csr {
                indptr: vec![0; n + 1],
                indices: Vec::new(),
                data: Vec::new(),
            })
        } else {
            let input = standard(x);
            match self.entries_per_row() {
                Some(k) => fill_fixed(&cols, &input, p, k),
                None => fill_chunks(&cols, &input, p),
            }
        };
        let Some(csr) = csr else {
            // An unknown category under `error`: report the first one as `transform` does.
            self.first_unknown(x)?;
            return Err(Error::Internal(
                "one-hot encoding found an unknown category that the column scan did not".into(),
            ));
        };
        CsMat::try_new((n, p_out), csr.indptr, csr.indices, csr.data)
            .map_err(|(_, _, _, e)| Error::Internal(format!("one-hot CSR structure: {e}")))
    }

    /// The number of entries every row stores, when it is the same for all rows: every column
    /// encoded, no category dropped, and unknown values either an error or the infrequent column.
    fn entries_per_row(&self) -> Option<usize> {
        let all_encoded = self.plan.iter().all(Option::is_some);
        let none_dropped = self
            .encoded
            .iter()
            .all(|e| e.slot.iter().all(Option::is_some));
        let unknown_stored = match self.handle_unknown {
            HandleUnknown::Error => true,
            _ => self.encoded.iter().all(|e| e.unknown_slot.is_some()),
        };
        (all_encoded && none_dropped && unknown_stored).then_some(self.encoded.len())
    }
}

/// Build the CSR arrays when each row stores exactly `k` entries of 1.0 (no passed-through
/// column): the row pointers are `0, k, 2k, …` and each chunk of rows writes its own slice of
/// the column indices. `None` at an unknown category under `error`.
fn fill_fixed(cols: &[ColumnOut<'_>], input: &[f64], p: usize, k: usize) -> Option<Csr> {
    let n = input.len() / p;
    let mut indices = vec![0usize; n * k];
    if k > 0 {
        indices
            .par_chunks_mut(ROW_CHUNK * k)
            .zip(input.par_chunks(ROW_CHUNK * p))
            .try_for_each(|(out, rows)| {
                for (o, row) in out.chunks_mut(k).zip(rows.chunks(p)) {
                    let mut at = 0;
                    let ok = encode_row(cols, row, |j, _| {
                        if let Some(slot) = o.get_mut(at) {
                            *slot = j;
                        }
                        at += 1;
                    });
                    // `at != k` would break the layout's invariant; report it as unknown and
                    // let the caller's scan decide.
                    if !ok || at != k {
                        return None;
                    }
                }
                Some(())
            })?;
    }
    Some(Csr {
        indptr: (0..=n).map(|i| i * k).collect(),
        indices,
        data: vec![1.0; n * k],
    })
}

/// Build the CSR arrays chunk by chunk (each chunk of rows its own arrays, in parallel), then
/// join them in row order. `None` at an unknown category under `error`.
fn fill_chunks(cols: &[ColumnOut<'_>], input: &[f64], p: usize) -> Option<Csr> {
    let n = input.len() / p;
    let parts: Vec<Option<Csr>> = input
        .par_chunks(ROW_CHUNK * p)
        .map(|rows| {
            let mut part = Csr {
                indptr: Vec::with_capacity(rows.len() / p),
                indices: Vec::with_capacity(rows.len() / p * cols.len()),
                data: Vec::with_capacity(rows.len() / p * cols.len()),
            };
            for row in rows.chunks(p) {
                let ok = encode_row(cols, row, |j, v| {
                    part.indices.push(j);
                    part.data.push(v);
                });
                if !ok {
                    return None;
                }
                part.indptr.push(part.indices.len()); // the row's end, relative to the chunk
            }
            Some(part)
        })
        .collect();
    let parts: Vec<Csr> = parts.into_iter().collect::<Option<_>>()?;
    let nnz = parts.iter().map(|c| c.indices.len()).sum();
    let mut csr = Csr {
        indptr: Vec::with_capacity(n + 1),
        indices: Vec::with_capacity(nnz),
        data: Vec::with_capacity(nnz),
    };
    csr.indptr.push(0);
    for part in parts {
        let base = csr.indices.len();
        csr.indptr.extend(part.indptr.iter().map(|&e| base + e));
        csr.indices.extend_from_slice(&part.indices);
        csr.data.extend_from_slice(&part.data);
    }
    Some(csr)
}
