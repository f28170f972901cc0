//! FFT low-pass filtering with numpy.fft's conventions, through `realfft`:
//! `X = rfft(x); X[rfftfreq(n) > cutoff / 2] = 0; irfft(X, n)`.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use satori_core::{Error, Result};

/// The forward and inverse transforms for one signal length, and the bins kept.
pub(crate) struct Lowpass {
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
    /// Bins `0..kept` are kept, the rest set to zero.
    kept: usize,
    n: usize,
}

impl Lowpass {
    /// The filter for signals of length `n >= 1` keeping frequencies up to `cutoff` (a fraction
    /// of the Nyquist frequency). Bin `k`'s frequency is `k · (1/n)`, as `numpy.fft.rfftfreq`
    /// computes it, so the same bins are kept as in numpy.
    pub(crate) fn new(n: usize, cutoff: f64) -> Lowpass {
        let mut planner = RealFftPlanner::<f64>::new();
        let bins = n / 2 + 1;
        let step = 1.0 / n as f64;
        let limit = cutoff * 0.5;
        let kept = (0..bins).take_while(|&k| k as f64 * step <= limit).count();
        Lowpass {
            forward: planner.plan_fft_forward(n),
            inverse: planner.plan_fft_inverse(n),
            kept,
            n,
        }
    }

    /// Filter one signal of length `n`.
    pub(crate) fn apply(&self, x: &[f64]) -> Result<Vec<f64>> {
        let mut input = x.to_vec();
        let mut spectrum = self.forward.make_output_vec();
        let internal = |e: realfft::FftError| Error::Internal(format!("FFT: {e}"));
        self.forward
            .process(&mut input, &mut spectrum)
            .map_err(internal)?;
        for c in spectrum.iter_mut().skip(self.kept) {
            *c = Complex::new(0.0, 0.0);
        }
        // irfft reads only the real parts of the zero-frequency bin and (for even n) the
        // Nyquist bin, as numpy does.
        if let Some(first) = spectrum.first_mut() {
            first.im = 0.0;
        }
        if self.n.is_multiple_of(2)
            && let Some(last) = spectrum.last_mut()
        {
            last.im = 0.0;
        }
        let mut out = self.inverse.make_output_vec();
        self.inverse
            .process(&mut spectrum, &mut out)
            .map_err(internal)?;
        let scale = 1.0 / self.n as f64;
        out.iter_mut().for_each(|v| *v *= scale);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_low_frequencies_only() {
        let n = 64;
        let x: Vec<f64> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                1.0 + (2.0 * t).sin() + 0.5 * (20.0 * t).cos()
            })
            .collect();
        // Nyquist is bin 32; cutoff 0.25 keeps bins 0..=8.
        let lp = Lowpass::new(n, 0.25);
        assert_eq!(lp.kept, 9);
        let y = lp.apply(&x).unwrap();
        for (i, v) in y.iter().enumerate() {
            let t = i as f64 / n as f64 * std::f64::consts::TAU;
            assert!((v - (1.0 + (2.0 * t).sin())).abs() < 1e-12);
        }
        let all = Lowpass::new(7, 1.0);
        assert_eq!(all.kept, 4);
        let z = all.apply(&[1.0, 2.0, 0.0, 5.0, 3.0, 1.0, 1.0]).unwrap();
        for (a, b) in z.iter().zip([1.0, 2.0, 0.0, 5.0, 3.0, 1.0, 1.0]) {
            assert!((a - b).abs() < 1e-14);
        }
        assert_eq!(Lowpass::new(1, 0.5).apply(&[4.0]).unwrap(), vec![4.0]);
    }
}
