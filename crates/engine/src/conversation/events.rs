//! What happens to the conversations' calls and clocks: a call they placed answered or
//! failed, a watched call ended, a `conversation_timeout` passed.

use std::time::Instant;

use sb_acd::agent::AgentName;
use sb_acd::conversation::{ConversationId, EndReason, MemberId};
use sb_store::CallCenterId;

use super::link::{ConvLink, Ctx};
use super::live::Role;
use crate::core::call::{CallId, Originated};
use crate::ivr::EnqueueCause;

impl ConvLink {
    /// A call the conversations placed was answered or failed.
    pub fn on_originated(&mut self, ctx: &mut Ctx<'_>, call: &CallId, outcome: Originated) {
        match self.roles.get(call).cloned() {
            Some(Role::Connection { cc, agent }) => {
                self.connection_outcome(ctx, &cc, &agent, call, outcome)
            }
            Some(Role::Dialling(d)) => {
                if outcome == Originated::Answered {
                    ctx.core.watch_call(call);
                    ctx.core.limit_call(ctx.now, call, d.max_answer);
                    self.arrived(ctx, d.target, MemberId::Call(call.0.clone()), call.clone());
                } else {
                    self.roles.remove(call);
                    self.missed(ctx, d.target, EnqueueCause::CallFail);
                }
            }
            _ => {}
        }
    }

    fn connection_outcome(
        &mut self,
        ctx: &mut Ctx<'_>,
        cc: &CallCenterId,
        agent: &AgentName,
        call: &CallId,
        outcome: Originated,
    ) {
        let key = (cc.clone(), agent.clone());
        if outcome != Originated::Answered {
            self.roles.remove(call);
            let waiting = self
                .connections
                .remove(&key)
                .map(|c| c.waiting)
                .unwrap_or_default();
            for (conv, _) in waiting {
                self.one_less_pending(&conv);
                let initiated = self.live.get_mut(&conv).is_some_and(|l| {
                    l.follow = None;
                    l.initiator.as_ref() == Some(agent)
                });
                if initiated {
                    // Its agent never came: the task or dial it started has nobody to
                    // connect to, so the conversation ends now rather than with whoever
                    // that task finds alone in it.
                    let _ = self.end(ctx, &conv, EndReason::MemberLeft, None);
                } else {
                    self.check_end(ctx, &conv);
                }
            }
            return;
        }
        ctx.core.watch_call(call);
        let waiting = match self.connections.get_mut(&key) {
            Some(c) => {
                c.up = true;
                std::mem::take(&mut c.waiting)
            }
            None => Vec::new(),
        };
        let mut joined = false;
        let convs: Vec<ConversationId> = waiting.iter().map(|(c, _)| c.clone()).collect();
        for (conv, mode) in waiting {
            self.one_less_pending(&conv);
            let follow = self.live.get_mut(&conv).and_then(|l| l.follow.take());
            if self
                .join_now(ctx, &conv, MemberId::Agent(agent.clone()), call, mode)
                .is_ok()
            {
                joined = true;
                if let Some((dial_call, dial)) = follow {
                    self.dial_for_callout(ctx, &conv, dial_call, dial);
                }
                let prompt = self.live.get(&conv).is_some_and(|l| {
                    l.prompt_initiator && l.pending > 0 && l.initiator.as_ref() == Some(agent)
                });
                if prompt {
                    self.play_to(ctx, &conv, call, None);
                }
            }
        }
        // Only once it is in all of them: one that ends now must not hang up a connection
        // the others still wait for.
        for conv in &convs {
            self.check_end(ctx, conv);
        }
        if !joined {
            self.disconnect(ctx, cc, agent);
        }
    }

    /// A watched call ended.
    pub fn on_leg_ended(&mut self, ctx: &mut Ctx<'_>, call: &CallId) {
        match self.roles.remove(call) {
            Some(Role::Connection { cc, agent }) => {
                self.connections.remove(&(cc.clone(), agent.clone()));
                let member = MemberId::Agent(agent);
                let convs = self
                    .boards
                    .get(&cc)
                    .map(|b| b.conversations_of(&member))
                    .unwrap_or_default();
                for conv in convs {
                    let _ = self.leave(ctx, &conv, &member, None, true);
                }
            }
            Some(Role::Outside { conversation }) => {
                let member = MemberId::Call(call.0.clone());
                let _ = self.leave(ctx, &conversation, &member, None, true);
            }
            Some(Role::Transferring { target }) => self.abandon_transfer(ctx, &target),
            Some(Role::Dialling(_)) | None => {}
        }
    }

    /// The earliest conversation deadline.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.live.values().filter_map(|l| l.deadline).min()
    }

    /// Ends conversations whose `conversation_timeout` passed.
    pub fn on_timer(&mut self, ctx: &mut Ctx<'_>) {
        let due: Vec<ConversationId> = self
            .live
            .iter()
            .filter(|(_, l)| l.deadline.is_some_and(|d| d <= ctx.now))
            .map(|(id, _)| id.clone())
            .collect();
        for id in due {
            let _ = self.end(ctx, &id, EndReason::Timeout, None);
        }
    }
}
