//! Text vectorizers: golden tests against scikit-learn 1.9.1 (`tests/golden/features_tfidf`)
//! and behaviour (missing documents, unknown words, errors, serde).
//!
//! Tolerances: vocabularies and column indices exactly (including n-grams, unicode letters,
//! digits, underscores, the Greek final sigma and hashed columns and signs); idf weights and
//! TF-IDF / hashed values at rtol 1e-12 (atol 1e-15).

use satori_core::Error;
use satori_features::{
    DocFreq, HashingVectorizerParams, TextNorm, TfidfVectorizer, TfidfVectorizerParams,
};
use satori_testkit::golden;
use serde_json::Value;
use sprs::CsMat;

fn strings(v: &Value, ptr: &str) -> Vec<String> {
    golden::string_vec(v, ptr)
}

fn doc_freq(v: &Value) -> DocFreq {
    if v.is_u64() {
        DocFreq::Count(v.as_u64().unwrap() as usize)
    } else {
        DocFreq::Fraction(v.as_f64().unwrap())
    }
}

fn norm(p: &Value) -> TextNorm {
    match p.get("norm") {
        Some(Value::Null) => TextNorm::None,
        Some(Value::String(s)) if s == "l1" => TextNorm::L1,
        _ => TextNorm::L2,
    }
}

fn ngrams(p: &Value) -> (usize, usize) {
    p.get("ngram_range").map_or((1, 1), |r| {
        (
            r[0].as_u64().unwrap() as usize,
            r[1].as_u64().unwrap() as usize,
        )
    })
}

fn flag(p: &Value, name: &str, default: bool) -> bool {
    p.get(name).and_then(Value::as_bool).unwrap_or(default)
}

fn tfidf_params(p: &Value) -> TfidfVectorizerParams {
    let d = TfidfVectorizerParams::default();
    TfidfVectorizerParams {
        lowercase: flag(p, "lowercase", true),
        ngram_range: ngrams(p),
        min_df: p.get("min_df").map_or(d.min_df, doc_freq),
        max_df: p.get("max_df").map_or(d.max_df, doc_freq),
        max_features: p.get("max_features").map(|v| v.as_u64().unwrap() as usize),
        binary: flag(p, "binary", false),
        norm: norm(p),
        use_idf: flag(p, "use_idf", true),
        smooth_idf: flag(p, "smooth_idf", true),
        sublinear_tf: flag(p, "sublinear_tf", false),
        ..d
    }
}

fn assert_rows(what: &str, m: &CsMat<f64>, rows: &Value) {
    let rows = rows.as_array().unwrap();
    assert_eq!(m.rows(), rows.len(), "{what}: row count");
    for (i, r) in rows.iter().enumerate() {
        let row = m.outer_view(i).unwrap();
        let idx: Vec<usize> = row.indices().to_vec();
        let expected_idx: Vec<usize> = r["indices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(idx, expected_idx, "{what}: row {i} columns");
        let expected: Vec<f64> = r["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        golden::assert_close(
            &format!("{what}: row {i}"),
            row.data(),
            &expected,
            1e-12,
            1e-15,
        );
    }
}

#[test]
fn golden_tfidf_vectorizer() {
    let g = golden::load("features_tfidf");
    let corpus = strings(&g, "/corpus");
    let new = strings(&g, "/new");
    for (c, case) in golden::at(&g, "/tfidf")
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let params = tfidf_params(&case["params"]);
        let what = format!("tfidf case {c} {}", case["params"]);
        let v = params.fit(&corpus).unwrap();
        assert_eq!(
            v.feature_names_out(),
            strings(case, "/vocabulary"),
            "{what}"
        );
        golden::assert_close(&what, v.idf(), &golden::f64_vec(case, "/idf"), 1e-12, 0.0);
        assert_rows(
            &what,
            &v.transform(&corpus).unwrap(),
            &case["fit_transform"],
        );
        assert_rows(&what, &v.transform(&new).unwrap(), &case["transform_new"]);
        // A fitted vectorizer survives JSON and postcard.
        let json: TfidfVectorizer =
            serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
        let bytes = postcard::to_allocvec(&v).unwrap();
        let pc: TfidfVectorizer = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(json.transform(&new).unwrap(), v.transform(&new).unwrap());
        assert_eq!(pc.transform(&new).unwrap(), v.transform(&new).unwrap());
    }
}

#[test]
fn golden_hashing_vectorizer() {
    let g = golden::load("features_tfidf");
    let mut docs = strings(&g, "/corpus");
    docs.extend(strings(&g, "/new"));
    for (c, case) in golden::at(&g, "/hashing")
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let p = &case["params"];
        let params = HashingVectorizerParams {
            n_features: case["n_features"].as_u64().unwrap() as usize,
            ngram_range: ngrams(p),
            binary: flag(p, "binary", false),
            norm: norm(p),
            alternate_sign: flag(p, "alternate_sign", true),
            ..Default::default()
        };
        let x = params.transform(&docs).unwrap();
        assert_eq!(x.cols(), params.n_features);
        assert_rows(&format!("hashing case {c} {p}"), &x, &case["transform"]);
    }
}

#[test]
fn missing_documents_and_unknown_words() {
    let docs = vec![
        Some("red green".to_string()),
        None,
        Some("green blue".into()),
    ];
    let v = TfidfVectorizerParams::default().fit(&docs).unwrap();
    assert_eq!(v.feature_names_out(), ["blue", "green", "red"]);
    assert_eq!(v.column_of("green"), Some(1));
    assert_eq!(v.column_of("purple"), None);
    let x = v.transform(&[None, Some("purple orange")]).unwrap();
    assert_eq!((x.rows(), x.nnz()), (2, 0));
    // The None document counts as a document: idf uses n = 3.
    let idf_red = ((1.0f64 + 3.0) / (1.0 + 1.0)).ln() + 1.0;
    assert!((v.idf()[2] - idf_red).abs() < 1e-15);
    let h = HashingVectorizerParams::default().transform(&docs).unwrap();
    assert_eq!(h.outer_view(1).unwrap().nnz(), 0);
    let strs: &[&str] = &["a bb", "bb"];
    assert_eq!(
        TfidfVectorizerParams::default()
            .fit(strs)
            .unwrap()
            .feature_names_out(),
        ["bb"]
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let empty: Vec<String> = vec![];
    let e = TfidfVectorizerParams::default()
        .fit(&empty)
        .unwrap_err()
        .to_string();
    assert!(e.contains("empty vocabulary"), "{e}");
    let e = TfidfVectorizerParams::default()
        .fit(&["a b c", "!!", ""])
        .unwrap_err()
        .to_string();
    assert!(e.contains("empty vocabulary"), "{e}");
    let pruned = TfidfVectorizerParams {
        min_df: DocFreq::Count(3),
        ..Default::default()
    };
    let e = pruned.fit(&["aa bb", "cc", "dd"]).unwrap_err().to_string();
    assert!(e.contains("no terms remain"), "{e}");
    let crossed = TfidfVectorizerParams {
        min_df: DocFreq::Count(2),
        max_df: DocFreq::Count(1),
        ..Default::default()
    };
    assert!(matches!(
        crossed.fit(&["aa bb", "aa"]),
        Err(Error::InvalidParameter { .. })
    ));
    for bad in [
        "max_df = 1.5",
        "min_df = 0",
        "max_features = 0",
        "ngram_range = [2, 1]",
        "token_pattern = \"(\"",
        "norm = \"l3\"",
        "use_idfs = true",
    ] {
        let parsed: Result<TfidfVectorizerParams, _> = toml::from_str(bad);
        if let Ok(p) = parsed {
            assert!(
                satori_core::Params::validate(&p).is_err(),
                "{bad} validates"
            );
        }
    }
    let p: TfidfVectorizerParams =
        toml::from_str("ngram_range = [1, 2]\nmin_df = 2\nmax_df = 0.9\nnorm = \"none\"").unwrap();
    assert_eq!(p.ngram_range, (1, 2));
    assert_eq!(
        (p.min_df, p.max_df),
        (DocFreq::Count(2), DocFreq::Fraction(0.9))
    );
    assert!(
        HashingVectorizerParams {
            n_features: 0,
            ..Default::default()
        }
        .transform(&["aa"])
        .is_err()
    );
}

#[test]
fn custom_token_pattern_with_a_group() {
    let p = TfidfVectorizerParams {
        token_pattern: r"#(\w+)".into(),
        norm: TextNorm::None,
        use_idf: false,
        ..Default::default()
    };
    let v = p.fit(&["#rust is #fast", "#Rust"]).unwrap();
    assert_eq!(v.feature_names_out(), ["fast", "rust"]);
    let x = v.transform(&["#rust #rust x"]).unwrap();
    assert_eq!(x.get(0, 1), Some(&2.0));
}

#[test]
fn fit_transform_matches_and_threads_do_not_matter() {
    let docs: Vec<String> = (0..500)
        .map(|i| {
            (0..(i % 13 + 1))
                .map(|w| format!("w{}", (i * 7 + w * 3) % 97))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let p = TfidfVectorizerParams {
        ngram_range: (1, 2),
        sublinear_tf: true,
        ..Default::default()
    };
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| p.fit_transform(&docs).unwrap())
    };
    let (m1, x1) = run(1);
    let (m2, x2) = run(2);
    assert_eq!(m1, m2);
    assert_eq!(x1, x2);
    assert_eq!(p.fit(&docs).unwrap().transform(&docs).unwrap(), x1);
    let h = HashingVectorizerParams::default();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| h.transform(&docs).unwrap());
    assert_eq!(one, h.transform(&docs).unwrap());
}
