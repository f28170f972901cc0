//! `satori predict MODEL DATA --distributed --out PREDS/` under an MPI launcher: batch scoring
//! where each rank reads its shard of DATA (as `train --distributed` splits it) and writes one
//! prediction file per input file into the folder PREDS; rank 0 reports the total.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use satori_core::collective::{Collective, agree, allgather_u64};
use satori_distributed::shard::{Part, data_files, plan, read_shard};
use satori_pipeline::model_file;
use serde::Serialize;

use super::predict::{PredictArgs, anomaly_detector, predict_table};
use super::train_distributed::stop_all_on_error;
use crate::args::read_options;
use crate::output::print_json;
use crate::progress::TermProgress;

#[derive(Debug, Serialize)]
struct DistributedPredictJson {
    command: &'static str,
    model: String,
    data: String,
    ranks: usize,
    n_rows: u64,
    out: String,
    files: u64,
}

/// An anyhow error as the crate error `agree` carries (its message, user error or not).
fn as_core(e: anyhow::Error) -> satori_core::Error {
    match e.downcast::<satori_core::Error>() {
        Ok(e) => e,
        Err(e) => satori_core::Error::InvalidData(format!("{e:#}")),
    }
}

/// The checks that need no MPI: the output folder, and input files with distinct stems.
fn check(args: &PredictArgs) -> anyhow::Result<()> {
    let no = |flag: &str, why: &str| -> anyhow::Result<()> {
        Err(satori_core::Error::param(flag, why).into())
    };
    if crate::stdio::is_dash(&args.data) {
        return no(
            "DATA",
            "standard input cannot be split among ranks: give a file or a folder",
        );
    }
    if !args.out.is_dir() {
        return no(
            "--out",
            "with --distributed, an existing folder: each input file gets its prediction file \
             there",
        );
    }
    if args.data.is_dir() && same_place(&args.data, &args.out) {
        return no(
            "--out",
            "is the input folder: write the predictions to another folder",
        );
    }
    if args.data.is_dir() {
        let mut seen = BTreeSet::new();
        for f in data_files(&args.data)? {
            let stem = f.file_stem().map(|s| s.to_string_lossy().to_string());
            if !seen.insert(stem.clone()) {
                return no(
                    "DATA",
                    &format!(
                        "two input files are named {}.*: their prediction files would be one \
                         file",
                        stem.unwrap_or_default()
                    ),
                );
            }
        }
    }
    Ok(())
}

fn same_place(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Where each of this rank's tables' predictions go.
fn outputs(part: &Part, out: &Path, rank: usize) -> Vec<PathBuf> {
    match part {
        Part::Files(files) => files
            .iter()
            .map(|f| {
                let stem = f.file_stem().map(|s| s.to_string_lossy().to_string());
                out.join(format!("{}.csv", stem.unwrap_or_else(|| "part".into())))
            })
            .collect(),
        Part::CsvRange { .. } | Part::ParquetGroups { .. } => {
            vec![out.join(format!("part-{rank:05}.csv"))]
        }
    }
}

pub fn run(args: PredictArgs, progress: &TermProgress) -> anyhow::Result<()> {
    let args = &args;
    check(args)?;
    let (header, pipeline) = model_file::load(&args.model)?;
    let anomaly = anomaly_detector(args, &header)?;
    let comm = satori_distributed::world()?;
    let comm: &dyn Collective = comm.as_ref();
    // This rank's rows predicted and files written.
    let local: anyhow::Result<(u64, u64)> = (|| {
        let shard = plan(&args.data, comm.rank(), comm.size())?;
        let opts = pipeline.read_options(read_options(&args.read)?);
        let tables = read_shard(&shard, &opts)?;
        let mut n = 0u64;
        let outs = outputs(&shard.part, &args.out, comm.rank());
        for (table, out) in tables.iter().zip(&outs) {
            crate::stdio::check_output("--out", out, &[&args.model, &args.data])?;
            predict_table(args, &pipeline, anomaly, table, out, progress)?;
            n += table.n_rows() as u64;
        }
        Ok((n, outs.len() as u64))
    })();
    let (n, files) = stop_all_on_error(
        comm,
        agree(comm, local.map_err(as_core)).map_err(Into::into),
    )?;
    let counts = allgather_u64(comm, &[n, files])?;
    if comm.rank() != 0 {
        return Ok(());
    }
    let summary = DistributedPredictJson {
        command: "predict",
        model: args.model.display().to_string(),
        data: args.data.display().to_string(),
        ranks: comm.size(),
        n_rows: counts.iter().map(|c| c[0]).sum(),
        out: args.out.display().to_string(),
        files: counts.iter().map(|c| c[1]).sum(),
    };
    if args.json {
        return print_json(&summary);
    }
    show!(
        "Wrote {} predictions to {} file(s) in {} ({} ranks)",
        summary.n_rows,
        summary.files,
        summary.out,
        summary.ranks
    );
    Ok(())
}
