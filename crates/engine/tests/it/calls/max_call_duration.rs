//! A call that reaches `max_call` is hung up on both sides.

use std::time::Duration;

use super::extension_calls_extension::answered_call;
use super::net::Net;

#[test]
fn both_sides_get_bye_at_the_limit() {
    let mut net = Net::new();
    let (a, b, _) = answered_call(&mut net);
    net.advance(Duration::from_secs(4 * 3600));
    let bye_a = net.request(a.addr, "BYE");
    let bye_b = net.request(b.addr, "BYE");
    a.reply(&mut net, &bye_a, 200, None);
    b.reply(&mut net, &bye_b, 200, None);
    assert_eq!(net.core.call_legs(), 0);
    assert!(net
        .records
        .iter()
        .any(|r| r.end_reason.as_str() == "max_duration"));
}
