//! Output files appear complete or not at all.
//!
//! Every file a satori command writes (models, predictions, transformed data, reports, pictures,
//! weights) goes through [`OutputFile`] or [`write_atomic`]: the bytes go to a temporary file in
//! the target's own folder, which is renamed over the target only when complete. An error midway,
//! a panic or a killed process leaves the target as it was (at worst a stray temporary file named
//! `.<name>.<pid>-<n>.satori-tmp` beside it); two processes writing the same target leave one
//! complete file, never a mix of both.
//!
//! One rule for where outputs may go ([`check_output_path`]): the target's folder must already
//! exist (a missing folder is an error that names it, never created silently), and the target
//! must not be a folder. [`refuse_overwriting_inputs`] keeps a command from writing over a file it
//! reads.
//!
//! ```
//! use std::io::Write;
//! let dir = std::env::temp_dir().join(format!("satori-fs-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let target = dir.join("out.csv");
//! let mut out = satori_core::fs::OutputFile::create(&target).unwrap();
//! writeln!(out, "a,b").unwrap();
//! assert!(!target.exists()); // nothing there until it is complete
//! out.commit().unwrap();
//! assert_eq!(std::fs::read_to_string(&target).unwrap(), "a,b\n");
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Error, Result};

/// The folder a path's file lives in (`.` for a bare file name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Check that `path` can be an output: a file name whose folder exists. A missing folder is an
/// error naming it (outputs never create folders), as is a target that is itself a folder.
pub fn check_output_path(path: &Path) -> Result<()> {
    if path.as_os_str().is_empty() || path.file_name().is_none() {
        return Err(Error::io(
            path,
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a file name to write (give a path such as out/model.satori)",
            ),
        ));
    }
    if path.is_dir() {
        return Err(Error::io(
            path,
            io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a folder; give a file name inside it",
            ),
        ));
    }
    let folder = folder_of(path);
    if !folder.is_dir() {
        let why = if folder.exists() {
            format!("{} is not a folder", folder.display())
        } else {
            format!(
                "the folder {} does not exist (create it first; outputs never create folders)",
                folder.display()
            )
        };
        return Err(Error::io(
            path,
            io::Error::new(io::ErrorKind::NotFound, why),
        ));
    }
    Ok(())
}

/// Whether two paths name the same existing file (the same inode on Unix, the same canonical path
/// elsewhere). A path that does not exist is never the same as another.
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        match (a.canonicalize(), b.canonicalize()) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
    }
}

/// Refuse an output that is one of the command's inputs: writing it would destroy the data the
/// command reads. `flag` names the output option in the message (e.g. `--out`).
pub fn refuse_overwriting_inputs(flag: &str, out: &Path, inputs: &[&Path]) -> Result<()> {
    for input in inputs {
        if same_file(out, input) {
            return Err(Error::param(
                flag,
                format!(
                    "{} is also an input of this command; writing it would destroy the input: \
                     choose another file",
                    out.display()
                ),
            ));
        }
    }
    Ok(())
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A file being written: a temporary file beside the target, renamed over it by
/// [`OutputFile::commit`]. Dropped without a commit, the temporary file is removed and the target
/// is left as it was.
#[derive(Debug)]
pub struct OutputFile {
    target: PathBuf,
    tmp: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl OutputFile {
    /// Start writing `path` (see [`check_output_path`] for what may be written).
    pub fn create(path: &Path) -> Result<OutputFile> {
        check_output_path(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let folder = folder_of(path);
        let mut attempt = 0;
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let tmp = folder.join(format!(".{name}.{}-{n}.satori-tmp", std::process::id()));
            match OpenOptions::new().write(true).create_new(true).open(&tmp) {
                Ok(file) => {
                    return Ok(OutputFile {
                        target: path.to_path_buf(),
                        tmp,
                        writer: Some(BufWriter::with_capacity(1 << 16, file)),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 16 => {
                    attempt += 1;
                }
                Err(e) => return Err(Error::io(path, e)),
            }
        }
    }

    /// The file this will become.
    pub fn path(&self) -> &Path {
        &self.target
    }

    /// Finish: flush, sync to disk and rename over the target.
    pub fn commit(mut self) -> Result<()> {
        let result = self.finish();
        if result.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        result.map_err(|e| Error::io(&self.target, e))
    }

    fn finish(&mut self) -> io::Result<()> {
        let writer = self
            .writer
            .take()
            .ok_or_else(|| io::Error::other("already committed"))?;
        let file = writer.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.tmp, &self.target)
    }

    fn writer(&mut self) -> io::Result<&mut BufWriter<File>> {
        self.writer
            .as_mut()
            .ok_or_else(|| io::Error::other("the output file was already committed"))
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer()?.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer()?.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer()?.flush()
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Write `bytes` to `path` complete or not at all (see [`OutputFile`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut out = OutputFile::create(path)?;
    out.write_all(bytes).map_err(|e| Error::io(path, e))?;
    out.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("satori-fs-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn nothing_appears_until_commit_and_a_drop_leaves_the_old_file() {
        let dir = scratch("commit");
        let target = dir.join("a.csv");
        std::fs::write(&target, "old").unwrap();
        let mut out = OutputFile::create(&target).unwrap();
        out.write_all(b"new, half").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        drop(out);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(entries(&dir), ["a.csv"], "the temporary file is removed");
        write_atomic(&target, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(entries(&dir), ["a.csv"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_folder_is_named_and_never_created() {
        let dir = scratch("folder");
        let target = dir.join("no/such/out.csv");
        let e = OutputFile::create(&target).unwrap_err().to_string();
        assert!(e.contains("does not exist") && e.contains("no/such"), "{e}");
        assert!(!dir.join("no").exists());
        let e = write_atomic(&dir, b"x").unwrap_err().to_string();
        assert!(e.contains("is a folder"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn inputs_are_not_overwritten() {
        let dir = scratch("inputs");
        let input = dir.join("d.csv");
        std::fs::write(&input, "x\n1\n").unwrap();
        let other = dir.join("e.csv");
        assert!(refuse_overwriting_inputs("--out", &other, &[&input]).is_ok());
        let via_dot = dir.join(".").join("d.csv");
        let e = refuse_overwriting_inputs("--out", &via_dot, &[&input])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--out") && e.contains("also an input"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn concurrent_writers_leave_one_complete_file() {
        let dir = scratch("race");
        let target = dir.join("t.csv");
        let bodies: Vec<Vec<u8>> = (0..8u8)
            .map(|k| format!("{k}\n").repeat(20_000).into_bytes())
            .collect();
        std::thread::scope(|s| {
            for body in &bodies {
                let target = &target;
                s.spawn(move || write_atomic(target, body).unwrap());
            }
        });
        let got = std::fs::read(&target).unwrap();
        assert!(
            bodies.contains(&got),
            "the file is one writer's whole output"
        );
        assert_eq!(entries(&dir), ["t.csv"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
