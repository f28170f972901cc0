//! The opt-in request/prediction log: one JSON object per line (`--log-requests FILE`), written
//! by its own thread so the request path only hands over a line. When the file reaches
//! `max_bytes` it is rotated (`FILE` → `FILE.1` → … → `FILE.<keep>`, the oldest dropped). If the
//! writer falls behind by more than its buffer, lines are dropped and counted in the metrics
//! (`satori_request_log_dropped_total`) rather than slowing the requests.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;

use crate::metrics::Metrics;

/// Lines waiting for the writer at most.
const BUFFER: usize = 65_536;

/// The log's sending side.
#[derive(Debug)]
pub struct RequestLog {
    tx: RwLock<Option<SyncSender<String>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    metrics: Arc<Metrics>,
}

impl RequestLog {
    /// Open (append to) `path` and start the writer thread.
    pub fn open(
        path: &Path,
        max_bytes: u64,
        keep: usize,
        metrics: Arc<Metrics>,
    ) -> satori_core::Result<RequestLog> {
        let file = open_append(path)?;
        let written = file.metadata().map(|m| m.len()).unwrap_or(0);
        let (tx, rx) = sync_channel(BUFFER);
        let path = path.to_path_buf();
        let m = metrics.clone();
        let writer = std::thread::Builder::new()
            .name("satori-request-log".into())
            .spawn(move || write_loop(rx, path, file, written, max_bytes, keep.max(1), m))
            .map_err(|e| {
                satori_core::Error::Internal(format!("cannot start the log writer: {e}"))
            })?;
        Ok(RequestLog {
            tx: RwLock::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            metrics,
        })
    }

    /// Hand a line to the writer (never blocks; a full buffer drops it and counts the drop).
    pub fn send(&self, line: String) {
        let tx = self.tx.read().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = tx.as_ref() {
            match tx.try_send(line) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                    self.metrics.log_dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// Flush every line handed over and stop the writer.
    pub fn close(&self) {
        self.tx.write().unwrap_or_else(|e| e.into_inner()).take();
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(w) = writer {
            let _ = w.join();
        }
    }
}

impl Drop for RequestLog {
    fn drop(&mut self) {
        self.close();
    }
}

fn open_append(path: &Path) -> satori_core::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| satori_core::Error::io(path, e))
}

fn rotated(path: &Path, k: usize) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{k}"));
    PathBuf::from(s)
}

fn write_loop(
    rx: Receiver<String>,
    path: PathBuf,
    file: File,
    mut written: u64,
    max_bytes: u64,
    keep: usize,
    metrics: Arc<Metrics>,
) {
    let mut out = BufWriter::new(file);
    // Block for one line, then take whatever else is waiting before flushing.
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        while let Some(line) = next {
            if written > 0 && written + line.len() as u64 + 1 > max_bytes {
                let _ = out.flush();
                for k in (1..keep).rev() {
                    let _ = std::fs::rename(rotated(&path, k), rotated(&path, k + 1));
                }
                let _ = std::fs::rename(&path, rotated(&path, 1));
                match open_append(&path) {
                    Ok(f) => {
                        out = BufWriter::new(f);
                        written = 0;
                    }
                    Err(e) => {
                        crate::log_line(&format!("warning: request log: {e}"));
                    }
                }
            }
            if out
                .write_all(line.as_bytes())
                .and_then(|_| out.write_all(b"\n"))
                .is_ok()
            {
                written += line.len() as u64 + 1;
                metrics.log_written.fetch_add(1, Ordering::Relaxed);
            } else {
                metrics.log_dropped.fetch_add(1, Ordering::Relaxed);
            }
            next = rx.try_recv().ok();
        }
        let _ = out.flush();
    }
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_written_whole_and_rotated_by_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requests.jsonl");
        let metrics = Arc::new(Metrics::new());
        let log = RequestLog::open(&path, 100, 2, metrics.clone()).unwrap();
        for i in 0..10 {
            log.send(format!("{{\"i\":{i},\"pad\":\"{}\"}}", "x".repeat(20)));
        }
        log.close();
        let mut lines = Vec::new();
        for p in [rotated(&path, 2), rotated(&path, 1), path.clone()] {
            let text = std::fs::read_to_string(&p).unwrap();
            assert!(
                text.len() <= 100,
                "{} has {} bytes",
                p.display(),
                text.len()
            );
            lines.extend(text.lines().map(str::to_string));
        }
        // Three files of at most 100 bytes keep the newest lines, whole and in order.
        let kept: Vec<u64> = lines
            .iter()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["i"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        assert!(!kept.is_empty());
        assert_eq!(*kept.last().unwrap(), 9);
        assert!(kept.windows(2).all(|w| w[1] == w[0] + 1), "{kept:?}");
        assert!(!rotated(&path, 3).exists());
        assert_eq!(metrics.log_written.load(Ordering::Relaxed), 10);
    }
}
