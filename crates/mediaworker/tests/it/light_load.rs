//! A light load of several conversations is carried whole: every packet accepted, every
//! phone answered each tick. Whether the worker meets its 20 ms deadlines is a matter of
//! speed and of the machine, so it is measured by the load benchmark
//! (`benches/load/media_legs.sh`, which reports overruns), never asserted here.

use std::time::{Duration, Instant};

use sb_media::codec::Codec;

use crate::phone::{conversation, engine, run, Phone};

#[test]
fn a_light_load_is_carried_whole() {
    let engine = engine(1, 44_600..=44_699);
    let mut all = Vec::new();
    for _ in 0..5 {
        let mut phones = vec![
            Phone::new(500.0, Codec::Pcmu),
            Phone::new(900.0, Codec::Pcma),
        ];
        conversation(&engine, &mut phones, &[1, 1]);
        all.extend(phones);
    }
    run(&mut all, 50);
    // A worker publishes its counters as a tick ends, after the tick's packets went out:
    // the phones may have heard the last tick before its counters are in. Give it a few
    // ticks to catch up (bounded), then check.
    let settled = Instant::now() + Duration::from_secs(1);
    let mut stats = engine.stats()[0];
    while (stats.ticks < 50 || stats.rx_datagrams < 450) && Instant::now() < settled {
        std::thread::sleep(Duration::from_millis(5));
        stats = engine.stats()[0];
    }
    assert!(stats.ticks >= 50, "{stats:?}");
    assert_eq!(stats.rx_refused, 0, "{stats:?}");
    assert!(stats.rx_datagrams >= 450, "{stats:?}");
    engine.shutdown();
}
