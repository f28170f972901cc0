//! Number formatting shared by the pictures and the report.

/// `v` with `decimals` digits after the point; non-finite values as `NaN`, `inf`, `-inf`.
pub(crate) fn fixed(v: f64, decimals: usize) -> String {
    if v.is_finite() {
        let s = format!("{v:.decimals$}");
        // "-0.000" reads as a sign error.
        if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
            s[1..].to_string()
        } else {
            s
        }
    } else {
        format!("{v}")
    }
}

/// A (possibly weighted) count: whole numbers without decimals, others with two.
pub(crate) fn count(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        fixed(v, 2)
    }
}

/// A metric value: four decimals, or scientific notation when that would hide it.
pub(crate) fn metric(v: f64) -> String {
    let a = v.abs();
    if v.is_finite() && a != 0.0 && !(1e-3..1e6).contains(&a) {
        format!("{v:.3e}")
    } else {
        fixed(v, 4)
    }
}

/// A number in at most three significant digits, scientific outside 0.001 to 100 000.
pub(crate) fn short_number(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() || a == 0.0 {
        return fixed(v, 0);
    }
    if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.1e}");
        return s.replace(".0e", "e");
    }
    let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(fixed(0.91234, 3), "0.912");
        assert_eq!(fixed(-0.0001, 3), "0.000");
        assert_eq!(fixed(f64::NAN, 3), "NaN");
        assert_eq!(count(12.0), "12");
        assert_eq!(count(2.5), "2.50");
        assert_eq!(metric(0.5), "0.5000");
        assert_eq!(metric(1.5e-5), "1.500e-5");
        assert_eq!(metric(0.0), "0.0000");
        assert_eq!(metric(2.0e7), "2.000e7");
    }
}
