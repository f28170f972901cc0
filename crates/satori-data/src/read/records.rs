//! CSV records with the line each starts on, read with `csv-core`.
//!
//! The `csv` crate's reader dates a record by its position *before* it skips the blank lines
//! in front of it, so after a blank line (or after `\r\n`) its line numbers are off. [`Records`]
//! skips the line ends between records itself, counting them, and lets `csv-core` parse each
//! record: the line of every record is exact, and so is the quoting state ([`QuoteTracker`],
//! fed exactly the bytes consumed), which tells a quoted field still open at the end.

use std::io::{ErrorKind, Read};

use csv_core::{ReadRecordResult, Reader as Core, ReaderBuilder};

use super::quotes::QuoteTracker;

const BUF_LEN: usize = 1 << 16;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// CSV records read from `R`, one at a time (the current one's fields, line and size).
pub(crate) struct Records<R> {
    input: R,
    core: Core,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// Whether a leading byte-order mark is still to be checked for.
    bom: bool,
    /// Whether `csv-core` has been given input yet (on its first call it would strip a
    /// byte-order mark, which is this reader's job).
    fed: bool,
    /// Bytes consumed so far.
    consumed: u64,
    /// Newlines consumed so far (plus those before the input).
    newlines: u64,
    quotes: QuoteTracker,
    fields: Vec<u8>,
    ends: Vec<usize>,
    len: usize,
    line: u64,
}

impl<R: Read> Records<R> {
    /// Records of `input`, whose first byte is on line `newlines_before + 1` at the start of a
    /// record. With `file_start`, a leading UTF-8 byte-order mark is skipped.
    pub(crate) fn new(input: R, delim: u8, newlines_before: u64, file_start: bool) -> Self {
        Records {
            input,
            core: ReaderBuilder::new().delimiter(delim).build(),
            buf: vec![0; BUF_LEN],
            start: 0,
            end: 0,
            eof: false,
            bom: file_start,
            fed: false,
            consumed: 0,
            newlines: newlines_before,
            quotes: QuoteTracker::new(delim, newlines_before),
            fields: vec![0; 1024],
            ends: vec![0; 64],
            len: 0,
            line: 0,
        }
    }

    /// Read more input when the buffer is used up; `eof` once there is none.
    fn fill(&mut self) -> std::io::Result<()> {
        if self.start < self.end || self.eof {
            return Ok(());
        }
        self.start = 0;
        self.end = 0;
        loop {
            match self.input.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end = n;
                    return Ok(());
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Mark `n` buffered bytes consumed.
    fn consume(&mut self, n: usize) {
        let bytes = &self.buf[self.start..self.start + n];
        self.newlines += memchr::memchr_iter(b'\n', bytes).count() as u64;
        self.quotes.feed(bytes);
        self.consumed += n as u64;
        self.start += n;
    }

    /// Skip a byte-order mark at the very start (however the reads cut it).
    fn skip_bom(&mut self) -> std::io::Result<()> {
        self.bom = false;
        let mut seen = Vec::with_capacity(3);
        while seen.len() < BOM.len() {
            self.fill()?;
            if self.start == self.end {
                break;
            }
            let b = self.buf[self.start];
            if b != BOM[seen.len()] {
                break;
            }
            seen.push(b);
            self.start += 1;
            self.consumed += 1;
        }
        if seen.len() < BOM.len() && !seen.is_empty() {
            // Not a byte-order mark after all: put the bytes back in front.
            let rest = self.buf[self.start..self.end].to_vec();
            self.buf[..seen.len()].copy_from_slice(&seen);
            self.buf[seen.len()..seen.len() + rest.len()].copy_from_slice(&rest);
            self.start = 0;
            self.end = seen.len() + rest.len();
            self.consumed -= seen.len() as u64;
        }
        Ok(())
    }

    /// Read the next record; `false` at the end of the input.
    pub(crate) fn next_record(&mut self) -> std::io::Result<bool> {
        if self.bom {
            self.skip_bom()?;
        }
        // Line ends between records (blank lines, the `\n` of a `\r\n`) are skipped here, so
        // that the record's line is known before it starts.
        loop {
            self.fill()?;
            if self.start == self.end {
                break;
            }
            let ends = self.buf[self.start..self.end]
                .iter()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .count();
            self.consume(ends);
            if self.start < self.end {
                break;
            }
        }
        if self.start == self.end && self.eof {
            return Ok(false);
        }
        self.line = self.newlines + 1;
        let (mut nout, mut nend) = (0, 0);
        loop {
            self.fill()?;
            let mut input = &self.buf[self.start..self.end];
            if !self.fed && !input.is_empty() {
                // Fewer than three bytes: `csv-core` strips a byte-order mark only from a
                // first input of three bytes or more.
                input = &input[..input.len().min(2)];
                self.fed = true;
            }
            let (res, nin, o, e) =
                self.core
                    .read_record(input, &mut self.fields[nout..], &mut self.ends[nend..]);
            self.consume(nin);
            nout += o;
            nend += e;
            match res {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let n = self.fields.len() * 2;
                    self.fields.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::Record => {
                    self.len = nend;
                    return Ok(true);
                }
                ReadRecordResult::End => return Ok(false),
            }
        }
    }

    /// The number of fields of the current record.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Field `i` of the current record.
    pub(crate) fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.fields[start..self.ends[i]]
    }

    /// The fields of the current record.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len).map(|i| self.field(i))
    }

    /// The line (1-based) where the current record starts.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// Line breaks inside the current record's fields (it spans that many more lines).
    pub(crate) fn inner_newlines(&self) -> u64 {
        let used = if self.len == 0 {
            0
        } else {
            self.ends[self.len - 1]
        };
        memchr::memchr_iter(b'\n', &self.fields[..used]).count() as u64
    }

    /// Bytes consumed so far (through the current record's end).
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed
    }

    /// The current record as a `csv` record (for writing it out).
    pub(crate) fn to_byte_record(&self) -> csv::ByteRecord {
        let used = if self.len == 0 {
            0
        } else {
            self.ends[self.len - 1]
        };
        let mut r = csv::ByteRecord::with_capacity(used, self.len);
        for f in self.iter() {
            r.push_field(f);
        }
        r
    }

    /// Once the input is read to its end: where a quoted field that it ends inside opened
    /// (1-based line, 0-based field index). The record read last is then that field's.
    pub(crate) fn unclosed_at_eof(&self) -> Option<(u64, usize)> {
        if self.eof && self.start == self.end {
            self.quotes.open_quote()
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<(String, u64, u64)> {
        let mut out = Vec::new();
        // Every read size, to cut records, line ends and the byte-order mark anywhere.
        for size in [1, 2, 3, 7, 1 << 16] {
            let reader = Chunked(input, size);
            let mut r = Records::new(reader, b',', 0, true);
            let mut got = Vec::new();
            while r.next_record().unwrap() {
                let fields: Vec<String> = r
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into())
                    .collect();
                got.push((fields.join("|"), r.line(), r.inner_newlines()));
            }
            if !out.is_empty() {
                assert_eq!(got, out, "read size {size}");
            }
            out = got;
        }
        out
    }

    struct Chunked<'a>(&'a [u8], usize);

    impl Read for Chunked<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn lines_count_blank_lines_and_crlf() {
        let l = |s: &str, line, nl| (s.to_string(), line, nl);
        assert_eq!(
            lines(b"a\n\n\nb\nc\n"),
            [l("a", 1, 0), l("b", 4, 0), l("c", 5, 0)]
        );
        assert_eq!(lines(b"\n\na,1\nb\n"), [l("a|1", 3, 0), l("b", 4, 0)]);
        assert_eq!(lines(b"a\r\n\r\nb\r\n"), [l("a", 1, 0), l("b", 3, 0)]);
        assert_eq!(
            lines(b"\xEF\xBB\xBF\"x\ny\",1\n\n\"z\"\n"),
            [l("x\ny|1", 1, 1), l("z", 4, 0)]
        );
        let partial = String::from_utf8_lossy(b"\xEF\xBBa").to_string();
        assert_eq!(lines(b"\xEF\xBBa\n"), [(partial, 1, 0)]);
    }

    #[test]
    fn an_unclosed_quote_is_seen_at_the_end() {
        let mut r = Records::new(&b"a,b\n1,\"x\n2,3\n"[..], b',', 0, true);
        assert!(r.next_record().unwrap());
        assert!(r.next_record().unwrap());
        assert_eq!(r.line(), 2);
        assert_eq!(r.unclosed_at_eof(), Some((2, 1)));
        let mut r = Records::new(&b"a,b\n1,\"x\"\n"[..], b',', 0, true);
        while r.next_record().unwrap() {}
        assert_eq!(r.unclosed_at_eof(), None);
    }
}
