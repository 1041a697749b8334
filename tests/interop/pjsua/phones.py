"""Shared plumbing of the pjsua2 interop scripts: one endpoint with null audio and
bounded waits, a call that tracks its state and media, an account that registers and
answers, and the tone analysis that proves who hears whom.

Every wait times out; failures print one line on stderr and exit 1 without interpreter
teardown (pjsua2 objects destroyed after the library asserts). Set PJSUA_LOG=5 to see SIP.
"""
import math
import os
import struct
import sys
import time
import wave

import pjsua2 as pj

RATE = 8000
TALK_S = 3.0
CALLER_HZ = 697.0
CALLEE_HZ = 1477.0

_name = "pjsua interop"


def _fail(message):
    print(f"{_name}: {message}", file=sys.stderr, flush=True)
    os._exit(1)


class Phones:
    """One pjsua2 endpoint with a UDP transport per address in `binds`."""

    def __init__(self, name, binds=("127.0.0.1",), g711_only=False, wait_s=15.0):
        global _name
        _name = name
        self.wait_s = wait_s
        ep = pj.Endpoint()
        ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        # pjsua2 sends no User-Agent unless told; real phones do.
        cfg.uaConfig.userAgent = "PJSUA2 interop"
        verbose = int(os.environ.get("PJSUA_LOG", "1"))
        cfg.logConfig.level = verbose
        cfg.logConfig.consoleLevel = verbose
        cfg.medConfig.noVad = True
        cfg.medConfig.ecTailLen = 0
        ep.libInit(cfg)
        self.transports = []
        for bind in binds:
            tcfg = pj.TransportConfig()
            tcfg.port = 0
            tcfg.boundAddress = bind
            self.transports.append(ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg))
        ep.audDevManager().setNullDev()
        ep.libStart()
        if g711_only:
            for c in ep.codecEnum2():
                ep.codecSetPriority(c.codecId, 255 if c.codecId.startswith(("PCMU", "PCMA")) else 0)
        self.ep = ep

    def fail(self, message):
        _fail(message)

    def wait(self, done, what):
        deadline = time.monotonic() + self.wait_s
        while time.monotonic() < deadline:
            self.ep.libHandleEvents(20)
            if done():
                return
        _fail(f"timed out waiting for {what}")

    def pump(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.ep.libHandleEvents(20)

    def account(self, acc, uri, transport, registrar=None, user=None, password=None, rtp_base=40000):
        """Creates `acc` as `uri` on transport number `transport`, registering at
        `registrar` with digest credentials when given; RTP on free ports from `rtp_base`."""
        cfg = pj.AccountConfig()
        cfg.idUri = uri
        cfg.sipConfig.transportId = self.transports[transport]
        if registrar:
            cfg.regConfig.registrarUri = registrar
            cfg.regConfig.timeoutSec = 300
            cfg.regConfig.retryIntervalSec = 0
            cfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", user, 0, password))
        # Any free RTP ports: several test runs may share the machine.
        cfg.mediaConfig.transportConfig.port = rtp_base + (os.getpid() * 7 + transport * 100) % 10000
        cfg.mediaConfig.transportConfig.portRange = 100
        acc.create(cfg)
        return acc

    def close(self):
        self.ep.libDestroy()
        os._exit(0)


class Call(pj.Call):
    """A call that remembers its state, last status and whether its audio flows."""

    def __init__(self, acc, call_id=pj.PJSUA_INVALID_ID):
        super().__init__(acc, call_id)
        self.state = None
        self.media_up = False
        self.status = None

    def onCallState(self, prm):
        info = self.getInfo()
        self.state = info.state
        self.status = info.lastStatusCode

    def onCallMediaState(self, prm):
        # Keep the CallInfo alive while reading its media vector.
        info = self.getInfo()
        for m in info.media:
            if m.type == pj.PJMEDIA_TYPE_AUDIO and m.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                self.media_up = True


class Account(pj.Account):
    """Records its registration answers and answers incoming calls with `answer` codes
    (e.g. (180, 200) to ring then pick up, (180,) to ring until cancelled)."""

    def __init__(self, answer=(180, 200)):
        super().__init__()
        self.codes = []
        self.incoming = None
        self.answer = answer

    def onRegState(self, prm):
        self.codes.append(prm.code)

    def onIncomingCall(self, prm):
        call = Call(self, prm.callId)
        self.incoming = call
        for code in self.answer:
            op = pj.CallOpParam()
            op.statusCode = code
            call.answer(op)


def write_tone(path, hz, seconds=4.0):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        n = int(RATE * seconds)
        w.writeframes(b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * hz * i / RATE))) for i in range(n)))


def goertzel_power(samples, rate, hz):
    k = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for x in samples:
        s0 = x + k * s1 - s2
        s2, s1 = s1, s0
    return (s1 * s1 + s2 * s2 - k * s1 * s2) / max(len(samples), 1)


def read_wav(path):
    """16-bit PCM samples of a WAV file, read leniently: a recorder still open (pjsua2
    finishes the header only when the object is destroyed) has zero sizes in its header,
    so the data runs to the end of the file."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        _fail(f"recording {path} is not a WAV file")
    fmt = raw.find(b"fmt ")
    data = raw.find(b"data")
    if fmt < 0 or data < 0:
        _fail(f"recording {path} lacks fmt or data")
    channels, rate = struct.unpack("<HI", raw[fmt + 10:fmt + 16])
    bits = struct.unpack("<H", raw[fmt + 22:fmt + 24])[0]
    if bits != 16:
        _fail(f"recording {path} has {bits}-bit samples")
    body = raw[data + 8:]
    body = body[:len(body) // 2 * 2]
    samples = struct.unpack(f"<{len(body) // 2}h", body)[::max(channels, 1)]
    return rate, samples


def levels(path):
    """Power at the caller's and the callee's tone frequencies in a recording."""
    rate, samples = read_wav(path)
    # Skip the first half second (call setup, jitter buffer filling).
    body = samples[rate // 2:]
    if len(body) < rate:
        _fail(f"recording {path} is too short: {len(samples)} samples")
    return goertzel_power(body, rate, CALLER_HZ), goertzel_power(body, rate, CALLEE_HZ)


def talk(tmp, parties, pump):
    """Plays each party's tone into its call and records what it hears, for TALK_S.
    Returns (name, recording) pairs; every player and recorder is destroyed (and each
    WAV file finished) when this returns."""
    players, recorders, sides = [], [], []
    for name, c, hz in parties:
        tone = os.path.join(tmp, f"{name}-tone.wav")
        heard = os.path.join(tmp, f"{name}-heard.wav")
        write_tone(tone, hz)
        player = pj.AudioMediaPlayer()
        player.createPlayer(tone, 0)
        recorder = pj.AudioMediaRecorder()
        recorder.createRecorder(heard)
        media = c.getAudioMedia(-1)
        player.startTransmit(media)
        media.startTransmit(recorder)
        players.append(player)
        recorders.append((media, recorder))
        sides.append((name, heard))
    pump(TALK_S)
    for media, recorder in recorders:
        media.stopTransmit(recorder)
    return sides




def hears_other(sides, first, second):
    """Checks from two recordings (`talk`'s result; `first` played CALLER_HZ, `second`
    CALLEE_HZ) that each party heard the other loud and clear and itself at least 20 dB
    lower; prints the levels."""
    heard = dict((name, levels(path)) for name, path in sides)
    (f_key, f_label), (s_key, s_label) = first, second
    f_own, f_other = heard[f_key]
    s_other, s_own = heard[s_key]
    print(f"{f_label} hears: own {f_own:.0f}, other's {f_other:.0f}")
    print(f"{s_label} hears: own {s_own:.0f}, other's {s_other:.0f}")
    if f_other < 100 * max(f_own, 1.0) or f_other < 1e4:
        _fail(f"{f_label} does not hear {s_label} (or hears itself)")
    if s_other < 100 * max(s_own, 1.0) or s_other < 1e4:
        _fail(f"{s_label} does not hear {f_label} (or hears itself)")
