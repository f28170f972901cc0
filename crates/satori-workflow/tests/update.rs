//! `satori update`'s flow: a saved model learns from new rows, and a champion/challenger gate
//! decides whether the update replaces it. The loop test runs a drifting synthetic stream: the
//! relation between the inputs and the label turns batch by batch, so a static model degrades
//! while a model updated on every batch keeps up; an update on shuffled labels is rejected.

use satori_core::NoProgress;
use satori_data::{ReadOptions, Table, TargetSpec, read_csv_bytes};
use satori_pipeline::model_file;
use satori_pipeline::{FittedPipeline, ModelHeader};
use satori_workflow::update::{Blend, HalfLife, UpdateKind, UpdateRequest, sha256_hex, update};
use satori_workflow::{MetricSpec, TrainRequest, evaluate_table, train};

/// A small deterministic generator (SplitMix64), so the stream needs no RNG crate.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Batch `b` of the stream as CSV text: four inputs, a time stamp `t` and a label whose
/// relation to `x1` and `x2` turns by 0.6 radians per batch. `shuffle` permutes the labels (a
/// deliberately bad batch).
fn batch_csv(b: usize, n: usize, shuffle: bool) -> String {
    batch_seeded(b, n, shuffle, 1000 + b as u64)
}

/// [`batch_csv`] with other rows of the same relation (another seed).
fn batch_seeded(b: usize, n: usize, shuffle: bool, seed: u64) -> String {
    let mut rng = Mix(seed);
    let theta = 0.6 * b as f64;
    let mut rows = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    for _ in 0..n {
        let x: Vec<f64> = (0..4).map(|_| rng.next() * 2.0 - 1.0).collect();
        let logit = 4.0 * (theta.cos() * x[0] + theta.sin() * x[1]) + 0.5 * x[2];
        let p = 1.0 / (1.0 + (-logit).exp());
        labels.push(if rng.next() < p { "yes" } else { "no" });
        rows.push(x);
    }
    if shuffle {
        for i in (1..n).rev() {
            let j = (rng.next() * (i + 1) as f64) as usize;
            labels.swap(i, j.min(i));
        }
    }
    let mut out = String::from("t,x1,x2,x3,x4,y\n");
    for (i, (x, l)) in rows.iter().zip(labels).enumerate() {
        let t = b * n + i;
        out.push_str(&format!(
            "{t},{:.5},{:.5},{:.5},{:.5},{l}\n",
            x[0], x[1], x[2], x[3]
        ));
    }
    out
}

fn table(text: &str, name: &str) -> Table {
    read_csv_bytes(name, text.as_bytes(), &ReadOptions::default()).unwrap()
}

/// A model trained on batch 0 (without the time stamp), with its header and file hash.
fn trained(model: &str, sets: &[(&str, &str)]) -> (ModelHeader, FittedPipeline, String) {
    let mut opts = ReadOptions::default();
    opts.drop.push("t".into());
    let t = read_csv_bytes("batch0.csv", batch_csv(0, 2000, false).as_bytes(), &opts).unwrap();
    let mut r = TrainRequest::new(TargetSpec {
        name: "y".into(),
        task: None,
    });
    r.model = model.into();
    r.overrides = sets
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let out = train(&t, &r, &NoProgress).unwrap();
    let bytes = model_file::to_bytes(&out.header, &out.pipeline).unwrap();
    (out.header, out.pipeline, sha256_hex(&bytes))
}

fn auc(p: &FittedPipeline, t: &Table) -> f64 {
    let spec = MetricSpec::default();
    evaluate_table(p, t, &spec).unwrap()[0].evaluation.metrics["roc_auc"]
}

fn request(parent: &(ModelHeader, FittedPipeline, String), source: &str) -> UpdateRequest {
    let mut r = UpdateRequest::new(
        parent.1.clone(),
        parent.0.clone(),
        parent.2.clone(),
        source.to_string(),
    );
    r.time_column = Some("t".into());
    r
}

#[test]
fn on_a_drifting_stream_the_updated_model_recovers_and_the_gate_rejects_a_bad_update() {
    let sets = [("model.n_estimators", "60"), ("model.num_leaves", "15")];
    let first = trained("gbm", &sets);
    let static_model = first.1.clone();
    let t0 = table(&batch_csv(0, 2000, false), "b0");
    let start_auc = auc(&static_model, &t0);
    let mut current = first.clone();
    let mut accepted = 0;
    for b in 1..=4 {
        let new = table(&batch_csv(b, 2000, false), &format!("b{b}"));
        let mut r = request(&current, &format!("model{}.satori", b - 1));
        r.mode = Some(UpdateKind::AddTrees);
        r.rounds = Some(40);
        let out = update(&new, &r, &NoProgress).unwrap();
        let lineage = out.header.lineage.clone().unwrap();
        assert_eq!(
            lineage.update_count,
            current.0.lineage.as_ref().map_or(0, |l| l.update_count) + 1
        );
        assert_eq!(lineage.parent_sha256, current.2);
        assert_eq!(
            out.gate.decision,
            if out.accepted { "accepted" } else { "rejected" }
        );
        assert!(out.gate.on.contains("most recent 20%"), "{}", out.gate.on);
        if out.accepted {
            accepted += 1;
            let bytes = model_file::to_bytes(&out.header, &out.pipeline).unwrap();
            current = (out.header, out.pipeline, sha256_hex(&bytes));
        }
    }
    assert!(
        accepted >= 3,
        "only {accepted} of 4 updates passed the gate"
    );
    let last = table(&batch_csv(5, 3000, false), "b5");
    let static_auc = auc(&static_model, &last);
    let updated_auc = auc(&current.1, &last);
    // The relation turned by 3 radians: the static model is worse than chance-like, the
    // updated one close to its start.
    assert!(
        static_auc < start_auc - 0.3,
        "static {static_auc} vs start {start_auc}"
    );
    assert!(
        updated_auc > static_auc + 0.3,
        "updated {updated_auc} vs static {static_auc}"
    );
    let l = current.0.lineage.as_ref().unwrap();
    assert!(l.rows_seen > 2000 + 3 * 1600 - 1, "{}", l.rows_seen);

    // A deliberately bad update: labels shuffled. The gate scores on a clean gate file.
    let bad = table(&batch_csv(5, 2000, true), "bad");
    let mut r = request(&current, "current.satori");
    r.mode = Some(UpdateKind::Refit);
    r.decay = 0.0;
    r.validation = Some(table(&batch_csv(5, 1000, false), "gate"));
    let out = update(&bad, &r, &NoProgress).unwrap();
    assert!(!out.accepted, "shuffled labels passed: {:?}", out.gate);
    assert_eq!(
        out.header.lineage.as_ref().unwrap().gate.decision,
        "rejected"
    );
    assert!(
        out.gate.challenger < out.gate.champion - 0.1,
        "{:?}",
        out.gate
    );
    assert!(out.gate.on.starts_with("gate file gate"), "{}", out.gate.on);
}

#[test]
fn refit_and_blend_follow_the_new_relation() {
    let first = trained("gbm", &[("model.n_estimators", "60")]);
    let new = table(&batch_csv(3, 3000, false), "b3");
    let future = table(&batch_seeded(3, 2000, false, 77), "b3b");
    let before = auc(&first.1, &future);
    let mut r = request(&first, "m.satori");
    r.mode = Some(UpdateKind::Refit);
    r.decay = 0.3;
    let refit = update(&new, &r, &NoProgress).unwrap();
    assert!(auc(&refit.pipeline, &future) > before, "refit did not help");
    assert!(refit.mode_detail.contains("decay rate 0.3"));
    // A blend chooses the new trees' weight on half the gate rows.
    let mut r = request(&first, "m.satori");
    r.blend = Blend::Auto;
    r.rounds = Some(30);
    let blended = update(&new, &r, &NoProgress).unwrap();
    let w = blended.blend_weight.unwrap();
    assert!(w > 0.0, "the new trees got weight {w}");
    assert!(blended.mode_detail.contains("blend weight"));
    assert!(blended.gate.on.contains("second half"));
    // A blend applies to add-trees only.
    let mut r = request(&first, "m.satori");
    r.blend = Blend::Auto;
    r.mode = Some(UpdateKind::Refit);
    let e = update(&new, &r, &NoProgress).unwrap_err().to_string();
    assert!(e.contains("--blend"), "{e}");
}

#[test]
fn forests_slide_and_networks_make_partial_fit_passes() {
    let forest = trained(
        "forest",
        &[("model.n_estimators", "20"), ("model.max_depth", "6")],
    );
    let new = table(&batch_csv(4, 1500, false), "b4");
    let r = request(&forest, "forest.satori");
    let out = update(&new, &r, &NoProgress).unwrap();
    assert_eq!(out.mode, UpdateKind::Window);
    assert!(
        out.mode_detail.contains("5 of 20 trees"),
        "{}",
        out.mode_detail
    );
    let sgd = trained("sgd", &[]);
    let r = request(&sgd, "sgd.satori");
    let out = update(&new, &r, &NoProgress).unwrap();
    assert_eq!(out.mode, UpdateKind::PartialFit);
    // A mode that does not apply names the ones that do.
    let mut r = request(&forest, "forest.satori");
    r.mode = Some(UpdateKind::Refit);
    let e = update(&new, &r, &NoProgress).unwrap_err().to_string();
    assert!(e.contains("--mode window"), "{e}");
    let knn = trained("knn", &[]);
    let e = update(&new, &request(&knn, "knn.satori"), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no incremental update"), "{e}");
}

#[test]
fn windows_and_half_lives_weight_the_most_recent_rows() {
    let first = trained("gbm", &[("model.n_estimators", "20")]);
    let new = table(&batch_csv(2, 1000, false), "b2");
    let mut r = request(&first, "m.satori");
    r.window = Some(300);
    r.half_life = Some(HalfLife::parse("100").unwrap());
    let out = update(&new, &r, &NoProgress).unwrap();
    assert_eq!(out.n_train, 300);
    assert_eq!(out.header.n_train_samples, 300);
    assert_eq!(HalfLife::parse("2d").unwrap().0, 172_800.0);
    assert!(HalfLife::parse("-3").is_err());
    assert!(
        HalfLife::parse("3y")
            .unwrap_err()
            .to_string()
            .contains("unit")
    );
}

#[test]
fn bad_input_gets_one_line_errors() {
    let first = trained("gbm", &[("model.n_estimators", "10")]);
    // Columns that differ from the model's, named.
    let other = table(&batch_csv(1, 200, false).replace("x4", "x9"), "renamed.csv");
    let e = update(&other, &request(&first, "m.satori"), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("x4") && e.contains("x9"), "{e}");
    assert!(!e.contains('\n'));
    // A gate file without the target.
    let new = table(&batch_csv(1, 300, false), "b1");
    let mut r = request(&first, "m.satori");
    let gate_text: String = batch_csv(1, 100, false)
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n")
        .collect();
    r.validation = Some(table(&gate_text, "gate.csv"));
    let e = update(&new, &r, &NoProgress).unwrap_err().to_string();
    assert!(e.contains("gate file gate.csv has no column `y`"), "{e}");
    // New rows without the target.
    let e = update(
        &table(&gate_text, "nolabel.csv"),
        &request(&first, "m.satori"),
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("nolabel.csv has no column `y`"), "{e}");
    // A time column that is not there.
    let mut r = request(&first, "m.satori");
    r.time_column = Some("when".into());
    assert!(update(&new, &r, &NoProgress).is_err());
}
