//! The search report of `satori tune`: a self-contained page with every section, the best value
//! and every parameter; pictures that are valid SVG; odd searches (one trial, every trial but one
//! failed, a parameter that never varies, NaN) give a picture or a sentence, never a panic.

use std::collections::BTreeMap;

use satori_core::rng::{RngExt, rng};
use satori_report::{
    TUNE_PICTURE_NAMES, TuneReportInput, render_tune_report, slice_chart, tune_importances,
    tune_report_charts,
};
use satori_tune::{Direction, SearchSpace, TrialRecord, TrialState, TuneOutcome};
use serde_json::Value;

const SPECS: [&str; 4] = [
    "model.learning_rate=float(0.001,1,log)",
    "model.max_depth=int(1,10)",
    "model.boosting=choice(gbdt,dart)",
    "model.drop_rate=float(0.05,0.5) if model.boosting=dart",
];

/// The space's specs as `satori tune` records them (each parameter's display form).
fn space_specs() -> Vec<String> {
    SearchSpace::parse_specs(SPECS)
        .unwrap()
        .params()
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn record(number: u64, state: TrialState, params: BTreeMap<String, Value>) -> TrialRecord {
    TrialRecord {
        number,
        state,
        params,
        value: None,
        intermediate_values: BTreeMap::new(),
        duration_s: Some(1.5 + number as f64 / 10.0),
        fail_reason: None,
    }
}

/// A search of 40 trials over the space: the loss depends strongly on the learning rate, a
/// little on the depth; trials 5 and 17 are pruned (after reporting), trials 9 and 23 failed.
fn outcome() -> TuneOutcome {
    let mut r = rng(42);
    let mut trials = Vec::new();
    for n in 0..40u64 {
        let lr = (r.random::<f64>() * 1000f64.ln()).exp() * 0.001;
        let depth: i64 = r.random_range(1..=10);
        let dart = r.random::<f64>() < 0.5;
        let mut params = BTreeMap::new();
        params.insert("model.learning_rate".to_string(), Value::from(lr.min(1.0)));
        params.insert("model.max_depth".to_string(), Value::from(depth));
        params.insert(
            "model.boosting".to_string(),
            Value::from(if dart { "dart" } else { "gbdt" }),
        );
        if dart {
            params.insert("model.drop_rate".to_string(), Value::from(0.1));
        }
        let loss = 0.2 + (lr.log10() + 1.0).powi(2) * 0.1 + (depth as f64 - 6.0).abs() * 0.005;
        let mut t = record(n, TrialState::Complete, params);
        match n {
            5 | 17 => {
                t.state = TrialState::Pruned;
                t.intermediate_values = [(0, loss + 0.3), (1, loss + 0.2)].into();
            }
            9 | 23 => {
                t.state = TrialState::Failed;
                t.fail_reason = Some("the fit diverged <script>alert(1)</script>".into());
            }
            _ => {
                t.value = Some(loss);
                t.intermediate_values = [(0, loss + 0.2), (1, loss + 0.1), (2, loss)].into();
            }
        }
        trials.push(t);
    }
    finish(trials, Direction::Minimize)
}

/// An outcome of `trials`, its best the best complete trial (or the first trial).
fn finish(trials: Vec<TrialRecord>, direction: Direction) -> TuneOutcome {
    let best = trials
        .iter()
        .filter(|t| t.state == TrialState::Complete && t.value.is_some_and(f64::is_finite))
        .min_by(|a, b| {
            let (a, b) = (
                direction.loss(a.value.unwrap()),
                direction.loss(b.value.unwrap()),
            );
            a.total_cmp(&b)
        })
        .or(trials.first())
        .cloned()
        .unwrap_or_else(|| record(0, TrialState::Failed, BTreeMap::new()));
    let count = |s: TrialState| trials.iter().filter(|t| t.state == s).count();
    let counts = satori_tune::cv_search::StateCounts {
        complete: count(TrialState::Complete),
        pruned: count(TrialState::Pruned),
        failed: count(TrialState::Failed),
    };
    TuneOutcome {
        metric: "log_loss".into(),
        direction,
        space: space_specs(),
        trials,
        best,
        stopped_by: "trials".into(),
        evaluated_by: "3-fold cross-validation".into(),
        counts,
        seconds: 1.0,
    }
}

/// Nothing in the page can make the browser fetch or run anything.
fn assert_self_contained(html: &str) {
    let lower = html.to_lowercase();
    for bad in [
        "http://", "https://", "<script", "<link", "<iframe", "<img", "@import", "url(", " src=",
    ] {
        assert!(!lower.contains(bad), "the report contains `{bad}`");
    }
    assert!(lower.starts_with("<!doctype html>"));
    assert!(lower.contains("content-security-policy"));
}

/// Every inline SVG parses as XML; how many there are.
fn inline_svgs(html: &str) -> usize {
    let mut n = 0;
    let mut rest = html;
    while let Some(start) = rest.find("<svg ") {
        let end = rest[start..].find("</svg>").expect("unclosed <svg>") + start + "</svg>".len();
        roxmltree::Document::parse(&rest[start..end])
            .unwrap_or_else(|e| panic!("inline SVG {n} is not XML: {e}"));
        n += 1;
        rest = &rest[end..];
    }
    n
}

/// The texts of an SVG's `<text>` elements.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("invalid SVG: {e}"));
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().trim().to_string())
        .collect()
}

fn render(outcome: TuneOutcome) -> String {
    let mut input = TuneReportInput::new("search of iris", outcome, 0);
    input.data = Some("iris.csv (150 rows)".into());
    input.target = Some("species".into());
    input.model = Some("gbm_classifier".into());
    render_tune_report(&input).unwrap()
}

#[test]
fn the_page_has_every_section_the_best_value_and_every_parameter() {
    let o = outcome();
    let html = render(o.clone());
    assert_self_contained(&html);
    for id in [
        "summary",
        "leaderboard",
        "importances",
        "pictures",
        "history",
        "importance",
        "slice",
        "parallel",
        "intermediate",
        "failures",
    ] {
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "section #{id} missing"
        );
    }
    assert_eq!(inline_svgs(&html), TUNE_PICTURE_NAMES.len());
    let best = o.best.value.unwrap();
    assert!(html.contains(&format!("{best:.4}")), "best value {best:.4}");
    for p in [
        "model.learning_rate",
        "model.max_depth",
        "model.boosting",
        "model.drop_rate",
    ] {
        assert!(html.contains(p), "{p}");
    }
    for fact in [
        "iris.csv (150 rows)",
        "species",
        "gbm_classifier",
        "log_loss",
        "minimise",
        "40 (36 complete, 2 pruned, 2 failed)",
    ] {
        assert!(html.contains(fact), "{fact}");
    }
    // The failure reason is shown, escaped.
    assert!(html.contains("the fit diverged &lt;script&gt;"));
    assert!(!html.contains("not drawn"), "every picture drawn");
}

#[test]
fn importances_rank_the_learning_rate_first() {
    let imp = tune_importances(&outcome(), 0).unwrap();
    assert_eq!(imp[0].0, "model.learning_rate", "{imp:?}");
    let sum: f64 = imp.iter().map(|(_, v)| v).sum();
    assert!((sum - 1.0).abs() < 1e-9);
    assert_eq!(imp, tune_importances(&outcome(), 0).unwrap());
}

#[test]
fn the_page_is_the_same_for_a_seed() {
    assert_eq!(render(outcome()), render(outcome()));
}

#[test]
fn charts_are_valid_svg_and_named_in_page_order() {
    let o = outcome();
    let imp = tune_importances(&o, 0).unwrap();
    let charts = tune_report_charts(&o, Some(&imp)).unwrap();
    let names: Vec<&str> = charts.iter().map(|c| c.name).collect();
    assert_eq!(names, TUNE_PICTURE_NAMES);
    for c in &charts {
        let svg = c.chart.svg().unwrap();
        let texts = svg_texts(&svg);
        assert!(!texts.is_empty(), "{}", c.name);
        assert!(
            c.chart
                .png()
                .unwrap()
                .starts_with(&satori_report::PNG_SIGNATURE)
        );
    }
    let without = tune_report_charts(&o, None).unwrap();
    assert!(without.iter().all(|c| c.name != "importance"));
    assert_eq!(without.len(), TUNE_PICTURE_NAMES.len() - 1);

    // The parallel coordinates name every parameter; the importances the varying ones.
    let parallel = charts.iter().find(|c| c.name == "parallel").unwrap();
    let texts = svg_texts(&parallel.chart.svg().unwrap()).join("\n");
    for p in [
        "model.learning_rate",
        "model.max_depth",
        "model.boosting",
        "log_loss",
    ] {
        assert!(texts.contains(p), "{p} in\n{texts}");
    }
}

#[test]
fn slice_plots_use_log_and_category_axes() {
    let chart = slice_chart(&outcome()).unwrap();
    let texts = svg_texts(&chart.svg().unwrap());
    for t in [
        "gbdt",
        "dart",
        "0.01",
        "0.1",
        "model.learning_rate",
        "model.max_depth",
        "4",
    ] {
        assert!(texts.iter().any(|x| x == t), "tick `{t}` in {texts:?}");
    }
    assert!(texts.iter().any(|x| x.contains("log scale")));
}

#[test]
fn a_search_that_never_reported_has_no_intermediate_picture() {
    let mut o = outcome();
    for t in &mut o.trials {
        t.intermediate_values.clear();
    }
    let html = render(o.clone());
    assert!(!html.contains("id=\"intermediate\""));
    let charts = tune_report_charts(&o, None).unwrap();
    assert!(charts.iter().all(|c| c.name != "intermediate"));
}

/// Render the page and every chart; every SVG must parse.
fn survives(o: TuneOutcome) -> String {
    let html = render(o.clone());
    assert_self_contained(&html);
    inline_svgs(&html);
    let imp = tune_importances(&o, 0).ok();
    for c in tune_report_charts(&o, imp.as_deref()).unwrap() {
        svg_texts(&c.chart.svg().unwrap());
    }
    html
}

#[test]
fn one_trial_gives_pictures_and_a_sentence_for_the_importances() {
    let o = outcome();
    let one = finish(vec![o.trials[0].clone()], Direction::Minimize);
    let html = survives(one);
    assert!(html.contains("id=\"history\""));
    assert!(html.contains("id=\"slice\""));
    assert!(html.contains("Not computed"), "importances explained");
}

#[test]
fn every_trial_failed_but_one() {
    let mut o = outcome();
    for t in o.trials.iter_mut().skip(1) {
        t.state = TrialState::Failed;
        t.value = None;
        t.fail_reason = Some("out of memory".into());
    }
    let o = finish(o.trials, Direction::Maximize);
    let html = survives(o);
    assert!(html.contains("1 complete"));
    assert!(html.contains("out of memory"));
}

#[test]
fn no_trial_complete_and_no_trial_at_all() {
    let mut o = outcome();
    for t in &mut o.trials {
        t.state = TrialState::Failed;
        t.value = None;
    }
    let html = survives(finish(o.trials, Direction::Minimize));
    assert!(html.contains("No trial completed"));
    assert!(html.contains("not drawn"));
    let html = survives(finish(Vec::new(), Direction::Minimize));
    assert!(html.contains("the search has no trials"));
}

#[test]
fn a_parameter_that_never_varies() {
    let mut o = outcome();
    for t in &mut o.trials {
        t.params
            .insert("model.max_depth".to_string(), Value::from(4));
    }
    let html = survives(o.clone());
    let imp = tune_importances(&o, 0).unwrap();
    assert!(imp.iter().all(|(p, _)| p != "model.max_depth"), "{imp:?}");
    assert!(html.contains("model.max_depth"));
}

#[test]
fn nan_and_infinite_values_and_reports() {
    let mut o = outcome();
    o.trials[0].value = Some(f64::NAN);
    o.trials[1].value = Some(f64::INFINITY);
    o.trials[2].intermediate_values = [(0, f64::NAN), (1, 0.5)].into();
    o.trials[3].intermediate_values = [(0, f64::NAN)].into();
    o.best.value = Some(f64::NAN);
    survives(o);
}

#[test]
fn values_too_far_apart_for_an_axis_are_a_sentence() {
    let mut o = outcome();
    o.trials[0].value = Some(-1e308);
    o.trials[1].value = Some(1e308);
    let html = survives(o);
    assert!(html.contains("not drawn"));
}

#[test]
fn a_space_that_does_not_parse_and_values_outside_it() {
    let mut o = outcome();
    o.space = vec!["not a spec".into()];
    o.trials[4]
        .params
        .insert("model.extra".into(), Value::from("<b>x</b>"));
    let html = survives(o.clone());
    assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"));
    assert!(html.contains("Not computed"));

    // A choice value the space does not list, and a negative value on a log axis.
    let mut o = outcome();
    o.trials[6]
        .params
        .insert("model.boosting".into(), Value::from("goss"));
    o.trials[7]
        .params
        .insert("model.learning_rate".into(), Value::from(-1.0));
    survives(o);
}

#[test]
fn a_single_parameter_space() {
    let trials: Vec<TrialRecord> = (0..5u64)
        .map(|n| {
            let mut t = record(
                n,
                TrialState::Complete,
                [("x".to_string(), Value::from(n as f64))].into(),
            );
            t.value = Some((n as f64 - 2.0).powi(2));
            t
        })
        .collect();
    let mut o = finish(trials, Direction::Minimize);
    o.space = vec!["x=float(0,4)".into()];
    let imp = tune_importances(&o, 0).unwrap();
    assert_eq!(imp, vec![("x".to_string(), 1.0)]);
    survives(o);
}

#[test]
fn every_text_is_legible_and_on_the_picture() {
    let o = outcome();
    let imp = tune_importances(&o, 0).unwrap();
    for c in tune_report_charts(&o, Some(&imp)).unwrap() {
        let svg = c.chart.svg().unwrap();
        let (w, h) = c.chart.size();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        for n in doc.descendants().filter(|n| n.has_tag_name("text")) {
            let num = |a: &str| n.attribute(a).and_then(|v| v.parse::<f64>().ok());
            let size = num("font-size").unwrap_or_else(|| panic!("{}: no font-size", c.name));
            assert!(size >= 11.0, "{}: text {:?} at {size} px", c.name, n.text());
            let (x, y) = (num("x").unwrap(), num("y").unwrap());
            assert!(
                (0.0..=f64::from(w)).contains(&x) && (0.0..=f64::from(h)).contains(&y),
                "{}: text {:?} at ({x}, {y}) outside {w}×{h}",
                c.name,
                n.text()
            );
        }
    }
}
