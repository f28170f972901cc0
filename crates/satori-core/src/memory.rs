//! Memory that an allocation would need, checked before it is attempted: a size that cannot be
//! satisfied is a clear error, never an abort.

use crate::{Error, Result};

/// The memory this process may still use, in bytes: the smaller of the machine's available
/// memory (`MemAvailable` in `/proc/meminfo`) and the cgroup's limit, where they can be read;
/// `None` elsewhere.
pub fn available_bytes() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("MemAvailable:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .map(|kb| kb.saturating_mul(1024))
        });
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok());
    match (meminfo, cgroup) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A number of bytes for people: `1.5 GiB`, `300 MiB`.
pub fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{v:.0} {}", UNITS[0])
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// Check that `bytes` (an estimate, as `f64` so that huge products do not overflow) fit in the
/// memory this process may use; `what` names the allocation in the error, e.g. "a network of
/// 10^9 hidden units". Where the available memory cannot be read, only sizes beyond any machine
/// (2^48 bytes) are refused.
pub fn check_fits(bytes: f64, what: &str) -> Result<()> {
    const BEYOND_ANY_MACHINE: f64 = (1u64 << 48) as f64;
    let limit = available_bytes().map_or(BEYOND_ANY_MACHINE, |b| b as f64);
    if !bytes.is_finite() || bytes > limit {
        return Err(Error::InvalidData(format!(
            "{what} needs about {} of memory, and {} {} available; use a smaller size",
            human_bytes(bytes),
            human_bytes(limit),
            if available_bytes().is_some() {
                "is"
            } else {
                "is the most any machine has"
            }
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_beyond_memory_are_refused_with_the_numbers() {
        assert!(check_fits(1024.0, "a small thing").is_ok());
        let e = check_fits(1e30, "a huge matrix").unwrap_err().to_string();
        assert!(e.contains("a huge matrix") && e.contains("TiB"), "{e}");
        assert!(check_fits(f64::INFINITY, "x").is_err());
        assert_eq!(human_bytes(1536.0), "1.5 KiB");
        assert_eq!(human_bytes(10.0), "10 bytes");
    }
}
