//! A test phone: a plain UDP socket that speaks RTP with a tone of its own and answers
//! each packet the worker sends with one of its own, so the phones run at the worker's
//! pace without sleeping.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use sb_media::codec::Codec;
use sb_media::goertzel::amplitude;
use sb_media::mixer::VoiceMode;
use sb_media::rtp::{self, RtpPacket, RtpSender};
use sb_media::{Frame, FRAME_SAMPLES};
use switchboard_mediaworker::{
    ConversationId, Direction, EngineConfig, Event, LegInfo, LegSpec, MediaEngine,
};

/// Amplitude of each phone's tone.
pub const LEVEL: f64 = 3000.0;

#[derive(Debug)]
pub struct Phone {
    pub socket: UdpSocket,
    pub freq: f64,
    pub codec: Codec,
    pub tx: RtpSender,
    pub sample: u64,
    pub leg: Option<LegInfo>,
    /// Every audio frame received, decoded.
    pub heard: Vec<Frame>,
    /// Every RTP packet received with a payload type other than the audio's.
    pub other_pt: Vec<(u8, Vec<u8>)>,
}

impl Phone {
    pub fn new(freq: f64, codec: Codec) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        let ssrc = 0x5000 + freq as u32;
        Self {
            socket,
            freq,
            codec,
            tx: RtpSender::new(ssrc, 100, 1000, codec.payload_type()),
            sample: 0,
            leg: None,
            heard: Vec::new(),
            other_pt: Vec::new(),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.socket.local_addr().unwrap()
    }

    pub fn spec(&self) -> LegSpec {
        LegSpec {
            remote: self.addr(),
            codec: self.codec,
            telephone_event_pt: Some(101),
            direction: Direction::SendRecv,
        }
    }

    pub fn leg(&self) -> LegInfo {
        self.leg.expect("the phone has a leg")
    }

    /// The next frame of this phone's tone, encoded.
    pub fn voice(&mut self) -> [u8; FRAME_SAMPLES] {
        let mut pcm = [0i16; FRAME_SAMPLES];
        for s in pcm.iter_mut() {
            let t = self.sample as f64 / 8000.0;
            *s = (LEVEL * (std::f64::consts::TAU * self.freq * t).sin()) as i16;
            self.sample += 1;
        }
        let mut enc = [0u8; FRAME_SAMPLES];
        self.codec.encode_frame(&pcm, &mut enc);
        enc
    }

    /// Sends one frame of this phone's tone to `to`.
    pub fn speak_to(&mut self, to: SocketAddr) {
        let payload = self.voice();
        let mut buf = [0u8; 256];
        let n = self.tx.write_frame(&payload, &mut buf).unwrap();
        self.socket.send_to(&buf[..n], to).unwrap();
    }

    /// Waits for the worker's next RTP packet from the phone's leg (RTCP is skipped),
    /// records it, and answers
    /// with one frame of the tone (unless `mute`). Returns false on a timeout.
    pub fn exchange(&mut self, mute: bool) -> bool {
        let mut buf = [0u8; 2048];
        loop {
            let Ok((n, from)) = self.socket.recv_from(&mut buf) else {
                return false;
            };
            // Only the leg's own port speaks to this phone; whatever else reaches it (a
            // stray for a previous owner of the port number) is not the worker's. A worker
            // answering from another address leaves the phone waiting, and the test fails.
            if self.leg.is_some_and(|l| l.local != from) {
                continue;
            }
            if rtp::is_rtcp(&buf[..n]) {
                continue;
            }
            let pkt = RtpPacket::parse(&buf[..n]).expect("the worker sends valid RTP");
            if pkt.payload_type == self.codec.payload_type() {
                let mut pcm = [0i16; FRAME_SAMPLES];
                self.codec.decode_frame(pkt.payload, &mut pcm).unwrap();
                self.heard.push(pcm);
            } else {
                self.other_pt.push((pkt.payload_type, pkt.payload.to_vec()));
            }
            if !mute {
                self.speak_to(from);
            }
            return true;
        }
    }

    /// Amplitude of `freq` over the last `frames` frames heard.
    pub fn level_of(&self, freq: f64, frames: usize) -> f64 {
        let from = self.heard.len().saturating_sub(frames);
        let samples: Vec<i16> = self.heard[from..].iter().flatten().copied().collect();
        amplitude(&samples, freq)
    }
}

/// Runs `rounds` exchanges on every phone, round robin; panics if a phone stops hearing.
pub fn run(phones: &mut [Phone], rounds: usize) {
    for _ in 0..rounds {
        for p in phones.iter_mut() {
            assert!(p.exchange(false), "phone {} timed out", p.freq);
        }
    }
}

/// An engine bound to loopback on its own port range.
pub fn engine(workers: usize, ports: std::ops::RangeInclusive<u16>) -> MediaEngine {
    MediaEngine::start(EngineConfig {
        workers,
        bind_ip: "127.0.0.1".parse().unwrap(),
        ports,
        seed: Some(7),
        ..EngineConfig::default()
    })
    .unwrap()
}

/// A conversation of `phones` with `modes`, legs created next to it.
pub fn conversation(engine: &MediaEngine, phones: &mut [Phone], modes: &[u8]) -> ConversationId {
    let c = engine.create_conversation().unwrap();
    for (p, m) in phones.iter_mut().zip(modes) {
        let leg = engine.create_leg_near(c, p.spec()).unwrap();
        engine
            .add_member(c, leg.leg, VoiceMode::from_number(*m).unwrap())
            .unwrap();
        p.leg = Some(leg);
    }
    c
}

/// Waits up to `timeout` for an event that `want` accepts, returning it.
pub fn wait_for<T>(
    engine: &MediaEngine,
    timeout: Duration,
    mut want: impl FnMut(Event) -> Option<T>,
) -> Option<T> {
    let end = Instant::now() + timeout;
    loop {
        let left = end.checked_duration_since(Instant::now())?;
        if let Some(t) = engine.events().recv_timeout(left).ok().and_then(&mut want) {
            return Some(t);
        }
    }
}

/// Heard clearly.
pub const HEARD: f64 = 1500.0;
/// Not heard (G.711 quantisation noise and leakage stay far below this).
pub const SILENT: f64 = 300.0;
