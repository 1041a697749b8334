//! SPEC §14: on shutdown new calls get 503 at once, running calls go on, and at the end of
//! the grace every call is hung up with BYE.

use super::extension_calls_extension::answered_call;
use super::net::{Net, Phone};

#[test]
fn new_calls_are_refused_then_running_ones_are_hung_up() {
    let mut net = Net::new();
    let (a, b, _) = answered_call(&mut net);
    net.core.stop_taking_calls();
    let mut c = Phone::new("1003");
    c.dial_unchallenged(&mut net, "1002");
    let refused = net.response(c.addr, 503);
    assert!(refused.headers.get("Retry-After").is_some());
    // The running call is untouched until the grace ends.
    net.quiet(a.addr);
    net.quiet(b.addr);
    assert_eq!(net.core.call_legs(), 2);
    let (now, ms) = (net.clock.now(), net.clock.unix_ms());
    net.core.end_all_calls(now, ms);
    net.flush_now();
    let bye_a = net.request(a.addr, "BYE");
    let bye_b = net.request(b.addr, "BYE");
    a.reply(&mut net, &bye_a, 200, None);
    b.reply(&mut net, &bye_b, 200, None);
    assert_eq!(net.core.call_legs(), 0);
    assert!(net
        .records
        .iter()
        .all(|r| r.end_reason.as_str() == "shutdown"));
}
