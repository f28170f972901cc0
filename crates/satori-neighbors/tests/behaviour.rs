//! What the knn models do, case by case: sklearn's weighting, zero distances, class ties,
//! sample weights ignored, missing values refused.

use ndarray::{Array1, array};
use satori_core::{Dataset, Estimator, PredictProba, Predictor, Target};
use satori_neighbors::{KNeighborsClassifierParams, KNeighborsRegressorParams, Weights};

fn classes(x: ndarray::Array2<f64>, codes: Vec<usize>, n_labels: usize) -> Dataset {
    let labels = (0..n_labels).map(|c| format!("c{c}")).collect();
    let y = Target::classes(Array1::from(codes), labels).unwrap();
    let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
    Dataset::new(x, names).unwrap().with_target(y).unwrap()
}

fn regression(x: ndarray::Array2<f64>, y: Vec<f64>) -> Dataset {
    let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
    Dataset::new(x, names)
        .unwrap()
        .with_target(Target::regression(Array1::from(y)))
        .unwrap()
}

#[test]
fn uniform_and_distance_probabilities() {
    let data = classes(array![[0.0], [1.0], [3.0], [4.0]], vec![0, 0, 1, 1], 2);
    let uniform = KNeighborsClassifierParams {
        n_neighbors: 3,
        ..Default::default()
    };
    let m = uniform.fit(&data).unwrap();
    // Neighbours of 1.5: rows 1 (0.5), 0 (1.5), 2 (1.5): two of class 0, one of class 1.
    let p = m.predict_proba(array![[1.5]].view()).unwrap();
    assert_eq!(p.row(0).to_vec(), vec![2.0 / 3.0, 1.0 / 3.0]);
    let distance = KNeighborsClassifierParams {
        weights: Weights::Distance,
        ..uniform
    };
    let m = distance.fit(&data).unwrap();
    let p = m.predict_proba(array![[1.5]].view()).unwrap();
    let (w0, w1) = (1.0 / 0.5 + 1.0 / 1.5, 1.0 / 1.5);
    assert_eq!(p.row(0).to_vec(), vec![w0 / (w0 + w1), w1 / (w0 + w1)]);
}

#[test]
fn zero_distances_decide_alone_with_distance_weights() {
    // Query 3.0 matches row 2 exactly (class 1); the other neighbours get weight 0.
    let data = classes(array![[2.9], [3.05], [3.0], [3.0]], vec![0, 0, 1, 0], 2);
    let m = KNeighborsClassifierParams {
        n_neighbors: 4,
        weights: Weights::Distance,
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    let p = m.predict_proba(array![[3.0]].view()).unwrap();
    assert_eq!(p.row(0).to_vec(), vec![0.5, 0.5]); // two exact matches: row 2 (c1), row 3 (c0)
    // A tie: the lowest class code wins, as np.argmax.
    assert_eq!(m.predict(array![[3.0]].view()).unwrap()[0], 0.0);
    let r = KNeighborsRegressorParams {
        n_neighbors: 3,
        weights: Weights::Distance,
        ..Default::default()
    }
    .fit(&regression(
        array![[0.0], [0.0], [1.0]],
        vec![1.0, 2.0, 10.0],
    ))
    .unwrap();
    assert_eq!(r.predict(array![[0.0]].view()).unwrap()[0], 1.5);
}

#[test]
fn regressor_means_and_weighted_means() {
    let data = regression(
        array![[0.0], [1.0], [2.0], [10.0]],
        vec![1.0, 2.0, 4.0, 100.0],
    );
    let m = KNeighborsRegressorParams {
        n_neighbors: 2,
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    assert_eq!(m.predict(array![[0.4]].view()).unwrap()[0], 1.5);
    let m = KNeighborsRegressorParams {
        n_neighbors: 2,
        weights: Weights::Distance,
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    let (w0, w1) = (1.0 / 0.4, 1.0 / 0.6);
    assert_eq!(
        m.predict(array![[0.4]].view()).unwrap()[0],
        (1.0 * w0 + 2.0 * w1) / (w0 + w1)
    );
}

#[test]
fn labels_without_rows_get_a_zero_column() {
    let data = classes(array![[0.0], [1.0], [2.0]], vec![0, 2, 2], 3);
    let m = KNeighborsClassifierParams {
        n_neighbors: 3,
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    assert_eq!(m.classes().len(), 3);
    let p = m.predict_proba(array![[0.0]].view()).unwrap();
    assert_eq!(p.row(0).to_vec(), vec![1.0 / 3.0, 0.0, 2.0 / 3.0]);
    assert_eq!(m.predict(array![[0.0]].view()).unwrap()[0], 2.0);
}

#[test]
fn sample_weights_are_ignored_as_in_scikit_learn() {
    let x = array![[0.0], [1.0], [2.0], [5.0]];
    let plain = classes(x.clone(), vec![0, 1, 1, 0], 2);
    let weighted = plain
        .clone()
        .with_weights(array![100.0, 0.5, 0.5, 3.0])
        .unwrap();
    let params = KNeighborsClassifierParams {
        n_neighbors: 3,
        ..Default::default()
    };
    let q = array![[0.2], [3.0]];
    assert_eq!(
        params.fit(&plain).unwrap().predict_proba(q.view()).unwrap(),
        params
            .fit(&weighted)
            .unwrap()
            .predict_proba(q.view())
            .unwrap()
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let data = classes(array![[0.0], [f64::NAN]], vec![0, 1], 2);
    let err = KNeighborsClassifierParams {
        n_neighbors: 1,
        ..Default::default()
    }
    .fit(&data)
    .unwrap_err()
    .to_string();
    assert!(err.contains("missing") && err.contains("impute"), "{err}");
    let data = classes(array![[0.0], [1.0]], vec![0, 1], 2);
    let err = KNeighborsClassifierParams::default()
        .fit(&data)
        .unwrap_err()
        .to_string();
    assert!(err.contains("n_neighbors = 5"), "{err}");
    for bad in [
        KNeighborsClassifierParams {
            n_neighbors: 0,
            ..Default::default()
        },
        KNeighborsClassifierParams {
            p: 3.0,
            ..Default::default()
        },
        KNeighborsClassifierParams {
            leaf_size: 0,
            ..Default::default()
        },
    ] {
        assert!(bad.fit(&data).is_err());
    }
    let reg = regression(array![[0.0], [1.0]], vec![1.0, 2.0]);
    assert!(KNeighborsClassifierParams::default().fit(&reg).is_err());
    assert!(
        KNeighborsRegressorParams::default()
            .fit(&data)
            .unwrap_err()
            .to_string()
            .contains("KNeighborsClassifier")
    );
}
