//! Random search.

use satori_core::rng::{RngExt, SatoriRng};
use serde::{Deserialize, Serialize};

use crate::space::{Distribution, Point, SearchSpace};

/// Random search: each active parameter drawn independently and uniformly (log-uniformly for a
/// log range; uniformly over the steps of a stepped range; uniformly over the choices).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RandomSampler {}

/// A random point of the space.
pub(crate) fn sample(space: &SearchSpace, rng: &mut SatoriRng) -> Point {
    let mut point: Point = vec![None; space.len()];
    for i in 0..space.len() {
        if space.is_active(i, &point) {
            point[i] = Some(draw(&space.params()[i].distribution, rng));
        }
    }
    point
}

/// One uniform draw from a distribution, as an internal coordinate.
pub(crate) fn draw(d: &Distribution, rng: &mut SatoriRng) -> f64 {
    match *d {
        Distribution::Float {
            low,
            high,
            log: true,
            ..
        } => {
            let u: f64 = rng.random();
            (low.ln() + u * (high.ln() - low.ln()))
                .exp()
                .clamp(low, high)
        }
        Distribution::Float {
            low,
            high,
            step: None,
            ..
        } => {
            let u: f64 = rng.random();
            (low + u * (high - low)).clamp(low, high)
        }
        Distribution::Float {
            low,
            high,
            step: Some(step),
            ..
        } => {
            let k = ((high - low) / step).round() as u64;
            low + rng.random_range(0..=k) as f64 * step
        }
        Distribution::Int {
            low,
            high,
            log: true,
            ..
        } => {
            // Log-uniform over [low − ½, high + ½], rounded: each integer gets its log-width.
            let (a, b) = ((low as f64 - 0.5).ln(), (high as f64 + 0.5).ln());
            let u: f64 = rng.random();
            (a + u * (b - a))
                .exp()
                .round()
                .clamp(low as f64, high as f64)
        }
        Distribution::Int {
            low, high, step, ..
        } => {
            let k = ((high - low) / step) as u64;
            (low + rng.random_range(0..=k) as i64 * step) as f64
        }
        Distribution::Choice { ref choices } => rng.random_range(0..choices.len()) as f64,
    }
}
