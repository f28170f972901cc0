//! The parameters of an isolation forest and the three "auto, a count or a fraction" settings.

use satori_core::{Error, Params, Result};
use serde::{Deserialize, Serialize};

/// How many training rows each tree sees (scikit-learn's `max_samples`), written as in
/// scikit-learn in TOML and JSON: `max_samples = "auto"`, `max_samples = 128` or
/// `max_samples = 0.5`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum IsolationMaxSamples {
    /// `min(256, n_rows)`.
    #[default]
    Auto,
    /// This many rows, at least 1 (more than the training rows means all of them, with a note,
    /// as scikit-learn's warning).
    Count(usize),
    /// `floor(fraction · n_rows)` rows, the fraction in (0, 1]; an error at fit when that is 0.
    Fraction(f64),
}

/// How many features each tree may split on (scikit-learn's `max_features`): `max_features = 3`
/// or `max_features = 0.5` (`max(1, floor(fraction · n_features))`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IsolationMaxFeatures {
    /// This many features, at least 1 and at most the number of columns (checked at fit).
    Count(usize),
    /// This fraction of the features, in (0, 1].
    Fraction(f64),
}

impl Default for IsolationMaxFeatures {
    fn default() -> Self {
        IsolationMaxFeatures::Fraction(1.0)
    }
}

/// The expected share of anomalies (scikit-learn's `contamination`): `contamination = "auto"`
/// or `contamination = 0.05`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum Contamination {
    /// The offset is −0.5, the original paper's threshold.
    #[default]
    Auto,
    /// The offset is this percentile of the training scores, the fraction in (0, 0.5].
    Fraction(f64),
}

/// The untagged JSON/TOML form shared by the three settings: a string, an integer or a float.
#[derive(Deserialize)]
#[serde(untagged)]
enum Repr {
    Count(u64),
    Fraction(f64),
    Word(String),
}

fn word<E: serde::de::Error>(name: &str, w: &str) -> std::result::Result<(), E> {
    if w == "auto" {
        Ok(())
    } else {
        Err(E::custom(format!(
            "{name} must be \"auto\" or a number, got \"{w}\""
        )))
    }
}

fn count<E: serde::de::Error>(k: u64) -> std::result::Result<usize, E> {
    usize::try_from(k).map_err(|_| E::custom(format!("{k} is too large")))
}

impl Serialize for IsolationMaxSamples {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            IsolationMaxSamples::Auto => s.serialize_str("auto"),
            IsolationMaxSamples::Count(k) => s.serialize_u64(*k as u64),
            IsolationMaxSamples::Fraction(f) => s.serialize_f64(*f),
        }
    }
}

impl<'de> Deserialize<'de> for IsolationMaxSamples {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match Repr::deserialize(d)? {
            Repr::Count(k) => count(k).map(IsolationMaxSamples::Count),
            Repr::Fraction(f) => Ok(IsolationMaxSamples::Fraction(f)),
            Repr::Word(w) => word("max_samples", &w).map(|_| IsolationMaxSamples::Auto),
        }
    }
}

impl Serialize for IsolationMaxFeatures {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            IsolationMaxFeatures::Count(k) => s.serialize_u64(*k as u64),
            IsolationMaxFeatures::Fraction(f) => s.serialize_f64(*f),
        }
    }
}

impl<'de> Deserialize<'de> for IsolationMaxFeatures {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match Repr::deserialize(d)? {
            Repr::Count(k) => count(k).map(IsolationMaxFeatures::Count),
            Repr::Fraction(f) => Ok(IsolationMaxFeatures::Fraction(f)),
            Repr::Word(w) => Err(serde::de::Error::custom(format!(
                "max_features must be a number (a count or a fraction), got \"{w}\""
            ))),
        }
    }
}

impl Serialize for Contamination {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Contamination::Auto => s.serialize_str("auto"),
            Contamination::Fraction(f) => s.serialize_f64(*f),
        }
    }
}

impl<'de> Deserialize<'de> for Contamination {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match Repr::deserialize(d)? {
            // An integer is a fraction outside (0, 0.5]; validate() says so with the range.
            Repr::Count(k) => Ok(Contamination::Fraction(k as f64)),
            Repr::Fraction(f) => Ok(Contamination::Fraction(f)),
            Repr::Word(w) => word("contamination", &w).map(|_| Contamination::Auto),
        }
    }
}

/// Parameters of an [`IsolationForest`](super::IsolationForest), with scikit-learn's names and
/// defaults (`IsolationForest` of scikit-learn 1.9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct IsolationForestParams {
    /// The number of isolation trees. Default 100; at least 1.
    pub n_estimators: usize,
    /// The rows drawn for each tree: `"auto"` (`min(256, n_rows)`), a count `k >= 1` (capped at
    /// the number of rows) or a fraction in (0, 1]. Default `"auto"`.
    pub max_samples: IsolationMaxSamples,
    /// The features each tree may split on, drawn per tree without replacement: a count
    /// (1 to the number of columns) or a fraction in (0, 1] (`max(1, floor(f · n_features))`).
    /// Default 1.0 (all features).
    pub max_features: IsolationMaxFeatures,
    /// Draw each tree's rows with replacement. Default false (without replacement).
    pub bootstrap: bool,
    /// The expected share of anomalies, which sets the decision threshold: `"auto"` (offset
    /// −0.5) or a fraction in (0, 0.5] (the offset is that percentile of the training scores).
    /// Default `"auto"`.
    pub contamination: Contamination,
    /// The seed of every random draw (rows, features and splits of each tree derive from it).
    /// Default 0; any integer.
    pub seed: u64,
}

impl Default for IsolationForestParams {
    fn default() -> Self {
        IsolationForestParams {
            n_estimators: 100,
            max_samples: IsolationMaxSamples::Auto,
            max_features: IsolationMaxFeatures::default(),
            bootstrap: false,
            contamination: Contamination::Auto,
            seed: 0,
        }
    }
}

impl Params for IsolationForestParams {
    fn validate(&self) -> Result<()> {
        if self.n_estimators == 0 {
            return Err(Error::param("n_estimators", "must be at least 1, got 0"));
        }
        match self.max_samples {
            IsolationMaxSamples::Count(0) => {
                return Err(Error::param(
                    "max_samples",
                    "must be \"auto\", a count >= 1 or a fraction in (0, 1], got 0",
                ));
            }
            IsolationMaxSamples::Fraction(f) if !(f > 0.0 && f <= 1.0) => {
                return Err(Error::param(
                    "max_samples",
                    format!("must be \"auto\", a count >= 1 or a fraction in (0, 1], got {f}"),
                ));
            }
            _ => {}
        }
        match self.max_features {
            IsolationMaxFeatures::Count(0) => {
                return Err(Error::param(
                    "max_features",
                    "must be a count >= 1 or a fraction in (0, 1], got 0",
                ));
            }
            IsolationMaxFeatures::Fraction(f) if !(f > 0.0 && f <= 1.0) => {
                return Err(Error::param(
                    "max_features",
                    format!("must be a count >= 1 or a fraction in (0, 1], got {f}"),
                ));
            }
            _ => {}
        }
        if let Contamination::Fraction(f) = self.contamination
            && !(f > 0.0 && f <= 0.5)
        {
            return Err(Error::param(
                "contamination",
                format!("must be \"auto\" or a fraction in (0, 0.5], got {f}"),
            ));
        }
        Ok(())
    }
}

impl IsolationForestParams {
    /// The rows each tree draws from `n_rows` training rows (scikit-learn's `max_samples_`), and
    /// whether a count had to be capped at `n_rows`.
    pub(crate) fn resolve_max_samples(&self, n_rows: usize) -> Result<(usize, bool)> {
        match self.max_samples {
            IsolationMaxSamples::Auto => Ok((n_rows.min(256), false)),
            IsolationMaxSamples::Count(k) => Ok((k.min(n_rows), k > n_rows)),
            IsolationMaxSamples::Fraction(f) => {
                let k = (f * n_rows as f64) as usize;
                if k == 0 {
                    return Err(Error::param(
                        "max_samples",
                        format!(
                            "the fraction {f} of {n_rows} rows is 0 rows; use a larger fraction \
                             or a count"
                        ),
                    ));
                }
                Ok((k.min(n_rows), false))
            }
        }
    }

    /// The features each tree draws from `n_features` columns.
    pub(crate) fn resolve_max_features(&self, n_features: usize) -> Result<usize> {
        let k = match self.max_features {
            IsolationMaxFeatures::Count(k) => k,
            IsolationMaxFeatures::Fraction(f) => ((f * n_features as f64) as usize).max(1),
        };
        if k > n_features {
            return Err(Error::param(
                "max_features",
                format!("must be at most the number of columns ({n_features}), got {k}"),
            ));
        }
        Ok(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sklearn_spellings_from_toml_and_json() {
        let p: IsolationForestParams = toml::from_str("max_samples = 128").unwrap();
        assert_eq!(p.max_samples, IsolationMaxSamples::Count(128));
        let p: IsolationForestParams =
            toml::from_str("max_samples = 0.5\ncontamination = 0.1\nmax_features = 2").unwrap();
        assert_eq!(p.max_samples, IsolationMaxSamples::Fraction(0.5));
        assert_eq!(p.contamination, Contamination::Fraction(0.1));
        assert_eq!(p.max_features, IsolationMaxFeatures::Count(2));
        let p: IsolationForestParams =
            serde_json::from_str(r#"{"max_samples":"auto","contamination":"auto"}"#).unwrap();
        assert_eq!(p, IsolationForestParams::default());
        let back: IsolationForestParams =
            serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
        assert!(toml::from_str::<IsolationForestParams>("max_samples = \"all\"").is_err());
        assert!(toml::from_str::<IsolationForestParams>("n_trees = 3").is_err());
    }

    #[test]
    fn validate_names_the_parameter_and_range() {
        let bad = |p: IsolationForestParams, name: &str| {
            let e = p.validate().unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
        };
        bad(
            IsolationForestParams {
                n_estimators: 0,
                ..Default::default()
            },
            "n_estimators",
        );
        bad(
            IsolationForestParams {
                max_samples: IsolationMaxSamples::Fraction(1.5),
                ..Default::default()
            },
            "(0, 1]",
        );
        bad(
            IsolationForestParams {
                max_features: IsolationMaxFeatures::Fraction(0.0),
                ..Default::default()
            },
            "max_features",
        );
        bad(
            IsolationForestParams {
                contamination: Contamination::Fraction(0.6),
                ..Default::default()
            },
            "(0, 0.5]",
        );
        let p = IsolationForestParams::default();
        assert_eq!(p.resolve_max_samples(1000).unwrap(), (256, false));
        assert_eq!(p.resolve_max_samples(10).unwrap(), (10, false));
        let p = IsolationForestParams {
            max_samples: IsolationMaxSamples::Fraction(0.01),
            ..Default::default()
        };
        assert!(p.resolve_max_samples(50).is_err());
        let p = IsolationForestParams {
            max_features: IsolationMaxFeatures::Count(4),
            ..Default::default()
        };
        assert!(p.resolve_max_features(3).is_err());
    }
}
