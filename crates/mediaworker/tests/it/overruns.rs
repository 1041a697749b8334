//! Under a light load the worker meets every absolute 20 ms deadline: no overruns.

use sb_media::codec::Codec;

use crate::phone::{conversation, engine, run, Phone};

#[test]
fn a_light_load_causes_no_overrun() {
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
    let stats = engine.stats()[0];
    assert!(stats.ticks >= 50, "{stats:?}");
    assert_eq!(stats.overruns, 0, "{stats:?}");
    assert_eq!(stats.rx_refused, 0, "{stats:?}");
    assert!(stats.rx_datagrams >= 450, "{stats:?}");
    engine.shutdown();
}
