//! `-` as a file name: data read from standard input, results written to standard output.
//!
//! The readers and writers work on files (formats are sniffed, outputs are written atomically),
//! so standard input is spooled once into a private temporary folder and read from there, and an
//! output named `-` is written complete to that folder, then copied to standard output — a
//! failed command writes nothing to standard output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;

/// The temporary folder that holds standard input's copy; removed by [`cleanup`].
static SPOOL: Mutex<Option<(tempfile::TempDir, PathBuf)>> = Mutex::new(None);

/// Whether a path names standard input or output.
pub fn is_dash(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The file to read for `path`: `path` itself, or for `-` a copy of standard input (read once,
/// whichever command asks first; a Parquet stream is recognised by its magic bytes, anything
/// else is read as CSV).
pub fn input(path: &Path) -> anyhow::Result<PathBuf> {
    if !is_dash(path) {
        return Ok(path.to_path_buf());
    }
    let mut spool = SPOOL
        .lock()
        .map_err(|_| anyhow::anyhow!("standard input lock"))?;
    if let Some((_, file)) = spool.as_ref() {
        return Ok(file.clone());
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
        .context("reading standard input")?;
    if bytes.is_empty() {
        return Err(satori_core::Error::InvalidData(
            "standard input (`-`) is empty: pipe a data file in, e.g. `cat data.csv | satori …`"
                .into(),
        )
        .into());
    }
    let dir = tempfile::Builder::new()
        .prefix("satori-stdin")
        .tempdir()
        .context("a temporary folder for standard input")?;
    let name = if bytes.starts_with(b"PAR1") {
        "stdin.parquet"
    } else {
        "stdin.csv"
    };
    let file = dir.path().join(name);
    std::fs::write(&file, &bytes).context("spooling standard input")?;
    *spool = Some((dir, file.clone()));
    Ok(file)
}

/// Remove standard input's copy (at exit).
pub fn cleanup() {
    if let Ok(mut s) = SPOOL.lock() {
        s.take();
    }
}

/// Where a command writes one output: the named file, or for `-` a temporary file whose
/// contents go to standard output when [`Output::finish`] is called.
pub struct Output {
    path: PathBuf,
    stdout: Option<tempfile::TempDir>,
}

impl Output {
    /// An output for `--flag out`, checked like every output (its folder exists, it is not one of
    /// `inputs`) unless it is standard output.
    pub fn new(flag: &str, out: &Path, inputs: &[&Path]) -> anyhow::Result<Self> {
        if is_dash(out) {
            let dir = tempfile::Builder::new()
                .prefix("satori-stdout")
                .tempdir()
                .context("a temporary folder for standard output")?;
            return Ok(Output {
                path: dir.path().join("out.csv"),
                stdout: Some(dir),
            });
        }
        check_output(flag, out, inputs)?;
        Ok(Output {
            path: out.to_path_buf(),
            stdout: None,
        })
    }

    /// The file to write.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the output goes to standard output (then the human summary goes to stderr).
    pub fn is_stdout(&self) -> bool {
        self.stdout.is_some()
    }

    /// Copy a standard-output result to standard output; nothing for a named file.
    pub fn finish(self) -> anyhow::Result<()> {
        if self.stdout.is_some() {
            let mut file = std::fs::File::open(&self.path).context("reading the result back")?;
            let mut out = std::io::stdout().lock();
            std::io::copy(&mut file, &mut out).context("writing to standard output")?;
            out.flush().context("writing to standard output")?;
        }
        Ok(())
    }
}

/// Check an output path before any work is done: its folder must exist (outputs never create
/// folders) and it must not be one of the command's inputs.
pub fn check_output(flag: &str, out: &Path, inputs: &[&Path]) -> anyhow::Result<()> {
    satori_core::fs::check_output_path(out)?;
    satori_core::fs::refuse_overwriting_inputs(flag, out, inputs)?;
    Ok(())
}
