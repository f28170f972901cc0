//! Free-text columns into model features (`[text]` in a pipeline file, `--set text.…`).
//!
//! Each text column of the training data (see [`satori_core::Dataset::text`]) is vectorised on
//! its own — TF-IDF (default) or hashed token counts, both sparse CSR matrices — then optionally
//! cut to the `select_k_best` terms with the highest χ² score against the class, scaled by each
//! term's maximum absolute value, and reduced by truncated SVD (latent semantic analysis) to dense
//! components. The blocks join the numeric columns after the preprocessing steps:
//!
//! - a model that learns from sparse input (the linear family) gets one CSR matrix, numeric
//!   columns first, never densified;
//! - any other model gets dense columns: by default the block is reduced to
//!   [`AUTO_SVD_COMPONENTS`] SVD components, or as many as there are training rows if fewer (a
//!   block that narrow or narrower is densified as it is); `svd_components = 0` densifies the
//!   whole block (refused above [`MAX_DENSE_CELLS`]).
//!
//! Output columns are named `<column>:<term>` (TF-IDF), `<column>:hash<j>` (hashing) and
//! `<column>:svd<k>` (SVD components).

use ndarray::{Array2, ArrayView2};
use satori_core::{CsMat, Dataset, Error, Params, Result, TextColumn};
use satori_features as fe;
use serde::{Deserialize, Serialize};

/// Components of the truncated SVD that a dense-only model gets when `svd_components` is unset.
pub const AUTO_SVD_COMPONENTS: usize = 100;
/// The most cells (rows × columns) a text block may densify to (`svd_components = 0` in front of
/// a dense-only model): 2²⁷ cells, 1 GiB of `f64`.
pub const MAX_DENSE_CELLS: usize = 1 << 27;

/// How text columns become features.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vectorizer {
    /// scikit-learn's `TfidfVectorizer` (parameters under `text.tfidf`).
    #[default]
    Tfidf,
    /// scikit-learn's `HashingVectorizer` (parameters under `text.hashing`): no vocabulary,
    /// nothing stored, any number of terms.
    Hashing,
    /// Text columns are not used.
    None,
}

/// The text parameters (`[text]` in a pipeline file; `--set text.vectorizer=hashing`,
/// `--set text.tfidf.max_features=20000`, `--set text.svd_components=50`, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct TextParams {
    /// `tfidf`, `hashing` or `none`. Default `tfidf`.
    pub vectorizer: Vectorizer,
    /// The text columns to use; empty (the default) uses every text column of the data.
    pub columns: Vec<String>,
    /// The TF-IDF vectorizer's parameters (scikit-learn's names and defaults).
    pub tfidf: fe::TfidfVectorizerParams,
    /// The hashing vectorizer's parameters (scikit-learn's names and defaults).
    pub hashing: fe::HashingVectorizerParams,
    /// Keep only the `k` terms that score highest against the target: the χ² statistic for
    /// classes (the vectorised values must be non-negative, so hashing needs
    /// `hashing.alternate_sign = false`), the F statistic of `f_regression` for a continuous
    /// target. At least 1; unset (the default) keeps every term.
    pub select_k_best: Option<usize>,
    /// Divide each term column by its largest absolute value (scikit-learn's `MaxAbsScaler`,
    /// which keeps the matrix sparse). Default `false`.
    pub max_abs_scale: bool,
    /// Reduce each column's terms to this many truncated-SVD components (dense). `0` never
    /// reduces; unset (the default) reduces to [`AUTO_SVD_COMPONENTS`] only for models that
    /// cannot take sparse input.
    pub svd_components: Option<usize>,
}

impl Default for TextParams {
    fn default() -> Self {
        TextParams {
            vectorizer: Vectorizer::Tfidf,
            columns: Vec::new(),
            tfidf: fe::TfidfVectorizerParams::default(),
            hashing: fe::HashingVectorizerParams::default(),
            select_k_best: None,
            max_abs_scale: false,
            svd_components: None,
        }
    }
}

impl Params for TextParams {
    fn validate(&self) -> Result<()> {
        let prefixed = |e: Error, p: &str| match e {
            Error::InvalidParameter { name, reason } => Error::param(format!("{p}.{name}"), reason),
            other => other,
        };
        match self.vectorizer {
            Vectorizer::Tfidf => self
                .tfidf
                .validate()
                .map_err(|e| prefixed(e, "text.tfidf"))?,
            Vectorizer::Hashing => self
                .hashing
                .validate()
                .map_err(|e| prefixed(e, "text.hashing"))?,
            Vectorizer::None => {}
        }
        if self.select_k_best == Some(0) {
            return Err(Error::param(
                "text.select_k_best",
                "must be at least 1, got 0",
            ));
        }
        Ok(())
    }
}

/// The name of the sparse feature block of a LIBSVM file read sparse, in messages and
/// descriptions; its column `j` (the file's index `j`) is named `f{j}`.
pub const SPARSE_BLOCK: &str = "LIBSVM features";

/// What a fitted column reads: a text column's documents, or the sparse feature block.
pub(crate) enum Input<'a> {
    /// One document per row.
    Docs(&'a [Option<String>]),
    /// The sparse feature block (CSR).
    Matrix(&'a CsMat<f64>),
}

/// A fitted vectorizer (new variants go last: the model payload numbers them).
#[derive(Debug, Clone, Serialize, Deserialize)]
enum FittedVectorizer {
    Tfidf(fe::TfidfVectorizer),
    Hashing(fe::HashingVectorizerParams),
    /// The sparse feature block as it is, `width` columns wide.
    Given {
        width: usize,
    },
}

impl FittedVectorizer {
    fn transform(&self, input: Input<'_>) -> Result<CsMat<f64>> {
        match (self, input) {
            (FittedVectorizer::Tfidf(v), Input::Docs(d)) => v.transform(d),
            (FittedVectorizer::Hashing(p), Input::Docs(d)) => p.transform(d),
            (FittedVectorizer::Given { width }, Input::Matrix(m)) => widen(m, *width),
            _ => Err(Error::Internal(
                "a text column read as a matrix or back".into(),
            )),
        }
    }

    fn names(&self, column: &str) -> Vec<String> {
        match self {
            FittedVectorizer::Tfidf(v) => v
                .feature_names_out()
                .iter()
                .map(|t| format!("{column}:{t}"))
                .collect(),
            FittedVectorizer::Hashing(p) => (0..p.n_features)
                .map(|j| format!("{column}:hash{j}"))
                .collect(),
            FittedVectorizer::Given { width } => (0..*width).map(|j| format!("f{j}")).collect(),
        }
    }
}

/// `m` (CSR) as `width` columns: a file whose largest feature index is smaller reads as the
/// training width; a larger one is an error naming it.
fn widen(m: &CsMat<f64>, width: usize) -> Result<CsMat<f64>> {
    let m = fe::sparse::as_csr(m).into_owned();
    if let Some(&j) = m.indices().iter().max()
        && j >= width
    {
        return Err(Error::InvalidData(format!(
            "the data has sparse feature f{j}, and the model was trained on f0…f{}",
            width.saturating_sub(1)
        )));
    }
    if m.data().iter().any(|v| !v.is_finite()) {
        return Err(Error::InvalidData(
            "a sparse feature value is NaN or infinite".into(),
        ));
    }
    let (indptr, indices, data) = m.into_raw_storage();
    let rows = indptr.len() - 1;
    CsMat::try_new((rows, width), indptr, indices, data)
        .map_err(|e| Error::Internal(format!("widening the sparse features: {e:?}")))
}

/// What a fitted text column gives the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Output {
    /// The sparse term matrix.
    Sparse,
    /// The term matrix densified.
    Dense,
    /// The truncated-SVD components (dense).
    Svd,
}

/// One fitted text column.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct FittedColumn {
    name: String,
    vectorizer: FittedVectorizer,
    /// The selected term columns (sorted), if `select_k_best` was set.
    keep: Option<Vec<usize>>,
    scaler: Option<fe::sparse::SparseMaxAbsScaler>,
    svd: Option<fe::TruncatedSvd>,
    output: Output,
    width: usize,
}

/// A block of model input columns from one text column.
pub(crate) enum Block {
    /// Dense columns.
    Dense(Array2<f64>),
    /// Sparse CSR columns.
    Sparse(CsMat<f64>),
}

impl Block {
    fn ncols(&self) -> usize {
        match self {
            Block::Dense(d) => d.ncols(),
            Block::Sparse(s) => s.cols(),
        }
    }
}

/// The fitted text stage: one fitted vectorizer (and its selection, scaling, SVD) per column.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FittedText {
    columns: Vec<FittedColumn>,
}

impl FittedText {
    /// Fit on the text columns (and sparse feature block) of `data` — its target is used by
    /// `select_k_best`; `sparse_model` says whether the model can take sparse input — and give
    /// the training rows' blocks too, so the training documents are vectorised once.
    pub(crate) fn fit_transform(
        params: &TextParams,
        data: &Dataset,
        sparse_model: bool,
        seed: u64,
    ) -> Result<(Self, Vec<Block>)> {
        params.validate()?;
        let mut columns = Vec::new();
        let mut blocks = Vec::new();
        if params.vectorizer != Vectorizer::None {
            for col in choose_columns(&params.columns, data.text())? {
                let (c, b) = fit_column(params, col, data, sparse_model, seed)?;
                columns.push(c);
                blocks.push(b);
            }
        }
        if let Some(block) = data.sparse() {
            let given = FittedVectorizer::Given {
                width: block.cols(),
            };
            let x = fe::sparse::as_csr(block).into_owned();
            let (c, b) = finish_column(params, SPARSE_BLOCK, given, x, data, sparse_model, seed)?;
            columns.push(c);
            blocks.push(b);
        }
        Ok((FittedText { columns }, blocks))
    }

    /// Whether no text column is used.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The text columns it reads, in order.
    pub fn column_names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// Whether any block reaches the model sparse.
    pub fn sparse(&self) -> bool {
        self.columns.iter().any(|c| c.output == Output::Sparse)
    }

    /// The names of the columns it adds, in order.
    pub fn feature_names_out(&self) -> Vec<String> {
        let mut out = Vec::new();
        for c in &self.columns {
            out.extend(column_names_out(c));
        }
        out
    }

    /// Each column it reads with the number of model columns it adds, in order (the sparse
    /// block of a LIBSVM file is named [`SPARSE_BLOCK`]).
    pub fn column_widths(&self) -> Vec<(&str, usize)> {
        self.columns
            .iter()
            .map(|c| (c.name.as_str(), c.width))
            .collect()
    }

    /// The number of columns it adds.
    pub fn width(&self) -> usize {
        self.columns.iter().map(|c| c.width).sum()
    }

    /// A line per text column: how it is vectorised and what reaches the model.
    pub fn describe(&self) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| {
                let how = match &c.vectorizer {
                    FittedVectorizer::Tfidf(v) => {
                        format!("TF-IDF, {} terms", v.feature_names_out().len())
                    }
                    FittedVectorizer::Hashing(p) => format!("hashed into {} columns", p.n_features),
                    FittedVectorizer::Given { width } => {
                        format!("{width} sparse columns f0…f{}", width.saturating_sub(1))
                    }
                };
                let sel = c
                    .keep
                    .as_ref()
                    .map(|k| format!(", {} kept by chi2", k.len()))
                    .unwrap_or_default();
                let out = match c.output {
                    Output::Sparse => "sparse".to_string(),
                    Output::Dense => format!("{} dense columns", c.width),
                    Output::Svd => format!("{} truncated-SVD components", c.width),
                };
                if c.name == SPARSE_BLOCK {
                    return format!("{SPARSE_BLOCK}: {how}{sel} → {out}");
                }
                format!("`{}`: {how}{sel} → {out}", c.name)
            })
            .collect()
    }

    /// The blocks for these documents, one per fitted column: `docs(name)` gives the column's
    /// documents (one per row).
    pub(crate) fn transform<'a>(
        &self,
        n_rows: usize,
        input: impl Fn(&str) -> Result<Input<'a>>,
    ) -> Result<Vec<Block>> {
        let mut blocks = Vec::with_capacity(self.columns.len());
        for c in &self.columns {
            let d = input(&c.name)?;
            let got = match &d {
                Input::Docs(d) => d.len(),
                Input::Matrix(m) => m.rows(),
            };
            if got != n_rows {
                return Err(Error::ShapeMismatch {
                    context: format!("rows of text column `{}`", c.name),
                    expected: n_rows,
                    got,
                });
            }
            blocks.push(transform_column(c, d)?);
        }
        Ok(blocks)
    }

    /// Whether it reads the sparse feature block of a LIBSVM file.
    pub fn reads_sparse_block(&self) -> bool {
        self.columns.iter().any(|c| c.name == SPARSE_BLOCK)
    }

    /// The text columns it reads (the sparse feature block left out), in order.
    pub fn text_column_names(&self) -> Vec<&str> {
        self.columns
            .iter()
            .filter(|c| c.name != SPARSE_BLOCK)
            .map(|c| c.name.as_str())
            .collect()
    }
}

fn column_names_out(c: &FittedColumn) -> Vec<String> {
    if c.output == Output::Svd {
        return (0..c.width).map(|k| format!("{}:svd{k}", c.name)).collect();
    }
    let all = c.vectorizer.names(&c.name);
    match &c.keep {
        Some(keep) => keep.iter().map(|&j| all[j].clone()).collect(),
        None => all,
    }
}

/// The text columns named in `wanted` (every one when empty), in the data's order; an unknown
/// name is an error listing the text columns.
fn choose_columns<'a>(wanted: &[String], text: &'a [TextColumn]) -> Result<Vec<&'a TextColumn>> {
    if wanted.is_empty() {
        return Ok(text.iter().collect());
    }
    for w in wanted {
        if !text.iter().any(|c| &c.name == w) {
            let names: Vec<&str> = text.iter().map(|c| c.name.as_str()).collect();
            let near = satori_core::closest_names(w, names.iter().copied(), 1);
            let hint = near
                .first()
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            return Err(Error::param(
                "text.columns",
                format!(
                    "`{w}` is not a text column of the data{hint}; text columns: {}",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ),
            ));
        }
    }
    Ok(text.iter().filter(|c| wanted.contains(&c.name)).collect())
}

fn fit_column(
    params: &TextParams,
    col: &TextColumn,
    data: &Dataset,
    sparse_model: bool,
    seed: u64,
) -> Result<(FittedColumn, Block)> {
    let context = |e: Error| match e {
        Error::InvalidData(m) => Error::InvalidData(format!(
            "text column `{}`: {m}; leave it out with `--set text.columns=[...]` naming the \
             others, or use no text with `--set text.vectorizer=none`",
            col.name
        )),
        other => other,
    };
    let (vectorizer, x) = match params.vectorizer {
        Vectorizer::Tfidf => {
            let (v, x) = params.tfidf.fit_transform(&col.values).map_err(context)?;
            (FittedVectorizer::Tfidf(v), x)
        }
        Vectorizer::Hashing => {
            let x = params.hashing.transform(&col.values).map_err(context)?;
            (FittedVectorizer::Hashing(params.hashing.clone()), x)
        }
        Vectorizer::None => return Err(Error::Internal("no vectorizer to fit".into())),
    };
    finish_column(params, &col.name, vectorizer, x, data, sparse_model, seed)
}

/// Selection, scaling and the choice of output for a vectorised column `x`.
fn finish_column(
    params: &TextParams,
    name: &str,
    vectorizer: FittedVectorizer,
    mut x: CsMat<f64>,
    data: &Dataset,
    sparse_model: bool,
    seed: u64,
) -> Result<(FittedColumn, Block)> {
    let keep = match params.select_k_best {
        Some(k) => {
            let keep = chi2_best(&x, data, k, name)?;
            x = select_columns(&x, &keep);
            Some(keep)
        }
        None => None,
    };
    let scaler = if params.max_abs_scale {
        let s = fe::sparse::SparseMaxAbsScaler::fit(&x)?;
        x = s.transform(&x)?;
        Some(s)
    } else {
        None
    };
    let (output, svd) = match params.svd_components {
        Some(0) if sparse_model => (Output::Sparse, None),
        Some(0) => (Output::Dense, None),
        Some(k) => (Output::Svd, Some(fit_svd(&x, k, seed, name)?)),
        None if sparse_model => (Output::Sparse, None),
        None if x.cols() <= AUTO_SVD_COMPONENTS => (Output::Dense, None),
        None => {
            // Fewer training rows than components: as many components as rows.
            let k = AUTO_SVD_COMPONENTS.min(x.rows()).max(1);
            (Output::Svd, Some(fit_svd(&x, k, seed, name)?))
        }
    };
    if output == Output::Dense && x.rows().saturating_mul(x.cols()) > MAX_DENSE_CELLS {
        return Err(Error::param(
            "text.svd_components",
            format!(
                "text column `{}` has {} term columns; densifying {} rows of them for a model \
                 without sparse input needs {} cells (the limit is {MAX_DENSE_CELLS}): reduce it \
                 with `--set text.svd_components=100`, keep fewer terms \
                 (`text.tfidf.max_features`, `text.select_k_best`), or use a linear model",
                name,
                x.cols(),
                x.rows(),
                x.rows().saturating_mul(x.cols())
            ),
        ));
    }
    let width = match &svd {
        Some(s) => s.n_components(),
        None => x.cols(),
    };
    let column = FittedColumn {
        name: name.to_string(),
        vectorizer,
        keep,
        scaler,
        svd,
        output,
        width,
    };
    let block = output_block(&column, x)?;
    Ok((column, block))
}

fn fit_svd(x: &CsMat<f64>, k: usize, seed: u64, name: &str) -> Result<fe::TruncatedSvd> {
    let most = x.rows().min(x.cols());
    if k > most || (k == most && k == x.cols()) {
        return Err(Error::param(
            "text.svd_components",
            format!(
                "text column `{name}` gives {} rows × {} term columns, too few for {k} SVD \
                 components (at most {}); lower it, or set it to 0 to keep the terms",
                x.rows(),
                x.cols(),
                most.min(x.cols().saturating_sub(1)).max(1)
            ),
        ));
    }
    fe::TruncatedSvdParams {
        n_components: k,
        seed,
        ..Default::default()
    }
    .fit_csr(x)
}

/// The `k` columns that score highest against the target, sorted by index (scikit-learn's
/// `SelectKBest(chi2, k)` for classes, `SelectKBest(f_regression, k)` for a continuous target;
/// ties keep the later column, NaN scores rank lowest).
fn chi2_best(x: &CsMat<f64>, data: &Dataset, k: usize, name: &str) -> Result<Vec<usize>> {
    let scores = match data.require_target()? {
        satori_core::Target::Classes { codes, labels } => {
            let y: Vec<usize> = codes.to_vec();
            fe::sparse::chi2_csr(x, &y, labels.len())
                .map_err(|e| match e {
                    Error::InvalidData(m) => Error::InvalidData(format!(
                        "text column `{name}`: {m} (hashing with `text.hashing.alternate_sign = \
                         false` gives non-negative counts)"
                    )),
                    other => other,
                })?
                .0
                .to_vec()
        }
        satori_core::Target::Continuous(y) => fe::select::f_regression_csr(x, y.view())?.0.to_vec(),
    };
    if k >= scores.len() {
        return Ok((0..scores.len()).collect());
    }
    let key = |v: f64| if v.is_nan() { f64::NEG_INFINITY } else { v };
    let mut order: Vec<usize> = (0..scores.len()).collect();
    // Stable ascending sort, then the last k: numpy's `argsort(kind="mergesort")[-k:]`.
    order.sort_by(|&a, &b| key(scores[a]).total_cmp(&key(scores[b])));
    let mut keep = order[order.len() - k..].to_vec();
    keep.sort_unstable();
    Ok(keep)
}

/// The columns `keep` (sorted) of a CSR matrix, renumbered.
fn select_columns(x: &CsMat<f64>, keep: &[usize]) -> CsMat<f64> {
    let mut map = vec![usize::MAX; x.cols()];
    for (new, &old) in keep.iter().enumerate() {
        map[old] = new;
    }
    let mut indptr = Vec::with_capacity(x.rows() + 1);
    let mut indices = Vec::new();
    let mut values = Vec::new();
    indptr.push(0);
    for row in x.outer_iterator() {
        for (j, &v) in row.iter() {
            if map[j] != usize::MAX {
                indices.push(map[j]);
                values.push(v);
            }
        }
        indptr.push(indices.len());
    }
    CsMat::new((x.rows(), keep.len()), indptr, indices, values)
}

fn transform_column(c: &FittedColumn, input: Input<'_>) -> Result<Block> {
    let mut x = c.vectorizer.transform(input)?;
    if let Some(keep) = &c.keep {
        x = select_columns(&x, keep);
    }
    if let Some(s) = &c.scaler {
        x = s.transform(&x)?;
    }
    output_block(c, x)
}

/// What column `c` gives the model from its vectorised, selected and scaled terms `x`.
fn output_block(c: &FittedColumn, x: CsMat<f64>) -> Result<Block> {
    Ok(match (&c.svd, c.output) {
        (Some(svd), _) => Block::Dense(svd.transform_csr(&x)?),
        (None, Output::Sparse) => Block::Sparse(x),
        (None, _) => Block::Dense(fe::sparse::csr_to_dense(&x)),
    })
}

/// The input of fitted column `name` in a dataset.
pub(crate) fn dataset_input<'a>(data: &'a Dataset, name: &str) -> Result<Input<'a>> {
    if name == SPARSE_BLOCK {
        return data.sparse().map(Input::Matrix).ok_or_else(|| {
            Error::InvalidData(
                "the model reads sparse LIBSVM features, and the data has none".into(),
            )
        });
    }
    data.text()
        .iter()
        .find(|c| c.name == name)
        .map(|c| Input::Docs(c.values.as_slice()))
        .ok_or_else(|| missing_text(name))
}

/// The input of fitted column `name` in a table.
pub(crate) fn table_input<'a>(table: &'a satori_data::Table, name: &str) -> Result<Input<'a>> {
    if name == SPARSE_BLOCK {
        return table.sparse.as_ref().map(Input::Matrix).ok_or_else(|| {
            Error::InvalidData(format!(
                "the model reads sparse LIBSVM features, and {} has none (read a LIBSVM file with \
                 the model's read options)",
                table.source
            ))
        });
    }
    let (schema, column) = table.column(name).map_err(|_| missing_text(name))?;
    match column {
        satori_data::Column::Strings(v) => Ok(Input::Docs(v)),
        satori_data::Column::Values(_) => Err(Error::InvalidData(format!(
            "the model reads `{name}` as text, and it was read as {} (read the file with the \
             model's read options, or declare it `text` in a schema file)",
            schema.kind.name()
        ))),
    }
}

fn missing_text(name: &str) -> Error {
    Error::InvalidData(format!(
        "the model reads the text column `{name}`, and the data has no such text column"
    ))
}

/// What the model reads: the numeric columns after the steps, joined by the text blocks.
pub(crate) enum ModelInput {
    /// Every column dense.
    Dense(Array2<f64>),
    /// Everything as one CSR matrix (numeric columns first).
    Sparse(CsMat<f64>),
}

/// Join the numeric columns `z` and the text blocks: dense when every block is dense, else one
/// CSR matrix (a `NaN` among the numeric columns is then an error: sparse models need imputed
/// input).
pub(crate) fn assemble(z: Array2<f64>, blocks: Vec<Block>) -> Result<ModelInput> {
    if blocks.is_empty() {
        return Ok(ModelInput::Dense(z));
    }
    if blocks.iter().all(|b| matches!(b, Block::Dense(_))) {
        let mut views: Vec<ArrayView2<'_, f64>> = vec![z.view()];
        for b in &blocks {
            if let Block::Dense(d) = b {
                views.push(d.view());
            }
        }
        let joined = ndarray::concatenate(ndarray::Axis(1), &views)
            .map_err(|e| Error::Internal(format!("joining text columns: {e}")))?;
        return Ok(ModelInput::Dense(joined));
    }
    if z.ncols() == 0 && blocks.len() == 1 {
        // One sparse block and nothing else (a LIBSVM file, a lone text column): it is the model
        // input as it is, without a copy.
        if let Some(Block::Sparse(m)) = blocks.into_iter().next() {
            return Ok(ModelInput::Sparse(m));
        }
        return Err(Error::Internal("a lone dense block was not joined".into()));
    }
    if z.iter().any(|v| v.is_nan()) {
        return Err(Error::InvalidData(
            "a model reading sparse text features needs numeric columns without missing values; \
             keep the automatic preprocessing (it imputes) or add a `simple_imputer` step"
                .into(),
        ));
    }
    let n = z.nrows();
    let width = z.ncols() + blocks.iter().map(Block::ncols).sum::<usize>();
    let mut indptr = Vec::with_capacity(n + 1);
    let mut indices = Vec::new();
    let mut values = Vec::new();
    indptr.push(0);
    for i in 0..n {
        for (j, &v) in z.row(i).iter().enumerate() {
            if v != 0.0 {
                indices.push(j);
                values.push(v);
            }
        }
        let mut offset = z.ncols();
        for b in &blocks {
            match b {
                Block::Dense(d) => {
                    for (j, &v) in d.row(i).iter().enumerate() {
                        if v != 0.0 {
                            indices.push(offset + j);
                            values.push(v);
                        }
                    }
                }
                Block::Sparse(s) => {
                    if let Some(row) = s.outer_view(i) {
                        for (j, &v) in row.iter() {
                            indices.push(offset + j);
                            values.push(v);
                        }
                    }
                }
            }
            offset += b.ncols();
        }
        indptr.push(indices.len());
    }
    CsMat::try_new((n, width), indptr, indices, values)
        .map(ModelInput::Sparse)
        .map_err(|e| Error::Internal(format!("joining sparse text columns: {e:?}")))
}
