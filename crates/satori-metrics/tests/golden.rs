//! Golden tests against scikit-learn 1.9.1: `tests/golden/metrics/generate.py` writes
//! `expected.json`; every value must agree to 1e-12 relative difference, curve thresholds
//! exactly, and every case where scikit-learn raises (or reports the metric undefined) must be
//! an `Err` here.

use ndarray::{Array1, Array2};
use satori_metrics as m;
use serde_json::Value;

const RTOL: f64 = 1e-12;

fn load() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/golden/metrics/expected.json"
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

fn mat(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().expect("rows").iter().map(vec_f).collect();
    let (r, c) = (rows.len(), rows[0].len());
    Array2::from_shape_vec((r, c), rows.concat()).expect("rectangular")
}

fn weights(case: &Value) -> Option<Array1<f64>> {
    let w = &case["sample_weight"];
    (!w.is_null()).then(|| Array1::from(vec_f(w)))
}

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= RTOL * a.abs().max(b.abs())
}

struct Checker {
    checked: usize,
    inexact: usize,
    failures: Vec<String>,
}

impl Checker {
    fn scalar(&mut self, ctx: &str, expected: &Value, got: satori_core::Result<f64>) {
        self.checked += 1;
        match (expected.get("error"), got) {
            (Some(_), Err(_)) => {}
            (Some(e), Ok(v)) => self
                .failures
                .push(format!("{ctx}: expected error {e}, got {v}")),
            (None, Err(e)) => self
                .failures
                .push(format!("{ctx}: expected {expected}, got {e}")),
            (None, Ok(v)) => {
                let want = num(expected);
                if want != v && !(want.is_nan() && v.is_nan()) {
                    self.inexact += 1;
                }
                if !close(want, v) {
                    self.failures
                        .push(format!("{ctx}: expected {want:e}, got {v:e}"));
                }
            }
        }
    }

    fn array(&mut self, ctx: &str, expected: &[f64], got: &[f64], exact: bool) {
        self.checked += 1;
        if expected.len() != got.len() {
            self.failures.push(format!(
                "{ctx}: length {} vs {}: {expected:?} vs {got:?}",
                expected.len(),
                got.len()
            ));
            return;
        }
        for (i, (a, b)) in expected.iter().zip(got).enumerate() {
            if a != b && !(a.is_nan() && b.is_nan()) {
                self.inexact += 1;
            }
            let ok = if exact {
                a == b || (a.is_nan() && b.is_nan())
            } else {
                close(*a, *b)
            };
            if !ok {
                self.failures
                    .push(format!("{ctx}[{i}]: expected {a:e}, got {b:e}"));
                return;
            }
        }
    }

    fn expect_err<T: std::fmt::Debug>(
        &mut self,
        ctx: &str,
        expected: &Value,
        got: &satori_core::Result<T>,
    ) -> bool {
        self.checked += 1;
        match (expected.get("error"), got) {
            (Some(_), Err(_)) => false,
            (Some(e), Ok(v)) => {
                self.failures
                    .push(format!("{ctx}: expected error {e}, got {v:?}"));
                false
            }
            (None, Err(e)) => {
                self.failures.push(format!("{ctx}: unexpected error {e}"));
                false
            }
            (None, Ok(_)) => true,
        }
    }
}

fn zd(s: &str) -> m::ZeroDivision {
    match s {
        "warn" => m::ZeroDivision::Warn,
        "zero" => m::ZeroDivision::Zero,
        "one" => m::ZeroDivision::One,
        _ => m::ZeroDivision::Nan,
    }
}

fn average(s: &str) -> m::Average {
    match s {
        "micro" => m::Average::Micro,
        "macro" => m::Average::Macro,
        "weighted" => m::Average::Weighted,
        b => m::Average::Binary {
            pos_label: b[6..].parse().expect("binary<pos>"),
        },
    }
}

fn label_cases(c: &mut Checker, cases: &Value) {
    for case in cases.as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let k = case["n_classes"].as_u64().expect("k") as usize;
        let (t, p) = (vec_u(&case["y_true"]), vec_u(&case["y_pred"]));
        let w = weights(case);
        let d = LabelData {
            t: t.view(),
            p: p.view(),
            k,
            wv: w.as_ref().map(|w| w.view()),
        };
        for r in case["results"].as_array().expect("results") {
            let ctx: String = format!("{name}/{r}").chars().take(160).collect();
            label_result(c, &ctx, r, &d);
        }
    }
}

struct LabelData<'a> {
    t: ndarray::ArrayView1<'a, usize>,
    p: ndarray::ArrayView1<'a, usize>,
    k: usize,
    wv: Option<ndarray::ArrayView1<'a, f64>>,
}

fn label_result(c: &mut Checker, ctx: &str, r: &Value, d: &LabelData<'_>) {
    let (t, p, k, wv) = (d.t, d.p, d.k, d.wv);
    let metric = r["metric"].as_str().expect("metric");
    let v = &r["value"];
    match metric {
        "accuracy" => c.scalar(ctx, v, m::accuracy(t, p, k, wv)),
        "balanced_accuracy" => {
            let adj = r["adjusted"].as_bool().expect("adjusted");
            c.scalar(ctx, v, m::balanced_accuracy(t, p, k, adj, wv));
        }
        "prf" => {
            let beta = num(&r["beta"]);
            let got = m::precision_recall_fscore(
                t,
                p,
                k,
                beta,
                average(r["average"].as_str().expect("avg")),
                zd(r["zero_division"].as_str().expect("zd")),
                wv,
            );
            if c.expect_err(ctx, v, &got) {
                let (a, b, f) = got.expect("checked");
                c.array(ctx, &vec_f(v), &[a, b, f], false);
            }
        }
        "prf_per_class" => {
            let got = m::precision_recall_fscore_per_class(
                t,
                p,
                k,
                num(&r["beta"]),
                zd(r["zero_division"].as_str().expect("zd")),
                wv,
            );
            if c.expect_err(ctx, v, &got) {
                let s = got.expect("checked");
                let parts = [&s.precision, &s.recall, &s.fscore, &s.support];
                for (want, have) in v.as_array().expect("4 arrays").iter().zip(parts) {
                    c.array(ctx, &vec_f(want), have, false);
                }
            }
        }
        "mcc" => c.scalar(ctx, v, m::matthews_corrcoef(t, p, k, wv)),
        "cohen_kappa" => {
            let kw = match r["weights"].as_str().expect("weights") {
                "linear" => m::KappaWeights::Linear,
                "quadratic" => m::KappaWeights::Quadratic,
                _ => m::KappaWeights::Unweighted,
            };
            c.scalar(ctx, v, m::cohen_kappa(t, p, k, kw, wv));
        }
        "confusion_matrix" => {
            let norm = match r["normalize"].as_str().expect("normalize") {
                "true" => m::Normalize::True,
                "pred" => m::Normalize::Pred,
                "all" => m::Normalize::All,
                _ => m::Normalize::None,
            };
            let got = m::confusion_matrix(t, p, k, norm, wv);
            if c.expect_err(ctx, v, &got) {
                let want = mat(v);
                let have = got.expect("checked");
                c.array(
                    ctx,
                    &want.iter().copied().collect::<Vec<_>>(),
                    &have.iter().copied().collect::<Vec<_>>(),
                    false,
                );
            }
        }
        "classification_report" => {
            let got =
                m::classification_report(t, p, k, zd(r["zero_division"].as_str().expect("zd")), wv);
            if c.expect_err(ctx, v, &got) {
                check_report(c, ctx, v, &got.expect("checked"));
            }
        }
        other => panic!("unknown label metric {other}"),
    }
}

fn row_vals(row: &Value) -> Vec<f64> {
    ["precision", "recall", "f1-score", "support"]
        .iter()
        .map(|k| num(&row[*k]))
        .collect()
}

fn check_report(c: &mut Checker, ctx: &str, v: &Value, rep: &m::ClassificationReport) {
    let r = |row: &m::ReportRow| vec![row.precision, row.recall, row.f1, row.support];
    for (class, row) in &rep.classes {
        c.array(ctx, &row_vals(&v[class.to_string()]), &r(row), false);
    }
    let n_rows = v.as_object().expect("dict").len();
    assert_eq!(n_rows, rep.classes.len() + 3, "{ctx}: report rows");
    c.array(ctx, &[num(&v["accuracy"])], &[rep.accuracy], false);
    c.array(ctx, &row_vals(&v["macro avg"]), &r(&rep.macro_avg), false);
    c.array(
        ctx,
        &row_vals(&v["weighted avg"]),
        &r(&rep.weighted_avg),
        false,
    );
}

fn score_cases(c: &mut Checker, cases: &Value) {
    for case in cases.as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let t = vec_u(&case["y_true"]);
        let s = Array1::from(vec_f(&case["y_score"]));
        let w = weights(case);
        let wv = w.as_ref().map(|w| w.view());
        let (t, s) = (t.view(), s.view());
        for r in case["results"].as_array().expect("results") {
            let metric = r["metric"].as_str().expect("metric");
            let ctx = format!(
                "{name}/{metric}/{}/{}",
                r["pos_label"], r["drop_intermediate"]
            );
            let v = &r["value"];
            let pos = r["pos_label"].as_u64().expect("pos") as usize;
            match metric {
                "roc_curve" => {
                    let drop = r["drop_intermediate"].as_bool().expect("drop");
                    let got = m::roc_curve(t, s, pos, drop, wv);
                    if c.expect_err(&ctx, v, &got) {
                        let g = got.expect("checked");
                        c.array(&format!("{ctx}/fpr"), &vec_f(&v[0]), &g.fpr, false);
                        c.array(&format!("{ctx}/tpr"), &vec_f(&v[1]), &g.tpr, false);
                        c.array(&format!("{ctx}/thr"), &vec_f(&v[2]), &g.thresholds, true);
                    }
                }
                "pr_curve" => {
                    let drop = r["drop_intermediate"].as_bool().expect("drop");
                    let got = m::precision_recall_curve(t, s, pos, drop, wv);
                    if c.expect_err(&ctx, v, &got) {
                        let g = got.expect("checked");
                        c.array(
                            &format!("{ctx}/precision"),
                            &vec_f(&v[0]),
                            &g.precision,
                            false,
                        );
                        c.array(&format!("{ctx}/recall"), &vec_f(&v[1]), &g.recall, false);
                        c.array(&format!("{ctx}/thr"), &vec_f(&v[2]), &g.thresholds, true);
                    }
                }
                "roc_auc" => c.scalar(&ctx, v, m::roc_auc(t, s, pos, wv)),
                "average_precision" => c.scalar(&ctx, v, m::average_precision(t, s, pos, wv)),
                other => panic!("unknown score metric {other}"),
            }
        }
    }
}

fn class_average(s: &str) -> m::ClassAverage {
    match s {
        "macro" => m::ClassAverage::Macro,
        "weighted" => m::ClassAverage::Weighted,
        _ => m::ClassAverage::Micro,
    }
}

fn proba_cases(c: &mut Checker, cases: &Value) {
    for case in cases.as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let t = vec_u(&case["y_true"]);
        let p = mat(&case["y_proba"]);
        let w = weights(case);
        let wv = w.as_ref().map(|w| w.view());
        let (t, p) = (t.view(), p.view());
        for r in case["results"].as_array().expect("results") {
            let metric = r["metric"].as_str().expect("metric");
            let ctx = format!("{name}/{metric}/{}/{}", r["average"], r["k"]);
            let v = &r["value"];
            let avg = || class_average(r["average"].as_str().expect("average"));
            match metric {
                "log_loss" => c.scalar(&ctx, v, m::log_loss(t, p, wv)),
                "brier_score" => c.scalar(&ctx, v, m::brier_score(t, p, wv)),
                "top_k_accuracy" => {
                    let k = r["k"].as_u64().expect("k") as usize;
                    c.scalar(&ctx, v, m::top_k_accuracy(t, p, k, wv));
                }
                "roc_auc_ovr" => c.scalar(&ctx, v, m::roc_auc_ovr(t, p, avg(), wv)),
                "average_precision_multiclass" => {
                    c.scalar(&ctx, v, m::average_precision_multiclass(t, p, avg(), wv));
                }
                "roc_auc_ovr_per_class" => {
                    let got = m::roc_auc_ovr_per_class(t, p, wv);
                    if c.expect_err(&ctx, v, &got) {
                        c.array(&ctx, &vec_f(v), &got.expect("checked"), false);
                    }
                }
                "roc_auc_ovo" => c.scalar(&ctx, v, m::roc_auc_ovo(t, p, avg())),
                other => panic!("unknown proba metric {other}"),
            }
        }
    }
}

fn binary_proba_cases(c: &mut Checker, cases: &Value) {
    for case in cases.as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let t = vec_u(&case["y_true"]);
        let p = Array1::from(vec_f(&case["y_prob"]));
        let w = weights(case);
        let wv = w.as_ref().map(|w| w.view());
        for r in case["results"].as_array().expect("results") {
            let metric = r["metric"].as_str().expect("metric");
            let ctx = format!("{name}/{metric}/{}", r["pos_label"]);
            let v = &r["value"];
            match metric {
                "log_loss_binary" => c.scalar(&ctx, v, m::log_loss_binary(t.view(), p.view(), wv)),
                "brier_score_binary" => {
                    let pos = r["pos_label"].as_u64().expect("pos") as usize;
                    c.scalar(&ctx, v, m::brier_score_binary(t.view(), p.view(), pos, wv));
                }
                other => panic!("unknown binary proba metric {other}"),
            }
        }
    }
}

fn regression_cases(c: &mut Checker, cases: &Value) {
    for case in cases.as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let t = Array1::from(vec_f(&case["y_true"]));
        let p = Array1::from(vec_f(&case["y_pred"]));
        let w = weights(case);
        let wv = w.as_ref().map(|w| w.view());
        let (t, p) = (t.view(), p.view());
        for r in case["results"].as_array().expect("results") {
            let metric = r["metric"].as_str().expect("metric");
            let ctx = format!("{name}/{metric}/{}", r["power"]);
            let v = &r["value"];
            let got = match metric {
                "mse" => m::mean_squared_error(t, p, wv),
                "rmse" => m::root_mean_squared_error(t, p, wv),
                "mae" => m::mean_absolute_error(t, p, wv),
                "medae" => m::median_absolute_error(t, p, wv),
                "mape" => m::mean_absolute_percentage_error(t, p, wv),
                "r2" => m::r2_score(t, p, wv),
                "explained_variance" => m::explained_variance(t, p, wv),
                "max_error" => m::max_error(t, p),
                "tweedie" => m::mean_tweedie_deviance(t, p, num(&r["power"]), wv),
                other => panic!("unknown regression metric {other}"),
            };
            c.scalar(&ctx, v, got);
        }
    }
}

#[test]
fn golden_metrics_match_scikit_learn() {
    let g = load();
    assert_eq!(
        g["versions"]["scikit-learn"], "1.9.1",
        "regenerate with the pinned venv"
    );
    let mut c = Checker {
        checked: 0,
        inexact: 0,
        failures: Vec::new(),
    };
    label_cases(&mut c, &g["label_cases"]);
    score_cases(&mut c, &g["score_cases"]);
    proba_cases(&mut c, &g["proba_cases"]);
    binary_proba_cases(&mut c, &g["binary_proba_cases"]);
    regression_cases(&mut c, &g["regression_cases"]);
    eprintln!(
        "{} golden checks, {} values not bit-identical",
        c.checked, c.inexact
    );
    assert!(c.checked > 1000, "only {} checks ran", c.checked);
    assert!(
        c.failures.is_empty(),
        "{} of {} checks failed:\n{}",
        c.failures.len(),
        c.checked,
        c.failures.join("\n")
    );
}
