//! Busy and decline from the callee reach the caller as they are.

use super::net::{Net, Phone};

fn refused_with(status: u16) -> u16 {
    let mut net = Net::new();
    let mut a = Phone::new("1001");
    let b = Phone::new("1002");
    a.dial(&mut net, "1002");
    let invite = net.request(b.addr, "INVITE");
    b.reply(&mut net, &invite, status, None);
    net.request(b.addr, "ACK");
    let mut got = 0;
    for m in net.take(a.addr) {
        if let sb_sip::message::Message::Response(r) = m {
            if r.status >= 200 {
                got = r.status;
            }
        }
    }
    assert_eq!(net.core.call_legs(), 0);
    assert!(net.media.legs().is_empty());
    got
}

#[test]
fn busy_is_busy_and_decline_is_decline() {
    assert_eq!(refused_with(486), 486);
    assert_eq!(refused_with(603), 603);
    assert_eq!(refused_with(404), 404);
    assert_eq!(refused_with(500), 503);
}
