//! RFC 3264 offer/answer for one audio stream: PCMU, PCMA and telephone-event.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::{Attribute, Connection, Media, Origin, SdpError, SessionDescription};

/// Audio codecs we speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// G.711 µ-law, static PT 0.
    Pcmu,
    /// G.711 A-law, static PT 8.
    Pcma,
}

impl Codec {
    fn encoding(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
        }
    }

    fn static_pt(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    fn from_encoding(name: &str, rate: u32) -> Option<Self> {
        if rate != 8000 {
            return None;
        }
        [Codec::Pcmu, Codec::Pcma]
            .into_iter()
            .find(|c| c.encoding().eq_ignore_ascii_case(name))
    }
}

/// Media direction (RFC 3264 §5.1, §6.1), from the point of view of whoever wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Both ways.
    SendRecv,
    /// Writer sends only (hold by the writer).
    SendOnly,
    /// Writer receives only.
    RecvOnly,
    /// Neither.
    Inactive,
}

impl Direction {
    fn attr(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    fn from_attrs(attrs: &[Attribute]) -> Option<Self> {
        attrs.iter().find_map(|a| match a.name.as_str() {
            "sendrecv" => Some(Direction::SendRecv),
            "sendonly" => Some(Direction::SendOnly),
            "recvonly" => Some(Direction::RecvOnly),
            "inactive" => Some(Direction::Inactive),
            _ => None,
        })
    }

    /// The direction seen from the other side.
    pub fn reversed(self) -> Self {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            d => d,
        }
    }

    fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    fn from_flags(send: bool, recv: bool) -> Self {
        match (send, recv) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }
}

/// What we can do, for building offers and answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMedia {
    /// Address written in `c=`/`o=`.
    pub address: IpAddr,
    /// Our RTP port.
    pub port: u16,
    /// Codecs we accept, our preference first.
    pub codecs: Vec<Codec>,
    /// PT we offer telephone-event on (answers use the peer's).
    pub telephone_event_pt: Option<u8>,
    /// Packetisation time we offer, ms.
    pub ptime: u32,
    /// What we want (SendOnly to put the peer on hold).
    pub direction: Direction,
}

/// The negotiated result the media plane needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaParams {
    /// Where the peer receives RTP (0.0.0.0 for legacy hold).
    pub remote_rtp: SocketAddr,
    /// Codec.
    pub codec: Codec,
    /// Its payload type on the wire.
    pub payload_type: u8,
    /// telephone-event PT, as the peer numbered it.
    pub telephone_event: Option<u8>,
    /// Our direction.
    pub direction: Direction,
    /// Packetisation time, ms.
    pub ptime: u32,
}

/// Our side of one SDP session: keeps `o=` stable and its version moving (RFC 3264 §8).
#[derive(Debug, Clone)]
pub struct SdpSession {
    session_id: u64,
    version: u64,
    last_body: Option<String>,
}

impl SdpSession {
    /// A session with an id from the caller (RFC 8866 §5.2 suggests an NTP timestamp).
    pub fn new(session_id: u64) -> Self {
        SdpSession {
            session_id,
            version: session_id,
            last_body: None,
        }
    }

    /// Stamps `o=`: every offer after the first gets a new version, and so does an
    /// answer that differs from what we sent last (RFC 3264 §8).
    fn finish(&mut self, mut sd: SessionDescription, is_offer: bool) -> SessionDescription {
        let body = sd
            .media
            .iter()
            .map(|m| format!("{m:?}"))
            .collect::<String>();
        if let Some(last) = &self.last_body {
            if is_offer || *last != body {
                self.version += 1;
            }
        }
        self.last_body = Some(body);
        sd.origin.session_version = self.version;
        sd
    }

    fn skeleton(&self, local: &LocalMedia) -> SessionDescription {
        let addr_type = if local.address.is_ipv4() {
            "IP4"
        } else {
            "IP6"
        };
        SessionDescription {
            origin: Origin {
                username: "switchboard".into(),
                session_id: self.session_id,
                session_version: self.version,
                addr_type: addr_type.into(),
                address: local.address.to_string(),
            },
            session_name: "switchboard".into(),
            connection: Some(Connection {
                addr_type: addr_type.into(),
                address: local.address.to_string(),
            }),
            timing: "0 0".into(),
            other: Vec::new(),
            attributes: Vec::new(),
            media: Vec::new(),
        }
    }

    /// Our offer: one audio stream with our codecs and telephone-event.
    pub fn offer(&mut self, local: &LocalMedia) -> SessionDescription {
        let mut sd = self.skeleton(local);
        let mut media = audio_media(local.port);
        for c in &local.codecs {
            media.formats.push(c.static_pt().to_string());
            attr(
                &mut media,
                "rtpmap",
                Some(format!("{} {}/8000", c.static_pt(), c.encoding())),
            );
        }
        if let Some(pt) = local.telephone_event_pt {
            media.formats.push(pt.to_string());
            attr(
                &mut media,
                "rtpmap",
                Some(format!("{pt} telephone-event/8000")),
            );
            attr(&mut media, "fmtp", Some(format!("{pt} 0-16")));
        }
        attr(&mut media, "ptime", Some(local.ptime.to_string()));
        attr(&mut media, local.direction.attr(), None);
        sd.media.push(media);
        self.finish(sd, true)
    }

    /// Answers `offer` (RFC 3264 §6): the first audio stream with a codec in common is
    /// accepted on the offerer's first such codec and PT numbers; every other stream is
    /// rejected with port 0. `Err(NotAcceptable)` means answer 488.
    pub fn answer(
        &mut self,
        offer: &SessionDescription,
        local: &LocalMedia,
    ) -> Result<(SessionDescription, MediaParams), SdpError> {
        let mut sd = self.skeleton(local);
        let mut params = None;
        for (index, m) in offer.media.iter().enumerate() {
            let accepted = if params.is_none() {
                negotiate_stream(offer, index, m, local)?
            } else {
                None
            };
            match accepted {
                Some((answer, p)) => {
                    sd.media.push(answer);
                    params = Some(p);
                }
                None => sd.media.push(Media {
                    port: 0,
                    connection: None,
                    other: Vec::new(),
                    attributes: Vec::new(),
                    ..m.clone()
                }),
            }
        }
        let params = params.ok_or(SdpError::NotAcceptable)?;
        Ok((self.finish(sd, false), params))
    }
}

fn audio_media(port: u16) -> Media {
    Media {
        kind: "audio".into(),
        port,
        proto: "RTP/AVP".into(),
        formats: Vec::new(),
        connection: None,
        other: Vec::new(),
        attributes: Vec::new(),
    }
}

fn attr(m: &mut Media, name: &str, value: Option<String>) {
    m.attributes.push(Attribute {
        name: name.into(),
        value,
    });
}

/// The writer's direction for stream `m`; `c=0.0.0.0` is RFC 2543 hold, i.e. sendonly
/// (RFC 3264 §8.4).
fn stream_direction(sd: &SessionDescription, m: &Media) -> Direction {
    let conn = m.connection.as_ref().or(sd.connection.as_ref());
    if conn.is_some_and(|c| c.address == "0.0.0.0") {
        return Direction::SendOnly;
    }
    Direction::from_attrs(&m.attributes)
        .or_else(|| Direction::from_attrs(&sd.attributes))
        .unwrap_or(Direction::SendRecv)
}

fn remote_addr(sd: &SessionDescription, index: usize, m: &Media) -> Result<SocketAddr, SdpError> {
    let conn = m
        .connection
        .as_ref()
        .or(sd.connection.as_ref())
        .ok_or(SdpError::MissingConnection { index })?;
    // A host name in c= is legal but unusable without DNS; treat it like hold.
    let ip = conn
        .address
        .parse()
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    Ok(SocketAddr::new(ip, m.port))
}

/// The first format of `m`, in its order, that is a codec we accept (RFC 3264 §6.1).
fn pick_codec(m: &Media, local: &LocalMedia) -> Option<(String, Codec)> {
    m.formats.iter().find_map(|pt| {
        let (name, rate) = m.rtpmap(pt)?;
        let codec = Codec::from_encoding(&name, rate).filter(|c| local.codecs.contains(c))?;
        Some((pt.clone(), codec))
    })
}

/// The peer's telephone-event payload type (RFC 4733 §7), whatever number it chose.
fn telephone_event(m: &Media) -> Option<String> {
    m.formats
        .iter()
        .find(|f| {
            m.rtpmap(f)
                .is_some_and(|(n, r)| n.eq_ignore_ascii_case("telephone-event") && r == 8000)
        })
        .cloned()
}

fn ptime_of(m: &Media, default: u32) -> u32 {
    m.attribute("ptime")
        .flatten()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or(default)
}

fn negotiate_stream(
    sd: &SessionDescription,
    index: usize,
    m: &Media,
    local: &LocalMedia,
) -> Result<Option<(Media, MediaParams)>, SdpError> {
    if m.kind != "audio" || m.port == 0 || m.proto != "RTP/AVP" {
        return Ok(None);
    }
    let Some((pt, codec)) = pick_codec(m, local) else {
        return Ok(None);
    };
    let te = telephone_event(m);
    let theirs = stream_direction(sd, m);
    let ours = Direction::from_flags(
        theirs.receives() && local.direction.sends(),
        theirs.sends() && local.direction.receives(),
    );
    let ptime = ptime_of(m, local.ptime);
    let answer = answer_media(local.port, &pt, codec, te.as_deref(), ptime, ours);
    let params = MediaParams {
        remote_rtp: remote_addr(sd, index, m)?,
        codec,
        payload_type: pt.parse().unwrap_or(codec.static_pt()),
        telephone_event: te.and_then(|t| t.parse().ok()),
        direction: ours,
        ptime,
    };
    Ok(Some((answer, params)))
}

/// Our accepted m= line: the chosen codec and telephone-event on the offerer's numbers.
fn answer_media(
    port: u16,
    pt: &str,
    codec: Codec,
    te: Option<&str>,
    ptime: u32,
    dir: Direction,
) -> Media {
    let mut answer = audio_media(port);
    answer.formats.push(pt.to_owned());
    attr(
        &mut answer,
        "rtpmap",
        Some(format!("{pt} {}/8000", codec.encoding())),
    );
    if let Some(te) = te {
        answer.formats.push(te.to_owned());
        attr(
            &mut answer,
            "rtpmap",
            Some(format!("{te} telephone-event/8000")),
        );
        attr(&mut answer, "fmtp", Some(format!("{te} 0-16")));
    }
    attr(&mut answer, "ptime", Some(ptime.to_string()));
    attr(&mut answer, dir.attr(), None);
    answer
}

/// Reads the answer to our offer: the first accepted audio stream, its first format, the
/// peer's telephone-event PT, and our direction (the reverse of the answerer's).
pub fn accept_answer(
    answer: &SessionDescription,
    local: &LocalMedia,
) -> Result<MediaParams, SdpError> {
    for (index, m) in answer.media.iter().enumerate() {
        if m.kind != "audio" || m.port == 0 {
            continue;
        }
        let Some((pt, codec)) = pick_codec(m, local) else {
            continue;
        };
        let allowed = stream_direction(answer, m).reversed();
        return Ok(MediaParams {
            remote_rtp: remote_addr(answer, index, m)?,
            codec,
            payload_type: pt.parse().unwrap_or(codec.static_pt()),
            telephone_event: telephone_event(m).and_then(|t| t.parse().ok()),
            direction: Direction::from_flags(
                allowed.sends() && local.direction.sends(),
                allowed.receives() && local.direction.receives(),
            ),
            ptime: ptime_of(m, local.ptime),
        });
    }
    Err(SdpError::NotAcceptable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions_compose() {
        assert_eq!(Direction::from_flags(true, false), Direction::SendOnly);
        assert_eq!(Direction::SendOnly.reversed(), Direction::RecvOnly);
        assert_eq!(Direction::Inactive.reversed(), Direction::Inactive);
        assert!(Direction::SendRecv.sends() && Direction::SendRecv.receives());
    }

    #[test]
    fn codecs_need_8khz() {
        assert_eq!(Codec::from_encoding("pcmu", 8000), Some(Codec::Pcmu));
        assert_eq!(Codec::from_encoding("PCMA", 16000), None);
        assert_eq!(Codec::from_encoding("G722", 8000), None);
    }
}
