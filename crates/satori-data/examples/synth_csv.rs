//! Write the benchmarks' synthetic binary-classification set as CSV: the data set of
//! `bench/run.sh data_loading` (see `docs/benchmarks.md`), until `satori generate` makes it.
//!
//! ```text
//! cargo run --release -p satori-data --example synth_csv -- 1000000 bench/data/synth.csv
//! ```
//!
//! The set is [`ClassificationParams`] with 28 features (8 informative, 4 redundant, 16 noise),
//! two balanced classes, 1% label noise and seed 42. The header is `f0..f27,target`; every float
//! is written in its shortest round-trip form, so the file holds exactly the generated doubles,
//! and the target is the class label `0` or `1`. Prints `{"rows", "cols", "seconds"}` as JSON. A
//! bad argument or an unwritable path is a message on stderr and exit code 1.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use satori_core::{Dataset, Error, Result, Target};
use satori_data::synth::ClassificationParams;

/// Features in the benchmark set.
const N_FEATURES: usize = 28;
/// Its seed.
const SEED: u64 = 42;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [rows, path] = args.as_slice() else {
        eprintln!(
            "usage: synth_csv <rows> <out.csv> (got {} arguments)",
            args.len()
        );
        return ExitCode::from(2);
    };
    let Ok(rows) = rows.parse::<usize>() else {
        eprintln!("error: <rows> must be a whole number, got `{rows}`");
        return ExitCode::from(1);
    };
    let start = Instant::now();
    match generate(rows).and_then(|data| write_csv(&data, Path::new(path))) {
        Ok(()) => {
            let seconds = start.elapsed().as_secs_f64();
            println!(
                r#"{{"rows": {rows}, "cols": {}, "seconds": {seconds}}}"#,
                N_FEATURES + 1
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(1)
        }
    }
}

/// The benchmark set with `rows` rows.
fn generate(rows: usize) -> Result<Dataset> {
    ClassificationParams {
        n_samples: rows,
        n_features: N_FEATURES,
        n_informative: 8,
        n_redundant: 4,
        seed: SEED,
        ..Default::default()
    }
    .generate()
}

/// Write `data` with its target as the last column `target`, floats in shortest round-trip
/// form (Rust's `{:?}`: e.g. `-0.5`, `1.0`, `1.2345e-7`).
fn write_csv(data: &Dataset, path: &Path) -> Result<()> {
    let Some(Target::Classes { codes, labels }) = data.target() else {
        return Err(Error::Internal(
            "the synthetic set has no class target".into(),
        ));
    };
    let io = |e| Error::io(path, e);
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).map_err(io)?);
    let mut line = data.feature_names().join(",");
    line.push_str(",target\n");
    out.write_all(line.as_bytes()).map_err(io)?;
    for (row, &code) in data.x().rows().into_iter().zip(codes) {
        line.clear();
        for v in row {
            // Writing to a String cannot fail.
            let _ = write!(line, "{v:?},");
        }
        let label = labels.get(code).map_or("", String::as_str);
        line.push_str(label);
        line.push('\n');
        out.write_all(line.as_bytes()).map_err(io)?;
    }
    out.flush().map_err(io)
}
