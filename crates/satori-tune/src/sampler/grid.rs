//! Grid search: every combination of the parameters' grid values.

use satori_core::Result;
use satori_core::rng::{rng, shuffle};
use serde::{Deserialize, Serialize};

use crate::space::{Point, SearchSpace};

/// Grid search. Each parameter contributes its grid values: every choice, every integer (or
/// every `step`), a float's `step` multiples, or `grid=N` evenly spaced points (log-spaced for a
/// log range); a float range with neither is an error. Conditional parameters branch only where
/// they exist, so the grid is the union over the parents' values of the cartesian products of the
/// active parameters. Trials take the points in order (the last parameter varies fastest), or in
/// a seeded shuffled order; when every point has been asked, `ask` returns `None`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GridSampler {
    /// Visit the points in a seeded random order (useful with a trial budget). Default: false.
    pub shuffle: bool,
}

impl GridSampler {
    /// The grid's points in visiting order (shuffled with `seed` when asked).
    pub(crate) fn points(&self, space: &SearchSpace, seed: u64) -> Result<Vec<Point>> {
        let mut points = space.grid()?;
        if self.shuffle {
            shuffle(&mut points, &mut rng(seed));
        }
        Ok(points)
    }
}
