//! Feature selection behaviour beyond the golden files: exact collinearity, constant features,
//! the target kinds each score function needs, and clean errors.

use ndarray::{Array1, Array2, array};
use satori_core::{Dataset, Error, Estimator, Params, Target, Transformer};
use satori_features::{
    KBest, ScoreFunc, SelectKBestParams, SelectPercentileParams, VarianceThresholdParams,
};

fn data(x: Array2<f64>, target: Target) -> Dataset {
    let names = (0..x.ncols()).map(|j| format!("c{j}")).collect();
    Dataset::new(x, names).unwrap().with_target(target).unwrap()
}

fn classes(codes: &[usize], n: usize) -> Target {
    Target::classes(
        Array1::from(codes.to_vec()),
        (0..n).map(|i| format!("k{i}")).collect(),
    )
    .unwrap()
}

#[test]
fn f_regression_forces_finite_scores() {
    // Column 0 equals y exactly and its r rounds to exactly 1 (F = ∞ → f64::MAX, p = 0); column
    // 1 is constant (r = NaN → 0: F = 0, p = 1). scikit-learn 1.9.1 gives the same.
    let y = array![1.0, 2.0, 3.0, 4.0];
    let x = Array2::from_shape_fn((4, 3), |(i, j)| match j {
        0 => y[i],
        1 => 7.0,
        _ => [0.3, -1.0, 2.0, 0.1][i],
    });
    let sel = SelectKBestParams {
        score_func: ScoreFunc::FRegression,
        k: KBest::Count(1),
    }
    .fit(&data(x, Target::regression(y)))
    .unwrap();
    assert_eq!(sel.scores()[0], f64::MAX);
    assert_eq!(sel.pvalues().unwrap()[0], 0.0);
    assert_eq!((sel.scores()[1], sel.pvalues().unwrap()[1]), (0.0, 1.0));
    assert_eq!(sel.support(), &[true, false, false]);
    // With five rows r rounds just below 1 and F is large but finite, exactly as in
    // scikit-learn (`f_regression` gives 1.3510798882111484e16 and p = 1.4042654220543597e-24).
    let y = array![1.0, 2.0, 3.0, 4.0, 5.0];
    let x = Array2::from_shape_fn((5, 1), |(i, _)| y[i]);
    let sel = SelectKBestParams {
        score_func: ScoreFunc::FRegression,
        k: KBest::All,
    }
    .fit(&data(x, Target::regression(y)))
    .unwrap();
    assert_eq!(sel.scores()[0], 1.3510798882111484e16);
    assert!((sel.pvalues().unwrap()[0] / 1.4042654220543597e-24 - 1.0).abs() < 1e-10);
}

#[test]
fn constant_feature_has_nan_f_classif_score_and_ranks_last() {
    let x = array![[1.0, 5.0], [2.0, 5.0], [3.0, 5.0], [4.0, 5.0]];
    let d = data(x, classes(&[0, 0, 1, 1], 2));
    let sel = SelectKBestParams {
        score_func: ScoreFunc::FClassif,
        k: KBest::Count(1),
    }
    .fit(&d)
    .unwrap();
    assert!(sel.scores()[1].is_nan() && sel.pvalues().unwrap()[1].is_nan());
    assert_eq!(sel.support(), &[true, false]);
    // NaN survives the JSON round trip of the fitted model.
    let back: satori_features::UnivariateSelector =
        serde_json::from_str(&serde_json::to_string(&sel).unwrap()).unwrap();
    assert!(back.scores()[1].is_nan());
    assert_eq!(back.scores()[0], sel.scores()[0]);
}

#[test]
fn score_functions_need_the_right_target() {
    let x = array![[1.0, 2.0], [2.0, 1.0], [3.0, 0.0], [4.0, 2.0]];
    let reg = data(x.clone(), Target::regression(array![1.0, 2.0, 3.0, 4.0]));
    let cls = data(x.clone(), classes(&[0, 1, 0, 1], 2));
    let k = KBest::Count(1);
    for f in [ScoreFunc::FClassif, ScoreFunc::Chi2] {
        let e = SelectKBestParams { score_func: f, k }
            .fit(&reg)
            .unwrap_err();
        assert!(e.to_string().contains("classification target"), "{e}");
    }
    let e = SelectKBestParams {
        score_func: ScoreFunc::FRegression,
        k,
    }
    .fit(&cls)
    .unwrap_err();
    assert!(e.to_string().contains("continuous target"), "{e}");
    let one_class = data(x.clone(), classes(&[1, 1, 1, 1], 2));
    let e = SelectKBestParams::default().fit(&one_class).unwrap_err();
    assert!(e.to_string().contains("at least two classes"), "{e}");
    let no_target = Dataset::new(x, vec!["a".into(), "b".into()]).unwrap();
    assert!(SelectKBestParams::default().fit(&no_target).is_err());
}

#[test]
fn chi2_rejects_negative_features() {
    let x = array![[1.0, -2.0], [2.0, 1.0], [3.0, 0.0]];
    let e = SelectKBestParams {
        score_func: ScoreFunc::Chi2,
        k: KBest::All,
    }
    .fit(&data(x, classes(&[0, 1, 0], 2)))
    .unwrap_err();
    assert!(
        matches!(e, Error::InvalidData(ref m) if m.contains("non-negative")),
        "{e}"
    );
}

#[test]
fn variance_threshold_errors_and_names() {
    let x = array![[1.0, 0.0, 3.0], [1.0, 1.0, 3.0], [1.0, 0.0, 3.0]];
    let d = Dataset::new(x.clone(), vec!["a".into(), "b".into(), "c".into()]).unwrap();
    let vt = VarianceThresholdParams::default().fit(&d).unwrap();
    assert_eq!(vt.support(), &[false, true, false]);
    assert_eq!(
        vt.feature_names_out(&d.feature_names()),
        vec!["b".to_string()]
    );
    assert_eq!(vt.transform(x.view()).unwrap(), array![[0.0], [1.0], [0.0]]);
    let e = VarianceThresholdParams { threshold: 0.5 }
        .fit(&d)
        .unwrap_err();
    assert!(e.to_string().contains("threshold"), "{e}");
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(
            VarianceThresholdParams { threshold: bad }
                .validate()
                .is_err()
        );
    }
    assert!(
        SelectPercentileParams {
            percentile: 101.0,
            ..Default::default()
        }
        .validate()
        .is_err()
    );
    assert!(
        SelectPercentileParams {
            percentile: -0.5,
            ..Default::default()
        }
        .validate()
        .is_err()
    );
}

#[test]
fn params_serde_uses_scikit_learn_names() {
    let p: SelectKBestParams =
        serde_json::from_str(r#"{"score_func": "chi2", "k": "all"}"#).unwrap();
    assert_eq!(p.k, KBest::All);
    assert_eq!(p.score_func, ScoreFunc::Chi2);
    let p: SelectKBestParams = serde_json::from_str(r#"{"k": 3}"#).unwrap();
    assert_eq!(p.k, KBest::Count(3));
    let p: SelectPercentileParams =
        serde_json::from_str(r#"{"score_func": "f_regression", "percentile": 25}"#).unwrap();
    assert_eq!(p.percentile, 25.0);
    assert!(serde_json::from_str::<SelectKBestParams>(r#"{"kk": 3}"#).is_err());
}

#[test]
fn mutual_information_ranks_dependence_and_is_seeded() {
    // Column 0 determines y; column 1 is another modular sequence of i with many ties (weakly
    // dependent). scikit-learn 1.9.1 gives [3.3326, 0.5398], [3.3297, 0.5493], [3.3293, 0.5466]
    // for random_state 0, 1, 2 (the ties make the estimate depend on the noise).
    let n = 200;
    let y: Vec<f64> = (0..n).map(|i| ((i * 37) % 101) as f64 / 10.0).collect();
    let x = Array2::from_shape_fn((n, 2), |(i, j)| {
        if j == 0 {
            y[i] * y[i]
        } else {
            ((i * 53) % 97) as f64
        }
    });
    let d = data(x.clone(), Target::regression(Array1::from(y.clone())));
    let f = |seed| ScoreFunc::MutualInfoRegression {
        n_neighbors: 3,
        seed,
    };
    let a = SelectKBestParams {
        score_func: f(0),
        k: KBest::Count(1),
    }
    .fit(&d)
    .unwrap();
    assert_eq!(a.support(), &[true, false]);
    assert!(
        (a.scores()[0] - 3.33).abs() < 0.02 && (a.scores()[1] - 0.545).abs() < 0.03,
        "{:?}",
        a.scores()
    );
    let b = SelectKBestParams {
        score_func: f(0),
        k: KBest::Count(1),
    }
    .fit(&d)
    .unwrap();
    assert_eq!(a.scores(), b.scores());
    assert!(a.pvalues().is_none());
    let codes: Vec<usize> = y.iter().map(|v| usize::from(*v > 5.0)).collect();
    let c = data(x, classes(&codes, 2));
    let mi = ScoreFunc::MutualInfoClassif {
        n_neighbors: 3,
        seed: 0,
    };
    let s = SelectKBestParams {
        score_func: mi,
        k: KBest::Count(1),
    }
    .fit(&c)
    .unwrap();
    assert_eq!(s.support(), &[true, false]);
    let bad = ScoreFunc::MutualInfoClassif {
        n_neighbors: 0,
        seed: 0,
    };
    assert!(
        SelectKBestParams {
            score_func: bad,
            k: KBest::All
        }
        .validate()
        .is_err()
    );
    let p: SelectKBestParams = serde_json::from_str(
        r#"{"score_func": {"mutual_info_classif": {"n_neighbors": 5, "seed": 7}}, "k": "all"}"#,
    )
    .unwrap();
    assert_eq!(
        p.score_func,
        ScoreFunc::MutualInfoClassif {
            n_neighbors: 5,
            seed: 7
        }
    );
}
