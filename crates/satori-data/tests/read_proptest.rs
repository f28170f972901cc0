//! Random tables written as CSV (quoted where needed, any delimiter, missing cells) read back
//! identically.

use proptest::prelude::*;
use satori_core::ColumnKind;
use satori_data::{Column, ReadOptions, Table, read_csv_bytes};

#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Num(f64),
    Str(String),
}

#[derive(Debug, Clone, Copy)]
enum Gen {
    Float,
    Int,
    Str,
}

fn cell_strategy(g: Gen) -> BoxedStrategy<Option<Cell>> {
    let present: BoxedStrategy<Cell> = match g {
        Gen::Float => (-1e9f64..1e9).prop_map(Cell::Num).boxed(),
        Gen::Int => (-1000i64..1000).prop_map(|i| Cell::Num(i as f64)).boxed(),
        Gen::Str => "q[a-c ,;|\t\"\n\r]{0,6}".prop_map(Cell::Str).boxed(),
    };
    prop_oneof![1 => Just(None), 4 => present.prop_map(Some)].boxed()
}

fn table_strategy() -> impl Strategy<Value = (Vec<Vec<Option<Cell>>>, u8, bool)> {
    let kinds = prop::collection::vec(
        prop_oneof![Just(Gen::Float), Just(Gen::Int), Just(Gen::Str)],
        1..5,
    );
    (kinds, 1usize..25).prop_flat_map(|(kinds, n)| {
        let cols: Vec<_> = kinds
            .into_iter()
            .map(|k| prop::collection::vec(cell_strategy(k), n))
            .collect();
        (
            cols,
            prop::sample::select(vec![b',', b';', b'\t', b'|']),
            any::<bool>(),
        )
    })
}

fn write_csv(cols: &[Vec<Option<Cell>>], delim: u8, quote_all: bool) -> String {
    let d = delim as char;
    let names: Vec<String> = (0..cols.len()).map(|j| format!("c{j}")).collect();
    let mut out = names.join(&d.to_string());
    out.push('\n');
    for r in 0..cols[0].len() {
        let fields: Vec<String> = cols
            .iter()
            .map(|c| match &c[r] {
                None if cols.len() == 1 => "\"\"".to_string(),
                None => String::new(),
                Some(Cell::Num(v)) if quote_all => format!("\"{v}\""),
                Some(Cell::Num(v)) => format!("{v}"),
                Some(Cell::Str(s)) => {
                    let special = s.contains(|ch: char| ",;|\t\"\n\r".contains(ch));
                    if quote_all || special {
                        format!("\"{}\"", s.replace('"', "\"\""))
                    } else {
                        s.clone()
                    }
                }
            })
            .collect();
        out.push_str(&fields.join(&d.to_string()));
        out.push('\n');
    }
    out
}

fn read_back(t: &Table, j: usize, r: usize) -> Option<Cell> {
    let kind = &t.schema.columns[j].kind;
    match &t.columns[j] {
        Column::Values(v) if v[r].is_nan() => None,
        Column::Values(v) => match kind {
            ColumnKind::Categorical { categories } => {
                Some(Cell::Str(categories[v[r] as usize].clone()))
            }
            _ => Some(Cell::Num(v[r])),
        },
        Column::Strings(s) => s[r].clone().map(Cell::Str),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn csv_round_trip((cols, delim, quote_all) in table_strategy()) {
        let text = write_csv(&cols, delim, quote_all);
        let t = read_csv_bytes("p.csv", text.as_bytes(), &ReadOptions::default()).unwrap();
        prop_assert_eq!(t.schema.len(), cols.len());
        prop_assert_eq!(t.n_rows(), cols[0].len());
        for (j, col) in cols.iter().enumerate() {
            for (r, want) in col.iter().enumerate() {
                let got = read_back(&t, j, r);
                let ok = match (&got, want) {
                    // An integer column inferred as an identifier keeps its text.
                    (Some(Cell::Str(s)), Some(Cell::Num(v))) => s.parse::<f64>().ok() == Some(*v),
                    _ => got == *want,
                };
                prop_assert!(ok, "column {j} row {r}: got {got:?}, wrote {want:?}\n{text}");
            }
        }
    }
}
