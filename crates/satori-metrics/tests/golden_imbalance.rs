//! Golden tests against imbalanced-learn 0.14.2: `tests/golden/metrics_imbalance/generate.py`
//! writes `expected.json`; every value must agree to 1e-15 relative difference (most are
//! bit-identical), the reports' text exactly, and every case where imbalanced-learn raises must
//! be an `Err` here.

use ndarray::Array1;
use satori_metrics as m;
use satori_metrics::{Average, GeometricMeanAverage as Gm, IndexBalancedAccuracy, ZeroDivision};
use serde_json::Value;

const RTOL: f64 = 1e-15;

fn load() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/golden/metrics_imbalance/expected.json"
    );
    let text = std::fs::read_to_string(path).expect("golden file exists (run generate.py)");
    serde_json::from_str(&text).expect("golden file is JSON")
}

fn num(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().expect("number"),
        Value::String(s) if s == "nan" => f64::NAN,
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        other => panic!("not a number: {other}"),
    }
}

fn vec_f(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(num).collect()
}

fn vec_u(v: &Value) -> Array1<usize> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_u64().expect("code") as usize)
        .collect()
}

struct Checker {
    checked: usize,
    inexact: usize,
    failures: Vec<String>,
}

impl Checker {
    fn value(&mut self, ctx: &str, want: f64, got: f64) {
        self.checked += 1;
        if want.to_bits() != got.to_bits() && !(want.is_nan() && got.is_nan()) {
            self.inexact += 1;
        }
        let ok = (want.is_nan() && got.is_nan())
            || want == got
            || (want - got).abs() <= RTOL * want.abs().max(got.abs());
        if !ok {
            self.failures
                .push(format!("{ctx}: expected {want:e}, got {got:e}"));
        }
    }

    fn scalar(&mut self, ctx: &str, expected: &Value, got: satori_core::Result<f64>) {
        match (expected.get("error"), got) {
            (Some(_), Err(_)) => self.checked += 1,
            (Some(e), Ok(v)) => self
                .failures
                .push(format!("{ctx}: expected error {e}, got {v}")),
            (None, Err(e)) => self
                .failures
                .push(format!("{ctx}: expected {expected}, got {e}")),
            (None, Ok(v)) => self.value(ctx, num(expected), v),
        }
    }

    fn vector(&mut self, ctx: &str, expected: &Value, got: &[f64]) {
        let want = vec_f(expected);
        if want.len() != got.len() {
            self.failures.push(format!(
                "{ctx}: expected {} values, got {}",
                want.len(),
                got.len()
            ));
            return;
        }
        for (i, (w, g)) in want.iter().zip(got).enumerate() {
            self.value(&format!("{ctx}[{i}]"), *w, *g);
        }
    }
}

fn average(name: &str) -> Average {
    match name {
        "binary" => Average::Binary { pos_label: 1 },
        "micro" => Average::Micro,
        "macro" => Average::Macro,
        "weighted" => Average::Weighted,
        other => panic!("unknown average {other}"),
    }
}

fn gm_average(name: &str) -> Gm {
    if name == "multiclass" {
        Gm::Multiclass
    } else {
        average(name).into()
    }
}

#[test]
fn golden_imbalance_metrics_match_imbalanced_learn() {
    let g = load();
    assert_eq!(
        g["versions"]["imbalanced-learn"], "0.14.2",
        "regenerate with the pinned venv"
    );
    let mut c = Checker {
        checked: 0,
        inexact: 0,
        failures: Vec::new(),
    };
    let mut texts = 0;
    for case in g["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let k = case["n_classes"].as_u64().expect("n_classes") as usize;
        let (t, p) = (vec_u(&case["y_true"]), vec_u(&case["y_pred"]));
        let w =
            (!case["sample_weight"].is_null()).then(|| Array1::from(vec_f(&case["sample_weight"])));
        let (t, p, wv) = (t.view(), p.view(), w.as_ref().map(|w| w.view()));

        let pc = &case["per_class"];
        let s = m::sensitivity_specificity_support(t, p, k, wv).expect("per class");
        c.vector(
            &format!("{name} sensitivity per class"),
            &pc["sensitivity"],
            &s.sensitivity,
        );
        c.vector(
            &format!("{name} specificity per class"),
            &pc["specificity"],
            &s.specificity,
        );
        c.vector(
            &format!("{name} support per class"),
            &pc["support"],
            &s.support,
        );
        let gpc = m::geometric_mean_per_class(t, p, k, wv).expect("gmean per class");
        c.vector(
            &format!("{name} gmean per class"),
            &pc["geometric_mean"],
            &gpc,
        );
        let ipc = IndexBalancedAccuracy::default()
            .geometric_mean_per_class(t, p, k, wv)
            .expect("iba per class");
        c.vector(&format!("{name} iba per class"), &pc["iba"], &ipc);

        for (avg, v) in case["sensitivity"].as_object().expect("sens") {
            let got = m::sensitivity_score(t, p, k, average(avg), wv);
            c.scalar(&format!("{name} sensitivity {avg}"), v, got);
        }
        for (avg, v) in case["specificity"].as_object().expect("spec") {
            let got = m::specificity_score(t, p, k, average(avg), wv);
            c.scalar(&format!("{name} specificity {avg}"), v, got);
        }
        for (avg, v) in case["geometric_mean"].as_object().expect("gmean") {
            let got = m::geometric_mean_score(t, p, k, gm_average(avg), 0.0, wv);
            c.scalar(&format!("{name} gmean {avg}"), v, got);
        }
        let got = m::geometric_mean_score(t, p, k, Gm::Multiclass, 0.001, wv);
        c.scalar(
            &format!("{name} gmean corrected"),
            &case["geometric_mean_corrected"],
            got,
        );
        for (key, v) in case["iba"].as_object().expect("iba") {
            let parts: Vec<&str> = key.split('_').collect();
            let iba = IndexBalancedAccuracy {
                alpha: parts[0].parse().expect("alpha"),
                squared: parts[1] == "True",
            };
            let got = iba.geometric_mean(t, p, k, gm_average(parts[2]), 0.0, wv);
            c.scalar(&format!("{name} iba {key}"), v, got);
        }

        for (key, alpha) in [("report", 0.1), ("report_alpha_0.3", 0.3)] {
            let r = m::classification_report_imbalanced(t, p, k, alpha, ZeroDivision::Warn, wv)
                .expect("report");
            let want = &case[key];
            let cols = ["pre", "rec", "spe", "f1", "geo", "iba", "sup"];
            for (cls, row) in &r.classes {
                let vals = [row.pre, row.rec, row.spe, row.f1, row.geo, row.iba, row.sup];
                for (col, v) in cols.iter().zip(vals) {
                    c.value(
                        &format!("{name} {key} class {cls} {col}"),
                        num(&want[cls.to_string()][col]),
                        v,
                    );
                }
            }
            let a = &r.avg;
            for (col, v) in cols[..6]
                .iter()
                .zip([a.pre, a.rec, a.spe, a.f1, a.geo, a.iba])
            {
                c.value(
                    &format!("{name} {key} avg {col}"),
                    num(&want[format!("avg_{col}")]),
                    v,
                );
            }
            c.value(
                &format!("{name} {key} total support"),
                num(&want["total_support"]),
                a.sup,
            );
            assert_eq!(
                want.as_object().expect("report dict").len(),
                r.classes.len() + 7,
                "{name} {key}: the report has other classes than imbalanced-learn's"
            );
        }
        for (key, digits, alpha) in [("report_text_2", 2, 0.1), ("report_text_4", 4, 0.3)] {
            let r = m::classification_report_imbalanced(t, p, k, alpha, ZeroDivision::Warn, wv)
                .expect("report");
            let text = r.to_text(digits, None).expect("text");
            let want = case[key].as_str().expect("text");
            if text != want {
                c.failures
                    .push(format!("{name} {key}: expected\n{want}\ngot\n{text}"));
            }
            texts += 1;
        }
    }
    eprintln!(
        "{} golden checks, {} values not bit-identical, {} report texts",
        c.checked, c.inexact, texts
    );
    assert!(c.checked > 500, "only {} checks ran", c.checked);
    assert!(
        c.failures.is_empty(),
        "{} of {} checks failed:\n{}",
        c.failures.len(),
        c.checked,
        c.failures.join("\n")
    );
}

#[test]
fn registry_knows_the_imbalance_metrics() {
    let y_true = Array1::from(vec![0usize, 0, 0, 0, 1, 1, 0, 2, 2, 2]);
    let y_pred = Array1::from(vec![0usize, 0, 1, 0, 1, 0, 0, 2, 1, 2]);
    let input = m::EvalInput::labels(y_true.view(), y_pred.view(), 3);
    let gm = m::metric_by_name("geometric_mean")
        .unwrap()
        .score(&input)
        .unwrap();
    let want = m::geometric_mean_score(y_true.view(), y_pred.view(), 3, Gm::Multiclass, 0.0, None)
        .unwrap();
    assert_eq!(gm, want);
    // recalls 4/5, 1/2, 2/3
    let expected = ((0.8f64).ln() + (0.5f64).ln() + (2.0f64 / 3.0).ln()) / 3.0;
    assert!((gm - expected.exp()).abs() < 1e-15);
    for name in [
        "sensitivity_macro",
        "specificity_weighted",
        "geometric_mean_macro",
        "index_balanced_accuracy",
    ] {
        let metric = m::metric_by_name(name).unwrap();
        assert!(metric.greater_is_better(), "{name}");
        let v = metric.score(&input).unwrap();
        assert!(v > 0.0 && v <= 1.0, "{name} = {v}");
    }
    // Binary names refuse three classes.
    assert!(
        m::metric_by_name("sensitivity")
            .unwrap()
            .score(&input)
            .is_err()
    );
    // Combinations work.
    let combo = m::metric_by_name("0.5*geometric_mean+0.5*sensitivity_macro").unwrap();
    assert!(combo.score(&input).unwrap() > 0.0);
}

#[test]
fn bad_parameters_are_errors() {
    let y = Array1::from(vec![0usize, 1, 1, 0]);
    assert!(m::geometric_mean_score(y.view(), y.view(), 2, Gm::Multiclass, -1.0, None).is_err());
    let iba = IndexBalancedAccuracy {
        alpha: f64::NAN,
        squared: true,
    };
    assert!(
        iba.geometric_mean(y.view(), y.view(), 2, Gm::Multiclass, 0.0, None)
            .is_err()
    );
    let r =
        m::classification_report_imbalanced(y.view(), y.view(), 2, 0.1, ZeroDivision::Warn, None)
            .unwrap();
    assert!(r.to_text(2, Some(&["a".to_string()])).is_err());
    let text = r
        .to_text(2, Some(&["no".to_string(), "yes".to_string()]))
        .unwrap();
    assert!(text.contains("        yes       1.00"), "{text}");
}
