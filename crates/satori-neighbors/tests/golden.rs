//! Nearest-neighbour search and the knn models against scikit-learn 1.9.1 (tests/golden/neighbors,
//! written by its generate.py): distances and probabilities to 1e-12 (relative, or absolute below
//! 1), neighbour indices exactly where there are no ties, and where scikit-learn orders a tie
//! differently, only between rows at the same distance.

use ndarray::{Array1, Array2};
use satori_core::{Dataset, Estimator, PredictProba, Predictor, Target};
use satori_neighbors::{
    Algorithm, IndexOptions, KNeighborsClassifierParams, KNeighborsRegressorParams, KnnIndex,
    Metric, Weights,
};
use satori_testkit::golden;
use serde_json::Value;

const TOL: f64 = 1e-12;

fn load() -> Value {
    let g = golden::load("neighbors");
    assert_eq!(
        golden::at(&g, "/versions")["sklearn"],
        "1.9.1",
        "golden file from another scikit-learn"
    );
    g
}

fn matrix(v: &Value, pointer: &str) -> Array2<f64> {
    let rows = golden::at(v, pointer).as_array().unwrap();
    let ncols = rows.first().map_or(0, |r| r.as_array().unwrap().len());
    let flat: Vec<f64> = rows
        .iter()
        .flat_map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| golden::to_f64(x).unwrap())
        })
        .collect();
    Array2::from_shape_vec((rows.len(), ncols), flat).unwrap()
}

fn index_matrix(v: &Value, pointer: &str) -> Vec<Vec<usize>> {
    golden::at(v, pointer)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as usize)
                .collect()
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOL * b.abs().max(1.0)
}

fn metric(p: u64) -> Metric {
    if p == 1 {
        Metric::Manhattan
    } else {
        Metric::Euclidean
    }
}

/// Our neighbours against scikit-learn's: distances close; an index differing only within a tie.
///
/// `product_form`: scikit-learn's brute force computes Euclidean distances as
/// `√(‖q‖² + ‖x‖² − 2 q·x)`, so its distance to an exact duplicate is `√(rounding)` (about 3e-8)
/// rather than 0, and near distances carry an error of that size; satori returns the direct
/// distance. Against those runs the *squared* distances are compared, within 1e-12 of the
/// norms.
#[allow(clippy::too_many_arguments)]
fn compare(
    what: &str,
    x: &Array2<f64>,
    queries: &Array2<f64>,
    metric: Metric,
    ours: &satori_neighbors::Neighbors,
    want_ind: &[Vec<usize>],
    want_dist: &Array2<f64>,
    exact_order: bool,
    product_form: bool,
) -> usize {
    let mut tie_swaps = 0;
    for (qi, want_row) in want_ind.iter().enumerate() {
        for (j, &want) in want_row.iter().enumerate() {
            let (got, got_d) = (ours.indices[[qi, j]], ours.distances[[qi, j]]);
            let want_d = want_dist[[qi, j]];
            let ok = if product_form {
                // |d² − d'²| within the product form's rounding, relative to the norms.
                let norms: f64 = queries
                    .row(qi)
                    .iter()
                    .chain(x.row(got))
                    .map(|v| v * v)
                    .sum();
                (got_d * got_d - want_d * want_d).abs() <= TOL * (1.0 + norms)
            } else {
                close(got_d, want_d)
            };
            assert!(
                ok,
                "{what}: query {qi} neighbour {j}: distance {got_d} vs scikit-learn's {want_d}"
            );
            if got != want {
                assert!(
                    !exact_order,
                    "{what}: query {qi} neighbour {j}: row {got} vs {want}"
                );
                let q = queries.row(qi).to_vec();
                let d_want = metric.distance(&q, &x.row(want).to_vec());
                assert!(
                    close(d_want, got_d),
                    "{what}: query {qi} neighbour {j}: scikit-learn's row {want} is at {d_want}, \
                     ours ({got}) at {got_d}: not a tie"
                );
                tie_swaps += 1;
            }
        }
    }
    tie_swaps
}

#[test]
fn kneighbors_matches_scikit_learn() {
    let g = load();
    let mut tie_swaps = 0;
    for case in golden::at(&g, "/search").as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let x = matrix(case, "/x");
        let queries = matrix(case, "/queries");
        let k = case["k"].as_u64().unwrap() as usize;
        let exact_order = case["exact_order"].as_bool().unwrap();
        for run in case["runs"].as_array().unwrap() {
            let metric = metric(run["p"].as_u64().unwrap());
            let product_form = run["algorithm"] == "brute" && metric == Metric::Euclidean;
            // Every algorithm of ours against each of scikit-learn's.
            for ours in [Algorithm::KdTree, Algorithm::Brute, Algorithm::Auto] {
                let what = format!("{name} sklearn {} vs {ours:?} {metric:?}", run["algorithm"]);
                let options = IndexOptions {
                    algorithm: ours,
                    metric,
                    leaf_size: 30,
                };
                let index = KnnIndex::build(x.view(), &options).unwrap();
                let found = index.kneighbors(queries.view(), k).unwrap();
                tie_swaps += compare(
                    &what,
                    &x,
                    &queries,
                    metric,
                    &found,
                    &index_matrix(run, "/indices"),
                    &matrix(run, "/distances"),
                    exact_order,
                    product_form,
                );
                let found = index.kneighbors_self(k).unwrap();
                tie_swaps += compare(
                    &format!("{what} (self)"),
                    &x,
                    &x,
                    metric,
                    &found,
                    &index_matrix(run, "/self_indices"),
                    &matrix(run, "/self_distances"),
                    exact_order,
                    product_form,
                );
            }
        }
    }
    // The duplicated cases do exercise the tie rule.
    assert!(tie_swaps > 0);
}

fn class_data(case: &Value) -> Dataset {
    let x = matrix(case, "/x");
    let n_classes = case["n_classes"].as_u64().unwrap() as usize;
    let codes: Array1<usize> = golden::usize_vec(case, "/y").into();
    let labels = (0..n_classes).map(|c| format!("c{c}")).collect();
    let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
    Dataset::new(x, names)
        .unwrap()
        .with_target(Target::classes(codes, labels).unwrap())
        .unwrap()
}

fn weights(name: &str) -> Weights {
    if name == "distance" {
        Weights::Distance
    } else {
        Weights::Uniform
    }
}

#[test]
fn classifier_matches_scikit_learn() {
    let g = load();
    for case in golden::at(&g, "/classifier").as_array().unwrap() {
        let data = class_data(case);
        let queries = matrix(case, "/queries");
        for run in case["runs"].as_array().unwrap() {
            for ours in [Algorithm::Auto, Algorithm::KdTree, Algorithm::Brute] {
                let params = KNeighborsClassifierParams {
                    n_neighbors: run["n_neighbors"].as_u64().unwrap() as usize,
                    weights: weights(run["weights"].as_str().unwrap()),
                    algorithm: ours,
                    ..Default::default()
                };
                let model = params.fit(&data).unwrap();
                let proba = model.predict_proba(queries.view()).unwrap();
                let want = matrix(run, "/proba");
                for ((i, j), w) in want.indexed_iter() {
                    assert!(
                        close(proba[[i, j]], *w),
                        "{} {run}: row {i} class {j}: {} vs {w}",
                        case["name"],
                        proba[[i, j]]
                    );
                }
                let predict: Vec<usize> = model
                    .predict(queries.view())
                    .unwrap()
                    .iter()
                    .map(|v| *v as usize)
                    .collect();
                assert_eq!(predict, golden::usize_vec(run, "/predict"), "{run}");
            }
        }
    }
}

#[test]
fn regressor_matches_scikit_learn() {
    let g = load();
    for case in golden::at(&g, "/regressor").as_array().unwrap() {
        let x = matrix(case, "/x");
        let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
        let y: Array1<f64> = golden::f64_vec(case, "/y").into();
        let data = Dataset::new(x, names)
            .unwrap()
            .with_target(Target::regression(y))
            .unwrap();
        let queries = matrix(case, "/queries");
        for run in case["runs"].as_array().unwrap() {
            for ours in [Algorithm::KdTree, Algorithm::Brute] {
                let params = KNeighborsRegressorParams {
                    n_neighbors: run["n_neighbors"].as_u64().unwrap() as usize,
                    weights: weights(run["weights"].as_str().unwrap()),
                    algorithm: ours,
                    p: run["p"].as_f64().unwrap(),
                    ..Default::default()
                };
                let got = params.fit(&data).unwrap().predict(queries.view()).unwrap();
                let want = golden::f64_vec(run, "/predict");
                for (i, (a, b)) in got.iter().zip(&want).enumerate() {
                    assert!(close(*a, *b), "{run}: row {i}: {a} vs {b}");
                }
            }
        }
    }
}
