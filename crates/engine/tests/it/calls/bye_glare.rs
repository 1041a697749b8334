//! Both sides hang up at once: every BYE is answered 200 and both legs go.

use super::extension_calls_extension::answered_call;
use super::net::Net;

#[test]
fn crossing_byes_both_get_200() {
    let mut net = Net::new();
    let (mut a, mut b, invite) = answered_call(&mut net);
    // 1002 hangs up; the switch sends BYE to 1001, which meanwhile sends its own.
    b.request_to_switch(&mut net, &invite, "BYE");
    net.response(b.addr, 200);
    let bye_to_a = net.request(a.addr, "BYE");
    a.in_dialog(&mut net, "BYE", None);
    net.response(a.addr, 200);
    a.reply(&mut net, &bye_to_a, 200, None);
    assert_eq!(net.core.call_legs(), 0);
    net.quiet(b.addr);
}
