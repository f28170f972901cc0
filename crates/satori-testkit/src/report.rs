//! What a conformance run gives back: the [`Status`] of each check in a [`Report`], and the
//! [`Tolerance`] the checks that compare floats use. Shared by the estimator and the transformer
//! suites.

use std::fmt;

use crate::check::Check;

/// How one check ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// The property holds.
    Passed,
    /// The property does not hold; the message says where.
    Failed(String),
    /// Not run, for the written reason.
    Skipped(String),
}

/// The outcome of every check of one run: [`Check`]s for the estimator suite,
/// [`TransformerCheck`](crate::TransformerCheck)s for the transformer suite.
#[derive(Debug, Clone)]
pub struct Report<C = Check> {
    /// What was checked: the params' type and their JSON.
    pub subject: String,
    /// Each check that was considered, in run order, with its status.
    pub outcomes: Vec<(C, Status)>,
}

impl<C: Copy + PartialEq + fmt::Display> Report<C> {
    /// The status of `check`, if it was considered.
    pub fn status(&self, check: C) -> Option<&Status> {
        self.outcomes
            .iter()
            .find(|(c, _)| *c == check)
            .map(|(_, s)| s)
    }

    /// Whether `check` failed.
    pub fn failed(&self, check: C) -> bool {
        matches!(self.status(check), Some(Status::Failed(_)))
    }

    /// Whether `check` passed.
    pub fn passed(&self, check: C) -> bool {
        matches!(self.status(check), Some(Status::Passed))
    }

    /// Whether `check` was skipped (for a written reason, or because it cannot apply).
    pub fn skipped(&self, check: C) -> bool {
        matches!(self.status(check), Some(Status::Skipped(_)))
    }

    /// The failed checks with their messages.
    pub fn failures(&self) -> Vec<(C, &str)> {
        self.outcomes
            .iter()
            .filter_map(|(c, s)| match s {
                Status::Failed(m) => Some((*c, m.as_str())),
                _ => None,
            })
            .collect()
    }

    /// Whether no check failed.
    pub fn is_ok(&self) -> bool {
        self.failures().is_empty()
    }

    /// Panic with the full report when any check failed.
    pub fn assert_ok(&self) {
        if !self.is_ok() {
            panic!("{self}");
        }
    }
}

impl<C: fmt::Display> fmt::Display for Report<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = |p: fn(&Status) -> bool| self.outcomes.iter().filter(|(_, s)| p(s)).count();
        writeln!(
            f,
            "conformance of {}: {} passed, {} failed, {} skipped",
            self.subject,
            count(|s| matches!(s, Status::Passed)),
            count(|s| matches!(s, Status::Failed(_))),
            count(|s| matches!(s, Status::Skipped(_))),
        )?;
        for (check, status) in &self.outcomes {
            match status {
                Status::Passed => writeln!(f, "  ok      {check}")?,
                Status::Failed(m) => {
                    writeln!(f, "  FAILED  {check}: {}", m.replace('\n', "\n          "))?
                }
                Status::Skipped(r) => writeln!(f, "  skipped {check}: {r}")?,
            }
        }
        Ok(())
    }
}

/// An absolute and relative tolerance: `|a - b| <= atol + rtol * |b|`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
}

impl Tolerance {
    /// Bit-for-bit equality (NaN equal to NaN).
    pub const EXACT: Tolerance = Tolerance {
        rtol: 0.0,
        atol: 0.0,
    };

    /// The default tolerance of fits on reordered rows: floating-point sums depend on the order
    /// of the rows (in scikit-learn too).
    pub(crate) const FIT_ORDER: Tolerance = Tolerance {
        rtol: 1e-12,
        atol: 1e-300,
    };

    /// Whether `a` equals the expected `b` within the tolerance (bit for bit when exact; NaN
    /// equals NaN either way).
    pub(crate) fn eq(self, a: f64, b: f64) -> bool {
        if self == Tolerance::EXACT {
            a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
        } else {
            crate::golden::is_close(a, b, self.rtol, self.atol)
        }
    }
}
