//! Which input column each feature the model sees comes from.
//!
//! The preprocessing steps name their output features from their input names
//! ([`FittedPipeline::feature_names_out`]): a scaler keeps the name, a one-hot encoder writes
//! `colour_red`, date features `when_year`, while a step that mixes columns writes names of its
//! own (`pca0`) or joins several (`a b` for a polynomial term). So the steps are asked to name
//! their outputs from *marker* names — one unique marker per input column — and each output
//! name is read back: exactly one marker means the feature comes from that column alone; none,
//! or several, means it mixes columns, and contributions cannot be summed back per column.

use satori_pipeline::FittedPipeline;
use satori_pipeline::text::SPARSE_BLOCK;

/// The marker standing for input column `j` (control characters no column name holds).
fn marker(j: usize) -> String {
    format!("\u{1}{j}\u{2}")
}

/// The markers found in `name`, in order.
fn markers_in(name: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut rest = name;
    while let Some(start) = rest.find('\u{1}') {
        let after = &rest[start + 1..];
        match after.find('\u{2}') {
            Some(end) => {
                if let Ok(j) = after[..end].parse::<usize>() {
                    out.push(j);
                }
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// The source input column of each model feature; `Err` with the first feature that mixes
/// columns (named as the pipeline names it) when any does.
pub(crate) fn feature_sources(pipeline: &FittedPipeline) -> Result<Vec<usize>, String> {
    let n_in = pipeline.input_schema().len();
    let markers: Vec<String> = (0..n_in).map(marker).collect();
    let marked = pipeline
        .steps()
        .iter()
        .fold(markers, |names, step| step.feature_names_out(&names));
    let real = pipeline.feature_names_out();
    sources_from_names(&marked, &real)
}

/// The columns an exact explanation reports — the input columns, then each text column (its
/// vectorised features summed back to it), then, for a LIBSVM file's sparse block, each of its
/// features on its own — and the reported column of every model feature, in the model's order.
/// `Err` with the first feature that mixes input columns.
pub(crate) fn explained_columns(
    pipeline: &FittedPipeline,
) -> Result<(Vec<String>, Vec<usize>), String> {
    let mut sources = feature_sources(pipeline)?;
    let mut columns: Vec<String> = pipeline
        .input_schema()
        .names()
        .map(str::to_string)
        .collect();
    let names = pipeline.feature_names_out();
    for (name, width) in pipeline.text().column_widths() {
        if name == SPARSE_BLOCK {
            for f in 0..width {
                sources.push(columns.len());
                columns.push(
                    names
                        .get(sources.len() - 1)
                        .cloned()
                        .unwrap_or_else(|| format!("f{f}")),
                );
            }
        } else {
            sources.extend(std::iter::repeat_n(columns.len(), width));
            columns.push(name.to_string());
        }
    }
    Ok((columns, sources))
}

/// [`feature_sources`] from the marked names and the real ones (for the error message).
fn sources_from_names(marked: &[String], real: &[String]) -> Result<Vec<usize>, String> {
    marked
        .iter()
        .enumerate()
        .map(|(f, name)| {
            let found = markers_in(name);
            match found.as_slice() {
                [j] => Ok(*j),
                _ => Err(real
                    .get(f)
                    .cloned()
                    .unwrap_or_else(|| format!("feature {f}"))),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_read_back() {
        assert_eq!(markers_in(&marker(12)), vec![12]);
        assert_eq!(markers_in(&format!("{}_red", marker(3))), vec![3]);
        assert_eq!(
            markers_in(&format!("{} {}", marker(0), marker(4))),
            vec![0, 4]
        );
        assert!(markers_in("pca0").is_empty());
    }

    #[test]
    fn mixed_features_are_named() {
        let marked = vec![marker(0), format!("{}_a", marker(1)), "pca0".to_string()];
        let real = vec!["x".to_string(), "c_a".to_string(), "pca0".to_string()];
        assert_eq!(sources_from_names(&marked, &real).unwrap_err(), "pca0");
        assert_eq!(
            sources_from_names(&marked[..2], &real[..2]).unwrap(),
            vec![0, 1]
        );
    }
}
