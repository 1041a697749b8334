//! Any sequence of allocations and releases (including double and foreign releases) never
//! hands one RTP port to two legs, only hands out even ports of the range, and keeps the
//! free count consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_mediaworker::PortPool;

fuzz_target!(|data: &[u8]| {
    let Some((head, ops)) = data.split_first_chunk::<4>() else {
        return;
    };
    let first = u16::from_le_bytes([head[0], head[1]]);
    let last = first.saturating_add(u16::from(head[2]) * 2);
    let Ok(mut pool) = PortPool::new(first..=last) else {
        return;
    };
    let mut held: Vec<u16> = Vec::new();
    for op in ops.chunks(3) {
        match op {
            [0, ..] | [1, ..] => match pool.allocate() {
                Ok(p) => {
                    assert!(p % 2 == 0 && p >= first && p <= last && p != 0);
                    assert!(!held.contains(&p), "port {p} handed out twice");
                    held.push(p);
                }
                Err(_) => assert_eq!(held.len(), pool.capacity()),
            },
            [_, a, b] => {
                let port = u16::from_le_bytes([*a, *b]);
                pool.release(port);
                held.retain(|p| *p != port);
            }
            _ => {}
        }
        assert_eq!(pool.available() + held.len(), pool.capacity());
    }
});
