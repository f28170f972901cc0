//! Tree export against scikit-learn 1.9.1's `export_graphviz` and `export_text`
//! (tests/golden/explain_export, written by its generate.py): scikit-learn's fitted trees are
//! loaded node for node into a `FlatTree`, and satori's DOT and text must equal scikit-learn's
//! character for character, for every option set the generator wrote.

use satori_explain::{ExportOptions, TreeValues, export_dot, export_svg, export_text};
use satori_testkit::golden;
use satori_tree::{FlatTree, NodeStats, SplitRule};
use serde_json::Value;

fn load_tree(case: &Value) -> FlatTree {
    let t = golden::at(case, "/tree");
    let n_features = t["n_features"].as_u64().unwrap() as usize;
    let value = golden::f64_matrix(t, "/value");
    let left = golden::f64_vec(t, "/children_left");
    let right = golden::f64_vec(t, "/children_right");
    let feature = golden::f64_vec(t, "/feature");
    let threshold = golden::f64_vec(t, "/threshold");
    let impurity = golden::f64_vec(t, "/impurity");
    let samples = golden::f64_vec(t, "/n_node_samples");
    let weighted = golden::f64_vec(t, "/weighted_n_node_samples");
    let mut tree = FlatTree::new(n_features, value.ncols());
    for i in 0..left.len() {
        let stats = NodeStats {
            n_samples: samples[i] as u64,
            weight: weighted[i],
            impurity: impurity[i],
        };
        tree.add_node(value.row(i).as_slice().unwrap(), stats)
            .unwrap();
    }
    for i in 0..left.len() {
        if left[i] >= 0.0 {
            tree.set_split(
                i as u32,
                feature[i] as usize,
                SplitRule::Threshold(threshold[i]),
                false,
                left[i] as u32,
                right[i] as u32,
                0.0,
            )
            .unwrap();
        }
    }
    tree
}

fn options(case: &Value, opt: &Value) -> ExportOptions {
    let classifier = case["classifier"].as_bool().unwrap();
    let names = opt.get("names").and_then(Value::as_bool).unwrap_or(false);
    let mut o = ExportOptions {
        values: if classifier {
            TreeValues::Classes
        } else {
            TreeValues::Numbers
        },
        criterion: case["criterion"].as_str().unwrap().to_string(),
        ..ExportOptions::default()
    };
    if names {
        o.feature_names = Some(golden::string_vec(case, "/feature_names"));
        if classifier {
            o.class_names = Some(golden::string_vec(case, "/class_names"));
        }
    }
    if let Some(v) = opt.get("filled") {
        o.filled = v.as_bool().unwrap();
    }
    if let Some(v) = opt.get("impurity") {
        o.impurity = v.as_bool().unwrap();
    }
    if let Some(v) = opt.get("precision") {
        o.precision = v.as_u64().unwrap() as usize;
    }
    if let Some(v) = opt.get("decimals") {
        o.decimals = v.as_u64().unwrap() as usize;
    }
    if let Some(v) = opt.get("max_depth") {
        o.max_depth = Some(v.as_u64().unwrap() as usize);
    }
    o
}

fn cases() -> Vec<Value> {
    golden::load("explain_export")["cases"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn dot_equals_export_graphviz() {
    let mut checked = 0;
    for case in cases() {
        let tree = load_tree(&case);
        for d in case["dot"].as_array().unwrap() {
            let o = options(&case, &d["options"]);
            let got = export_dot(&tree, &o).unwrap();
            let want = d["text"].as_str().unwrap();
            assert_eq!(got, want, "case {} options {}", case["name"], d["options"]);
            checked += 1;
        }
    }
    assert!(checked >= 25, "{checked}");
}

#[test]
fn text_equals_export_text() {
    let mut checked = 0;
    for case in cases() {
        let tree = load_tree(&case);
        for d in case["text"].as_array().unwrap() {
            let mut o = options(&case, &d["options"]);
            // export_text names classes by `classes_` (0, 1, 2 here) when not given names.
            if o.values == TreeValues::Classes && o.class_names.is_none() {
                o.class_names = None;
            }
            let got = export_text(&tree, &o).unwrap();
            let want = d["text"].as_str().unwrap();
            assert_eq!(got, want, "case {} options {}", case["name"], d["options"]);
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked}");
}

#[test]
fn svg_draws_every_node_once() {
    for case in cases() {
        let tree = load_tree(&case);
        let o = ExportOptions {
            filled: true,
            ..options(&case, &serde_json::json!({"names": true}))
        };
        let svg = export_svg(&tree, &o).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        let n_nodes = tree.reachable().len();
        assert_eq!(svg.matches("<g class=\"node\"").count(), n_nodes);
        // The root's split is written as in DOT.
        let dot = export_dot(&tree, &o).unwrap();
        let root_split = dot
            .lines()
            .nth(3)
            .unwrap()
            .split("label=\"")
            .nth(1)
            .unwrap()
            .split("\\n")
            .next()
            .unwrap()
            .replace('<', "&lt;");
        assert!(svg.contains(&root_split), "{root_split}");
    }
}
