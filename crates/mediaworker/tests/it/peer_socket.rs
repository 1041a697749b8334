//! A leg reads and answers its peer through a socket connected to it, and still hears
//! everything else on its port: a burst is not left waiting, a peer that moves is
//! followed, and a leg on hold keeps receiving.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sb_media::codec::Codec;
use sb_media::latch::DEFAULT_PACKETS_TO_LATCH;
use switchboard_mediaworker::worker::DRAIN_EVERY;
use switchboard_mediaworker::{Event, LegInfo, MediaEngine, WorkerSnapshot};

use crate::phone::{engine, wait_for, Phone};

/// Polls the worker's counters until `done` holds for them, returning them; None after
/// two seconds. Commands and packets take effect on the worker's own thread, so its
/// counters are what a test can wait on.
fn wait_stats(
    engine: &MediaEngine,
    done: impl Fn(&WorkerSnapshot) -> bool,
) -> Option<WorkerSnapshot> {
    let end = Instant::now() + Duration::from_secs(2);
    while Instant::now() < end {
        let now = engine.stats()[0];
        if done(&now) {
            return Some(now);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    None
}

/// Waits until the worker has received `count` more datagrams than `from`, returning how
/// many ticks that took.
fn ticks_until_received(engine: &MediaEngine, from: u64, count: u64) -> Option<u64> {
    let start = engine.stats()[0].ticks;
    wait_stats(engine, |s| s.rx_datagrams >= from + count).map(|s| s.ticks - start)
}

/// An engine on `ports` and a phone whose leg already reads it through a connected
/// socket (a few packets exchanged).
fn connected_phone(ports: std::ops::RangeInclusive<u16>) -> (MediaEngine, Phone, LegInfo) {
    let engine = engine(1, ports);
    let mut phone = Phone::new(500.0, Codec::Pcmu);
    let leg = engine.create_leg(phone.spec()).unwrap();
    phone.leg = Some(leg);
    for _ in 0..5 {
        assert!(phone.exchange(false));
    }
    (engine, phone, leg)
}

#[test]
fn a_burst_waiting_in_the_socket_is_read_within_a_few_ticks() {
    let (engine, mut phone, _) = connected_phone(45_000..=45_009);
    let before = engine.stats()[0].rx_datagrams;
    // Forty frames at once, as after a network stall: one read per tick would take forty
    // ticks to catch up; reading the socket dry every few ticks takes at most that many.
    let burst = 40;
    for _ in 0..burst {
        phone.speak_to(phone.leg().local);
    }
    let ticks = ticks_until_received(&engine, before, burst).expect("the burst is read");
    // Well under one tick per frame, whatever the drain interval.
    assert!(
        2 * DRAIN_EVERY < burst,
        "a burst longer than the drain interval"
    );
    assert!(ticks <= 2 * DRAIN_EVERY, "{ticks} ticks to read the burst");
    engine.shutdown();
}

#[test]
fn a_peer_that_moves_is_followed() {
    let (engine, mut phone, leg) = connected_phone(45_010..=45_019);
    // The phone's media moves to another port (a NAT rebinding, say).
    let old = std::mem::replace(
        &mut phone.socket,
        std::net::UdpSocket::bind("127.0.0.1:0").unwrap(),
    );
    phone
        .socket
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    for _ in 0..DEFAULT_PACKETS_TO_LATCH + 1 {
        phone.speak_to(leg.local);
    }
    let addr: SocketAddr = wait_for(&engine, Duration::from_secs(3), |ev| match ev {
        Event::Latched { leg: l, addr } if l == leg.leg => Some(addr),
        _ => None,
    })
    .expect("latched to the new address");
    assert_eq!(addr, phone.addr());
    for _ in 0..10 {
        assert!(phone.exchange(false), "media reaches the phone's new port");
    }
    // Whatever the old port still had queued, nothing new arrives there over the next
    // exchanges (loopback delivers a datagram within the worker's send).
    old.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 512];
    while old.recv(&mut buf).is_ok() {}
    for _ in 0..5 {
        assert!(phone.exchange(false));
    }
    assert!(
        old.recv(&mut buf).is_err(),
        "the old port hears nothing more"
    );
    engine.shutdown();
}

#[test]
fn a_leg_on_hold_keeps_receiving_and_resumes_sending() {
    let (engine, mut phone, leg) = connected_phone(45_020..=45_029);
    // Held with `c=0.0.0.0`: no destination, so no connected socket either.
    let mut held = phone.spec();
    held.remote = "0.0.0.0:0".parse().unwrap();
    engine.update_leg(leg.leg, held).unwrap();
    // A command applies at the start of a tick: two ticks later the hold is in force.
    let ticks = engine.stats()[0].ticks;
    wait_stats(&engine, |s| s.ticks >= ticks + 2).expect("the worker ticks");
    let before = engine.stats()[0].rx_datagrams;
    for _ in 0..3 {
        phone.speak_to(leg.local);
    }
    assert!(
        ticks_until_received(&engine, before, 3).is_some(),
        "the port's socket still carries the phone's packets"
    );
    engine.update_leg(leg.leg, phone.spec()).unwrap();
    for _ in 0..10 {
        assert!(phone.exchange(false), "media flows again after the hold");
    }
    engine.shutdown();
}
