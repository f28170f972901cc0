//! satori's side of `bench/bench_text_svd.py`: TF-IDF (scikit-learn's defaults) of a corpus
//! file, one document per line, then a randomized `TruncatedSVD` of the sparse result.
//!
//! ```text
//! cargo run --release -p satori-features --example bench_text_svd -- CORPUS N_COMPONENTS
//! ```
//!
//! Reading the file is not timed. The last line printed is a JSON report: `seconds` (TF-IDF +
//! SVD), `tfidf_seconds`, `svd_seconds`, the vocabulary size, the non-zeros, and the first
//! singular values for a cross-check against scikit-learn.

use std::time::Instant;

use satori_features::{TfidfVectorizerParams, TruncatedSvdParams};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (path, k) = match args.as_slice() {
        [_, path, k] => (path.clone(), k.parse::<usize>()?),
        _ => return Err("usage: bench_text_svd CORPUS N_COMPONENTS".into()),
    };
    let text = std::fs::read_to_string(&path)?;
    let docs: Vec<&str> = text.lines().collect();
    let t = Instant::now();
    let (tfidf, x) = TfidfVectorizerParams::default().fit_transform(&docs)?;
    let tfidf_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let svd = TruncatedSvdParams {
        n_components: k,
        ..Default::default()
    }
    .fit_csr(&x)?;
    let svd_seconds = t.elapsed().as_secs_f64();
    let sv: Vec<f64> = svd.singular_values().iter().take(3).copied().collect();
    println!(
        "{{\"seconds\": {}, \"tfidf_seconds\": {tfidf_seconds}, \"svd_seconds\": {svd_seconds}, \
         \"n_terms\": {}, \"nnz\": {}, \"sv\": {:?}, \"evr_sum\": {}}}",
        tfidf_seconds + svd_seconds,
        tfidf.feature_names_out().len(),
        x.nnz(),
        sv,
        svd.explained_variance_ratio().sum()
    );
    Ok(())
}
