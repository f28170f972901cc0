//! A missing category stays missing when a table's columns are matched to a model's schema:
//! a row's features never depend on the other rows of its file.

use satori_core::{ColumnKind, ColumnSchema, Schema};
use satori_data::{ReadOptions, read_csv_bytes};

fn schema() -> Schema {
    Schema::new(vec![
        ColumnSchema {
            name: "x".into(),
            kind: ColumnKind::Numeric,
        },
        ColumnSchema {
            name: "c".into(),
            kind: ColumnKind::Categorical {
                categories: vec!["A".into(), "B".into(), "C".into()],
            },
        },
    ])
    .unwrap()
}

fn features(csv: &str) -> Vec<Vec<f64>> {
    let t = read_csv_bytes("t.csv", csv.as_bytes(), &ReadOptions::default()).unwrap();
    let (x, unseen) = t.features_keeping_unseen(&schema()).unwrap();
    assert!(unseen.iter().all(|u| u.is_empty()), "{unseen:?}");
    x.rows().into_iter().map(|r| r.to_vec()).collect()
}

#[test]
fn a_missing_category_is_missing_whatever_the_other_rows_hold() {
    // Alone, the column has no value at all (read as numeric, all missing).
    let alone = features("x,c\n0.3,\n");
    assert!(alone[0][1].is_nan(), "{alone:?}");
    // Beside rows whose categories the file lists in another order than the model: the missing
    // cell must not become the file's first category (`B` here, code 1).
    let beside = features("x,c\n0.3,\n0.5,B\n0.7,C\n");
    assert!(beside[0][1].is_nan(), "{beside:?}");
    assert_eq!(beside[1][1], 1.0);
    assert_eq!(beside[2][1], 2.0);
    assert_eq!(beside[0][0], alone[0][0]);
}
