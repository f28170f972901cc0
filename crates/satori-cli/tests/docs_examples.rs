//! Docs that run as written: every fenced shell block (```sh, ```bash, ```shell, ```console) of
//! `README.md` and `docs/*.md` is run with the built binary.
//!
//! - A block's `satori …` lines run in order in one fresh scratch folder, so a later line can use
//!   a file an earlier one wrote. The folder holds the bundled data under `data/` and small
//!   generated stand-ins for the files that are the user's own (`train.csv`, `reviews.csv`,
//!   `rcv1.svm`, `base.satori`, …), made only when a line reads one before any line writes it.
//! - Each line must exit 0, unless its comment says `# error` (exit 1) or `# error: TEXT` (exit 1
//!   and TEXT in the message). No line may panic; each is killed after [`TIMEOUT`].
//! - A ```text block right after a shell block is the last line's output: each of its lines
//!   (but `...`/`…`) must appear, spaces collapsed, in that output. In a ```console block,
//!   `$ ` lines are commands and the lines under one are its output.
//! - `cargo run [--release] -p satori-cli -- ARGS` runs as `satori ARGS`; other `cargo …` lines
//!   (build and test commands) are recognised by [`CARGO_SUBCOMMANDS`] and not run; any other
//!   command fails the test.
//! - Markers, an HTML comment on the line(s) before a block:
//!   `<!-- docs-test: skip REASON -->` — the shell block is not run (listed in the test's output) and
//!   may use shell syntax (pipes, `&&`, quotes over several lines);
//!   `<!-- docs-test: file NAME -->` — the block (e.g. ```toml) is written as NAME into the
//!   scratch folder of every later shell block of the same markdown file.
//! - An untagged fence holding `satori` command lines is an error: tag it ```sh or ```text.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The longest a documented command may run (debug build, small stand-in data).
const TIMEOUT: Duration = Duration::from_secs(60);

/// `cargo` subcommands the docs may show; recognised, never run.
const CARGO_SUBCOMMANDS: &[&str] = &["build", "run", "test", "install", "fuzz", "fmt", "clippy"];

/// Flags whose value is a file a command writes.
const OUTPUT_FLAGS: &[&str] = &[
    "--out",
    "-o",
    "--save",
    "--oof",
    "--report",
    "--export-weights",
    "--out-dir",
];

const SHELL_LANGS: &[&str] = &["sh", "bash", "shell", "console"];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

// ---------------------------------------------------------------------------------------------
// Reading the markdown

#[derive(Debug, Clone, PartialEq)]
enum Marker {
    Skip(String),
    File(String),
}

#[derive(Debug, Clone)]
struct Fence {
    /// 1-based line of the opening fence.
    line: usize,
    lang: String,
    /// (1-based line, text) of each line inside the fence.
    body: Vec<(usize, String)>,
    marker: Option<Marker>,
    /// Only blank lines between the previous fence's end and this one's start.
    follows_previous: bool,
}

/// One command of a shell block.
#[derive(Debug, Clone)]
struct Cmd {
    line: usize,
    text: String,
    words: Vec<String>,
    env: Vec<(String, String)>,
    /// `None`: exit 0; `Some(None)`: exit 1; `Some(Some(msg))`: exit 1 with `msg` in stderr.
    expect_error: Option<Option<String>>,
    /// Output lines the doc shows for this command.
    output: Vec<String>,
}

#[derive(Debug, Clone)]
struct ShellBlock {
    line: usize,
    cmds: Vec<Cmd>,
    skip: Option<String>,
    /// Files written by `file` markers earlier in the same markdown file.
    files: Vec<(String, String)>,
}

/// The shell blocks of one markdown file, or the problems that make it unreadable (an unknown
/// marker, a marker before nothing, an untagged fence with commands, an unclosed fence).
fn parse_markdown(text: &str) -> (Vec<ShellBlock>, Vec<(usize, String)>) {
    let mut problems = Vec::new();
    let mut fences: Vec<Fence> = Vec::new();
    let mut pending: Option<(usize, Marker)> = None;
    let mut open: Option<Fence> = None;
    let mut last_close: Option<usize> = None;
    let mut blank_since_close = true;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let t = raw.trim();
        if let Some(f) = open.as_mut() {
            if t == "```" {
                fences.push(open.take().unwrap());
                last_close = Some(n);
                blank_since_close = true;
            } else {
                f.body.push((n, raw.to_string()));
            }
            continue;
        }
        if let Some(lang) = t.strip_prefix("```") {
            open = Some(Fence {
                line: n,
                lang: lang.trim().to_string(),
                body: Vec::new(),
                marker: pending.take().map(|(_, m)| m),
                follows_previous: last_close.is_some() && blank_since_close,
            });
            continue;
        }
        if let Some(rest) = t.strip_prefix("<!-- docs-test:") {
            let Some(inner) = rest.strip_suffix("-->") else {
                problems.push((n, "a docs-test marker must fit on one line".into()));
                continue;
            };
            let inner = inner.trim();
            let (kind, arg) = inner.split_once(' ').unwrap_or((inner, ""));
            let arg = arg.trim().to_string();
            let marker = match (kind, arg.is_empty()) {
                ("skip", false) => Marker::Skip(arg),
                ("file", false) => Marker::File(arg),
                ("skip", true) => {
                    problems.push((n, "`docs-test: skip` needs a reason".into()));
                    continue;
                }
                _ => {
                    problems.push((
                        n,
                        format!("unknown marker `{inner}` (docs-test: skip REASON | file NAME)"),
                    ));
                    continue;
                }
            };
            if let Some((m, _)) = pending.replace((n, marker)) {
                problems.push((m, "a docs-test marker not followed by a block".into()));
            }
            continue;
        }
        if !t.is_empty() {
            blank_since_close = false;
            if let Some((m, _)) = pending.take() {
                problems.push((m, "a docs-test marker not followed by a block".into()));
            }
        }
    }
    if let Some(f) = open {
        problems.push((f.line, "a fence that is never closed".into()));
    }
    if let Some((m, _)) = pending {
        problems.push((m, "a docs-test marker not followed by a block".into()));
    }

    let mut blocks = Vec::new();
    let mut files: Vec<(String, String)> = Vec::new();
    for (k, f) in fences.iter().enumerate() {
        let is_shell = SHELL_LANGS.contains(&f.lang.as_str());
        if let Some(Marker::File(name)) = &f.marker {
            if is_shell {
                problems.push((f.line, "a `file` marker before a shell block".into()));
            } else {
                let body: String = f.body.iter().map(|(_, l)| format!("{l}\n")).collect();
                files.retain(|(n, _)| n != name);
                files.push((name.clone(), body));
            }
            continue;
        }
        if !is_shell {
            if matches!(f.marker, Some(Marker::Skip(_))) {
                problems.push((
                    f.line,
                    "a `skip` marker before a block that is not shell".into(),
                ));
            }
            let commands = f.body.iter().any(|(_, l)| {
                let l = l.trim_start().trim_start_matches("$ ");
                l.starts_with("satori ")
            });
            if f.lang.is_empty() && commands {
                problems.push((
                    f.line,
                    "an untagged fence holds satori commands: tag it ```sh (or ```text for output)"
                        .into(),
                ));
            }
            continue;
        }
        let output = fences
            .get(k + 1)
            .filter(|next| next.lang == "text" && next.follows_previous)
            .map(|next| next.body.iter().map(|(_, l)| l.clone()).collect::<Vec<_>>());
        let skipped = matches!(f.marker, Some(Marker::Skip(_)));
        let cmds = match shell_commands(f, output) {
            Ok(c) => c,
            // A skipped block is not run, so it may use the shell (pipes, `&&`, multi-line
            // quotes: a curl call, a docker session); it is still listed with its reason.
            Err(_) if skipped => Vec::new(),
            Err((n, msg)) => {
                problems.push((n, msg));
                continue;
            }
        };
        blocks.push(ShellBlock {
            line: f.line,
            cmds,
            skip: match &f.marker {
                Some(Marker::Skip(r)) => Some(r.clone()),
                _ => None,
            },
            files: files.clone(),
        });
    }
    (blocks, problems)
}

/// The commands of a shell block: continuation lines joined, comments stripped (an `error`
/// comment kept as the expectation), `$ ` prompts and their output read in console blocks.
fn shell_commands(f: &Fence, output: Option<Vec<String>>) -> Result<Vec<Cmd>, (usize, String)> {
    let console = f.lang == "console";
    let mut cmds: Vec<Cmd> = Vec::new();
    let mut acc: Option<(usize, String)> = None;
    for (n, raw) in &f.body {
        let line = raw.trim_end();
        let (start, text) = match acc.take() {
            Some((s, mut t)) => {
                t.push(' ');
                t.push_str(line.trim_start());
                (s, t)
            }
            None => {
                if console {
                    match line.trim_start().strip_prefix("$ ") {
                        Some(c) => (*n, c.to_string()),
                        None => {
                            match cmds.last_mut() {
                                Some(c) if !line.trim().is_empty() => c.output.push(line.into()),
                                Some(_) => {}
                                None if line.trim().is_empty() => {}
                                None => {
                                    return Err((
                                        *n,
                                        "console output before any `$ ` command".into(),
                                    ));
                                }
                            }
                            continue;
                        }
                    }
                } else {
                    (*n, line.to_string())
                }
            }
        };
        if let Some(head) = text.strip_suffix('\\') {
            acc = Some((start, head.trim_end().to_string()));
            continue;
        }
        let (code, comment) = split_comment(&text);
        if code.trim().is_empty() {
            continue;
        }
        let words = split_words(code).map_err(|e| (start, e))?;
        let comment = comment.trim();
        let expect_error = if comment == "error" {
            Some(None)
        } else {
            comment
                .strip_prefix("error:")
                .map(|m| Some(m.trim().to_string()))
        };
        let mut env = Vec::new();
        let mut words = words.into_iter().peekable();
        while let Some(w) = words.peek() {
            match w.split_once('=') {
                Some((k, v))
                    if !k.is_empty() && k.chars().all(|c| c.is_ascii_uppercase() || c == '_') =>
                {
                    env.push((k.to_string(), v.to_string()));
                    words.next();
                }
                _ => break,
            }
        }
        cmds.push(Cmd {
            line: start,
            text: code.trim().to_string(),
            words: words.collect(),
            env,
            expect_error,
            output: Vec::new(),
        });
    }
    if let Some((s, _)) = acc {
        return Err((s, "a continuation `\\` on the block's last line".into()));
    }
    if let Some(out) = output {
        match cmds.last_mut() {
            Some(c) => c
                .output
                .extend(out.into_iter().filter(|l| !l.trim().is_empty())),
            None => {
                return Err((
                    f.line,
                    "a ```text block after a block with no command".into(),
                ));
            }
        }
    }
    Ok(cmds)
}

/// A line split at its first `#` that starts a comment (at the start or after a space, outside
/// quotes).
fn split_comment(line: &str) -> (&str, &str) {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '#' && prev.is_whitespace() => return (&line[..i], &line[i + 1..]),
            None => {}
        }
        prev = c;
    }
    (line, "")
}

/// Shell words: spaces separate, single and double quotes group, a backslash escapes.
fn split_words(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => cur.push(ch),
                        None => return Err(format!("an unclosed ' in `{s}`")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => cur.extend(chars.next()),
                        Some(ch) => cur.push(ch),
                        None => return Err(format!("an unclosed \" in `{s}`")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                cur.extend(chars.next());
            }
            '|' | '>' | '<' | ';' | '&' | '$' | '`' => {
                return Err(format!(
                    "`{c}` in `{s}`: the harness runs single commands, not shell syntax"
                ));
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

// ---------------------------------------------------------------------------------------------
// Stand-ins for the user's own files

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A table for `train.csv`, `data.csv` & co: features `x1, x2` (a few missing), `x3`, `color`,
/// and targets `y` (binary), `kind` (three classes), `price` (continuous), `churn` (binary).
fn tabular(rows: usize, seed: u64) -> String {
    let mut r = Rng(seed);
    let colors = ["red", "green", "blue"];
    let mut s = String::from("x1,x2,x3,color,kind,price,churn,y\n");
    for _ in 0..rows {
        let x1 = r.unit() * 10.0;
        let x2 = r.unit() * 5.0;
        let x3 = r.below(20);
        let color = colors[r.below(3) as usize];
        let kind = ["a", "b", "c"][((x1 / 3.34) as usize).min(2)];
        let price = 3.0 * x1 + x3 as f64 + r.unit();
        let churn = if x2 + r.unit() > 3.0 { "yes" } else { "no" };
        let y = if x1 + x2 + 2.0 * r.unit() > 8.5 {
            "yes"
        } else {
            "no"
        };
        let x2 = if r.below(20) == 0 {
            String::new()
        } else {
            format!("{x2:.4}")
        };
        writeln!(s, "{x1:.4},{x2},{x3},{color},{kind},{price:.3},{churn},{y}").unwrap();
    }
    s
}

/// Reviews whose sentiment follows their words, with a numeric column beside the text.
fn reviews(rows: usize) -> String {
    let good = ["great", "excellent", "loved", "moving"];
    let bad = ["awful", "terrible", "boring", "dull"];
    let filler = ["the", "film", "plot", "cast", "music", "scene", "story"];
    let mut s = String::from("review,stars,sentiment\n");
    for i in 0..rows {
        let positive = i % 2 == 0;
        let word = if positive {
            good[(i / 2) % 4]
        } else {
            bad[(i / 2) % 4]
        };
        let (a, b) = (filler[i % 7], filler[(i / 7) % 7]);
        let stars = if positive { 3 + i % 3 } else { 1 + i % 3 };
        let label = if positive { "pos" } else { "neg" };
        writeln!(s, "{a} {word} {b} number {i},{stars},{label}").unwrap();
    }
    s
}

/// A LIBSVM file: labels ±1 decided by features 1–5, 60 sparse features (index 60 always used
/// once so a test file never exceeds the training width).
fn libsvm(rows: usize, seed: u64) -> String {
    let mut r = Rng(seed);
    let mut s = String::new();
    for i in 0..rows {
        let mut feats: BTreeSet<u64> = (0..6).map(|_| 1 + r.below(60)).collect();
        if i == 0 {
            feats.insert(60);
        }
        let score: f64 = feats
            .iter()
            .map(|&j| if j <= 5 { 1.0 } else { 0.0 })
            .sum::<f64>()
            + r.unit();
        let label = if score > 0.9 { "+1" } else { "-1" };
        s.push_str(label);
        for j in feats {
            write!(s, " {j}:{:.3}", r.unit() + 0.1).unwrap();
        }
        s.push('\n');
    }
    s
}

const STANDIN_PIPELINE: &str = "\
[[preprocessing]]
step = \"one_hot_encoder\"
handle_unknown = \"ignore\"

[[preprocessing]]
step = \"simple_imputer\"
strategy = \"median\"

[[preprocessing]]
step = \"standard_scaler\"
";

/// The stand-in files, by name: their contents, or for a model file `None` (made by training).
fn standin_text(name: &str) -> Option<Option<String>> {
    let text = match name {
        "train.csv" | "data.csv" => tabular(240, 1),
        "valid.csv" => tabular(80, 2),
        "new.csv" => tabular(120, 3),
        "more_rows.csv" | "new_rows.csv" => tabular(80, 4),
        "test.csv" => tabular(80, 5),
        "reviews.csv" => reviews(240),
        "rcv1.svm" => libsvm(240, 6),
        "rcv1_test.svm" => libsvm(60, 7),
        "pipeline.toml" => STANDIN_PIPELINE.to_string(),
        "base.satori" | "mlp.satori" | "model.satori" => return Some(None),
        _ => return None,
    };
    Some(Some(text))
}

/// The stand-in model (a small network on `train.csv`, target `y`), trained once.
fn standin_model(cache: &Path) -> Result<PathBuf, String> {
    let model = cache.join("standin-mlp.satori");
    if model.exists() {
        return Ok(model);
    }
    std::fs::write(cache.join("train.csv"), tabular(240, 1)).unwrap();
    let args: Vec<String> = [
        "train",
        "train.csv",
        "--target",
        "y",
        "--model",
        "mlp",
        "--set",
        "model.max_iter=50",
        "--out",
        "standin-mlp.satori",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let run = run_satori(&args, &[], cache, cache);
    if run.code != Some(0) {
        return Err(format!(
            "training the stand-in model failed: {}",
            run.stderr
        ));
    }
    Ok(model)
}

// ---------------------------------------------------------------------------------------------
// Running

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    timed_out: bool,
}

fn run_satori(args: &[String], env: &[(String, String)], dir: &Path, logs: &Path) -> Run {
    let out_path = logs.join("stdout.log");
    let err_path = logs.join("stderr.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_satori"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("the binary starts");
    let start = Instant::now();
    let (code, timed_out) = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break (status.code(), false);
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break (None, true);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code,
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
        timed_out,
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// What one markdown file's blocks did.
#[derive(Default)]
struct Outcome {
    failures: Vec<String>,
    ran: usize,
    cargo: Vec<String>,
    skipped: Vec<String>,
}

/// The binary's arguments of a `cargo run [--release] -p satori-cli -- ARGS` line: it runs as
/// `satori ARGS`.
fn cargo_runs_satori(words: &[String]) -> Option<&[String]> {
    let sep = words.iter().position(|w| w == "--")?;
    let head: Vec<&str> = words[..sep].iter().map(String::as_str).collect();
    let plain = head == ["cargo", "run", "-p", "satori-cli"]
        || head == ["cargo", "run", "--release", "-p", "satori-cli"];
    plain.then(|| &words[sep + 1..])
}

/// The file names a block's commands read before any of its commands writes them.
fn inputs_needed(cmds: &[Cmd]) -> BTreeSet<String> {
    let mut written = BTreeSet::new();
    let mut needed = BTreeSet::new();
    for c in cmds {
        let mut outs = Vec::new();
        let mut words = c.words.iter().skip(1);
        while let Some(w) = words.next() {
            if OUTPUT_FLAGS.contains(&w.as_str()) {
                outs.extend(words.next().cloned());
            } else if !w.starts_with('-') && !written.contains(w) {
                needed.insert(w.clone());
            }
        }
        written.extend(outs);
    }
    needed
}

fn run_markdown(name: &str, text: &str, data_dir: &Path, cache: &Path) -> Outcome {
    let mut o = Outcome::default();
    let (blocks, problems) = parse_markdown(text);
    let mut problems = problems;
    problems.sort_by_key(|p| p.0);
    for (line, msg) in problems {
        o.failures.push(format!("{name}:{line}: {msg}"));
    }
    for block in blocks {
        if let Some(reason) = &block.skip {
            o.skipped
                .push(format!("{name}:{}: not run: {reason}", block.line));
            continue;
        }
        // Recognise every line before running any.
        let mut runnable = Vec::new();
        for c in &block.cmds {
            match c.words.first().map(String::as_str) {
                Some("satori") | Some("mkdir") => runnable.push(c.clone()),
                Some("cargo") if cargo_runs_satori(&c.words).is_some() => {
                    let mut c = c.clone();
                    let args = cargo_runs_satori(&c.words).unwrap().to_vec();
                    c.words = std::iter::once("satori".to_string()).chain(args).collect();
                    runnable.push(c);
                }
                Some("cargo")
                    if c.words
                        .get(1)
                        .is_some_and(|s| CARGO_SUBCOMMANDS.contains(&s.as_str())) =>
                {
                    o.cargo.push(format!("{name}:{}: {}", c.line, c.text));
                }
                _ => o.failures.push(format!(
                    "{name}:{}: `{}`: not a command the docs test can run (satori …, mkdir, or cargo {}); \
                     mark the block `<!-- docs-test: skip REASON -->` if it cannot run here",
                    c.line,
                    c.text,
                    CARGO_SUBCOMMANDS.join("|")
                )),
            }
        }
        if runnable.is_empty() {
            continue;
        }
        let scratch = tempfile::tempdir().unwrap();
        let logs = tempfile::tempdir().unwrap();
        let dir = scratch.path();
        std::fs::create_dir(dir.join("data")).unwrap();
        for e in std::fs::read_dir(data_dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "csv") {
                std::fs::copy(&p, dir.join("data").join(p.file_name().unwrap())).unwrap();
            }
        }
        for (file, body) in &block.files {
            std::fs::write(dir.join(file), body).unwrap();
        }
        let mut setup_failed = false;
        for needed in inputs_needed(&runnable) {
            if dir.join(&needed).exists() {
                continue;
            }
            match standin_text(&needed) {
                Some(Some(text)) => std::fs::write(dir.join(&needed), text).unwrap(),
                Some(None) => match standin_model(cache) {
                    Ok(m) => {
                        std::fs::copy(m, dir.join(&needed)).unwrap();
                    }
                    Err(e) => {
                        o.failures.push(format!("{name}:{}: {e}", block.line));
                        setup_failed = true;
                    }
                },
                None => {}
            }
        }
        if setup_failed {
            continue;
        }
        for c in &runnable {
            // `mkdir DIR…` (outputs never create folders, so the docs make them): done here,
            // inside the scratch folder.
            if c.words[0] == "mkdir" {
                for d in c.words[1..].iter().filter(|w| !w.starts_with('-')) {
                    if let Err(e) = std::fs::create_dir_all(dir.join(d)) {
                        o.failures
                            .push(format!("{name}:{}: `{}`: {e}", c.line, c.text));
                    }
                }
                continue;
            }
            let args = &c.words[1..];
            let t = Instant::now();
            let run = run_satori(args, &c.env, dir, logs.path());
            o.ran += 1;
            let secs = t.elapsed().as_secs_f64();
            if secs > 10.0 {
                eprintln!("{name}:{}: {secs:.1} s: {}", c.line, c.text);
            }
            let place = format!("{name}:{}: `{}`", c.line, c.text);
            let detail = format!(
                "\n    stderr:\n      {}",
                tail(&run.stderr, 15).replace('\n', "\n      ")
            );
            if run.timed_out {
                o.failures.push(format!(
                    "{place}: still running after {} s, killed{detail}",
                    TIMEOUT.as_secs()
                ));
                break;
            }
            if run.stderr.contains("panicked") {
                o.failures.push(format!("{place}: panicked{detail}"));
            }
            let want = if c.expect_error.is_some() { 1 } else { 0 };
            if run.code != Some(want) {
                o.failures.push(format!(
                    "{place}: exit code {:?}, the doc expects {want}{detail}",
                    run.code
                ));
                // The later lines still run: a failure they show because this line wrote
                // nothing is listed after this one.
                continue;
            }
            if let Some(Some(msg)) = &c.expect_error
                && !collapse(&run.stderr).contains(&collapse(msg))
            {
                o.failures.push(format!(
                    "{place}: the message should contain `{msg}`{detail}"
                ));
            }
            let seen: String = collapse(&format!("{}\n{}", run.stdout, run.stderr));
            for want in &c.output {
                let w = collapse(want);
                if w.is_empty() || w == "..." || w == "…" {
                    continue;
                }
                if !seen.contains(&w) {
                    o.failures.push(format!(
                        "{place}: the doc shows `{}` in the output, which is not there\n    \
                         stdout:\n      {}{detail}",
                        want.trim(),
                        tail(&run.stdout, 30).replace('\n', "\n      ")
                    ));
                }
            }
        }
    }
    o
}

fn markdown_files() -> Vec<(String, PathBuf)> {
    let root = repo_root();
    let mut files = vec![("README.md".to_string(), root.join("README.md"))];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    for p in docs {
        let name = format!("docs/{}", p.file_name().unwrap().to_string_lossy());
        files.push((name, p));
    }
    files
}

#[test]
fn every_documented_command_runs_as_written() {
    let start = Instant::now();
    let cache = tempfile::tempdir().unwrap();
    let data_dir = repo_root().join("data");
    let mut all = Outcome::default();
    for (name, path) in markdown_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let o = run_markdown(&name, &text, &data_dir, cache.path());
        all.failures.extend(o.failures);
        all.ran += o.ran;
        all.cargo.extend(o.cargo);
        all.skipped.extend(o.skipped);
    }
    eprintln!(
        "docs examples: {} satori commands run in {:.1} s",
        all.ran,
        start.elapsed().as_secs_f64()
    );
    eprintln!("cargo lines recognised, not run:");
    for c in &all.cargo {
        eprintln!("  {c}");
    }
    eprintln!("blocks marked skip:");
    for s in &all.skipped {
        eprintln!("  {s}");
    }
    assert!(
        all.failures.is_empty(),
        "{} documented example(s) fail:\n\n{}",
        all.failures.len(),
        all.failures.join("\n\n")
    );
    // The README alone has more than a dozen; far fewer means the reader lost them.
    assert!(all.ran >= 20, "only {} commands found", all.ran);
}

/// The harness itself: a broken example, an unknown command, a wrong message, missing output
/// and an untagged command fence are each reported with their line; the good lines pass.
#[test]
fn the_harness_reports_what_is_wrong_and_where() {
    let md = "\
# A doc

```sh
satori inspect data/wine.csv --target class
satori inspect no_such.csv
```

```sh
ls -l
satori inspect no_such.csv                # error: no_such.csv
satori inspect no_such.csv                # error: a message it never prints
cargo test -p satori-cli
```

```sh
satori generate regression --rows 20 --features 2 --informative 2 --seed 0 -o g.csv
satori inspect g.csv --target target
```

```text
target
a line the command never prints
```

<!-- docs-test: skip needs a GPU -->
```sh
nvidia-smi
```

```
satori inspect data/wine.csv
```

<!-- docs-test: frobnicate -->
";
    let cache = tempfile::tempdir().unwrap();
    let o = run_markdown("doc.md", md, &repo_root().join("data"), cache.path());
    let f = o.failures.join("\n");
    assert_eq!(o.ran, 6, "{f}");
    assert_eq!(o.failures.len(), 6, "{f}");
    assert!(
        o.failures[0].starts_with("doc.md:30: an untagged fence"),
        "{f}"
    );
    assert!(
        o.failures[1].starts_with("doc.md:34: unknown marker"),
        "{f}"
    );
    assert!(
        o.failures[2].starts_with("doc.md:5: `satori inspect no_such.csv`: exit code Some(1)"),
        "{f}"
    );
    assert!(
        o.failures[3].starts_with("doc.md:9: `ls -l`: not a command"),
        "{f}"
    );
    assert!(
        o.failures[4].starts_with("doc.md:11: ") && o.failures[4].contains("never prints"),
        "{f}"
    );
    assert!(
        o.failures[5].starts_with("doc.md:17: ")
            && o.failures[5].contains("`a line the command never prints`"),
        "{f}"
    );
    assert_eq!(o.cargo, ["doc.md:12: cargo test -p satori-cli"]);
    assert_eq!(o.skipped, ["doc.md:26: not run: needs a GPU"]);
}

#[test]
fn shell_lines_are_read_as_a_shell_would() {
    assert_eq!(
        split_words(r#"satori train d.csv --set 'text.columns=["a b"]' --x "q\"t" a\ b"#).unwrap(),
        [
            "satori",
            "train",
            "d.csv",
            "--set",
            "text.columns=[\"a b\"]",
            "--x",
            "q\"t",
            "a b"
        ]
    );
    assert_eq!(split_comment("a --b # c # d"), ("a --b ", " c # d"));
    assert_eq!(split_comment("a '#x' b#c"), ("a '#x' b#c", ""));
    assert!(split_words("satori x | head").is_err());
    let f = Fence {
        line: 1,
        lang: "sh".into(),
        body: vec![
            (2, "FOO_BAR=1 satori train a.csv \\".into()),
            (3, "   --target y   # error: bad".into()),
            (4, "# a comment".into()),
        ],
        marker: None,
        follows_previous: false,
    };
    let cmds = shell_commands(&f, None).unwrap();
    assert_eq!(cmds.len(), 1);
    assert_eq!(cmds[0].line, 2);
    assert_eq!(cmds[0].words, ["satori", "train", "a.csv", "--target", "y"]);
    assert_eq!(cmds[0].env, [("FOO_BAR".to_string(), "1".to_string())]);
    assert_eq!(cmds[0].expect_error, Some(Some("bad".to_string())));
}
