//! The one text form of class weights (scikit-learn's `class_weight`), shared by every model
//! family that has them (logistic regression, SGD, trees and forests, boosting, networks):
//!
//! ```toml
//! class_weight = "balanced"                  # n_samples / (n_classes · count(class))
//! class_weight = { yes = 3.0, no = 1.0 }     # a weight per class label; labels not named weigh 1
//! ```
//!
//! and `--set model.class_weight=balanced` or `--set model.class_weight.yes=3`. `"none"` (or
//! leaving it out) weighs every class 1. Parameter trees written by earlier versions, which
//! wrapped the map in a family's own key (`{ map = {…} }`, `{ weights = {…} }`,
//! `{ custom = {…} }`), still read. A label that is not a class of the target is one error for
//! every family: [`unknown_class`].
//!
//! Each family keeps its own enum (its binary layout in model files is unchanged): its serde
//! implementation reads and writes [`ClassWeightForm`] in human-readable formats (TOML, JSON) and
//! its former derived layout in binary ones (see [`class_weight_serde`](crate::class_weight_serde)).

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Error, snippet};

/// Class weights as written in a parameter tree.
#[derive(Debug, Clone, PartialEq)]
pub enum ClassWeightForm {
    /// `"none"` (or null): every class weighs 1.
    None,
    /// `"balanced"`.
    Balanced,
    /// `"balanced_subsample"` (forests: balanced on each tree's bootstrap sample).
    BalancedSubsample,
    /// `{ label = weight, … }`.
    Map(BTreeMap<String, f64>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Repr {
    Null(()),
    Word(String),
    Map(BTreeMap<String, f64>),
    Wrapped(BTreeMap<String, BTreeMap<String, f64>>),
}

impl ClassWeightForm {
    /// Read the text form (and the wrapped maps of earlier versions).
    pub fn read<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let repr = Repr::deserialize(d).map_err(|_| {
            D::Error::custom(
                "class_weight must be \"balanced\", \"none\" or a map from class label to \
                 weight, e.g. { yes = 3.0, no = 1.0 }",
            )
        })?;
        match repr {
            Repr::Null(()) => Ok(ClassWeightForm::None),
            Repr::Word(w) => match w.as_str() {
                "none" => Ok(ClassWeightForm::None),
                "balanced" => Ok(ClassWeightForm::Balanced),
                "balanced_subsample" => Ok(ClassWeightForm::BalancedSubsample),
                _ => Err(D::Error::custom(format!(
                    "class_weight must be \"balanced\", \"none\" or a map from class label to \
                     weight (e.g. {{ yes = 3.0, no = 1.0 }}), got \"{}\"",
                    snippet(&w)
                ))),
            },
            Repr::Map(m) => Ok(ClassWeightForm::Map(m)),
            Repr::Wrapped(outer) => {
                let mut it = outer.into_iter();
                match (it.next(), it.next()) {
                    (Some((key, m)), None) if ["map", "weights", "custom"].contains(&&*key) => {
                        Ok(ClassWeightForm::Map(m))
                    }
                    _ => Err(D::Error::custom(
                        "class_weight maps a class label to a number, e.g. { yes = 3.0, no = 1.0 }",
                    )),
                }
            }
        }
    }

    /// Write the text form: a word, or the map itself.
    pub fn write<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            ClassWeightForm::None => s.serialize_str("none"),
            ClassWeightForm::Balanced => s.serialize_str("balanced"),
            ClassWeightForm::BalancedSubsample => s.serialize_str("balanced_subsample"),
            ClassWeightForm::Map(m) => m.serialize(s),
        }
    }
}

/// The error for a class-weight map naming a label that is not a class of the target.
pub fn unknown_class(label: &str, labels: &[String]) -> Error {
    Error::param(
        "class_weight",
        format!(
            "names class `{}`, which is not a class of the target; the classes are: {}",
            snippet(label),
            labels.join(", ")
        ),
    )
}

/// `Serialize`/`Deserialize` for a family's class-weight enum `$ty` with the variants `$none`,
/// `$balanced` and `$map(BTreeMap<String, f64>)`: the [`ClassWeightForm`] text in
/// human-readable formats, the enum's former derived layout (`$mirror`, variants in the same
/// order) in binary ones, so model files written before keep reading.
#[macro_export]
macro_rules! class_weight_serde {
    ($ty:ident { $none:ident, $balanced:ident, $map:ident }) => {
        const _: () = {
            use ::std::collections::BTreeMap;
            use $crate::class_weight::ClassWeightForm;

            #[derive(::serde::Serialize, ::serde::Deserialize)]
            enum Mirror {
                $none,
                $balanced,
                $map(BTreeMap<String, f64>),
            }

            impl ::serde::Serialize for $ty {
                fn serialize<S: ::serde::Serializer>(
                    &self,
                    s: S,
                ) -> ::std::result::Result<S::Ok, S::Error> {
                    if s.is_human_readable() {
                        match self {
                            $ty::$none => ClassWeightForm::None,
                            $ty::$balanced => ClassWeightForm::Balanced,
                            $ty::$map(m) => ClassWeightForm::Map(m.clone()),
                        }
                        .write(s)
                    } else {
                        match self {
                            $ty::$none => Mirror::$none,
                            $ty::$balanced => Mirror::$balanced,
                            $ty::$map(m) => Mirror::$map(m.clone()),
                        }
                        .serialize(s)
                    }
                }
            }

            impl<'de> ::serde::Deserialize<'de> for $ty {
                fn deserialize<D: ::serde::Deserializer<'de>>(
                    d: D,
                ) -> ::std::result::Result<Self, D::Error> {
                    if d.is_human_readable() {
                        match ClassWeightForm::read(d)? {
                            ClassWeightForm::None => Ok($ty::$none),
                            ClassWeightForm::Balanced => Ok($ty::$balanced),
                            ClassWeightForm::Map(m) => Ok($ty::$map(m)),
                            ClassWeightForm::BalancedSubsample => {
                                Err(<D::Error as ::serde::de::Error>::custom(
                                    "class_weight = \"balanced_subsample\" is for forests; use \
                                     \"balanced\"",
                                ))
                            }
                        }
                    } else {
                        Ok(match Mirror::deserialize(d)? {
                            Mirror::$none => $ty::$none,
                            Mirror::$balanced => $ty::$balanced,
                            Mirror::$map(m) => $ty::$map(m),
                        })
                    }
                }
            }
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    enum Cw {
        None,
        Balanced,
        Map(BTreeMap<String, f64>),
    }
    crate::class_weight_serde!(Cw {
        None,
        Balanced,
        Map
    });

    #[test]
    fn one_text_form_and_the_old_wrapped_maps() {
        let read = |v: serde_json::Value| serde_json::from_value::<Cw>(v);
        let map = Cw::Map([("yes".to_string(), 3.0)].into_iter().collect());
        assert_eq!(read(serde_json::json!("balanced")).unwrap(), Cw::Balanced);
        assert_eq!(read(serde_json::json!("none")).unwrap(), Cw::None);
        assert_eq!(read(serde_json::json!(null)).unwrap(), Cw::None);
        assert_eq!(read(serde_json::json!({"yes": 3.0})).unwrap(), map);
        for old in ["map", "weights", "custom"] {
            assert_eq!(read(serde_json::json!({old: {"yes": 3.0}})).unwrap(), map);
        }
        assert_eq!(
            serde_json::to_value(&map).unwrap(),
            serde_json::json!({"yes": 3.0})
        );
        assert_eq!(serde_json::to_value(Cw::None).unwrap(), "none");
        let e = read(serde_json::json!("balancd")).unwrap_err().to_string();
        assert!(e.contains("\"balanced\"") && e.contains("balancd"), "{e}");
        let e = read(serde_json::json!({"yes": "x"}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("class_weight"), "{e}");
        let e = unknown_class("maybe", &["no".into(), "yes".into()]).to_string();
        assert!(e.contains("`maybe`") && e.contains("no, yes"), "{e}");
    }
}
