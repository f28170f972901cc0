//! User input never panics: arbitrary spec text and TOML give a value or a one-line error, and
//! every valid space samples values inside its distributions.

use proptest::prelude::*;
use satori_tune::{
    Distribution, Param, RandomSampler, Sampler, SearchSpace, Study, StudyConfig, TpeSampler,
    TrialResult,
};

fn one_line<T>(r: satori_core::Result<T>) {
    if let Err(e) = r {
        let msg = e.to_string();
        assert!(!msg.contains('\n'), "{msg}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_spec_text_never_panics(text in "\\PC{0,40}") {
        one_line(Param::parse(&text));
        one_line(Param::parse(&format!("m.a={text}")));
        one_line(Param::parse(&format!("m.a=float({text})")));
        one_line(Param::parse(&format!("m.a=choice(x,y) if {text}")));
    }

    #[test]
    fn spec_like_text_never_panics(
        kind in prop::sample::select(vec!["float", "int", "choice", "flaot", ""]),
        args in prop::collection::vec("[-0-9a-z.e=\",\\[\\]()|]{0,8}", 0..5),
        tail in prop::sample::select(vec!["", ")", " if m.b=1", " if ", "))", " if m.a=x|"]),
    ) {
        let spec = format!("m.a={kind}({}{tail}", args.join(","));
        one_line(Param::parse(&spec));
        one_line(SearchSpace::parse_specs([spec.as_str(), "m.b=choice(1,2)"]));
    }

    #[test]
    fn arbitrary_toml_never_panics(text in "\\PC{0,60}") {
        one_line(SearchSpace::from_toml_str(&text));
        one_line(SearchSpace::from_toml_str(&format!("[search]\nm.a = {text}")));
    }

    #[test]
    fn valid_spaces_sample_inside_their_ranges(
        low in -1000i64..1000,
        width in 1i64..5000,
        step in 1i64..7,
        flow in 1e-6f64..10.0,
        fscale in 1.001f64..1e6,
        seed in 0u64..1000,
        tpe in any::<bool>(),
    ) {
        let high = low + width - width % step;
        prop_assume!(high > low);
        let specs = [
            format!("m.i=int({low},{high},step={step})"),
            format!("m.l=int({},{},log)", low.abs() + 1, low.abs() + 1 + width),
            format!("m.f=float({flow},{},log)", flow * fscale),
            "m.c=choice(a,b,c)".to_string(),
            format!("m.d=float({},{}) if m.c=b", -flow, flow),
        ];
        let space = SearchSpace::parse_specs(specs.iter().map(String::as_str)).unwrap();
        let sampler = if tpe {
            Sampler::Tpe(TpeSampler { n_startup_trials: 3, ..Default::default() })
        } else {
            Sampler::Random(RandomSampler {})
        };
        let mut study = Study::new(space.clone(), StudyConfig { sampler, seed, ..Default::default() }).unwrap();
        for n in 0..12 {
            let t = study.ask().unwrap().unwrap();
            for p in space.params() {
                let Some(v) = t.params().get(&p.path) else { continue };
                let ok = match p.distribution {
                    Distribution::Int { low, high, step, .. } => {
                        let v = v.as_i64().unwrap();
                        (low..=high).contains(&v) && (v - low) % step == 0
                    }
                    Distribution::Float { low, high, .. } => {
                        let v = v.as_f64().unwrap();
                        low <= v && v <= high
                    }
                    Distribution::Choice { ref choices } => choices.contains(v),
                };
                prop_assert!(ok, "{} = {v} outside {}", p.path, p.distribution);
            }
            study.tell(t, TrialResult::Complete((n as f64 * 0.37).sin())).unwrap();
        }
    }
}
