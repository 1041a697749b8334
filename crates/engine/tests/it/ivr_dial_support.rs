//! `<dial>` and `<connect>` around the endpoint core (SPEC §10): a caller arrives from the
//! scripted trunk on the DID, the test plays the IVR session's part (it sends the
//! session's requests to the core and reads what the session is told), and the dialled
//! party is the same trunk's far end.

use std::net::SocketAddr;
use std::time::Duration;

use sb_ivr::model::{ConnectMode, RingbackStop};
use sb_mediaworker::LegId;
use sb_sip::message::Request;
use switchboard_engine::core::call::IvrOp;
use switchboard_engine::ivr::{ConnectRequest, DialRequest, IvrMessage};
use switchboard_engine::CallId;

use crate::calls::net::{sdp, Net, Phone, DID};

/// Where the dialled party's RTP comes from (the caller's is [`Phone::rtp`] of the trunk).
pub const PARTY_RTP: &str = "192.0.2.98:40002";

/// An IVR call from the trunk, answered by its session.
pub struct IvrCall {
    pub net: Net,
    pub call: CallId,
    /// The caller, on the trunk's address.
    pub caller: Phone,
    /// The trunk's far end, which the dialled numbers reach.
    pub far: Phone,
}

impl IvrCall {
    /// The trunk calls the DID; the session answers.
    pub fn answered() -> IvrCall {
        let mut net = Net::new();
        let mut caller = Phone::trunk();
        caller.dial_unchallenged(&mut net, DID);
        let (call, started) = net
            .ivr
            .first()
            .cloned()
            .expect("the DID starts an IVR call");
        assert_eq!(started, None);
        let mut c = IvrCall {
            net,
            call,
            caller,
            far: Phone::trunk(),
        };
        c.op(IvrOp::Answer);
        let ok = c.net.response(c.caller.addr, 200);
        c.caller.ack(&mut c.net, &ok);
        c
    }

    /// Hands the core one request of the session.
    pub fn op(&mut self, op: IvrOp) {
        let (now, ms) = (self.net.clock.now(), self.net.clock.unix_ms());
        self.net.core.on_ivr(now, ms, &self.call, op);
        self.net.flush_now();
    }

    /// `<dial>` of `numbers`, each ringing at most `max_dial` seconds.
    pub fn dial(&mut self, numbers: &[&str], max_dial: u64) {
        self.op(IvrOp::Dial(dial_request(numbers, max_dial)));
    }

    /// `<connect mode max_duration>`.
    pub fn connect(&mut self, mode: ConnectMode, max_duration: Option<Duration>) {
        self.op(IvrOp::Connect(ConnectRequest {
            mode,
            max_duration,
            prompt: None,
        }));
    }

    /// What the session has been told so far (and forgets it).
    pub fn told(&mut self) -> Vec<IvrMessage> {
        let call = self.call.clone();
        let told = self
            .net
            .ivr
            .iter()
            .filter(|(c, _)| *c == call)
            .filter_map(|(_, m)| m.clone())
            .collect();
        self.net.ivr.retain(|(c, _)| *c != call);
        told
    }

    /// The next INVITE toward the trunk (a dialled number), with its number.
    pub fn ringing(&mut self) -> (Request, String) {
        let invite = self.net.request(self.far.addr, "INVITE");
        let number = invite.uri.user.clone().unwrap_or_default();
        (invite, number)
    }

    /// The far end answers `invite` (after ringing) and takes the switch's ACK.
    pub fn pick_up(&mut self, invite: &Request) {
        let far = &self.far;
        far.reply(&mut self.net, invite, 180, None);
        let body = sdp(party_rtp(), "sendrecv");
        far.reply(&mut self.net, invite, 200, Some(body));
        self.net.request(self.far.addr, "ACK");
    }

    /// The caller's RTP endpoint in the media plane.
    pub fn caller_leg(&self) -> LegId {
        self.leg_toward(self.caller.rtp())
    }

    /// The dialled party's RTP endpoint in the media plane.
    pub fn party_leg(&self) -> LegId {
        self.leg_toward(party_rtp())
    }

    fn leg_toward(&self, rtp: SocketAddr) -> LegId {
        self.net
            .media
            .legs()
            .into_iter()
            .find(|(_, spec)| spec.remote == rtp)
            .map(|(leg, _)| leg)
            .unwrap_or_else(|| panic!("no leg toward {rtp}"))
    }

    /// Whether the media plane still has an endpoint toward `rtp`.
    pub fn has_leg_toward(&self, rtp: SocketAddr) -> bool {
        self.net
            .media
            .legs()
            .iter()
            .any(|(_, spec)| spec.remote == rtp)
    }
}

pub fn party_rtp() -> SocketAddr {
    PARTY_RTP.parse().unwrap()
}

/// A `<dial>` with the defaults of the IVR model and the region's ringback tone.
pub fn dial_request(numbers: &[&str], max_dial: u64) -> DialRequest {
    DialRequest {
        numbers: numbers.iter().map(|n| (*n).to_owned()).collect(),
        from: None,
        max_dial_duration: Duration::from_secs(max_dial),
        max_call_duration: None,
        ringback: None,
        ringback_stop: RingbackStop::Answer,
    }
}
