//! Progress on the terminal: a bar when stderr is a terminal, log lines elsewhere.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use satori_core::Progress;

/// How chatty the CLI is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// `-q`: errors only.
    Quiet,
    /// Default.
    Normal,
    /// `-v`: notes and timings.
    Verbose,
}

/// The CLI's [`Progress`]: an indicatif bar on a terminal, a log line per stage elsewhere.
pub struct TermProgress {
    verbosity: Verbosity,
    terminal: bool,
    state: Mutex<Option<Stage>>,
    log_every: std::time::Duration,
    /// The columns notes have been about: a second note about one is not printed (the reader
    /// and the training summary both describe an identifier column, say).
    noted: Mutex<std::collections::BTreeSet<String>>,
}

/// The stage in progress.
struct Stage {
    bar: ProgressBar,
    started: Instant,
    name: String,
    /// When the last log line was printed (piped runs).
    logged: Instant,
    total: Option<u64>,
}

/// How often a piped run prints a progress line for a long stage: every 5 seconds, or every
/// `SATORI_PROGRESS_EVERY` seconds.
fn log_every() -> std::time::Duration {
    let secs = std::env::var("SATORI_PROGRESS_EVERY")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(5.0);
    std::time::Duration::from_secs_f64(secs)
}

impl TermProgress {
    pub fn new(verbosity: Verbosity) -> Self {
        TermProgress {
            verbosity,
            terminal: std::io::stderr().is_terminal(),
            state: Mutex::new(None),
            log_every: log_every(),
            noted: Mutex::new(std::collections::BTreeSet::new()),
        }
    }

    /// Print a note on stderr unless quiet.
    pub fn say(&self, message: &str) {
        if self.verbosity > Verbosity::Quiet {
            eprintln!("{message}");
        }
    }
}

impl Progress for TermProgress {
    fn start(&self, stage: &str, total: Option<u64>) {
        if self.verbosity == Verbosity::Quiet {
            return;
        }
        let bar = if self.terminal {
            let bar = match total {
                Some(n) => ProgressBar::new(n).with_style(
                    ProgressStyle::with_template(
                        "{msg:>12} [{bar:30}] {pos}/{len} {elapsed_precise} eta {eta}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                ),
                None => ProgressBar::new_spinner(),
            };
            bar.set_message(stage.to_string());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        } else {
            if self.verbosity == Verbosity::Verbose {
                eprintln!("[satori] {stage}…");
            }
            ProgressBar::hidden()
        };
        if let Ok(mut s) = self.state.lock() {
            let now = Instant::now();
            *s = Some(Stage {
                bar,
                started: now,
                name: stage.to_string(),
                logged: now,
                total,
            });
        }
    }

    fn advance(&self, n: u64) {
        if let Ok(mut s) = self.state.lock()
            && let Some(stage) = s.as_mut()
        {
            stage.bar.inc(n);
            // Piped (a log, a CI job): a line every few seconds while a long stage runs.
            if !self.terminal
                && self.verbosity > Verbosity::Quiet
                && stage.logged.elapsed() >= self.log_every
            {
                stage.logged = Instant::now();
                let pos = stage.bar.position();
                let done = match stage.total {
                    Some(t) if t > 0 => {
                        format!("{pos}/{t} ({:.0}%)", 100.0 * pos as f64 / t as f64)
                    }
                    _ => pos.to_string(),
                };
                eprintln!(
                    "[satori] {}: {done}, {:.0?} so far",
                    stage.name,
                    stage.started.elapsed()
                );
            }
        }
    }

    fn finish(&self) {
        if let Ok(mut s) = self.state.lock()
            && let Some(stage) = s.take()
        {
            stage.bar.finish_and_clear();
            // A stage that printed progress lines says when it is done, too.
            let logged = stage.logged != stage.started;
            if self.verbosity == Verbosity::Verbose || (logged && !self.terminal) {
                eprintln!(
                    "[satori] {}: done in {:.2?}",
                    stage.name,
                    stage.started.elapsed()
                );
            }
        }
    }

    fn note(&self, message: &str) {
        if let Some(column) = noted_column(message)
            && let Ok(mut noted) = self.noted.lock()
            && !noted.insert(column.to_string())
        {
            return;
        }
        self.say(&format!("note: {message}"));
    }
}

/// The column a note is about, for notes that start with "column `name`".
fn noted_column(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("column `")?;
    rest.split_once('`').map(|(name, _)| name)
}
