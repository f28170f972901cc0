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
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

use satori_core::{Error, Result};

use crate::read::csv::choose_delimiter;
use crate::read::quotes::unclosed_quote_error;
use crate::read::records::Records;
use crate::{ReadOptions, Table, read_csv_bytes};

/// Bytes read first to detect the delimiter.
const PREFIX_LEN: u64 = 64 * 1024;

/// An iterator over a CSV file's rows, `rows_per_chunk` at a time, each chunk a [`Table`].
///
/// Errors name the file's own lines (not lines of the chunk), and a quoted field that is never
/// closed is an error naming the line where it opened, as for a whole-file read. After each
/// chunk, [`CsvChunks::row_lines`] gives the file line of each of its rows, for errors found
/// later (a value a model rejects, say).
pub struct CsvChunks {
    reader: Records<Box<dyn Read + Send>>,
    header: csv::ByteRecord,
    /// The file line where the header starts, and the line breaks inside it.
    header_line: u64,
    header_newlines: u64,
    source: String,
    opts: ReadOptions,
    rows_per_chunk: usize,
    delimiter: u8,
    first_row: u64,
    /// The file line where each row of the last chunk starts.
    row_lines: Vec<u64>,
    /// The line of the last chunk's text where each of its records starts (header first).
    chunk_lines: Vec<u64>,
    done: bool,
}

impl CsvChunks {
    /// Open `path` (delimiter detected from its start unless `opts` fixes it).
    pub fn open(path: &Path, opts: &ReadOptions, rows_per_chunk: usize) -> Result<CsvChunks> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let source = path.display().to_string();
        Self::from_reader(
            &source,
            BufReader::with_capacity(1 << 20, file),
            opts,
            rows_per_chunk,
        )
    }

    /// Read CSV from any reader (`source_name` names it in messages), as [`CsvChunks::open`].
    pub fn from_reader(
        source_name: &str,
        mut reader: impl Read + Send + 'static,
        opts: &ReadOptions,
        rows_per_chunk: usize,
    ) -> Result<CsvChunks> {
        if rows_per_chunk == 0 {
            return Err(Error::param("chunk_rows", "must be at least 1, got 0"));
        }
        let source = source_name.to_string();
        let mut prefix = Vec::with_capacity(PREFIX_LEN as usize);
        reader
            .by_ref()
            .take(PREFIX_LEN)
            .read_to_end(&mut prefix)
            .map_err(|e| Error::io(&source, e))?;
        let delimiter = choose_delimiter(opts.delimiter, &prefix)?;
        let input: Box<dyn Read + Send> = Box::new(Cursor::new(prefix).chain(reader));
        let mut reader = Records::new(input, delimiter, 0, true);
        let has_header = reader.next_record().map_err(|e| Error::io(&source, e))?;
        if let Some((line, _)) = reader.unclosed_at_eof() {
            return Err(unclosed_quote_error(&source, line, ""));
        }
        if !has_header {
            return Err(Error::Parse {
                source_name: source,
                line: 1,
                column: String::new(),
                message: "the file is empty; a CSV file needs a header row naming its columns"
                    .into(),
            });
        }
        let header = reader.to_byte_record();
        let (header_line, header_newlines) = (reader.line(), reader.inner_newlines());
        let mut opts = opts.clone();
        opts.delimiter = Some(b',');
        Ok(CsvChunks {
            reader,
            header,
            header_line,
            header_newlines,
            source,
            opts,
            rows_per_chunk,
            delimiter,
            first_row: 1,
            row_lines: Vec::new(),
            chunk_lines: Vec::new(),
            done: false,
        })
    }

    /// The field delimiter in use.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// The file line (1-based) where each row of the chunk last returned starts, in row order.
    pub fn row_lines(&self) -> &[u64] {
        &self.row_lines
    }

    /// The error for a quoted field that the input ended inside, if it did.
    fn unclosed(&self) -> Option<Error> {
        let (open, field) = self.reader.unclosed_at_eof()?;
        let column = self.header.get(field).map(String::from_utf8_lossy);
        Some(unclosed_quote_error(
            &self.source,
            open,
            column.as_deref().unwrap_or(""),
        ))
    }

    fn next_chunk(&mut self) -> Result<Option<Table>> {
        // Flexible: a row with the wrong number of fields reaches the reader, whose error names
        // its line (a strict writer refused it as an internal error).
        let mut out = csv::WriterBuilder::new()
            .delimiter(b',')
            .flexible(true)
            .from_writer(Vec::with_capacity(1 << 20));
        let write_err = |e: csv::Error| Error::Internal(format!("re-encoding a CSV chunk: {e}"));
        out.write_byte_record(&self.header).map_err(write_err)?;
        // Where each record starts in the chunk's text and in the file, to name the file's
        // lines in errors: the writer keeps line breaks inside fields, so a record spans as many
        // lines in both.
        self.chunk_lines.clear();
        self.chunk_lines.push(1);
        self.row_lines.clear();
        let mut next_chunk_line = 2 + self.header_newlines;
        let mut file_lines = vec![self.header_line];
        let ncols = self.header.len();
        while self.row_lines.len() < self.rows_per_chunk {
            let more = self
                .reader
                .next_record()
                .map_err(|e| Error::io(&self.source, e))?;
            // A quoted field still open at the end: the record just read (or none) is the rest
            // of the file swallowed by it.
            if let Some(e) = self.unclosed() {
                self.done = true;
                return Err(e);
            }
            if !more {
                self.done = true;
                break;
            }
            // A lone empty quoted field (`""`) is skipped, as a whole-file read skips it.
            if self.reader.len() == 1 && self.reader.field(0).is_empty() && ncols > 1 {
                continue;
            }
            let line = self.reader.line();
            out.write_byte_record(&self.reader.to_byte_record())
                .map_err(write_err)?;
            self.chunk_lines.push(next_chunk_line);
            next_chunk_line += 1 + self.reader.inner_newlines();
            file_lines.push(line);
            self.row_lines.push(line);
        }
        let rows = self.row_lines.len();
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
        read_csv_bytes(&name, &bytes, &self.opts)
            .map(Some)
            .map_err(|e| self.file_error(e, &name, &file_lines))
    }

    /// An error about the chunk's text `name` as one about the file: its line is the file's.
    fn file_error(&self, e: Error, name: &str, file_lines: &[u64]) -> Error {
        match e {
            Error::Parse {
                source_name,
                line,
                column,
                message,
            } if source_name == name => {
                // The record holding chunk line `line`, and the line within it.
                let k = self.chunk_lines.partition_point(|&l| l <= line).max(1) - 1;
                let line = file_lines[k] + (line - self.chunk_lines[k].min(line));
                Error::Parse {
                    source_name: self.source.clone(),
                    line,
                    column,
                    message,
                }
            }
            other => other,
        }
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
