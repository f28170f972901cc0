//! The schema of raw input columns.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// What kind of values a column holds.
///
/// Numeric kinds enter the feature matrix as their value; `Boolean` as 0/1; `Categorical` as the
/// integer code of the value in `categories`; `Datetime` as seconds since the Unix epoch (UTC).
/// `Text` and `Identifier` columns are not features unless a step turns them into some (an
/// identifier is unique per row, so it carries no signal a model could generalise from).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Floating-point numbers.
    Numeric,
    /// Whole numbers.
    Integer,
    /// `true`/`false` (also `yes`/`no`, `t`/`f`, and 0/1 when declared).
    Boolean,
    /// A value from a fixed list; the list's order gives the integer codes.
    Categorical {
        /// The categories, in code order.
        categories: Vec<String>,
    },
    /// Free text.
    Text,
    /// ISO-8601 dates or date-times.
    Datetime,
    /// A unique-per-row key.
    Identifier,
}

impl ColumnKind {
    /// The kind's short name, as shown by `satori inspect` and accepted in schema files.
    pub fn name(&self) -> &'static str {
        match self {
            ColumnKind::Numeric => "numeric",
            ColumnKind::Integer => "integer",
            ColumnKind::Boolean => "boolean",
            ColumnKind::Categorical { .. } => "categorical",
            ColumnKind::Text => "text",
            ColumnKind::Datetime => "datetime",
            ColumnKind::Identifier => "identifier",
        }
    }

    /// Whether columns of this kind enter the feature matrix as they are.
    pub fn is_feature(&self) -> bool {
        !matches!(self, ColumnKind::Text | ColumnKind::Identifier)
    }

    /// The categories of a categorical column.
    pub fn categories(&self) -> Option<&[String]> {
        match self {
            ColumnKind::Categorical { categories } => Some(categories),
            _ => None,
        }
    }
}

/// One column: its name and kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSchema {
    /// The column's name (the header).
    pub name: String,
    /// Its kind.
    pub kind: ColumnKind,
}

/// An ordered list of columns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// The columns, in file order.
    pub columns: Vec<ColumnSchema>,
}

impl Schema {
    /// A schema from its columns; names must be unique and non-empty.
    pub fn new(columns: Vec<ColumnSchema>) -> Result<Self> {
        let mut seen = std::collections::BTreeSet::new();
        for c in &columns {
            if c.name.is_empty() {
                return Err(Error::InvalidData("a column has an empty name".into()));
            }
            if !seen.insert(c.name.as_str()) {
                return Err(Error::InvalidData(format!(
                    "column name `{}` appears twice",
                    c.name
                )));
            }
        }
        Ok(Schema { columns })
    }

    /// All-numeric schema for the given names.
    pub fn numeric(names: &[String]) -> Self {
        Schema {
            columns: names
                .iter()
                .map(|n| ColumnSchema {
                    name: n.clone(),
                    kind: ColumnKind::Numeric,
                })
                .collect(),
        }
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether there are no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The column names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.name.as_str())
    }

    /// The position of a column, if present.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The position of a column, or [`Error::MissingColumn`] naming the closest names.
    pub fn require(&self, name: &str, context: &str) -> Result<usize> {
        let names = self.columns.iter().map(|c| c.name.as_str());
        self.position(name)
            .ok_or_else(|| Error::missing_column(name, context, names))
    }

    /// The column with this name.
    pub fn get(&self, name: &str) -> Option<&ColumnSchema> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_names_rejected() {
        let c = ColumnSchema {
            name: "a".into(),
            kind: ColumnKind::Numeric,
        };
        assert!(Schema::new(vec![c.clone(), c]).is_err());
    }

    #[test]
    fn require_suggests() {
        let s = Schema::numeric(&["alpha".into(), "beta".into()]);
        let e = s.require("alpah", "data.csv").unwrap_err().to_string();
        assert!(e.contains("did you mean `alpha`"), "{e}");
    }

    #[test]
    fn serde_round_trip() {
        let s = Schema::new(vec![ColumnSchema {
            name: "c".into(),
            kind: ColumnKind::Categorical {
                categories: vec!["x".into(), "y".into()],
            },
        }])
        .unwrap();
        let j = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Schema>(&j).unwrap(), s);
    }
}
