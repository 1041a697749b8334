//! `switchboard demo` end to end: the real binary tells its story on loopback and every
//! check it prints passes, within its deadline.

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The demo's own deadline is 60 s; this bound only keeps a hung run from hanging CI.
const WITHIN: Duration = Duration::from_secs(90);

/// Runs `switchboard demo ARGS`; asserts it succeeded and its summary has every check
/// passed; returns everything it printed and the summary's check lines.
fn demo(args: &[&str]) -> (String, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("demo")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the switchboard binary starts");
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait works") {
            break Some(status);
        }
        if started.elapsed() > WITHIN {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        // A child's exit has no blocking wait with a timeout in std.
        std::thread::park_timeout(Duration::from_millis(100));
    };
    let output = reader.join().unwrap_or_default();
    println!("{output}");
    let status = status.unwrap_or_else(|| panic!("the demo ran over {WITHIN:?}:\n{output}"));
    assert!(status.success(), "the demo failed ({status}):\n{output}");

    let summary = output
        .split("\nSummary\n")
        .nth(1)
        .expect("the demo prints a summary");
    let verdict = summary.lines().last().expect("a verdict line");
    let (passed, total) = verdict
        .strip_prefix("PASS: ")
        .and_then(|v| v.split_once(" checks passed"))
        .and_then(|(count, _)| count.split_once('/'))
        .expect("PASS: n/m checks passed");
    assert_eq!(passed, total, "{verdict}");
    let checks: Vec<String> = summary
        .lines()
        .filter(|l| l.starts_with("  "))
        .map(str::to_owned)
        .collect();
    assert_eq!(checks.len().to_string(), total, "{summary}");
    assert!(checks.iter().all(|l| l.starts_with("  ✓ ")), "{summary}");
    (output, checks)
}

fn has(checks: &[String], claim: &str) -> bool {
    checks.iter().any(|l| l.contains(claim))
}

#[test]
fn the_demo_runs_its_story_and_every_check_passes() {
    let (output, checks) = demo(&[]);
    for claim in [
        "caller hears hold music while queued",
        "caller hears alice's job number",
        "caller hears alice",
        "alice hears caller",
        "sam hears caller",
        "sam hears alice",
        "caller does not hear sam",
        "alice does not hear sam",
        "caller hears bob",
        "bob hears caller",
        "caller returns to the IVR from bob",
        "the IVR gets caller's survey key",
    ] {
        assert!(has(&checks, claim), "no check {claim:?} in:\n{checks:#?}");
    }
    // The event log shows the server's side too.
    assert!(output.contains("queue.success"), "{output}");
}

#[test]
fn a_second_caller_waits_and_is_served_once_alice_is_free_and_quiet_prints_checks_only() {
    let (output, checks) = demo(&["--callers", "2", "--quiet"]);
    for claim in [
        "2 caller(s) wait in the queue while alice is busy",
        "caller2 hears hold music while queued",
        "caller2 hears alice",
        "alice hears caller2",
        "caller2 returns to the IVR from alice",
        "the IVR gets caller2's survey key",
    ] {
        assert!(has(&checks, claim), "no check {claim:?} in:\n{checks:#?}");
    }
    assert!(!output.contains("queue.success"), "quiet: {output}");
}
