//! SPEC §10 `<dial max_dial_duration>`: a number that rings that long is cancelled and
//! the dial ends as `no_answer`, at the dial's own limit rather than the engine's.

use std::time::Duration;

use switchboard_engine::ivr::{DialOutcome, IvrMessage};

use crate::ivr_dial_support::IvrCall;

#[test]
fn ringing_past_max_dial_duration_cancels_and_ends_no_answer() {
    let mut c = IvrCall::answered();
    c.dial(&["5551001"], 20);
    let (invite, _) = c.ringing();
    c.far.reply(&mut c.net, &invite, 180, None);

    c.net.advance(Duration::from_millis(19_900));
    c.net.quiet(c.far.addr);
    assert!(c.told().is_empty());

    c.net.advance(Duration::from_millis(100));
    let cancel = c.net.request(c.far.addr, "CANCEL");
    c.far.reply(&mut c.net, &cancel, 200, None);
    c.far.reply(&mut c.net, &invite, 487, None);
    assert_eq!(c.told(), [IvrMessage::DialEnded(DialOutcome::NoAnswer)]);
    assert_eq!(c.net.core.call_legs(), 1, "the caller stays");
}
