//! The data profile: summaries, the target's distribution, and each warning.

use satori_core::{ColumnKind, ColumnSchema, Schema, Task};
use satori_data::profile::{Profile, ValueCount, WarningCode, profile};
use satori_data::{Column, ReadOptions, Table, bundled, read_csv_bytes};

fn table(cols: Vec<(&str, ColumnKind, Column)>) -> Table {
    let schema = Schema::new(
        cols.iter()
            .map(|(n, k, _)| ColumnSchema {
                name: n.to_string(),
                kind: k.clone(),
            })
            .collect(),
    )
    .unwrap();
    Table {
        source: "test.csv".into(),
        schema,
        columns: cols.into_iter().map(|(_, _, c)| c).collect(),
        notes: Vec::new(),
        sparse: None,
    }
}

fn strings(v: &[Option<&str>]) -> Column {
    Column::Strings(v.iter().map(|s| s.map(str::to_string)).collect())
}

fn cat(names: &[&str]) -> ColumnKind {
    ColumnKind::Categorical {
        categories: names.iter().map(|s| s.to_string()).collect(),
    }
}

fn codes(p: &Profile, column: &str) -> Vec<WarningCode> {
    p.warnings
        .iter()
        .filter(|w| w.column == column)
        .map(|w| w.code)
        .collect()
}

fn vc(value: &str, count: usize) -> ValueCount {
    ValueCount {
        value: value.into(),
        count,
    }
}

const NAN: f64 = f64::NAN;

#[test]
fn columns_are_summarised() {
    let t = table(vec![
        (
            "x",
            ColumnKind::Numeric,
            Column::Values(vec![1.0, 2.0, NAN, 4.0, 3.0, 2.0]),
        ),
        (
            "c",
            cat(&["a", "b", "z"]),
            Column::Values(vec![0.0, 1.0, 1.0, NAN, 1.0, 0.0]),
        ),
        (
            "flag",
            ColumnKind::Boolean,
            Column::Values(vec![1.0, 0.0, 1.0, 1.0, NAN, 1.0]),
        ),
        (
            "s",
            ColumnKind::Text,
            strings(&[Some("q"), Some("p"), None, Some("q"), Some("r"), Some("p")]),
        ),
    ]);
    let p = profile(&t, None).unwrap();
    assert_eq!((p.n_rows, p.n_columns, p.profile_version), (6, 4, 1));
    assert!(p.target.is_none());
    let x = &p.columns[0];
    assert_eq!((x.kind.as_str(), x.missing, x.distinct), ("numeric", 1, 4));
    assert!((x.missing_pct - 100.0 / 6.0).abs() < 1e-12);
    let s = x.numeric.unwrap();
    assert_eq!((s.min, s.mean, s.max), (1.0, 2.4, 4.0));
    // Sample variance of 1,2,4,3,2 around 2.4: (1.96+0.16+2.56+0.36+0.16)/4 = 1.3.
    assert!((s.std.unwrap() - 1.3f64.sqrt()).abs() < 1e-12);
    assert!(x.top.is_none());
    let c = &p.columns[1];
    assert_eq!((c.missing, c.distinct), (1, 2));
    assert_eq!(c.top.as_deref().unwrap(), [vc("b", 3), vc("a", 2)]);
    assert!(c.numeric.is_none());
    assert_eq!(
        p.columns[2].top.as_deref().unwrap(),
        [vc("true", 4), vc("false", 1)]
    );
    let s = &p.columns[3];
    assert_eq!((s.kind.as_str(), s.missing, s.distinct), ("text", 1, 3));
    assert_eq!(
        s.top.as_deref().unwrap(),
        [vc("p", 2), vc("q", 2), vc("r", 1)]
    );
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn class_targets_get_counts_and_imbalance() {
    let t = table(vec![
        (
            "x",
            ColumnKind::Numeric,
            Column::Values((0..8).map(f64::from).collect()),
        ),
        (
            "y",
            ColumnKind::Integer,
            Column::Values(vec![2.0, 1.0, 1.0, 1.0, 2.0, 1.0, NAN, 1.0]),
        ),
        (
            "label",
            ColumnKind::Text,
            strings(&[
                Some("b"),
                Some("a"),
                Some("c"),
                Some("a"),
                Some("a"),
                Some("a"),
                Some("b"),
                Some("a"),
            ]),
        ),
    ]);
    let p = profile(&t, Some("y")).unwrap();
    let target = p.target.as_ref().unwrap();
    assert_eq!((target.task, target.missing), (Task::Binary, 1));
    assert_eq!(target.classes.as_deref().unwrap(), [vc("1", 5), vc("2", 2)]);
    assert_eq!(target.imbalance_ratio, Some(2.5));
    assert!(target.numeric.is_none());
    let p = profile(&t, Some("label")).unwrap();
    let target = p.target.unwrap();
    assert_eq!(target.task, Task::Multiclass);
    assert_eq!(
        target.classes.unwrap(),
        [vc("a", 5), vc("b", 2), vc("c", 1)]
    );
    assert_eq!(target.imbalance_ratio, Some(5.0));
}

#[test]
fn numeric_targets_get_a_summary() {
    let t = table(vec![(
        "y",
        ColumnKind::Numeric,
        Column::Values(vec![0.5, 1.5, 2.5, NAN]),
    )]);
    let target = profile(&t, Some("y")).unwrap().target.unwrap();
    assert_eq!(target.task, Task::Regression);
    assert_eq!(target.missing, 1);
    let s = target.numeric.unwrap();
    assert_eq!((s.min, s.mean, s.max, s.std), (0.5, 1.5, 2.5, Some(1.0)));
    assert!(target.classes.is_none() && target.imbalance_ratio.is_none());
    // Whole numbers with many distinct values are a regression target too.
    let many = table(vec![(
        "y",
        ColumnKind::Integer,
        Column::Values((0..30).map(f64::from).collect()),
    )]);
    assert_eq!(
        profile(&many, Some("y")).unwrap().target.unwrap().task,
        Task::Regression
    );
}

#[test]
fn constant_columns_are_flagged() {
    let t = table(vec![
        (
            "k",
            ColumnKind::Numeric,
            Column::Values(vec![3.0, 3.0, NAN, 3.0]),
        ),
        ("empty", ColumnKind::Numeric, Column::Values(vec![NAN; 4])),
        ("s", ColumnKind::Text, strings(&[Some("a"); 4])),
        (
            "ok",
            ColumnKind::Numeric,
            Column::Values(vec![1.0, 2.0, 3.0, 4.0]),
        ),
    ]);
    let p = profile(&t, None).unwrap();
    assert_eq!(codes(&p, "k"), [WarningCode::Constant]);
    assert_eq!(
        codes(&p, "empty"),
        [WarningCode::Constant, WarningCode::MostlyMissing]
    );
    assert_eq!(codes(&p, "s"), [WarningCode::Constant]);
    assert!(codes(&p, "ok").is_empty());
    let w = p.warnings.iter().find(|w| w.column == "empty").unwrap();
    assert!(w.message.contains("no value"), "{}", w.message);
}

#[test]
fn identifier_columns_are_flagged() {
    let n = 12;
    let t = table(vec![
        (
            "key",
            ColumnKind::Identifier,
            strings(&(0..n).map(|_| Some("x")).collect::<Vec<_>>()),
        ),
        (
            "row",
            ColumnKind::Integer,
            Column::Values((100..100 + n).map(f64::from).collect()),
        ),
        (
            "user_id",
            ColumnKind::Integer,
            Column::Values((0..n).map(|i| f64::from(i * 7 % 13)).collect()),
        ),
        (
            "age",
            ColumnKind::Integer,
            Column::Values((0..n).map(|i| f64::from(i % 5 + 20)).collect()),
        ),
    ]);
    let p = profile(&t, None).unwrap();
    assert!(codes(&p, "key").contains(&WarningCode::Identifier));
    assert_eq!(codes(&p, "row"), [WarningCode::Identifier]);
    assert_eq!(codes(&p, "user_id"), [WarningCode::Identifier]);
    assert!(codes(&p, "age").is_empty());
}

#[test]
fn mostly_missing_columns_are_flagged() {
    let half = table(vec![(
        "half",
        ColumnKind::Numeric,
        Column::Values(vec![1.0, NAN, 2.0, NAN]),
    )]);
    let p = profile(&half, None).unwrap();
    assert!(
        codes(&p, "half").is_empty(),
        "exactly 50% is not more than half"
    );
    let most = table(vec![(
        "most",
        ColumnKind::Numeric,
        Column::Values(vec![1.0, NAN, NAN, 2.0, NAN]),
    )]);
    let p = profile(&most, None).unwrap();
    assert_eq!(codes(&p, "most"), [WarningCode::MostlyMissing]);
    assert!(
        p.warnings[0].message.contains("60.0% missing"),
        "{}",
        p.warnings[0].message
    );
}

#[test]
fn numeric_leaks_are_flagged_for_regression_targets() {
    let y: Vec<f64> = (0..50)
        .map(|i| (f64::from(i) * 0.37).sin() * 10.0)
        .collect();
    let copy: Vec<f64> = y
        .iter()
        .enumerate()
        .map(|(i, v)| 2.0 * v + 1.0 + if i % 2 == 0 { 0.01 } else { -0.01 })
        .collect();
    let negated: Vec<f64> = y.iter().map(|v| -v).collect();
    let honest: Vec<f64> = (0..50).map(|i| f64::from(i % 7)).collect();
    let t = table(vec![
        ("copy", ColumnKind::Numeric, Column::Values(copy)),
        ("negated", ColumnKind::Numeric, Column::Values(negated)),
        ("honest", ColumnKind::Numeric, Column::Values(honest)),
        ("y", ColumnKind::Numeric, Column::Values(y)),
    ]);
    let p = profile(&t, Some("y")).unwrap();
    assert_eq!(codes(&p, "copy"), [WarningCode::TargetLeak]);
    assert_eq!(codes(&p, "negated"), [WarningCode::TargetLeak]);
    assert!(codes(&p, "honest").is_empty());
    assert!(codes(&p, "y").is_empty());
    let w = p.warnings.iter().find(|w| w.column == "negated").unwrap();
    assert!(
        w.message.contains("-1.0000") && w.message.contains("`y`"),
        "{}",
        w.message
    );
}

#[test]
fn categorical_leaks_are_flagged_for_class_targets() {
    let species = ["a", "b", "c", "a", "b", "c", "a", "a", "b", "c", "c", "a"];
    let y = strings(&species.iter().map(|s| Some(*s)).collect::<Vec<_>>());
    // `code` maps each value to one class (two values for class a): a leak.
    let code: Vec<f64> = species
        .iter()
        .enumerate()
        .map(|(i, s)| match *s {
            "a" => (i % 2) as f64,
            "b" => 2.0,
            _ => 3.0,
        })
        .collect();
    // `site` has one value per class except one row: not determining.
    let mut site: Vec<f64> = species
        .iter()
        .map(|s| if *s == "a" { 0.0 } else { 1.0 })
        .collect();
    site[0] = 1.0;
    // A single-valued column determines nothing.
    let t = table(vec![
        ("code", cat(&["p", "q", "r", "s"]), Column::Values(code)),
        ("site", cat(&["u", "v"]), Column::Values(site)),
        ("one", cat(&["w"]), Column::Values(vec![0.0; 12])),
        ("species", ColumnKind::Text, y),
    ]);
    let p = profile(&t, Some("species")).unwrap();
    assert_eq!(codes(&p, "code"), [WarningCode::TargetLeak]);
    assert!(codes(&p, "site").is_empty());
    assert_eq!(codes(&p, "one"), [WarningCode::Constant]);
}

#[test]
fn imbalanced_targets_are_flagged() {
    let mut y = vec![0.0; 40];
    y[0] = 1.0;
    y[1] = 1.0;
    y[2] = 1.0;
    let t = table(vec![("y", ColumnKind::Integer, Column::Values(y.clone()))]);
    let p = profile(&t, Some("y")).unwrap();
    assert_eq!(p.target.as_ref().unwrap().imbalance_ratio, Some(37.0 / 3.0));
    assert_eq!(codes(&p, "y"), [WarningCode::ImbalancedTarget]);
    // The warning names the remedies.
    let message = &p.warnings[0].message;
    assert!(
        message.contains("--set model.class_weight=balanced")
            && message.contains("--tune-threshold f1"),
        "{message}"
    );
    // It names the two classes' counts and the other remedies.
    assert!(
        message.contains("smallest class `1` has 3 rows against 37 of `0`")
            && message.contains("--resample smote")
            && message.contains("geometric_mean"),
        "{message}"
    );
    let imb = p.target.as_ref().unwrap().imbalance.clone().unwrap();
    assert!(imb.imbalanced);
    assert_eq!((imb.minority.count, imb.majority.count), (3, 37));
    assert_eq!(imb.threshold, 4.0);
    // 32 against 8 is a ratio of 4: still imbalanced; 31 against 9 is not.
    y[3..8].iter_mut().for_each(|v| *v = 1.0);
    let t = table(vec![("y", ColumnKind::Integer, Column::Values(y.clone()))]);
    assert_eq!(
        codes(&profile(&t, Some("y")).unwrap(), "y"),
        [WarningCode::ImbalancedTarget]
    );
    y[8] = 1.0;
    let t = table(vec![("y", ColumnKind::Integer, Column::Values(y))]);
    let p = profile(&t, Some("y")).unwrap();
    assert!(p.warnings.is_empty(), "ratio 31/9 is below 4");
    let imb = p.target.unwrap().imbalance.unwrap();
    assert!(!imb.imbalanced);
    assert_eq!(imb.minority.value, "1");
}

#[test]
fn unknown_target_is_an_error_with_suggestions() {
    let t = table(vec![("species", ColumnKind::Text, strings(&[Some("a")]))]);
    let e = profile(&t, Some("specis")).unwrap_err().to_string();
    assert!(e.contains("did you mean `species`"), "{e}");
}

#[test]
fn json_schema_is_stable() {
    let t = table(vec![
        ("x", ColumnKind::Numeric, Column::Values(vec![1.0, 2.0])),
        ("y", ColumnKind::Text, strings(&[Some("a"), Some("b")])),
    ]);
    let json = serde_json::to_value(profile(&t, Some("y")).unwrap()).unwrap();
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&json),
        [
            "columns",
            "n_columns",
            "n_rows",
            "profile_version",
            "source",
            "target",
            "warnings"
        ]
    );
    assert_eq!(
        keys(&json["columns"][0]),
        [
            "distinct",
            "kind",
            "missing",
            "missing_pct",
            "name",
            "numeric"
        ]
    );
    assert_eq!(
        keys(&json["columns"][1]),
        ["distinct", "kind", "missing", "missing_pct", "name", "top"]
    );
    assert_eq!(
        keys(&json["target"]),
        [
            "classes",
            "imbalance",
            "imbalance_ratio",
            "missing",
            "name",
            "task"
        ]
    );
    assert_eq!(json["target"]["task"], "binary");
    assert_eq!(
        json["columns"][0]["numeric"]["std"],
        serde_json::json!(std::f64::consts::FRAC_1_SQRT_2)
    );
    let one = table(vec![("x", ColumnKind::Numeric, Column::Values(vec![1.0]))]);
    let json = serde_json::to_value(profile(&one, None).unwrap()).unwrap();
    assert!(json["columns"][0]["numeric"]["std"].is_null());
    assert_eq!(json["warnings"][0]["code"], "constant");
    assert!(json.get("target").is_none());
}

#[test]
fn bundled_datasets_profile_cleanly() {
    let d = bundled::get("palmer_penguins").unwrap();
    let t = read_csv_bytes("penguins", d.csv.as_bytes(), &ReadOptions::default()).unwrap();
    let p = profile(&t, Some("species")).unwrap();
    let target = p.target.as_ref().unwrap();
    assert_eq!(
        target.classes.as_deref().unwrap(),
        [vc("Adelie", 152), vc("Chinstrap", 68), vc("Gentoo", 124)]
    );
    assert!((target.imbalance_ratio.unwrap() - 152.0 / 68.0).abs() < 1e-12);
    let sex = p.columns.iter().find(|c| c.name == "sex").unwrap();
    assert_eq!(
        (sex.kind.as_str(), sex.missing, sex.distinct),
        ("categorical", 11, 2)
    );
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    for name in ["breast_cancer", "wine", "diabetes"] {
        let d = bundled::get(name).unwrap();
        let t = read_csv_bytes(name, d.csv.as_bytes(), &ReadOptions::default()).unwrap();
        let p = profile(&t, Some(d.target)).unwrap();
        assert_eq!(p.target.unwrap().task, d.task, "{name}");
        assert!(p.warnings.is_empty(), "{name}: {:?}", p.warnings);
    }
}

#[test]
fn malformed_tables_are_errors_not_panics() {
    let mut t = table(vec![
        ("a", ColumnKind::Numeric, Column::Values(vec![1.0, 2.0])),
        ("b", ColumnKind::Numeric, Column::Values(vec![1.0])),
    ]);
    let e = profile(&t, Some("a")).unwrap_err().to_string();
    assert!(e.contains("length of column `b`"), "{e}");
    t.columns.pop();
    let e = profile(&t, None).unwrap_err().to_string();
    assert!(e.contains("number of columns"), "{e}");
    let empty = table(vec![("a", ColumnKind::Numeric, Column::Values(vec![]))]);
    let p = profile(&empty, Some("a")).unwrap();
    assert_eq!((p.n_rows, p.columns[0].missing_pct), (0, 0.0));
    assert!(p.target.unwrap().numeric.is_none());
}

/// A column whose *missingness* goes with the target is flagged; one missing at random is not.
#[test]
fn missingness_that_predicts_the_target_is_flagged() {
    let n = 200;
    let labels: Vec<Option<&str>> = (0..n)
        .map(|i| Some(if i % 3 == 0 { "yes" } else { "no" }))
        .collect();
    // Missing for 90% of the "yes" rows and 5% of the "no" rows.
    let telling: Vec<f64> = (0..n)
        .map(|i| {
            let missing = if i % 3 == 0 { i % 10 != 0 } else { i % 20 == 1 };
            if missing { f64::NAN } else { i as f64 }
        })
        .collect();
    // Missing every 7th row, whatever the class.
    let random: Vec<f64> = (0..n)
        .map(|i| if i % 7 == 0 { f64::NAN } else { (i % 5) as f64 })
        .collect();
    let t = table(vec![
        (
            "telling",
            ColumnKind::Numeric,
            Column::Values(telling.clone()),
        ),
        (
            "random",
            ColumnKind::Numeric,
            Column::Values(random.clone()),
        ),
        ("y", ColumnKind::Text, strings(&labels)),
    ]);
    let p = profile(&t, Some("y")).unwrap();
    assert_eq!(
        codes(&p, "telling"),
        [WarningCode::MissingnessPredictsTarget]
    );
    assert!(codes(&p, "random").is_empty(), "{:?}", p.warnings);
    let w = p.warnings.iter().find(|w| w.column == "telling").unwrap();
    assert!(w.message.contains("Cramér's V"), "{}", w.message);

    // A numeric target: the missing rows have far larger values.
    let y: Vec<f64> = (0..n)
        .map(|i| {
            if telling[i].is_nan() {
                100.0 + i as f64 % 3.0
            } else {
                i as f64 % 5.0
            }
        })
        .collect();
    let t = table(vec![
        ("telling", ColumnKind::Numeric, Column::Values(telling)),
        ("random", ColumnKind::Numeric, Column::Values(random)),
        ("y", ColumnKind::Numeric, Column::Values(y)),
    ]);
    let p = profile(&t, Some("y")).unwrap();
    assert_eq!(
        codes(&p, "telling"),
        [WarningCode::MissingnessPredictsTarget]
    );
    assert!(codes(&p, "random").is_empty(), "{:?}", p.warnings);
}
