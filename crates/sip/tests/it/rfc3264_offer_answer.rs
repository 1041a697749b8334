//! RFC 3264 offer/answer for audio.

use switchboard_sip::sdp::{
    accept_answer, Codec, Direction, LocalMedia, SdpError, SdpSession, SessionDescription,
};

fn local() -> LocalMedia {
    LocalMedia {
        address: "203.0.113.1".parse().unwrap(),
        port: 20000,
        codecs: vec![Codec::Pcmu, Codec::Pcma],
        telephone_event_pt: Some(101),
        ptime: 20,
        direction: Direction::SendRecv,
    }
}

fn offer(conn: &str, formats: &str, extra: &str) -> SessionDescription {
    let text = format!(
        "v=0\r\no=phone 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 {conn}\r\nt=0 0\r\n\
         m=audio 40000 RTP/AVP {formats}\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:96 telephone-event/8000\r\na=rtpmap:18 G729/8000\r\n{extra}"
    );
    SessionDescription::parse(&text).unwrap()
}

fn direction_attr(sd: &SessionDescription) -> Option<String> {
    sd.media[0]
        .attributes
        .iter()
        .find(|a| ["sendrecv", "sendonly", "recvonly", "inactive"].contains(&a.name.as_str()))
        .map(|a| a.name.clone())
}

#[test]
fn first_common_codec_in_offerer_order_and_peer_telephone_event_pt() {
    let mut s = SdpSession::new(77);
    let (answer, p) = s
        .answer(&offer("192.0.2.5", "18 8 0 96", ""), &local())
        .unwrap();
    assert_eq!((p.codec, p.payload_type), (Codec::Pcma, 8));
    assert_eq!(p.telephone_event, Some(96), "never assume 101");
    assert_eq!(p.remote_rtp, "192.0.2.5:40000".parse().unwrap());
    assert_eq!(p.direction, Direction::SendRecv);
    assert_eq!(answer.media[0].formats, vec!["8", "96"]);
    assert_eq!(answer.media[0].port, 20000);
}

#[test]
fn dynamic_pt_numbers_of_the_offerer_are_kept() {
    let text = "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n\
        m=audio 40000 RTP/AVP 112 113\r\na=rtpmap:112 PCMU/8000\r\na=rtpmap:113 telephone-event/8000\r\n";
    let (answer, p) = SdpSession::new(1)
        .answer(&SessionDescription::parse(text).unwrap(), &local())
        .unwrap();
    assert_eq!((p.payload_type, p.telephone_event), (112, Some(113)));
    assert!(answer.to_string().contains("a=rtpmap:112 PCMU/8000"));
}

#[test]
fn hold_forms_get_the_complementary_direction() {
    let cases = [
        ("192.0.2.5", "a=sendonly\r\n", Direction::RecvOnly),
        ("192.0.2.5", "a=recvonly\r\n", Direction::SendOnly),
        ("192.0.2.5", "a=inactive\r\n", Direction::Inactive),
        ("0.0.0.0", "", Direction::RecvOnly),
    ];
    for (conn, extra, expected) in cases {
        let (answer, p) = SdpSession::new(1)
            .answer(&offer(conn, "0", extra), &local())
            .unwrap();
        assert_eq!(p.direction, expected, "{conn} {extra}");
        assert_eq!(
            direction_attr(&answer).as_deref(),
            Some(match expected {
                Direction::RecvOnly => "recvonly",
                Direction::SendOnly => "sendonly",
                Direction::Inactive => "inactive",
                Direction::SendRecv => "sendrecv",
            })
        );
    }
}

#[test]
fn unsupported_streams_are_rejected_with_port_zero() {
    let text = "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n\
        m=video 50000 RTP/AVP 31\r\nm=audio 40000 RTP/AVP 0\r\nm=audio 40002 RTP/AVP 8\r\n";
    let (answer, p) = SdpSession::new(1)
        .answer(&SessionDescription::parse(text).unwrap(), &local())
        .unwrap();
    let ports: Vec<u16> = answer.media.iter().map(|m| m.port).collect();
    assert_eq!(
        ports,
        vec![0, 20000, 0],
        "one m= line per offered stream, in order"
    );
    assert_eq!(answer.media[0].kind, "video");
    assert_eq!(p.remote_rtp.port(), 40000);
}

#[test]
fn no_common_codec_is_not_acceptable() {
    let r = SdpSession::new(1).answer(&offer("192.0.2.5", "18", ""), &local());
    assert_eq!(r.unwrap_err(), SdpError::NotAcceptable);
}

#[test]
fn ptime_follows_the_offer() {
    let (_, p) = SdpSession::new(1)
        .answer(&offer("192.0.2.5", "0", "a=ptime:30\r\n"), &local())
        .unwrap();
    assert_eq!(p.ptime, 30);
}

#[test]
fn origin_version_moves_with_each_offer_and_changed_answer() {
    let mut s = SdpSession::new(5000);
    let first = s.offer(&local());
    let second = s.offer(&LocalMedia {
        direction: Direction::SendOnly,
        ..local()
    });
    assert_eq!(first.origin.session_id, second.origin.session_id);
    assert_eq!(
        second.origin.session_version,
        first.origin.session_version + 1
    );
    assert!(second.to_string().contains("a=sendonly"));
    let (answer, _) = s.answer(&offer("192.0.2.5", "0", ""), &local()).unwrap();
    assert_eq!(
        answer.origin.session_version,
        second.origin.session_version + 1
    );
    let (same, _) = s.answer(&offer("192.0.2.5", "0", ""), &local()).unwrap();
    assert_eq!(
        same.origin.session_version, answer.origin.session_version,
        "unchanged answer keeps its version"
    );
}

#[test]
fn our_offer_and_their_answer_negotiate() {
    let mut ours = SdpSession::new(1);
    let mut theirs = SdpSession::new(2);
    let o = ours.offer(&local());
    let text = o.to_string();
    assert!(text.contains("m=audio 20000 RTP/AVP 0 8 101"));
    assert!(text.contains("a=fmtp:101 0-16"));
    let peer = LocalMedia {
        address: "192.0.2.9".parse().unwrap(),
        port: 30000,
        codecs: vec![Codec::Pcma],
        ..local()
    };
    let (answer, their_params) = theirs
        .answer(&SessionDescription::parse(&text).unwrap(), &peer)
        .unwrap();
    assert_eq!(
        their_params.remote_rtp,
        "203.0.113.1:20000".parse().unwrap()
    );
    let p = accept_answer(
        &SessionDescription::parse(&answer.to_string()).unwrap(),
        &local(),
    )
    .unwrap();
    assert_eq!(
        (p.codec, p.payload_type, p.telephone_event),
        (Codec::Pcma, 8, Some(101))
    );
    assert_eq!(p.remote_rtp, "192.0.2.9:30000".parse().unwrap());
    assert_eq!(p.direction, Direction::SendRecv);
}

#[test]
fn answer_putting_us_on_hold_reads_as_sendonly_for_us() {
    let text = "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n\
        m=audio 40000 RTP/AVP 0\r\na=recvonly\r\n";
    let p = accept_answer(&SessionDescription::parse(text).unwrap(), &local()).unwrap();
    assert_eq!(p.direction, Direction::SendOnly);
    let rejected = text.replace("40000", "0");
    assert!(accept_answer(&SessionDescription::parse(&rejected).unwrap(), &local()).is_err());
}
