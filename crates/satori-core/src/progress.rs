//! Progress reporting without a terminal dependency.

/// Receives progress from long-running library work. The CLI implements it with a progress bar
/// on a terminal and log lines elsewhere; the library only calls it. Implementations must be cheap
/// to call and safe to share between threads.
pub trait Progress: Send + Sync {
    /// A new stage of work begins; `total` units are expected, if known.
    fn start(&self, stage: &str, total: Option<u64>);
    /// `n` more units are done.
    fn advance(&self, n: u64);
    /// The current stage is done.
    fn finish(&self);
    /// A note for the user (e.g. rows dropped, a column ignored).
    fn note(&self, message: &str) {
        let _ = message;
    }
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _stage: &str, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}
