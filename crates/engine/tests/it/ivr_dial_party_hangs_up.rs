//! SPEC §10 `<connect>`: the dialled party hanging up ends the bridge with its duration;
//! the caller stays up for the IVR's `<next>`.

use std::time::Duration;

use sb_ivr::model::ConnectMode;
use switchboard_engine::ivr::IvrMessage;

use crate::ivr_dial_support::{party_rtp, IvrCall};

#[test]
fn the_dialled_party_hangs_up_during_the_connect() {
    let mut c = IvrCall::answered();
    c.dial(&["5551001"], 30);
    let (invite, _) = c.ringing();
    c.pick_up(&invite);
    c.told();
    c.connect(ConnectMode::Both, None);
    c.net.advance(Duration::from_secs(42));

    c.far.request_to_switch(&mut c.net, &invite, "BYE");
    c.net.response(c.far.addr, 200);
    assert_eq!(
        c.told(),
        [IvrMessage::ConnectEnded {
            duration: Duration::from_secs(42)
        }]
    );
    c.net.quiet(c.caller.addr);
    assert_eq!(c.net.core.call_legs(), 1, "the caller goes on with the IVR");
    assert!(!c.has_leg_toward(party_rtp()));
    assert!(c.net.media.conversations().is_empty());
}

#[test]
fn a_party_that_left_before_the_connect_cannot_be_connected() {
    let mut c = IvrCall::answered();
    c.dial(&["5551001"], 30);
    let (invite, _) = c.ringing();
    c.pick_up(&invite);
    c.told();
    c.far.request_to_switch(&mut c.net, &invite, "BYE");
    c.net.response(c.far.addr, 200);
    assert!(c.told().is_empty(), "nobody waits for it");

    c.connect(ConnectMode::Both, None);
    assert_eq!(c.told(), [IvrMessage::ConnectFailed]);
}
