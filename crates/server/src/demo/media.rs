//! One simulated person's audio: an RTP socket that sends the person's tone (PCMU, 20 ms
//! frames) and RFC 4733 key presses to the far end, and keeps every frame it receives,
//! decoded and time-stamped, for [`super::hearing`] to judge.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sb_media::codec::Codec;
use sb_media::dtmf::sender::DtmfSender;
use sb_media::dtmf::Digit;
use sb_media::rtp::{RtpPacket, RtpSender};
use sb_media::{Frame, FRAME_SAMPLES};
use tokio::net::UdpSocket;
use tokio::time::Instant;

use super::DemoError;

/// The payload type the demo offers and answers for telephone-events.
pub const EVENT_PT: u8 = 101;

#[derive(Debug, Default)]
struct State {
    remote: Option<SocketAddr>,
    heard: Vec<(Instant, Frame)>,
    keys: VecDeque<Digit>,
}

/// A running RTP endpoint; its tasks stop when it is dropped.
#[derive(Debug)]
pub struct Media {
    local: SocketAddr,
    state: Arc<Mutex<State>>,
    tasks: [tokio::task::JoinHandle<()>; 2],
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    // Nothing panics while holding the lock, but a poisoned one still holds good audio.
    state.lock().unwrap_or_else(|e| e.into_inner())
}

impl Media {
    /// Binds a socket on `ip` and starts sending `freq_hz` once a far end is known.
    pub async fn start(ip: std::net::IpAddr, freq_hz: u16) -> std::io::Result<Media> {
        let socket = Arc::new(UdpSocket::bind((ip, 0)).await?);
        let local = socket.local_addr()?;
        let state = Arc::new(Mutex::new(State::default()));
        let send = tokio::spawn(send_loop(socket.clone(), state.clone(), freq_hz));
        let recv = tokio::spawn(recv_loop(socket, state.clone()));
        Ok(Media {
            local,
            state,
            tasks: [send, recv],
        })
    }

    /// Where this endpoint receives (for the SDP).
    pub fn local(&self) -> SocketAddr {
        self.local
    }

    /// Sends to `remote` from now on.
    pub fn connect(&self, remote: SocketAddr) {
        lock(&self.state).remote = Some(remote);
    }

    /// Presses `key` (an RFC 4733 event of 120 ms in place of the tone).
    pub fn press(&self, key: char) -> Result<(), DemoError> {
        let digit = Digit::from_char(key).ok_or(DemoError::NotAKey { key })?;
        lock(&self.state).keys.push_back(digit);
        Ok(())
    }

    /// Every sample received from `since` up to now, in arrival order.
    pub fn heard_since(&self, since: Instant) -> Vec<i16> {
        lock(&self.state)
            .heard
            .iter()
            .filter(|(at, _)| *at >= since)
            .flat_map(|(_, f)| f.iter().copied())
            .collect()
    }

    /// Every sample received between `from` and `to`.
    pub fn heard_between(&self, from: Instant, to: Instant) -> Vec<i16> {
        lock(&self.state)
            .heard
            .iter()
            .filter(|(at, _)| *at >= from && *at < to)
            .flat_map(|(_, f)| f.iter().copied())
            .collect()
    }
}

impl Drop for Media {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn send_loop(socket: Arc<UdpSocket>, state: Arc<Mutex<State>>, freq_hz: u16) {
    let mut voice = super::hearing::voice(freq_hz);
    let ssrc = u32::from(freq_hz) << 16 | u32::from(socket.local_addr().map_or(0, |a| a.port()));
    let mut rtp = RtpSender::new(ssrc, 1, 0, 0);
    let mut key: Option<DtmfSender> = None;
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut out = [0u8; 512];
    loop {
        tick.tick().await;
        let remote = {
            let mut s = lock(&state);
            if key.is_none() {
                key = s
                    .keys
                    .pop_front()
                    .map(|d| DtmfSender::new(d, rtp.next_timestamp(), 120, 10));
            }
            s.remote
        };
        let Some(remote) = remote else { continue };
        let mut frame = [0i16; FRAME_SAMPLES];
        voice.next_frame(&mut frame);
        let packet = match key.as_mut().and_then(DtmfSender::next_packet) {
            Some(p) => {
                rtp.advance_frames(1);
                let bytes = p.event.to_bytes();
                rtp.write_packet(EVENT_PT, p.marker, p.timestamp, &bytes, &mut out)
            }
            None => {
                if key.take().is_some() {
                    rtp.start_talkspurt();
                }
                let mut enc = [0u8; FRAME_SAMPLES];
                Codec::Pcmu.encode_frame(&frame, &mut enc);
                rtp.write_frame(&enc, &mut out)
            }
        };
        if let Ok(n) = packet {
            // A lost datagram on loopback is the analysis's business, not the sender's.
            let _ = socket.send_to(&out[..n], remote).await;
        }
    }
}

async fn recv_loop(socket: Arc<UdpSocket>, state: Arc<Mutex<State>>) {
    let mut buf = [0u8; 2048];
    loop {
        let Ok((n, _from)) = socket.recv_from(&mut buf).await else {
            continue;
        };
        let Ok(packet) = RtpPacket::parse(&buf[..n]) else {
            continue;
        };
        let Ok(codec) = Codec::from_payload_type(packet.payload_type) else {
            continue;
        };
        let mut frame = [0i16; FRAME_SAMPLES];
        if codec.decode_frame(packet.payload, &mut frame).is_ok() {
            lock(&state).heard.push((Instant::now(), frame));
        }
    }
}
