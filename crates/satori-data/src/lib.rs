//! # satori-data
//!
//! Reading data into satori: CSV (delimiter detection, quoting, BOM, missing markers), Parquet and
//! LIBSVM/svmlight files; schema inference over whole columns with overrides; turning a table into
//! a [`satori_core::Dataset`] with a target; seeded splits; synthetic and bundled datasets.
#![warn(missing_docs)]

// Reading, schema inference, tables (owned by the reader work).
mod read;
mod table;
pub use read::dataset::{MAX_INFERRED_CLASSES, TargetClasses, UnseenCategories};
pub use read::infer::{MIN_ID_ROWS, max_categories, sort_categories};
pub use read::{
    load_schema_file, parquet_row_groups, parse_schema, read_bytes, read_csv_bytes,
    read_parquet_row_groups, read_table,
};
pub use table::*;

// Splits, synthetic generators, writers and bundled datasets (owned by the splits/generator work).
pub mod bundled;
pub mod chunks;
pub mod fuzz_targets;
pub mod profile;
pub mod splits;
pub mod synth;
pub mod write;
