#!/usr/bin/env python3
"""Writes a pcap of RFC 4733 telephone-events (RTP payload type 101) for SIPp's
play_pcap_audio: each digit is sent as 20 ms event packets for 200 ms (marker on the first,
the end packet three times, as RFC 4733 section 2.5.1.4 asks), then 200 ms of silence.

    python3 examples/sipp/make_dtmf_pcap.py 1 examples/sipp/dtmf_1.pcap
"""
import struct
import sys

EVENTS = {str(d): d for d in range(10)} | {"*": 10, "#": 11, "A": 12, "B": 13, "C": 14, "D": 15}
PT = 101
SSRC = 0x5B0A4D01
VOLUME = 10
PACKET_MS = 20
DIGIT_MS = 200
GAP_MS = 200


def ipv4_checksum(header: bytes) -> int:
    total = sum(struct.unpack("!10H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def frame(rtp: bytes) -> bytes:
    """Ethernet + IPv4 + UDP around one RTP packet; SIPp rewrites addresses and ports."""
    udp = struct.pack("!HHHH", 6000, 6000, 8 + len(rtp), 0) + rtp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    ip = ip[:10] + struct.pack("!H", ipv4_checksum(ip)) + ip[12:]
    return b"\x00" * 12 + b"\x08\x00" + ip + udp


def packets(digits: str):
    seq, ts, at_ms = 1, 0, 0
    for digit in digits:
        event = EVENTS[digit]
        steps = DIGIT_MS // PACKET_MS
        for step in range(1, steps + 1):
            end = step == steps
            duration = step * PACKET_MS * 8
            for _ in range(3 if end else 1):
                marker = 0x80 if step == 1 else 0
                header = struct.pack("!BBHII", 0x80, marker | PT, seq, ts, SSRC)
                payload = struct.pack("!BBH", event, (0x80 if end else 0) | VOLUME, duration)
                yield at_ms, header + payload
                seq += 1
            at_ms += PACKET_MS
        ts += (DIGIT_MS + GAP_MS) * 8
        at_ms += GAP_MS


def main() -> None:
    if len(sys.argv) != 3 or any(d not in EVENTS for d in sys.argv[1]):
        sys.exit("usage: make_dtmf_pcap.py DIGITS OUT.pcap   (digits 0-9 * # A-D)")
    with open(sys.argv[2], "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for at_ms, rtp in packets(sys.argv[1]):
            data = frame(rtp)
            out.write(struct.pack("<IIII", at_ms // 1000, (at_ms % 1000) * 1000, len(data), len(data)))
            out.write(data)


if __name__ == "__main__":
    main()
