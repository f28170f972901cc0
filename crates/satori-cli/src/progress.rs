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
    state: Mutex<Option<(ProgressBar, Instant, String)>>,
}

impl TermProgress {
    pub fn new(verbosity: Verbosity) -> Self {
        TermProgress {
            verbosity,
            terminal: std::io::stderr().is_terminal(),
            state: Mutex::new(None),
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
            *s = Some((bar, Instant::now(), stage.to_string()));
        }
    }

    fn advance(&self, n: u64) {
        if let Ok(s) = self.state.lock()
            && let Some((bar, _, _)) = s.as_ref()
        {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        if let Ok(mut s) = self.state.lock()
            && let Some((bar, started, stage)) = s.take()
        {
            bar.finish_and_clear();
            if self.verbosity == Verbosity::Verbose {
                eprintln!("[satori] {stage}: done in {:.2?}", started.elapsed());
            }
        }
    }

    fn note(&self, message: &str) {
        self.say(&format!("note: {message}"));
    }
}
