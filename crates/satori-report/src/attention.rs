//! Attention heat maps of an FT-Transformer (token × token, per block and head and averaged) and
//! the self-contained HTML page that shows them.

use std::fmt::Write as _;

use satori_core::{Error, Result};

use crate::chart::{Chart, HeatmapPanel, Panel};

/// One attention map to draw: `tokens × tokens` probabilities, row-major (query token `i`
/// attends to key token `j` with `values[i * tokens + j]`).
#[derive(Debug, Clone, PartialEq)]
pub struct AttentionMap {
    /// The picture's title (e.g. "Block 1, head 3").
    pub title: String,
    /// The probabilities, row-major, each in [0, 1].
    pub values: Vec<f64>,
}

/// What [`render_attention_report`] shows.
#[derive(Debug, Clone, PartialEq)]
pub struct AttentionReport {
    /// The page's heading (e.g. the model file's name).
    pub title: String,
    /// One line under the heading (model kind, rows, tokens).
    pub subtitle: String,
    /// Token names, `[CLS]` first.
    pub tokens: Vec<String>,
    /// The map averaged over rows, blocks and heads.
    pub overall: AttentionMap,
    /// The mean map of every block and head.
    pub maps: Vec<AttentionMap>,
}

/// A token × token heat map of attention probabilities: rows are the attending (query) tokens,
/// columns the attended (key) tokens; the colour is the probability relative to the map's
/// largest, and large cells carry the probability as text.
pub fn attention_chart(tokens: &[String], map: &AttentionMap) -> Result<Chart> {
    let t = tokens.len();
    if t == 0 {
        return Err(Error::InvalidData("an attention map needs tokens".into()));
    }
    if map.values.len() != t * t {
        return Err(Error::ShapeMismatch {
            context: format!("attention map `{}` (tokens × tokens)", map.title),
            expected: t * t,
            got: map.values.len(),
        });
    }
    if let Some(v) = map
        .values
        .iter()
        .find(|v| !v.is_finite() || **v < 0.0 || **v > 1.0 + 1e-6)
    {
        return Err(Error::InvalidData(format!(
            "attention probabilities must be in [0, 1]; `{}` holds {v}",
            map.title
        )));
    }
    let max = map.values.iter().copied().fold(0.0f64, f64::max);
    let intensity = map
        .values
        .iter()
        .map(|v| if max > 0.0 { v / max } else { 0.0 })
        .collect();
    let text = map
        .values
        .iter()
        .map(|v| [format!("{v:.3}"), String::new()])
        .collect();
    let side = |base: u32| (base + 44 * t as u32).clamp(base.max(420), 1400);
    Chart::grid(
        map.title.clone(),
        vec![Panel::Heatmap(HeatmapPanel {
            x_label: "Attended token (key)".into(),
            y_label: "Attending token (query)".into(),
            row_labels: tokens.to_vec(),
            col_labels: tokens.to_vec(),
            intensity,
            text,
        })],
        1,
        (side(220).max(560), side(180)),
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One self-contained HTML page (inline CSS and SVG, no scripts, no network) with the overall
/// attention map, a table of how much `[CLS]` attends to each feature, and the map of every block
/// and head.
pub fn render_attention_report(input: &AttentionReport) -> Result<String> {
    let t = input.tokens.len();
    let overall = attention_chart(&input.tokens, &input.overall)?.svg()?;
    let mut figures = String::new();
    for m in &input.maps {
        let svg = attention_chart(&input.tokens, m)?.svg()?;
        let _ = writeln!(
            figures,
            "<figure>{svg}<figcaption>{}</figcaption></figure>",
            escape(&m.title)
        );
    }
    // The [CLS] row of the overall map: what the prediction reads from each feature token.
    let mut cls: Vec<(usize, f64)> = (1..t).map(|j| (j, input.overall.values[j])).collect();
    cls.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut rows = String::new();
    for (j, v) in cls {
        let _ = writeln!(
            rows,
            "<tr><td>{}</td><td class=\"num\">{v:.4}</td></tr>",
            escape(&input.tokens[j])
        );
    }
    Ok(format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="satori {version}">
<title>{title}</title>
<style>
body {{ margin: 0; font: 15px/1.5 "DejaVu Sans", Arial, sans-serif; color: #222; background: #fafafa; }}
header {{ background: #fff; border-bottom: 3px solid #1f77b4; padding: 20px 32px 14px; }}
header h1 {{ margin: 0 0 4px; font-size: 26px; font-weight: 600; }}
header p {{ margin: 0; color: #666; }}
main {{ max-width: 1160px; margin: 0 auto; padding: 8px 32px 40px; }}
section {{ background: #fff; border: 1px solid #e2e2e2; border-radius: 6px; padding: 16px 22px; margin: 18px 0; }}
h2 {{ font-size: 20px; margin: 0 0 12px; font-weight: 600; }}
table {{ border-collapse: collapse; font-size: 14px; }}
td {{ border-bottom: 1px solid #e2e2e2; padding: 4px 12px 4px 0; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; padding-left: 12px; }}
.pictures {{ display: flex; flex-wrap: wrap; gap: 18px; }}
figure {{ margin: 0; flex: 1 1 460px; max-width: 660px; }}
figure svg {{ width: 100%; height: auto; }}
figcaption {{ color: #666; font-size: 13px; }}
</style>
</head>
<body>
<header><h1>{title}</h1><p>{subtitle}</p></header>
<main>
<section id="overall"><h2>Attention, averaged over rows, blocks and heads</h2>
<p>Each row of a map is a distribution: how much the attending token (left) reads from each token (below). Colours are relative to the map's largest value.</p>
<div class="pictures"><figure class="wide">{overall}</figure></div>
</section>
<section id="cls"><h2>What [CLS] attends to</h2>
<p>The prediction is read from the [CLS] token; its row of the averaged map, largest first.</p>
<table>
{rows}</table>
</section>
<section id="heads"><h2>Every block and head (averaged over rows)</h2>
<div class="pictures">
{figures}</div>
</section>
</main>
</body>
</html>
"#,
        version = env!("CARGO_PKG_VERSION"),
        title = escape(&input.title),
        subtitle = escape(&input.subtitle),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Vec<String> {
        ["[CLS]", "age", "income<5k"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    fn map(title: &str) -> AttentionMap {
        AttentionMap {
            title: title.into(),
            values: vec![0.2, 0.5, 0.3, 0.1, 0.1, 0.8, 1.0, 0.0, 0.0],
        }
    }

    #[test]
    fn the_page_holds_every_map_as_valid_svg() {
        let page = render_attention_report(&AttentionReport {
            title: "model.satori".into(),
            subtitle: "ft_transformer_classifier, rows 0:10".into(),
            tokens: tokens(),
            overall: map("All blocks and heads"),
            maps: vec![map("Block 1, head 1"), map("Block 1, head 2")],
        })
        .unwrap();
        assert_eq!(page.matches("<svg").count(), 3);
        assert!(page.contains("income&lt;5k"));
        for part in page.split("<svg").skip(1) {
            let svg = format!("<svg{}", &part[..part.find("</svg>").unwrap() + 6]);
            let doc = roxmltree::Document::parse(&svg).unwrap();
            let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
            assert!(texts.iter().any(|t| t.contains("age")), "{texts:?}");
            // Three by three cells, each with a filled rectangle.
            let rects = doc.descendants().filter(|n| n.has_tag_name("rect")).count();
            assert!(rects >= 9, "{rects}");
        }
        // The [CLS] table lists features largest first.
        let age = page.find("<td>age</td>").unwrap();
        let inc = page.find("<td>income&lt;5k</td>").unwrap();
        assert!(age < inc);
    }

    #[test]
    fn bad_maps_are_errors() {
        let mut m = map("x");
        m.values.pop();
        assert!(attention_chart(&tokens(), &m).is_err());
        let mut m = map("x");
        m.values[0] = f64::NAN;
        assert!(attention_chart(&tokens(), &m).is_err());
        assert!(attention_chart(&[], &map("x")).is_err());
    }
}
