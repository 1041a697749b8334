//! What an operation's `<enqueue>` makes people hear (SPEC §8): its `wait_voice` is the
//! queue prompt of whoever waits while the task runs (callagent's caller, a foreground
//! inviter, the parties of an xferAgent), and its `hold_voice` is what the conversation the
//! task makes (callagent's, or an xferAgent's new one) plays to a member left alone hearing
//! it. Both are resolved in the background and arrive as task news; until then the
//! built-in music plays. Its `play_num` reads the found agent's job number to whoever
//! waited for it, once connected.

use sb_media::player::Prompt;

use sb_acd::agent::AgentName;
use sb_acd::conversation::ConversationId;

use super::link::{ConvLink, Ctx};
use super::live::{Purpose, Target, TaskNews};
use crate::core::call::CallId;
use crate::endpoint::Command;

/// Turns a resolved prompt into the task news that carries it.
type News = fn(Prompt) -> TaskNews;

/// The prompts an operation's `<enqueue>` names.
#[derive(Debug, Clone, Default)]
pub(super) struct Voices {
    /// `wait_voice`.
    pub wait: Option<String>,
    /// `hold_voice`.
    pub hold: Option<String>,
    /// `play_num`: its `pre_num_voice` and `post_num_voice`.
    pub announce: Option<(Option<String>, Option<String>)>,
}

impl ConvLink {
    /// How operations' `<enqueue>` `wait_voice` prompts are found (none: the built-in
    /// music plays).
    pub fn set_prompts(&mut self, resolver: Option<crate::ivr::PromptResolver>) {
        self.resolver = resolver;
    }

    /// Whoever hears the queue prompt while `target`'s task runs hears the `<enqueue>`'s
    /// `wait_voice` instead of the built-in music from now on.
    pub(crate) fn wait_voice(&mut self, ctx: &mut Ctx<'_>, target: &Target, prompt: &Prompt) {
        let waiting: Vec<CallId> = self.queue_prompts.iter().cloned().collect();
        self.swap_prompts(ctx, target, waiting, |ctx, call| {
            ctx.core.play_loop(call, prompt.clone())
        });
    }

    /// Resolves the prompts `voices` names in the background; each comes back as task
    /// news for `target`.
    pub(super) fn resolve_voices(&self, target: &Target, voices: Voices) {
        let (Some(resolver), Some(news)) = (self.resolver.clone(), self.news.clone()) else {
            return;
        };
        let asked: [(Option<String>, News); 2] = [
            (voices.wait, TaskNews::WaitVoice),
            (voices.hold, TaskNews::HoldVoice),
        ];
        for (name, make) in asked {
            let Some(name) = name else {
                continue;
            };
            let waiting = target.clone();
            crate::acd_link::resolve_later(&resolver, &target.cc, name, &news, move |prompt| {
                Command::ConversationTask {
                    target: Box::new(waiting),
                    news: make(prompt),
                }
            });
        }
    }

    /// `play_num`: whoever waited for `target`'s task hears the found agent's number —
    /// the transferred party, callagent's caller, a foreground inviter.
    pub(crate) fn announce(
        &mut self,
        ctx: &mut Ctx<'_>,
        target: &Target,
        (pre, num, post): (Option<Prompt>, String, Option<Prompt>),
    ) {
        let waited = match &target.purpose {
            Purpose::Transfer { party, .. } => Some(party.clone()),
            Purpose::Party => self
                .live
                .get(&target.conversation)
                .and_then(|l| l.initiator.clone())
                .and_then(|agent| self.connection_call(&target.cc, &agent)),
            Purpose::Invite { inviter } => inviter
                .as_ref()
                .and_then(|agent| self.connection_call(&target.cc, agent)),
        };
        if let Some(call) = waited {
            ctx.core.play_number(&call, pre, num, post);
        }
    }

    fn connection_call(&self, cc: &sb_store::CallCenterId, agent: &AgentName) -> Option<CallId> {
        self.connections
            .get(&(cc.clone(), agent.clone()))
            .filter(|c| c.up)
            .map(|c| c.call.clone())
    }

    /// The conversation `target`'s task makes (callagent's, an xferAgent's new one) plays
    /// `prompt` to a member left alone hearing it; kept until that conversation exists.
    pub(crate) fn hold_voice(&mut self, ctx: &mut Ctx<'_>, target: &Target, prompt: Prompt) {
        if !matches!(target.purpose, Purpose::Party | Purpose::Transfer { .. }) {
            return;
        }
        if !self.live.contains_key(&target.conversation) {
            self.pending_holds
                .insert(target.conversation.clone(), prompt);
            return;
        }
        self.hold_with(ctx, &target.conversation, prompt);
    }

    /// A running conversation plays `prompt`, from now on, to a member left alone hearing
    /// it (its `hold_voice`).
    pub(super) fn hold_with(
        &mut self,
        ctx: &mut Ctx<'_>,
        conversation: &ConversationId,
        prompt: Prompt,
    ) {
        let Some(l) = self.live.get_mut(conversation) else {
            return;
        };
        if let Some(m) = l.media {
            if let Err(error) = ctx
                .core
                .media_plane()
                .set_hold_prompt(m, Some(prompt.clone()))
            {
                tracing::warn!(conversation_id = %conversation, %error, "hold_voice not set");
            }
        }
        l.hold = Some(prompt);
    }
}
