//! [`HashingVectorizerParams`]: scikit-learn's `HashingVectorizer`, a stateless text
//! vectorizer (no vocabulary: tokens are hashed into columns).

use rayon::prelude::*;
use satori_core::{Params, Result};
use serde::{Deserialize, Serialize};
use sprs::CsMat;

use super::{Analyzer, DEFAULT_TOKEN_PATTERN, Document, TextNorm, normalize_rows};
use crate::hashing::{check_n_features, hashed_row};
use crate::sparse::csr_from_parts;

/// Parameters of scikit-learn's `HashingVectorizer`. It needs no fitting: call
/// [`HashingVectorizerParams::transform`] on any documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct HashingVectorizerParams {
    /// The number of output columns, 1 to 2³¹ − 1. Default 2²⁰ = 1048576 (the output is sparse).
    pub n_features: usize,
    /// Lowercase the text before tokenizing. Default `true`.
    pub lowercase: bool,
    /// The regular expression of a token. Default `(?u)\b\w\w+\b` (see the module
    /// documentation).
    pub token_pattern: String,
    /// `[min_n, max_n]`: word n-grams from `min_n` to `max_n` words, `1 ≤ min_n ≤ max_n`.
    /// Default `[1, 1]`.
    pub ngram_range: (usize, usize),
    /// Set every stored value to 1 (after summing the signed duplicates). Default `false`.
    pub binary: bool,
    /// Row normalisation: `l2`, `l1` or `none`. Default `l2`.
    pub norm: TextNorm,
    /// Give tokens with a negative hash the value −1. Default `true`.
    pub alternate_sign: bool,
}

impl Default for HashingVectorizerParams {
    fn default() -> Self {
        HashingVectorizerParams {
            n_features: 1 << 20,
            lowercase: true,
            token_pattern: DEFAULT_TOKEN_PATTERN.into(),
            ngram_range: (1, 1),
            binary: false,
            norm: TextNorm::L2,
            alternate_sign: true,
        }
    }
}

impl Params for HashingVectorizerParams {
    fn validate(&self) -> Result<()> {
        check_n_features(self.n_features)?;
        Analyzer::new(self.lowercase, &self.token_pattern, self.ngram_range).map(|_| ())
    }
}

impl HashingVectorizerParams {
    /// The hashed token counts of `docs` (`n_docs × n_features`, CSR with sorted column
    /// indices); a missing document is a row of zeros.
    pub fn transform<D: Document + Sync>(&self, docs: &[D]) -> Result<CsMat<f64>> {
        self.validate()?;
        let analyzer = Analyzer::new(self.lowercase, &self.token_pattern, self.ngram_range)?;
        // One independent row per document, in parallel (deterministic).
        let rows: Vec<Vec<(usize, f64)>> = docs
            .par_iter()
            .with_min_len(64)
            .map(|doc| {
                let Some(text) = doc.text() else {
                    return Vec::new();
                };
                let tokens = analyzer.analyze(text);
                hashed_row(
                    tokens.iter().map(String::as_str),
                    self.n_features,
                    self.alternate_sign,
                )
                .into_iter()
                .map(|(j, v)| (j, if self.binary { 1.0 } else { v }))
                .collect()
            })
            .collect();
        let mut indptr = vec![0];
        let mut indices = Vec::new();
        let mut data = Vec::new();
        for row in rows {
            for (j, v) in row {
                indices.push(j);
                data.push(v);
            }
            indptr.push(indices.len());
        }
        normalize_rows(&indptr, &mut data, self.norm);
        csr_from_parts((docs.len(), self.n_features), indptr, indices, data)
    }
}
