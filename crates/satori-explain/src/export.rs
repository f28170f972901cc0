//! Tree export: one [`FlatTree`] as Graphviz DOT, plain text or an SVG picture.
//!
//! DOT and text follow scikit-learn's `export_graphviz` and `export_text` character for
//! character (the golden test `tests/export_golden.rs` compares them on scikit-learn's own
//! trees): the same node labels (`feature <= threshold`, `criterion = impurity`,
//! `samples = n`, `value = …`, `class = …`), the same rounding (Python's `round` for thresholds
//! and impurities, numpy's `around` and array printing for values, `%.2f` in text), the same
//! fill colours. Two things scikit-learn's trees do not have are written in the same style:
//! a **category split** reads `colour in {red, blue}` (those codes go left, every other code
//! right), and, when [`ExportOptions::show_missing`] is on, the side **missing values** take
//! (`missing = left` in DOT and SVG, `(and missing)` after the branch in text).
//!
//! The SVG is drawn by a small layered layout of our own (leaves spaced evenly left to right,
//! each internal node centred over its children), so no Graphviz binary is needed.

use std::fmt::Write as _;

use satori_core::{Error, Result};
use satori_tree::{FlatTree, SplitRule};

/// What the node values of a tree mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeValues {
    /// Class proportions (decision trees, forests and AdaBoost classifiers): labels show
    /// `value` as weighted class counts and the majority `class`.
    Classes,
    /// Numbers (regression trees, boosting leaf scores).
    Numbers,
}

/// How a tree is written.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportOptions {
    /// What the values mean.
    pub values: TreeValues,
    /// One name per feature (`x[i]` in DOT and `feature_i` in text when absent).
    pub feature_names: Option<Vec<String>>,
    /// One name per class (classification; DOT omits the class line and text writes the class
    /// index when absent).
    pub class_names: Option<Vec<String>>,
    /// Per feature: the names of its category codes, used to write category splits.
    pub categories: Vec<Option<Vec<String>>>,
    /// The impurity's name in labels (`gini`, `entropy`, `squared_error`, …; `impurity` when
    /// unknown).
    pub criterion: String,
    /// Whether labels show the impurity.
    pub impurity: bool,
    /// Whether DOT and SVG nodes are filled with scikit-learn's colours (majority class, or
    /// value for regression).
    pub filled: bool,
    /// Digits after the point of thresholds, impurities and values in DOT and SVG.
    pub precision: usize,
    /// Digits after the point in text.
    pub decimals: usize,
    /// The deepest level written (DOT, SVG: deeper nodes are `(...)`; text: `truncated branch`).
    /// `None` writes every node in DOT and SVG and ten levels in text, scikit-learn's defaults.
    pub max_depth: Option<usize>,
    /// Whether to state where missing values go at each split.
    pub show_missing: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            values: TreeValues::Numbers,
            feature_names: None,
            class_names: None,
            categories: Vec::new(),
            criterion: "impurity".into(),
            impurity: true,
            filled: false,
            precision: 3,
            decimals: 2,
            max_depth: None,
            show_missing: false,
        }
    }
}

/// Python's `repr` of a float: the shortest string that reads back, positional for decimal
/// exponents in `-4..16`, else scientific (`1e-05`, `1.5e+16`).
pub fn py_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        let s = format!("{x}");
        if s.contains('.') { s } else { format!("{s}.0") }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

/// Python's `round(x, digits)`: the decimal rounding of the exact binary value (ties to even),
/// read back as a float.
pub fn py_round(x: f64, digits: usize) -> f64 {
    if !x.is_finite() {
        return x;
    }
    format!("{x:.digits$}").parse().unwrap_or(x)
}

/// numpy's `around(x, decimals)`: `rint(x · 10^d) / 10^d`.
fn np_around(x: f64, digits: usize) -> f64 {
    let f = 10f64.powi(digits as i32);
    (x * f).round_ties_even() / f
}

/// `str(np.array(words))` of a 1-D array printed with numpy's default line width (75): words
/// joined by spaces, wrapped onto lines that start with one space.
fn numpy_wrap(words: &[String]) -> String {
    const WIDTH: usize = 75 - 1;
    let prefix = " ";
    let mut s = String::new();
    let mut line = String::from(prefix);
    for (i, w) in words.iter().enumerate() {
        let needs_wrap = line.len() + w.len() > WIDTH && line.len() > prefix.len();
        if needs_wrap {
            s.push_str(line.trim_end());
            s.push('\n');
            line = prefix.to_string();
        }
        line.push_str(w);
        if i + 1 < words.len() {
            line.push(' ');
        }
    }
    s.push_str(&line);
    format!("[{}]", &s[prefix.len()..])
}

/// The `value = …` text of scikit-learn's labels: numpy's printing of the (already rounded)
/// values as byte strings, quotes and `b` prefixes stripped, line breaks written as `newline`.
fn label_values(formatted: Vec<String>, strip_brackets: bool, newline: &str) -> String {
    let words: Vec<String> = formatted.iter().map(|v| format!("b'{v}'")).collect();
    let text = numpy_wrap(&words)
        .replace("b'", "'")
        .replace("' '", ", ")
        .replace('\'', "");
    let text = if strip_brackets {
        text.replace(['[', ']'], "")
    } else {
        text
    };
    text.replace("\n ", newline)
}

/// scikit-learn's `_color_brew(n)`: `n` colours of equally spaced hues.
fn color_brew(n: usize) -> Vec<[u8; 3]> {
    let (s, v) = (0.75_f64, 0.9_f64);
    let c = s * v;
    let m = v - c;
    let step = 360.0 / n as f64;
    (0..n)
        .map(|i| {
            let h = (25.0 + i as f64 * step) as i64;
            let h_bar = h as f64 / 60.0;
            let x = c * (1.0 - ((h_bar % 2.0) - 1.0).abs());
            let table = [
                (c, x, 0.0),
                (x, c, 0.0),
                (0.0, c, x),
                (0.0, x, c),
                (x, 0.0, c),
                (c, 0.0, x),
                (c, x, 0.0),
            ];
            let (r, g, b) = table[(h_bar as usize).min(6)];
            [
                (255.0 * (r + m)) as u8,
                (255.0 * (g + m)) as u8,
                (255.0 * (b + m)) as u8,
            ]
        })
        .collect()
}

/// A tree with its export options, checked once.
struct Exporter<'a> {
    tree: &'a FlatTree,
    o: &'a ExportOptions,
    colors: Vec<[u8; 3]>,
    bounds: Option<(f64, f64)>,
}

impl<'a> Exporter<'a> {
    fn new(tree: &'a FlatTree, o: &'a ExportOptions) -> Result<Self> {
        tree.validate()?;
        if tree.n_nodes() == 0 {
            return Err(Error::InvalidData("the tree has no nodes".into()));
        }
        if let Some(names) = &o.feature_names
            && names.len() != tree.n_features()
        {
            return Err(Error::InvalidData(format!(
                "{} feature names for a tree of {} features",
                names.len(),
                tree.n_features()
            )));
        }
        if let (TreeValues::Classes, Some(names)) = (o.values, &o.class_names)
            && names.len() != tree.n_outputs()
        {
            return Err(Error::InvalidData(format!(
                "{} class names for a tree of {} classes",
                names.len(),
                tree.n_outputs()
            )));
        }
        let n_colors = match o.values {
            TreeValues::Classes => tree.n_outputs(),
            TreeValues::Numbers => 1,
        };
        let colors = color_brew(n_colors.max(1));
        let bounds = match o.values {
            TreeValues::Numbers if tree.n_outputs() == 1 => {
                let mut lo = f64::INFINITY;
                let mut hi = f64::NEG_INFINITY;
                for n in tree.reachable() {
                    let v = tree.value(n)[0];
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
                (lo != hi).then_some((lo, hi))
            }
            _ => None,
        };
        Ok(Exporter {
            tree,
            o,
            colors,
            bounds,
        })
    }

    fn feature_name(&self, f: usize, dot: bool) -> String {
        match &self.o.feature_names {
            Some(names) => names[f].clone(),
            None if dot => format!("x[{f}]"),
            None => format!("feature_{f}"),
        }
    }

    fn class_name(&self, k: usize) -> String {
        match &self.o.class_names {
            Some(names) => names[k].clone(),
            None => k.to_string(),
        }
    }

    /// The category names of codes in a split's set.
    fn category_set(&self, f: usize, codes: &[u32]) -> String {
        let names = self.o.categories.get(f).and_then(|c| c.as_ref());
        let words: Vec<String> = codes
            .iter()
            .map(|&c| match names.and_then(|n| n.get(c as usize)) {
                Some(name) => name.clone(),
                None => c.to_string(),
            })
            .collect();
        format!("{{{}}}", words.join(", "))
    }

    /// The fill colour of a node (scikit-learn's `get_fill_color`).
    fn fill_color(&self, node: u32) -> String {
        let value = self.tree.value(node);
        let (color, alpha) = match self.bounds {
            Some((lo, hi)) => (self.colors[0], (value[0] - lo) / (hi - lo)),
            None => {
                let best = argmax(value);
                let mut sorted = value.to_vec();
                sorted.sort_by(|a, b| b.total_cmp(a));
                let alpha = if sorted.len() == 1 {
                    0.0
                } else {
                    (sorted[0] - sorted[1]) / (1.0 - sorted[1])
                };
                (self.colors[best.min(self.colors.len() - 1)], alpha)
            }
        };
        let mix = |c: u8| -> u8 {
            (alpha * c as f64 + (1.0 - alpha) * 255.0)
                .round_ties_even()
                .clamp(0.0, 255.0) as u8
        };
        format!(
            "#{:02x}{:02x}{:02x}",
            mix(color[0]),
            mix(color[1]),
            mix(color[2])
        )
    }

    /// The split line of an internal node (without line break).
    fn split_text(&self, node: u32, dot: bool) -> Option<String> {
        let f = self.tree.feature(node)?;
        let name = self.feature_name(f, dot);
        Some(match self.tree.rule(node)? {
            SplitRule::Threshold(t) => {
                format!("{name} <= {}", py_repr(py_round(t, self.o.precision)))
            }
            SplitRule::Categories(codes) => format!("{name} in {}", self.category_set(f, &codes)),
        })
    }

    /// The label lines of a node, scikit-learn's `node_to_str` (lines joined by the caller).
    fn label_lines(&self, node: u32, newline: &str) -> Vec<String> {
        let p = self.o.precision;
        let mut lines = Vec::new();
        if let Some(split) = self.split_text(node, true) {
            lines.push(split);
            if self.o.show_missing {
                let side = if self.tree.missing_left(node) {
                    "left"
                } else {
                    "right"
                };
                lines.push(format!("missing = {side}"));
            }
        }
        let stats = self.tree.stats(node);
        if self.o.impurity {
            lines.push(format!(
                "{} = {}",
                self.o.criterion,
                py_repr(py_round(stats.impurity, p))
            ));
        }
        lines.push(format!("samples = {}", stats.n_samples));
        let value = self.tree.value(node);
        let text = match self.o.values {
            TreeValues::Classes => {
                let counts: Vec<f64> = value.iter().map(|v| v * stats.weight).collect();
                let words = if counts.iter().all(|c| c % 1.0 == 0.0) {
                    counts.iter().map(|c| format!("{}", *c as i64)).collect()
                } else {
                    counts.iter().map(|c| py_repr(np_around(*c, p))).collect()
                };
                label_values(words, false, newline)
            }
            TreeValues::Numbers => {
                let words = value.iter().map(|v| py_repr(np_around(*v, p))).collect();
                label_values(words, value.len() == 1, newline)
            }
        };
        lines.push(format!("value = {text}"));
        if self.o.values == TreeValues::Classes && self.o.class_names.is_some() {
            lines.push(format!("class = {}", self.class_name(argmax(value))));
        }
        lines
    }

    fn dot(&self) -> String {
        let mut out = String::from("digraph Tree {\nnode [shape=box");
        if self.o.filled {
            out.push_str(", style=\"filled\", color=\"black\"");
        }
        out.push_str(", fontname=\"helvetica\"] ;\nedge [fontname=\"helvetica\"] ;\n");
        // Depth-first, left before right, as scikit-learn writes it.
        let mut stack: Vec<(u32, Option<u32>, usize, bool)> = vec![(0, None, 0, false)];
        while let Some((node, parent, depth, is_left)) = stack.pop() {
            let shown = self.o.max_depth.is_none_or(|m| depth <= m);
            if shown {
                let label = self
                    .label_lines(node, "\\n")
                    .join("\\n")
                    .replace('"', "\\\"");
                let _ = write!(out, "{node} [label=\"{label}\"");
                if self.o.filled {
                    let _ = write!(out, ", fillcolor=\"{}\"", self.fill_color(node));
                }
                out.push_str("] ;\n");
                if let Some(p) = parent {
                    let _ = write!(out, "{p} -> {node}");
                    if p == 0 {
                        if is_left {
                            out.push_str(" [labeldistance=2.5, labelangle=45, headlabel=\"True\"]");
                        } else {
                            out.push_str(
                                " [labeldistance=2.5, labelangle=-45, headlabel=\"False\"]",
                            );
                        }
                    }
                    out.push_str(" ;\n");
                }
                if let Some((l, r)) = self.tree.children(node) {
                    stack.push((r, Some(node), depth + 1, false));
                    stack.push((l, Some(node), depth + 1, true));
                }
            } else {
                let _ = write!(out, "{node} [label=\"(...)\"");
                if self.o.filled {
                    out.push_str(", fillcolor=\"#C0C0C0\"");
                }
                out.push_str("] ;\n");
                if let Some(p) = parent {
                    let _ = writeln!(out, "{p} -> {node} ;");
                }
            }
        }
        out.push('}');
        out
    }

    /// The depth of the subtree under `node` (a leaf counts 1), scikit-learn's `_compute_depth`.
    fn subtree_depth(&self, node: u32) -> usize {
        match self.tree.children(node) {
            Some((l, r)) => 1 + self.subtree_depth(l).max(self.subtree_depth(r)),
            None => 1,
        }
    }

    fn text(&self) -> String {
        let max_depth = self.o.max_depth.unwrap_or(10);
        let d = self.o.decimals;
        let mut out = String::new();
        let mut stack: Vec<(u32, usize, Option<String>)> = vec![(0, 1, None)];
        // Items are either a node to write, or a branch line (written before its subtree).
        while let Some((node, depth, branch)) = stack.pop() {
            let indent = {
                let full = "|   ".repeat(depth);
                format!("{}---", &full[..full.len() - 3])
            };
            if let Some(line) = branch {
                let _ = writeln!(out, "{indent} {line}");
                continue;
            }
            let leaf_line = |out: &mut String| {
                let value = self.tree.value(node);
                match self.o.values {
                    TreeValues::Classes => {
                        let _ = writeln!(out, "{indent} class: {}", self.class_name(argmax(value)));
                    }
                    TreeValues::Numbers => {
                        let vals: Vec<String> = value.iter().map(|v| format!("{v:.d$}")).collect();
                        let _ = writeln!(out, "{indent} value: [{}]", vals.join(", "));
                    }
                }
            };
            if depth <= max_depth + 1 {
                match (self.tree.children(node), self.tree.feature(node)) {
                    (Some((l, r)), Some(f)) => {
                        let name = self.feature_name(f, false);
                        let miss_left = self.tree.missing_left(node);
                        let note = |left: bool| {
                            if self.o.show_missing && left == miss_left {
                                " (and missing)"
                            } else {
                                ""
                            }
                        };
                        let (left_line, right_line) = match self.tree.rule(node) {
                            Some(SplitRule::Categories(codes)) => {
                                let set = self.category_set(f, &codes);
                                (
                                    format!("{name} in {set}{}", note(true)),
                                    format!("{name} not in {set}{}", note(false)),
                                )
                            }
                            rule => {
                                let t = match rule {
                                    Some(SplitRule::Threshold(t)) => t,
                                    _ => 0.0,
                                };
                                let t = format!("{t:.d$}");
                                (
                                    format!("{name} <= {t}{}", note(true)),
                                    format!("{name} >  {t}{}", note(false)),
                                )
                            }
                        };
                        // Pushed in reverse: left branch line, left subtree, right line, right.
                        stack.push((r, depth + 1, None));
                        stack.push((r, depth, Some(right_line)));
                        stack.push((l, depth + 1, None));
                        stack.push((l, depth, Some(left_line)));
                    }
                    _ => leaf_line(&mut out),
                }
            } else {
                let sub = self.subtree_depth(node);
                if sub == 1 {
                    leaf_line(&mut out);
                } else {
                    let _ = writeln!(out, "{indent} truncated branch of depth {sub}");
                }
            }
        }
        out
    }
}

fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = i;
        }
    }
    best
}

/// The tree as Graphviz DOT, scikit-learn's `export_graphviz(…, out_file=None)`.
pub fn export_dot(tree: &FlatTree, options: &ExportOptions) -> Result<String> {
    Ok(Exporter::new(tree, options)?.dot())
}

/// The tree as indented text, scikit-learn's `export_text`.
pub fn export_text(tree: &FlatTree, options: &ExportOptions) -> Result<String> {
    Ok(Exporter::new(tree, options)?.text())
}

/// Escape text for SVG.
fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The tree as a standalone SVG picture: the DOT labels in boxes (filled with scikit-learn's
/// colours when [`ExportOptions::filled`]), leaves spaced evenly left to right, each internal
/// node centred over its children, `True`/`False` on the root's edges as `plot_tree` draws.
pub fn export_svg(tree: &FlatTree, options: &ExportOptions) -> Result<String> {
    let ex = Exporter::new(tree, options)?;
    const CHAR_W: f64 = 7.2;
    const LINE_H: f64 = 15.0;
    const PAD: f64 = 8.0;
    const GAP_X: f64 = 14.0;
    const GAP_Y: f64 = 46.0;
    struct Node {
        id: u32,
        depth: usize,
        lines: Vec<String>,
        children: Option<(usize, usize)>,
        is_left: bool,
        x: f64,
    }
    // Collect the shown nodes depth-first (cropped ones become "(...)").
    let mut nodes: Vec<Node> = Vec::new();
    fn collect(
        ex: &Exporter<'_>,
        node: u32,
        depth: usize,
        is_left: bool,
        nodes: &mut Vec<Node>,
    ) -> usize {
        let idx = nodes.len();
        let shown = ex.o.max_depth.is_none_or(|m| depth <= m);
        let lines = if shown {
            ex.label_lines(node, "\n")
                .iter()
                .flat_map(|l| l.split('\n').map(str::to_string).collect::<Vec<_>>())
                .collect()
        } else {
            vec!["(...)".to_string()]
        };
        nodes.push(Node {
            id: node,
            depth,
            lines,
            children: None,
            is_left,
            x: 0.0,
        });
        if shown && let Some((l, r)) = ex.tree.children(node) {
            let li = collect(ex, l, depth + 1, true, nodes);
            let ri = collect(ex, r, depth + 1, false, nodes);
            nodes[idx].children = Some((li, ri));
        }
        idx
    }
    collect(&ex, 0, 0, false, &mut nodes);
    let box_w = nodes
        .iter()
        .flat_map(|n| n.lines.iter().map(|l| l.chars().count()))
        .max()
        .unwrap_or(1) as f64
        * CHAR_W
        + 2.0 * PAD;
    let max_lines = nodes.iter().map(|n| n.lines.len()).max().unwrap_or(1);
    let box_h = max_lines as f64 * LINE_H + 2.0 * PAD;
    // x: leaves in order, parents centred over their children (post-order).
    fn place(nodes: &mut Vec<Node>, i: usize, next: &mut f64, step: f64) {
        match nodes[i].children {
            Some((l, r)) => {
                place(nodes, l, next, step);
                place(nodes, r, next, step);
                nodes[i].x = (nodes[l].x + nodes[r].x) / 2.0;
            }
            None => {
                nodes[i].x = *next;
                *next += step;
            }
        }
    }
    let step = box_w + GAP_X;
    let mut next = GAP_X + box_w / 2.0;
    place(&mut nodes, 0, &mut next, step);
    let depth = nodes.iter().map(|n| n.depth).max().unwrap_or(0);
    let width = next - step + box_w / 2.0 + GAP_X;
    let height = (depth + 1) as f64 * (box_h + GAP_Y) - GAP_Y + 2.0 * GAP_X;
    let top = |d: usize| GAP_X + d as f64 * (box_h + GAP_Y);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
viewBox=\"0 0 {width:.1} {height:.1}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">"
    );
    out.push_str("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    for n in &nodes {
        if let Some((l, r)) = n.children {
            for c in [l, r] {
                let child = &nodes[c];
                let (x1, y1) = (n.x, top(n.depth) + box_h);
                let (x2, y2) = (child.x, top(child.depth));
                let _ = writeln!(
                    out,
                    "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"#444\"/>"
                );
                if n.id == 0 {
                    let label = if child.is_left { "True" } else { "False" };
                    let _ = writeln!(
                        out,
                        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#444\">{label}</text>",
                        (x1 + x2) / 2.0 + if child.is_left { -18.0 } else { 18.0 },
                        (y1 + y2) / 2.0
                    );
                }
            }
        }
    }
    for n in &nodes {
        let fill = if !options.filled {
            "#ffffff".to_string()
        } else if n.lines.len() == 1 && n.lines[0] == "(...)" {
            "#c0c0c0".to_string()
        } else {
            ex.fill_color(n.id)
        };
        let (x, y) = (n.x - box_w / 2.0, top(n.depth));
        let _ = writeln!(
            out,
            "<g class=\"node\" data-node=\"{}\"><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{box_w:.1}\" height=\"{box_h:.1}\" rx=\"4\" fill=\"{fill}\" stroke=\"black\"/>",
            n.id
        );
        let text_top = y + PAD + (box_h - 2.0 * PAD - n.lines.len() as f64 * LINE_H) / 2.0;
        for (k, line) in n.lines.iter().enumerate() {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                n.x,
                text_top + (k as f64 + 0.8) * LINE_H,
                xml_escape(line)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    Ok(out)
}

/// The trees of a fitted tree model, and how to read them.
#[derive(Debug, Clone)]
pub struct ModelTrees<'a> {
    /// The model kind (`decision_tree_classifier`, `gbm_regressor`, …).
    pub kind: &'static str,
    /// The trees, in the model's order.
    pub trees: &'a [FlatTree],
    /// What their node values are.
    pub values: TreeValues,
    /// Trees per boosting round (the number of classes of a multiclass boosting model, else 1):
    /// tree `t` is round `t / groups`, output group `t % groups`.
    pub groups: usize,
}

/// The model kinds that have trees to export.
pub const TREE_MODELS: &[&str] = &[
    "decision_tree_classifier",
    "decision_tree_regressor",
    "random_forest_classifier",
    "random_forest_regressor",
    "extra_trees_classifier",
    "extra_trees_regressor",
    "balanced_random_forest",
    "gbm_classifier",
    "gbm_regressor",
    "adaboost_classifier",
    "adaboost_regressor",
    "rusboost_classifier",
];

/// The trees of `model`, or an error naming the models that have trees.
pub fn model_trees(model: &satori_pipeline::AnyModel) -> Result<ModelTrees<'_>> {
    use satori_pipeline::AnyModel as M;
    let one = |kind, trees, values| ModelTrees {
        kind,
        trees,
        values,
        groups: 1,
    };
    Ok(match model {
        M::DecisionTreeClassifier(m) => one(
            "decision_tree_classifier",
            std::slice::from_ref(m.tree()),
            TreeValues::Classes,
        ),
        M::DecisionTreeRegressor(m) => one(
            "decision_tree_regressor",
            std::slice::from_ref(m.tree()),
            TreeValues::Numbers,
        ),
        M::RandomForestClassifier(m) => {
            one("random_forest_classifier", m.trees(), TreeValues::Classes)
        }
        M::ExtraTreesClassifier(m) => one("extra_trees_classifier", m.trees(), TreeValues::Classes),
        M::BalancedRandomForest(m) => one("balanced_random_forest", m.trees(), TreeValues::Classes),
        M::RandomForestRegressor(m) => {
            one("random_forest_regressor", m.trees(), TreeValues::Numbers)
        }
        M::ExtraTreesRegressor(m) => one("extra_trees_regressor", m.trees(), TreeValues::Numbers),
        M::GbmClassifier(m) => ModelTrees {
            kind: "gbm_classifier",
            trees: m.trees(),
            values: TreeValues::Numbers,
            groups: m.init_score().len().max(1),
        },
        M::GbmRegressor(m) => ModelTrees {
            kind: "gbm_regressor",
            trees: m.trees(),
            values: TreeValues::Numbers,
            groups: m.init_score().len().max(1),
        },
        M::AdaBoostClassifier(m) => one("adaboost_classifier", m.trees(), TreeValues::Classes),
        M::RusBoostClassifier(m) => one("rusboost_classifier", m.trees(), TreeValues::Classes),
        M::AdaBoostRegressor(m) => one("adaboost_regressor", m.trees(), TreeValues::Numbers),
        _ => {
            return Err(Error::param(
                "--tree",
                format!(
                    "this model has no trees; tree models are {}",
                    TREE_MODELS.join(", ")
                ),
            ));
        }
    })
}

impl ModelTrees<'_> {
    /// Tree `index`, or an error saying how many trees there are.
    pub fn get(&self, index: usize) -> Result<&FlatTree> {
        self.trees.get(index).ok_or_else(|| {
            Error::param(
                "--tree",
                format!(
                    "tree {index} is out of range: this {} has {} tree{} (0 to {})",
                    self.kind,
                    self.trees.len(),
                    if self.trees.len() == 1 { "" } else { "s" },
                    self.trees.len().saturating_sub(1)
                ),
            )
        })
    }
}
