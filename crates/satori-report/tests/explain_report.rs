//! The explanation report's pictures on constructed inputs: every picture is well-formed SVG,
//! shows what it claims (bars in importance order, one dot per row and column, the waterfall's
//! steps from the base value to the prediction, the dependence plot coloured by the interacting
//! column), bad input is an error, and the page renders in headless Chromium when one is
//! present (tests/browser/check_explain_report.sh; required where `CI` is set).

mod explain_sample;

use std::path::{Path, PathBuf};
use std::process::Command;

use satori_report::explain::{
    beeswarm_svg, dependence_svg, force_svg, importance_svg, pdp_svg, strongest_interaction,
    waterfall_svg,
};
use satori_report::{ExplainReportInput, render_explain_report};

fn parse(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed SVG: {e}\n{svg}"))
}

fn count(doc: &roxmltree::Document<'_>, tag: &str) -> usize {
    doc.descendants().filter(|n| n.has_tag_name(tag)).count()
}

#[test]
fn importance_bars_follow_the_ranking_and_negative_ones_point_left() {
    let imp = explain_sample::importances();
    let svg = importance_svg(&imp).unwrap();
    let doc = parse(&svg);
    let bars: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("bar"))
        .collect();
    let order: Vec<&str> = bars
        .iter()
        .map(|b| b.attribute("data-column").unwrap())
        .collect();
    assert_eq!(order, ["bmi", "s5", "bp", "age", "sex"]);
    let rect_x = |b: &roxmltree::Node<'_, '_>| -> (f64, f64) {
        let r = b.children().find(|c| c.has_tag_name("rect")).unwrap();
        let x: f64 = r.attribute("x").unwrap().parse().unwrap();
        let w: f64 = r.attribute("width").unwrap().parse().unwrap();
        (x, x + w)
    };
    // `sex` (negative) ends where `bmi` (positive) starts: at zero.
    let (_, sex_end) = rect_x(&bars[4]);
    let (bmi_start, bmi_end) = rect_x(&bars[0]);
    assert!((sex_end - bmi_start).abs() < 0.2, "{sex_end} {bmi_start}");
    assert!(bmi_end > rect_x(&bars[1]).1);
    assert!(svg.contains("decrease in r2"));
    let mut bad = imp.clone();
    bad.mean[0] = f64::NAN;
    assert!(importance_svg(&bad).is_err());
}

#[test]
fn partial_dependence_draws_curves_points_and_heat_maps() {
    let p1 = explain_sample::pdp_1d();
    let doc_svg = pdp_svg(&p1, 0).unwrap();
    let doc = parse(&doc_svg);
    let ice = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("ice"))
        .count();
    assert_eq!(ice, 40);
    assert_eq!(
        doc.descendants()
            .filter(|n| n.attribute("class") == Some("pd"))
            .count(),
        1
    );
    let p2 = explain_sample::pdp_2d();
    for k in 0..2 {
        let svg = pdp_svg(&p2, k).unwrap();
        let doc = parse(&svg);
        let cells = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("cell"))
            .count();
        assert_eq!(cells, 36);
        assert!(svg.contains("Torgersen") && svg.contains("island"));
    }
    assert!(pdp_svg(&p2, 2).is_err());
}

#[test]
fn shap_pictures_show_every_row_and_add_up() {
    let e = explain_sample::explanation();
    assert!(e.additivity_error() < 1e-9);
    let svg = beeswarm_svg(&e, 0).unwrap();
    let doc = parse(&svg);
    let swarms: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("swarm"))
        .collect();
    // Columns by mean |SHAP|: a (3·a plus half the interaction), b, c, then d (all zero).
    let order: Vec<&str> = swarms
        .iter()
        .map(|s| s.attribute("data-column").unwrap())
        .collect();
    assert_eq!(order, ["a", "b", "c", "d"]);
    for s in &swarms {
        assert_eq!(
            s.children().filter(|c| c.has_tag_name("circle")).count(),
            120
        );
    }
    // Dots are coloured by value: the row with the largest `b` is red-most.
    assert!(svg.contains("#ff0052") || svg.contains("#fe0052") || svg.contains("#fd0053"));

    let row = 5;
    let w = waterfall_svg(&e, row, 0).unwrap();
    let doc = parse(&w);
    assert_eq!(
        doc.descendants()
            .filter(|n| n.attribute("class") == Some("step"))
            .count(),
        4
    );
    let fx = e.raw_predictions[[row, 0]];
    let shown = format!("{fx:.3}");
    let shown = shown.trim_end_matches('0').trim_end_matches('.');
    assert!(w.contains(&format!("f(x) = {shown}")), "{shown}\n{w}");
    assert!(waterfall_svg(&e, 500, 0).is_err());

    // The force plot: one segment per column that moves the prediction, lengths in proportion
    // to the contributions, up-pushers red and down-pushers blue, ending at f(x).
    let f = force_svg(&e, row, 0).unwrap();
    let doc = parse(&f);
    let segments: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("force"))
        .collect();
    let moving = (0..e.columns.len())
        .filter(|&j| e.values[[row, j, 0]] != 0.0)
        .count();
    assert_eq!(segments.len(), moving);
    let widths: f64 = segments
        .iter()
        .map(|g| {
            let r = g.children().find(|c| c.has_tag_name("rect")).unwrap();
            r.attribute("width").unwrap().parse::<f64>().unwrap()
        })
        .sum();
    let total: f64 = (0..e.columns.len())
        .map(|j| e.values[[row, j, 0]].abs())
        .sum();
    assert!(widths > 0.0 && total > 0.0);
    assert!(f.contains(&format!("f(x) = {shown}")), "{f}");
    assert!(force_svg(&e, 500, 0).is_err());

    // `a`'s effect depends on `c`: the dependence plot is coloured by `c`.
    assert_eq!(strongest_interaction(&e, 0, 0), Some(2));
    let d = dependence_svg(&e, 0, 0).unwrap();
    let doc = parse(&d);
    assert_eq!(count(&doc, "circle"), 120);
    assert!(d.contains(">c</text>"), "the colour bar names c");
    assert!(dependence_svg(&e, 9, 0).is_err());
}

#[test]
fn the_page_holds_every_section_and_refuses_an_empty_one() {
    let imp = explain_sample::importances();
    let p1 = explain_sample::pdp_1d();
    let e = explain_sample::explanation();
    let html = render_explain_report(&ExplainReportInput {
        title: "t <&>".into(),
        importances: Some(&imp),
        partial_dependence: vec![&p1],
        explanation: Some(&e),
        notes: vec!["n".into()],
    })
    .unwrap();
    for id in [
        "importance",
        "pdp-0",
        "shap-summary",
        "shap-waterfall",
        "shap-dependence",
    ] {
        assert!(html.contains(&format!("<section id=\"{id}\">")), "{id}");
    }
    assert!(html.contains("t &lt;&amp;&gt;"));
    assert!(html.contains("Content-Security-Policy"));
    // Importance, PDP, beeswarm, waterfall + force plot, dependence.
    assert_eq!(html.matches("<svg").count(), 6);
    assert!(render_explain_report(&ExplainReportInput::default()).is_err());
}

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser", "google-chrome"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

#[test]
fn explain_report_renders_in_headless_chromium() {
    let Some(chromium) = find_chromium() else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "CI is set and no chromium binary is on PATH: the explain report's browser check must \
             run in CI (set CHROMIUM=/path/to/chromium)"
        );
        println!(
            "SKIPPED explain_report_renders_in_headless_chromium: no chromium binary on PATH \
             (apt-get install chromium, or set CHROMIUM=/path/to/chromium)"
        );
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = tempfile::tempdir().unwrap();
    let result = Command::new("bash")
        .arg(root.join("tests/browser/check_explain_report.sh"))
        .arg(out.path())
        .current_dir(&root)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("cannot run bash");
    let stdout = String::from_utf8_lossy(&result.stdout);
    let stderr = String::from_utf8_lossy(&result.stderr);
    println!("{stdout}");
    assert!(
        result.status.success(),
        "browser check failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("check_explain_report: OK"), "{stdout}");
    let shot = std::fs::read(out.path().join("shot-explain.png")).unwrap();
    assert!(shot.starts_with(&satori_report::PNG_SIGNATURE));
}
