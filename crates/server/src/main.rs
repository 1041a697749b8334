//! `switchboard`: the call-center softswitch server.
//!
//! Reads its configuration ([`config`]), opens the store, prints the tokens on first start
//! ([`bootstrap`]), serves the HTTP API, and shuts down cleanly on SIGTERM or Ctrl-C.

mod bootstrap;
mod config;
mod demo;
mod sip_settings;
mod telemetry;

use std::sync::Arc;

use actix_web::{App, HttpServer};
use anyhow::Context as _;
use clap::Parser as _;
use sb_store::{SqliteStore, StoreHandle};

use crate::config::{Cli, Command, Config, LogFormat};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Demo(args)) = cli.command {
        return demo::run(demo::Options {
            quiet: args.quiet,
            keep: args.keep,
            callers: usize::from(args.callers),
        });
    }
    let config = match Config::load(&cli.settings) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("switchboard: configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    if let Some(Command::PrintConfig) = cli.command {
        match toml::to_string_pretty(&config) {
            Ok(text) => print!("{text}"),
            Err(e) => eprintln!("switchboard: {e}"),
        }
        return std::process::ExitCode::SUCCESS;
    }
    init_logging(config.log_format);
    if let Err(e) = telemetry::install_metrics() {
        eprintln!("switchboard: cannot install the metrics recorder: {e}");
        return std::process::ExitCode::FAILURE;
    }
    let system = actix_web::rt::System::new();
    match system.block_on(run(config)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("switchboard: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn run(config: Config) -> anyhow::Result<()> {
    let store = SqliteStore::open(&config.data_dir)
        .with_context(|| format!("opening the data directory {}", config.data_dir.display()))?;
    let store = StoreHandle::new(store);
    let (state, first) = bootstrap::prepare(
        &store,
        &config.data_dir,
        config.admin_token.as_deref(),
        Arc::new(sb_api::SystemClock),
    )?;

    let mut sip_config = sb_engine::SipConfig::new(config.sip_listen);
    sip_config.public_ip = config.public_ip;
    config.sip.apply(&mut sip_config)?;
    sip_config.media.ports = config.rtp_ports.low..=config.rtp_ports.high;
    // RTP on the SIP address when that is a specific one (a host with several).
    sip_config.media.bind_ip = config.sip_listen.ip();
    let (bus, wake) = sb_events::EventBus::new(store.clone());
    let _dispatcher =
        sb_events::dispatcher::spawn(&bus, wake, sb_events::dispatcher::DeliveryConfig::default());
    let ivr = sb_engine::ivr::IvrServices::new(
        sb_engine::ivr::IvrConfig::new(
            Some(sb_store::FileLibrary::new(config.data_dir.join("media"))),
            config.data_dir.join("prompt-cache"),
        ),
        bus.clone(),
        Arc::new(sb_engine::clock::SystemClock),
    )
    .context("starting the IVR services")?;
    let sip = sb_engine::SipEndpoint::start_with(sip_config, store.clone(), Some(ivr))
        .await
        .with_context(|| format!("starting SIP on {}", config.sip_listen))?;

    let acd = sb_engine::acd::CallCenterHub::start(sb_engine::acd::HubConfig {
        store: store.clone(),
        events: bus.clone(),
        clock: Arc::new(sb_engine::clock::SystemClock),
        connector: Arc::new(sip.agent_connector(store.clone())),
        seed: None,
    })
    .await
    .context("restoring the logged-in agents")?;
    sip.attach_acd(acd.clone())
        .await
        .context("handing IVR queues to the call center")?;
    let directory = sip.directory();
    let routes = sip.routes();
    let routes_store = store.clone();
    let state = state
        .with_acd(acd.clone())
        .with_conversations(sip.conversations(acd.clone(), store.clone()))
        .with_events(bus)
        .with_metrics(telemetry::metrics_render())
        .with_extension_hook(sb_api::ExtensionHook(Arc::new(move |user: &str| {
            directory.forget(user)
        })))
        .with_routing_hook(sb_api::RoutingHook(Arc::new(move || {
            let (routes, store) = (routes.clone(), routes_store.clone());
            actix_web::rt::spawn(async move {
                if let Err(error) = routes.reload(&store).await {
                    tracing::warn!(%error, "trunks and call centers not reloaded");
                }
            });
        })));

    let app_state = state.clone();
    let server = HttpServer::new(move || {
        App::new()
            .wrap_fn(sb_api::routes::observe)
            .configure(app_state.clone().configure())
    })
    .disable_signals()
    .shutdown_timeout(config.shutdown_grace)
    .bind(config.http_listen)
    .with_context(|| format!("binding the HTTP API to {}", config.http_listen))?;
    let http = server
        .addrs()
        .first()
        .copied()
        .unwrap_or(config.http_listen);
    let server = server.run();

    if let Some(first) = first {
        print!("{}", first.banner(http));
    }
    let sip_addrs = sip.local_addrs();
    println!(
        "SIP listening on udp://{} and tcp://{}",
        sip_addrs.udp, sip_addrs.tcp
    );
    println!("HTTP API listening on http://{http}");
    tracing::info!(
        %http,
        sip = %config.sip_listen,
        rtp = %format!("{}-{}", config.rtp_ports.low, config.rtp_ports.high),
        data_dir = %config.data_dir.display(),
        "switchboard started"
    );

    let handle = server.handle();
    let signals = tokio::spawn(async move {
        let why = shutdown_signal().await;
        tracing::info!(
            signal = why,
            "shutting down: no new requests, finishing running ones"
        );
        handle.stop(true).await;
    });
    server.await.context("HTTP server failed")?;
    signals.abort();
    // SPEC §14: new calls get 503, running ones may finish within the grace, then BYE.
    sip.shutdown_gracefully(std::time::Duration::from_secs(config.shutdown_grace))
        .await;
    acd.flush().await;
    tracing::info!("stopped");
    Ok(())
}

/// Waits for SIGTERM or SIGINT and names it.
async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    match (term, int) {
        (Ok(mut term), Ok(mut int)) => tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        },
        _ => {
            // Without signal handlers, Ctrl-C through tokio's portable path still works.
            let _ = tokio::signal::ctrl_c().await;
            "SIGINT"
        }
    }
}
