//! One pass over the data rows of a CSV file: streamed in large blocks cut at line ends, blocks
//! without quote characters parsed in parallel, the rest (from the first block holding a quote)
//! parsed sequentially by the quote-aware `csv` reader. Results are concatenated in file order,
//! so they are the same at any thread count.

use std::io::{Cursor, Read};

use memchr::{memchr, memrchr};
use rayon::prelude::*;
use satori_core::{Error, Result};

use super::quotes::unclosed_quote_error;
use super::records::Records;
use super::values::{Markers, is_canonical_int, is_int_literal, parse_number};

/// What a pass does with a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Ignore it (dropped, or not needed in this pass).
    Skip,
    /// Parse numbers while every value is one.
    Num,
    /// Keep the text.
    Str,
}

/// A column's values collected by a pass.
#[derive(Debug)]
pub(crate) enum Sink {
    /// Ignored column.
    Skip,
    /// Numbers so far.
    Num {
        /// The values (`NaN` = missing); emptied once `fail` is set.
        vals: Vec<f64>,
        /// Whether every present value was an integer literal.
        int_text: bool,
        /// Whether every integer literal is written as [`super::values::format_number`] would
        /// write it (so the text can be rebuilt from the value).
        canonical: bool,
        /// The first present value that is not an integer literal: (row, text).
        first_nonint: Option<(usize, String)>,
        /// The first value that is not a number: (row, text).
        fail: Option<(usize, String)>,
    },
    /// Text (`None` = missing).
    Str(Vec<Option<String>>),
}

/// A field that no text file holds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum BadField {
    /// Not valid UTF-8.
    NotUtf8,
    /// A NUL byte.
    Nul,
}

impl BadField {
    pub(crate) fn message(self) -> &'static str {
        match self {
            BadField::NotUtf8 => "the value is not valid UTF-8 (satori reads UTF-8 text files)",
            BadField::Nul => {
                "the value holds a NUL byte, which text files do not: the file is damaged, or \
                 not UTF-8 text (UTF-16 text is full of them; convert it to UTF-8)"
            }
        }
    }
}

impl Sink {
    fn new(plan: Plan) -> Self {
        match plan {
            Plan::Skip => Sink::Skip,
            Plan::Num => Sink::Num {
                vals: Vec::new(),
                int_text: true,
                canonical: true,
                first_nonint: None,
                fail: None,
            },
            Plan::Str => Sink::Str(Vec::new()),
        }
    }

    #[inline]
    fn push(&mut self, f: &[u8], row: usize, m: &Markers) -> Result<(), BadField> {
        match self {
            Sink::Skip => {}
            Sink::Num {
                vals,
                int_text,
                canonical,
                first_nonint,
                fail,
            } => {
                if fail.is_some() {
                    return Ok(());
                }
                if m.is_missing(f) {
                    vals.push(f64::NAN);
                } else if let Some(v) = parse_number(f) {
                    if *int_text && !v.is_nan() && !is_int_literal(f) {
                        *int_text = false;
                        *canonical = false;
                        *first_nonint = Some((row, String::from_utf8_lossy(f).into_owned()));
                    }
                    if *canonical && *int_text && !v.is_nan() {
                        *canonical = is_canonical_int(f);
                    }
                    vals.push(v);
                } else if memchr(0, f).is_some() {
                    return Err(BadField::Nul);
                } else {
                    *fail = Some((row, String::from_utf8_lossy(f).into_owned()));
                    *vals = Vec::new();
                }
            }
            Sink::Str(v) => {
                if m.is_missing(f) {
                    v.push(None);
                } else {
                    let s = std::str::from_utf8(f).map_err(|_| BadField::NotUtf8)?;
                    if memchr(0, f).is_some() {
                        return Err(BadField::Nul);
                    }
                    v.push(Some(s.to_string()));
                }
            }
        }
        Ok(())
    }

    /// Append the values of a later part of the file whose first row is `row_offset`.
    fn append(&mut self, other: Sink, row_offset: usize) {
        match (self, other) {
            (
                Sink::Num {
                    vals,
                    int_text,
                    canonical,
                    first_nonint,
                    fail,
                },
                Sink::Num {
                    vals: v2,
                    int_text: i2,
                    canonical: c2,
                    first_nonint: n2,
                    fail: f2,
                },
            ) => {
                *canonical &= c2;
                if first_nonint.is_none() {
                    *first_nonint = n2.map(|(r, s)| (r + row_offset, s));
                }
                *int_text &= i2;
                if fail.is_some() {
                    return;
                }
                if let Some((r, s)) = f2 {
                    *fail = Some((r + row_offset, s));
                    *vals = Vec::new();
                } else if vals.is_empty() {
                    *vals = v2;
                } else {
                    vals.extend_from_slice(&v2);
                }
            }
            (Sink::Str(a), Sink::Str(b)) => {
                if a.is_empty() {
                    *a = b;
                } else {
                    a.extend(b);
                }
            }
            _ => {}
        }
    }
}

/// What every pass over one file shares.
pub(crate) struct PassCtx<'a> {
    /// The file name, for messages.
    pub source: &'a str,
    /// The column names.
    pub names: &'a [String],
    /// The delimiter.
    pub delim: u8,
    /// Missing markers.
    pub markers: &'a Markers,
    /// Newlines before the first data row (the header's).
    pub lines_before: u64,
    /// Block size in bytes.
    pub block_size: usize,
}

/// A pass's result.
pub(crate) struct PassOut {
    /// One sink per column.
    pub sinks: Vec<Sink>,
    /// The 1-based line of each row.
    pub lines: Vec<u64>,
}

enum BlockErr {
    Ragged { got: usize },
    Field { col: usize, bad: BadField },
}

struct BlockOut {
    sinks: Vec<Sink>,
    /// 0-based line within the block of each row.
    lines: Vec<u32>,
    /// Lines in the block.
    n_lines: u64,
    err: Option<(u64, BlockErr)>,
}

impl PassCtx<'_> {
    fn error(&self, line: u64, e: BlockErr) -> Error {
        let n = self.names.len();
        let (column, message) = match e {
            BlockErr::Ragged { got } => (
                self.names
                    .get(got)
                    .cloned()
                    .unwrap_or_else(|| (n + 1).to_string()),
                format!("expected {n} fields (as in the header), got {got}"),
            ),
            BlockErr::Field { col, bad } => (
                self.names.get(col).cloned().unwrap_or_default(),
                bad.message().to_string(),
            ),
        };
        Error::Parse {
            source_name: self.source.to_string(),
            line,
            column,
            message,
        }
    }

    /// Parse one block holding whole lines and no quote character.
    fn parse_block(&self, block: &[u8], plan: &[Plan]) -> BlockOut {
        let ncols = plan.len();
        let mut sinks: Vec<Sink> = plan.iter().map(|&p| Sink::new(p)).collect();
        let mut lines = Vec::new();
        let mut line_no: u32 = 0;
        let mut start = 0;
        while start < block.len() {
            let end = memchr(b'\n', &block[start..]).map_or(block.len(), |p| start + p);
            let mut line = &block[start..end];
            if let [rest @ .., b'\r'] = line {
                line = rest;
            }
            start = end + 1;
            if !line.is_empty() {
                let row = lines.len();
                let mut j = 0;
                let mut fs = 0;
                loop {
                    let fe = memchr(self.delim, &line[fs..]).map_or(line.len(), |p| fs + p);
                    if let Some(s) = sinks.get_mut(j)
                        && let Err(bad) = s.push(&line[fs..fe], row, self.markers)
                    {
                        let err = Some((u64::from(line_no), BlockErr::Field { col: j, bad }));
                        return BlockOut {
                            sinks,
                            lines,
                            n_lines: 0,
                            err,
                        };
                    }
                    j += 1;
                    if fe >= line.len() {
                        break;
                    }
                    fs = fe + 1;
                }
                if j != ncols {
                    let err = Some((u64::from(line_no), BlockErr::Ragged { got: j }));
                    return BlockOut {
                        sinks,
                        lines,
                        n_lines: 0,
                        err,
                    };
                }
                lines.push(line_no);
            }
            line_no += 1;
        }
        BlockOut {
            sinks,
            lines,
            n_lines: u64::from(line_no),
            err: None,
        }
    }

    /// Parse the rest of the input with the quote-aware reader. `newlines_before` counts the
    /// lines before `reader`'s first byte, which starts a record. A quoted field still open at
    /// the end of the input is an error naming the line where it opened.
    fn parse_slow<R: Read>(
        &self,
        reader: R,
        plan: &[Plan],
        out: &mut PassOut,
        newlines_before: u64,
        path: &str,
    ) -> Result<()> {
        let ncols = plan.len();
        let mut rdr = Records::new(reader, self.delim, newlines_before, false);
        while rdr.next_record().map_err(|e| Error::io(path, e))? {
            let line = rdr.line();
            // The record that an unclosed quote ran to the end of the input: name the quote
            // rather than what it broke (the field count, the bytes).
            let swallowed = |rdr: &Records<R>| {
                rdr.unclosed_at_eof()
                    .map(|(open, field)| self.unclosed(open, field))
            };
            if rdr.len() == 1 && rdr.field(0).is_empty() && ncols > 1 {
                continue;
            }
            // Fields first, then their count: the order of the fast path's checks, so that both
            // paths name the same error.
            let row = out.lines.len();
            for (j, (s, f)) in out.sinks.iter_mut().zip(rdr.iter()).enumerate() {
                if let Err(bad) = s.push(f, row, self.markers) {
                    return Err(swallowed(&rdr)
                        .unwrap_or_else(|| self.error(line, BlockErr::Field { col: j, bad })));
                }
            }
            if rdr.len() != ncols {
                return Err(swallowed(&rdr)
                    .unwrap_or_else(|| self.error(line, BlockErr::Ragged { got: rdr.len() })));
            }
            out.lines.push(line);
        }
        if let Some((open, field)) = rdr.unclosed_at_eof() {
            return Err(self.unclosed(open, field));
        }
        Ok(())
    }

    fn unclosed(&self, line: u64, field: usize) -> Error {
        let column = self.names.get(field).map_or("", String::as_str);
        unclosed_quote_error(self.source, line, column)
    }

    /// One pass over the data rows read from `reader` (positioned at the first data row).
    pub(crate) fn run<R: Read + Send>(
        &self,
        reader: R,
        plan: &[Plan],
        path: &str,
    ) -> Result<PassOut> {
        let mut out = PassOut {
            sinks: plan.iter().map(|&p| Sink::new(p)).collect(),
            lines: Vec::new(),
        };
        let mut br = BlockReader::new(reader, self.block_size);
        let mut newlines = self.lines_before;
        let batch_n = (rayon::current_num_threads() * 2).clamp(2, 32);
        loop {
            let mut batch = Vec::with_capacity(batch_n);
            while batch.len() < batch_n {
                match br.next_block().map_err(|e| Error::io(path, e))? {
                    Some(b) => batch.push(b),
                    None => break,
                }
            }
            if batch.is_empty() {
                break;
            }
            let quoted = batch.iter().position(|b| needs_quote_aware_reader(b));
            let n_fast = quoted.unwrap_or(batch.len());
            let outs: Vec<BlockOut> = batch[..n_fast]
                .par_iter()
                .map(|b| self.parse_block(b, plan))
                .collect();
            for o in outs {
                if let Some((line, e)) = o.err {
                    return Err(self.error(newlines + line + 1, e));
                }
                let row_offset = out.lines.len();
                out.lines
                    .extend(o.lines.iter().map(|&l| newlines + u64::from(l) + 1));
                for (s, b) in out.sinks.iter_mut().zip(o.sinks) {
                    s.append(b, row_offset);
                }
                newlines += o.n_lines;
            }
            if let Some(q) = quoted {
                let rest: Vec<u8> = batch.drain(q..).flatten().collect();
                drop(batch);
                let (carry, reader) = br.into_rest();
                let chain = Cursor::new(rest).chain(Cursor::new(carry)).chain(reader);
                self.parse_slow(chain, plan, &mut out, newlines, path)?;
                break;
            }
        }
        Ok(out)
    }
}

/// Whether a block needs the quote-aware reader: it holds a quote, or a carriage return that
/// does not end a line (`\r` alone ends a record for that reader, and the fast path splits
/// lines at `\n` only, so both must see the same records).
fn needs_quote_aware_reader(block: &[u8]) -> bool {
    memchr(b'"', block).is_some()
        || memchr::memchr_iter(b'\r', block).any(|i| block.get(i + 1) != Some(&b'\n'))
}

/// Reads blocks of about `size` bytes that end at a newline (the last one at the end of input).
pub(crate) struct BlockReader<R> {
    r: R,
    carry: Vec<u8>,
    size: usize,
    eof: bool,
    /// Whether a read filled a whole block (so the input is large).
    full: bool,
}

impl<R: Read> BlockReader<R> {
    pub(crate) fn new(r: R, size: usize) -> Self {
        BlockReader {
            r,
            carry: Vec::new(),
            size: size.max(1),
            eof: false,
            full: false,
        }
    }

    /// The next block, or `None` at the end.
    pub(crate) fn next_block(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut buf = std::mem::take(&mut self.carry);
        let mut target = self.size.max(buf.len() + 1);
        loop {
            if !self.eof {
                // Grow as the input comes (a small input never pays for a whole block); once a
                // block was full, reserve whole blocks.
                let want = target - buf.len();
                buf.reserve(if self.full { want } else { want.min(1 << 16) });
                let got = (&mut self.r).take(want as u64).read_to_end(&mut buf)?;
                if got < want {
                    self.eof = true;
                } else {
                    self.full = true;
                }
            }
            if self.eof {
                return Ok((!buf.is_empty()).then_some(buf));
            }
            if let Some(p) = memrchr(b'\n', &buf) {
                self.carry = buf[p + 1..].to_vec();
                buf.truncate(p + 1);
                return Ok(Some(buf));
            }
            target *= 2;
        }
    }

    /// The bytes read but not yet returned, and the reader.
    pub(crate) fn into_rest(self) -> (Vec<u8>, R) {
        (self.carry, self.r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_end_at_newlines_and_cover_the_input() {
        let data = b"a,b\n1,2\n333,4444\n5,6";
        for size in 1..30 {
            let mut br = BlockReader::new(&data[..], size);
            let mut all = Vec::new();
            while let Some(b) = br.next_block().unwrap() {
                if all.len() + b.len() < data.len() {
                    assert_eq!(b.last(), Some(&b'\n'));
                }
                all.extend_from_slice(&b);
            }
            assert_eq!(all, data);
        }
    }
}
