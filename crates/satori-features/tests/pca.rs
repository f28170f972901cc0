//! PCA behaviour beyond the golden files: the randomized and covariance solvers against the exact
//! SVD, determinism across thread counts, reconstruction, and clean errors.

use ndarray::{Array2, array, s};
use satori_core::rng::{self, RngExt};
use satori_core::{Dataset, Error, Estimator, Params, Transformer};
use satori_features::{NComponents, Pca, PcaParams, SvdSolver};

/// `n × p` rows with singular values decaying by `decay` per component (scores times a random
/// orthogonal-ish mixing), plus an offset.
fn decaying(n: usize, p: usize, decay: f64, seed: u64) -> Array2<f64> {
    let mut r = rng::rng(seed);
    let mix = Array2::from_shape_fn((p, p), |_| rng::standard_normal(&mut r));
    let z = Array2::from_shape_fn((n, p), |(_, j)| {
        rng::standard_normal(&mut r) * decay.powi(j as i32)
    });
    z.dot(&mix) + 3.0 + r.random::<f64>()
}

fn data(x: &Array2<f64>) -> Dataset {
    Dataset::new(x.clone(), (0..x.ncols()).map(|j| format!("f{j}")).collect()).unwrap()
}

fn fit(x: &Array2<f64>, solver: SvdSolver, k: usize) -> Pca {
    PcaParams {
        n_components: Some(NComponents::Count(k)),
        svd_solver: solver,
        ..Default::default()
    }
    .fit(&data(x))
    .unwrap()
}

fn max_rel(a: ndarray::ArrayView2<'_, f64>, b: ndarray::ArrayView2<'_, f64>) -> f64 {
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    a.iter()
        .zip(b.iter())
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs() / scale))
}

#[test]
fn covariance_route_matches_svd_route() {
    let x = decaying(20_000, 20, 0.8, 1);
    let full = fit(&x, SvdSolver::Full, 10);
    let cov = fit(&x, SvdSolver::CovarianceEigh, 10);
    assert!(max_rel(cov.components(), full.components()) < 1e-10);
    for (a, b) in cov
        .explained_variance()
        .iter()
        .zip(full.explained_variance())
    {
        assert!((a - b).abs() <= 1e-11 * b, "{a} vs {b}");
    }
    for (a, b) in cov.singular_values().iter().zip(full.singular_values()) {
        assert!((a - b).abs() <= 1e-11 * b, "{a} vs {b}");
    }
    assert!((cov.noise_variance() - full.noise_variance()).abs() <= 1e-10 * full.noise_variance());
    let zc = cov.transform(x.view()).unwrap();
    let zf = full.transform(x.view()).unwrap();
    assert!(max_rel(zc.view(), zf.view()) < 1e-10);
}

/// The randomized solver (Halko et al., default 10 oversamples and `auto` power iterations)
/// against the exact SVD, on a spectrum decaying by 0.7 per component: components within 1e-8,
/// variances within 1e-10 relative. Other seeds give the same to that tolerance.
#[test]
fn randomized_is_close_to_exact() {
    let x = decaying(3000, 60, 0.7, 2);
    let exact = fit(&x, SvdSolver::Full, 5);
    for seed in [0, 1, 99] {
        let r = PcaParams {
            n_components: Some(NComponents::Count(5)),
            svd_solver: SvdSolver::Randomized,
            seed,
            ..Default::default()
        }
        .fit(&data(&x))
        .unwrap();
        assert_eq!(r.solver(), SvdSolver::Randomized);
        assert!(
            max_rel(r.components(), exact.components()) < 1e-8,
            "seed {seed}"
        );
        for (a, b) in r
            .explained_variance()
            .iter()
            .zip(exact.explained_variance())
        {
            assert!((a - b).abs() <= 1e-10 * b, "seed {seed}: {a} vs {b}");
        }
        for (a, b) in r
            .explained_variance_ratio()
            .iter()
            .zip(exact.explained_variance_ratio())
        {
            assert!((a - b).abs() <= 1e-10 * b, "seed {seed}: {a} vs {b}");
        }
        assert!(
            (r.noise_variance() - exact.noise_variance()).abs() <= 1e-9 * exact.noise_variance()
        );
    }
}

#[test]
fn same_result_at_any_thread_count() {
    let x = decaying(50_000, 8, 0.9, 3);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let m = fit(&x, SvdSolver::CovarianceEigh, 4);
            (
                m.components().to_owned(),
                m.mean().to_owned(),
                m.explained_variance().to_owned(),
            )
        })
    };
    let one = run(1);
    let three = run(3);
    assert_eq!(
        one.0
            .as_slice()
            .unwrap()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>(),
        three
            .0
            .as_slice()
            .unwrap()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    );
    assert_eq!(one.1, three.1);
    assert_eq!(one.2, three.2);
}

#[test]
fn all_components_reconstruct_the_data() {
    let x = decaying(40, 6, 0.9, 4);
    for whiten in [false, true] {
        let m = PcaParams {
            whiten,
            ..Default::default()
        }
        .fit(&data(&x))
        .unwrap();
        assert_eq!(m.n_components(), 6);
        assert_eq!(m.noise_variance(), 0.0);
        let back = m
            .inverse_transform(m.transform(x.view()).unwrap().view())
            .unwrap();
        assert!(max_rel(back.view(), x.view()) < 1e-12);
        let ratio_sum: f64 = m.explained_variance_ratio().sum();
        assert!((ratio_sum - 1.0).abs() < 1e-12);
        if whiten {
            // Whitened training output has unit variance per column.
            let z = m.transform(x.view()).unwrap();
            for col in z.columns() {
                let var = col.mapv(|v| v * v).sum() / 39.0;
                assert!((var - 1.0).abs() < 1e-10, "{var}");
            }
        }
    }
}

#[test]
fn variance_ratio_picks_enough_components() {
    let x = decaying(200, 8, 0.5, 5);
    let m = PcaParams {
        n_components: Some(NComponents::VarianceRatio(0.95)),
        ..Default::default()
    }
    .fit(&data(&x))
    .unwrap();
    let k = m.n_components();
    let cum: f64 = m.explained_variance_ratio().sum();
    let without_last: f64 = m.explained_variance_ratio().slice(s![..k - 1]).sum();
    assert!(
        cum > 0.95 && without_last <= 0.95,
        "{k}: {cum} {without_last}"
    );
    assert_eq!(
        m.feature_names_out(&[]),
        (0..k).map(|i| format!("pca{i}")).collect::<Vec<_>>()
    );
}

#[test]
fn clean_errors() {
    let x = decaying(10, 4, 0.9, 6);
    let too_many = PcaParams {
        n_components: Some(NComponents::Count(5)),
        ..Default::default()
    };
    assert!(matches!(
        too_many.fit(&data(&x)),
        Err(Error::InvalidParameter { .. })
    ));
    for bad in [
        PcaParams {
            n_components: Some(NComponents::Count(0)),
            ..Default::default()
        },
        PcaParams {
            n_components: Some(NComponents::VarianceRatio(1.0)),
            ..Default::default()
        },
        PcaParams {
            n_components: Some(NComponents::VarianceRatio(f64::NAN)),
            ..Default::default()
        },
        PcaParams {
            n_components: Some(NComponents::VarianceRatio(0.5)),
            svd_solver: SvdSolver::Randomized,
            ..Default::default()
        },
        PcaParams {
            n_oversamples: 0,
            ..Default::default()
        },
        PcaParams {
            iterated_power: Some(1001),
            ..Default::default()
        },
    ] {
        assert!(
            matches!(bad.validate(), Err(Error::InvalidParameter { .. })),
            "{bad:?}"
        );
        assert!(bad.fit(&data(&x)).is_err());
    }
    let constant = Array2::from_elem((5, 3), 2.0);
    let e = PcaParams::default().fit(&data(&constant)).unwrap_err();
    assert!(e.to_string().contains("constant"), "{e}");
    let one = x.slice(s![..1, ..]).to_owned();
    assert!(matches!(
        PcaParams::default().fit(&data(&one)),
        Err(Error::NotEnoughSamples { .. })
    ));
    let m = PcaParams::default().fit(&data(&x)).unwrap();
    assert!(matches!(
        m.inverse_transform(Array2::zeros((2, 3)).view()),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn params_serde_uses_scikit_learn_names() {
    let p: PcaParams = serde_json::from_str(
        r#"{"n_components": 0.9, "whiten": true, "svd_solver": "covariance_eigh"}"#,
    )
    .unwrap();
    assert_eq!(p.n_components, Some(NComponents::VarianceRatio(0.9)));
    assert_eq!(p.svd_solver, SvdSolver::CovarianceEigh);
    assert!(serde_json::from_str::<PcaParams>(r#"{"n_component": 3}"#).is_err());
    let p: PcaParams = serde_json::from_str(r#"{"n_components": 3}"#).unwrap();
    assert_eq!(p.n_components, Some(NComponents::Count(3)));
    let back: PcaParams = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
    assert!(serde_json::from_str::<PcaParams>(r#"{"n_components": "three"}"#).is_err());
}

#[test]
fn overflowing_values_are_a_clean_error() {
    let x = array![[1e300, 1.0], [-1e300, 2.0], [5e299, 0.0]];
    for solver in [
        SvdSolver::Full,
        SvdSolver::CovarianceEigh,
        SvdSolver::Randomized,
    ] {
        let p = PcaParams {
            n_components: Some(NComponents::Count(1)),
            svd_solver: solver,
            ..Default::default()
        };
        match p.fit(&data(&x)) {
            Ok(m) => assert!(m.components().iter().all(|v| v.is_finite()), "{solver:?}"),
            Err(e) => assert!(e.is_user_error(), "{solver:?}: {e}"),
        }
    }
}
