//! `conversation_timeout`: a conversation still running when it passes ends (`timeout`),
//! with every member released as on a dissolve.

use std::time::Duration;

use super::support::*;
use crate::calls::net::{Net, Phone};

#[test]
fn the_timeout_ends_a_running_conversation() {
    let mut net = Net::for_conversations(60);
    let mut trunk = Phone::trunk();
    let (conversation, caller, _) = queue_conversation(&mut net, &mut trunk, "1002");
    net.advance(Duration::from_secs(59));
    assert!(running(&net, &conversation));
    net.advance(Duration::from_secs(2));
    assert!(!running(&net, &conversation), "timed out");
    assert!(ivr_outcome(&net, &caller).is_some());
    hung_up(&mut net, &Phone::new("1002"));
    assert!(net.conv.owned_calls().is_empty());
}

#[test]
fn a_callout_times_out_too() {
    let mut net = Net::for_conversations(30);
    let call = connected_callout(&mut net);
    net.advance(Duration::from_secs(31));
    assert!(!running(&net, &call.conversation));
    hung_up(&mut net, &call.phone);
    hung_up(&mut net, &call.trunk);
    assert_eq!(net.core.call_legs(), 0);
}
