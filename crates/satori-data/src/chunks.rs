//! Reading a CSV file a chunk of rows at a time, for work that needs only a row at a time (applying
//! fitted preprocessing steps, predicting) on files larger than memory.
//!
//! Every chunk is parsed by the same reader as a whole file, with the caller's options; pass forced
//! column kinds (a model's or preprocessor's input schema) so that every chunk types its columns
//! alike. Quoted fields with line breaks are kept whole.
//!
//! ```
//! use satori_data::{ReadOptions, chunks::CsvChunks};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("big.csv");
//! std::fs::write(&path, "a,b\n1,x\n2,\"y\nz\"\n3,w\n").unwrap();
//! let chunks: Vec<_> = CsvChunks::open(&path, &ReadOptions::default(), 2)
//!     .unwrap()
//!     .collect::<Result<_, _>>()
//!     .unwrap();
//! assert_eq!(chunks.len(), 2);
//! assert_eq!(chunks[0].n_rows(), 2);
//! assert_eq!(chunks[1].n_rows(), 1);
//! ```

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use satori_core::{Error, Result};

use crate::{ReadOptions, Table, read_csv_bytes};

/// An iterator over a CSV file's rows, `rows_per_chunk` at a time, each chunk a [`Table`].
pub struct CsvChunks {
    reader: csv::Reader<BufReader<File>>,
    header: csv::ByteRecord,
    source: String,
    opts: ReadOptions,
    rows_per_chunk: usize,
    delimiter: u8,
    first_row: u64,
    done: bool,
}

impl CsvChunks {
    /// Open `path` (delimiter detected from its start unless `opts` fixes it).
    pub fn open(path: &Path, opts: &ReadOptions, rows_per_chunk: usize) -> Result<CsvChunks> {
        if rows_per_chunk == 0 {
            return Err(Error::param("chunk_rows", "must be at least 1, got 0"));
        }
        let source = path.display().to_string();
        let mut prefix = Vec::with_capacity(64 * 1024);
        File::open(path)
            .map_err(|e| Error::io(path, e))?
            .take(64 * 1024)
            .read_to_end(&mut prefix)
            .map_err(|e| Error::io(path, e))?;
        let delimiter = match opts.delimiter {
            Some(d) => d,
            None => crate::read::csv::detect_delimiter(&prefix),
        };
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(true)
            .from_reader(BufReader::with_capacity(1 << 20, file));
        let header = reader
            .byte_headers()
            .map_err(|e| csv_err(&source, &e))?
            .clone();
        if header.is_empty() {
            return Err(Error::Parse {
                source_name: source,
                line: 1,
                column: String::new(),
                message: "the file is empty; a CSV file needs a header row naming its columns"
                    .into(),
            });
        }
        let mut opts = opts.clone();
        opts.delimiter = Some(b',');
        Ok(CsvChunks {
            reader,
            header,
            source,
            opts,
            rows_per_chunk,
            delimiter,
            first_row: 1,
            done: false,
        })
    }

    /// The field delimiter in use.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    fn next_chunk(&mut self) -> Result<Option<Table>> {
        let mut out = csv::WriterBuilder::new()
            .delimiter(b',')
            .from_writer(Vec::with_capacity(1 << 20));
        let write_err = |e: csv::Error| Error::Internal(format!("re-encoding a CSV chunk: {e}"));
        out.write_byte_record(&self.header).map_err(write_err)?;
        let mut record = csv::ByteRecord::new();
        let mut rows = 0usize;
        while rows < self.rows_per_chunk {
            let more = self
                .reader
                .read_byte_record(&mut record)
                .map_err(|e| csv_err(&self.source, &e))?;
            if !more {
                self.done = true;
                break;
            }
            out.write_byte_record(&record).map_err(write_err)?;
            rows += 1;
        }
        if rows == 0 {
            return Ok(None);
        }
        let bytes = out
            .into_inner()
            .map_err(|e| Error::Internal(format!("re-encoding a CSV chunk: {e}")))?;
        let name = format!(
            "{} (data rows {}–{})",
            self.source,
            self.first_row,
            self.first_row + rows as u64 - 1
        );
        self.first_row += rows as u64;
        read_csv_bytes(&name, &bytes, &self.opts).map(Some)
    }
}

impl Iterator for CsvChunks {
    type Item = Result<Table>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_chunk() {
            Ok(Some(t)) => Some(Ok(t)),
            Ok(None) => None,
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

fn csv_err(source: &str, e: &csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    Error::Parse {
        source_name: source.to_string(),
        line,
        column: String::new(),
        message: e.to_string(),
    }
}
