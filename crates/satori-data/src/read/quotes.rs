//! Following the quoting of CSV bytes as the parser consumes them, to catch a quoted field that
//! is never closed.
//!
//! `csv-core` ends a quoted field at the end of the input without complaint, so one stray `"`
//! swallows the rest of the file into a single value and the read "succeeds" with the rows
//! before it. pandas and pyarrow refuse such a file ("EOF inside string starting at row 12");
//! so does satori: [`QuoteTracker`], fed the bytes the parser consumes
//! ([`super::records::Records`]), follows the same RFC 4180 state machine (a field that
//! *starts* with `"` is quoted until a `"` that is not doubled; a `"` inside an unquoted field
//! is literal), and remembers the line where the current quoted field opened.

use memchr::{memchr, memchr3};
use satori_core::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field (or of a record).
    FieldStart,
    /// Inside an unquoted field.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a `"` inside a quoted field: the end of the quotes, or the first half of `""`.
    QuoteInQuoted,
}

/// The quoting state of the bytes seen so far.
#[derive(Debug, Clone)]
pub(crate) struct QuoteTracker {
    delim: u8,
    state: State,
    /// Newlines seen (plus the lines before the first byte).
    newlines: u64,
    /// The field's 0-based index in its record.
    field: usize,
    /// Where the current (or last) quoted field opened: 1-based line, 0-based field index.
    opened: (u64, usize),
}

impl QuoteTracker {
    /// A tracker for input with `delim` whose first byte is on line `newlines_before + 1`, at
    /// the start of a record.
    pub(crate) fn new(delim: u8, newlines_before: u64) -> Self {
        QuoteTracker {
            delim,
            state: State::FieldStart,
            newlines: newlines_before,
            field: 0,
            opened: (0, 0),
        }
    }

    /// Follow `b`, the next bytes of the input.
    pub(crate) fn feed(&mut self, mut b: &[u8]) {
        while !b.is_empty() {
            match self.state {
                State::Quoted => match memchr(b'"', b) {
                    None => {
                        self.newlines += count_newlines(b);
                        return;
                    }
                    Some(p) => {
                        self.newlines += count_newlines(&b[..p]);
                        self.state = State::QuoteInQuoted;
                        b = &b[p + 1..];
                    }
                },
                State::Unquoted => match memchr3(self.delim, b'\n', b'\r', b) {
                    None => return,
                    Some(p) => {
                        self.end_field(b[p]);
                        b = &b[p + 1..];
                    }
                },
                State::FieldStart | State::QuoteInQuoted => {
                    let c = b[0];
                    b = &b[1..];
                    if c == b'"' {
                        if self.state == State::FieldStart {
                            self.opened = (self.newlines + 1, self.field);
                        }
                        self.state = State::Quoted;
                    } else if c == self.delim || c == b'\n' || c == b'\r' {
                        self.end_field(c);
                    } else {
                        self.state = State::Unquoted;
                    }
                }
            }
        }
    }

    /// A field ended with `c` (the delimiter or a line end).
    fn end_field(&mut self, c: u8) {
        self.state = State::FieldStart;
        if c == self.delim {
            self.field += 1;
        } else {
            self.field = 0;
            if c == b'\n' {
                self.newlines += 1;
            }
        }
    }

    /// When the bytes seen so far end inside a quoted field: the line where it opened (1-based)
    /// and the field's index in its record (0-based).
    pub(crate) fn open_quote(&self) -> Option<(u64, usize)> {
        (self.state == State::Quoted).then_some(self.opened)
    }
}

fn count_newlines(b: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', b).count() as u64
}

/// The error for a quoted field that opens on `line` and is never closed.
pub(crate) fn unclosed_quote_error(source: &str, line: u64, column: &str) -> Error {
    Error::Parse {
        source_name: source.to_string(),
        line,
        column: column.to_string(),
        message: "a quoted field opens here and is never closed, so the rest of the file would \
                  be read into this one value; close the quote (a literal `\"` inside a quoted \
                  field is written `\"\"`)"
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_after(text: &[u8]) -> Option<(u64, usize)> {
        let mut t = QuoteTracker::new(b',', 0);
        t.feed(text);
        let mut bytewise = QuoteTracker::new(b',', 0);
        for b in text {
            bytewise.feed(std::slice::from_ref(b));
        }
        assert_eq!(t.open_quote(), bytewise.open_quote(), "split input");
        t.open_quote()
    }

    #[test]
    fn follows_rfc4180_quoting() {
        assert_eq!(open_after(b"a,b\n1,2\n"), None);
        assert_eq!(open_after(b"a,b\n1,\"x\ny\"\n2,3\n"), None);
        assert_eq!(open_after(b"a,b\n1,\"x\"\"y\"\n"), None);
        // A quote inside an unquoted field is literal.
        assert_eq!(open_after(b"a,b\n1,x\"y\n"), None);
        assert_eq!(open_after(b"a,b\n1,2\n3,\"oops\n4,5\n"), Some((3, 1)));
        assert_eq!(open_after(b"a,b\r\n1,2\r\n\"oops,5\r\n"), Some((3, 0)));
        assert_eq!(open_after(b"\"a,b\n1,2\n"), Some((1, 0)));
        // `""` at the end is an escaped quote inside a field that goes on.
        assert_eq!(open_after(b"a\n\"x\"\"\n"), Some((2, 0)));
        assert_eq!(open_after(b"a\n\"x\"\"\"\n"), None);
    }
}
