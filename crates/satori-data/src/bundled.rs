//! Small real datasets compiled into the library (see `data/README.md` at the repository root
//! for their sources and licences), so that `satori` works on them from any directory.
//!
//! ```
//! use satori_core::Task;
//! use satori_data::bundled;
//!
//! assert!(bundled::names().contains(&"wine"));
//! let wine = bundled::get("wine").unwrap();
//! assert_eq!((wine.target, wine.task), ("class", Task::Multiclass));
//! assert!(wine.csv.starts_with("alcohol,"));
//! ```

use satori_core::Task;

/// A bundled dataset: its CSV text (with a header row) and what to learn from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundledDataset {
    /// The name it is known by (`satori ... breast_cancer`).
    pub name: &'static str,
    /// The file's contents: CSV with a header row.
    pub csv: &'static str,
    /// The target column.
    pub target: &'static str,
    /// The learning task on that target.
    pub task: Task,
    /// One line saying what it is.
    pub description: &'static str,
}

const DATASETS: [BundledDataset; 4] = [
    BundledDataset {
        name: "breast_cancer",
        csv: include_str!("../../../data/breast_cancer.csv"),
        target: "diagnosis",
        task: Task::Binary,
        description: "Breast Cancer Wisconsin (Diagnostic): 569 tumours, 30 numeric features, \
                      malignant or benign",
    },
    BundledDataset {
        name: "wine",
        csv: include_str!("../../../data/wine.csv"),
        target: "class",
        task: Task::Multiclass,
        description: "Wine: 178 Italian wines, 13 chemical measurements, three cultivars",
    },
    BundledDataset {
        name: "diabetes",
        csv: include_str!("../../../data/diabetes.csv"),
        target: "progression",
        task: Task::Regression,
        description: "Diabetes: 442 patients, 10 baseline measurements, disease progression \
                      after one year",
    },
    BundledDataset {
        name: "palmer_penguins",
        csv: include_str!("../../../data/palmer_penguins.csv"),
        target: "species",
        task: Task::Multiclass,
        description: "Palmer penguins: 344 penguins, measurements with missing values and \
                      categorical island and sex, three species",
    },
];

const NAMES: [&str; 4] = [
    DATASETS[0].name,
    DATASETS[1].name,
    DATASETS[2].name,
    DATASETS[3].name,
];

/// The names of the bundled datasets.
pub fn names() -> &'static [&'static str] {
    &NAMES
}

/// The bundled dataset with this name, if there is one.
pub fn get(name: &str) -> Option<BundledDataset> {
    DATASETS.iter().find(|d| d.name == name).copied()
}

/// Every bundled dataset.
pub fn all() -> &'static [BundledDataset] {
    &DATASETS
}
