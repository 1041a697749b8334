//! The third-party programs these tests drive (PJSIP phones through pjsua2 scripts),
//! found where `cargo xtask test` installs them and always bounded in time.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python with pjsua2: `SWITCHBOARD_PYTHON`, else `.venv/bin/python` at the root.
pub fn python() -> PathBuf {
    std::env::var_os("SWITCHBOARD_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv/bin/python"))
}

/// `tests/interop/pjsua/<name>` under the root.
pub fn pjsua_script(name: &str) -> PathBuf {
    root().join("tests/interop/pjsua").join(name)
}

/// What a script did: whether it exited 0, and everything it printed.
pub struct Outcome {
    pub success: bool,
    pub output: String,
}

/// Runs `script` with `args` under the pjsua2 Python, killing it after `within`.
pub fn run_script(script: &str, args: &[String], within: Duration) -> Outcome {
    let mut child = Command::new(python())
        .arg(pjsua_script(script))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the pjsua2 Python runs (cargo xtask test installs it)");
    let drain = |mut from: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = from.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped")));
    let mut success = None;
    for _ in 0..within.as_millis() / 100 {
        if let Some(status) = child.try_wait().expect("wait works") {
            success = Some(status.success());
            break;
        }
        // A child's exit has no blocking wait with a timeout in std.
        std::thread::park_timeout(Duration::from_millis(100));
    }
    if success.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let output = format!(
        "{}\n{}",
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default()
    );
    Outcome {
        success: success.unwrap_or(false),
        output: match success {
            Some(_) => output,
            None => format!("{script} did not finish within {within:?}\n{output}"),
        },
    }
}
