//! serde for `f64` arrays that may hold NaN or infinities (a NaN score of a constant feature, an
//! infinite F statistic), which JSON cannot carry: the finite values as numbers, with each
//! non-finite entry written as 0 in `values` and listed in `special` as `(index, kind)` (0 = NaN,
//! 1 = +∞, 2 = −∞). Round trips through JSON and postcard bit for bit (up to NaN payloads).

use ndarray::Array1;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Serialize, Deserialize)]
struct Encoded {
    values: Vec<f64>,
    special: Vec<(u64, u8)>,
}

/// Serialize an array (use with `#[serde(with = "crate::nonfinite")]`).
pub(crate) fn serialize<S: Serializer>(a: &Array1<f64>, s: S) -> Result<S::Ok, S::Error> {
    let mut special = Vec::new();
    let values = a
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if v.is_finite() {
                return v;
            }
            let kind = if v.is_nan() {
                0
            } else if v > 0.0 {
                1
            } else {
                2
            };
            special.push((i as u64, kind));
            0.0
        })
        .collect();
    Encoded { values, special }.serialize(s)
}

/// Deserialize an array written by [`serialize`].
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Array1<f64>, D::Error> {
    let Encoded {
        mut values,
        special,
    } = Encoded::deserialize(d)?;
    for (i, kind) in special {
        let slot = usize::try_from(i)
            .ok()
            .and_then(|i| values.get_mut(i))
            .ok_or_else(|| serde::de::Error::custom(format!("special index {i} out of range")))?;
        *slot = match kind {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            k => {
                return Err(serde::de::Error::custom(format!(
                    "unknown special kind {k}"
                )));
            }
        };
    }
    Ok(Array1::from(values))
}
