//! SPEC §10 `<dial>`: the caller hanging up while the number rings cancels the call out;
//! the session hears the hang-up and nothing else, and its late `cancel_dial` is harmless.

use switchboard_engine::core::call::IvrOp;
use switchboard_engine::ivr::IvrMessage;

use crate::ivr_dial_support::IvrCall;

#[test]
fn the_caller_hangs_up_while_the_number_rings() {
    let mut c = IvrCall::answered();
    c.dial(&["5551001"], 30);
    let (invite, _) = c.ringing();
    c.far.reply(&mut c.net, &invite, 180, None);

    c.caller.in_dialog(&mut c.net, "BYE", None);
    c.net.response(c.caller.addr, 200);
    let cancel = c.net.request(c.far.addr, "CANCEL");
    c.far.reply(&mut c.net, &cancel, 200, None);
    c.far.reply(&mut c.net, &invite, 487, None);
    assert_eq!(c.told(), [IvrMessage::CallerHungUp]);

    c.op(IvrOp::CancelDial);
    assert!(c.told().is_empty());
    assert_eq!(c.net.core.call_legs(), 0);
}

#[test]
fn cancel_dial_gives_the_ringing_number_up() {
    let mut c = IvrCall::answered();
    c.dial(&["5551001", "5551002"], 30);
    let (invite, _) = c.ringing();
    c.far.reply(&mut c.net, &invite, 180, None);
    c.op(IvrOp::CancelDial);
    let cancel = c.net.request(c.far.addr, "CANCEL");
    c.far.reply(&mut c.net, &cancel, 200, None);
    c.far.reply(&mut c.net, &invite, 487, None);
    c.net.request(c.far.addr, "ACK");
    c.net.quiet(c.far.addr);
    assert!(c.told().is_empty(), "a cancelled dial reports nothing");
    assert_eq!(c.net.core.call_legs(), 1);
}

#[test]
fn a_dial_that_arrives_as_the_call_ends_places_nothing() {
    let mut c = IvrCall::answered();
    c.op(IvrOp::HangUp);
    c.net.request(c.caller.addr, "BYE");
    c.dial(&["5551001"], 30);
    c.net.quiet(c.far.addr);
    assert_eq!(
        c.told(),
        [
            IvrMessage::CallerHungUp,
            IvrMessage::DialEnded(switchboard_engine::ivr::DialOutcome::Failed)
        ]
    );
}
