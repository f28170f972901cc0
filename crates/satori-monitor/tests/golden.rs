//! The drift statistics against SciPy 1.17 and NumPy 2.4 (tests/golden/monitor_drift, written by
//! its generate.py): the exact two-sample Kolmogorov–Smirnov test, the sketch-based one, PSI on
//! decile bins, the χ² contingency test and the two survival functions.

use satori_monitor::{
    NumericSketch, chi2_contingency, chi2_sf, kolmogorov_sf, ks_2samp, ks_sketch, psi,
};
use satori_testkit::golden;

fn cases(g: &serde_json::Value, key: &str) -> Vec<serde_json::Value> {
    golden::at(g, &format!("/{key}"))
        .as_array()
        .expect("a list of cases")
        .clone()
}

#[test]
fn ks_2samp_matches_scipy_exactly_on_raw_samples() {
    let g = golden::load("monitor_drift");
    assert_eq!(golden::at(&g, "/versions")["scipy"], "1.17.1");
    for c in cases(&g, "ks_2samp") {
        let name = c["name"].as_str().unwrap();
        let r = ks_2samp(&golden::f64_vec(&c, "/a"), &golden::f64_vec(&c, "/b")).unwrap();
        golden::assert_close(
            &format!("{name}: D"),
            &[r.statistic],
            &[golden::f64_at(&c, "/statistic")],
            1e-14,
            0.0,
        );
        golden::assert_close(
            &format!("{name}: p-value"),
            &[r.p_value],
            &[golden::f64_at(&c, "/p_value")],
            1e-10,
            1e-300,
        );
    }
}

#[test]
fn above_ten_thousand_values_the_p_value_is_the_limiting_distribution() {
    let g = golden::load("monitor_drift");
    let c = golden::at(&g, "/ks_asymptotic");
    let r = ks_2samp(&golden::f64_vec(c, "/a"), &golden::f64_vec(c, "/b")).unwrap();
    golden::assert_close(
        "D",
        &[r.statistic],
        &[golden::f64_at(c, "/statistic")],
        1e-14,
        0.0,
    );
    // Exactly scipy's kstwobign at √(nm/(n+m))·D …
    golden::assert_close(
        "kstwobign p-value",
        &[r.p_value],
        &[golden::f64_at(c, "/kstwobign_p_value")],
        1e-10,
        0.0,
    );
    // … and within 0.01 of ks_2samp's own (kstwo at the rounded effective size).
    golden::assert_close(
        "scipy p-value",
        &[r.p_value],
        &[golden::f64_at(c, "/p_value")],
        0.0,
        0.01,
    );
}

#[test]
fn the_sketch_test_is_within_a_percentile_of_the_raw_one() {
    let g = golden::load("monitor_drift");
    for c in cases(&g, "ks_sketch") {
        let name = c["name"].as_str().unwrap();
        let sketch = NumericSketch::new(&golden::f64_vec(&c, "/reference")).unwrap();
        let r = ks_sketch(&sketch, &golden::f64_vec(&c, "/current")).unwrap();
        golden::assert_close(
            &format!("{name}: D from the sketch"),
            &[r.statistic],
            &[golden::f64_at(&c, "/statistic")],
            0.0,
            0.01,
        );
    }
}

#[test]
fn psi_bins_and_percentiles_match_numpy() {
    let g = golden::load("monitor_drift");
    for c in cases(&g, "psi") {
        let name = c["name"].as_str().unwrap();
        let reference = golden::f64_vec(&c, "/reference");
        let sketch = NumericSketch::new(&reference).unwrap();
        golden::assert_close(
            &format!("{name}: percentiles"),
            &sketch.percentiles,
            &golden::f64_vec(&c, "/percentiles"),
            1e-14,
            1e-14,
        );
        golden::assert_close(
            &format!("{name}: edges"),
            &sketch.bin_edges,
            &golden::f64_vec(&c, "/edges"),
            1e-14,
            1e-14,
        );
        let expected: Vec<u64> = golden::usize_vec(&c, "/reference_counts")
            .into_iter()
            .map(|v| v as u64)
            .collect();
        assert_eq!(sketch.bin_counts, expected, "{name}: reference counts");
        let mut current = vec![0.0; sketch.bin_counts.len()];
        for v in golden::f64_vec(&c, "/current") {
            current[sketch.bin(v)] += 1.0;
        }
        let expected_current: Vec<f64> = golden::usize_vec(&c, "/current_counts")
            .into_iter()
            .map(|v| v as f64)
            .collect();
        assert_eq!(current, expected_current, "{name}: current counts");
        let reference_bins: Vec<f64> = sketch.bin_counts.iter().map(|&v| v as f64).collect();
        golden::assert_close(
            &format!("{name}: PSI"),
            &[psi(&reference_bins, &current).unwrap()],
            &[golden::f64_at(&c, "/psi")],
            1e-12,
            1e-15,
        );
    }
}

#[test]
fn chi2_matches_scipy_chi2_contingency() {
    let g = golden::load("monitor_drift");
    for c in cases(&g, "chi2") {
        let name = c["name"].as_str().unwrap();
        let (r, dof) = chi2_contingency(
            &golden::f64_vec(&c, "/reference"),
            &golden::f64_vec(&c, "/current"),
        )
        .unwrap();
        assert_eq!(dof as f64, golden::f64_at(&c, "/dof"), "{name}: dof");
        golden::assert_close(
            &format!("{name}: χ²"),
            &[r.statistic],
            &[golden::f64_at(&c, "/statistic")],
            1e-12,
            0.0,
        );
        golden::assert_close(
            &format!("{name}: p-value"),
            &[r.p_value],
            &[golden::f64_at(&c, "/p_value")],
            1e-10,
            1e-300,
        );
    }
}

#[test]
fn survival_functions_match_scipy() {
    let g = golden::load("monitor_drift");
    for c in cases(&g, "kstwobign_sf") {
        let x = golden::f64_at(&c, "/x");
        golden::assert_close(
            &format!("kstwobign.sf({x})"),
            &[kolmogorov_sf(x)],
            &[golden::f64_at(&c, "/sf")],
            1e-12,
            1e-300,
        );
    }
    for c in cases(&g, "chi2_sf") {
        let (k, x) = (golden::f64_at(&c, "/k"), golden::f64_at(&c, "/x"));
        golden::assert_close(
            &format!("chdtrc({k}, {x})"),
            &[chi2_sf(k, x)],
            &[golden::f64_at(&c, "/sf")],
            1e-12,
            0.0,
        );
    }
}
