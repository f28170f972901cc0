//! [`DatetimeFeaturesParams`] → [`DatetimeFeatures`]: calendar features of datetime columns.
//!
//! satori stores a datetime column as seconds since the Unix epoch, UTC (fractions allowed).
//! Each selected column is replaced, in place, by the features asked for, named
//! `<column>_<feature>`; the other columns pass through unchanged. The features match pandas'
//! `Series.dt` accessors on `pd.to_datetime(seconds, unit="s", utc=True)`:
//!
//! | feature | pandas | range |
//! |---|---|---|
//! | `year` | `.dt.year` | proleptic Gregorian |
//! | `month` | `.dt.month` | 1–12 |
//! | `day` | `.dt.day` | 1–31 |
//! | `day_of_week` | `.dt.dayofweek` | Monday = 0 … Sunday = 6 |
//! | `day_of_year` | `.dt.dayofyear` | 1–366 |
//! | `hour`, `minute`, `second` | `.dt.hour`, `.dt.minute`, `.dt.second` | whole units (fractions of a second are floored) |
//! | `is_weekend` | `.dt.dayofweek >= 5` | 0 or 1 |
//!
//! With `cyclical`, each of month, day of week and hour adds a sine and cosine pair
//! (`<column>_month_sin`, `<column>_month_cos`, …) at angles `2π(month − 1)/12`,
//! `2π·day_of_week/7` and `2π·hour/24`, so that December sits next to January.
//!
//! A missing value (NaN) gives NaN in every feature; an infinite value or one beyond ±10¹⁵ s
//! (about 31 million years) is an error.
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Transformer};
//! use satori_features::{DatetimeFeaturesParams, DatetimePart};
//!
//! // 2024-02-29 13:45:30 UTC (a Thursday), then a missing value.
//! let x = array![[1709214330.0, 7.0], [f64::NAN, 8.0]];
//! let data = Dataset::new(x.clone(), vec!["when".into(), "n".into()]).unwrap();
//! let params = DatetimeFeaturesParams {
//!     columns: vec!["when".into()],
//!     features: vec![DatetimePart::Year, DatetimePart::Month, DatetimePart::DayOfWeek],
//!     cyclical: false,
//! };
//! let dt = params.fit(&data).unwrap();
//! assert_eq!(dt.feature_names_out(&data.feature_names()), ["when_year", "when_month", "when_day_of_week", "n"]);
//! let z = dt.transform(x.view()).unwrap();
//! assert_eq!(z.row(0).to_vec(), vec![2024.0, 2.0, 3.0, 7.0]);
//! assert!(z[[1, 0]].is_nan() && z[[1, 3]] == 8.0);
//! ```

use std::f64::consts::TAU;

use ndarray::{Array2, ArrayView2};
use satori_core::{
    ColumnKind, Dataset, Error, Estimator, Params, Progress, Result, Transformer, check_features,
};
use serde::{Deserialize, Serialize};

/// The largest magnitude of a timestamp, in seconds.
const MAX_SECONDS: f64 = 1e15;

/// One calendar feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatetimePart {
    /// The year.
    Year,
    /// The month, 1–12.
    Month,
    /// The day of the month, 1–31.
    Day,
    /// The day of the week, Monday = 0 … Sunday = 6.
    DayOfWeek,
    /// The day of the year, 1–366.
    DayOfYear,
    /// The hour, 0–23.
    Hour,
    /// The minute, 0–59.
    Minute,
    /// The second, 0–59 (floored).
    Second,
    /// 1 on Saturday and Sunday, else 0.
    IsWeekend,
}

impl DatetimePart {
    /// Every part, in the default order.
    pub const ALL: [DatetimePart; 9] = [
        DatetimePart::Year,
        DatetimePart::Month,
        DatetimePart::Day,
        DatetimePart::DayOfWeek,
        DatetimePart::DayOfYear,
        DatetimePart::Hour,
        DatetimePart::Minute,
        DatetimePart::Second,
        DatetimePart::IsWeekend,
    ];

    /// The part's name, as used in parameters and output names.
    pub fn name(self) -> &'static str {
        match self {
            DatetimePart::Year => "year",
            DatetimePart::Month => "month",
            DatetimePart::Day => "day",
            DatetimePart::DayOfWeek => "day_of_week",
            DatetimePart::DayOfYear => "day_of_year",
            DatetimePart::Hour => "hour",
            DatetimePart::Minute => "minute",
            DatetimePart::Second => "second",
            DatetimePart::IsWeekend => "is_weekend",
        }
    }
}

/// Parameters of [`DatetimeFeatures`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct DatetimeFeaturesParams {
    /// The columns to expand, by name (epoch seconds); empty (the default) expands every column
    /// of the `datetime` kind.
    pub columns: Vec<String>,
    /// The features of each column, in output order, without repeats. Default all nine: year,
    /// month, day, day_of_week, day_of_year, hour, minute, second, is_weekend.
    pub features: Vec<DatetimePart>,
    /// Add sine/cosine pairs of month, day of week and hour. Default `false`.
    pub cyclical: bool,
}

impl Default for DatetimeFeaturesParams {
    fn default() -> Self {
        DatetimeFeaturesParams {
            columns: Vec::new(),
            features: DatetimePart::ALL.to_vec(),
            cyclical: false,
        }
    }
}

impl Params for DatetimeFeaturesParams {
    fn validate(&self) -> Result<()> {
        if self.features.is_empty() && !self.cyclical {
            return Err(Error::param(
                "features",
                "must name at least one feature (or set cyclical = true)",
            ));
        }
        let mut seen = self.features.clone();
        seen.sort();
        if let Some(w) = seen.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::param(
                "features",
                format!("lists `{}` twice", w[0].name()),
            ));
        }
        Ok(())
    }
}

impl Estimator for DatetimeFeaturesParams {
    type Model = DatetimeFeatures;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        _progress: &dyn Progress,
    ) -> Result<DatetimeFeatures> {
        self.validate()?;
        let schema = data.features();
        let names = data.feature_names();
        let columns: Vec<usize> = if self.columns.is_empty() {
            (0..names.len())
                .filter(|&j| {
                    schema
                        .get(&names[j])
                        .is_some_and(|c| c.kind == ColumnKind::Datetime)
                })
                .collect()
        } else {
            let mut cols = self
                .columns
                .iter()
                .map(|c| schema.require(c, "the datetime columns to expand"))
                .collect::<Result<Vec<_>>>()?;
            cols.sort_unstable();
            cols.dedup();
            cols
        };
        if columns.is_empty() {
            return Err(Error::InvalidData(
                "DatetimeFeatures found no datetime column: name the columns (epoch seconds) \
                 with `columns`"
                    .into(),
            ));
        }
        for &j in &columns {
            check_column(data.x().column(j).iter().copied(), &names[j])?;
        }
        Ok(DatetimeFeatures {
            input_names: names,
            columns,
            features: self.features.clone(),
            cyclical: self.cyclical,
        })
    }
}

/// Reject infinite or out-of-range timestamps (NaN is missing and allowed).
fn check_column(values: impl Iterator<Item = f64>, name: &str) -> Result<()> {
    for (i, v) in values.enumerate() {
        if v.is_infinite() || v.abs() > MAX_SECONDS {
            return Err(Error::InvalidData(format!(
                "datetime column `{name}`, row {i}: {v} is not a timestamp (seconds since \
                 1970-01-01 UTC, at most ±1e15)"
            )));
        }
    }
    Ok(())
}

/// A calendar date-time broken down from epoch seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Civil {
    year: i64,
    month: i64,
    day: i64,
    day_of_week: i64,
    day_of_year: i64,
    hour: i64,
    minute: i64,
    second: i64,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Break down epoch seconds (finite, within range).
pub(crate) fn civil(seconds: f64) -> Civil {
    let s = seconds.floor() as i64;
    let days = s.div_euclid(86_400);
    let secs = s.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        day_of_week: (days + 3).rem_euclid(7),
        day_of_year: days - days_from_civil(year, 1, 1) + 1,
        hour: secs / 3600,
        minute: secs % 3600 / 60,
        second: secs % 60,
    }
}

/// A fitted datetime expansion: which columns it expands into which features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatetimeFeatures {
    input_names: Vec<String>,
    columns: Vec<usize>,
    features: Vec<DatetimePart>,
    cyclical: bool,
}

impl DatetimeFeatures {
    /// The indices of the expanded input columns.
    pub fn datetime_columns(&self) -> &[usize] {
        &self.columns
    }

    /// The output names of one expanded column.
    fn suffixes(&self) -> Vec<String> {
        let mut out: Vec<String> = self.features.iter().map(|f| f.name().to_string()).collect();
        if self.cyclical {
            for p in ["month", "day_of_week", "hour"] {
                out.push(format!("{p}_sin"));
                out.push(format!("{p}_cos"));
            }
        }
        out
    }

    /// The feature values of one timestamp, in output order (NaN for a missing one).
    fn expand(&self, v: f64, out: &mut Vec<f64>) {
        let width = self.features.len() + if self.cyclical { 6 } else { 0 };
        if v.is_nan() {
            out.extend(std::iter::repeat_n(f64::NAN, width));
            return;
        }
        let c = civil(v);
        for f in &self.features {
            out.push(match f {
                DatetimePart::Year => c.year,
                DatetimePart::Month => c.month,
                DatetimePart::Day => c.day,
                DatetimePart::DayOfWeek => c.day_of_week,
                DatetimePart::DayOfYear => c.day_of_year,
                DatetimePart::Hour => c.hour,
                DatetimePart::Minute => c.minute,
                DatetimePart::Second => c.second,
                DatetimePart::IsWeekend => i64::from(c.day_of_week >= 5),
            } as f64);
        }
        if self.cyclical {
            for (value, period) in [(c.month - 1, 12.0), (c.day_of_week, 7.0), (c.hour, 24.0)] {
                let angle = TAU * value as f64 / period;
                out.push(angle.sin());
                out.push(angle.cos());
            }
        }
    }
}

impl Transformer for DatetimeFeatures {
    fn n_features_in(&self) -> usize {
        self.input_names.len()
    }

    /// Each expanded column `c` becomes `c_year`, `c_month`, … in place; others keep their name.
    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        let suffixes = self.suffixes();
        let mut out = Vec::new();
        for (j, own) in self.input_names.iter().enumerate() {
            let name = input.get(j).unwrap_or(own);
            if self.columns.contains(&j) {
                out.extend(suffixes.iter().map(|s| format!("{name}_{s}")));
            } else {
                out.push(name.clone());
            }
        }
        out
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_features(x, self.input_names.len())?;
        for &j in &self.columns {
            check_column(x.column(j).iter().copied(), &self.input_names[j])?;
        }
        let width = self.feature_names_out(&self.input_names).len();
        let mut data = Vec::with_capacity(x.nrows() * width);
        for row in x.rows() {
            for (j, &v) in row.iter().enumerate() {
                if self.columns.contains(&j) {
                    self.expand(v, &mut data);
                } else {
                    data.push(v);
                }
            }
        }
        Array2::from_shape_vec((x.nrows(), width), data)
            .map_err(|e| Error::Internal(format!("datetime output shape: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        let c = civil(0.0);
        assert_eq!(
            (c.year, c.month, c.day, c.day_of_week, c.day_of_year),
            (1970, 1, 1, 3, 1)
        );
        let c = civil(-0.5); // 1969-12-31 23:59:59.5, a Wednesday
        assert_eq!((c.year, c.month, c.day, c.day_of_week), (1969, 12, 31, 2));
        assert_eq!(
            (c.hour, c.minute, c.second, c.day_of_year),
            (23, 59, 59, 365)
        );
        let c = civil(951_782_400.0); // 2000-02-29
        assert_eq!((c.year, c.month, c.day, c.day_of_year), (2000, 2, 29, 60));
        for d in [-1_000_000, -1, 0, 1, 59, 60, 11_016, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }
}
