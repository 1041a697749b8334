//! One call leg: its SIP side (transaction, dialog, SDP session) and its RTP endpoint.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use bytes::Bytes;
use sb_media::codec::Codec as MediaCodec;
use sb_mediaworker::{ConversationId, Direction as MediaDirection, LegId, LegSpec};
use sb_sip::auth::DigestClient;
use sb_sip::dialog::Dialog;
use sb_sip::message::Request;
use sb_sip::sdp::{Codec, Direction, LocalMedia, MediaParams, SdpSession};
use sb_sip::transaction::TransactionId;
use sb_sip::transport::Transport;
use sb_store::CallCenterId;

use super::{CallId, CallTimer};

/// The telephone-event payload type we offer (RFC 4733; 101 is what most phones use).
pub const TELEPHONE_EVENT_PT: u8 = 101;

/// Which way the leg's INVITE went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegDirection {
    /// It reached us: we are the UAS.
    Inbound,
    /// We sent it: we are the UAC.
    Outbound,
}

impl LegDirection {
    /// `inbound` or `outbound`, as records and metrics name it.
    pub fn as_str(self) -> &'static str {
        match self {
            LegDirection::Inbound => "inbound",
            LegDirection::Outbound => "outbound",
        }
    }
}

/// Where a leg is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegState {
    /// Outbound: INVITE sent, no provisional answer with a dialog yet.
    Calling,
    /// Inbound: INVITE received, nothing but 100 sent yet.
    Incoming,
    /// A provisional response created an early dialog (sent or received).
    Early,
    /// Inbound: 2xx sent, its ACK not yet in.
    Answered,
    /// Established.
    Confirmed,
    /// BYE or CANCEL sent; waiting for the transaction to finish.
    Ending,
}

/// Why a leg ended, for the call record and the status the other leg gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// The leg's own party hung up (BYE or CANCEL from it).
    RemoteHangup,
    /// The other leg of the call ended first.
    PeerEnded,
    /// The leg's party refused the call with this status.
    Rejected(u16),
    /// It rang for `max_dial` without an answer.
    NoAnswer,
    /// It lasted `max_call`.
    MaxDuration,
    /// RFC 4028: no session refresh in time.
    SessionExpired,
    /// No RTP for the media plane's timeout.
    RtpTimeout,
    /// A request got no answer (timer B/F) or the 2xx no ACK (timer L).
    Timeout,
    /// The transport to the peer failed.
    TransportError,
    /// The server is shutting down.
    Shutdown,
    /// The application driving the call (its IVR) hung it up.
    Released,
    /// Routing or media failed on our side.
    Error,
}

impl EndReason {
    /// The final status an unanswered inbound leg gets for this reason.
    pub fn status(self) -> u16 {
        match self {
            EndReason::RemoteHangup => 487,
            EndReason::Rejected(code) => map_failure(code),
            EndReason::NoAnswer => 480,
            EndReason::Timeout | EndReason::TransportError => 408,
            EndReason::Shutdown => 503,
            EndReason::PeerEnded
            | EndReason::MaxDuration
            | EndReason::SessionExpired
            | EndReason::RtpTimeout
            | EndReason::Released => 480,
            EndReason::Error => 500,
        }
    }

    /// A short name for records and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::RemoteHangup => "hangup",
            EndReason::PeerEnded => "peer_hangup",
            EndReason::Rejected(_) => "rejected",
            EndReason::NoAnswer => "no_answer",
            EndReason::MaxDuration => "max_duration",
            EndReason::SessionExpired => "session_expired",
            EndReason::RtpTimeout => "rtp_timeout",
            EndReason::Timeout => "timeout",
            EndReason::TransportError => "transport_error",
            EndReason::Shutdown => "shutdown",
            EndReason::Released => "released",
            EndReason::Error => "error",
        }
    }
}

/// What the caller hears when the called party refused with `code` (RFC 3261 §16.7
/// spirit: busy and decline pass through as they are; what only concerns our hop —
/// authentication, our own request's form — becomes a server error).
pub fn map_failure(code: u16) -> u16 {
    match code {
        486 | 600 => 486,
        603 | 607 => 603,
        404 | 484 | 604 => 404,
        488 | 606 => 488,
        401 | 407 | 400 | 413 | 414 | 415 | 416 | 420 | 421 | 423 => 502,
        408 | 480 | 487 => 480,
        300..=399 => 480,
        500..=599 => 503,
        c if (400..700).contains(&c) => c,
        _ => 500,
    }
}

/// What a finished leg leaves behind (the call record, SPEC §12/issue: CDR).
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// The leg.
    pub call_id: CallId,
    /// Its SIP Call-ID.
    pub sip_call_id: String,
    /// The call center it belongs to, when known.
    pub callcenter_id: Option<CallCenterId>,
    /// Inbound or outbound.
    pub direction: LegDirection,
    /// Calling party (user or number).
    pub from: String,
    /// Called party.
    pub to: String,
    /// The other leg of the call, if it had one.
    pub peer: Option<CallId>,
    /// INVITE time, Unix ms.
    pub start_ms: u64,
    /// Answer time, Unix ms.
    pub answer_ms: Option<u64>,
    /// End time, Unix ms.
    pub end_ms: u64,
    /// Why it ended.
    pub end_reason: EndReason,
    /// The final SIP status of its INVITE (200 when answered).
    pub status: Option<u16>,
    /// RTCP figures of what the peer sent (packets lost, jitter in ms), when the media
    /// plane reported them before the record was written.
    pub quality: Option<(i64, u32)>,
}

/// One call leg.
#[derive(Debug)]
pub(crate) struct Leg {
    pub id: CallId,
    pub direction: LegDirection,
    pub state: LegState,
    /// Inbound: the INVITE received. Outbound: the last INVITE sent (for CANCEL and for
    /// a retry with credentials).
    pub invite: Request,
    pub invite_txn: Option<TransactionId>,
    pub local_tag: String,
    pub dialog: Option<Dialog>,
    /// Where requests to the peer go (the source of its INVITE or REGISTER: NAT-safe).
    pub remote: SocketAddr,
    pub transport: Transport,
    /// Our SIP address as written in Via and Contact.
    pub local_host: IpAddr,
    pub sdp: SdpSession,
    pub local_media: LocalMedia,
    pub media: LegId,
    pub params: Option<MediaParams>,
    /// Inbound: our answer to the INVITE's offer, sent in 183/200.
    pub answer_body: Option<Bytes>,
    /// The leg bridged with this one (for an outbound fork: its caller's leg).
    pub peer: Option<CallId>,
    /// Placed by the engine (an agent's extension): its outcome is reported.
    pub notify: bool,
    /// A member of a call-center conversation: its end is reported
    /// ([`crate::core::Effect::LegEnded`]).
    pub watched: bool,
    /// Inbound: outbound legs still ringing for it, before one answers.
    pub forks: Vec<CallId>,
    /// Inbound: the most telling failure of the forks that ended so far.
    pub fork_failure: Option<EndReason>,
    pub conversation: Option<ConversationId>,
    pub provisional_seen: bool,
    pub cancel_pending: bool,
    pub auth: Option<DigestClient>,
    pub auth_tries: u8,
    /// The last ACK we sent for a 2xx, resent when the 2xx is retransmitted.
    pub last_ack: Option<Request>,
    /// A re-INVITE without SDP that we answered with an offer: its answer is in the ACK.
    pub offer_in_2xx: bool,
    /// RFC 4028 interval and whether we refresh.
    pub session: Option<(Duration, bool)>,
    pub timers: HashMap<CallTimer, Instant>,
    pub callcenter: Option<CallCenterId>,
    pub from: String,
    pub to: String,
    pub start_ms: u64,
    pub answer_ms: Option<u64>,
    pub final_status: Option<u16>,
    pub end_reason: Option<EndReason>,
    /// Client transactions (BYE, CANCEL) still running after the leg ended.
    pub pending: usize,
    /// RTCP figures of the peer's stream, once the media plane closed the endpoint.
    pub quality: Option<(i64, u32)>,
}

impl Leg {
    /// The call record, once the leg has ended.
    pub fn record(&self, end_ms: u64) -> CallRecord {
        CallRecord {
            call_id: self.id.clone(),
            sip_call_id: self.dialog.as_ref().map_or_else(
                || {
                    self.invite
                        .headers
                        .get("Call-ID")
                        .unwrap_or_default()
                        .to_owned()
                },
                |d| d.id.call_id.clone(),
            ),
            callcenter_id: self.callcenter.clone(),
            direction: self.direction,
            from: self.from.clone(),
            to: self.to.clone(),
            peer: self.peer.clone(),
            start_ms: self.start_ms,
            answer_ms: self.answer_ms,
            end_ms,
            end_reason: self.end_reason.unwrap_or(EndReason::Error),
            status: self.final_status,
            quality: self.quality,
        }
    }

    /// Whether a 2xx was sent or received.
    pub fn answered(&self) -> bool {
        matches!(self.state, LegState::Answered | LegState::Confirmed) || self.answer_ms.is_some()
    }
}

/// What we offer and accept: G.711 both laws, telephone-event, 20 ms.
pub fn local_media(address: IpAddr, port: u16) -> LocalMedia {
    LocalMedia {
        address,
        port,
        codecs: vec![Codec::Pcmu, Codec::Pcma],
        telephone_event_pt: Some(TELEPHONE_EVENT_PT),
        ptime: 20,
        direction: Direction::SendRecv,
    }
}

/// The media plane's form of negotiated parameters.
pub fn leg_spec(params: &MediaParams) -> LegSpec {
    LegSpec {
        remote: params.remote_rtp,
        codec: match params.codec {
            Codec::Pcmu => MediaCodec::Pcmu,
            Codec::Pcma => MediaCodec::Pcma,
        },
        telephone_event_pt: params.telephone_event,
        direction: match params.direction {
            Direction::SendRecv => MediaDirection::SendRecv,
            Direction::SendOnly => MediaDirection::SendOnly,
            Direction::RecvOnly => MediaDirection::RecvOnly,
            Direction::Inactive => MediaDirection::Inactive,
        },
    }
}

/// A leg's RTP endpoint before SDP says where the peer is: it sends nothing.
pub fn placeholder_spec() -> LegSpec {
    LegSpec {
        remote: SocketAddr::from(([0, 0, 0, 0], 0)),
        codec: MediaCodec::Pcmu,
        telephone_event_pt: None,
        direction: MediaDirection::SendRecv,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_and_decline_pass_through_and_hop_errors_do_not() {
        assert_eq!(map_failure(486), 486);
        assert_eq!(map_failure(600), 486);
        assert_eq!(map_failure(603), 603);
        assert_eq!(map_failure(407), 502);
        assert_eq!(map_failure(488), 488);
        assert_eq!(map_failure(503), 503);
        assert_eq!(map_failure(408), 480);
        assert_eq!(map_failure(302), 480);
    }
}
