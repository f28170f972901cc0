//! A small deterministic mutation fuzzer for ordinary `#[test]`s.
//!
//! Given seed inputs (valid files), [`Fuzzer`] makes mutants of them — bit flips, bytes inserted,
//! deleted or duplicated, truncation, lines deleted, duplicated or swapped, two inputs spliced,
//! and interesting tokens (`"`, line ends, NUL, delimiters, huge numbers, `-inf`, `nan`, invalid
//! UTF-8, …) written in — and runs a target on each under `catch_unwind`. The target says what
//! became of the input ([`Outcome`]): accepted, rejected with an error message (as it should be),
//! or a bug (a property the test asserts failed: an internal error, a message too long, …). A
//! panic is always a bug. Inputs that gave a new kind of outcome join the corpus, so mutation
//! goes deeper than the seeds.
//!
//! Everything is deterministic: the same seeds, seed number and iteration count give the same
//! inputs in the same order. The number of mutants is the test's default
//! ([`Fuzzer::default_iterations`]) unless the environment variable `SATORI_FUZZ_ITERS` sets it
//! (say, `SATORI_FUZZ_ITERS=200000` for a long run); `SATORI_FUZZ_SEED` changes the seed number.
//!
//! Each bug is reported with its input minimised (bytes removed while the same kind of bug
//! remains), hex-dumped, and saved under `SATORI_FUZZ_FINDINGS` (default: the system's temporary
//! directory, `satori-fuzz/`), ready to become a regression test.
//!
//! ```
//! use satori_testkit::fuzz::{Fuzzer, Outcome};
//!
//! // A parser of `key=value` lines that must never panic and must say which line is wrong.
//! fn parse(text: &[u8]) -> Result<usize, String> {
//!     let text = std::str::from_utf8(text).map_err(|_| "not UTF-8".to_string())?;
//!     for (i, line) in text.lines().enumerate() {
//!         if !line.is_empty() && !line.contains('=') {
//!             return Err(format!("line {}: no `=`", i + 1));
//!         }
//!     }
//!     Ok(text.lines().count())
//! }
//!
//! let report = Fuzzer::new("key-value", ["a=1\nb=2\n", "x=\n"])
//!     .default_iterations(300)
//!     .run(|input| match parse(input) {
//!         Ok(_) => Outcome::Accepted,
//!         Err(e) if e.len() > 100 => Outcome::Bug(format!("message too long: {e}")),
//!         Err(e) => Outcome::Rejected(e),
//!     });
//! report.assert_clean();
//! assert!(report.inputs_run >= 300);
//! ```

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Once;
use std::time::{Duration, Instant};

/// The environment variable that sets the number of mutants per target.
pub const ITERS_ENV: &str = "SATORI_FUZZ_ITERS";
/// The environment variable that sets the seed number (default 0).
pub const SEED_ENV: &str = "SATORI_FUZZ_SEED";
/// The environment variable naming the directory where bug-triggering inputs are saved.
pub const FINDINGS_ENV: &str = "SATORI_FUZZ_FINDINGS";

/// What became of one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The target accepted the input.
    Accepted,
    /// The target rejected the input with this error message, as it should.
    Rejected(String),
    /// A property the test asserts failed (say, an internal error, or a message too long).
    Bug(String),
}

impl Outcome {
    /// The outcome of a satori call: `Ok` → [`Outcome::Accepted`]; a user error
    /// ([`satori_core::Error::is_user_error`]) whose message is one line of at most
    /// `max_message_len` bytes → [`Outcome::Rejected`]; any other error → [`Outcome::Bug`].
    pub fn of<T>(result: &satori_core::Result<T>, max_message_len: usize) -> Outcome {
        match result {
            Ok(_) => Outcome::Accepted,
            Err(e) => {
                let msg = e.to_string();
                if !e.is_user_error() {
                    Outcome::Bug(format!("not a user error: {msg}"))
                } else if msg.len() > max_message_len {
                    let start: String = msg.chars().take(200).collect();
                    Outcome::Bug(format!(
                        "a message of {} bytes (at most {max_message_len}): {start}…",
                        msg.len()
                    ))
                } else if msg.contains('\n') {
                    Outcome::Bug(format!("a message of several lines: {msg}"))
                } else {
                    Outcome::Rejected(msg)
                }
            }
        }
    }
}

impl Outcome {
    /// Panic on [`Outcome::Bug`] (for cargo-fuzz targets, where a panic is what libFuzzer
    /// reports); return the outcome otherwise.
    pub fn panic_on_bug(self) -> Outcome {
        if let Outcome::Bug(message) = &self {
            panic!("{message}");
        }
        self
    }
}

/// A bug found: what happened and the (minimised) input that does it.
#[derive(Debug, Clone)]
pub struct Finding {
    /// `panic: <message>` or the target's [`Outcome::Bug`] text.
    pub message: String,
    /// The minimised input.
    pub input: Vec<u8>,
    /// The input as first found (before minimising).
    pub original: Vec<u8>,
    /// Where the minimised input was saved, if it could be.
    pub saved_to: Option<PathBuf>,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct FuzzReport {
    /// The target's name.
    pub name: String,
    /// The seed number used.
    pub seed: u64,
    /// Inputs run (seeds and mutants).
    pub inputs_run: usize,
    /// Inputs accepted.
    pub accepted: usize,
    /// Inputs rejected with an error.
    pub rejected: usize,
    /// The distinct error messages, with digits and quoted values blanked out so that messages
    /// differing only in a line number or a value count once, and how often each came.
    pub distinct_errors: BTreeMap<String, usize>,
    /// The bugs, at most one per distinct bug message shape.
    pub findings: Vec<Finding>,
    /// Wall time of the whole run.
    pub elapsed: Duration,
    /// The slowest input's time, and the input.
    pub slowest: (Duration, Vec<u8>),
}

impl FuzzReport {
    /// A few lines: inputs run, outcomes, distinct errors, bugs, time.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "fuzz `{}` (seed {}): {} inputs ({} accepted, {} rejected with {} distinct error \
             messages), {} bugs, {:.1} s (slowest input {:.1} ms)",
            self.name,
            self.seed,
            self.inputs_run,
            self.accepted,
            self.rejected,
            self.distinct_errors.len(),
            self.findings.len(),
            self.elapsed.as_secs_f64(),
            self.slowest.0.as_secs_f64() * 1e3,
        );
        for f in &self.findings {
            let _ = write!(
                s,
                "\n\n--- {}\nminimised input ({} bytes, from {}){}:\n{}",
                f.message,
                f.input.len(),
                f.original.len(),
                f.saved_to
                    .as_ref()
                    .map(|p| format!(", saved to {}", p.display()))
                    .unwrap_or_default(),
                hex_dump(&f.input, 512)
            );
        }
        s
    }

    /// Panic with the [`FuzzReport::summary`] when there is a bug; else print the summary line.
    pub fn assert_clean(&self) {
        if !self.findings.is_empty() {
            panic!("{}", self.summary());
        }
        eprintln!("{}", self.summary());
    }
}

/// A deterministic mutation fuzzer; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Fuzzer {
    name: String,
    seeds: Vec<Vec<u8>>,
    seed: u64,
    iterations: usize,
    max_len: usize,
    tokens: Vec<Vec<u8>>,
    minimise_budget: usize,
}

/// Tokens every fuzzer writes into inputs: structure characters, numbers at the edges of their
/// types, special floats, invalid UTF-8.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b"\"\"",
    b"\n",
    b"\r\n",
    b"\r",
    b"\0",
    b",",
    b";",
    b"\t",
    b"|",
    b":",
    b"#",
    b" ",
    b"=",
    b"[",
    b"]",
    b"{",
    b"}",
    b"0",
    b"-0",
    b"1e308",
    b"1e309",
    b"-1e309",
    b"4.9e-324",
    b"2147483647",
    b"2147483648",
    b"4294967296",
    b"9007199254740993",
    b"18446744073709551615",
    b"18446744073709551616",
    b"99999999999999999999999999999999",
    b"-9223372036854775808",
    b"inf",
    b"-inf",
    b"nan",
    b"NaN",
    b"NA",
    b"true",
    b"2024-02-30",
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\xef\xbb\xbf",
    b"\xe2\x80\xa8",
];

impl Fuzzer {
    /// A fuzzer named `name` (in reports and saved files) mutating `seeds`.
    pub fn new<S: AsRef<[u8]>>(name: &str, seeds: impl IntoIterator<Item = S>) -> Fuzzer {
        let seed = std::env::var(SEED_ENV)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Fuzzer {
            name: name.to_string(),
            seeds: seeds.into_iter().map(|s| s.as_ref().to_vec()).collect(),
            seed,
            iterations: 1000,
            max_len: 1 << 16,
            tokens: TOKENS.iter().map(|t| t.to_vec()).collect(),
            minimise_budget: 2000,
        }
    }

    /// The number of mutants when `SATORI_FUZZ_ITERS` is not set (default 1000).
    pub fn default_iterations(mut self, n: usize) -> Self {
        self.iterations = n;
        self
    }

    /// The seed number (default 0, or `SATORI_FUZZ_SEED`): another number, other mutants.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The longest mutant in bytes (default 64 KiB); longer ones are cut.
    pub fn max_len(mut self, n: usize) -> Self {
        self.max_len = n.max(1);
        self
    }

    /// More tokens to write into inputs (format keywords such as `qid:` or `[columns]`).
    pub fn tokens<T: AsRef<[u8]>>(mut self, tokens: impl IntoIterator<Item = T>) -> Self {
        self.tokens
            .extend(tokens.into_iter().map(|t| t.as_ref().to_vec()));
        self
    }

    /// The number of mutants this fuzzer makes: `SATORI_FUZZ_ITERS`, or the default.
    pub fn iterations(&self) -> usize {
        std::env::var(ITERS_ENV)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(self.iterations)
    }

    /// The inputs a run without feedback would use: the seeds, then the mutants of the seeds.
    /// ([`Fuzzer::run`] also mutates inputs that gave new outcomes.)
    pub fn inputs(&self) -> Vec<Vec<u8>> {
        let mut rng = Rng::new(self.seed, &self.name);
        let mut out = self.seeds.clone();
        for _ in 0..self.iterations() {
            out.push(self.mutant(&self.seeds, &mut rng));
        }
        out
    }

    /// Run `target` on the seeds and on [`Fuzzer::iterations`] mutants, each under
    /// `catch_unwind`; a panic is a bug. Inputs whose outcome is new (a new error message
    /// shape, or the first acceptance) join the corpus that mutants are drawn from.
    pub fn run(&self, target: impl Fn(&[u8]) -> Outcome) -> FuzzReport {
        install_panic_capture();
        let start = Instant::now();
        let mut rng = Rng::new(self.seed, &self.name);
        let mut corpus = self.seeds.clone();
        if corpus.is_empty() {
            corpus.push(Vec::new());
        }
        let mut report = FuzzReport {
            name: self.name.clone(),
            seed: self.seed,
            inputs_run: 0,
            accepted: 0,
            rejected: 0,
            distinct_errors: BTreeMap::new(),
            findings: Vec::new(),
            elapsed: Duration::ZERO,
            slowest: (Duration::ZERO, Vec::new()),
        };
        let mut bug_shapes = BTreeSet::new();
        let n = self.seeds.len() + self.iterations();
        for i in 0..n {
            let input = match self.seeds.get(i) {
                Some(s) => s.clone(),
                None => self.mutant(&corpus, &mut rng),
            };
            let t0 = Instant::now();
            let outcome = run_one(&target, &input);
            let took = t0.elapsed();
            if took > report.slowest.0 {
                report.slowest = (took, input.clone());
            }
            report.inputs_run += 1;
            match outcome {
                Outcome::Accepted => {
                    if report.accepted == 0 && i >= self.seeds.len() {
                        corpus.push(input);
                    }
                    report.accepted += 1;
                }
                Outcome::Rejected(msg) => {
                    report.rejected += 1;
                    let count = report.distinct_errors.entry(shape(&msg)).or_insert(0);
                    *count += 1;
                    if *count == 1 && corpus.len() < 4096 {
                        corpus.push(input);
                    }
                }
                Outcome::Bug(msg) => {
                    if bug_shapes.insert(shape(&msg)) {
                        report.findings.push(self.finding(&target, msg, input));
                    }
                }
            }
        }
        report.elapsed = start.elapsed();
        report
    }

    /// A bug's finding: the input minimised while it still gives a bug of the same shape.
    fn finding(
        &self,
        target: &impl Fn(&[u8]) -> Outcome,
        message: String,
        input: Vec<u8>,
    ) -> Finding {
        let want = shape(&message);
        let same = |b: &[u8]| matches!(run_one(target, b), Outcome::Bug(m) if shape(&m) == want);
        let small = minimise(&input, self.minimise_budget, same);
        let saved_to = save(&self.name, &small);
        Finding {
            message,
            input: small,
            original: input,
            saved_to,
        }
    }

    /// One mutant of an input drawn from `corpus`: one to four stacked mutations.
    fn mutant(&self, corpus: &[Vec<u8>], rng: &mut Rng) -> Vec<u8> {
        let base = if corpus.is_empty() {
            Vec::new()
        } else {
            corpus[rng.below(corpus.len())].clone()
        };
        let mut b = base;
        for _ in 0..1 + rng.below(4) {
            self.mutate(&mut b, corpus, rng);
        }
        b.truncate(self.max_len);
        b
    }

    fn mutate(&self, b: &mut Vec<u8>, corpus: &[Vec<u8>], rng: &mut Rng) {
        let len = b.len();
        match rng.below(14) {
            // Flip one to four bits.
            0 if len > 0 => {
                for _ in 0..1 + rng.below(4) {
                    let i = rng.below(len);
                    b[i] ^= 1 << rng.below(8);
                }
            }
            // Set a byte to anything.
            1 if len > 0 => {
                let i = rng.below(len);
                b[i] = rng.next() as u8;
            }
            // Insert random bytes.
            2 => {
                let at = rng.below(len + 1);
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                b.splice(at..at, bytes);
            }
            // Delete a range.
            3 if len > 0 => {
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(64));
                b.drain(at..at + n);
            }
            // Duplicate a range somewhere.
            4 if len > 0 => {
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(256));
                let piece = b[at..at + n].to_vec();
                let to = rng.below(len + 1);
                b.splice(to..to, piece);
            }
            // Truncate.
            5 if len > 0 => b.truncate(rng.below(len)),
            // Splice: this input's start with another's end.
            6 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())];
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                b.truncate(cut);
                b.extend_from_slice(&other[from..]);
            }
            // Insert a token, or overwrite with one.
            7 | 8 => {
                let t = &self.tokens[rng.below(self.tokens.len())];
                let at = rng.below(len + 1);
                if rng.below(2) == 0 || at == len {
                    b.splice(at..at, t.iter().copied());
                } else {
                    let end = (at + t.len()).min(len);
                    b.splice(at..end, t.iter().copied());
                }
            }
            // Lines: delete, duplicate or swap.
            9 | 10 => {
                let lines = line_spans(b);
                if lines.len() < 2 {
                    return;
                }
                let (s, e) = lines[rng.below(lines.len())];
                match rng.below(3) {
                    0 => {
                        b.drain(s..e);
                    }
                    1 => {
                        let piece = b[s..e].to_vec();
                        b.splice(s..s, piece);
                    }
                    _ => {
                        let (s2, e2) = lines[rng.below(lines.len())];
                        if e <= s2 {
                            let (l1, l2) = (b[s..e].to_vec(), b[s2..e2].to_vec());
                            b.splice(s2..e2, l1);
                            b.splice(s..e, l2);
                        }
                    }
                }
            }
            // Change a digit, or a whole number.
            11 if len > 0 => {
                let digits: Vec<usize> = (0..len).filter(|&i| b[i].is_ascii_digit()).collect();
                if !digits.is_empty() {
                    let i = digits[rng.below(digits.len())];
                    b[i] = b'0' + rng.below(10) as u8;
                }
            }
            // A long run of one byte (long fields, long lines).
            12 => {
                let at = rng.below(len + 1);
                let byte = [b'a', b'9', b'"', b',', b' ', b'\n'][rng.below(6)];
                let n = 64 + rng.below(2048);
                b.splice(at..at, std::iter::repeat_n(byte, n));
            }
            // Swap two bytes.
            _ if len > 1 => {
                let (i, j) = (rng.below(len), rng.below(len));
                b.swap(i, j);
            }
            _ => {}
        }
    }
}

/// The byte ranges of the lines of `b`, each with its line end.
fn line_spans(b: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        if c == b'\n' {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < b.len() {
        out.push((start, b.len()));
    }
    out
}

/// A message with the parts that vary with the input blanked: runs of digits become `#`, a
/// quoted value (between backquotes, which a value may itself hold) becomes `…`.
fn shape(msg: &str) -> String {
    let chars: Vec<char> = msg.chars().collect();
    let opens = |i: usize| i == 0 || " ([{,:;".contains(chars[i - 1]);
    let closes = |i: usize| i + 1 == chars.len() || " )]},:;.?!".contains(chars[i + 1]);
    let mut out = String::with_capacity(msg.len());
    let mut in_quote = false;
    let mut last_digit = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == '`' && !in_quote && opens(i) {
            out.push_str("`…`");
            in_quote = true;
            last_digit = false;
        } else if in_quote {
            in_quote = !(c == '`' && closes(i));
        } else if c.is_ascii_digit() {
            if !last_digit {
                out.push('#');
            }
            last_digit = true;
        } else {
            out.push(c);
            last_digit = false;
        }
    }
    out
}

/// The smallest input found (removing chunks of bytes, halving the chunk size) for which
/// `still` holds, with at most `budget` tries.
pub fn minimise(input: &[u8], budget: usize, still: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let mut best = input.to_vec();
    let mut tries = 0;
    let mut chunk = best.len().div_ceil(2).max(1);
    while tries < budget {
        let mut removed = false;
        let mut at = 0;
        while at < best.len() && tries < budget {
            let end = (at + chunk).min(best.len());
            let mut candidate = best[..at].to_vec();
            candidate.extend_from_slice(&best[end..]);
            tries += 1;
            if still(&candidate) {
                best = candidate;
                removed = true;
            } else {
                at = end;
            }
        }
        if chunk == 1 && !removed {
            break;
        }
        if !removed {
            chunk = chunk.div_ceil(2).max(1);
        }
    }
    best
}

/// `bytes` as a hex dump (16 bytes a line, offsets, printable ASCII beside), at most `limit`
/// bytes of it.
pub fn hex_dump(bytes: &[u8], limit: usize) -> String {
    let mut s = String::new();
    for (row, chunk) in bytes[..bytes.len().min(limit)].chunks(16).enumerate() {
        let _ = write!(s, "{:08x}  ", row * 16);
        for i in 0..16 {
            match chunk.get(i) {
                Some(b) => {
                    let _ = write!(s, "{b:02x} ");
                }
                None => s.push_str("   "),
            }
        }
        s.push(' ');
        s.extend(chunk.iter().map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        }));
        s.push('\n');
    }
    if bytes.len() > limit {
        let _ = writeln!(s, "… {} bytes in all", bytes.len());
    }
    s
}

/// Save a bug's input; the path, or `None` when it cannot be written.
fn save(name: &str, input: &[u8]) -> Option<PathBuf> {
    let dir = std::env::var_os(FINDINGS_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("satori-fuzz"));
    std::fs::create_dir_all(&dir).ok()?;
    let safe: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let path = dir.join(format!("{safe}-{:016x}.bin", fnv(input)));
    std::fs::write(&path, input).ok()?;
    Some(path)
}

fn fnv(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325, |h, &x| {
        (h ^ u64::from(x)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// SplitMix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, name: &str) -> Rng {
        Rng(seed ^ fnv(name.as_bytes()))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` ≥ 1).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

thread_local! {
    /// Whether this thread is running a fuzz target (its panics are captured, not printed).
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    /// The last captured panic's message and place.
    static CAPTURED: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Install (once) a panic hook that records the panics of fuzz targets instead of printing
/// them, and hands every other panic to the hook that was there before.
fn install_panic_capture() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CAPTURING.with(Cell::get) {
                CAPTURED.with(|c| *c.borrow_mut() = Some(info.to_string()));
            } else {
                previous(info);
            }
        }));
    });
}

/// Run the target on one input; a panic is a bug.
fn run_one(target: &impl Fn(&[u8]) -> Outcome, input: &[u8]) -> Outcome {
    CAPTURING.with(|c| c.set(true));
    let result = catch_unwind(AssertUnwindSafe(|| target(input)));
    CAPTURING.with(|c| c.set(false));
    match result {
        Ok(outcome) => outcome,
        Err(payload) => {
            let captured = CAPTURED.with(|c| c.borrow_mut().take());
            let text = captured.unwrap_or_else(|| {
                payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic without a message".into())
            });
            Outcome::Bug(format!("panic: {}", text.replace('\n', " ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_inputs() {
        let f = Fuzzer::new("t", ["a,b\n1,2\n"]).default_iterations(200);
        assert_eq!(f.inputs(), f.inputs());
        assert_ne!(f.inputs(), f.clone().seed(1).inputs());
        assert_eq!(f.inputs().len(), 201);
    }

    #[test]
    fn panics_are_found_minimised_and_reported() {
        let report = Fuzzer::new("panicky", ["hello world\n"])
            .default_iterations(500)
            .run(|b| {
                if b.contains(&0) {
                    panic!("a NUL byte");
                }
                Outcome::Rejected(format!("{} bytes", b.len()))
            });
        assert_eq!(report.findings.len(), 1, "{}", report.summary());
        let f = &report.findings[0];
        assert!(f.message.contains("a NUL byte"), "{}", f.message);
        assert_eq!(f.input, [0]);
        assert!(report.summary().contains("00000000  00"));
        assert_eq!(report.distinct_errors.len(), 1, "digits are blanked");
    }

    #[test]
    fn shapes_blank_values_and_numbers() {
        assert_eq!(
            shape("t.csv:12: column `a b`: `1x` is bad"),
            "t.csv:#: column `…`: `…` is bad"
        );
        assert_eq!(shape("x: `a`b``: no (`c`)"), "x: `…`: no (`…`)");
    }

    #[test]
    fn minimise_removes_what_does_not_matter() {
        let small = minimise(b"xxxxabcxxxx", 1000, |b| b.windows(3).any(|w| w == b"abc"));
        assert_eq!(small, b"abc");
    }
}
