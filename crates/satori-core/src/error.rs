//! The one library error type.

use std::path::PathBuf;

/// Result with the library [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every error a satori library function returns.
///
/// Messages say what was wrong and what would be right. User mistakes (bad data, bad parameters,
/// bad files) are distinguished from broken internal invariants by [`Error::is_user_error`], which
/// the CLI maps to exit code 1 (user) or 2 (internal) and the server to 4xx or 5xx.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A hyperparameter or option is out of its valid range.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// The parameter's name (a path such as `model.max_depth` where known).
        name: String,
        /// What was wrong and what is valid.
        reason: String,
    },
    /// Arrays or rows whose sizes do not agree.
    #[error("{context}: expected {expected}, got {got}")]
    ShapeMismatch {
        /// What was being checked, e.g. "number of features".
        context: String,
        /// The size that was expected.
        expected: usize,
        /// The size that was found.
        got: usize,
    },
    /// A malformed input file or value.
    #[error("{source_name}:{line}: column `{}`: {message}", snippet(.column))]
    Parse {
        /// The file (or stream) name.
        source_name: String,
        /// 1-based line number in the file.
        line: u64,
        /// The column's name (or 1-based index when there is no header).
        column: String,
        /// What was wrong.
        message: String,
    },
    /// A column that the caller asked for does not exist.
    #[error("{}", missing_column_message(.name, .context, .suggestions))]
    MissingColumn {
        /// The name asked for.
        name: String,
        /// Where it was looked for, e.g. the file name.
        context: String,
        /// The closest existing names, best first.
        suggestions: Vec<String>,
    },
    /// A categorical value that was not seen when fitting.
    #[error(
        "column `{}`: unknown category `{}` (seen when fitting: {known})",
        snippet(.column),
        snippet(.value)
    )]
    UnknownCategory {
        /// The column.
        column: String,
        /// The value that was not seen.
        value: String,
        /// A short list of the known categories.
        known: String,
    },
    /// Too few samples (or classes) for the requested operation.
    #[error("not enough samples for {context}: need at least {needed}, got {got}")]
    NotEnoughSamples {
        /// What needed them.
        context: String,
        /// The minimum.
        needed: usize,
        /// What there was.
        got: usize,
    },
    /// Data that is well formed but cannot be used as given (e.g. NaN where the model takes none).
    #[error("invalid data: {0}")]
    InvalidData(String),
    /// A file or format satori cannot read.
    #[error("unsupported format: {0}")]
    UnsupportedFormat(String),
    /// A model file that is truncated, corrupted, of a newer format, or not a model file.
    #[error("{path}: {reason}")]
    ModelFile {
        /// The file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An I/O error, with the path involved.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The path that was being read or written.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A broken internal invariant: a bug in satori, never the user's fault.
    #[error("internal error (please report): {0}")]
    Internal(String),
}

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn param(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for an [`Error::Io`] on a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// An [`Error::MissingColumn`] for `name` in `context` (a file name, say) whose columns are
    /// `columns`: the closest names are the suggestions; when none is close, the context lists
    /// the columns there are (the first ten), so the message always says what would be right.
    pub fn missing_column<'a>(
        name: &str,
        context: &str,
        columns: impl IntoIterator<Item = &'a str> + Clone,
    ) -> Self {
        let suggestions = closest_names(name, columns.clone(), 3);
        let context = if suggestions.is_empty() {
            let all: Vec<&str> = columns.into_iter().collect();
            let mut list: Vec<String> = all
                .iter()
                .take(10)
                .map(|c| format!("`{}`", snippet(c)))
                .collect();
            if all.len() > 10 {
                list.push(format!("… {} in all", all.len()));
            }
            if list.is_empty() {
                format!("{context}, which has no columns")
            } else {
                format!("{context} (its columns: {})", list.join(", "))
            }
        } else {
            context.to_string()
        };
        Error::MissingColumn {
            name: name.to_string(),
            context,
            suggestions,
        }
    }

    /// Whether the error is the caller's to fix (bad input, parameters or files) rather than a
    /// bug. The CLI exits 1 for these and 2 otherwise.
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Error::Internal(_))
    }
}

/// The most characters of a value that [`snippet`] keeps.
pub const SNIPPET_CHARS: usize = 40;

/// A value from the user's data as quoted in a message: control characters escaped (so the
/// message stays on one line) and at most [`SNIPPET_CHARS`] characters, a longer value cut with
/// `…` (so one huge cell cannot make a huge message).
pub fn snippet(s: &str) -> String {
    clip(s, SNIPPET_CHARS)
}

/// A message part that may quote user input (a parser's error, say), kept on one line and to at
/// most `max_chars` characters, cut with `…`.
pub fn clip(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(4 * max_chars));
    for (i, c) in s.chars().enumerate() {
        if i == max_chars {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn missing_column_message(name: &str, context: &str, suggestions: &[String]) -> String {
    let mut msg = format!("no column `{}` in {context}", snippet(name));
    if !suggestions.is_empty() {
        let list: Vec<String> = suggestions
            .iter()
            .map(|s| format!("`{}`", snippet(s)))
            .collect();
        msg.push_str(&format!(" (did you mean {}?)", list.join(", ")));
    }
    msg
}

/// The names in `candidates` closest to `name` (case-insensitive Levenshtein-like ranking), at
/// most `n` of them, for "did you mean" messages. Names sharing nothing with `name` are left out.
pub fn closest_names<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    n: usize,
) -> Vec<String> {
    let target = name.to_lowercase();
    let mut scored: Vec<(usize, String)> = candidates
        .into_iter()
        .filter_map(|c| {
            let d = edit_distance(&target, &c.to_lowercase());
            let limit = (target.chars().count().max(c.chars().count()) / 2).max(2);
            let contains = c.to_lowercase().contains(&target) || target.contains(&c.to_lowercase());
            (d <= limit || contains).then(|| (d, c.to_string()))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(n).map(|(_, s)| s).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_column_lists_suggestions() {
        let names = ["target", "age", "income", "Target_2"];
        let s = closest_names("targte", names.iter().copied(), 3);
        assert_eq!(s[0], "target");
        let e = Error::MissingColumn {
            name: "targte".into(),
            context: "x.csv".into(),
            suggestions: s,
        };
        let msg = e.to_string();
        assert!(msg.contains("no column `targte` in x.csv"), "{msg}");
        assert!(msg.contains("did you mean `target`"), "{msg}");
    }

    #[test]
    fn missing_column_without_a_close_name_lists_the_columns() {
        let e = Error::missing_column("zzz", "t.csv", ["alpha", "beta"]);
        assert_eq!(
            e.to_string(),
            "no column `zzz` in t.csv (its columns: `alpha`, `beta`)"
        );
        let e = Error::missing_column("alpah", "t.csv", ["alpha", "beta"]);
        assert_eq!(
            e.to_string(),
            "no column `alpah` in t.csv (did you mean `alpha`?)"
        );
        let names: Vec<String> = (0..30).map(|i| format!("c{i}")).collect();
        let e = Error::missing_column("zzzzzz", "t.csv", names.iter().map(String::as_str));
        assert!(e.to_string().ends_with("`c9`, … 30 in all)"), "{e}");
    }

    #[test]
    fn user_values_in_messages_are_one_short_line() {
        assert_eq!(snippet("a\nb\0"), "a\\nb\\u{0}");
        let long = "x".repeat(100);
        assert_eq!(snippet(&long).chars().count(), SNIPPET_CHARS + 1);
        let e = Error::Parse {
            source_name: "t.csv".into(),
            line: 3,
            column: format!("two\nlines{long}"),
            message: "bad".into(),
        };
        let msg = e.to_string();
        assert!(!msg.contains('\n') && msg.len() < 80, "{msg}");
    }

    #[test]
    fn unrelated_names_are_not_suggested() {
        let s = closest_names("zzzzzz", ["age", "income"].iter().copied(), 3);
        assert!(s.is_empty());
    }

    #[test]
    fn internal_is_not_user_error() {
        assert!(!Error::Internal("x".into()).is_user_error());
        assert!(Error::param("a", "b").is_user_error());
    }
}
