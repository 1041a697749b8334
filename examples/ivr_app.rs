//! # `ivr_app` — an IVR web application for Switchboard
//!
//! A contact center's own web application, the side of the XML IVR (docs/ivr.md) that
//! Switchboard calls: it greets callers with a menu (`<get>` one key), queues them for sales
//! (key 1) or support (key 2) with an `<enqueue>` on skill routes, `wait_voice`,
//! `hold_voice` and `play_num`, takes a voicemail (key 3, or when no agent answers), and after
//! the agent leaves asks the caller for a 1–5 score (`<get>` again), then `<hangup/>`. The
//! flow is in `ivr/` beside this file.
//!
//! ## Run it against a local `switchboard`
//!
//! ```sh
//! cargo run -p switchboard-server                       # prints the tokens on first start
//! cargo run -p switchboard-examples --example ivr_app   # listens on 127.0.0.1:9000
//! # point the call center's IVR at it (admin token, call-center id from the first start):
//! curl -s -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
//!      -d '{"ivr_url": "http://127.0.0.1:9000/ivr"}' http://127.0.0.1:8080/v1/callcenters/$CC
//! # upload the prompts it plays (or pass --prompt NAME=SOURCE to use others):
//! for f in welcome menu survey thanks sorry goodbye; do
//!   curl -s -X PUT -H "Authorization: Bearer $TOKEN" --data-binary @$f.wav \
//!        http://127.0.0.1:8080/v1/callcenter/media/$f.wav; done
//! ```
//!
//! Options: `--listen ADDR` (default `127.0.0.1:9000`), `--public-url URL` (how Switchboard
//! reaches this application, default `http://<listen>`), `--number N` (serve only calls to
//! these inbound numbers; others are refused), `--prompt NAME=SOURCE` (a media file name, an
//! `http(s)` URL or a built-in prompt such as `hold_music`; names: welcome, menu, wait,
//! hold, agent_is, at_service, survey, thanks, sorry, goodbye), `--record` (record every
//! conversation with an agent; the recording's id comes in its end event).
//!
//! ## What to expect
//!
//! A call to one of the trunk's inbound numbers (see `examples/sipp/trunk_calls.xml`) prints
//! one line per step (`start`, `menu … keys=1`, `queue … result=success agent=alice`,
//! `survey …`); agents with the `sales`, `support` or `general` skill get the calls (log
//! them in with the `agent_desk` example). Completed surveys are printed as JSON lines and
//! listed at `GET /surveys`, voicemails at `GET /voicemails`.

use std::net::SocketAddr;
use std::process::ExitCode;

use actix_web::{web, App, HttpServer};
use clap::Parser;
use switchboard_examples::ivr::{configure, AppState, Config};

/// An IVR web application for Switchboard: menu, skill queues, voicemail and survey.
#[derive(Debug, Parser)]
#[command(name = "ivr_app")]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "IVR_APP_LISTEN", default_value = "127.0.0.1:9000")]
    listen: SocketAddr,
    /// The URL at which Switchboard reaches this application (default `http://<listen>`);
    /// every `<next>` URL starts with it.
    #[arg(long, env = "IVR_APP_PUBLIC_URL")]
    public_url: Option<String>,
    /// Serve only calls to this inbound number (repeatable); others are refused.
    #[arg(long = "number", value_name = "NUMBER")]
    numbers: Vec<String>,
    /// Replace a prompt: NAME=SOURCE, e.g. `welcome=https://cdn.example/hello.wav`.
    #[arg(long = "prompt", value_name = "NAME=SOURCE")]
    prompts: Vec<String>,
    /// Record every conversation with an agent (`record="true"` in the `<enqueue>`).
    #[arg(long)]
    record: bool,
}

fn config(args: &Args) -> Result<Config, String> {
    let public = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", args.listen));
    let mut config = Config::new(&public, args.numbers.clone()).map_err(|e| e.to_string())?;
    config.record = args.record;
    for prompt in &args.prompts {
        let (name, source) = prompt
            .split_once('=')
            .ok_or_else(|| format!("--prompt `{prompt}`: expected NAME=SOURCE"))?;
        config
            .prompts
            .set(name, source)
            .map_err(|e| format!("--prompt `{prompt}`: {e}"))?;
    }
    Ok(config)
}

#[actix_web::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let config = match config(&args) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("ivr_app: {e}");
            return ExitCode::from(2);
        }
    };
    println!(
        "ivr_app: set the call center's ivr_url to {}/ivr",
        config.public_url
    );
    let state = web::Data::new(AppState::new(config));
    let server = HttpServer::new(move || App::new().configure(configure(state.clone())))
        .workers(2)
        .bind(args.listen);
    let run = match server {
        Ok(server) => server.run().await,
        Err(e) => Err(e),
    };
    match run {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ivr_app: cannot serve on {}: {e}", args.listen);
            ExitCode::FAILURE
        }
    }
}
