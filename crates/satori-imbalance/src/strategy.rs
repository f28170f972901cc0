//! `sampling_strategy`: which classes a sampler resamples and to how many rows, with
//! imbalanced-learn's forms and their three meanings (over-sampling, under-sampling, cleaning).

use std::collections::BTreeMap;

use satori_core::{Error, Result};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

/// What a sampler does to the class counts; it gives `sampling_strategy` its meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamplingKind {
    /// Adds rows to classes (the resolved numbers are rows to add).
    OverSampling,
    /// Removes rows from classes down to a count (the resolved numbers are counts to keep).
    UnderSampling,
    /// Removes the rows a rule flags, in the targeted classes (only the classes matter).
    Cleaning,
}

/// imbalanced-learn's `sampling_strategy`.
///
/// In TOML or JSON: a number (`0.5`, a ratio, binary targets only), a name (`"auto"`,
/// `"minority"`, `"majority"`, `"not minority"`, `"not majority"`, `"all"`), a table of class
/// label → rows (`{ "1" = 300 }`, over- and under-samplers), or a list of class labels
/// (`["a", "b"]`, cleaning samplers). The default is `"auto"`: `"not majority"` for
/// over-samplers, `"not minority"` for under-samplers and cleaning samplers.
///
/// - A ratio `r` over-samples every class but the majority to `⌊r · N_majority⌋` rows, or
///   under-samples every class but the minority to `⌊N_minority / r⌋` rows; in `(0, 1]`.
/// - A name picks the classes; over-samplers bring them up to the majority's count,
///   under-samplers down to the minority's, cleaning samplers clean them.
/// - Counts give each listed class its number of rows after resampling.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SamplingStrategy {
    /// A ratio minority / majority after resampling, in (0, 1]; binary targets only.
    Ratio(f64),
    /// `"not majority"` for over-samplers, `"not minority"` for the others.
    #[default]
    Auto,
    /// The minority class only (over-samplers).
    Minority,
    /// The majority class only (under-samplers and cleaning samplers).
    Majority,
    /// Every class but the minority.
    NotMinority,
    /// Every class but the majority.
    NotMajority,
    /// Every class.
    All,
    /// Rows per class after resampling, by class label.
    Counts(BTreeMap<String, usize>),
    /// The classes a cleaning sampler cleans, by label.
    Classes(Vec<String>),
}

const NAMES: &str = "auto, minority, majority, not minority, not majority, all";

impl SamplingStrategy {
    /// The strategy from its name.
    pub fn from_name(name: &str) -> Result<SamplingStrategy> {
        Ok(match name {
            "auto" => SamplingStrategy::Auto,
            "minority" => SamplingStrategy::Minority,
            "majority" => SamplingStrategy::Majority,
            "not minority" => SamplingStrategy::NotMinority,
            "not majority" => SamplingStrategy::NotMajority,
            "all" => SamplingStrategy::All,
            other => {
                return Err(Error::param(
                    "sampling_strategy",
                    format!(
                        "`{}` is not a strategy; use a ratio in (0, 1], one of {NAMES}, a table \
                         of class = rows, or a list of classes",
                        satori_core::snippet(other)
                    ),
                ));
            }
        })
    }

    fn name(&self) -> Option<&'static str> {
        Some(match self {
            SamplingStrategy::Auto => "auto",
            SamplingStrategy::Minority => "minority",
            SamplingStrategy::Majority => "majority",
            SamplingStrategy::NotMinority => "not minority",
            SamplingStrategy::NotMajority => "not majority",
            SamplingStrategy::All => "all",
            _ => return None,
        })
    }

    /// Check what can be checked without the data: a ratio in (0, 1].
    pub fn validate(&self) -> Result<()> {
        if let SamplingStrategy::Ratio(r) = self
            && !(*r > 0.0 && *r <= 1.0)
        {
            return Err(Error::param(
                "sampling_strategy",
                format!("a ratio must be in (0, 1], got {r}"),
            ));
        }
        Ok(())
    }

    /// The targeted classes (by code) and their numbers for the class `counts` (by code; a class
    /// with no row is absent from the data): rows to add (over-sampling), rows to keep
    /// (under-sampling) or the minority's count (cleaning, where only the classes matter).
    pub fn resolve(
        &self,
        counts: &[usize],
        labels: &[String],
        kind: SamplingKind,
    ) -> Result<BTreeMap<usize, usize>> {
        self.validate()?;
        let present: Vec<usize> = (0..counts.len()).filter(|&c| counts[c] > 0).collect();
        if present.len() < 2 {
            return Err(Error::InvalidData(format!(
                "resampling needs at least 2 classes in the rows, found {}",
                present.len()
            )));
        }
        // The first class (in label order) with the most / fewest rows, as imbalanced-learn.
        let majority = *present
            .iter()
            .reduce(|a, b| if counts[*b] > counts[*a] { b } else { a })
            .expect("two classes");
        let minority = *present
            .iter()
            .reduce(|a, b| if counts[*b] < counts[*a] { b } else { a })
            .expect("two classes");
        let (n_maj, n_min) = (counts[majority], counts[minority]);
        let pick = |keep: &dyn Fn(usize) -> bool| -> BTreeMap<usize, usize> {
            present
                .iter()
                .filter(|&&c| keep(c))
                .map(|&c| match kind {
                    SamplingKind::OverSampling => (c, n_maj - counts[c]),
                    _ => (c, n_min),
                })
                .collect()
        };
        let over = kind == SamplingKind::OverSampling;
        let label = |c: usize| labels[c].as_str();
        let code_of = |l: &str| -> Result<usize> {
            labels
                .iter()
                .position(|x| x == l)
                .filter(|&c| counts[c] > 0)
                .ok_or_else(|| {
                    let known: Vec<&str> = present.iter().map(|&c| label(c)).collect();
                    Error::param(
                        "sampling_strategy",
                        format!(
                            "class `{}` is not in the data (classes: {})",
                            satori_core::snippet(l),
                            known.join(", ")
                        ),
                    )
                })
        };
        Ok(match self {
            SamplingStrategy::Auto if over => pick(&|c| c != majority),
            SamplingStrategy::Auto => pick(&|c| c != minority),
            SamplingStrategy::NotMajority => pick(&|c| c != majority),
            SamplingStrategy::NotMinority => pick(&|c| c != minority),
            SamplingStrategy::All => pick(&|_| true),
            SamplingStrategy::Minority if over => pick(&|c| c == minority),
            SamplingStrategy::Minority => {
                return Err(Error::param(
                    "sampling_strategy",
                    "`minority` is for over-samplers; an under-sampler or cleaning sampler \
                     takes `majority`, `not minority`, `not majority`, `all` or `auto`",
                ));
            }
            SamplingStrategy::Majority if over => {
                return Err(Error::param(
                    "sampling_strategy",
                    "`majority` cannot be used with an over-sampler; use `minority`, \
                     `not majority`, `not minority`, `all` or `auto`",
                ));
            }
            SamplingStrategy::Majority => pick(&|c| c == majority),
            SamplingStrategy::Counts(map) => {
                let mut out = BTreeMap::new();
                for (l, &n) in map {
                    let c = code_of(l)?;
                    match kind {
                        SamplingKind::OverSampling if n < counts[c] => {
                            return Err(Error::param(
                                "sampling_strategy",
                                format!(
                                    "an over-sampler cannot shrink class `{}`: it has {} rows and \
                                     {n} are asked",
                                    label(c),
                                    counts[c]
                                ),
                            ));
                        }
                        SamplingKind::OverSampling => out.insert(c, n - counts[c]),
                        SamplingKind::UnderSampling if n > counts[c] => {
                            return Err(Error::param(
                                "sampling_strategy",
                                format!(
                                    "an under-sampler cannot grow class `{}`: it has {} rows and \
                                     {n} are asked",
                                    label(c),
                                    counts[c]
                                ),
                            ));
                        }
                        SamplingKind::UnderSampling => out.insert(c, n),
                        SamplingKind::Cleaning => {
                            return Err(Error::param(
                                "sampling_strategy",
                                "a cleaning sampler takes a list of the classes to clean, not \
                                 counts",
                            ));
                        }
                    };
                }
                out
            }
            SamplingStrategy::Classes(list) => {
                if kind != SamplingKind::Cleaning {
                    return Err(Error::param(
                        "sampling_strategy",
                        "a list of classes is for cleaning samplers; give counts per class \
                         ({ label = rows }) instead",
                    ));
                }
                let mut out = BTreeMap::new();
                for l in list {
                    out.insert(code_of(l)?, n_min);
                }
                out
            }
            SamplingStrategy::Ratio(r) => {
                if present.len() != 2 {
                    return Err(Error::param(
                        "sampling_strategy",
                        format!(
                            "a ratio needs a binary target; for {} classes give counts per class \
                             ({{ label = rows }})",
                            present.len()
                        ),
                    ));
                }
                match kind {
                    SamplingKind::OverSampling => {
                        let c = minority_of_two(&present, majority);
                        let n = (n_maj as f64 * r - counts[c] as f64).trunc();
                        if n <= 0.0 {
                            return Err(Error::param(
                                "sampling_strategy",
                                format!(
                                    "the ratio {r} would remove rows from class `{}` ({} rows, \
                                     the ratio asks for {}) instead of creating some; increase it",
                                    label(c),
                                    counts[c],
                                    (n_maj as f64 * r).trunc()
                                ),
                            ));
                        }
                        BTreeMap::from([(c, n as usize)])
                    }
                    SamplingKind::UnderSampling => {
                        let c = minority_of_two(&present, minority);
                        let n = (n_min as f64 / r).trunc() as usize;
                        if n > counts[c] {
                            return Err(Error::param(
                                "sampling_strategy",
                                format!(
                                    "the ratio {r} would create rows in class `{}` ({} rows, the \
                                     ratio asks for {n}) instead of removing some; increase it",
                                    label(c),
                                    counts[c]
                                ),
                            ));
                        }
                        BTreeMap::from([(c, n)])
                    }
                    SamplingKind::Cleaning => {
                        return Err(Error::param(
                            "sampling_strategy",
                            "a cleaning sampler takes no ratio; use a name or a list of classes",
                        ));
                    }
                }
            }
        })
    }
}

/// The class of two that is not `other`.
fn minority_of_two(present: &[usize], other: usize) -> usize {
    if present[0] == other {
        present[1]
    } else {
        present[0]
    }
}

impl Serialize for SamplingStrategy {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            SamplingStrategy::Ratio(r) => s.serialize_f64(*r),
            SamplingStrategy::Counts(map) => {
                let mut m = s.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
            SamplingStrategy::Classes(list) => {
                let mut q = s.serialize_seq(Some(list.len()))?;
                for l in list {
                    q.serialize_element(l)?;
                }
                q.end()
            }
            named => s.serialize_str(named.name().expect("a named strategy")),
        }
    }
}

impl<'de> Deserialize<'de> for SamplingStrategy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SamplingStrategy;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(
                    f,
                    "a ratio in (0, 1], one of {NAMES}, a table of class = rows, or a list of \
                     classes"
                )
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Self::Value, E> {
                Ok(SamplingStrategy::Ratio(v))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Self::Value, E> {
                Ok(SamplingStrategy::Ratio(v as f64))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Self::Value, E> {
                Ok(SamplingStrategy::Ratio(v as f64))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
                SamplingStrategy::from_name(v).map_err(|e| E::custom(reason(e)))
            }

            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(l) = seq.next_element::<Label>()? {
                    out.push(l.0);
                }
                Ok(SamplingStrategy::Classes(out))
            }

            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((k, v)) = map.next_entry::<String, usize>()? {
                    out.insert(k, v);
                }
                Ok(SamplingStrategy::Counts(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A class label written as a string or a number (`[0, 1]` names classes `0` and `1`).
struct Label(String);

impl<'de> Deserialize<'de> for Label {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(Label(s)),
            serde_json::Value::Number(n) => Ok(Label(n.to_string())),
            other => Err(de::Error::custom(format!(
                "a class label is a string or a number, not {other}"
            ))),
        }
    }
}

fn reason(e: Error) -> String {
    match e {
        Error::InvalidParameter { reason, .. } => reason,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: usize) -> Vec<String> {
        (0..n).map(|i| i.to_string()).collect()
    }

    fn resolve(s: &SamplingStrategy, counts: &[usize], kind: SamplingKind) -> Vec<(usize, usize)> {
        s.resolve(counts, &labels(counts.len()), kind)
            .unwrap()
            .into_iter()
            .collect()
    }

    #[test]
    fn names_mean_what_imbalanced_learn_means() {
        use SamplingKind::*;
        use SamplingStrategy::*;
        let c = [50, 10, 30];
        assert_eq!(resolve(&Auto, &c, OverSampling), [(1, 40), (2, 20)]);
        assert_eq!(resolve(&Auto, &c, UnderSampling), [(0, 10), (2, 10)]);
        assert_eq!(resolve(&Minority, &c, OverSampling), [(1, 40)]);
        assert_eq!(resolve(&Majority, &c, UnderSampling), [(0, 10)]);
        assert_eq!(resolve(&All, &c, OverSampling), [(0, 0), (1, 40), (2, 20)]);
        assert_eq!(resolve(&NotMinority, &c, Cleaning), [(0, 10), (2, 10)]);
        assert_eq!(resolve(&NotMajority, &c, UnderSampling), [(1, 10), (2, 10)]);
        // Ties: the first class in label order.
        assert_eq!(resolve(&Auto, &[10, 10, 5], OverSampling), [(1, 0), (2, 5)]);
        // A class without rows is not in the data.
        assert_eq!(resolve(&Auto, &[0, 10, 5], UnderSampling), [(1, 5)]);
    }

    #[test]
    fn ratios_and_counts_and_their_errors() {
        use SamplingKind::*;
        let c = [100, 20];
        assert_eq!(
            resolve(&SamplingStrategy::Ratio(0.5), &c, OverSampling),
            [(1, 30)]
        );
        assert_eq!(
            resolve(&SamplingStrategy::Ratio(0.5), &c, UnderSampling),
            [(0, 40)]
        );
        let err = |s: SamplingStrategy, counts: &[usize], kind| {
            s.resolve(counts, &labels(counts.len()), kind)
                .unwrap_err()
                .to_string()
        };
        let e = err(SamplingStrategy::Ratio(0.1), &c, OverSampling);
        assert!(e.contains("would remove rows from class `1`"), "{e}");
        let e = err(SamplingStrategy::Ratio(0.1), &c, UnderSampling);
        assert!(e.contains("would create rows in class `0`"), "{e}");
        let e = err(SamplingStrategy::Ratio(0.5), &[5, 6, 7], OverSampling);
        assert!(e.contains("binary"), "{e}");
        assert!(SamplingStrategy::Ratio(1.5).validate().is_err());
        let counts = |pairs: &[(&str, usize)]| {
            SamplingStrategy::Counts(pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect())
        };
        assert_eq!(resolve(&counts(&[("1", 50)]), &c, OverSampling), [(1, 30)]);
        assert_eq!(resolve(&counts(&[("0", 50)]), &c, UnderSampling), [(0, 50)]);
        let e = err(counts(&[("1", 10)]), &c, OverSampling);
        assert!(
            e.contains("cannot shrink class `1`: it has 20 rows and 10"),
            "{e}"
        );
        let e = err(counts(&[("0", 500)]), &c, UnderSampling);
        assert!(e.contains("cannot grow class `0`"), "{e}");
        let e = err(counts(&[("7", 5)]), &c, UnderSampling);
        assert!(
            e.contains("class `7` is not in the data (classes: 0, 1)"),
            "{e}"
        );
        let e = err(counts(&[("0", 5)]), &c, Cleaning);
        assert!(e.contains("list of the classes"), "{e}");
        let e = err(SamplingStrategy::Majority, &c, OverSampling);
        assert!(e.contains("cannot be used with an over-sampler"), "{e}");
        let e = err(SamplingStrategy::Minority, &c, Cleaning);
        assert!(e.contains("for over-samplers"), "{e}");
        let list = SamplingStrategy::Classes(vec!["1".into()]);
        assert_eq!(resolve(&list, &c, Cleaning), [(1, 20)]);
        assert!(err(list, &c, OverSampling).contains("cleaning samplers"));
        let e = err(SamplingStrategy::Auto, &[10, 0], OverSampling);
        assert!(e.contains("at least 2 classes"), "{e}");
    }

    #[test]
    fn serde_forms() {
        #[derive(Deserialize, Serialize)]
        struct W {
            s: SamplingStrategy,
        }
        let read = |t: &str| toml::from_str::<W>(t).map(|w| w.s);
        assert_eq!(read("s = 0.5").unwrap(), SamplingStrategy::Ratio(0.5));
        assert_eq!(
            read("s = \"not minority\"").unwrap(),
            SamplingStrategy::NotMinority
        );
        assert_eq!(
            read("s = [0, \"b\"]").unwrap(),
            SamplingStrategy::Classes(vec!["0".into(), "b".into()])
        );
        assert_eq!(
            read("s = { \"1\" = 30 }").unwrap(),
            SamplingStrategy::Counts(BTreeMap::from([("1".into(), 30)]))
        );
        let e = read("s = \"most\"").unwrap_err().to_string();
        assert!(e.contains("`most` is not a strategy"), "{e}");
        for s in [
            SamplingStrategy::Ratio(0.25),
            SamplingStrategy::NotMajority,
            SamplingStrategy::Classes(vec!["a".into()]),
            SamplingStrategy::Counts(BTreeMap::from([("a".into(), 3)])),
        ] {
            let j = serde_json::to_string(&W { s: s.clone() }).unwrap();
            assert_eq!(serde_json::from_str::<W>(&j).unwrap().s, s);
        }
    }
}
