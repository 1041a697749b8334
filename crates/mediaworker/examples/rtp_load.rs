//! RTP load generator for one media worker: opens `--legs` legs on ONE worker in
//! conversations of `--members` members (mode 1), drives every leg with G.711 RTP at
//! 50 packets/s from a few generator sockets (batched with `sendmmsg`, read back with
//! `recvmmsg`), and reports loss and tick overruns. `benches/load/media_legs.sh` steps
//! the leg count up to the highest that passes.
//!
//! ```text
//! cargo run --release -p switchboard-mediaworker --example rtp_load -- --legs 2000 --members 2 --secs 10
//! ```
//!
//! `--pin 1` pins the worker thread to a core (`EngineConfig::pin_workers`).
//!
//! Prints one line of `key=value` figures ending in `result=PASS` (zero loss in both
//! directions, zero jitter-buffer concealment after warm-up, zero overruns) or
//! `result=FAIL`.

#![allow(clippy::disallowed_methods)] // a benchmark harness reads the clock

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use sb_media::codec::Codec;
use sb_media::mixer::VoiceMode;
use sb_media::rtp::RtpSender;
use switchboard_mediaworker::sys::{send_batch, RecvBatch};
use switchboard_mediaworker::{Direction, EngineConfig, Event, LegId, LegSpec, MediaEngine, TICK};

/// Legs served by one generator socket.
const LEGS_PER_SOCKET: usize = 48;

#[derive(Debug)]
struct Args {
    legs: usize,
    members: usize,
    secs: u64,
    first_port: u16,
    pin: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        legs: 1000,
        members: 2,
        secs: 10,
        first_port: 20_000,
        pin: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let bad = |_| format!("{flag}: not a number: {value}");
        match flag.as_str() {
            "--legs" => a.legs = value.parse().map_err(bad)?,
            "--members" => a.members = value.parse().map_err(bad)?,
            "--secs" => a.secs = value.parse().map_err(bad)?,
            "--first-port" => a.first_port = value.parse().map_err(bad)?,
            "--pin" => a.pin = value.parse::<u8>().map_err(bad)? != 0,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if !(2..=3).contains(&a.members) || a.legs < a.members {
        return Err("--members is 2 or 3, and --legs at least that".into());
    }
    Ok(a)
}

struct Generator {
    sockets: Vec<UdpSocket>,
    /// Per leg: its worker address, its generator socket and its RTP sender.
    legs: Vec<(SocketAddr, usize, RtpSender)>,
    /// Worker port → leg index, to count what comes back.
    by_port: HashMap<u16, usize>,
    received: Vec<u64>,
    sent: u64,
    payload: [u8; 160],
    batch: RecvBatch,
}

impl Generator {
    fn send_tick(&mut self) {
        let mut bufs: Vec<Vec<Vec<u8>>> = vec![Vec::new(); self.sockets.len()];
        let mut dests: Vec<Vec<SocketAddr>> = vec![Vec::new(); self.sockets.len()];
        for (to, s, tx) in &mut self.legs {
            let mut b = vec![0u8; 200];
            let n = tx
                .write_frame(&self.payload, &mut b)
                .expect("200 bytes hold a frame");
            b.truncate(n);
            bufs[*s].push(b);
            dests[*s].push(*to);
        }
        for (k, sock) in self.sockets.iter().enumerate() {
            let msgs: Vec<(SocketAddr, &[u8])> = dests[k]
                .iter()
                .zip(&bufs[k])
                .map(|(d, b)| (*d, &b[..]))
                .collect();
            self.sent += send_batch(sock, &msgs).unwrap_or(0) as u64;
        }
    }

    fn drain(&mut self) {
        for sock in &self.sockets {
            while let Ok(n) = self.batch.recv(sock) {
                for (from, _) in self.batch.datagrams() {
                    if let Some(&i) = self.by_port.get(&from.port()) {
                        self.received[i] += 1;
                    }
                }
                if n == 0 {
                    break;
                }
            }
        }
    }
}

/// Destroys every leg and sums what their closing reports say: RTP packets lost (RTCP
/// receiver statistics), frames the jitter buffers concealed, and packets too late.
fn close_all(engine: &MediaEngine, legs: &[LegId]) -> (i64, u64, u64) {
    for leg in legs {
        engine
            .destroy_leg(*leg)
            .expect("the command channel holds every leg");
    }
    let (mut lost, mut concealed, mut late) = (0, 0, 0);
    let mut closed = 0;
    while closed < legs.len() {
        match engine.events().recv_timeout(Duration::from_secs(5)) {
            Ok(Event::LegClosed {
                quality, jitter, ..
            }) => {
                closed += 1;
                lost += quality.map_or(0, |q| q.lost);
                concealed += jitter.lost;
                late += jitter.late;
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    (lost, concealed, late)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("rtp_load: {e}");
            std::process::exit(2);
        }
    };
    let legs = args.legs - args.legs % args.members;
    let last_port = u16::try_from(usize::from(args.first_port) + 2 * legs + 64).unwrap_or(u16::MAX);
    let engine = MediaEngine::start(EngineConfig {
        workers: 1,
        bind_ip: "127.0.0.1".parse().expect("a literal address"),
        ports: args.first_port..=last_port,
        rtp_timeout: Duration::from_secs(3600),
        command_capacity: legs * 3 + 64,
        event_capacity: legs * 4 + 64,
        seed: Some(1),
        pin_workers: args.pin,
    })
    .expect("engine starts");
    let n_sockets = legs.div_ceil(LEGS_PER_SOCKET);
    let sockets: Vec<UdpSocket> = (0..n_sockets)
        .map(|_| {
            let s = UdpSocket::bind("127.0.0.1:0").expect("generator socket");
            s.set_nonblocking(true).expect("non-blocking");
            s
        })
        .collect();
    let mut gen = Generator {
        legs: Vec::with_capacity(legs),
        by_port: HashMap::new(),
        received: vec![0; legs],
        sent: 0,
        payload: [0; 160],
        batch: RecvBatch::default(),
        sockets,
    };
    Codec::Pcmu.encode_frame(&[1000; 160], &mut gen.payload);
    let mut conversation = None;
    let mut leg_ids = Vec::with_capacity(legs);
    for i in 0..legs {
        if i % args.members == 0 {
            conversation = Some(engine.create_conversation().expect("conversation"));
        }
        let c = conversation.expect("set at the first member");
        let s = i / LEGS_PER_SOCKET;
        let spec = LegSpec {
            remote: gen.sockets[s].local_addr().expect("bound"),
            codec: Codec::Pcmu,
            telephone_event_pt: Some(101),
            direction: Direction::SendRecv,
        };
        let leg = engine.create_leg_near(c, spec).expect("leg");
        engine
            .add_member(c, leg.leg, VoiceMode::Both)
            .expect("member");
        gen.by_port.insert(leg.local.port(), i);
        gen.legs
            .push((leg.local, s, RtpSender::new(i as u32 + 1, 0, 0, 0)));
        leg_ids.push(leg.leg);
    }

    // Warm up for a second (jitter buffers fill, latches settle), then measure.
    let warmup = 50u32;
    let ticks = warmup + u32::try_from(args.secs * 50).unwrap_or(u32::MAX);
    let start = Instant::now() + TICK;
    let mut base = engine.stats()[0];
    let mut sent_at_base = 0;
    let mut lag_max = Duration::ZERO;
    for n in 0..ticks {
        let deadline = start + TICK * n;
        if let Some(d) = deadline.checked_duration_since(Instant::now()) {
            std::thread::sleep(d);
        }
        lag_max = lag_max.max(Instant::now().saturating_duration_since(deadline));
        if n == warmup {
            gen.drain();
            base = engine.stats()[0];
            sent_at_base = gen.sent;
            gen.received.iter_mut().for_each(|r| *r = 0);
        }
        gen.drain();
        gen.send_tick();
    }
    // Let the worker take the last packets and answer, then count what came back.
    let until = Instant::now() + Duration::from_millis(200);
    while Instant::now() < until {
        std::thread::sleep(Duration::from_millis(5));
        gen.drain();
    }
    let end = engine.stats()[0];
    let gen_sent = gen.sent - sent_at_base;
    let worker_rx = end.rx_datagrams - base.rx_datagrams;
    let worker_tx = end.tx_datagrams - base.tx_datagrams;
    let gen_rx: u64 = gen.received.iter().sum();
    let legs_silent = gen.received.iter().filter(|r| **r == 0).count();
    // Packets in flight at the window's start are counted on one side only: allow
    // one tick's worth either way.
    let slack = legs as u64;
    let loss_up = gen_sent.saturating_sub(worker_rx + slack);
    let loss_down = worker_tx.saturating_sub(gen_rx + slack);
    let overruns = end.overruns - base.overruns;
    let ticks_run = (end.ticks - base.ticks).max(1);
    let mean_work = (end.total_work_us - base.total_work_us) / ticks_run;
    let cpu_per_tick = (end.cpu_us - base.cpu_us) / ticks_run;
    // What one core could carry at this per-leg cost, if the worker had it to itself.
    let legs_per_core = (20_000 * legs as u64)
        .checked_div(cpu_per_tick)
        .unwrap_or(0);
    let expected_tx = legs as u64 * ticks_run;
    let short_tx = expected_tx.saturating_sub(worker_tx + slack);
    let (rtcp_lost, jb_lost, jb_late) = close_all(&engine, &leg_ids);
    engine.shutdown();
    let pass = loss_up == 0
        && loss_down == 0
        && rtcp_lost == 0
        && overruns == 0
        && short_tx == 0
        && legs_silent == 0;
    println!(
        "legs={legs} members={} secs={} pin={} gen_sent={gen_sent} worker_rx={worker_rx} worker_tx={worker_tx} \
         gen_rx={gen_rx} loss_up={loss_up} loss_down={loss_down} short_tx={short_tx} silent_legs={legs_silent} \
         rtcp_lost={rtcp_lost} jb_lost={jb_lost} jb_late={jb_late} overruns={overruns} skipped={} mean_work_us={mean_work} cpu_us_per_tick={cpu_per_tick} cpu_legs_per_core={legs_per_core} max_work_us={} gen_lag_max_us={} result={}",
        args.members,
        args.secs,
        u8::from(args.pin),
        end.skipped_ticks - base.skipped_ticks,
        end.max_work_us,
        lag_max.as_micros(),
        if pass { "PASS" } else { "FAIL" }
    );
}
