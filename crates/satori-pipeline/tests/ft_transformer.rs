//! The FT-Transformer behind the automatic preprocessing (categories one-hot encoded, missing
//! values imputed, columns scaled) passes the conformance suite (the model file's round trip is
//! checked by the command line's tests, crates/satori-cli/tests/attention.rs).

use satori_core::Task;
use satori_pipeline::{ModelParams, PipelineParams};
use satori_testkit::generate::Generator;
use satori_testkit::{Check, Conformance};

fn pipeline(task: Task) -> PipelineParams {
    let mut tree =
        serde_json::to_value(ModelParams::from_name("ft_transformer", &[task]).unwrap()).unwrap();
    tree["max_iter"] = 3.into();
    tree["d_token"] = 8.into();
    tree["n_heads"] = 2.into();
    tree["n_blocks"] = 1.into();
    PipelineParams {
        model: serde_json::from_value(tree).unwrap(),
        ..Default::default()
    }
}

#[test]
fn ft_transformer_behind_automatic_preprocessing() {
    let p = pipeline(Task::Multiclass);
    assert_eq!(p.model.kind(), "ft_transformer_classifier");
    let data = Generator::new(90, 3, 4)
        .nan_fraction(0.1)
        .categorical(1, 3)
        .classification(3);
    Conformance::new(p, data)
        .skip(
            Check::RowOrderFit,
            "mini-batch training visits the rows in a seeded order",
        )
        .skip(
            Check::OneRowFit,
            "the automatic one-hot encoder learns its categories from the rows it is fitted on",
        )
        .check_proba();
    let r = pipeline(Task::Regression);
    assert_eq!(r.model.kind(), "ft_transformer_regressor");
}
