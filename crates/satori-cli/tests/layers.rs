//! The layer rule of ARCHITECTURE.md §1: dependencies between satori crates point only down the
//! layer list. This test reads `cargo metadata` and fails on any other edge, and on a satori
//! crate that the table below does not know (add it, with its allowed dependencies, when it lands).

use std::collections::BTreeMap;
use std::process::Command;

/// Each crate and the satori crates it may depend on (normal and build dependencies).
/// `satori-testkit` may additionally be a dev-dependency anywhere.
fn allowed() -> BTreeMap<&'static str, Vec<&'static str>> {
    let core = vec!["satori-core"];
    // The nearest-neighbour index sits with the model families (its crate holds the knn models)
    // and below everything that searches neighbours: the KNN imputer, the resamplers.
    let model_family = vec!["satori-core", "satori-metrics"];
    let pipeline_and_below = vec![
        "satori-core",
        "satori-data",
        "satori-metrics",
        "satori-monitor",
        "satori-preprocess",
        "satori-features",
        "satori-linear",
        "satori-tree",
        "satori-gbm",
        "satori-nn",
        "satori-baseline",
        "satori-neighbors",
        "satori-imbalance",
        "satori-pipeline",
    ];
    let mut workflow_and_below = pipeline_and_below.clone();
    workflow_and_below.push("satori-workflow");
    let mut above_services = workflow_and_below.clone();
    above_services.extend([
        "satori-tune",
        "satori-explain",
        "satori-compress",
        "satori-report",
        "satori-track",
    ]);
    let mut everything = above_services.clone();
    everything.push("satori-onnx");
    everything.push("satori-serve");
    everything.push("satori-distributed");
    let mut m = BTreeMap::new();
    m.insert("satori-core", vec![]);
    m.insert("satori-data", core.clone());
    m.insert("satori-metrics", core.clone());
    // Monitoring's statistics sit low: the model file (pipeline) stores the training reference
    // they compare against; the server and CLI use them.
    m.insert("satori-monitor", core.clone());
    m.insert(
        "satori-preprocess",
        vec!["satori-core", "satori-metrics", "satori-neighbors"],
    );
    m.insert("satori-neighbors", model_family.clone());
    // The resamplers: SMOTE and the cleaning under-samplers search neighbours; cluster
    // centroids and the instance hardness threshold fit models from the families below.
    m.insert(
        "satori-imbalance",
        vec![
            "satori-core",
            "satori-metrics",
            "satori-preprocess",
            "satori-neighbors",
            "satori-linear",
            "satori-tree",
        ],
    );
    m.insert(
        "satori-features",
        vec![
            "satori-core",
            "satori-metrics",
            "satori-preprocess",
            "satori-neighbors",
        ],
    );
    for family in [
        "satori-linear",
        "satori-tree",
        "satori-gbm",
        "satori-nn",
        "satori-baseline",
    ] {
        m.insert(family, model_family.clone());
    }
    // satori-tree owns the flat tree that boosting stores its trees in (ARCHITECTURE.md §1).
    m.insert(
        "satori-gbm",
        vec!["satori-core", "satori-metrics", "satori-tree"],
    );
    let below_pipeline: Vec<&str> = pipeline_and_below
        .iter()
        .copied()
        .filter(|c| *c != "satori-pipeline")
        .collect();
    m.insert("satori-pipeline", below_pipeline);
    m.insert("satori-workflow", pipeline_and_below.clone());
    for service in [
        "satori-tune",
        "satori-explain",
        "satori-compress",
        "satori-report",
        "satori-track",
    ] {
        m.insert(service, workflow_and_below.clone());
    }
    // The report draws what the other services produce (a search, explanations, a compression),
    // so within the services it sits above them; none of them draws.
    let mut report = workflow_and_below.clone();
    report.extend(["satori-tune", "satori-explain", "satori-compress"]);
    m.insert("satori-report", report);
    m.insert("satori-serve", above_services);
    // ONNX export reads fitted pipelines (the steps and the model families); nothing below the
    // CLI uses it.
    m.insert("satori-onnx", workflow_and_below.clone());
    // The MPI communicator and sharded reading (ARCHITECTURE.md §1: core and data); the model
    // crates train through satori-core's `Collective` trait, never this crate.
    m.insert("satori-distributed", vec!["satori-core", "satori-data"]);
    m.insert("satori-cli", everything);
    m.insert("satori-testkit", core);
    m
}

#[test]
fn dependencies_point_down_the_layers() {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    let allowed = allowed();
    let mut violations = Vec::new();
    let packages = meta["packages"].as_array().expect("packages");
    assert!(
        packages.len() >= 5,
        "expected the workspace's crates, got {}",
        packages.len()
    );
    for pkg in packages {
        let name = pkg["name"].as_str().expect("name");
        let Some(ok) = allowed.get(name) else {
            violations.push(format!(
                "{name}: not in the layer table of this test; add it with its allowed dependencies"
            ));
            continue;
        };
        for dep in pkg["dependencies"].as_array().expect("dependencies") {
            let dep_name = dep["name"].as_str().expect("dep name");
            if !dep_name.starts_with("satori-") {
                continue;
            }
            let dev = dep["kind"].as_str() == Some("dev");
            if dev && dep_name == "satori-testkit" {
                continue;
            }
            if !ok.contains(&dep_name) {
                let kind = if dev { "dev-dependency" } else { "dependency" };
                violations.push(format!(
                    "{name} -> {dep_name} ({kind}) points up or across the layer list"
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layer violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_rule_catches_an_upward_edge() {
    // The table itself must forbid the classic mistakes.
    let a = allowed();
    assert!(!a["satori-core"].contains(&"satori-data"));
    assert!(!a["satori-metrics"].contains(&"satori-pipeline"));
    assert!(!a["satori-pipeline"].contains(&"satori-serve"));
    assert!(!a["satori-data"].contains(&"satori-metrics"));
    assert!(!a["satori-pipeline"].contains(&"satori-workflow"));
    assert!(!a["satori-workflow"].contains(&"satori-report"));
    assert!(!a["satori-monitor"].contains(&"satori-pipeline"));
}
