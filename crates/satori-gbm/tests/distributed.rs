//! Data-parallel boosting: ranks (threads here, MPI processes under `satori train
//! --distributed`) each fit on their own consecutive part of the rows, and every rank's model
//! is the one-process model on all rows, bit for bit, at any rank count.

use satori_core::collective::{Collective, ThreadGroup};
use satori_core::{Dataset, Estimator, NoProgress};
use satori_gbm::{GbmClassifierParams, GbmRegressorParams};
use satori_testkit::generate::Generator;

/// Consecutive, uneven parts of the rows, one per rank.
fn shards(data: &Dataset, ranks: usize) -> Vec<Dataset> {
    let n = data.n_samples();
    let mut cuts: Vec<usize> = (0..=ranks).map(|r| n * r * r / (ranks * ranks)).collect();
    cuts[ranks] = n;
    cuts.windows(2)
        .map(|w| data.select_rows(&(w[0]..w[1]).collect::<Vec<_>>()).unwrap())
        .collect()
}

fn bytes<T: serde::Serialize>(m: &T) -> Vec<u8> {
    postcard::to_allocvec(m).unwrap()
}

/// Every rank's model, at each rank count, is the one-process model `one`, byte for byte.
fn check_ranks<M: serde::Serialize + Send>(
    data: &Dataset,
    ranks: &[usize],
    one: &M,
    fit: impl Fn(&Dataset, &ThreadGroup) -> M + Sync,
) {
    for &r in ranks {
        let parts = shards(data, r);
        let models = ThreadGroup::run(r, |c| fit(&parts[c.rank()], c));
        for (rank, m) in models.iter().enumerate() {
            assert_eq!(
                bytes(m),
                bytes(one),
                "rank {rank} of {r} differs from one process"
            );
        }
    }
}

fn check_classifier(params: &GbmClassifierParams, data: &Dataset) {
    let one = params.fit(data).unwrap();
    check_ranks(data, &[1, 2, 3, 4], &one, |d, c| {
        params.fit_distributed(d, c, &NoProgress).unwrap()
    });
}

fn check_regressor(params: &GbmRegressorParams, data: &Dataset) {
    let one = params.fit(data).unwrap();
    check_ranks(data, &[2, 3], &one, |d, c| {
        params.fit_distributed(d, c, &NoProgress).unwrap()
    });
}

#[test]
fn binary_boosting_with_missing_values_categories_and_early_stopping_is_bit_identical() {
    let data = Generator::new(1500, 6, 11)
        .nan_fraction(0.05)
        .categorical(2, 7)
        .classification(2);
    let params: GbmClassifierParams = toml::from_str(
        "n_estimators = 40\nnum_leaves = 15\nearly_stopping = \"on\"\nn_iter_no_change = 5\n\
         subsample = 0.8\ncolsample_bytree = 0.8\ncolsample_bynode = 0.7\nseed = 5",
    )
    .unwrap();
    check_classifier(&params, &data);
}

#[test]
fn multiclass_boosting_with_balanced_weights_is_bit_identical() {
    let data = Generator::new(900, 5, 3).weights(true).classification(3);
    let params: GbmClassifierParams =
        toml::from_str("n_estimators = 15\nnum_leaves = 7\nclass_weight = \"balanced\"").unwrap();
    check_classifier(&params, &data);
}

#[test]
fn regression_losses_including_refitted_quantiles_are_bit_identical() {
    let base = Generator::new(1200, 4, 8).nan_fraction(0.02).regression();
    for loss in [
        "squared_error",
        "absolute_error",
        "quantile",
        "huber",
        "poisson",
    ] {
        let data = if loss == "poisson" {
            let y: Vec<f64> = match base.require_target().unwrap() {
                satori_core::Target::Continuous(y) => y.iter().map(|v| v.abs().round()).collect(),
                _ => unreachable!(),
            };
            base.clone()
                .with_target(satori_core::Target::Continuous(y.into()))
                .unwrap()
        } else {
            base.clone()
        };
        let params: GbmRegressorParams = toml::from_str(&format!(
            "loss = \"{loss}\"\nn_estimators = 12\nnum_leaves = 9\nquantile_alpha = 0.3\n\
             early_stopping = \"on\""
        ))
        .unwrap();
        check_regressor(&params, &data);
    }
}

#[test]
fn ranks_with_different_class_labels_are_refused_on_every_rank() {
    let a = Generator::new(200, 3, 1).classification(2);
    let b = Generator::new(200, 3, 2).classification(3);
    let parts = [a, b];
    let params = GbmClassifierParams::default();
    let out = ThreadGroup::run(2, |c| {
        params
            .fit_distributed(&parts[c.rank()], c, &NoProgress)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    for e in out {
        let e = e.unwrap_err();
        assert!(e.contains("class labels"), "{e}");
    }
}

#[test]
fn a_rank_without_rows_still_gives_the_one_process_model() {
    let data = Generator::new(600, 4, 21).classification(2);
    let params: GbmClassifierParams = toml::from_str("n_estimators = 10").unwrap();
    let one = params.fit(&data).unwrap();
    let empty = data.select_rows(&[]).unwrap();
    let parts = [data.clone(), empty];
    let models = ThreadGroup::run(2, |c| {
        params
            .fit_distributed(&parts[c.rank()], c, &NoProgress)
            .unwrap()
    });
    assert!(models.iter().all(|m| bytes(m) == bytes(&one)));
}
