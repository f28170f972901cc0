//! Tree-model files written before the compact tree layout (format 4, and format 5 with an input
//! anomaly detector; `tests/fixtures/model-files/make_v5.sh`, commit 75acfa4) load through the
//! binary and predict exactly what the build that wrote them predicted, byte for byte (written
//! again by today's build: `crates/satori-workflow/tests/model_file.rs`).

mod common;

use common::{data, satori, stderr};

fn fixture(name: &str) -> String {
    format!(
        "{}/../../tests/fixtures/model-files/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn tree_models_of_format_4_and_5_predict_as_the_build_that_wrote_them() {
    let cases: [(&str, &str, &[&str]); 5] = [
        ("v4-forest-penguins", "palmer_penguins.csv", &["--proba"]),
        (
            "v4-extra-trees-breast-cancer",
            "breast_cancer.csv",
            &["--proba"],
        ),
        ("v4-gbm-diabetes", "diabetes.csv", &[]),
        ("v4-tree-wine", "wine.csv", &["--proba"]),
        (
            "v5-gbm-anomaly-penguins",
            "palmer_penguins.csv",
            &["--proba", "--anomaly-score"],
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, input, flags) in cases {
        let model = fixture(&format!("{name}.satori"));
        let out = dir.path().join(format!("{name}.csv"));
        let out_s = out.display().to_string();
        let input = data(input);
        let mut args = vec!["-q", "predict", &model, &input];
        args.extend_from_slice(flags);
        args.extend(["--out", &out_s]);
        let o = satori(&args);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let got = std::fs::read_to_string(&out).unwrap();
        let want = std::fs::read_to_string(fixture(&format!("{name}.predictions.csv"))).unwrap();
        assert!(
            got == want,
            "{name}: the predictions differ from the old build's"
        );
    }
}
