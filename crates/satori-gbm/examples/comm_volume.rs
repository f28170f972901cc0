//! What data-parallel boosting sends between ranks, measured: trains on N ranks (threads
//! standing in for MPI processes, through a counting wrapper of the `Collective` they share)
//! and prints the bytes and calls per rank, in all and per tree, as JSON.
//!
//!     cargo run --release -p satori-gbm --example comm_volume -- ROWS FEATURES RANKS TREES LEAVES
//!
//! Every collective is an allgather or an allreduce; "bytes" counts what one rank contributes
//! (an allreduce of a buffer counts the buffer once), the message size that the cost model of
//! docs/distributed.md scales. Also checks that every rank's model equals the one-process model.

use std::cell::Cell;

use satori_core::collective::{Collective, ThreadGroup};
use satori_core::{Estimator, NoProgress, Result};
use satori_gbm::GbmClassifierParams;
use satori_testkit::generate::Generator;

/// A `Collective` that counts what passes through it.
struct Counting<'a> {
    inner: &'a dyn Collective,
    bytes: Cell<u64>,
    calls: Cell<u64>,
}

impl Counting<'_> {
    fn count(&self, bytes: usize) {
        self.bytes.set(self.bytes.get() + bytes as u64);
        self.calls.set(self.calls.get() + 1);
    }
}

impl Collective for Counting<'_> {
    fn rank(&self) -> usize {
        self.inner.rank()
    }
    fn size(&self) -> usize {
        self.inner.size()
    }
    fn allgather_bytes(&self, local: &[u8]) -> Result<Vec<Vec<u8>>> {
        self.count(local.len());
        self.inner.allgather_bytes(local)
    }
    fn allreduce_sum(&self, buf: &mut [f64]) -> Result<()> {
        self.count(buf.len() * 8);
        // The thread group's allreduce gathers through allgather_bytes of the inner
        // collective, which is not counted again.
        self.inner.allreduce_sum(buf)
    }
    fn allreduce_max(&self, buf: &mut [f64]) -> Result<()> {
        self.count(buf.len() * 8);
        self.inner.allreduce_max(buf)
    }
}

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let (rows, features, ranks, trees, leaves) = (
        arg(1, 100_000),
        arg(2, 20),
        arg(3, 2),
        arg(4, 20),
        arg(5, 31),
    );
    let data = Generator::new(rows, features, 7).classification(2);
    let params: GbmClassifierParams = toml::from_str(&format!(
        "n_estimators = {trees}\nnum_leaves = {leaves}\nearly_stopping = \"off\""
    ))
    .expect("params");
    let one = params.fit(&data).expect("one process");
    let cuts: Vec<usize> = (0..=ranks).map(|r| rows * r / ranks).collect();
    let parts: Vec<_> = cuts
        .windows(2)
        .map(|w| {
            data.select_rows(&(w[0]..w[1]).collect::<Vec<_>>())
                .expect("rows")
        })
        .collect();
    let out = ThreadGroup::run(ranks, |c| {
        let counting = Counting {
            inner: c,
            bytes: Cell::new(0),
            calls: Cell::new(0),
        };
        let m = params
            .fit_distributed(&parts[c.rank()], &counting, &NoProgress)
            .expect("distributed fit");
        let same = postcard::to_allocvec(&m).ok() == postcard::to_allocvec(&one).ok();
        (counting.bytes.get(), counting.calls.get(), same)
    });
    let (bytes, calls, _) = out[0];
    println!(
        "{}",
        serde_json::json!({
            "rows": rows,
            "features": features,
            "ranks": ranks,
            "trees": trees,
            "num_leaves": leaves,
            "bytes_per_rank": bytes,
            "calls_per_rank": calls,
            "bytes_per_tree": bytes as f64 / trees as f64,
            "calls_per_tree": calls as f64 / trees as f64,
            "every_rank_equals_one_process": out.iter().all(|o| o.2),
        })
    );
}
