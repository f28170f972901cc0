//! Writing a dataset to Parquet.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMillisecondArray,
};
use arrow_schema::{Field, Schema as ArrowSchema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;
use satori_core::{ColumnKind, Dataset, Error, Result};

use super::{Cells, dataset_cells};

/// Largest magnitude below which every integer is exact in an `f64`.
const EXACT_INT: f64 = 9_007_199_254_740_992.0;

/// Write a dataset as a Parquet file (Snappy-compressed, each page with its CRC-32 checksum so
/// that a reader notices a page that changed on disk): feature columns then the target.
/// Numeric features are `Float64`, integer features `Int64` (when every value is a whole number),
/// booleans `Boolean`, datetimes `Timestamp(ms, UTC)`, categorical features and class labels
/// `Utf8`; missing values are nulls.
pub fn write_dataset_parquet(data: &Dataset, path: &Path) -> Result<()> {
    let (headers, cells) = dataset_cells(data)?;
    let kinds: Vec<Option<&ColumnKind>> = data
        .features()
        .columns
        .iter()
        .map(|c| Some(&c.kind))
        .chain(std::iter::once(None))
        .collect();
    let arrays: Vec<ArrayRef> = cells
        .par_iter()
        .zip(kinds.par_iter().take(cells.len()))
        .map(|(c, k)| to_arrow(c, *k))
        .collect();
    let fields: Vec<Field> = headers
        .iter()
        .zip(&arrays)
        .map(|(h, a)| Field::new(h.as_str(), a.data_type().clone(), true))
        .collect();
    let schema = Arc::new(ArrowSchema::new(fields));
    let internal =
        |e: &dyn std::fmt::Display| Error::Internal(format!("building Parquet output: {e}"));
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| internal(&e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let internal_pq = |e: parquet::errors::ParquetError| internal(&e);
    let mut writer =
        ArrowWriter::try_new(Vec::new(), schema, Some(props.clone())).map_err(internal_pq)?;
    writer.write(&batch).map_err(internal_pq)?;
    let plain = writer.into_inner().map_err(internal_pq)?;
    let bytes = super::page_crc::with_page_checksums(plain, props).map_err(internal_pq)?;
    // Complete or not at all: a temporary file beside `path`, renamed into place.
    satori_core::fs::write_atomic(path, &bytes)
}

fn opt(v: f64) -> Option<f64> {
    (!v.is_nan()).then_some(v)
}

fn to_arrow(cells: &Cells<'_>, kind: Option<&ColumnKind>) -> ArrayRef {
    match cells {
        Cells::Numbers(v) => {
            let integral = matches!(kind, Some(ColumnKind::Integer))
                && v.iter()
                    .all(|x| x.is_nan() || (x.fract() == 0.0 && x.abs() < EXACT_INT));
            if integral {
                Arc::new(
                    v.iter()
                        .map(|&x| opt(x).map(|x| x as i64))
                        .collect::<Int64Array>(),
                )
            } else {
                Arc::new(v.iter().map(|&x| opt(x)).collect::<Float64Array>())
            }
        }
        Cells::Booleans(v) => Arc::new(
            v.iter()
                .map(|&x| opt(x).map(|x| x != 0.0))
                .collect::<BooleanArray>(),
        ),
        Cells::Datetimes(v) => Arc::new(
            v.iter()
                .map(|&x| opt(x).map(|s| (s * 1000.0).round() as i64))
                .collect::<TimestampMillisecondArray>()
                .with_timezone("UTC"),
        ),
        Cells::Categories(v, cats) => Arc::new(
            v.iter()
                .map(|&x| {
                    opt(x)
                        .and_then(|x| cats.get(x as usize))
                        .map(String::as_str)
                })
                .collect::<StringArray>(),
        ),
        Cells::Strings(s) => Arc::new(s.iter().map(|t| t.as_deref()).collect::<StringArray>()),
        Cells::Labels(c, labels) => Arc::new(
            c.iter()
                .map(|&k| labels.get(k).map(String::as_str))
                .collect::<StringArray>(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::{DataType, TimeUnit};

    #[test]
    fn datetime_arrays_are_utc_milliseconds() {
        let v = ndarray::array![1.5, f64::NAN];
        let a = to_arrow(&Cells::Datetimes(v.view()), Some(&ColumnKind::Datetime));
        assert_eq!(
            a.data_type(),
            &DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
        );
        assert_eq!(a.null_count(), 1);
    }
}
