//! Text features over a list of documents, with scikit-learn 1.9's analyzer: lowercasing,
//! `token_pattern` `(?u)\b\w\w+\b` (runs of two or more word characters), word n-grams of
//! `ngram_range`.
//!
//! - [`TfidfVectorizerParams`] → [`TfidfVectorizer`]: `TfidfVectorizer` (term counts with a
//!   sorted vocabulary, `min_df`/`max_df`/`max_features` pruning, idf weighting, row
//!   normalisation), returning a sparse CSR matrix ([`sprs::CsMat`]) and `feature_names_out`.
//! - [`HashingVectorizerParams`]: `HashingVectorizer`, stateless, tokens hashed with signed
//!   32-bit MurmurHash3 into `n_features` columns.
//!
//! Documents are anything implementing [`Document`]: `String`, `&str`, `Option<String>`,
//! `Option<&str>` (a missing document, `None`, is an empty one: a row of zeros).
//!
//! **The default token pattern** is matched exactly as Python's `re` does: a word character is a
//! Unicode letter (`L*`), number (`N*`) or `_`. A custom `token_pattern` is compiled with Rust's
//! `regex` crate, whose `\w` also counts combining marks; with one capturing group the group is
//! the token (as scikit-learn).
//!
//! ```
//! use satori_features::{TfidfVectorizerParams, TextNorm};
//!
//! let docs = ["The cat sat.", "The dog sat!", ""];
//! let tfidf = TfidfVectorizerParams { norm: TextNorm::None, ..Default::default() }
//!     .fit(&docs)
//!     .unwrap();
//! assert_eq!(tfidf.feature_names_out(), ["cat", "dog", "sat", "the"]);
//! let x = tfidf.transform(&docs).unwrap();
//! assert_eq!(x.shape(), (3, 4));
//! // "cat" is in 1 of 3 documents: idf = ln((1 + 3) / (1 + 1)) + 1.
//! assert!((x.get(0, 0).unwrap() - ((4.0f64 / 2.0).ln() + 1.0)).abs() < 1e-15);
//! assert_eq!(x.outer_view(2).unwrap().nnz(), 0); // the empty document
//! ```

mod hashing_vectorizer;
mod tfidf;

pub use hashing_vectorizer::HashingVectorizerParams;
pub use tfidf::{DocFreq, TfidfVectorizer, TfidfVectorizerParams};

use regex::Regex;
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// scikit-learn's default `token_pattern`.
pub const DEFAULT_TOKEN_PATTERN: &str = r"(?u)\b\w\w+\b";

/// Python's `\w\w+` between word boundaries: maximal runs of at least two of Python's word
/// characters (Unicode letters, numbers and `_`).
const PYTHON_WORD_RUNS: &str = r"[\p{L}\p{N}_]{2,}";

/// A document: its text, or `None` for a missing one (treated as empty).
pub trait Document {
    /// The text of the document, if any.
    fn text(&self) -> Option<&str>;
}

impl Document for String {
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl Document for &str {
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl Document for Option<String> {
    fn text(&self) -> Option<&str> {
        self.as_deref()
    }
}

impl Document for Option<&str> {
    fn text(&self) -> Option<&str> {
        *self
    }
}

/// Row normalisation of the output (scikit-learn's `norm`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextNorm {
    /// Divide each row by its Euclidean norm (rows of zeros stay zero).
    #[default]
    L2,
    /// Divide each row by the sum of its absolute values.
    L1,
    /// No normalisation.
    None,
}

/// The analyzer settings shared by both vectorizers.
#[derive(Debug, Clone)]
pub(crate) struct Analyzer {
    lowercase: bool,
    pattern: Regex,
    group: bool,
    ngram_range: (usize, usize),
}

impl Analyzer {
    /// Compile the analyzer; errors name the bad parameter.
    pub(crate) fn new(
        lowercase: bool,
        token_pattern: &str,
        ngram_range: (usize, usize),
    ) -> Result<Self> {
        let (lo, hi) = ngram_range;
        if lo == 0 || lo > hi {
            return Err(Error::param(
                "ngram_range",
                format!("must be [min_n, max_n] with 1 ≤ min_n ≤ max_n, got [{lo}, {hi}]"),
            ));
        }
        let source = if token_pattern == DEFAULT_TOKEN_PATTERN {
            PYTHON_WORD_RUNS
        } else {
            token_pattern
        };
        let pattern = Regex::new(source).map_err(|e| {
            Error::param(
                "token_pattern",
                format!("is not a valid regular expression: {e}"),
            )
        })?;
        let groups = pattern.captures_len() - 1;
        if groups > 1 {
            return Err(Error::param(
                "token_pattern",
                format!("may have at most one capturing group, got {groups}"),
            ));
        }
        Ok(Analyzer {
            lowercase,
            pattern,
            group: groups == 1,
            ngram_range,
        })
    }

    /// The tokens and n-grams of one document (scikit-learn's `_word_ngrams` order).
    pub(crate) fn analyze(&self, doc: &str) -> Vec<String> {
        let lowered;
        let text = if self.lowercase {
            lowered = doc.to_lowercase();
            lowered.as_str()
        } else {
            doc
        };
        let tokens: Vec<&str> = if self.group {
            self.pattern
                .captures_iter(text)
                .map(|c| c.get(1).map_or("", |m| m.as_str()))
                .collect()
        } else {
            self.pattern.find_iter(text).map(|m| m.as_str()).collect()
        };
        let (lo, hi) = self.ngram_range;
        let mut out = Vec::new();
        for n in lo..=hi.min(tokens.len()) {
            for w in tokens.windows(n) {
                out.push(w.join(" "));
            }
        }
        out
    }
}

/// Normalise the rows of CSR parts in place (scikit-learn's `normalize` on CSR: the sum runs
/// over the stored values in order; an all-zero row is left as it is).
pub(crate) fn normalize_rows(indptr: &[usize], data: &mut [f64], norm: TextNorm) {
    if norm == TextNorm::None {
        return;
    }
    for w in indptr.windows(2) {
        let row = &mut data[w[0]..w[1]];
        let total = match norm {
            TextNorm::L2 => row.iter().map(|v| v * v).sum::<f64>().sqrt(),
            _ => row.iter().map(|v| v.abs()).sum::<f64>(),
        };
        if total != 0.0 {
            row.iter_mut().for_each(|v| *v /= total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_pattern_is_python_word_runs() {
        let a = Analyzer::new(true, DEFAULT_TOKEN_PATTERN, (1, 2)).unwrap();
        assert_eq!(
            a.analyze("Hello, wörld! a b2 x_y ½½ café"),
            vec![
                "hello",
                "wörld",
                "b2",
                "x_y",
                "½½",
                "café",
                "hello wörld",
                "wörld b2",
                "b2 x_y",
                "x_y ½½",
                "½½ café"
            ]
        );
        assert!(a.analyze("").is_empty());
        assert!(Analyzer::new(true, "(a)(b)", (1, 1)).is_err());
        assert!(Analyzer::new(true, "[", (1, 1)).is_err());
        assert!(Analyzer::new(true, DEFAULT_TOKEN_PATTERN, (2, 1)).is_err());
        let g = Analyzer::new(false, r"x(\d+)", (1, 1)).unwrap();
        assert_eq!(g.analyze("x12 X3 x4"), vec!["12", "4"]);
    }
}
