//! [`TfidfVectorizerParams`] → [`TfidfVectorizer`]: scikit-learn's `TfidfVectorizer`
//! (`CountVectorizer` followed by `TfidfTransformer`).

use rayon::prelude::*;
use satori_core::{Error, Params, Result};
use serde::{Deserialize, Serialize};
use sprs::CsMat;

use super::{Analyzer, DEFAULT_TOKEN_PATTERN, Document, TextNorm, normalize_rows};
use crate::sparse::csr_from_parts;

/// A document-frequency bound (`min_df`, `max_df`): a number of documents, or a fraction of
/// them. Written `min_df = 2` (a count) or `max_df = 0.8` (a fraction) in TOML and JSON.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DocFreq {
    /// At least 1 document.
    Count(usize),
    /// A fraction in [0, 1] of the documents.
    Fraction(f64),
}

impl DocFreq {
    fn documents(self, n_docs: usize) -> f64 {
        match self {
            DocFreq::Count(c) => c as f64,
            DocFreq::Fraction(f) => f * n_docs as f64,
        }
    }

    fn validate(self, name: &str) -> Result<()> {
        match self {
            DocFreq::Count(0) => Err(Error::param(
                name,
                "a document count must be at least 1 (use a fraction such as 0.0 for none)",
            )),
            DocFreq::Fraction(f) if !(0.0..=1.0).contains(&f) => Err(Error::param(
                name,
                format!("a fraction of the documents must be in [0, 1], got {f}"),
            )),
            _ => Ok(()),
        }
    }
}

impl Serialize for DocFreq {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            DocFreq::Count(k) => s.serialize_u64(*k as u64),
            DocFreq::Fraction(f) => s.serialize_f64(*f),
        }
    }
}

impl<'de> Deserialize<'de> for DocFreq {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Count(u64),
            Fraction(f64),
        }
        match Repr::deserialize(d)? {
            Repr::Count(k) => usize::try_from(k)
                .map(DocFreq::Count)
                .map_err(|_| serde::de::Error::custom("document count is too large")),
            Repr::Fraction(f) => Ok(DocFreq::Fraction(f)),
        }
    }
}

/// Parameters of [`TfidfVectorizer`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct TfidfVectorizerParams {
    /// Lowercase the text before tokenizing. Default `true`.
    pub lowercase: bool,
    /// The regular expression of a token. Default `(?u)\b\w\w+\b` (matched as Python does: see
    /// the module documentation); any other pattern uses Rust `regex` syntax, with at most one
    /// capturing group.
    pub token_pattern: String,
    /// `[min_n, max_n]`: word n-grams from `min_n` to `max_n` words, `1 ≤ min_n ≤ max_n`.
    /// Default `[1, 1]`.
    pub ngram_range: (usize, usize),
    /// Drop terms in fewer documents than this: a count ≥ 1 or a fraction in [0, 1]. Default 1.
    pub min_df: DocFreq,
    /// Drop terms in more documents than this: a count ≥ 1 or a fraction in [0, 1]. Default 1.0.
    pub max_df: DocFreq,
    /// Keep at most this many terms, the most frequent over the corpus (at least 1); none keeps
    /// all. Default none.
    pub max_features: Option<usize>,
    /// Count each term at most once per document. Default `false`.
    pub binary: bool,
    /// Row normalisation: `l2`, `l1` or `none`. Default `l2`.
    pub norm: TextNorm,
    /// Weight terms by their inverse document frequency. Default `true`.
    pub use_idf: bool,
    /// Add one to every document frequency, as if a document held every term once (no zero
    /// division). Default `true`.
    pub smooth_idf: bool,
    /// Replace a term count `tf` by `1 + ln(tf)`. Default `false`.
    pub sublinear_tf: bool,
}

impl Default for TfidfVectorizerParams {
    fn default() -> Self {
        TfidfVectorizerParams {
            lowercase: true,
            token_pattern: DEFAULT_TOKEN_PATTERN.into(),
            ngram_range: (1, 1),
            min_df: DocFreq::Count(1),
            max_df: DocFreq::Fraction(1.0),
            max_features: None,
            binary: false,
            norm: TextNorm::L2,
            use_idf: true,
            smooth_idf: true,
            sublinear_tf: false,
        }
    }
}

impl Params for TfidfVectorizerParams {
    fn validate(&self) -> Result<()> {
        self.min_df.validate("min_df")?;
        self.max_df.validate("max_df")?;
        if self.max_features == Some(0) {
            return Err(Error::param("max_features", "must be at least 1, got 0"));
        }
        self.analyzer().map(|_| ())
    }
}

/// Sorted `(term, count)` pairs of one document's tokens (sorting then counting runs).
fn term_counts(mut tokens: Vec<String>) -> Vec<(String, f64)> {
    tokens.sort_unstable();
    let mut out: Vec<(String, f64)> = Vec::new();
    for t in tokens {
        match out.last_mut() {
            Some((last, c)) if *last == t => *c += 1.0,
            _ => out.push((t, 1.0)),
        }
    }
    out
}

/// The term counts of every document, computed in parallel (one independent result per
/// document, so the order and values do not depend on the threads). `None` for a missing one.
fn all_term_counts<D: Document + Sync>(
    analyzer: &Analyzer,
    docs: &[D],
) -> Vec<Option<Vec<(String, f64)>>> {
    docs.par_iter()
        .with_min_len(64)
        .map(|d| d.text().map(|t| term_counts(analyzer.analyze(t))))
        .collect()
}

impl TfidfVectorizerParams {
    fn analyzer(&self) -> Result<Analyzer> {
        Analyzer::new(self.lowercase, &self.token_pattern, self.ngram_range)
    }

    /// Learn the vocabulary and idf weights from `docs` (scikit-learn's `fit`).
    pub fn fit<D: Document + Sync>(&self, docs: &[D]) -> Result<TfidfVectorizer> {
        self.validate()?;
        let counts = all_term_counts(&self.analyzer()?, docs);
        self.fit_counts(&counts)
    }

    /// Fit and transform the same documents in one pass over the text (scikit-learn's
    /// `fit_transform`; the same result as `fit` then `transform`).
    pub fn fit_transform<D: Document + Sync>(
        &self,
        docs: &[D],
    ) -> Result<(TfidfVectorizer, CsMat<f64>)> {
        self.validate()?;
        let counts = all_term_counts(&self.analyzer()?, docs);
        let model = self.fit_counts(&counts)?;
        let x = model.matrix_from_counts(counts)?;
        Ok((model, x))
    }

    /// The vocabulary and idf from per-document term counts.
    fn fit_counts(&self, counts: &[Option<Vec<(String, f64)>>]) -> Result<TfidfVectorizer> {
        let n_docs = counts.len();
        // term → (document frequency, total count). A hash map for speed: its order cannot
        // leak, the terms are sorted right after.
        #[allow(clippy::disallowed_types)]
        let mut stats: std::collections::HashMap<&str, (usize, f64)> =
            std::collections::HashMap::new();
        for doc in counts.iter().flatten() {
            for (term, count) in doc {
                let e = stats.entry(term.as_str()).or_insert((0, 0.0));
                e.0 += 1;
                e.1 += if self.binary { 1.0 } else { *count };
            }
        }
        let mut stats: Vec<(&str, (usize, f64))> = stats.into_iter().collect();
        stats.sort_unstable_by(|a, b| a.0.cmp(b.0));
        if stats.is_empty() {
            return Err(Error::InvalidData(format!(
                "empty vocabulary: the {n_docs} document(s) hold no token (a token is a run of \
                 two or more letters, digits or underscores by default)"
            )));
        }
        let high = self.max_df.documents(n_docs);
        let low = self.min_df.documents(n_docs);
        if high < low {
            return Err(Error::param(
                "max_df",
                format!(
                    "corresponds to fewer documents ({high}) than min_df ({low}) on {n_docs} \
                     documents"
                ),
            ));
        }
        let mut kept: Vec<(&str, usize, f64)> = stats
            .into_iter()
            .filter(|(_, (df, _))| (*df as f64) <= high && (*df as f64) >= low)
            .map(|(t, (df, tf))| (t, df, tf))
            .collect();
        if let Some(limit) = self.max_features
            && kept.len() > limit
        {
            // The `limit` largest total counts; ties broken by vocabulary order.
            let mut order: Vec<usize> = (0..kept.len()).collect();
            order.sort_by(|&a, &b| kept[b].2.total_cmp(&kept[a].2).then(a.cmp(&b)));
            let mut keep = vec![false; kept.len()];
            order.iter().take(limit).for_each(|&i| keep[i] = true);
            let mut i = 0;
            kept.retain(|_| {
                i += 1;
                keep[i - 1]
            });
        }
        if kept.is_empty() {
            return Err(Error::InvalidData(
                "after pruning by min_df and max_df no terms remain: lower min_df or raise \
                 max_df"
                    .into(),
            ));
        }
        let smooth = usize::from(self.smooth_idf);
        let idf = if self.use_idf {
            kept.iter()
                .map(|(_, df, _)| ((n_docs + smooth) as f64 / (df + smooth) as f64).ln() + 1.0)
                .collect()
        } else {
            Vec::new()
        };
        Ok(TfidfVectorizer {
            settings: TransformSettings {
                lowercase: self.lowercase,
                token_pattern: self.token_pattern.clone(),
                ngram_range: self.ngram_range,
                binary: self.binary,
                norm: self.norm,
                use_idf: self.use_idf,
                sublinear_tf: self.sublinear_tf,
            },
            vocabulary: kept.into_iter().map(|(t, _, _)| t.to_string()).collect(),
            idf,
            n_docs,
        })
    }
}

/// The parameters a fitted vectorizer needs at transform time (plain fields, so that the model
/// round-trips through postcard).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct TransformSettings {
    lowercase: bool,
    token_pattern: String,
    ngram_range: (usize, usize),
    binary: bool,
    norm: TextNorm,
    use_idf: bool,
    sublinear_tf: bool,
}

/// A fitted TF-IDF vectorizer: the sorted vocabulary (`get_feature_names_out()`) and `idf_`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TfidfVectorizer {
    settings: TransformSettings,
    vocabulary: Vec<String>,
    idf: Vec<f64>,
    n_docs: usize,
}

impl TfidfVectorizer {
    /// The terms, sorted by code point: column `j` of the output is term `j`.
    pub fn feature_names_out(&self) -> &[String] {
        &self.vocabulary
    }

    /// The column of a term (scikit-learn's `vocabulary_[term]`).
    pub fn column_of(&self, term: &str) -> Option<usize> {
        self.vocabulary
            .binary_search_by(|t| t.as_str().cmp(term))
            .ok()
    }

    /// `idf_`: the inverse document frequency of each term (empty when `use_idf` is false).
    pub fn idf(&self) -> &[f64] {
        &self.idf
    }

    /// The number of training documents.
    pub fn n_documents(&self) -> usize {
        self.n_docs
    }

    /// The TF-IDF matrix of `docs` (`n_docs × n_terms`, CSR with sorted column indices); terms
    /// not in the vocabulary are ignored; a missing document is a row of zeros.
    pub fn transform<D: Document + Sync>(&self, docs: &[D]) -> Result<CsMat<f64>> {
        let p = &self.settings;
        let analyzer = Analyzer::new(p.lowercase, &p.token_pattern, p.ngram_range)?;
        self.matrix_from_counts(all_term_counts(&analyzer, docs))
    }

    /// One weighted, normalised row per document from its sorted term counts.
    fn matrix_from_counts(&self, counts: Vec<Option<Vec<(String, f64)>>>) -> Result<CsMat<f64>> {
        let p = &self.settings;
        let n_docs = counts.len();
        // term → column, for lookups only (never iterated, so its order cannot leak).
        #[allow(clippy::disallowed_types)]
        let columns: std::collections::HashMap<&str, usize> = self
            .vocabulary
            .iter()
            .enumerate()
            .map(|(j, t)| (t.as_str(), j))
            .collect();
        let rows: Vec<Vec<(usize, f64)>> = counts
            .into_par_iter()
            .with_min_len(64)
            .map(|doc| {
                let mut row: Vec<(usize, f64)> = doc
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|(t, c)| columns.get(t.as_str()).map(|&j| (j, *c)))
                    .collect();
                // Terms are sorted and so are their columns; weight and normalise the row.
                for (j, tf) in &mut row {
                    if p.binary {
                        *tf = 1.0;
                    }
                    if p.sublinear_tf {
                        *tf = tf.ln() + 1.0;
                    }
                    if p.use_idf {
                        *tf *= self.idf[*j];
                    }
                }
                row
            })
            .collect();
        let mut indptr = Vec::with_capacity(n_docs + 1);
        let mut indices = Vec::new();
        let mut data = Vec::new();
        indptr.push(0);
        for row in rows {
            for (j, v) in row {
                indices.push(j);
                data.push(v);
            }
            indptr.push(indices.len());
        }
        normalize_rows(&indptr, &mut data, p.norm);
        csr_from_parts((n_docs, self.vocabulary.len()), indptr, indices, data)
    }
}
