//! A stand-alone Switchboard registrar for load tests: the SIP endpoint on a fresh SQLite
//! data directory seeded with numbered type-1 extensions, abuse controls off (a load
//! generator is one source sending far beyond any phone's rate).
//!
//! ```text
//! cargo run --release -p switchboard-engine --example registrar -- \
//!     --listen 127.0.0.1:5070 --users 1000 --first 100000 --password secret99 [--md5-first]
//! ```
//! Prints `ready udp=… tcp=…` once listening; stops on Ctrl-C or when stdin closes.

use std::error::Error;

use sb_sip::auth::Algorithm;
use sb_store::{ExtensionKind, NewCallCenter, SqliteStore, StoreHandle};
use switchboard_engine::{BanPolicy, RateLimit, SipConfig, SipEndpoint};
use tokio::io::AsyncReadExt;

struct Args {
    listen: String,
    users: u32,
    first: u32,
    password: String,
    md5_first: bool,
}

fn args() -> Result<Args, Box<dyn Error>> {
    let mut a = Args {
        listen: "127.0.0.1:5070".into(),
        users: 1000,
        first: 100_000,
        password: "secret99".into(),
        md5_first: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--listen" => a.listen = value()?,
            "--users" => a.users = value()?.parse()?,
            "--first" => a.first = value()?.parse()?,
            "--password" => a.password = value()?,
            "--md5-first" => a.md5_first = true,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    Ok(a)
}

fn seed(store: &StoreHandle, a: &Args) -> Result<(), Box<dyn Error>> {
    let s = store.blocking();
    let new = NewCallCenter::named("load");
    let cc = s.create_callcenter(&new, 0)?;
    for n in a.first..a.first + a.users {
        let kind = ExtensionKind::Terminal {
            user: n.to_string(),
            password: a.password.clone(),
        };
        s.create_extension(&cc.id, &kind, 0)?;
    }
    Ok(())
}

#[actix_rt::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let a = args()?;
    let dir = tempfile::tempdir()?;
    let store = StoreHandle::new(SqliteStore::open(dir.path())?);
    seed(&store, &a)?;
    let mut cfg = SipConfig::new(a.listen.parse()?);
    cfg.rate_limit = RateLimit {
        enabled: false,
        ..RateLimit::default()
    };
    cfg.ban = BanPolicy {
        enabled: false,
        ..BanPolicy::default()
    };
    if a.md5_first {
        cfg.digest_algorithms = vec![Algorithm::Md5, Algorithm::Sha256];
    }
    let sip = SipEndpoint::start(cfg, store).await?;
    let addrs = sip.local_addrs();
    println!("ready udp={} tcp={}", addrs.udp, addrs.tcp);
    let mut stdin = tokio::io::stdin();
    let mut sink = [0u8; 64];
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { while stdin.read(&mut sink).await.is_ok_and(|n| n > 0) {} } => {}
    }
    sip.shutdown().await;
    Ok(())
}
