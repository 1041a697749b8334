//! Shared plumbing for the interop tests: find the peer programs, run them bounded in
//! time, and fail (never skip) when one is missing.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

/// Longest a peer program may run.
pub const PEER_RUNS_WITHIN: Duration = Duration::from_secs(60);

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `tests/interop/<rel>` under the workspace root.
pub fn interop_file(rel: &str) -> PathBuf {
    root().join("tests/interop").join(rel)
}

/// The Python with pjsua2: `SWITCHBOARD_PYTHON`, else `.venv/bin/python` at the root.
pub fn python() -> PathBuf {
    std::env::var_os("SWITCHBOARD_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv/bin/python"))
}

/// What a peer program did.
pub struct Run {
    pub success: bool,
    pub output: String,
}

/// Runs `program` with `args`, bounded by [`PEER_RUNS_WITHIN`]; panics if it cannot start.
pub async fn run(program: &std::path::Path, args: &[String], cwd: &std::path::Path) -> Run {
    let child = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "{} must be installed to run interop tests: {e}",
                program.display()
            )
        });
    let out = tokio::time::timeout(PEER_RUNS_WITHIN, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{} did not finish in time", program.display()))
        .expect("the peer's output is readable");
    Run {
        success: out.status.success(),
        output: format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// A UDP/TCP port free right now on `ip` (for SIPp, which needs an explicit local port
/// so tests can run in parallel).
pub fn free_port(ip: &str) -> u16 {
    let udp = std::net::UdpSocket::bind((ip, 0)).expect("bind");
    udp.local_addr().expect("bound").port()
}
