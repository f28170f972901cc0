//! The FT-Transformer passes the shared conformance suite.

use satori_nn::{FtTransformerClassifierParams, FtTransformerParams, FtTransformerRegressorParams};
use satori_testkit::generate::{self, Generator};
use satori_testkit::{Check, Conformance};

const SGD_ORDER: &str = "mini-batch training visits the rows in a seeded order, so permuting \
    the rows changes which rows share a batch and the whole optimisation path; predictions \
    differ beyond any fixed tolerance";

fn small() -> FtTransformerParams {
    FtTransformerParams {
        d_token: 8,
        n_heads: 2,
        n_blocks: 1,
        max_iter: 4,
        learning_rate_init: 1e-3,
        ..Default::default()
    }
}

#[test]
fn classifier_passes() {
    let data = Generator::new(60, 3, 2)
        .weights(true)
        .categorical(1, 3)
        .classification(3);
    Conformance::new(FtTransformerClassifierParams(small()), data)
        .skip(Check::RowOrderFit, SGD_ORDER)
        .check_proba();
    Conformance::new(
        FtTransformerClassifierParams(FtTransformerParams {
            early_stopping: true,
            ..small()
        }),
        generate::binary(50, 1),
    )
    .skip(Check::RowOrderFit, SGD_ORDER)
    .check_proba();
}

#[test]
fn regressor_passes() {
    let data = Generator::new(41, 2, 3).weights(true).regression();
    Conformance::new(FtTransformerRegressorParams(small()), data)
        .skip(Check::RowOrderFit, SGD_ORDER)
        .check();
}
