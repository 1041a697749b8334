//! The socket floor under a media worker: what its per-leg I/O alone costs on this
//! machine, with no media processing at all.
//!
//! One thread owns `--legs` UDP sockets and, every 20 ms, does exactly the system calls a
//! worker makes per leg. Each leg's port gets a second socket connected to its peer
//! ([`connect_peer`]), as in the worker: one `recv` per tick, read dry every
//! [`DRAIN_EVERY`]th tick, one 172-byte `send`, and one `epoll_wait` per tick over the
//! ports ([`Poller`]). With `--port-only 1` it makes the calls of a worker without
//! connected sockets instead: drain the port's socket with `recvmmsg` (the same
//! [`RecvBatch`]) and `sendto` (the same [`send_batch`]). A generator thread drives every
//! socket with one datagram per tick from a few sockets, as `rtp_load` does, and reads the
//! answers back. Nothing is decoded, buffered or mixed.
//!
//! ```text
//! cargo run --release -p switchboard-mediaworker --example udp_floor -- --legs 1000 --secs 5
//! ```
//!
//! Prints `cpu_us_per_tick` (the I/O thread's own CPU time per tick) and the legs one core
//! could carry at that cost. Run it next to `rtp_load` with the same leg count: the
//! difference is what the worker spends beyond the kernel's per-packet work.

#![allow(clippy::disallowed_methods)] // a benchmark harness reads the clock

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard_mediaworker::sys::{
    connect_peer, send_batch, thread_cpu_time, Poller, RecvBatch, BATCH,
};
use switchboard_mediaworker::worker::DRAIN_EVERY;
use switchboard_mediaworker::TICK;

/// Sockets the generator spreads the legs over.
const LEGS_PER_SOCKET: usize = 48;
/// Ticks before measuring, so every socket has traffic flowing.
const WARMUP: u32 = 50;

fn parse_args() -> Result<(usize, u32, bool), String> {
    let (mut legs, mut secs, mut port_only) = (1000usize, 5u32, false);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let bad = |_| format!("{flag}: not a number: {value}");
        match flag.as_str() {
            "--legs" => legs = value.parse().map_err(bad)?,
            "--secs" => secs = value.parse().map_err(bad)?,
            "--port-only" => port_only = value.parse::<u8>().map_err(bad)? != 0,
            _ => {
                return Err(format!(
                    "unknown flag {flag} (--legs N, --secs S, --port-only 0|1)"
                ))
            }
        }
    }
    if legs == 0 || secs == 0 {
        return Err("--legs and --secs must be at least 1".into());
    }
    Ok((legs, secs, port_only))
}

fn bind() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").expect("a loopback socket");
    s.set_nonblocking(true).expect("non-blocking");
    s
}

/// Sends one datagram per tick to every leg and counts what comes back, for `ticks`
/// ticks from `start`.
fn generate(legs: Vec<SocketAddr>, start: Instant, ticks: u32, received: Arc<AtomicU64>) {
    let sockets: Vec<UdpSocket> = (0..legs.len().div_ceil(LEGS_PER_SOCKET))
        .map(|_| bind())
        .collect();
    let payload = [0x80u8; 172];
    let mut batch = RecvBatch::default();
    for n in 0..ticks {
        if let Some(d) = (start + TICK * n).checked_duration_since(Instant::now()) {
            std::thread::sleep(d);
        }
        for (k, chunk) in legs.chunks(LEGS_PER_SOCKET).enumerate() {
            let msgs: Vec<(SocketAddr, &[u8])> = chunk.iter().map(|a| (*a, &payload[..])).collect();
            let _ = send_batch(&sockets[k], &msgs);
        }
        for s in &sockets {
            while let Ok(got) = batch.recv(s) {
                received.fetch_add(got as u64, Ordering::Relaxed);
                if got < BATCH {
                    break;
                }
            }
        }
    }
}

fn main() {
    let (legs, secs, port_only) = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("udp_floor: {e}");
            std::process::exit(2);
        }
    };
    let sockets: Vec<UdpSocket> = (0..legs).map(|_| bind()).collect();
    let addrs = sockets
        .iter()
        .map(|s| s.local_addr().expect("bound"))
        .collect();
    let ticks = WARMUP + secs * 50;
    let start = Instant::now() + TICK;
    let answered = Arc::new(AtomicU64::new(0));
    let generator = {
        let answered = Arc::clone(&answered);
        std::thread::spawn(move || generate(addrs, start, ticks, answered))
    };

    // The I/O thread runs half a tick behind the generator, so each tick finds a datagram.
    let payload = [0x80u8; 172];
    let mut batch = RecvBatch::default();
    let mut buf = [0u8; 1500];
    let mut poller = Poller::new().expect("an epoll instance");
    let mut strays = Vec::new();
    let mut peers: Vec<Option<SocketAddr>> = vec![None; legs];
    let mut connected: Vec<Option<UdpSocket>> = (0..legs).map(|_| None).collect();
    let (mut rx, mut tx) = (0u64, 0u64);
    let mut cpu_at_warmup = Duration::ZERO;
    for n in 0..ticks {
        let deadline = start + TICK * n + TICK / 2;
        if let Some(d) = deadline.checked_duration_since(Instant::now()) {
            std::thread::sleep(d);
        }
        if n == WARMUP {
            cpu_at_warmup = thread_cpu_time();
            (rx, tx) = (0, 0);
        }
        if !port_only {
            // Nothing arrives on the ports once connected, but the worker asks every tick.
            let _ = poller.ready(&mut strays);
        }
        for (i, sock) in sockets.iter().enumerate() {
            if let Some(c) = &connected[i] {
                let drain = (u64::from(n) + i as u64) % DRAIN_EVERY == 0;
                while c.recv(&mut buf).is_ok() {
                    rx += 1;
                    if !drain {
                        break;
                    }
                }
                tx += u64::from(c.send(&payload).is_ok());
                continue;
            }
            loop {
                let got = batch.recv(sock).unwrap_or(0);
                rx += got as u64;
                if let Some((from, _)) = batch.datagrams().last() {
                    peers[i] = Some(from);
                }
                if got < BATCH {
                    break;
                }
            }
            if let Some(to) = peers[i] {
                tx += send_batch(sock, &[(to, &payload[..])]).unwrap_or(0) as u64;
                if !port_only {
                    connected[i] = Some(connect_peer(sock, to).expect("a connected socket"));
                    poller.watch(sock, i as u64).expect("the port is watched");
                }
            }
        }
    }
    let cpu = thread_cpu_time().saturating_sub(cpu_at_warmup);
    generator.join().expect("the generator finishes");
    let measured = u64::from(ticks - WARMUP);
    let cpu_per_tick = u64::try_from(cpu.as_micros()).unwrap_or(u64::MAX) / measured;
    let legs_per_core = (20_000 * legs as u64)
        .checked_div(cpu_per_tick)
        .unwrap_or(0);
    println!(
        "legs={legs} secs={secs} port_only={port_only} rx={rx} tx={tx} answered={} cpu_us_per_tick={cpu_per_tick} cpu_legs_per_core={legs_per_core}",
        answered.load(Ordering::Relaxed)
    );
}
