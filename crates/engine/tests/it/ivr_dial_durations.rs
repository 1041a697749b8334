//! SPEC §10 durations: `<connect max_duration>` ends the bridge by hanging the dialled
//! party up (the caller stays), and `<dial max_call_duration>` bounds how long the answered
//! party stays up, bridged or not.

use std::time::Duration;

use sb_ivr::model::ConnectMode;
use switchboard_engine::core::call::IvrOp;
use switchboard_engine::ivr::IvrMessage;

use crate::ivr_dial_support::{dial_request, IvrCall};

#[test]
fn connect_max_duration_hangs_the_dialled_party_up() {
    let mut c = IvrCall::answered();
    c.dial(&["5551001"], 30);
    let (invite, _) = c.ringing();
    c.pick_up(&invite);
    c.told();
    c.connect(ConnectMode::Both, Some(Duration::from_secs(10)));

    c.net.advance(Duration::from_millis(9_900));
    c.net.quiet(c.far.addr);
    c.net.advance(Duration::from_millis(100));
    let bye = c.net.request(c.far.addr, "BYE");
    c.far.reply(&mut c.net, &bye, 200, None);
    assert_eq!(
        c.told(),
        [IvrMessage::ConnectEnded {
            duration: Duration::from_secs(10)
        }]
    );
    c.net.quiet(c.caller.addr);
    assert_eq!(c.net.core.call_legs(), 1);
}

#[test]
fn max_call_duration_hangs_up_an_answered_party_left_unbridged() {
    let mut c = IvrCall::answered();
    let mut request = dial_request(&["5551001"], 30);
    request.max_call_duration = Some(Duration::from_secs(60));
    c.op(IvrOp::Dial(request));
    let (invite, _) = c.ringing();
    c.pick_up(&invite);
    c.told();

    c.net.advance(Duration::from_secs(59));
    c.net.quiet(c.far.addr);
    c.net.advance(Duration::from_secs(1));
    let bye = c.net.request(c.far.addr, "BYE");
    c.far.reply(&mut c.net, &bye, 200, None);
    assert!(c.told().is_empty(), "nobody waits for an unbridged party");
    c.connect(ConnectMode::Both, None);
    assert_eq!(c.told(), [IvrMessage::ConnectFailed]);
}

#[test]
fn max_call_duration_ends_a_longer_connect_first() {
    let mut c = IvrCall::answered();
    let mut request = dial_request(&["5551001"], 30);
    request.max_call_duration = Some(Duration::from_secs(30));
    c.op(IvrOp::Dial(request));
    let (invite, _) = c.ringing();
    c.pick_up(&invite);
    c.told();
    c.net.advance(Duration::from_secs(5));
    c.connect(ConnectMode::Both, Some(Duration::from_secs(600)));

    c.net.advance(Duration::from_secs(25));
    let bye = c.net.request(c.far.addr, "BYE");
    c.far.reply(&mut c.net, &bye, 200, None);
    assert_eq!(
        c.told(),
        [IvrMessage::ConnectEnded {
            duration: Duration::from_secs(25)
        }]
    );
}
