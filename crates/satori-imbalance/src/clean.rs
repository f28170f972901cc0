//! Cleaning samplers: rules that remove the rows their neighbours flag — Tomek links, edited
//! nearest neighbours (once, repeated, with growing neighbourhoods), one-sided selection and the
//! neighbourhood cleaning rule. All but one-sided selection are deterministic.

use std::collections::BTreeSet;

use ndarray::ArrayView2;
use satori_core::rng::{RngExt, rng};
use satori_core::{Dataset, Error, Params, Result};
use serde::{Deserialize, Serialize};

use crate::common::{self, Classes, check_finite, index, knn_self, mode, take};
use crate::strategy::{SamplingKind, SamplingStrategy};
use crate::under::selected;
use crate::{Resampled, Resampler, checked};

/// imbalanced-learn's `TomekLinks`: removes the targeted rows of each Tomek link — two rows of
/// different classes that are each other's nearest neighbour. With the default `auto` only the
/// larger classes' row of a link goes; with `all`, both.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TomekLinksParams {
    /// Which classes lose their linked rows. Default `auto` (every class but the minority).
    pub sampling_strategy: SamplingStrategy,
}

impl Params for TomekLinksParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()
    }
}

/// The rows of `x` kept by the Tomek-link rule for the targeted classes `targeted` (by code).
pub(crate) fn tomek_keep(
    x: ArrayView2<'_, f64>,
    cls: &Classes,
    targeted: &BTreeSet<usize>,
) -> Result<Vec<usize>> {
    if x.nrows() < 2 {
        return Err(Error::InvalidData(
            "`tomek_links` needs at least 2 rows".into(),
        ));
    }
    let nn = knn_self(x, 1)?.indices;
    let y = &cls.codes;
    Ok((0..x.nrows())
        .filter(|&i| {
            let j = nn[[i, 0]];
            let link = targeted.contains(&y[i]) && y[j] != y[i] && nn[[j, 0]] == i;
            !link
        })
        .collect())
}

impl Resampler for TomekLinksParams {
    fn name(&self) -> &'static str {
        "tomek_links"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let cls = common::classes(data, self.name())?;
        let targeted = cls
            .targets(&self.sampling_strategy, SamplingKind::Cleaning)?
            .into_keys()
            .collect();
        check_finite(data, self.name())?;
        let keep = tomek_keep(data.x(), &cls, &targeted)?;
        selected(data, &cls, keep, self.name())
    }
}

/// `kind_sel` of the edited-nearest-neighbours rules: when a row of a targeted class stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KindSel {
    /// Every neighbour is of the row's class (the default).
    #[default]
    All,
    /// The most common class of the neighbours (the smallest class on a tie) is the row's.
    Mode,
}

/// The rows of `x` (class codes `cls`) that ENN keeps with `k` neighbours: every row of an
/// untargeted class, and the rows of targeted classes that their neighbours agree with; grouped
/// by class, in class order (imbalanced-learn's `sample_indices_`).
pub(crate) fn enn_keep(
    x: ArrayView2<'_, f64>,
    cls: &Classes,
    targeted: &BTreeSet<usize>,
    k: usize,
    kind: KindSel,
    sampler: &str,
) -> Result<Vec<usize>> {
    if x.nrows() < k + 1 {
        return Err(Error::InvalidData(format!(
            "`{sampler}`: n_neighbors = {k} needs at least {} rows, and there are {}; lower \
             n_neighbors",
            k + 1,
            x.nrows()
        )));
    }
    let nn = knn_self(x, k)?.indices;
    let y = &cls.codes;
    let mut keep = Vec::with_capacity(x.nrows());
    for c in cls.present() {
        let rows = cls.rows(c);
        if !targeted.contains(&c) {
            keep.extend(rows);
            continue;
        }
        keep.extend(rows.into_iter().filter(|&i| {
            let labels = nn.row(i);
            match kind {
                KindSel::All => labels.iter().all(|&j| y[j] == c),
                KindSel::Mode => mode(labels.iter().map(|&j| y[j]), cls.labels.len()) == c,
            }
        }));
    }
    Ok(keep)
}

/// imbalanced-learn's `EditedNearestNeighbours`: removes each row of a targeted class whose
/// `n_neighbors` nearest rows disagree with it (`kind_sel`). Output rows are grouped by class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EditedNearestNeighboursParams {
    /// Which classes are cleaned. Default `auto` (every class but the minority).
    pub sampling_strategy: SamplingStrategy,
    /// Neighbours that judge each row. Default 3; ≥ 1.
    pub n_neighbors: usize,
    /// `all` (default: every neighbour must agree) or `mode` (most of them).
    pub kind_sel: KindSel,
}

impl Default for EditedNearestNeighboursParams {
    fn default() -> Self {
        EditedNearestNeighboursParams {
            sampling_strategy: SamplingStrategy::Auto,
            n_neighbors: 3,
            kind_sel: KindSel::All,
        }
    }
}

fn check_n(k: usize) -> Result<()> {
    if k == 0 {
        return Err(Error::param("n_neighbors", "must be ≥ 1, got 0"));
    }
    Ok(())
}

impl Params for EditedNearestNeighboursParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()?;
        check_n(self.n_neighbors)
    }
}

fn targeted(cls: &Classes, s: &SamplingStrategy) -> Result<BTreeSet<usize>> {
    Ok(cls
        .targets(s, SamplingKind::Cleaning)?
        .into_keys()
        .collect())
}

impl Resampler for EditedNearestNeighboursParams {
    fn name(&self) -> &'static str {
        "edited_nearest_neighbours"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let cls = common::classes(data, self.name())?;
        let t = targeted(&cls, &self.sampling_strategy)?;
        check_finite(data, self.name())?;
        let keep = enn_keep(
            data.x(),
            &cls,
            &t,
            self.n_neighbors,
            self.kind_sel,
            self.name(),
        )?;
        selected(data, &cls, keep, self.name())
    }
}

/// The state of the repeated rules: the rows still kept and whether to stop.
struct Repeat<'a> {
    data: &'a Dataset,
    cls: &'a Classes,
    minority: usize,
    n_classes: usize,
    kept: Vec<usize>,
}

impl<'a> Repeat<'a> {
    fn new(data: &'a Dataset, cls: &'a Classes) -> Self {
        Repeat {
            data,
            cls,
            minority: cls.minority_by_appearance(),
            n_classes: cls.present().len(),
            kept: (0..data.n_samples()).collect(),
        }
    }

    /// One ENN pass on the kept rows; returns (no row removed, a stopping condition met).
    fn pass(
        &mut self,
        strategy: &SamplingStrategy,
        k: usize,
        kind: KindSel,
        allow_minority: bool,
        sampler: &str,
    ) -> Result<(bool, bool)> {
        let sub = self.cls.select(&self.kept);
        let t = targeted(&sub, strategy)?;
        let x = take(self.data.x(), &self.kept);
        let keep = enn_keep(x.view(), &sub, &t, k, kind, sampler)?;
        let converged = keep.len() == self.kept.len();
        self.kept = keep.iter().map(|&i| self.kept[i]).collect();
        let after = self.cls.select(&self.kept);
        let n_min = self.cls.counts[self.minority];
        let min_became_maj = !allow_minority
            && after
                .present()
                .iter()
                .any(|&c| c != self.minority && after.counts[c] < n_min);
        let class_removed = after.present().len() < self.n_classes;
        Ok((converged, min_became_maj || class_removed))
    }
}

/// imbalanced-learn's `RepeatedEditedNearestNeighbours`: ENN again and again until it removes
/// nothing, `max_iter` passes, a class other than the minority falls below the minority's
/// original count, or a class disappears.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RepeatedEditedNearestNeighboursParams {
    /// Which classes are cleaned (re-resolved on each pass's rows). Default `auto`.
    pub sampling_strategy: SamplingStrategy,
    /// Neighbours that judge each row. Default 3; ≥ 1.
    pub n_neighbors: usize,
    /// Most passes. Default 100; ≥ 1.
    pub max_iter: usize,
    /// `all` (default) or `mode`.
    pub kind_sel: KindSel,
}

impl Default for RepeatedEditedNearestNeighboursParams {
    fn default() -> Self {
        RepeatedEditedNearestNeighboursParams {
            sampling_strategy: SamplingStrategy::Auto,
            n_neighbors: 3,
            max_iter: 100,
            kind_sel: KindSel::All,
        }
    }
}

impl Params for RepeatedEditedNearestNeighboursParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()?;
        check_n(self.n_neighbors)?;
        if self.max_iter == 0 {
            return Err(Error::param("max_iter", "must be ≥ 1, got 0"));
        }
        Ok(())
    }
}

impl Resampler for RepeatedEditedNearestNeighboursParams {
    fn name(&self) -> &'static str {
        "repeated_edited_nearest_neighbours"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let cls = common::classes(data, self.name())?;
        targeted(&cls, &self.sampling_strategy)?;
        check_finite(data, self.name())?;
        let mut state = Repeat::new(data, &cls);
        for _ in 0..self.max_iter {
            let (converged, stop) = state.pass(
                &self.sampling_strategy,
                self.n_neighbors,
                self.kind_sel,
                false,
                self.name(),
            )?;
            if converged || stop {
                break;
            }
        }
        selected(data, &cls, state.kept, self.name())
    }
}

/// imbalanced-learn's `AllKNN`: ENN with 1, 2, …, `n_neighbors` neighbours in turn, each pass on
/// the previous one's rows, stopping early when a class other than the minority falls below the
/// minority's original count (unless `allow_minority`) or a class disappears.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AllKnnParams {
    /// Which classes are cleaned (re-resolved on each pass's rows). Default `auto`.
    pub sampling_strategy: SamplingStrategy,
    /// The largest neighbourhood. Default 3; ≥ 1.
    pub n_neighbors: usize,
    /// `all` (default) or `mode`.
    pub kind_sel: KindSel,
    /// Go on when a class falls below the minority's count. Default false.
    pub allow_minority: bool,
}

impl Default for AllKnnParams {
    fn default() -> Self {
        AllKnnParams {
            sampling_strategy: SamplingStrategy::Auto,
            n_neighbors: 3,
            kind_sel: KindSel::All,
            allow_minority: false,
        }
    }
}

impl Params for AllKnnParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()?;
        check_n(self.n_neighbors)
    }
}

impl Resampler for AllKnnParams {
    fn name(&self) -> &'static str {
        "all_knn"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let cls = common::classes(data, self.name())?;
        targeted(&cls, &self.sampling_strategy)?;
        check_finite(data, self.name())?;
        let mut state = Repeat::new(data, &cls);
        for k in 1..=self.n_neighbors {
            let (_, stop) = state.pass(
                &self.sampling_strategy,
                k,
                self.kind_sel,
                self.allow_minority,
                self.name(),
            )?;
            if stop {
                break;
            }
        }
        selected(data, &cls, state.kept, self.name())
    }
}

/// imbalanced-learn's `OneSidedSelection`: for each targeted class, `n_seeds_S` random rows of
/// it (drawn with replacement) and the whole minority class form a reference set; the class's
/// other rows that a `n_neighbors`-nearest-neighbour vote on that set misclassifies are kept
/// with the seeds, then Tomek links are removed from the targeted classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OneSidedSelectionParams {
    /// Which classes are reduced. Default `auto` (every class but the minority).
    pub sampling_strategy: SamplingStrategy,
    /// Seed of the draws. Default 0.
    pub seed: u64,
    /// Neighbours of the vote. Default 1; ≥ 1.
    pub n_neighbors: usize,
    /// Random rows of the class in the reference set. Default 1; ≥ 1.
    #[serde(rename = "n_seeds_S")]
    pub n_seeds_s: usize,
}

impl Default for OneSidedSelectionParams {
    fn default() -> Self {
        OneSidedSelectionParams {
            sampling_strategy: SamplingStrategy::Auto,
            seed: 0,
            n_neighbors: 1,
            n_seeds_s: 1,
        }
    }
}

impl Params for OneSidedSelectionParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()?;
        check_n(self.n_neighbors)?;
        if self.n_seeds_s == 0 {
            return Err(Error::param("n_seeds_S", "must be ≥ 1, got 0"));
        }
        Ok(())
    }
}

/// The class the `k` nearest reference rows vote for (most votes; the smallest class on a
/// tie), for each query.
fn knn_vote(
    reference: ArrayView2<'_, f64>,
    ref_codes: &[usize],
    queries: ArrayView2<'_, f64>,
    k: usize,
    n_classes: usize,
) -> Result<Vec<usize>> {
    let nn = index(reference)?.kneighbors(queries, k)?.indices;
    Ok(nn
        .outer_iter()
        .map(|r| mode(r.iter().map(|&j| ref_codes[j]), n_classes))
        .collect())
}

impl Resampler for OneSidedSelectionParams {
    fn name(&self) -> &'static str {
        "one_sided_selection"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let cls = common::classes(data, self.name())?;
        let t = targeted(&cls, &self.sampling_strategy)?;
        check_finite(data, self.name())?;
        let minority = cls.minority_by_appearance();
        let min_rows = cls.rows(minority);
        let mut r = rng(self.seed);
        let mut keep = Vec::new();
        for c in cls.present() {
            let rows = cls.rows(c);
            if !t.contains(&c) {
                keep.extend(rows);
                continue;
            }
            let picks: Vec<usize> = (0..self.n_seeds_s)
                .map(|_| r.random_range(0..rows.len()))
                .collect();
            let seeds: Vec<usize> = picks.iter().map(|&i| rows[i]).collect();
            let reference: Vec<usize> = min_rows.iter().chain(&seeds).copied().collect();
            if reference.len() < self.n_neighbors {
                return Err(Error::InvalidData(format!(
                    "`one_sided_selection`: n_neighbors = {} needs at least that many reference \
                     rows (the minority class and n_seeds_S), and there are {}",
                    self.n_neighbors,
                    reference.len()
                )));
            }
            let rest: Vec<usize> = (0..rows.len())
                .filter(|i| !picks.contains(i))
                .map(|i| rows[i])
                .collect();
            let ref_codes: Vec<usize> = reference.iter().map(|&i| cls.codes[i]).collect();
            let votes = knn_vote(
                take(data.x(), &reference).view(),
                &ref_codes,
                take(data.x(), &rest).view(),
                self.n_neighbors,
                cls.labels.len(),
            )?;
            keep.extend(seeds);
            keep.extend(
                rest.iter()
                    .zip(votes)
                    .filter(|(i, v)| cls.codes[**i] != *v)
                    .map(|(i, _)| *i),
            );
        }
        let sub = cls.select(&keep);
        let x = take(data.x(), &keep);
        let after = tomek_keep(x.view(), &sub, &t)?;
        let keep = after.into_iter().map(|i| keep[i]).collect();
        selected(data, &cls, keep, self.name())
    }
}

/// imbalanced-learn's `NeighbourhoodCleaningRule`: removes (1) the rows of targeted classes that
/// ENN (`kind_sel = mode`, `n_neighbors`) rejects, and (2) the rows of the classes to clean —
/// targeted classes with more than `threshold_cleaning` × the minority's rows — that are among
/// the `n_neighbors` nearest of a minority row misclassified by the `n_neighbors`-nearest vote.
/// Output rows stay in input order. Deterministic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NeighbourhoodCleaningRuleParams {
    /// Which classes are cleaned. Default `auto` (every class but the minority).
    pub sampling_strategy: SamplingStrategy,
    /// Neighbours of both rules. Default 3; ≥ 1.
    pub n_neighbors: usize,
    /// A class is cleaned by rule 2 when it has more rows than this × the minority's. Default
    /// 0.5; > 0.
    pub threshold_cleaning: f64,
}

impl Default for NeighbourhoodCleaningRuleParams {
    fn default() -> Self {
        NeighbourhoodCleaningRuleParams {
            sampling_strategy: SamplingStrategy::Auto,
            n_neighbors: 3,
            threshold_cleaning: 0.5,
        }
    }
}

impl Params for NeighbourhoodCleaningRuleParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()?;
        check_n(self.n_neighbors)?;
        if !(self.threshold_cleaning > 0.0 && self.threshold_cleaning.is_finite()) {
            return Err(Error::param(
                "threshold_cleaning",
                format!("must be > 0, got {}", self.threshold_cleaning),
            ));
        }
        Ok(())
    }
}

impl Resampler for NeighbourhoodCleaningRuleParams {
    fn name(&self) -> &'static str {
        "neighbourhood_cleaning_rule"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let cls = common::classes(data, self.name())?;
        let t = targeted(&cls, &self.sampling_strategy)?;
        check_finite(data, self.name())?;
        let k = self.n_neighbors;
        let n = data.n_samples();
        let mut drop = vec![true; n];
        for i in enn_keep(data.x(), &cls, &t, k, KindSel::Mode, self.name())? {
            drop[i] = false;
        }
        let minority = cls.minority_by_appearance();
        let n_min = cls.counts[minority] as f64;
        let to_clean: BTreeSet<usize> = t
            .iter()
            .copied()
            .filter(|&c| cls.counts[c] as f64 > n_min * self.threshold_cleaning)
            .collect();
        let min_rows = cls.rows(minority);
        // The k + 1 nearest rows of each minority row, itself first (as a fitted classifier
        // queried with its own training rows sees them).
        let nn = index(data.x())?
            .kneighbors(take(data.x(), &min_rows).view(), k + 1)?
            .indices;
        for (q, &row) in min_rows.iter().enumerate() {
            let vote = mode(
                nn.row(q).iter().take(k).map(|&j| cls.codes[j]),
                cls.labels.len(),
            );
            if vote == cls.codes[row] {
                continue;
            }
            for &j in nn.row(q).iter().skip(1) {
                if to_clean.contains(&cls.codes[j]) {
                    drop[j] = true;
                }
            }
        }
        let keep = (0..n).filter(|&i| !drop[i]).collect();
        selected(data, &cls, keep, self.name())
    }
}
