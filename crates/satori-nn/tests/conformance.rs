//! The MLPs pass the shared conformance suite.

use ndarray::Array1;
use satori_core::Target;
use satori_nn::{
    Activation, MlpClassifierParams, MlpParams, MlpRegressorParams, MultiTaskMlpParams, Solver,
};
use satori_testkit::generate::{self, Generator};
use satori_testkit::{Check, Conformance};

const SGD_ORDER: &str = "mini-batch training visits the rows in a seeded order, so permuting \
    the rows changes which rows share a batch and the whole optimisation path (as in \
    scikit-learn's MLP); predictions differ beyond any fixed tolerance";

fn small(p: MlpParams) -> MlpParams {
    MlpParams {
        hidden_layer_sizes: vec![8, 4],
        max_iter: 15,
        learning_rate_init: 0.01,
        ..p
    }
}

#[test]
fn classifier_passes() {
    let sets = [
        generate::binary(60, 1),
        Generator::new(80, 4, 2)
            .weights(true)
            .categorical(1, 3)
            .classification(4),
    ];
    let configs = [
        small(MlpParams::default()),
        small(MlpParams {
            solver: Solver::Sgd,
            batch_norm: true,
            dropout: 0.2,
            activation: Activation::Tanh,
            early_stopping: true,
            ..Default::default()
        }),
    ];
    for data in sets {
        for p in &configs {
            Conformance::new(MlpClassifierParams(p.clone()), data.clone())
                .skip(Check::RowOrderFit, SGD_ORDER)
                .check_proba();
        }
    }
}

#[test]
fn regressor_passes() {
    let sets = [
        generate::regression(50, 3, 1),
        Generator::new(41, 2, 3)
            .weights(true)
            .categorical(2, 4)
            .regression(),
    ];
    let configs = [
        small(MlpParams::default()),
        small(MlpParams {
            solver: Solver::Rmsprop,
            activation: Activation::Gelu,
            mixup_alpha: 0.2,
            noise_std: 0.05,
            ..Default::default()
        }),
    ];
    for data in sets {
        for p in &configs {
            Conformance::new(MlpRegressorParams(p.clone()), data.clone())
                .skip(Check::RowOrderFit, SGD_ORDER)
                .check();
        }
    }
}

/// The multi-task network is a model like the others: fitted on a dataset of two targets (a
/// class and a value), it passes the suite on every output column.
#[test]
fn multi_task_network_passes() {
    let base = Generator::new(70, 4, 5)
        .weights(true)
        .categorical(1, 3)
        .classification(3);
    let x = base.x();
    let value: Array1<f64> = x
        .rows()
        .into_iter()
        .map(|r| r[0] - 0.5 * r[2].max(-3.0))
        .collect();
    let data = base
        .clone()
        .with_targets(vec![
            ("kind".into(), base.target().unwrap().clone()),
            ("size".into(), Target::regression(value)),
        ])
        .unwrap();
    Conformance::new(MultiTaskMlpParams(small(MlpParams::default())), data)
        .skip(Check::RowOrderFit, SGD_ORDER)
        .check_multi();
}

#[test]
fn row_order_really_matters_for_sgd() {
    // The RowOrderFit skip above is needed: the suite sees the order dependence.
    let report = Conformance::new(
        MlpRegressorParams(small(MlpParams::default())),
        generate::regression(50, 3, 1),
    )
    .run();
    assert!(report.failed(Check::RowOrderFit), "{report}");
}
