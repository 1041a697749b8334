//! An extension registered from two devices rings on both; the first to answer gets the
//! call and the other is cancelled; when all refuse, the caller hears the most telling
//! refusal.

use std::net::SocketAddr;

use super::net::{sdp, Net, Phone};

fn second_device() -> (Phone, SocketAddr) {
    let mut soft = Phone::new("1002");
    soft.addr = SocketAddr::from(([192, 0, 2, 22], 5062));
    (soft, SocketAddr::from(([192, 0, 2, 22], 5062)))
}

#[test]
fn the_first_device_to_answer_wins_and_the_other_is_cancelled() {
    let mut net = Net::new();
    let (soft, soft_addr) = second_device();
    net.register_also("1002", soft_addr);
    let mut a = Phone::new("1001");
    let desk = Phone::new("1002");
    a.dial(&mut net, "1002");
    let to_desk = net.request(desk.addr, "INVITE");
    let to_soft = net.request(soft.addr, "INVITE");
    assert_ne!(
        to_desk.headers.get("Call-ID"),
        to_soft.headers.get("Call-ID")
    );
    desk.reply(&mut net, &to_desk, 180, None);
    soft.reply(&mut net, &to_soft, 180, None);
    net.response(a.addr, 180);

    soft.reply(&mut net, &to_soft, 200, Some(sdp(soft.rtp(), "sendrecv")));
    net.request(soft.addr, "ACK");
    net.response(a.addr, 200);
    let cancel = net.request(desk.addr, "CANCEL");
    desk.reply(&mut net, &cancel, 200, None);
    desk.reply(&mut net, &to_desk, 487, None);
    net.request(desk.addr, "ACK");
    assert_eq!(
        net.core.call_legs(),
        2,
        "the caller and the device that answered"
    );
    let bridged = net.media.bridges();
    assert_eq!(bridged.len(), 1);
}

#[test]
fn when_every_device_refuses_busy_wins_over_unavailable() {
    let mut net = Net::new();
    let (soft, soft_addr) = second_device();
    net.register_also("1002", soft_addr);
    let mut a = Phone::new("1001");
    let desk = Phone::new("1002");
    a.dial(&mut net, "1002");
    let to_desk = net.request(desk.addr, "INVITE");
    let to_soft = net.request(soft.addr, "INVITE");
    soft.reply(&mut net, &to_soft, 480, None);
    // One device still rings: the caller waits.
    net.quiet(a.addr);
    desk.reply(&mut net, &to_desk, 486, None);
    net.response(a.addr, 486);
    assert_eq!(net.core.call_legs(), 0);
}

#[test]
fn the_caller_giving_up_cancels_every_device() {
    let mut net = Net::new();
    let (soft, soft_addr) = second_device();
    net.register_also("1002", soft_addr);
    let mut a = Phone::new("1001");
    let desk = Phone::new("1002");
    a.dial(&mut net, "1002");
    let to_desk = net.request(desk.addr, "INVITE");
    let to_soft = net.request(soft.addr, "INVITE");
    desk.reply(&mut net, &to_desk, 180, None);
    soft.reply(&mut net, &to_soft, 180, None);
    net.response(a.addr, 180);
    a.cancel(&mut net, "1002");
    net.response(a.addr, 200);
    net.response(a.addr, 487);
    for (phone, invite) in [(&desk, &to_desk), (&soft, &to_soft)] {
        let cancel = net.request(phone.addr, "CANCEL");
        phone.reply(&mut net, &cancel, 200, None);
        phone.reply(&mut net, invite, 487, None);
    }
    assert_eq!(net.core.call_legs(), 0);
}
