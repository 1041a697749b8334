//! SPEC §10 `<dial>` ringback: the `<play>` prompt plays to the caller while the number
//! rings; with `dial_voice_stop_cond` 2 the callee's early media replaces it (the caller
//! hears the callee, not the other way round) until the answer.

use sb_ivr::model::RingbackStop;
use switchboard_engine::core::call::IvrOp;

use crate::calls::net::sdp;
use crate::ivr_dial_support::{dial_request, party_rtp, IvrCall};

#[test]
fn the_ringback_prompt_plays_to_the_caller_and_early_media_is_not_bridged() {
    let mut c = IvrCall::answered();
    let mut request = dial_request(&["5551001"], 30);
    request.ringback = Some(sb_media::builtin::beep());
    c.op(IvrOp::Dial(request));
    assert_eq!(c.net.media.played(), [c.caller_leg()]);

    let (invite, _) = c.ringing();
    c.far
        .reply(&mut c.net, &invite, 183, Some(sdp(party_rtp(), "sendrecv")));
    let (caller, party) = (c.caller_leg(), c.party_leg());
    assert!(
        !c.net.media.hears(caller, party),
        "stop condition 1 waits for the answer"
    );
}

#[test]
fn early_media_replaces_the_ringback_until_the_answer() {
    let mut c = IvrCall::answered();
    let mut request = dial_request(&["5551001"], 30);
    request.ringback_stop = RingbackStop::EarlyMedia;
    c.op(IvrOp::Dial(request));
    let (invite, _) = c.ringing();
    c.far
        .reply(&mut c.net, &invite, 183, Some(sdp(party_rtp(), "sendrecv")));
    let (caller, party) = (c.caller_leg(), c.party_leg());
    assert!(c.net.media.hears(caller, party));
    assert!(!c.net.media.hears(party, caller));

    c.pick_up(&invite);
    assert!(
        !c.net.media.hears(caller, party),
        "after the answer only a <connect> bridges"
    );
    assert!(c.net.media.conversations().is_empty());
}

#[test]
fn a_number_that_fails_after_early_media_leaves_the_caller_to_the_next_ones_ringback() {
    let mut c = IvrCall::answered();
    let mut request = dial_request(&["5551001", "5551002"], 30);
    request.ringback = Some(sb_media::builtin::beep());
    request.ringback_stop = RingbackStop::EarlyMedia;
    c.op(IvrOp::Dial(request));
    let caller = c.caller_leg();
    let (first, _) = c.ringing();
    c.far
        .reply(&mut c.net, &first, 183, Some(sdp(party_rtp(), "sendrecv")));
    assert!(c.net.media.hears(caller, c.party_leg()));

    c.far.reply(&mut c.net, &first, 486, None);
    c.net.request(c.far.addr, "ACK");
    assert!(
        c.net.media.conversations().is_empty(),
        "its early media is gone"
    );
    assert_eq!(
        c.net.media.played(),
        [caller, caller],
        "the ringback plays again for the next number"
    );
    let (_, number) = c.ringing();
    assert_eq!(number, "5551002");
}
