//! SPEC §10: a `<hangup/>` answer to ivr_start rejects the call; it is never answered.

use switchboard_engine::ivr::{RejectReason, SessionEnd};

use crate::ivr_support::{doc, App, Harness, Op};

#[actix_rt::test]
async fn a_first_hangup_declines_the_call_without_answering() {
    let app = App::start(|base, _| doc("<hangup/>", Some(&format!("{base}/never")))).await;
    let mut h = Harness::start(app.url("/start"), None, |_| {}).await;
    assert!(matches!(h.op().await, Op::Reject(RejectReason::Declined)));
    assert_eq!(
        h.finished().await,
        SessionEnd::Rejected {
            reason: RejectReason::Declined
        }
    );
    assert!(
        h.ops.try_recv().is_err(),
        "nothing else: no answer, no hang-up"
    );
    assert_eq!(
        app.requests().len(),
        1,
        "the <next> of a rejected call is never requested"
    );
    let events = h.published();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "ivr.call_end");
}
