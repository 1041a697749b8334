//! SPEC §10 `<dial>` then `<connect mode>`: the number answers, the session hears which,
//! and the bridge carries voice as `mode` says (1 both ways, 2 only the dialled party
//! hears the caller, 3 only the caller hears the dialled party). The caller hanging up
//! ends the call for the dialled party too.

use sb_ivr::model::ConnectMode;
use switchboard_engine::core::call::IvrOp;
use switchboard_engine::ivr::{ConnectRequest, DialOutcome, IvrMessage};

use crate::ivr_dial_support::{party_rtp, IvrCall};

/// Dials 5551001, answers it, connects in `mode`; returns who hears whom:
/// (caller hears party, party hears caller).
fn connected(mode: ConnectMode) -> (IvrCall, bool, bool) {
    let mut c = IvrCall::answered();
    c.dial(&["5551001"], 30);
    let (invite, number) = c.ringing();
    assert_eq!(number, "5551001");
    assert!(c.told().is_empty(), "nothing to tell while it rings");
    c.pick_up(&invite);
    let answered = DialOutcome::Answered {
        number: "5551001".into(),
    };
    assert_eq!(c.told(), [IvrMessage::DialEnded(answered)]);
    let (caller, party) = (c.caller_leg(), c.party_leg());
    assert!(
        !c.net.media.hears(caller, party) && !c.net.media.hears(party, caller),
        "nobody hears anybody before the connect"
    );
    c.connect(mode, None);
    let caller_hears = c.net.media.hears(caller, party);
    let party_hears = c.net.media.hears(party, caller);
    (c, caller_hears, party_hears)
}

#[test]
fn mode_1_both_hear_each_other_and_the_callers_hang_up_ends_both() {
    let (mut c, caller_hears, party_hears) = connected(ConnectMode::Both);
    assert!(caller_hears && party_hears);
    assert!(c.told().is_empty(), "the bridge runs");

    c.caller.in_dialog(&mut c.net, "BYE", None);
    c.net.response(c.caller.addr, 200);
    let bye = c.net.request(c.far.addr, "BYE");
    c.far.reply(&mut c.net, &bye, 200, None);
    assert_eq!(c.told(), [IvrMessage::CallerHungUp]);
    assert!(!c.has_leg_toward(party_rtp()));
    assert_eq!(c.net.core.call_legs(), 0);
    assert!(c.net.media.conversations().is_empty(), "the bridge is gone");
}

#[test]
fn mode_2_only_the_dialled_party_hears_the_caller() {
    let (_c, caller_hears, party_hears) = connected(ConnectMode::SecondHearsFirst);
    assert!(!caller_hears);
    assert!(party_hears);
}

#[test]
fn mode_3_only_the_caller_hears_the_dialled_party() {
    let (_c, caller_hears, party_hears) = connected(ConnectMode::FirstHearsSecond);
    assert!(caller_hears);
    assert!(!party_hears);
}

#[test]
fn the_connect_prompt_plays_to_both() {
    let mut c = IvrCall::answered();
    c.dial(&["5551001"], 30);
    let (invite, _) = c.ringing();
    c.pick_up(&invite);
    c.told();
    let request = ConnectRequest {
        mode: ConnectMode::Both,
        max_duration: None,
        prompt: Some(sb_media::builtin::beep()),
    };
    c.op(IvrOp::Connect(request));
    let mut played = c.net.media.played();
    played.sort();
    let mut both = vec![c.caller_leg(), c.party_leg()];
    both.sort();
    assert_eq!(played, both);
}
