//! `switchboard demo`: the call-center flow end to end, without phones, in one command.
//!
//! The demo starts this executable as a server on a fresh data directory and free
//! loopback ports ([`site`]), sets a call center up through the REST API, serves the IVR
//! application itself ([`ivr_app`]), and plays every person with its own SIP user agent
//! and real RTP ([`phone`], [`media`]): a caller on the trunk's address, agents alice and
//! bob, supervisor sam. Each person sends a tone of its own; what each one hears is
//! decided from the RTP it received ([`hearing`]). [`story`] runs the calls and checks;
//! [`report`] prints the event log and the summary. The run is bounded by [`DEADLINE`].

mod hearing;
mod ivr_app;
mod media;
mod phone;
mod report;
mod site;
mod story;
mod waiting;

use std::process::ExitCode;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use report::{stamp, summary, Check, Line};

/// The whole run, setup included, must end within this.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// How the demo runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Print only the checks and the summary, not the event log.
    pub quiet: bool,
    /// Callers in all (1–4): those beyond the first wait in the queue behind it.
    pub callers: usize,
    /// Leave the server running afterwards (until Ctrl-C), printing its URLs and tokens.
    pub keep: bool,
}

/// Why the story could not go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// A socket could not be bound.
    #[error("cannot bind a {what} socket on loopback: {source}")]
    Bind {
        /// Which kind.
        what: &'static str,
        /// Why.
        source: std::io::Error,
    },
    /// The server could not be started.
    #[error("cannot start the server: {0}")]
    Spawn(std::io::Error),
    /// The server did not print its addresses and tokens.
    #[error("the server did not print its addresses and tokens (see its log)")]
    Banner,
    /// A REST call failed.
    #[error("{request} failed: {answer}")]
    Api {
        /// Method and path.
        request: String,
        /// The answer (or the transport error).
        answer: String,
    },
    /// A SIP request got a failure answer.
    #[error("{what} was answered {status}")]
    Sip {
        /// The method.
        what: &'static str,
        /// The final status.
        status: u16,
    },
    /// A key that is not one of DTMF's sixteen.
    #[error("{key:?} is not a DTMF key")]
    NotAKey {
        /// The key.
        key: char,
    },
    /// A phone had no call up when the story needed one.
    #[error("the phone has no call up")]
    NoCall,
    /// Something expected did not happen in time.
    #[error("timed out waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: &'static str,
    },
}

/// Runs the demo; the exit code is failure when a check failed or the run overran.
pub fn run(options: Options) -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    match runtime {
        Ok(rt) => rt.block_on(run_async(options)),
        Err(e) => {
            eprintln!("switchboard demo: cannot start the runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run_async(options: Options) -> ExitCode {
    let start = Instant::now();
    let (log, lines) = mpsc::unbounded_channel();
    let printer = tokio::spawn(print_lines(lines, start, options.quiet));
    let callers = match options.callers {
        1 => "a caller".to_owned(),
        n => format!("{n} callers"),
    };
    println!("Switchboard demo: {callers}, two agents and a supervisor, simulated on loopback.");
    let (tx_checks, mut rx_checks) = mpsc::unbounded_channel::<Check>();
    let deadline = start + DEADLINE;
    let dir = tempfile::tempdir();
    let (site, outcome) = match &dir {
        Ok(dir) => {
            let result = tokio::time::timeout_at(deadline, async {
                let site = site::Site::start(&exe()?, dir.path(), &rtp_ports()).await?;
                let result = story::run(&site, log.clone(), tx_checks, options.callers).await;
                Ok::<_, DemoError>((site, result))
            })
            .await;
            match result {
                Ok(Ok((site, result))) => (Some(site), result.err().map(|e| e.to_string())),
                Ok(Err(e)) => (None, Some(e.to_string())),
                Err(_) => (
                    None,
                    Some(format!("the {} s deadline passed", DEADLINE.as_secs())),
                ),
            }
        }
        Err(e) => (None, Some(format!("no temporary directory: {e}"))),
    };
    let mut site = site.filter(|_| options.keep);
    drop(log);
    // The printer ends once every sender is gone (phones and streams stop with the story).
    let _ = tokio::time::timeout(Duration::from_secs(2), printer).await;
    let mut checks = Vec::new();
    while let Ok(c) = rx_checks.try_recv() {
        checks.push(c);
    }
    let elapsed = start.elapsed();
    print!("{}", summary(&checks, elapsed, outcome.as_deref()));
    if let Some(site) = site.as_mut() {
        keep(site).await;
        site.stop();
    }
    let passed = outcome.is_none() && !checks.is_empty() && checks.iter().all(|c| c.passed);
    if passed && elapsed <= DEADLINE {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// This executable, which is also the server.
fn exe() -> Result<std::path::PathBuf, DemoError> {
    std::env::current_exe().map_err(DemoError::Spawn)
}

/// A range of 200 RTP ports below the kernel's ephemeral ports (where the simulated
/// people's sockets land), picked by process id so demos side by side do not collide.
fn rtp_ports() -> String {
    let low = 20_000 + (std::process::id() % 50) * 200;
    format!("{low}-{}", low + 199)
}

/// Leaves the server running until Ctrl-C, saying how to reach it.
async fn keep(site: &site::Site) {
    println!("\nThe server keeps running (Ctrl-C stops it):");
    println!("  HTTP API:              http://{}/v1", site.http);
    println!("  SIP:                   udp://{}", site.sip);
    println!("  admin token:           {}", site.admin);
    println!("  call center API token: {}", site.token);
    println!("  server log:            {}", site.log_file.display());
    let _ = tokio::signal::ctrl_c().await;
}

/// Prints the event log as it comes; checks always, other lines unless `quiet`.
async fn print_lines(mut lines: mpsc::UnboundedReceiver<Line>, start: Instant, quiet: bool) {
    while let Some(line) = lines.recv().await {
        let is_check = line.text.starts_with('✓') || line.text.starts_with('✗');
        if !quiet || is_check {
            println!("{}", stamp(start.elapsed(), &line));
        }
    }
}
