//! The fitting steps both models share: categorical flags, weights, the early-stopping
//! decision and the validation set (given or held out).

use satori_core::collective::{Collective, Spread, allgather_concat};
use satori_core::{ColumnKind, Dataset, Progress, Result};

use crate::boost::{Job, Rows, holdout, train};
use crate::booster::Booster;
use crate::loss::Objective;
use crate::params::{Common, EarlyStopping};

/// Rows above which `early_stopping = "auto"` turns early stopping on (scikit-learn's rule).
const AUTO_EARLY_STOPPING_ROWS: usize = 10_000;

/// Which columns are split as categories: listed in `categorical_features`, or categorical in
/// the schema.
pub(crate) fn categorical_flags(c: &Common, data: &Dataset) -> Vec<bool> {
    let mut flags: Vec<bool> = data
        .features()
        .columns
        .iter()
        .map(|col| matches!(col.kind, ColumnKind::Categorical { .. }))
        .collect();
    flags.resize(data.n_features(), false);
    for &j in &c.categorical_features {
        if let Some(f) = flags.get_mut(j) {
            *f = true;
        }
    }
    flags
}

/// Everything a fit needs besides the rows.
pub(crate) struct FitSpec<'a> {
    pub common: &'a Common,
    pub objective: Objective,
    pub init: Option<&'a Booster>,
    /// Class codes and class count, for a stratified hold-out.
    pub classes: Option<(&'a [usize], usize)>,
    /// The ranks sharing the rows.
    pub comm: &'a dyn Collective,
}

/// Fit on `data` (with encoded target `y` and final weights `w`), validating on `valid` (its
/// encoded target and weights) or on a held-out part when early stopping is on.
pub(crate) fn fit_rows(
    spec: &FitSpec<'_>,
    data: &Dataset,
    y: Vec<f64>,
    w: Vec<f64>,
    valid: Option<(&Dataset, Vec<f64>, Vec<f64>)>,
    progress: &dyn Progress,
) -> Result<Booster> {
    let c = spec.common;
    let spread = Spread::of(spec.comm, data.n_samples())?;
    let early = match c.early_stopping {
        EarlyStopping::On => true,
        EarlyStopping::Off => false,
        EarlyStopping::Auto => spread.total > AUTO_EARLY_STOPPING_ROWS,
    };
    let job = Job {
        common: c,
        objective: spec.objective,
        categorical: categorical_flags(c, data),
        early_stopping: early,
        init: spec.init,
        comm: spec.comm,
    };
    if let Some((vd, vy, vw)) = valid {
        satori_core::check_features(vd.x(), data.n_features())?;
        let tr = Rows { x: data.x(), y, w };
        let va = Rows {
            x: vd.x(),
            y: vy,
            w: vw,
        };
        return train(&job, &tr, Some(&va), progress);
    }
    if !early {
        let tr = Rows { x: data.x(), y, w };
        return train(&job, &tr, None, progress);
    }
    // The hold-out is drawn among all ranks' rows (their class codes gathered), as one
    // process would draw it; each rank keeps its own rows of each part.
    let all_codes: Option<(Vec<usize>, usize)> = match spec.classes {
        Some((codes, k)) if spec.comm.size() > 1 => {
            let local: Vec<f64> = codes.iter().map(|&c| c as f64).collect();
            let all = allgather_concat(spec.comm, &local)?;
            Some((all.into_iter().map(|c| c as usize).collect(), k))
        }
        Some((codes, k)) => Some((codes.to_vec(), k)),
        None => None,
    };
    let (ti, vi) = holdout(
        spread.total,
        all_codes.as_ref().map(|(c, k)| (c.as_slice(), *k)),
        c.validation_fraction,
        c.seed,
    )?;
    let ti: Vec<usize> = spread.local(&ti).collect();
    let vi: Vec<usize> = spread.local(&vi).collect();
    let pick = |idx: &[usize], v: &[f64]| idx.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let xt = data.x().select(ndarray::Axis(0), &ti);
    let xv = data.x().select(ndarray::Axis(0), &vi);
    let tr = Rows {
        x: xt.view(),
        y: pick(&ti, &y),
        w: pick(&ti, &w),
    };
    let va = Rows {
        x: xv.view(),
        y: pick(&vi, &y),
        w: pick(&vi, &w),
    };
    train(&job, &tr, Some(&va), progress)
}
