#!/usr/bin/env python3
"""How long from a voice-mode API call until the mixer applies it (SPEC §5), end to end.

Starts a release `switchboard` on loopback, registers one agent phone and stands for the
trunk's far end with two tiny SIP user agents of its own (raw UDP, digest auth, PCMU RTP),
and has the agent call the far end out (`callout`). The far end plays a tone; the agent's
phone watches every RTP packet it gets. Then, ROUNDS times, it sets the agent's mode with
`POST …/conversation/{id}/agent/alice/lsm` to 2 (the conversation no longer plays to
her: the tone must vanish) and back to 1 (it must return), timing from just before the
HTTP request is written until the first packet that shows the change. That includes the
HTTP facade, the endpoint task, the media worker's command channel and the wait for the
next 20 ms mixer tick; it excludes any phone's jitter buffer.

    python3 benches/load/mode_latency.py [ROUNDS]      (default 200; ~0.2 s per round)

Builds the server first (`cargo build --release -p switchboard-server`). Prints p50, p90,
p99 and the maximum in ms, and the HTTP answer time alone. Bounded: every wait times out.
"""
import hashlib
import json
import math
import os
import random
import re
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TONE_HZ = 1000.0
WAIT_S = 10.0


def fail(message):
    print(f"mode_latency: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def ulaw_encode(x):
    sign = 0x80 if x < 0 else 0
    x = min(abs(x), 32635) + 0x84
    exp = 7
    while exp > 0 and not x & (0x4000 >> (7 - exp)):
        exp -= 1
    return ~(sign | (exp << 4) | ((x >> (exp + 3)) & 0x0F)) & 0xFF


def ulaw_decode(b):
    b = ~b & 0xFF
    t = (((b & 0x0F) << 3) + 0x84) << ((b & 0x70) >> 4)
    return (0x84 - t) if b & 0x80 else (t - 0x84)


DECODE = [ulaw_decode(b) for b in range(256)]


def tone_power(payload):
    """Goertzel power at TONE_HZ over one packet, normalised by its length."""
    k = 2 * math.cos(2 * math.pi * TONE_HZ / 8000)
    s1 = s2 = 0.0
    for b in payload:
        s0 = DECODE[b] + k * s1 - s2
        s2, s1 = s1, s0
    return (s1 * s1 + s2 * s2 - k * s1 * s2) / max(len(payload), 1)


class Ua:
    """A minimal SIP user agent on one UDP socket: REGISTER with digest, answer INVITEs
    with PCMU SDP, 200 to BYE; one RTP socket beside it."""

    def __init__(self, ip, user, server):
        self.sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sip.bind((ip, 0))
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind((ip, 0))
        self.ip, self.port = self.sip.getsockname()
        self.user, self.server = user, server
        self.peer_rtp = None
        self.answered = threading.Event()

    def send(self, text):
        self.sip.sendto(text.encode(), self.server)

    def recv(self):
        ready, _, _ = select.select([self.sip], [], [], WAIT_S)
        if not ready:
            fail(f"{self.user}: no SIP message within {WAIT_S} s")
        data, _ = self.sip.recvfrom(65535)
        return data.decode(errors="replace")

    def register(self, password):
        uri = f"sip:{self.server[0]}:{self.server[1]}"
        auth = ""
        for cseq in (1, 2):
            self.send(
                f"REGISTER {uri} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {self.ip}:{self.port};branch=z9hG4bK-reg{cseq};rport\r\n"
                f"From: <sip:{self.user}@{self.server[0]}>;tag=r1\r\n"
                f"To: <sip:{self.user}@{self.server[0]}>\r\n"
                f"Call-ID: reg-{self.user}\r\nCSeq: {cseq} REGISTER\r\n"
                f"Contact: <sip:{self.user}@{self.ip}:{self.port}>\r\nExpires: 300\r\n"
                f"{auth}Content-Length: 0\r\n\r\n")
            reply = self.recv()
            code = int(reply.split()[1])
            if code == 200:
                return
            if code != 401:
                fail(f"REGISTER answered {code}")
            auth = self.digest(reply, "REGISTER", uri, password)
        fail("REGISTER refused with the right password")

    def digest(self, challenge, method, uri, password):
        headers = re.findall(r"^WWW-Authenticate:\s*Digest (.*)$", challenge, re.M | re.I)
        params = dict(re.findall(r'(\w+)="?([^",]*)"?', headers[0]))
        algorithm = params.get("algorithm", "MD5")
        h = (lambda s: hashlib.sha256(s.encode()).hexdigest()) if algorithm.upper().startswith(
            "SHA-256") else (lambda s: hashlib.md5(s.encode()).hexdigest())
        ha1 = h(f"{self.user}:{params['realm']}:{password}")
        ha2 = h(f"{method}:{uri}")
        cnonce, nc = "0a4f113b", "00000001"
        if "qop" in params:
            response = h(f"{ha1}:{params['nonce']}:{nc}:{cnonce}:auth:{ha2}")
            extra = f', qop=auth, nc={nc}, cnonce="{cnonce}"'
        else:
            response = h(f"{ha1}:{params['nonce']}:{ha2}")
            extra = ""
        opaque = f', opaque="{params["opaque"]}"' if "opaque" in params else ""
        return (f'Authorization: Digest username="{self.user}", realm="{params["realm"]}", '
                f'nonce="{params["nonce"]}", uri="{uri}", response="{response}", '
                f'algorithm={algorithm}{extra}{opaque}\r\n')

    def serve(self):
        """Answers INVITEs (200 with SDP, learning where to send RTP) and BYEs, forever."""
        while True:
            data, src = self.sip.recvfrom(65535)
            msg = data.decode(errors="replace")
            method = msg.split(" ", 1)[0]
            if method not in ("INVITE", "BYE", "OPTIONS"):
                continue
            head, _, body = msg.partition("\r\n\r\n")
            keep = [line for line in head.split("\r\n")[1:]
                    if re.match(r"(Via|From|To|Call-ID|CSeq):", line, re.I)]
            keep = [line + ";tag=ua1" if re.match(r"To:", line, re.I) and "tag=" not in line
                    else line for line in keep]
            sdp = ""
            if method == "INVITE":
                c = re.search(r"^c=IN IP4 (\S+)", body, re.M)
                m = re.search(r"^m=audio (\d+)", body, re.M)
                self.peer_rtp = (c.group(1), int(m.group(1)))
                rtp_port = self.rtp.getsockname()[1]
                sdp = ("v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
                       "m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
                       ).format(ip=self.ip, port=rtp_port)
            reply = ("SIP/2.0 200 OK\r\n" + "\r\n".join(keep) +
                     f"\r\nContact: <sip:{self.user}@{self.ip}:{self.port}>\r\n" +
                     ("Content-Type: application/sdp\r\n" if sdp else "") +
                     f"Content-Length: {len(sdp)}\r\n\r\n{sdp}")
            self.sip.sendto(reply.encode(), src)
            if method == "INVITE":
                self.answered.set()

    def stream(self, tone, stop):
        """Sends PCMU every 20 ms to the switch: a tone, or silence."""
        seq, ts, ssrc = 0, 0, int.from_bytes(os.urandom(4), "big")
        phase = 0
        next_at = time.monotonic()
        while not stop.is_set():
            if self.peer_rtp:
                if tone:
                    payload = bytes(ulaw_encode(int(8000 * math.sin(
                        2 * math.pi * TONE_HZ * (phase + i) / 8000))) for i in range(160))
                    phase += 160
                else:
                    payload = b"\xff" * 160
                header = bytes([0x80, 0]) + seq.to_bytes(2, "big") + ts.to_bytes(4, "big") + \
                    ssrc.to_bytes(4, "big")
                self.rtp.sendto(header + payload, self.peer_rtp)
                seq, ts = (seq + 1) & 0xFFFF, (ts + 160) & 0xFFFFFFFF
            next_at += 0.02
            time.sleep(max(0.0, next_at - time.monotonic()))


class Watch:
    """Receives the agent's RTP and logs, per packet, when it came and whether the tone
    was in it."""

    def __init__(self, ua):
        self.ua = ua
        self.cond = threading.Condition()
        self.log = []  # (monotonic arrival, tone?)

    def run(self, stop):
        self.ua.rtp.settimeout(0.2)
        while not stop.is_set():
            try:
                data = self.ua.rtp.recv(2048)
            except socket.timeout:
                continue
            at = time.monotonic()
            heard = tone_power(data[12:]) > 1e6
            with self.cond:
                self.log.append((at, heard))
                self.cond.notify_all()

    def until(self, heard, since):
        """The arrival time of the first packet after `since` whose tone state is `heard`."""
        deadline = time.monotonic() + WAIT_S
        with self.cond:
            start = len(self.log)
            while start > 0 and self.log[start - 1][0] >= since:
                start -= 1
            while True:
                for at, state in self.log[start:]:
                    if state == heard:
                        return at
                start = len(self.log)
                left = deadline - time.monotonic()
                if left <= 0:
                    fail(f"the tone did not {'return' if heard else 'stop'} within {WAIT_S} s")
                self.cond.wait(left)


def api(base, token, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=WAIT_S) as r:
        envelope = json.loads(r.read())
    if envelope.get("code") != "000000":
        fail(f"{method} {path} answered {envelope}")
    return envelope.get("data")


def start_server(data_dir):
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "switchboard-server"],
                   cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    proc = subprocess.Popen(
        [os.path.join(target, "release", "switchboard"), "--data-dir", data_dir,
         "--http-listen", "127.0.0.1:0", "--sip-listen", "127.0.0.1:0",
         "--rtp-ports", "32000-32199"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "RUST_LOG": "error"})
    banner = {}
    deadline = time.monotonic() + 30
    for line in proc.stdout:
        line = line.strip()
        for label in ("admin token:", "call center id:", "call center API token:"):
            if line.startswith(label):
                banner[label] = line[len(label):].strip()
        if line.startswith("SIP listening on udp://"):
            host, port = line.split("udp://")[1].split()[0].rsplit(":", 1)
            banner["sip"] = (host, int(port))
        if line.startswith("HTTP API listening on "):
            banner["http"] = line.split("listening on ")[1]
            return proc, banner
        if time.monotonic() > deadline:
            break
    proc.kill()
    fail("the server did not start")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    proc, b = start_server(tempfile.mkdtemp(prefix="sb-mode-latency-"))
    stop = threading.Event()
    try:
        admin, cc, token = b["admin token:"], b["call center id:"], b["call center API token:"]
        base = b["http"]
        far = Ua("127.0.0.9", "far", b["sip"])
        api(base, admin, "POST", "/v1/trunks",
            {"callcenter_id": cc, "name": "provider", "host": far.ip, "port": far.port,
             "inbound_numbers": []})
        ext = api(base, token, "POST", "/v1/callcenter/extension",
                  {"type": 1, "user": "alice009", "password": "alicepw9"})
        api(base, token, "POST", "/v1/callcenter/agent",
            {"name": "alice", "extension": ext["id"], "state": "idle"})
        agent = Ua("127.0.0.1", "alice009", b["sip"])
        agent.register("alicepw9")
        watch = Watch(agent)
        for target in (agent.serve, far.serve):
            threading.Thread(target=target, daemon=True).start()
        threading.Thread(target=far.stream, args=(True, stop), daemon=True).start()
        threading.Thread(target=agent.stream, args=(False, stop), daemon=True).start()
        threading.Thread(target=watch.run, args=(stop,), daemon=True).start()

        conv = api(base, token, "POST", "/v1/callcenter/agent/alice/callout",
                   {"to": "5550100", "max_answer_seconds": 3600})["conversation_id"]
        if not (agent.answered.wait(WAIT_S) and far.answered.wait(WAIT_S)):
            fail("the callout was not set up")
        watch.until(True, time.monotonic())
        lsm = f"/v1/callcenter/conversation/{conv}/agent/alice/lsm"
        applied, answered = [], []
        for i in range(rounds):
            for mode, heard in ((2, False), (1, True)):
                t0 = time.monotonic()
                api(base, token, "POST", lsm, {"mode": mode})
                answered.append(time.monotonic() - t0)
                applied.append(watch.until(heard, t0) - t0)
                # A random pause, so requests land at every phase of the 20 ms tick.
                time.sleep(0.04 + random.random() * 0.04)
        # Running calls would hold a graceful shutdown: end the conversation first.
        api(base, token, "DELETE", f"/v1/callcenter/conversation/{conv}")
        ms = [x * 1000 for x in applied]
        http = [x * 1000 for x in answered]
        print(f"mode changes: {len(ms)} (packets seen: {len(watch.log)})")
        print("API call -> mode applied (first RTP packet showing it), ms: "
              f"p50 {percentile(ms, 50):.1f}, p90 {percentile(ms, 90):.1f}, "
              f"p99 {percentile(ms, 99):.1f}, max {max(ms):.1f}")
        print("API call -> HTTP answer, ms: "
              f"p50 {percentile(http, 50):.1f}, p99 {percentile(http, 99):.1f}, "
              f"max {max(http):.1f}")
    finally:
        stop.set()
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
