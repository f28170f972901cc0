//! Collective operations between the ranks of a data-parallel job, behind one small trait.
//!
//! Model crates train data-parallel through [`Collective`]: every rank holds some rows, and the
//! ranks exchange what a fit needs (histograms, maxima, gathered values) with the three
//! operations below. [`Single`] is the one-process job (every operation is the identity), so a
//! model has one code path whether it runs alone or on many ranks. [`ThreadGroup`] runs ranks as
//! threads of one process, which is how the data-parallel algorithms are tested without MPI;
//! the MPI communicator lives in `satori-distributed` (cargo feature `distributed`).
//!
//! **Results that do not depend on the rank count.** A floating-point sum depends on the order
//! of its terms, so a model trained on 3 ranks would differ from the one-process model in the
//! last bits, and a split chosen on a tie could differ altogether. Two tools make sums exact,
//! hence the same in any order and on any partition of the rows:
//!
//! - [`grid_step`] and [`snap`]: values rounded to a power-of-two grid fine enough that every sum
//!   of up to `n` of them is exact in `f64` (boosting rounds its gradients so);
//! - [`ExactSum`]: an exact accumulator of any `f64`s (losses, weights), rounded once at the end.

use std::sync::{Arc, Barrier, Mutex};

use crate::{Error, Result};

/// The operations a data-parallel fit needs. Every rank must make the same calls in the same
/// order (as with MPI); a rank that stops calling leaves the others waiting.
pub trait Collective {
    /// This rank's number, `0..size()`.
    fn rank(&self) -> usize;
    /// The number of ranks.
    fn size(&self) -> usize;
    /// Every rank's bytes, in rank order, on every rank.
    fn allgather_bytes(&self, local: &[u8]) -> Result<Vec<Vec<u8>>>;
    /// The element-wise sum over ranks, on every rank. The order of the terms is the
    /// implementation's: pass values whose sums are exact (see [`snap`]) where the result must
    /// not depend on it.
    fn allreduce_sum(&self, buf: &mut [f64]) -> Result<()>;
    /// The element-wise maximum over ranks, on every rank (for NaN, what the implementation
    /// gives).
    fn allreduce_max(&self, buf: &mut [f64]) -> Result<()>;
    /// End the whole job now with exit code `code` (MPI_Abort: every rank stops, so none waits
    /// forever in a collective that a failed rank will never join). One process just exits.
    fn abort(&self, code: i32) -> ! {
        std::process::exit(code)
    }
}

/// The job of one process: rank 0 of 1, every operation the identity.
#[derive(Debug, Clone, Copy, Default)]
pub struct Single;

impl Collective for Single {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn allgather_bytes(&self, local: &[u8]) -> Result<Vec<Vec<u8>>> {
        Ok(vec![local.to_vec()])
    }
    fn allreduce_sum(&self, _buf: &mut [f64]) -> Result<()> {
        Ok(())
    }
    fn allreduce_max(&self, _buf: &mut [f64]) -> Result<()> {
        Ok(())
    }
}

/// Whether a job has more than one rank.
pub fn is_distributed(comm: &dyn Collective) -> bool {
    comm.size() > 1
}

/// Where this rank's rows sit among all ranks' rows. Ranks hold consecutive parts in rank order,
/// so this rank's row `i` is row `offset + i` of the one-process job, and a draw over all
/// `total` rows (a subsample, a holdout) is one process's draw, of which each rank keeps its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spread {
    /// The global id of this rank's first row.
    pub offset: usize,
    /// This rank's rows.
    pub n: usize,
    /// All ranks' rows.
    pub total: usize,
}

impl Spread {
    /// Every rank's row count gathered into this rank's place.
    pub fn of(comm: &dyn Collective, n: usize) -> Result<Spread> {
        let counts: Vec<usize> = allgather_u64(comm, &[n as u64])?
            .into_iter()
            .map(|c| c.first().copied().unwrap_or(0) as usize)
            .collect();
        Ok(Spread {
            offset: counts[..comm.rank()].iter().sum(),
            n,
            total: counts.iter().sum(),
        })
    }

    /// The global row ids `ids` (sorted) that fall in this rank's range, as local ids.
    pub fn local<'a>(&self, ids: &'a [usize]) -> impl Iterator<Item = usize> + 'a {
        let (lo, hi) = (self.offset, self.offset + self.n);
        let start = ids.partition_point(|&i| i < lo);
        ids[start..]
            .iter()
            .take_while(move |&&i| i < hi)
            .map(move |&i| i - lo)
    }
}

/// Every rank's `f64`s, in rank order.
pub fn allgather_f64(comm: &dyn Collective, local: &[f64]) -> Result<Vec<Vec<f64>>> {
    if comm.size() == 1 {
        return Ok(vec![local.to_vec()]);
    }
    let bytes: Vec<u8> = local.iter().flat_map(|v| v.to_le_bytes()).collect();
    comm.allgather_bytes(&bytes)?
        .into_iter()
        .map(|b| decode_words(&b).map(|w| w.into_iter().map(f64::from_bits).collect()))
        .collect()
}

/// Every rank's `u64`s, in rank order.
pub fn allgather_u64(comm: &dyn Collective, local: &[u64]) -> Result<Vec<Vec<u64>>> {
    if comm.size() == 1 {
        return Ok(vec![local.to_vec()]);
    }
    let bytes: Vec<u8> = local.iter().flat_map(|v| v.to_le_bytes()).collect();
    comm.allgather_bytes(&bytes)?
        .iter()
        .map(|b| decode_words(b))
        .collect()
}

fn decode_words(b: &[u8]) -> Result<Vec<u64>> {
    if !b.len().is_multiple_of(8) {
        return Err(Error::Internal(format!(
            "a rank sent {} bytes, not a whole number of 8-byte words",
            b.len()
        )));
    }
    Ok(b.chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect())
}

/// Every rank's `f64`s concatenated in rank order (the rows of a sharded column in global
/// order, when ranks hold consecutive row ranges).
pub fn allgather_concat(comm: &dyn Collective, local: &[f64]) -> Result<Vec<f64>> {
    Ok(allgather_f64(comm, local)?.concat())
}

/// Agree on success: every rank learns whether any rank failed, and every rank returns the
/// first failure (by rank) as its error, naming the rank. Call it wherever ranks may fail
/// independently (reading their shards, checking their rows), so that no rank goes on to a
/// collective the failed one will never join.
pub fn agree<T>(comm: &dyn Collective, result: Result<T>) -> Result<T> {
    if comm.size() == 1 {
        return result;
    }
    let local = match &result {
        Ok(_) => Vec::new(),
        Err(e) => {
            let mut m = e.to_string().into_bytes();
            m.insert(0, 1);
            m
        }
    };
    let all = comm.allgather_bytes(&local)?;
    if let Some((rank, msg)) = all.iter().enumerate().find(|(_, m)| !m.is_empty()) {
        return match result {
            Err(e) if rank == comm.rank() => Err(e),
            _ => Err(Error::InvalidData(format!(
                "rank {rank} failed: {}",
                String::from_utf8_lossy(&msg[1..])
            ))),
        };
    }
    result
}

/// The grid step (a power of two) for values of magnitude at most `max_abs` such that any sum of
/// up to `n` of them, rounded to the grid, is exact in `f64` (and so does not depend on the
/// order of its terms or how they are split among ranks). `None` when the values need no grid
/// (all zero) or cannot have one (not finite).
pub fn grid_step(max_abs: f64, n: usize) -> Option<f64> {
    if !max_abs.is_finite() || max_abs <= 0.0 || n == 0 {
        return None;
    }
    // n · max (rounded up: a bound) ≤ 2^e; a step of 2^(e − 51) keeps every partial sum of grid
    // values within 2^52 steps, so exactly representable.
    let bound = (n as f64) * max_abs * (1.0 + 1e-15) + f64::MIN_POSITIVE;
    let e = exponent_above(bound);
    let step_exp = (e - 51).max(-1074);
    Some(pow2(step_exp))
}

/// The smallest `e` with `x <= 2^e`, for finite positive `x`.
fn exponent_above(x: f64) -> i32 {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let mant = bits & ((1u64 << 52) - 1);
    if biased == 0 {
        // Subnormal: x < 2^-1022.
        return -1022;
    }
    let e = biased - 1023;
    if mant == 0 { e } else { e + 1 }
}

/// `2^e` for `e` in the range of normal and subnormal `f64`s.
fn pow2(e: i32) -> f64 {
    if e >= -1022 {
        f64::from_bits(((e + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (e + 1074))
    }
}

/// `v` rounded to the nearest multiple of `step` (ties away from zero), or up when `up` (for
/// values that must stay positive, as hessians).
#[inline]
pub fn snap(v: f64, step: f64, up: bool) -> f64 {
    let q = v / step;
    (if up { q.ceil() } else { q.round() }) * step
}

/// Number of 32-bit digits covering every finite `f64` (bit positions 0..2098 above 2^-1074),
/// plus two for carries.
const DIGITS: usize = 68;
/// Additions between carry propagations (each adds below 2^32 to a digit held in an `i64`).
const FLUSH_EVERY: u32 = 1 << 30;

/// An exact sum of `f64`s: every term is added without rounding into 32-bit digits, and the
/// sum is rounded once, by [`ExactSum::value`]. The value therefore depends only on the
/// multiset of terms — not their order, the threads that added them, or the ranks they came
/// from ([`ExactSum::allreduce`]). Infinite and NaN terms make the value their own sum.
#[derive(Debug, Clone)]
pub struct ExactSum {
    digits: Box<[i64; DIGITS]>,
    pending: u32,
    special: f64,
}

impl Default for ExactSum {
    fn default() -> Self {
        Self::new()
    }
}

impl ExactSum {
    /// Zero.
    pub fn new() -> Self {
        ExactSum {
            digits: Box::new([0; DIGITS]),
            pending: 0,
            special: 0.0,
        }
    }

    /// Add one term.
    #[inline]
    pub fn add(&mut self, v: f64) {
        if !v.is_finite() {
            self.special += v;
            return;
        }
        if v == 0.0 {
            return;
        }
        let bits = v.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as usize;
        let mut mant = bits & ((1u64 << 52) - 1);
        let pos = if biased == 0 {
            0
        } else {
            mant |= 1 << 52;
            biased - 1
        };
        let (k, r) = (pos / 32, pos % 32);
        let m = u128::from(mant) << r;
        let parts = [
            (m & 0xFFFF_FFFF) as i64,
            ((m >> 32) & 0xFFFF_FFFF) as i64,
            (m >> 64) as i64,
        ];
        let neg = bits >> 63 == 1;
        for (d, p) in self.digits[k..k + 3].iter_mut().zip(parts) {
            if neg {
                *d -= p;
            } else {
                *d += p;
            }
        }
        self.pending += 1;
        if self.pending >= FLUSH_EVERY {
            self.normalize();
        }
    }

    /// Add every term of another sum.
    pub fn merge(&mut self, other: &ExactSum) {
        self.normalize();
        let mut o = other.clone();
        o.normalize();
        for (d, x) in self.digits.iter_mut().zip(o.digits.iter()) {
            *d += x;
        }
        self.special += o.special;
        self.normalize();
    }

    /// Carry every digit into `0..2^32` but the last, which keeps the sign.
    fn normalize(&mut self) {
        let mut carry = 0i64;
        for d in self.digits.iter_mut().take(DIGITS - 1) {
            let v = *d + carry;
            carry = v >> 32;
            *d = v & 0xFFFF_FFFF;
        }
        self.digits[DIGITS - 1] += carry;
        self.pending = 0;
    }

    /// The sum, rounded once (a function of the exact sum only).
    pub fn value(&self) -> f64 {
        if self.special != 0.0 || self.special.is_nan() {
            return self.special;
        }
        let mut s = self.clone();
        s.normalize();
        let negative = s.digits[DIGITS - 1] < 0;
        if negative {
            s.digits.iter_mut().for_each(|d| *d = -*d);
            s.normalize();
        }
        // Digits are now in 0..2^32 (a canonical form); add them from the top, each scaled by
        // its power of two. Only the top three non-zero digits can matter, and the same digits
        // always give the same result.
        let mut acc = 0.0f64;
        for (k, &d) in s.digits.iter().enumerate().rev() {
            if d != 0 {
                acc += d as f64 * scale(k);
            }
        }
        if negative { -acc } else { acc }
    }

    /// The sum over ranks of every rank's sum, the same value on every rank.
    pub fn allreduce(&self, comm: &dyn Collective) -> Result<f64> {
        if comm.size() == 1 {
            return Ok(self.value());
        }
        let mut s = self.clone();
        s.normalize();
        let mut words: Vec<u64> = s.digits.iter().map(|&d| d as u64).collect();
        words.push(s.special.to_bits());
        let mut total = ExactSum::new();
        for w in allgather_u64(comm, &words)? {
            if w.len() != DIGITS + 1 {
                return Err(Error::Internal("an exact sum of the wrong size".into()));
            }
            let mut part = ExactSum::new();
            for (d, &x) in part.digits.iter_mut().zip(&w) {
                *d = x as i64;
            }
            part.special = f64::from_bits(w[DIGITS]);
            total.merge(&part);
        }
        Ok(total.value())
    }
}

/// `2^(32k − 1075)`: the weight of digit `k` (bit 0 of digit 0 is 2^-1074 once shifted by the
/// position rule of [`ExactSum::add`], which counts positions from the subnormal exponent).
fn scale(k: usize) -> f64 {
    let e = 32 * k as i32 - 1074;
    if e > 1023 {
        f64::INFINITY
    } else if e < -1074 {
        0.0
    } else {
        pow2(e)
    }
}

/// The exact sum of `values` (order-free), rounded once.
pub fn exact_sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut s = ExactSum::new();
    values.into_iter().for_each(|v| s.add(v));
    s.value()
}

/// Ranks as threads of one process, for testing data-parallel code without MPI:
/// `ThreadGroup::run(3, |comm| fit(&shard[comm.rank()], comm))` returns every rank's result in
/// rank order. A rank that panics makes the others wait forever, as a dead MPI rank would:
/// use [`agree`] where ranks can fail alone.
#[derive(Debug)]
pub struct ThreadGroup {
    rank: usize,
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    size: usize,
    slots: Mutex<Vec<Vec<u8>>>,
    barrier: Barrier,
}

impl ThreadGroup {
    /// Run `f` on `size` ranks (threads) and return their results in rank order.
    pub fn run<T: Send>(size: usize, f: impl Fn(&ThreadGroup) -> T + Sync) -> Vec<T> {
        let size = size.max(1);
        let shared = Arc::new(Shared {
            size,
            slots: Mutex::new(vec![Vec::new(); size]),
            barrier: Barrier::new(size),
        });
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..size)
                .map(|rank| {
                    let comm = ThreadGroup {
                        rank,
                        shared: Arc::clone(&shared),
                    };
                    let f = &f;
                    s.spawn(move || f(&comm))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    }
}

impl Collective for ThreadGroup {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.shared.size
    }
    fn allgather_bytes(&self, local: &[u8]) -> Result<Vec<Vec<u8>>> {
        let lock = || {
            self.shared
                .slots
                .lock()
                .map_err(|_| Error::Internal("a rank thread panicked".into()))
        };
        lock()?[self.rank] = local.to_vec();
        self.shared.barrier.wait();
        let all = lock()?.clone();
        // Nobody writes the next round's slot before everyone has read this one.
        self.shared.barrier.wait();
        Ok(all)
    }
    fn allreduce_sum(&self, buf: &mut [f64]) -> Result<()> {
        let all = allgather_f64(self, buf)?;
        buf.iter_mut().for_each(|b| *b = 0.0);
        for part in all {
            for (b, v) in buf.iter_mut().zip(part) {
                *b += v;
            }
        }
        Ok(())
    }
    fn allreduce_max(&self, buf: &mut [f64]) -> Result<()> {
        let all = allgather_f64(self, buf)?;
        for part in all {
            for (b, v) in buf.iter_mut().zip(part) {
                if v.is_nan() || v > *b {
                    *b = v;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
