//! Search spaces: the spec syntax (good and bad), TOML, conditions, grids.

use std::collections::BTreeMap;

use satori_tune::{Distribution, Param, SearchSpace};
use serde_json::{Value, json};

fn dist(spec: &str) -> Distribution {
    Param::parse(spec).expect(spec).distribution
}

fn err(spec: &str) -> String {
    let e = Param::parse(spec)
        .err()
        .unwrap_or_else(|| panic!("{spec} parsed"))
        .to_string();
    assert!(!e.contains('\n'), "one line: {e}");
    e
}

#[test]
fn specs_parse_into_distributions() {
    assert_eq!(
        dist("model.learning_rate=float(0.01, 0.3, log)"),
        Distribution::Float {
            low: 0.01,
            high: 0.3,
            log: true,
            step: None,
            grid: None
        }
    );
    assert_eq!(
        dist("model.num_leaves=int(16,256,log)"),
        Distribution::Int {
            low: 16,
            high: 256,
            log: true,
            step: 1,
            grid: None
        }
    );
    assert_eq!(
        dist("model.max_depth=int(1,10,step=3)"),
        Distribution::Int {
            low: 1,
            high: 10,
            log: false,
            step: 3,
            grid: None
        }
    );
    assert_eq!(
        dist("a.b=float(0,1,step=0.25)"),
        Distribution::Float {
            low: 0.0,
            high: 1.0,
            log: false,
            step: Some(0.25),
            grid: None
        }
    );
    assert_eq!(
        dist("a.b=float(1e-3,10,log,grid=5)"),
        Distribution::Float {
            low: 1e-3,
            high: 10.0,
            log: true,
            step: None,
            grid: Some(5)
        }
    );
    assert_eq!(
        dist(r#"model.x=choice(gbdt, 3, 0.5, true, null, "a, b", [64,64])"#),
        Distribution::Choice {
            choices: vec![
                json!("gbdt"),
                json!(3),
                json!(0.5),
                json!(true),
                Value::Null,
                json!("a, b"),
                json!([64, 64])
            ]
        }
    );
    let p = Param::parse("model.drop_rate=float(0.05,0.5) if model.boosting=dart|goss").unwrap();
    let c = p.condition.unwrap();
    assert_eq!(c.parent, "model.boosting");
    assert_eq!(c.values, vec![json!("dart"), json!("goss")]);
}

#[test]
fn bad_specs_are_one_line_errors_naming_the_spec() {
    let cases = [
        ("m.a=float(1,0)", "range is empty"),
        ("m.a=float(1,1)", "range is empty"),
        ("m.a=int(5,2)", "range is empty"),
        ("m.a=float(-1,1,log)", "log range must be positive"),
        ("m.a=float(0,1,log)", "log range must be positive"),
        ("m.a=int(0,10,log)", "log range must be positive"),
        ("m.a=normal(0,1)", "unknown kind `normal`"),
        ("m.a=float(0,1,step=0.3)", "does not divide"),
        ("m.a=float(0,1,step=-1)", "step must be positive"),
        ("m.a=int(1,10,step=2)", "does not divide"),
        ("m.a=int(1,10,step=0)", "step must be a positive integer"),
        ("m.a=int(1,9,log,step=2)", "log and step cannot be combined"),
        ("m.a=int(1.5,3)", "low `1.5` is not an integer"),
        ("m.a=float(x,3)", "low `x` is not a number"),
        ("m.a=float(1)", "needs a low and a high"),
        ("m.a=float(1,2,lgo)", "unknown option `lgo`"),
        ("m.a=float(1,2", "no closing"),
        ("m.a=choice()", "an empty value"),
        ("m.a=choice(a,b,a)", "listed twice"),
        ("m.a=choice(1,1.0)", "listed twice"),
        ("m.a=choice(a) when m.b=c", "unexpected `when m.b=c`"),
        ("m.a=float(0,1,grid=1)", "grid must be between 2"),
        ("m.a", "not of the form path=spec"),
        ("m..a=int(1,2)", "not a dotted path"),
        (
            "m.a=int(-9223372036854775808,9223372036854775807)",
            "too wide",
        ),
        ("m.a=float(-1e308,1e308)", "too wide"),
    ];
    for (spec, want) in cases {
        let e = err(spec);
        assert!(e.contains(want), "{spec}: {e}");
        let path = spec.split('=').next().unwrap();
        if !want.contains("path") {
            assert!(e.contains(path), "{spec}: the error names the path: {e}");
        }
    }
}

#[test]
fn conditions_must_be_able_to_hold() {
    let e = SearchSpace::parse_specs(["m.a=float(0,1) if m.kind=tree"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("`m.kind`, which is not searched"), "{e}");
    let e = SearchSpace::parse_specs(["m.kind=choice(gbdt,dart)", "m.a=float(0,1) if m.kind=goss"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("can never hold") && e.contains("goss"), "{e}");
    let e = SearchSpace::parse_specs(["m.a=choice(x,y) if m.b=x", "m.b=choice(x,y) if m.a=x"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("cycle"), "{e}");
    let e = SearchSpace::parse_specs(["m.a=int(1,3)", "m.a=int(1,4)"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("searched twice"), "{e}");
    // Children given before their parents are reordered.
    let s = SearchSpace::parse_specs([
        "m.rate=float(0,1) if m.kind=dart",
        "m.kind=choice(gbdt,dart)",
    ])
    .unwrap();
    assert_eq!(s.params()[0].path, "m.kind");
}

#[test]
fn toml_search_tables_match_the_spec_strings() {
    let doc = r#"
        [search]
        model.learning_rate = "float(0.01, 0.3, log)"
        model.num_leaves = { int = [16, 256], log = true }
        model.boosting = { choice = ["gbdt", "dart"] }
        model.drop_rate = { float = [0.05, 0.5], step = 0.05, if = { "model.boosting" = "dart" } }
        [search.preprocessing.0]
        strategy = "choice(mean, median)"
    "#;
    let toml = SearchSpace::from_toml_str(doc).unwrap();
    let cli = SearchSpace::parse_specs([
        "model.boosting=choice(gbdt,dart)",
        "model.drop_rate=float(0.05,0.5,step=0.05) if model.boosting=dart",
        "model.learning_rate=float(0.01,0.3,log)",
        "model.num_leaves=int(16,256,log)",
        "preprocessing.0.strategy=choice(mean,median)",
    ])
    .unwrap();
    let sorted = |s: &SearchSpace| {
        let mut v: Vec<Param> = s.params().to_vec();
        v.sort_by(|a, b| a.path.cmp(&b.path));
        v
    };
    assert_eq!(sorted(&toml), sorted(&cli));

    for (doc, want) in [
        ("[search]\nmodel.a = 3", "`3` is not a spec"),
        (
            "[search]\nmodel.a = { int = [1, 2], lg = true }",
            "unknown key `lg`",
        ),
        ("[search]\nmodel.a = { int = [1] }", "must be [low, high]"),
        (
            "[search]\nmodel.a = { int = [1, 2], float = [1, 2] }",
            "give one of",
        ),
        (
            "[search]\nmodel.a = { float = [0, 1], log = true }",
            "log range must be positive",
        ),
        ("[search]\nmodel.a = \"float(2,1)\"", "range is empty"),
        ("[search\n", "not valid TOML"),
    ] {
        let e = SearchSpace::from_toml_str(doc).unwrap_err().to_string();
        assert!(e.contains(want), "{doc}: {e}");
        assert!(!e.contains('\n'), "{e}");
    }
}

#[test]
fn grid_is_exactly_the_cartesian_product() {
    let s = SearchSpace::parse_specs([
        "a.x=int(1,3)",
        "a.y=choice(p,q)",
        "a.z=float(0,1,step=0.5)",
        "a.w=float(1,100,log,grid=3)",
    ])
    .unwrap();
    let grid = s.grid().unwrap();
    assert_eq!(grid.len(), 3 * 2 * 3 * 3);
    let mut seen: Vec<BTreeMap<String, Value>> = grid.iter().map(|p| s.to_values(p)).collect();
    let mut want = Vec::new();
    for x in [1, 2, 3] {
        for y in ["p", "q"] {
            for z in [0.0, 0.5, 1.0] {
                for w in [1.0, 10.0, 100.0] {
                    want.push(BTreeMap::from([
                        ("a.x".to_string(), json!(x)),
                        ("a.y".to_string(), json!(y)),
                        ("a.z".to_string(), json!(z)),
                        ("a.w".to_string(), json!(w)),
                    ]));
                }
            }
        }
    }
    let key = |m: &BTreeMap<String, Value>| serde_json::to_string(m).unwrap();
    seen.sort_by_key(key);
    want.sort_by_key(key);
    assert_eq!(seen.len(), want.len());
    for (a, b) in seen.iter().zip(&want) {
        for (k, v) in b {
            let got = a[k]
                .as_f64()
                .map_or(a[k].clone(), |f| json!((f * 1e9).round() / 1e9));
            let v = v.as_f64().map_or(v.clone(), |f| json!(f));
            assert_eq!(got, v, "{k}");
        }
    }
}

#[test]
fn grid_branches_conditionals_and_refuses_continuous_ranges() {
    let s = SearchSpace::parse_specs([
        "m.kind=choice(gbdt,dart)",
        "m.rate=float(0.1,0.3,step=0.1) if m.kind=dart",
        "m.depth=int(2,3)",
    ])
    .unwrap();
    let grid = s.grid().unwrap();
    // gbdt × 2 depths + dart × 3 rates × 2 depths.
    assert_eq!(grid.len(), 2 + 6);
    for p in &grid {
        let v = s.to_values(p);
        assert_eq!(v.contains_key("m.rate"), v["m.kind"] == json!("dart"));
    }
    let rates: Vec<Value> = grid
        .iter()
        .filter_map(|p| s.to_values(p).get("m.rate").cloned())
        .collect();
    assert!(rates.contains(&json!(0.3)), "tidy step values: {rates:?}");

    let s = SearchSpace::parse_specs(["m.lr=float(0.01,0.3,log)"]).unwrap();
    let e = s.grid().unwrap_err().to_string();
    assert!(e.contains("m.lr") && e.contains("give it a step"), "{e}");
}

#[test]
fn values_round_trip_through_points() {
    let s = SearchSpace::parse_specs([
        "m.kind=choice(gbdt,dart)",
        "m.rate=float(0.1,0.3,step=0.1) if m.kind=dart",
        "m.n=int(1,9,step=2)",
    ])
    .unwrap();
    let v = BTreeMap::from([
        ("m.kind".to_string(), json!("dart")),
        ("m.rate".to_string(), json!(0.2)),
        ("m.n".to_string(), json!(7)),
    ]);
    let p = s.point_from_values(&v).unwrap();
    assert_eq!(s.to_values(&p), v);
    let mut bad = v.clone();
    bad.insert("m.n".into(), json!(4));
    assert!(
        s.point_from_values(&bad)
            .unwrap_err()
            .to_string()
            .contains("not on the step")
    );
    let mut bad = v.clone();
    bad.insert("m.kind".into(), json!("gbdt"));
    assert!(
        s.point_from_values(&bad)
            .unwrap_err()
            .to_string()
            .contains("condition does not hold")
    );
    let mut bad = v;
    bad.insert("m.other".into(), json!(1));
    assert!(
        s.point_from_values(&bad)
            .unwrap_err()
            .to_string()
            .contains("not in the search space")
    );
}

#[test]
fn params_print_as_specs_that_parse_back() {
    for spec in [
        "m.lr=float(0.01,0.3,log)",
        "m.rate=float(0,1,step=0.05)",
        "m.c=float(0.001,10,log,grid=5)",
        "m.n=int(16,256,log)",
        "m.s=int(1,9,step=2,grid=3)",
        r#"m.k=choice(gbdt, 3, 0.5, true, null, "a, b", [64,64])"#,
        "m.d=float(0.05,0.5) if m.k=gbdt|3",
    ] {
        let p = Param::parse(spec).unwrap();
        let printed = p.to_string();
        assert_eq!(
            Param::parse(&printed).unwrap(),
            p,
            "{spec} printed as {printed}"
        );
    }
    assert_eq!(
        Param::parse("m.n=int(16,256,log)").unwrap().to_string(),
        "m.n=int(16,256,log)"
    );
}

#[test]
fn samplers_and_pruners_by_name() {
    use satori_tune::{Pruner, Sampler};
    for name in [
        "grid",
        "random",
        "tpe",
        "tpe-multivariate",
        "sobol",
        "lhs",
        "gp",
        "cmaes",
        "ga",
    ] {
        name.parse::<Sampler>().unwrap();
    }
    for name in ["none", "median", "successive-halving", "sha", "hyperband"] {
        name.parse::<Pruner>().unwrap();
    }
    let e = "nsga2".parse::<Sampler>().unwrap_err().to_string();
    assert!(
        e.contains("unknown sampler `nsga2`") && e.contains("tpe"),
        "{e}"
    );
    let e = "patient".parse::<Pruner>().unwrap_err().to_string();
    assert!(
        e.contains("unknown pruner `patient`") && e.contains("hyperband"),
        "{e}"
    );
}
