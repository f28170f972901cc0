//! The headless-browser check of `tests/browser/check_report.sh`, run when a Chromium binary is
//! present (CI installs Debian's `chromium`). Without one it says why it skipped — and in CI
//! (`CI` set to `true` or `1`) a missing Chromium is a failure, so the check never passes silently
//! where it must run.
//!
//! The script renders reports of models on the bundled breast_cancer, wine and diabetes data in
//! headless Chromium, checks the rendered DOM for every section and picture, takes a 1200×3000
//! screenshot that must not be blank, and fails on any console message (the report's
//! Content-Security-Policy turns any attempt to load something from outside into one).

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
fn report_renders_in_headless_chromium() {
    let Some(chromium) = find_chromium() else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "CI is set and no chromium binary is on PATH: the report's browser check must run in \
             CI (.ci/run installs Debian's chromium; set CHROMIUM=/path/to/chromium)"
        );
        println!(
            "SKIPPED report_renders_in_headless_chromium: no chromium binary on PATH (apt-get install \
             chromium, or set CHROMIUM=/path/to/chromium); tests/browser/check_report.sh installs it"
        );
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = tempfile::tempdir().unwrap();
    let result = Command::new("bash")
        .arg(root.join("tests/browser/check_report.sh"))
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
    assert!(stdout.contains("check_report: OK"), "{stdout}");
    for dataset in ["breast_cancer", "wine", "diabetes"] {
        let shot = out.path().join(format!("shot-{dataset}.png"));
        let bytes = std::fs::read(&shot).unwrap();
        assert!(
            bytes.starts_with(&satori_report::PNG_SIGNATURE),
            "{}",
            shot.display()
        );
    }
}
