//! The unit cube that the QMC, GP, CMA-ES and GA samplers work in: each parameter maps to
//! `[0, 1]` (log ranges in log space; stepped floats, integers and choices as equal-width cells,
//! so every value owns the same share of the cube, as Optuna's `_SearchSpaceTransform` does).

use crate::space::{Distribution, Point, SearchSpace};
use crate::trial::{Direction, TrialState};

use super::Observed;

/// The value of a unit coordinate `u` (clamped into `[0, 1]`) as an internal coordinate.
pub(crate) fn from_unit(d: &Distribution, u: f64) -> f64 {
    let u = if u.is_finite() {
        u.clamp(0.0, 1.0)
    } else {
        0.5
    };
    // The cell of `u` among `k + 1` equal cells.
    let cell = |k: f64| (u * (k + 1.0)).floor().min(k);
    match *d {
        Distribution::Float {
            low,
            high,
            log: true,
            ..
        } => (low.ln() + u * (high.ln() - low.ln()))
            .exp()
            .clamp(low, high),
        Distribution::Float {
            low,
            high,
            step: None,
            ..
        } => (low + u * (high - low)).clamp(low, high),
        Distribution::Float {
            low,
            high,
            step: Some(step),
            ..
        } => {
            let k = ((high - low) / step).round();
            (low + cell(k) * step).clamp(low, high)
        }
        Distribution::Int {
            low,
            high,
            log: true,
            ..
        } => {
            let (a, b) = ((low as f64 - 0.5).ln(), (high as f64 + 0.5).ln());
            (a + u * (b - a))
                .exp()
                .round()
                .clamp(low as f64, high as f64)
        }
        Distribution::Int {
            low, high, step, ..
        } => {
            let k = ((high - low) / step) as f64;
            (low as f64 + cell(k) * step as f64).clamp(low as f64, high as f64)
        }
        Distribution::Choice { ref choices } => cell(choices.len() as f64 - 1.0),
    }
}

/// The unit coordinate of an internal coordinate (a cell's centre for discrete values).
pub(crate) fn to_unit(d: &Distribution, x: f64) -> f64 {
    let centre = |i: f64, k: f64| ((i + 0.5) / (k + 1.0)).clamp(0.0, 1.0);
    let u = match *d {
        Distribution::Float {
            low,
            high,
            log: true,
            ..
        } => (x.max(low).ln() - low.ln()) / (high.ln() - low.ln()),
        Distribution::Float {
            low,
            high,
            step: None,
            ..
        } => (x - low) / (high - low),
        Distribution::Float {
            low,
            high,
            step: Some(step),
            ..
        } => centre(((x - low) / step).round(), ((high - low) / step).round()),
        Distribution::Int {
            low,
            high,
            log: true,
            ..
        } => {
            let (a, b) = ((low as f64 - 0.5).ln(), (high as f64 + 0.5).ln());
            (x.max(0.5).ln() - a) / (b - a)
        }
        Distribution::Int {
            low, high, step, ..
        } => centre(
            ((x - low as f64) / step as f64).round(),
            ((high - low) / step) as f64,
        ),
        Distribution::Choice { ref choices } => centre(x.round(), choices.len() as f64 - 1.0),
    };
    if u.is_finite() {
        u.clamp(0.0, 1.0)
    } else {
        0.5
    }
}

/// Whether a distribution is a choice (categorical).
pub(crate) fn is_choice(d: &Distribution) -> bool {
    matches!(d, Distribution::Choice { .. })
}

/// The complete trials with their losses (the direction applied), in trial-number order.
pub(crate) fn complete<'a>(
    history: &[Observed<'a>],
    direction: Direction,
) -> Vec<(&'a Point, f64, u64)> {
    history
        .iter()
        .filter(|o| o.record.state == TrialState::Complete)
        .filter_map(|o| {
            let v = direction.loss(o.record.value?);
            v.is_finite().then_some((o.point, v, o.record.number))
        })
        .collect()
}

/// Fill a point from per-parameter proposals: parameters are walked parents first, an active
/// parameter takes its proposal when there is one and an independent random draw otherwise, an
/// inactive one stays `None`.
pub(crate) fn complete_point(
    space: &SearchSpace,
    proposal: &[Option<f64>],
    rng: &mut satori_core::rng::SatoriRng,
) -> Point {
    let mut point: Point = vec![None; space.len()];
    for i in 0..space.len() {
        if space.is_active(i, &point) {
            let d = &space.params()[i].distribution;
            point[i] = Some(match proposal.get(i).copied().flatten() {
                Some(x) => x,
                None => super::random::draw(d, rng),
            });
        }
    }
    point
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_round_trips_and_cells_are_equal() {
        let space = crate::SearchSpace::parse_specs([
            "a=float(0.001,10,log)",
            "b=float(-1,1)",
            "c=float(0,1,step=0.25)",
            "d=int(1,100,log)",
            "e=int(0,10,step=5)",
            "f=choice(x,y,z)",
        ])
        .unwrap();
        for p in space.params() {
            let d = &p.distribution;
            for i in 0..=100 {
                let u = i as f64 / 100.0;
                let x = from_unit(d, u);
                assert!(d.from_value(&d.to_value(x)).is_ok(), "{d} {u} {x}");
                let back = from_unit(d, to_unit(d, x));
                assert!(
                    (back - x).abs() <= 1e-9 * x.abs().max(1.0),
                    "{d} {x} {back}"
                );
            }
        }
        let e = &space.params()[4].distribution;
        let counts: Vec<usize> = [0.0, 5.0, 10.0]
            .iter()
            .map(|&v| {
                (0..300)
                    .filter(|&i| from_unit(e, (i as f64 + 0.5) / 300.0) == v)
                    .count()
            })
            .collect();
        assert_eq!(counts, vec![100, 100, 100]);
    }
}
