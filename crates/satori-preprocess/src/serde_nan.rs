//! Serde for `f64` fields that may hold NaN or ±inf (a dropped column's statistic, a training
//! matrix with missing values): JSON has no NaN, so human-readable formats write non-finite
//! values as the strings `"nan"`, `"inf"`, `"-inf"` (and read `null` back as NaN), while binary
//! formats (postcard) write every value as a plain `f64`, bit for bit. Use with
//! `#[serde(with = "crate::serde_nan::vec")]` and its siblings.

use std::fmt;

use ndarray::Array2;
use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

/// One `f64` with the NaN-safe representation.
#[derive(Debug, Clone, Copy)]
struct F64(f64);

impl Serialize for F64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if s.is_human_readable() && !v.is_finite() {
            let text = if v.is_nan() {
                "nan"
            } else if v > 0.0 {
                "inf"
            } else {
                "-inf"
            };
            s.serialize_str(text)
        } else {
            s.serialize_f64(v)
        }
    }
}

struct F64Visitor;

impl Visitor<'_> for F64Visitor {
    type Value = F64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, null, or one of \"nan\", \"inf\", \"-inf\"")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<F64, E> {
        Ok(F64(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<F64, E> {
        Ok(F64(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<F64, E> {
        Ok(F64(v as f64))
    }

    fn visit_unit<E: de::Error>(self) -> Result<F64, E> {
        Ok(F64(f64::NAN))
    }

    fn visit_none<E: de::Error>(self) -> Result<F64, E> {
        Ok(F64(f64::NAN))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<F64, E> {
        match v.to_ascii_lowercase().as_str() {
            "nan" => Ok(F64(f64::NAN)),
            "inf" | "infinity" => Ok(F64(f64::INFINITY)),
            "-inf" | "-infinity" => Ok(F64(f64::NEG_INFINITY)),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}

impl<'de> Deserialize<'de> for F64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<F64, D::Error> {
        if d.is_human_readable() {
            d.deserialize_any(F64Visitor)
        } else {
            d.deserialize_f64(F64Visitor)
        }
    }
}

/// `f64`.
pub(crate) mod scalar {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        F64(*v).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        F64::deserialize(d).map(|v| v.0)
    }
}

/// `Vec<f64>`.
pub(crate) mod vec {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|&x| F64(x)))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Vec::<F64>::deserialize(d).map(|v| v.into_iter().map(|x| x.0).collect())
    }
}

/// `Option<Vec<f64>>`.
pub(crate) mod opt_vec {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &Option<Vec<f64>>, s: S) -> Result<S::Ok, S::Error> {
        v.as_ref()
            .map(|v| v.iter().map(|&x| F64(x)).collect::<Vec<F64>>())
            .serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<f64>>, D::Error> {
        Option::<Vec<F64>>::deserialize(d).map(|v| v.map(|v| v.into_iter().map(|x| x.0).collect()))
    }
}

/// `Array2<f64>`, as its shape and row-major values.
pub(crate) mod matrix {
    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Matrix {
        rows: usize,
        cols: usize,
        values: Vec<F64>,
    }

    pub(crate) fn serialize<S: Serializer>(m: &Array2<f64>, s: S) -> Result<S::Ok, S::Error> {
        Matrix {
            rows: m.nrows(),
            cols: m.ncols(),
            values: m.iter().map(|&x| F64(x)).collect(),
        }
        .serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Array2<f64>, D::Error> {
        let m = Matrix::deserialize(d)?;
        let values = m.values.into_iter().map(|x| x.0).collect();
        Array2::from_shape_vec((m.rows, m.cols), values).map_err(de::Error::custom)
    }
}
