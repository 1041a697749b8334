//! SPEC §10 `<dial>` with several `<number>`s: they are tried one after the other until
//! one answers; a number the call center's outbound patterns do not allow (the toll-fraud
//! guard of SPEC §13) is never sent to the trunk, and counts as `rejected`.

use sb_sip::message::SipHeaders;
use switchboard_engine::core::call::IvrOp;
use switchboard_engine::ivr::{DialOutcome, IvrMessage};

use crate::ivr_dial_support::{dial_request, IvrCall};

#[test]
fn busy_then_a_forbidden_number_then_the_third_answers() {
    let mut c = IvrCall::answered();
    let mut request = dial_request(&["5551001", "9001", "5551002"], 30);
    request.from = Some("4010".into());
    c.op(IvrOp::Dial(request));
    let (first, number) = c.ringing();
    assert_eq!(number, "5551001");
    let shown = first.from().and_then(|f| f.uri.user);
    assert_eq!(
        shown.as_deref(),
        Some("4010"),
        "<dial from> is the caller id"
    );
    c.far.reply(&mut c.net, &first, 486, None);
    c.net.request(c.far.addr, "ACK");
    let (third, number) = c.ringing();
    assert_eq!(number, "5551002", "9001 is not dialled");
    assert!(c.told().is_empty(), "the dial goes on");
    c.pick_up(&third);
    let answered = DialOutcome::Answered {
        number: "5551002".into(),
    };
    assert_eq!(c.told(), [IvrMessage::DialEnded(answered)]);
}

#[test]
fn when_every_number_fails_the_last_ones_outcome_is_the_result() {
    let mut c = IvrCall::answered();
    c.dial(&["5551001", "9001"], 30);
    let (first, _) = c.ringing();
    c.far.reply(&mut c.net, &first, 486, None);
    assert_eq!(c.told(), [IvrMessage::DialEnded(DialOutcome::Rejected)]);
    c.net.request(c.far.addr, "ACK");
    c.net.quiet(c.far.addr);
}

#[test]
fn only_forbidden_numbers_are_rejected_without_a_call() {
    let mut c = IvrCall::answered();
    c.dial(&["9001", "0044123"], 30);
    assert_eq!(c.told(), [IvrMessage::DialEnded(DialOutcome::Rejected)]);
    c.net.quiet(c.far.addr);
}
