//! Helpers shared by the CLI test binaries (each binary uses a subset).
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Run the `satori` binary with `args`.
pub fn satori(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_satori"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// The path of a bundled data file under `data/`.
pub fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
        .display()
        .to_string()
}

/// A run's standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A run's standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A user error: exit code 1, a line starting with `error` naming the problem, no panic or
/// backtrace.
pub fn assert_user_error(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    assert!(
        err.lines().any(|l| l.trim_start().starts_with("error")),
        "{err}"
    );
    for n in needles {
        assert!(err.contains(n), "expected `{n}` in: {err}");
    }
}
