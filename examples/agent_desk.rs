//! # `agent_desk` — an agent desktop on the command line
//!
//! Drives one agent through Switchboard's REST API: log in with skills, change state, and
//! every agent operation of SPEC §6 (`reject`, `callout`, `callagent`, `forwardAgent`,
//! `xferAgent`, `xferOut`, `pause`, `resume`, `setVoiceIoMode`, `join`, `depart`,
//! `inviteAgent`, `inviteOut`); `watch` follows the call center's live events and resumes
//! after a dropped connection. The logic is in `desk/` beside this file.
//!
//! ## Run it against a local `switchboard`
//!
//! ```sh
//! cargo run -p switchboard-server          # prints the call center's API token on first start
//! export SWITCHBOARD_URL=http://127.0.0.1:8080 SWITCHBOARD_TOKEN=sb_…
//! alias desk='cargo run -q -p switchboard-examples --example agent_desk --'
//! desk watch &                                           # one line per event
//! desk login alice --extension <extension id> --num 1001 --skill sales=80 --skill general
//! desk state alice idle                                  # now offered queue calls
//! desk callout alice 13800000000 --max-answer-seconds 600
//! desk pause alice --conversation <id>; desk resume alice --conversation <id>
//! desk xfer-agent alice --conversation <id> --skill support --keep
//! desk depart alice --conversation <id> --data no_survey
//! desk --help                                            # every command; seed names work too
//! ```
//!
//! ## What to expect
//!
//! Each command prints the API's answer readably (`--json` prints the envelope as it came):
//! the ids an operation created (`conversation_id`, `call_id`, `task_id`), or the agent. A
//! refusal prints the API's message and exits with 1 (3 when the server cannot be reached,
//! 2 for a wrong command line); outcomes of operations arrive as events, which `watch`
//! prints as `#<seq> <event> key=value …`.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use switchboard_examples::desk::cli::{Cli, Command};
use switchboard_examples::desk::client::{render, Client, DeskError};
use switchboard_examples::desk::request::Paths;
use switchboard_examples::desk::sse::{watch, Watch};

fn run(cli: &Cli) -> Result<(), DeskError> {
    let client = Client::new(&cli.url, &cli.token)?;
    let paths = Paths::new(cli.callcenter.as_deref());
    let stdout = std::io::stdout();
    if let Command::Watch { since, count } = &cli.command {
        let w = Watch {
            since: *since,
            count: *count,
            retry: Duration::from_secs(1),
        };
        watch(
            &client,
            &paths,
            &w,
            &mut stdout.lock(),
            &mut std::io::stderr(),
        )?;
        return Ok(());
    }
    let envelope = client.send(&cli.command.request(&paths)?)?;
    let text = if cli.json {
        envelope.to_string()
    } else {
        render(&envelope)
    };
    writeln!(stdout.lock(), "{text}")?;
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("agent_desk: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
