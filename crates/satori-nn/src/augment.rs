//! Data augmentation inside the training loop, on one mini-batch at a time: SMOTE-style
//! interpolation between same-class neighbours, mixup and Gaussian noise. Every draw comes from
//! the batch's own seeded generator.

use satori_core::rng::{RngExt, SatoriRng, standard_normal};

use crate::params::MlpParams;

/// One mini-batch on the host: features (`rows × width`, row-major), one target matrix per task
/// (`rows × outputs`, one-hot or values) and one weight vector per task.
pub(crate) struct Batch {
    pub rows: usize,
    pub width: usize,
    pub x: Vec<f32>,
    pub targets: Vec<Vec<f32>>,
    pub outputs: Vec<usize>,
    pub weights: Vec<Vec<f32>>,
}

impl Batch {
    fn lerp_row(&mut self, dst: usize, a: usize, b: usize, lam: f32) {
        let w = self.width;
        for k in 0..w {
            let (xa, xb) = (self.x[a * w + k], self.x[b * w + k]);
            self.x[dst * w + k] = lam * xa + (1.0 - lam) * xb;
        }
        for (t, &o) in self.targets.iter_mut().zip(&self.outputs) {
            for k in 0..o {
                let (ta, tb) = (t[a * o + k], t[b * o + k]);
                t[dst * o + k] = lam * ta + (1.0 - lam) * tb;
            }
        }
        for wv in &mut self.weights {
            wv[dst] = lam * wv[a] + (1.0 - lam) * wv[b];
        }
    }

    fn dist2(&self, a: usize, b: usize) -> f32 {
        let w = self.width;
        (0..w)
            .map(|k| (self.x[a * w + k] - self.x[b * w + k]).powi(2))
            .sum()
    }
}

/// Apply the switched-on augmentations (SMOTE-style, then mixup, then noise) to `batch`.
/// `classes` holds the class code of each batch row for SMOTE (None for regression-only data).
pub(crate) fn augment(
    p: &MlpParams,
    batch: &mut Batch,
    classes: Option<&[usize]>,
    rng: &mut SatoriRng,
) {
    if p.smote_fraction > 0.0
        && let Some(codes) = classes
    {
        smote(p, batch, codes, rng);
    }
    if p.mixup_alpha > 0.0 && batch.rows > 1 {
        let lam = beta_sample(p.mixup_alpha, rng) as f32;
        let mut perm: Vec<usize> = (0..batch.rows).collect();
        satori_core::rng::shuffle(&mut perm, rng);
        // Mix each row with its partner, reading from an untouched copy.
        let src_x = batch.x.clone();
        let src_t = batch.targets.clone();
        let src_w = batch.weights.clone();
        let w = batch.width;
        for (i, &j) in perm.iter().enumerate() {
            for k in 0..w {
                batch.x[i * w + k] = lam * src_x[i * w + k] + (1.0 - lam) * src_x[j * w + k];
            }
            for ((t, s), &o) in batch.targets.iter_mut().zip(&src_t).zip(&batch.outputs) {
                for k in 0..o {
                    t[i * o + k] = lam * s[i * o + k] + (1.0 - lam) * s[j * o + k];
                }
            }
            for (wv, s) in batch.weights.iter_mut().zip(&src_w) {
                wv[i] = lam * s[i] + (1.0 - lam) * s[j];
            }
        }
    }
    if p.noise_std > 0.0 {
        let s = p.noise_std;
        batch
            .x
            .iter_mut()
            .for_each(|v| *v += (s * standard_normal(rng)) as f32);
    }
}

/// Replace a share of the rows by points between them and one of their `smote_k` nearest
/// same-class neighbours in the batch (rows without a same-class neighbour stay as they are).
fn smote(p: &MlpParams, batch: &mut Batch, codes: &[usize], rng: &mut SatoriRng) {
    let n = batch.rows;
    for i in 0..n {
        let u: f64 = rng.random();
        if u >= p.smote_fraction {
            continue;
        }
        let mut near: Vec<(f32, usize)> = (0..n)
            .filter(|&j| j != i && codes.get(j) == codes.get(i))
            .map(|j| (batch.dist2(i, j), j))
            .collect();
        if near.is_empty() {
            continue;
        }
        near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        near.truncate(p.smote_k);
        let j = near[rng.random_range(0..near.len())].1;
        let lam: f32 = rng.random();
        // x_i + lam (x_j - x_i) = (1 - lam) x_i + lam x_j
        batch.lerp_row(i, j, i, lam);
    }
}

/// A Gamma(shape, 1) draw (Marsaglia and Tsang; boosted for shape < 1).
fn gamma_sample(shape: f64, rng: &mut SatoriRng) -> f64 {
    if shape < 1.0 {
        let u: f64 = rng.random();
        return gamma_sample(shape + 1.0, rng) * u.max(f64::MIN_POSITIVE).powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let z = standard_normal(rng);
        let v = (1.0 + c * z).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u: f64 = rng.random();
        if u.max(f64::MIN_POSITIVE).ln() < 0.5 * z * z + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

/// A Beta(a, a) draw.
pub(crate) fn beta_sample(a: f64, rng: &mut SatoriRng) -> f64 {
    let x = gamma_sample(a, rng);
    let y = gamma_sample(a, rng);
    if x + y > 0.0 { x / (x + y) } else { 0.5 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use satori_core::rng::rng;

    fn batch() -> Batch {
        Batch {
            rows: 4,
            width: 2,
            x: vec![0.0, 0.0, 1.0, 0.0, 10.0, 10.0, 11.0, 10.0],
            targets: vec![vec![1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0]],
            outputs: vec![2],
            weights: vec![vec![1.0; 4]],
        }
    }

    #[test]
    fn smote_stays_between_same_class_rows() {
        let p = MlpParams {
            smote_fraction: 1.0,
            ..Default::default()
        };
        let mut b = batch();
        augment(&p, &mut b, Some(&[0, 0, 1, 1]), &mut rng(1));
        // class 0 rows stay on the segment [0, 1] x {0}; class 1 rows on [10, 11] x {10}
        for r in 0..2 {
            assert!(
                (0.0..=1.0).contains(&b.x[2 * r]) && b.x[2 * r + 1] == 0.0,
                "{:?}",
                b.x
            );
        }
        for r in 2..4 {
            assert!((10.0..=11.0).contains(&b.x[2 * r]) && b.x[2 * r + 1] == 10.0);
        }
        assert_eq!(b.targets, batch().targets);
    }

    #[test]
    fn mixup_mixes_targets_like_features_and_is_seeded() {
        let p = MlpParams {
            mixup_alpha: 0.4,
            ..Default::default()
        };
        let mut a = batch();
        let mut b = batch();
        augment(&p, &mut a, None, &mut rng(5));
        augment(&p, &mut b, None, &mut rng(5));
        assert_eq!(a.x, b.x);
        for r in 0..4 {
            let t = &a.targets[0][2 * r..2 * r + 2];
            assert!((t[0] + t[1] - 1.0).abs() < 1e-6);
        }
    }

    #[test]
    fn beta_mean() {
        let mut r = rng(3);
        let m: f64 = (0..4000).map(|_| beta_sample(0.4, &mut r)).sum::<f64>() / 4000.0;
        assert!((m - 0.5).abs() < 0.03, "{m}");
    }
}
