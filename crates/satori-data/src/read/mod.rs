//! The reading side: CSV, Parquet and LIBSVM readers, schema inference, schema files, and the
//! conversion of tables into datasets. The public entry points live in [`crate::table`].

pub(crate) mod blocks;
pub(crate) mod csv;
pub(crate) mod dataset;
pub(crate) mod infer;
pub(crate) mod libsvm;
pub(crate) mod parquet;
pub(crate) mod schema_file;
pub(crate) mod values;
