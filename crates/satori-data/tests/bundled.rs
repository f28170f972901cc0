//! Every bundled dataset parses with its stated target and task.

use satori_core::Task;
use satori_data::{ReadOptions, TargetSpec, bundled, read_csv_bytes};

#[test]
fn each_bundled_dataset_parses_with_its_target_and_task() {
    assert_eq!(
        bundled::names(),
        ["breast_cancer", "wine", "diabetes", "palmer_penguins"]
    );
    let expected = [
        (
            "breast_cancer",
            569,
            30,
            Task::Binary,
            Some(vec!["benign", "malignant"]),
        ),
        (
            "wine",
            178,
            13,
            Task::Multiclass,
            Some(vec!["class_0", "class_1", "class_2"]),
        ),
        ("diabetes", 442, 10, Task::Regression, None),
        (
            "palmer_penguins",
            344,
            7,
            Task::Multiclass,
            Some(vec!["Adelie", "Chinstrap", "Gentoo"]),
        ),
    ];
    for (name, rows, features, task, labels) in expected {
        let d = bundled::get(name).unwrap();
        assert_eq!(d.name, name);
        assert_eq!(d.task, task);
        assert!(!d.description.is_empty() && !d.description.contains('\n'));
        let table = read_csv_bytes(name, d.csv.as_bytes(), &ReadOptions::default()).unwrap();
        assert_eq!(table.n_rows(), rows, "{name}");
        let (data, report) = table
            .to_dataset(&TargetSpec {
                name: d.target.into(),
                task: None,
            })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            report.task,
            Some(task),
            "{name}: the inferred task is the stated one"
        );
        assert_eq!(data.task(), Some(task));
        assert_eq!(
            data.n_features(),
            features,
            "{name}: {:?}",
            report.excluded_columns
        );
        let got: Option<Vec<&str>> = data
            .target()
            .unwrap()
            .labels()
            .map(|l| l.iter().map(String::as_str).collect());
        assert_eq!(got, labels, "{name}");
    }
    assert!(bundled::get("iris").is_none());
    assert_eq!(bundled::all().len(), bundled::names().len());
}

#[test]
fn penguins_keep_categories_and_missing_values() {
    let d = bundled::get("palmer_penguins").unwrap();
    let table =
        read_csv_bytes("palmer_penguins", d.csv.as_bytes(), &ReadOptions::default()).unwrap();
    let island = table.schema.get("island").unwrap();
    assert_eq!(
        island.kind.categories().unwrap(),
        ["Biscoe", "Dream", "Torgersen"]
    );
    assert_eq!(
        table.schema.get("sex").unwrap().kind.categories().unwrap(),
        ["female", "male"]
    );
    let (data, _) = table
        .to_dataset(&TargetSpec {
            name: "species".into(),
            task: None,
        })
        .unwrap();
    let missing = data.x().iter().filter(|v| v.is_nan()).count();
    // Two rows have no measurement at all (4 numbers + sex), nine more miss only `sex`.
    assert_eq!(missing, 2 * 5 + 9);
}

#[test]
fn feature_names_are_snake_case() {
    for name in bundled::names() {
        let header = bundled::get(name).unwrap().csv.lines().next().unwrap();
        for col in header.split(',') {
            assert!(
                col.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{name}: `{col}`"
            );
        }
    }
}
