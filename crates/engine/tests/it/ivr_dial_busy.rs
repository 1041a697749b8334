//! SPEC §10 `<dial>`: a busy number ends the dial as `busy`; the caller stays up, and
//! the ringback it heard stops.

use switchboard_engine::ivr::{DialOutcome, IvrMessage};

use crate::ivr_dial_support::IvrCall;

#[test]
fn a_busy_number_ends_the_dial_busy_and_the_caller_stays() {
    let mut c = IvrCall::answered();
    c.dial(&["5551001"], 30);
    let (invite, _) = c.ringing();
    c.far.reply(&mut c.net, &invite, 486, None);
    c.net.request(c.far.addr, "ACK");
    assert_eq!(c.told(), [IvrMessage::DialEnded(DialOutcome::Busy)]);
    c.net.quiet(c.caller.addr);
    assert_eq!(c.net.core.call_legs(), 1, "only the caller is left");
}

#[test]
fn a_decline_is_rejected() {
    let mut c = IvrCall::answered();
    c.dial(&["5551001"], 30);
    let (invite, _) = c.ringing();
    c.far.reply(&mut c.net, &invite, 603, None);
    assert_eq!(c.told(), [IvrMessage::DialEnded(DialOutcome::Rejected)]);
}
