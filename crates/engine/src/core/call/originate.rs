//! Legs the call center places: a call to an agent's extension (no inbound leg behind it;
//! its outcome goes to whoever asked), and what is played to a leg while it waits.

use std::net::SocketAddr;
use std::time::Instant;

use sb_media::mixer::PlayId as MediaPlayId;
use sb_media::player::Prompt;
use sb_sip::message::Uri;
use sb_store::{Extension, ExtensionKind};

use super::leg::EndReason;
use super::route::OutboundTarget;
use super::CallId;
use crate::core::{Core, Effect};

/// How a call the engine placed went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Originated {
    /// It was answered.
    Answered,
    /// It ended unanswered, for this reason.
    Failed(EndReason),
}

impl Core {
    /// Calls `extension` as leg `call` (SPEC §1 extension types: a registered phone, a
    /// gateway, or a number through the call center's trunk); the outcome comes back as
    /// [`Effect::Originated`].
    pub fn originate_to_extension(
        &mut self,
        now: Instant,
        unix_ms: u64,
        call: CallId,
        extension: &Extension,
        caller_id: &str,
    ) {
        self.unix_ms = unix_ms;
        let target = match self.extension_target(now, extension, caller_id) {
            Ok(target) => target,
            Err(reason) => {
                self.effects.push_back(Effect::Originated {
                    call,
                    outcome: Originated::Failed(reason),
                });
                return;
            }
        };
        match self.originate(now, target, Some(call.clone())) {
            Ok(id) => {
                if let Some(leg) = self.calls.legs.get_mut(&id) {
                    leg.notify = true;
                }
            }
            Err(reason) => self.effects.push_back(Effect::Originated {
                call,
                outcome: Originated::Failed(reason),
            }),
        }
        self.pump(now);
    }

    fn extension_target(
        &self,
        now: Instant,
        extension: &Extension,
        caller_id: &str,
    ) -> Result<OutboundTarget, EndReason> {
        let cc = extension.callcenter_id.clone();
        match &extension.kind {
            ExtensionKind::Terminal { user, .. } => {
                let bindings = self.registrar.bindings(user, now);
                let b = bindings
                    .into_iter()
                    .max_by_key(|b| b.expires_at)
                    .ok_or(EndReason::Rejected(480))?;
                Ok(OutboundTarget {
                    uri: b.contact.uri,
                    dest: b.source,
                    transport: b.transport,
                    from_user: caller_id.to_owned(),
                    domain: None,
                    to_user: user.clone(),
                    auth: None,
                    callcenter: Some(cc),
                })
            }
            ExtensionKind::Gateway { ipaddr } => {
                let dest: SocketAddr = ipaddr
                    .parse()
                    .or_else(|_| ipaddr.parse().map(|ip| SocketAddr::new(ip, 5060)))
                    .map_err(|_| EndReason::Rejected(404))?;
                Ok(OutboundTarget {
                    uri: Uri::sip(None, &dest.ip().to_string(), Some(dest.port())),
                    dest,
                    transport: sb_sip::transport::Transport::Udp,
                    from_user: caller_id.to_owned(),
                    domain: None,
                    to_user: "agent".to_owned(),
                    auth: None,
                    callcenter: Some(cc),
                })
            }
            ExtensionKind::Number { telnum } => {
                let routes = self.routes.current();
                let trunk = routes
                    .outbound(&cc, |id| self.trunks.usable(id))
                    .ok_or(EndReason::Rejected(503))?;
                OutboundTarget::trunk(trunk, telnum, None).ok_or(EndReason::Rejected(503))
            }
            _ => Err(EndReason::Rejected(404)),
        }
    }

    /// Hangs a leg up, whatever its state (BYE, CANCEL or a final answer).
    pub fn hangup_call(&mut self, now: Instant, unix_ms: u64, call: &CallId) {
        self.unix_ms = unix_ms;
        self.hangup(now, call, EndReason::Released);
        self.pump(now);
    }

    /// Plays `prompt` over and over to a leg (music while it waits); `None` when the leg
    /// is gone or the media plane refused.
    pub fn play_loop(&mut self, call: &CallId, prompt: Prompt) -> Option<MediaPlayId> {
        let media = self.calls.legs.get(call)?.media;
        self.media.play_loop(media, prompt).ok()
    }

    /// Plays `pre`, the digits of `num`, then `post` once to a leg (SPEC §8 `play_num`).
    pub fn play_number(
        &mut self,
        call: &CallId,
        pre: Option<Prompt>,
        num: String,
        post: Option<Prompt>,
    ) {
        let Some(media) = self.calls.legs.get(call).map(|l| l.media) else {
            return;
        };
        if let Err(error) = self.media.play_number(media, pre, &num, post) {
            tracing::warn!(call_id = %call, %error, "agent number not announced");
        }
    }

    /// Stops a playback started by [`Core::play_loop`].
    pub fn stop_playback(&mut self, play: MediaPlayId) {
        let _ = self.media.stop_play(play);
    }
}
