//! `satori train DATA --distributed` under an MPI launcher: each rank reads its shard, the ranks
//! agree on one schema, train gradient boosting data-parallel, and rank 0 writes the model file
//! and prints the report (see docs/distributed.md).

use satori_core::NoProgress;
use satori_core::collective::{Collective, agree};
use satori_data::{ReadOptions, TargetSpec};
use satori_distributed::shard::{agree_schema, plan, read_shard};
use satori_pipeline::model_file;
use satori_workflow::distributed::train_distributed;

use super::train::{TrainArgs, check_outputs, extra_inputs, print_summary, request_of, summary_of};
use crate::args::read_options;
use crate::output::print_json;
use crate::progress::TermProgress;

/// Refuse, before MPI starts, what `--distributed` does not do.
fn refuse(args: &TrainArgs, several: bool) -> anyhow::Result<()> {
    let no = |given: bool, flag: &str, why: &str| -> anyhow::Result<()> {
        if given {
            return Err(satori_core::Error::param(flag, why).into());
        }
        Ok(())
    };
    let one = "is not available with --distributed (it needs every row on one process); see \
               docs/distributed.md";
    no(several, "--target", "one target with --distributed")?;
    no(args.report.is_some(), "--report", one)?;
    no(args.plots.is_some(), "--plots", one)?;
    no(args.what.model_name() == "auto", "--model auto", one)?;
    no(args.valid.is_some(), "--valid", one)?;
    no(args.init_from.is_some(), "--init-from", one)?;
    no(args.continue_from.is_some(), "--continue-from", one)?;
    no(args.tune_threshold.is_some(), "--tune-threshold", one)?;
    no(args.cost_matrix.is_some(), "--cost-matrix", one)?;
    no(args.anomaly_detector, "--anomaly-detector", one)?;
    no(
        crate::stdio::is_dash(&args.data),
        "DATA",
        "standard input cannot be split among ranks: give a file or a folder",
    )
}

pub fn run(args: TrainArgs, progress: &TermProgress) -> anyhow::Result<()> {
    let args = &args;
    let specs = args.what.target_specs_kept(&args.read)?;
    refuse(args, specs.len() > 1)?;
    check_outputs(args)?;
    let opts = &read_options(&args.read)?;
    let comm = satori_distributed::world()?;
    let comm: &dyn Collective = comm.as_ref();
    let result = on_ranks(args, specs, opts, progress, comm);
    stop_all_on_error(comm, result)
}

/// On an error with several ranks: rank 0 says what failed, and another rank says so only for
/// its own failure (an error every rank agreed on is rank 0's to report); then the whole job
/// stops (MPI_Abort), since a rank waiting in a collective for the failed one would wait
/// forever. Results and one-rank errors pass through.
pub(crate) fn stop_all_on_error<T>(
    comm: &dyn Collective,
    result: anyhow::Result<T>,
) -> anyhow::Result<T> {
    if let Err(e) = &result
        && comm.size() > 1
    {
        let msg = format!("{e:#}");
        if comm.rank() == 0 {
            say_error(&format!("error: {msg}"));
        } else if !echoes_another_rank(&msg) {
            say_error(&format!("error (rank {}): {msg}", comm.rank()));
        }
        comm.abort(1);
    }
    result
}

/// Every rank's part of the run; rank 0 writes and reports.
fn on_ranks(
    args: &TrainArgs,
    specs: Vec<TargetSpec>,
    opts: &ReadOptions,
    progress: &TermProgress,
    comm: &dyn Collective,
) -> anyhow::Result<()> {
    let quiet = NoProgress;
    let progress_here: &dyn satori_core::Progress =
        if comm.rank() == 0 { progress } else { &quiet };
    let shard = agree(comm, plan(&args.data, comm.rank(), comm.size()))?;
    let tables = agree(comm, read_shard(&shard, opts))?;
    let table = agree_schema(comm, tables, &shard)?;
    let request = request_of(args, specs)?;
    let outcome = train_distributed(&table, &request, comm, progress_here)?;
    let Some(mut outcome) = outcome else {
        return Ok(());
    };
    if args.data.is_file() {
        outcome.header.provenance.data_checksum = Some(model_file::file_checksum(&args.data)?);
    }
    if let Some(out) = &args.out {
        model_file::save(out, &outcome.header, &outcome.pipeline)?;
    }
    let summary = summary_of(args, &outcome, None);
    if args.json {
        return print_json(&summary);
    }
    progress.say(&format!(
        "Trained on {} ranks ({} rows in all; rank 0 reads {}).",
        comm.size(),
        outcome.rows.n_rows,
        shard.describe()
    ));
    let extra = extra_inputs(outcome.pipeline.text());
    print_summary(&summary, &extra, progress);
    Ok(())
}

/// Whether an error is another rank's, echoed by `agree` ("rank N failed: …").
pub(crate) fn echoes_another_rank(msg: &str) -> bool {
    msg.match_indices("rank ").any(|(i, _)| {
        let rest = &msg[i + 5..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        digits > 0 && rest[digits..].starts_with(" failed: ")
    })
}

/// One line on standard error in one write, so that ranks' lines do not interleave.
pub(crate) fn say_error(line: &str) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
}
