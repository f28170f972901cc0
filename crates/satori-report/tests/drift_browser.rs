//! The headless-browser check of `tests/browser/check_drift_report.sh` (the drift report of
//! `satori monitor`), run when a Chromium binary is present (CI installs Debian's `chromium`).
//! Without one it says why it skipped — and in CI (`CI` set to `true` or `1`) a missing Chromium
//! is a failure, so the check never passes silently where it must run.

use std::path::{Path, PathBuf};
use std::process::Command;

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser", "google-chrome"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

#[test]
fn drift_report_renders_in_headless_chromium() {
    let Some(chromium) = find_chromium() else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "CI is set and no chromium binary is on PATH: the drift report's browser check must \
             run in CI (.ci/run installs Debian's chromium; set CHROMIUM=/path/to/chromium)"
        );
        println!(
            "SKIPPED drift_report_renders_in_headless_chromium: no chromium binary on PATH \
             (apt-get install chromium, or set CHROMIUM=/path/to/chromium)"
        );
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = tempfile::tempdir().unwrap();
    let result = Command::new("bash")
        .arg(root.join("tests/browser/check_drift_report.sh"))
        .arg(out.path())
        .current_dir(&root)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("cannot run bash");
    let stdout = String::from_utf8_lossy(&result.stdout);
    let stderr = String::from_utf8_lossy(&result.stderr);
    println!("{stdout}");
    assert!(
        result.status.success(),
        "browser check failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("check_drift_report: OK"), "{stdout}");
    let shot = out.path().join("shot-drift.png");
    let bytes = std::fs::read(&shot).unwrap();
    assert!(bytes.starts_with(&satori_report::PNG_SIGNATURE));
}
