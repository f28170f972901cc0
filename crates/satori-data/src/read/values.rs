//! Parsing single values: missing markers, numbers, booleans, ISO-8601 date-times, and the
//! formatting of numeric labels.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// The missing-value markers of a read, matched against a field with surrounding ASCII
/// whitespace removed.
#[derive(Debug, Clone)]
pub(crate) struct Markers {
    list: Vec<Vec<u8>>,
    /// Bit `k` set when some marker has length `k` (markers of length ≥ 64 set bit 63).
    len_mask: u64,
}

impl Markers {
    /// The markers from their strings.
    pub(crate) fn new(list: &[String]) -> Self {
        let list: Vec<Vec<u8>> = list.iter().map(|m| trim(m.as_bytes()).to_vec()).collect();
        let len_mask = list.iter().fold(0u64, |m, s| m | (1u64 << s.len().min(63)));
        Markers { list, len_mask }
    }

    /// Whether `field` is a missing marker.
    #[inline]
    pub(crate) fn is_missing(&self, field: &[u8]) -> bool {
        let t = trim(field);
        if self.len_mask & (1u64 << t.len().min(63)) == 0 {
            return false;
        }
        self.list.iter().any(|m| m.as_slice() == t)
    }
}

/// `s` without leading and trailing ASCII whitespace.
#[inline]
pub(crate) fn trim(s: &[u8]) -> &[u8] {
    let mut a = 0;
    let mut b = s.len();
    while a < b && s[a].is_ascii_whitespace() {
        a += 1;
    }
    while b > a && s[b - 1].is_ascii_whitespace() {
        b -= 1;
    }
    &s[a..b]
}

/// A number, or `None` when the (trimmed) text is not one. `NaN` text parses as `NaN` (missing).
#[inline]
pub(crate) fn parse_number(field: &[u8]) -> Option<f64> {
    let t = trim(field);
    if t.is_empty() {
        return None;
    }
    fast_float2::parse::<f64, _>(t).ok()
}

/// Whether the (trimmed) text is an integer literal: an optional sign and one or more digits.
#[inline]
pub(crate) fn is_int_literal(field: &[u8]) -> bool {
    let t = trim(field);
    let digits = match t.first() {
        Some(b'+' | b'-') => &t[1..],
        _ => t,
    };
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// Whether the text is an integer exactly as [`format_number`] writes it: an optional `-`, no
/// leading zeros, no `-0`, at most 15 digits (exact in `f64`), no surrounding whitespace.
#[inline]
pub(crate) fn is_canonical_int(field: &[u8]) -> bool {
    let digits = match field.first() {
        Some(b'-') => &field[1..],
        _ => field,
    };
    !digits.is_empty()
        && digits.len() <= 15
        && digits.iter().all(u8::is_ascii_digit)
        && (digits.len() == 1 || digits[0] != b'0')
        && !(digits == b"0" && field.len() == 2)
}

/// A boolean word (`true`/`false`, `yes`/`no`, `t`/`f`, case-insensitive; surrounding whitespace
/// ignored). With `allow_digits`, also `1`/`0` (for columns declared boolean).
pub(crate) fn parse_bool(s: &str, allow_digits: bool) -> Option<bool> {
    let t = s.trim();
    let yes = ["true", "yes", "t"];
    let no = ["false", "no", "f"];
    if yes.iter().any(|w| t.eq_ignore_ascii_case(w)) || (allow_digits && t == "1") {
        Some(true)
    } else if no.iter().any(|w| t.eq_ignore_ascii_case(w)) || (allow_digits && t == "0") {
        Some(false)
    } else {
        None
    }
}

/// An ISO-8601 date (`2024-03-01`) or date-time (`2024-03-01T12:30:00`, a space instead of `T`,
/// optional fractional seconds, optional `Z` or `±HH:MM` offset; no offset means UTC) as seconds
/// since the Unix epoch, UTC.
pub(crate) fn parse_datetime(s: &str) -> Option<f64> {
    let t = s.trim();
    // Cheap shape test first: `dddd-dd-dd` at the start.
    let b = t.as_bytes();
    if b.len() < 10
        || !b[..4].iter().all(u8::is_ascii_digit)
        || b[4] != b'-'
        || b[7] != b'-'
        || !b[5..7].iter().all(u8::is_ascii_digit)
        || !b[8..10].iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    if b.len() == 10 {
        let d = NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()?;
        return Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp() as f64);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(seconds(dt.timestamp(), dt.timestamp_subsec_nanos()));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
            let u = dt.and_utc();
            return Some(seconds(u.timestamp(), u.timestamp_subsec_nanos()));
        }
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.fZ"] {
        if let Ok(dt) = DateTime::parse_from_str(t, fmt) {
            return Some(seconds(dt.timestamp(), dt.timestamp_subsec_nanos()));
        }
    }
    None
}

fn seconds(secs: i64, nanos: u32) -> f64 {
    secs as f64 + f64::from(nanos) / 1e9
}

/// A numeric label as text: integers without a trailing `.0` (`3`, not `3.0`), other values as
/// Rust's shortest round-trip representation.
pub(crate) fn format_number(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e17 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Whether a column name looks like an identifier's: `id`, `uuid`, `guid`, `key`, `index`, or a
/// name ending in `_id`, `-id`, ` id`, `Id`/`ID` after a lowercase letter (`userId`), or starting
/// with `id_`.
pub(crate) fn looks_like_id_name(name: &str) -> bool {
    let lower = name.trim().to_ascii_lowercase();
    if ["id", "uuid", "guid", "key", "index", "idx", "unnamed: 0"].contains(&lower.as_str()) {
        return true;
    }
    if lower.ends_with("_id") || lower.ends_with("-id") || lower.ends_with(" id") {
        return true;
    }
    if lower.starts_with("id_") {
        return true;
    }
    let chars: Vec<char> = name.trim().chars().collect();
    let n = chars.len();
    n >= 3
        && (chars[n - 2..] == ['I', 'd'] || chars[n - 2..] == ['I', 'D'])
        && chars[n - 3].is_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_match_trimmed_fields() {
        let m = Markers::new(&["".into(), "NA".into(), "?".into()]);
        assert!(m.is_missing(b""));
        assert!(m.is_missing(b"  "));
        assert!(m.is_missing(b" NA "));
        assert!(m.is_missing(b"?"));
        assert!(!m.is_missing(b"na"));
        assert!(!m.is_missing(b"NAN"));
    }

    #[test]
    fn numbers_and_integer_literals() {
        assert_eq!(parse_number(b" 1.5 "), Some(1.5));
        assert_eq!(parse_number(b"-2e3"), Some(-2000.0));
        assert_eq!(parse_number(b"abc"), None);
        assert_eq!(parse_number(b"1.2.3"), None);
        assert_eq!(parse_number(b""), None);
        assert!(is_int_literal(b"-12"));
        assert!(is_int_literal(b"+7"));
        assert!(!is_int_literal(b"1.0"));
        assert!(!is_int_literal(b"1e3"));
        assert!(!is_int_literal(b"-"));
        for t in ["0", "7", "-12", "123456789012345"] {
            assert!(is_canonical_int(t.as_bytes()), "{t}");
            let v = parse_number(t.as_bytes()).unwrap();
            assert_eq!(format_number(v), t);
        }
        for t in ["007", "+5", "-0", " 5", "1234567890123456", "1.0"] {
            assert!(!is_canonical_int(t.as_bytes()), "{t}");
        }
    }

    #[test]
    fn booleans() {
        assert_eq!(parse_bool("TRUE", false), Some(true));
        assert_eq!(parse_bool("No", false), Some(false));
        assert_eq!(parse_bool("t", false), Some(true));
        assert_eq!(parse_bool("1", false), None);
        assert_eq!(parse_bool("1", true), Some(true));
        assert_eq!(parse_bool("0", true), Some(false));
        assert_eq!(parse_bool("maybe", true), None);
    }

    #[test]
    fn datetimes() {
        assert_eq!(parse_datetime("1970-01-02"), Some(86400.0));
        assert_eq!(parse_datetime("1970-01-01T00:01:00"), Some(60.0));
        assert_eq!(parse_datetime("1970-01-01 00:00:01.5"), Some(1.5));
        assert_eq!(parse_datetime("1970-01-01T01:00:00+01:00"), Some(0.0));
        assert_eq!(parse_datetime("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_datetime("2024-02-30"), None);
        assert_eq!(parse_datetime("hello world"), None);
        assert_eq!(parse_datetime("2024"), None);
    }

    #[test]
    fn number_labels_have_no_trailing_zero() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(-1.0), "-1");
        assert_eq!(format_number(0.5), "0.5");
    }

    #[test]
    fn id_names() {
        for n in [
            "id",
            "ID",
            "user_id",
            "userId",
            "customerID",
            "id_x",
            "uuid",
        ] {
            assert!(looks_like_id_name(n), "{n}");
        }
        for n in ["paid", "idle", "width", "value", "Did"] {
            assert!(!looks_like_id_name(n), "{n}");
        }
    }
}
