//! `cargo xtask`: the project's own automation, in Rust so it runs wherever cargo does.
//!
//! - `cargo xtask setup` installs what the tests need: Debian packages (when run as root;
//!   otherwise it prints the exact `apt-get` line and stops) and the `pjsua2-python` wheel in a
//!   local virtualenv (`.venv/`) for the PJSIP interop tests.
//! - `cargo xtask test` runs `setup`, then the whole test suite.
//! - `cargo xtask fuzz [SECONDS]` builds every fuzz target and runs each for SECONDS (default 10).
//!
//! Quiet on success: each step prints one line; a failing step shows its output.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// Debian packages the build and the tests need.
const APT_PACKAGES: &[&str] = &[
    // webrtc-audio-processing (cargo feature `apm`) builds against these.
    "libclang-dev",
    "libwebrtc-audio-processing-dev",
    "pkg-config",
    // SIPp, for SIP interop and load tests.
    "sip-tester",
    // Kamailio, the SIP edge in front of several nodes (docs/kamailio/, its interop test).
    "kamailio",
    // A virtualenv for the PJSIP (pjsua2) interop tests.
    "python3-venv",
];

/// The PyPI package with PJSIP's Python binding.
const PJSUA2_WHEEL: &str = "pjsua2-python";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup(&root),
        Some("test") => setup(&root).and_then(|()| test(&root, &args[1..])),
        Some("fuzz") => fuzz(&root, args.get(1).map(String::as_str)),
        _ => {
            eprintln!("usage: cargo xtask <setup | test [cargo test args] | fuzz [SECONDS]>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// Runs a command quietly; on failure returns its output in the error.
fn quiet(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn missing_packages() -> Vec<&'static str> {
    APT_PACKAGES
        .iter()
        .copied()
        .filter(|p| {
            let out = Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .output();
            !out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .collect()
}

fn setup(root: &Path) -> Result<(), String> {
    let missing = missing_packages();
    if !missing.is_empty() {
        let line = format!(
            "apt-get install -y --no-install-recommends {}",
            missing.join(" ")
        );
        if !is_root() {
            return Err(format!(
                "the tests need Debian packages that are not installed; run:\n  sudo apt-get update && sudo {line}"
            ));
        }
        println!("setup: installing {}", missing.join(" "));
        quiet(Command::new("apt-get").args(["update", "-qq"]))?;
        quiet(
            Command::new("apt-get")
                .env("DEBIAN_FRONTEND", "noninteractive")
                .args(["install", "-y", "-qq", "--no-install-recommends"])
                .args(&missing),
        )?;
    }
    let venv = root.join(".venv");
    let python = venv.join("bin/python");
    if !succeeds(Command::new(&python).args(["-c", "import pjsua2"])) {
        println!("setup: installing {PJSUA2_WHEEL} into .venv");
        if !python.exists() {
            quiet(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        }
        quiet(
            Command::new(&python)
                .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
                .arg(PJSUA2_WHEEL),
        )?;
    }
    println!("setup: test peers ready (Debian packages, .venv with pjsua2)");
    Ok(())
}

fn test(root: &Path, extra: &[String]) -> Result<(), String> {
    let python = root.join(".venv/bin/python");
    let status = Command::new(env!("CARGO"))
        .current_dir(root)
        .env("SWITCHBOARD_PYTHON", &python)
        // Every test binary runs even after one fails, so a run reports all failures at once.
        .args([
            "test",
            "--workspace",
            "--all-features",
            "--quiet",
            "--no-fail-fast",
        ])
        .args(extra)
        .status()
        .map_err(|e| format!("cannot run cargo test: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo test failed ({status})"))
    }
}

fn fuzz(root: &Path, seconds: Option<&str>) -> Result<(), String> {
    let seconds: u32 = seconds
        .unwrap_or("10")
        .parse()
        .map_err(|_| "SECONDS must be a whole number".to_owned())?;
    if !succeeds(Command::new(env!("CARGO")).args(["fuzz", "--version"])) {
        println!("fuzz: installing cargo-fuzz");
        quiet(Command::new(env!("CARGO")).args(["install", "--locked", "-q", "cargo-fuzz"]))?;
    }
    let dir = root.join("fuzz");
    // cargo-fuzz needs nightly-only sanitizer flags; the stable toolchain allows them under
    // RUSTC_BOOTSTRAP, which we confine to this one build.
    let cargo_fuzz = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO"));
        c.current_dir(&dir)
            .env("RUSTC_BOOTSTRAP", "1")
            .arg("fuzz")
            .args(args);
        c
    };
    quiet(&mut cargo_fuzz(&["build", "-O"]))?;
    let list = Command::new(env!("CARGO"))
        .current_dir(&dir)
        .args(["fuzz", "list"])
        .output()
        .map_err(|e| format!("cargo fuzz list: {e}"))?;
    let targets: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    for t in &targets {
        let max_time = format!("-max_total_time={seconds}");
        quiet(&mut cargo_fuzz(&[
            "run",
            "-O",
            t,
            "--",
            &max_time,
            "-rss_limit_mb=2048",
        ]))
        .map_err(|e| format!("fuzz target {t} found a failure:\n{e}"))?;
    }
    println!(
        "fuzz: {} targets ran {seconds} s each without a failure",
        targets.len()
    );
    Ok(())
}
