//! A small SIP user agent over UDP for the simulated people: an agent's phone registers
//! with digest authentication and answers the calls it gets after a ring; the caller's
//! phone sits on the trunk's address and dials in. Messages are parsed with `sb-sip`;
//! audio is a [`Media`] per call.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use sb_sip::auth::DigestClient;
use sb_sip::message::Response;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use super::media::{Media, EVENT_PT};
use super::report::{Line, Who};
use super::DemoError;

mod incoming;

/// How long a request waits for its final answer (with retransmissions) before failing.
const TRANSACTION: Duration = Duration::from_secs(8);

/// One call of a phone.
#[derive(Debug)]
struct Call {
    id: String,
    media: Option<Arc<Media>>,
    /// Our side's From (UAC) or To with tag (UAS), then the other side's.
    ours: String,
    theirs: String,
    /// Where in-dialog requests go (the far end's Contact).
    target: String,
    answered: bool,
    ended: bool,
    /// The last response sent for the INVITE we received, for its retransmissions.
    last: Option<Bytes>,
    /// The INVITE we received, while it is unanswered (a CANCEL answers it 487).
    invite: Option<sb_sip::message::Request>,
}

#[derive(Debug, Default)]
struct State {
    calls: Vec<Call>,
    waiting: HashMap<String, mpsc::UnboundedSender<Response>>,
    cseq: u32,
    branch: u32,
}

/// A simulated person's phone.
#[derive(Debug, Clone)]
pub struct Phone {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    who: Who,
    user: String,
    socket: UdpSocket,
    local: SocketAddr,
    server: SocketAddr,
    freq: u16,
    ring: Duration,
    state: Mutex<State>,
    log: mpsc::UnboundedSender<Line>,
}

impl Inner {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // No code panics under this lock; a poisoned one still holds consistent calls.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn say(&self, text: String) {
        // The log ends with the run; a line after that has nobody to read it.
        let _ = self.log.send(Line::new(self.who.clone(), text));
    }
}

/// An SDP body for RTP at `rtp`: PCMU and telephone-events.
fn sdp(rtp: SocketAddr) -> String {
    format!(
        "v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=demo\r\nc=IN IP4 {ip}\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP 0 {EVENT_PT}\r\na=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:{EVENT_PT} telephone-event/8000\r\na=fmtp:{EVENT_PT} 0-16\r\na=sendrecv\r\n",
        ip = rtp.ip(),
        port = rtp.port()
    )
}

/// The RTP address an SDP body names.
fn sdp_addr(body: &[u8]) -> Option<SocketAddr> {
    let text = std::str::from_utf8(body).ok()?;
    let sd = sb_sip::sdp::SessionDescription::parse(text).ok()?;
    let m = sd.media.first()?;
    let c = m.connection.as_ref().or(sd.connection.as_ref())?;
    Some(SocketAddr::new(c.address.parse().ok()?, m.port))
}

/// The URI inside a Contact or name-addr value (`<sip:…>`), or the value itself.
fn uri_of(value: &str) -> String {
    match (value.find('<'), value.find('>')) {
        (Some(a), Some(b)) if a < b => value[a + 1..b].to_owned(),
        _ => value.split(';').next().unwrap_or(value).trim().to_owned(),
    }
}

impl Phone {
    /// A phone for `who` with SIP `user` on `ip`, talking to `server`, whose voice is
    /// `freq` Hz and which answers a call `ring` after it starts ringing.
    pub async fn start(
        who: Who,
        user: &str,
        ip: IpAddr,
        server: SocketAddr,
        freq: u16,
        ring: Duration,
        log: mpsc::UnboundedSender<Line>,
    ) -> Result<Phone, DemoError> {
        let socket = UdpSocket::bind((ip, 0))
            .await
            .map_err(|source| DemoError::Bind {
                what: "SIP",
                source,
            })?;
        let local = socket.local_addr().map_err(|source| DemoError::Bind {
            what: "SIP",
            source,
        })?;
        let inner = Arc::new(Inner {
            who,
            user: user.to_owned(),
            socket,
            local,
            server,
            freq,
            ring,
            state: Mutex::new(State::default()),
            log,
        });
        tokio::spawn(incoming::receive(Arc::downgrade(&inner)));
        Ok(Phone { inner })
    }

    /// Registers with digest authentication (one 401, then 200).
    pub async fn register(&self, password: &str) -> Result<(), DemoError> {
        let i = &self.inner;
        let uri = format!("sip:{}", i.server);
        let call_id = format!("reg-{}@{}", i.user, i.local);
        let mut client = DigestClient::new(&i.user, password);
        let mut auth = String::new();
        for _ in 0..2 {
            let (cseq, branch) = self.next_ids();
            let text = format!(
                "REGISTER {uri} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch={branch};rport\r\n\
                 Max-Forwards: 70\r\nFrom: <sip:{user}@{server}>;tag=r{user}\r\n\
                 To: <sip:{user}@{server}>\r\nCall-ID: {call_id}\r\nCSeq: {cseq} REGISTER\r\n\
                 Contact: <sip:{user}@{local}>\r\nExpires: 600\r\n{auth}\
                 User-Agent: switchboard-demo\r\nContent-Length: 0\r\n\r\n",
                local = i.local,
                user = i.user,
                server = i.server,
            );
            let r = self.transact(&branch, text).await?;
            match r.status {
                200..=299 => return Ok(()),
                401 => {
                    let values: Vec<&str> = r.headers.get_all("WWW-Authenticate").collect();
                    let a = client
                        .authorize(&values, false, "REGISTER", &uri, &branch)
                        .map_err(|_| DemoError::Sip {
                            what: "REGISTER",
                            status: 401,
                        })?;
                    auth = format!("{}: {}\r\n", a.header, a.value);
                }
                status => {
                    return Err(DemoError::Sip {
                        what: "REGISTER",
                        status,
                    })
                }
            }
        }
        Err(DemoError::Sip {
            what: "REGISTER",
            status: 401,
        })
    }

    fn next_ids(&self) -> (u32, String) {
        let mut s = self.inner.state();
        s.cseq += 1;
        s.branch += 1;
        (s.cseq, format!("z9hG4bK-{}-{}", self.inner.user, s.branch))
    }

    /// Sends a request and waits for its final response, resending it while unanswered.
    async fn transact(&self, branch: &str, text: String) -> Result<Response, DemoError> {
        let (tx, mut rx) = mpsc::unbounded_channel();
        self.inner.state().waiting.insert(branch.to_owned(), tx);
        let deadline = tokio::time::Instant::now() + TRANSACTION;
        let mut provisional = false;
        let result = loop {
            if !provisional {
                self.send(Bytes::from(text.clone())).await;
            }
            let wait = tokio::time::timeout(Duration::from_millis(500), rx.recv()).await;
            match wait {
                Ok(Some(r)) if r.is_provisional() => provisional = true,
                Ok(Some(r)) => break Ok(r),
                Ok(None) => {
                    break Err(DemoError::Timeout {
                        what: "a SIP answer",
                    })
                }
                Err(_) if tokio::time::Instant::now() >= deadline => {
                    break Err(DemoError::Timeout {
                        what: "a SIP answer",
                    })
                }
                Err(_) => {}
            }
        };
        self.inner.state().waiting.remove(branch);
        result
    }

    async fn send(&self, bytes: Bytes) {
        // UDP to loopback: a failed send shows up as a missing answer, which times out.
        let _ = self.inner.socket.send_to(&bytes, self.inner.server).await;
    }

    /// Dials `number` at the server from this phone (the trunk's far end); returns once
    /// the call is answered.
    pub async fn dial(&self, number: &str) -> Result<(), DemoError> {
        let i = &self.inner;
        let media = Media::start(i.local.ip(), i.freq)
            .await
            .map_err(|source| DemoError::Bind {
                what: "RTP",
                source,
            })?;
        let media = Arc::new(media);
        let (cseq, branch) = self.next_ids();
        let call_id = format!("call-{cseq}-{}@{}", i.user, i.local);
        i.state().calls.push(Call {
            id: call_id.clone(),
            media: Some(media.clone()),
            ours: format!("<sip:{}@{}>;tag=c{cseq}", i.user, i.local),
            theirs: format!("<sip:{number}@{}>", i.server),
            target: format!("sip:{number}@{}", i.server),
            answered: false,
            ended: false,
            last: None,
            invite: None,
        });
        let body = sdp(media.local());
        let invite = self.request(&call_id, "INVITE", cseq, &branch, None, &body);
        let answer = self.transact(&branch, invite).await?;
        if !(200..300).contains(&answer.status) {
            // §17.1.1.3: a failure is ACKed in the INVITE's transaction (same branch).
            let to = answer.headers.get("To");
            let ack = self.request(&call_id, "ACK", cseq, &branch, to, "");
            self.send(Bytes::from(ack)).await;
            self.end(&call_id);
            return Err(DemoError::Sip {
                what: "INVITE",
                status: answer.status,
            });
        }
        if let Some(remote) = sdp_addr(&answer.body) {
            media.connect(remote);
        }
        if let Some(c) = i.state().calls.iter_mut().find(|c| c.id == call_id) {
            c.theirs = answer.headers.get("To").unwrap_or_default().to_owned();
            c.answered = true;
            if let Some(t) = answer.headers.get("Contact").map(uri_of) {
                c.target = t;
            }
        }
        let (_, branch) = self.next_ids();
        let ack = self.request(&call_id, "ACK", cseq, &branch, None, "");
        self.send(Bytes::from(ack)).await;
        Ok(())
    }

    /// A request of our side in call `call_id`: to its target, with its From and To (or
    /// `to`), and an SDP `body` unless empty.
    fn request(
        &self,
        call_id: &str,
        method: &str,
        cseq: u32,
        branch: &str,
        to: Option<&str>,
        body: &str,
    ) -> String {
        let i = &self.inner;
        let s = i.state();
        let (ours, theirs, target) = s
            .calls
            .iter()
            .find(|c| c.id == call_id)
            .map(|c| (c.ours.clone(), c.theirs.clone(), c.target.clone()))
            .unwrap_or_default();
        let sdp_type = if body.is_empty() {
            ""
        } else {
            "Content-Type: application/sdp\r\n"
        };
        format!(
            "{method} {target} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch={branch};rport\r\n\
             Max-Forwards: 70\r\nFrom: {ours}\r\nTo: {to}\r\nCall-ID: {call_id}\r\n\
             CSeq: {cseq} {method}\r\nContact: <sip:{user}@{local}>\r\n{sdp_type}\
             Content-Length: {len}\r\n\r\n{body}",
            local = i.local,
            user = i.user,
            to = to.unwrap_or(&theirs),
            len = body.len(),
        )
    }

    /// Hangs the current call up with BYE; Ok once the server answered it.
    pub async fn hang_up(&self) -> Result<(), DemoError> {
        let call = {
            let s = self.inner.state();
            s.calls
                .iter()
                .rev()
                .find(|c| c.answered && !c.ended)
                .map(|c| c.id.clone())
        };
        let Some(call_id) = call else {
            return Err(DemoError::NoCall);
        };
        let (cseq, branch) = self.next_ids();
        let text = self.request(&call_id, "BYE", cseq, &branch, None, "");
        self.end(&call_id);
        let r = self.transact(&branch, text).await?;
        match r.status {
            200..=299 => Ok(()),
            status => Err(DemoError::Sip {
                what: "BYE",
                status,
            }),
        }
    }

    fn end(&self, call_id: &str) {
        let mut s = self.inner.state();
        if let Some(c) = s.calls.iter_mut().find(|c| c.id == call_id) {
            c.ended = true;
            c.media = None;
        }
    }

    /// The audio endpoint of the call in progress.
    pub fn media(&self) -> Option<Arc<Media>> {
        let s = self.inner.state();
        s.calls
            .iter()
            .rev()
            .find(|c| c.answered && !c.ended)
            .and_then(|c| c.media.clone())
    }

    /// Calls answered so far, and calls of those that have ended.
    pub fn counts(&self) -> (usize, usize) {
        let s = self.inner.state();
        let answered = s.calls.iter().filter(|c| c.answered).count();
        let ended = s.calls.iter().filter(|c| c.answered && c.ended).count();
        (answered, ended)
    }

    /// Whether a call is up right now.
    pub fn in_call(&self) -> bool {
        let (answered, ended) = self.counts();
        answered > ended
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_sdp_body_round_trips_its_address() {
        let addr: SocketAddr = "127.0.0.2:40000".parse().unwrap();
        assert_eq!(sdp_addr(sdp(addr).as_bytes()), Some(addr));
        assert_eq!(sdp_addr(b"not sdp"), None);
    }

    #[test]
    fn a_contact_gives_its_uri() {
        assert_eq!(
            uri_of("<sip:a@127.0.0.1:5060>;expires=3"),
            "sip:a@127.0.0.1:5060"
        );
        assert_eq!(uri_of("sip:b@h;lr"), "sip:b@h");
    }
}
