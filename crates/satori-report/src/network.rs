//! A diagram of a neural network (Keras' `plot_model(show_shapes=True)`): one box per layer,
//! input at the top, each with its type, output shape, activation and parameter count, joined by
//! arrows — a standalone SVG, and the picture the training report shows for a network.

use std::fmt::Write as _;

use satori_explain::NetworkSummary;

const BOX_W: f64 = 360.0;
const BOX_H: f64 = 46.0;
const GAP: f64 = 26.0;
const TOP: f64 = 40.0;
const FOOT: f64 = 44.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The fill of a layer's box by its type.
fn fill(kind: &str) -> &'static str {
    match kind {
        "InputLayer" => "#e8f1fb",
        "Dense" => "#fdf1dc",
        "BatchNormalization" => "#eef7e9",
        "Activation" => "#f4ecf7",
        _ => "#f2f2f2",
    }
}

/// The network as an SVG picture (layers top to bottom, with totals under the last one).
pub fn network_svg(s: &NetworkSummary) -> String {
    let n = s.layers.len();
    let w = BOX_W + 80.0;
    let h = TOP + n as f64 * BOX_H + n.saturating_sub(1) as f64 * GAP + FOOT;
    let x0 = (w - BOX_W) / 2.0;
    let mut out = String::new();
    let title = format!("{}: {} layers", s.model, n);
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" \
viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" \
font-size=\"12\" role=\"img\"><title>{}</title>",
        esc(&title)
    );
    let _ = writeln!(out, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let _ = writeln!(
        out,
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" \
markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>"
    );
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" \
font-weight=\"bold\">{}</text>",
        w / 2.0,
        esc(&s.model)
    );
    for (i, l) in s.layers.iter().enumerate() {
        let y = TOP + i as f64 * (BOX_H + GAP);
        let _ = writeln!(
            out,
            "<g class=\"layer\"><rect x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{BOX_W:.0}\" \
height=\"{BOX_H:.0}\" rx=\"6\" fill=\"{}\" stroke=\"#555\"/>",
            fill(&l.kind)
        );
        let head = match &l.activation {
            Some(a) => format!("{} ({}, {a})", l.name, l.kind),
            None => format!("{} ({})", l.name, l.kind),
        };
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-weight=\"bold\">{}</text>",
            x0 + 10.0,
            y + 19.0,
            esc(&head)
        );
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#333\">output (None, {})</text>\
<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#333\">{} params</text></g>",
            x0 + 10.0,
            y + 37.0,
            l.output_width,
            x0 + BOX_W - 10.0,
            y + 37.0,
            grouped(l.params)
        );
        if i + 1 < n {
            let (x, y1) = (w / 2.0, y + BOX_H);
            let _ = writeln!(
                out,
                "<line x1=\"{x:.1}\" y1=\"{y1:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#555\" \
marker-end=\"url(#arrow)\"/>",
                y1 + GAP - 2.0
            );
        }
    }
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#333\">{} parameters \
({} trainable, {} not)</text>",
        w / 2.0,
        h - 16.0,
        grouped(s.total_params),
        grouped(s.trainable_params),
        grouped(s.non_trainable_params)
    );
    out.push_str("</svg>\n");
    out
}

fn grouped(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use satori_explain::LayerSummary;

    fn layer(name: &str, kind: &str, width: usize, params: usize) -> LayerSummary {
        LayerSummary {
            name: name.into(),
            kind: kind.into(),
            output_width: width,
            params,
            trainable: params,
            activation: (kind == "Dense").then(|| "relu".to_string()),
        }
    }

    #[test]
    fn one_box_per_layer_joined_by_arrows_with_shapes_and_counts() {
        let s = NetworkSummary {
            model: "mlp_classifier".into(),
            layers: vec![
                layer("input", "InputLayer", 13, 0),
                layer("dense", "Dense", 64, 896),
                layer("dense_1", "Dense", 3, 195),
            ],
            total_params: 1091,
            trainable_params: 1091,
            non_trainable_params: 0,
        };
        let svg = network_svg(&s);
        assert_eq!(svg.matches("<g class=\"layer\">").count(), 3);
        assert_eq!(svg.matches("marker-end=\"url(#arrow)\"").count(), 2);
        assert!(svg.contains("output (None, 64)"), "{svg}");
        assert!(svg.contains("896 params"));
        assert!(svg.contains("dense (Dense, relu)"));
        assert!(svg.contains("1,091 parameters (1,091 trainable, 0 not)"));
        // Well-formed: every opened element closes (a cheap check; the browser check renders it).
        assert_eq!(svg.matches("<g ").count(), svg.matches("</g>").count());
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
