//! `satori explain --attention`: the attention maps of an FT-Transformer, as a long CSV (per row,
//! block, head, query and key token, then the mean over the rows), a heat-map SVG or an HTML page
//! of heat maps.

use std::path::Path;

use anyhow::Context as _;
use satori_pipeline::{AnyModel, model_file};
use satori_report::{AttentionMap, AttentionReport, attention_chart, render_attention_report};
use serde::Serialize;

use crate::args::{read_options, read_table};
use crate::commands::explain_args::ExplainArgs;
use crate::output::print_json;
use crate::progress::TermProgress;
use crate::stdio::Output;

#[derive(Debug, Serialize)]
struct AttentionJson {
    command: &'static str,
    model: String,
    kind: String,
    rows: String,
    n_blocks: usize,
    n_heads: usize,
    tokens: Vec<String>,
    cls_attention: Vec<(String, f64)>,
    out: Option<String>,
    report: Option<String>,
}

fn is_svg(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
}

pub fn run(args: &ExplainArgs, progress: &TermProgress) -> anyhow::Result<()> {
    let Some(data) = &args.data else {
        anyhow::bail!(
            "--attention needs the data whose rows to explain: satori explain MODEL DATA --attention"
        );
    };
    if args.out.is_none() && args.report.is_none() {
        anyhow::bail!(
            "--attention needs --out FILE (.csv, .svg, or - for standard output) or --report FILE.html"
        );
    }
    let inputs: [&Path; 2] = [&args.model, data];
    let out = args
        .out
        .as_ref()
        .map(|o| Output::new("--out", o, &inputs))
        .transpose()?;
    if let Some(r) = &args.report {
        crate::stdio::check_output("--report", r, &inputs)?;
    }
    let (_, pipeline) = model_file::load(&args.model)?;
    let kind = pipeline.model().kind();
    if !matches!(
        pipeline.model(),
        AnyModel::FtTransformerClassifier(_) | AnyModel::FtTransformerRegressor(_)
    ) {
        anyhow::bail!("--attention needs an ft_transformer model; this is {kind}");
    }
    let opts = pipeline.read_options(read_options(&args.read)?);
    let table = read_table(data, &opts, progress)?;
    let (x, _) = table.features_keeping_unseen(pipeline.input_schema())?;
    let rows = match &args.rows {
        Some(r) => r.resolve(x.nrows())?,
        None => 0..x.nrows(),
    };
    let maps = satori_explain::attention_maps(&pipeline, x.view(), rows.clone())?;
    let overall = AttentionMap {
        title: "Attention, mean over rows, blocks and heads".into(),
        values: maps.overall(),
    };
    if let Some(out) = out {
        let bytes = if is_svg(out.path()) && !out.is_stdout() {
            attention_chart(&maps.tokens, &overall)?.svg()?.into_bytes()
        } else {
            maps.to_csv().into_bytes()
        };
        satori_core::fs::write_atomic(out.path(), &bytes)
            .with_context(|| format!("writing {}", out.path().display()))?;
        out.finish()?;
    }
    if let Some(r) = &args.report {
        let per_head = (0..maps.n_blocks())
            .flat_map(|l| (0..maps.n_heads()).map(move |h| (l, h)))
            .map(|(l, h)| AttentionMap {
                title: format!("Block {}, head {}", l + 1, h + 1),
                values: maps.mean_map(l, h).to_vec(),
            })
            .collect();
        let page = render_attention_report(&AttentionReport {
            title: format!(
                "Attention maps of {}",
                args.model
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
            ),
            subtitle: format!(
                "{kind}; rows {}:{} of {}; {} feature tokens",
                rows.start,
                rows.end,
                data.display(),
                maps.tokens.len() - 1
            ),
            tokens: maps.tokens.clone(),
            overall: overall.clone(),
            maps: per_head,
        })?;
        satori_core::fs::write_atomic(r, page.as_bytes())
            .with_context(|| format!("writing {}", r.display()))?;
    }
    let t = maps.tokens.len();
    let mut cls: Vec<(String, f64)> = (1..t)
        .map(|j| (maps.tokens[j].clone(), overall.values[j]))
        .collect();
    cls.sort_by(|a, b| b.1.total_cmp(&a.1));
    let to_stdout = args.out.as_deref().is_some_and(crate::stdio::is_dash);
    if args.json {
        print_json(&AttentionJson {
            command: "explain",
            model: args.model.display().to_string(),
            kind: kind.to_string(),
            rows: format!("{}:{}", rows.start, rows.end),
            n_blocks: maps.n_blocks(),
            n_heads: maps.n_heads(),
            tokens: maps.tokens.clone(),
            cls_attention: cls,
            out: args.out.as_ref().map(|p| p.display().to_string()),
            report: args.report.as_ref().map(|p| p.display().to_string()),
        })?;
    } else {
        let mut text = format!(
            "attention of {} rows ({}:{}), {} block(s) × {} head(s); [CLS] attends most to: {}\n",
            rows.len(),
            rows.start,
            rows.end,
            maps.n_blocks(),
            maps.n_heads(),
            cls.iter()
                .take(5)
                .map(|(n, v)| format!("{n} ({v:.3})"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if let Some(o) = &args.out
            && !to_stdout
        {
            text.push_str(&format!("wrote {}\n", o.display()));
        }
        if let Some(r) = &args.report {
            text.push_str(&format!("wrote {}\n", r.display()));
        }
        if to_stdout {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    }
    Ok(())
}
