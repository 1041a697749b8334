#!/usr/bin/env python3
"""Two PJSIP (pjsua2) phones registered to Switchboard call each other through it.

Each phone plays its own tone into the call and records what it hears; a Goertzel
analysis of the recordings must show each phone hearing the other's tone and not its
own (the media is anchored in Switchboard, so this proves the bridge carries audio both
ways, and only the other party's).

Usage: call.py HOST:PORT CALLER_USER CALLER_PW CALLEE_USER CALLEE_PW [--hold]
With --hold, the caller puts the call on hold (re-INVITE a=sendonly) and takes it back
before the tones are measured. Exits 0 on success, 1 with a message on stderr otherwise.
Bounded: every wait times out.
"""
import argparse
import math
import os
import struct
import sys
import tempfile
import time
import wave

import pjsua2 as pj

WAIT_S = 10.0
TALK_S = 3.0
RATE = 8000
CALLER_HZ = 697.0
CALLEE_HZ = 1477.0


def fail(message):
    print(f"pjsua call interop: {message}", file=sys.stderr, flush=True)
    # Skip interpreter teardown: pjsua2 objects destroyed after the library asserts.
    os._exit(1)


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
        fail(f"recording {path} is not a WAV file")
    fmt = raw.find(b"fmt ")
    data = raw.find(b"data")
    if fmt < 0 or data < 0:
        fail(f"recording {path} lacks fmt or data")
    channels, rate = struct.unpack("<HI", raw[fmt + 10:fmt + 16])
    bits = struct.unpack("<H", raw[fmt + 22:fmt + 24])[0]
    if bits != 16:
        fail(f"recording {path} has {bits}-bit samples")
    body = raw[data + 8:]
    body = body[:len(body) // 2 * 2]
    samples = struct.unpack(f"<{len(body) // 2}h", body)[::max(channels, 1)]
    return rate, samples


def levels(path):
    rate, samples = read_wav(path)
    # Skip the first half second (call setup, jitter buffer filling).
    body = samples[rate // 2:]
    if len(body) < rate:
        fail(f"recording {path} is too short: {len(samples)} samples")
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


class Call(pj.Call):
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
        info = self.getInfo()
        for i, m in enumerate(info.media):
            if m.type == pj.PJMEDIA_TYPE_AUDIO and m.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                self.media_up = True


class Account(pj.Account):
    def __init__(self):
        super().__init__()
        self.codes = []
        self.incoming = None

    def onRegState(self, prm):
        self.codes.append(prm.code)

    def onIncomingCall(self, prm):
        call = Call(self, prm.callId)
        self.incoming = call
        ring = pj.CallOpParam()
        ring.statusCode = 180
        call.answer(ring)
        ok = pj.CallOpParam()
        ok.statusCode = 200
        call.answer(ok)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("caller")
    parser.add_argument("caller_pw")
    parser.add_argument("callee")
    parser.add_argument("callee_pw")
    parser.add_argument("--hold", action="store_true")
    args = parser.parse_args()

    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = True
    cfg.uaConfig.userAgent = "PJSUA2 interop"
    cfg.logConfig.level = 1
    cfg.logConfig.consoleLevel = 1
    cfg.medConfig.noVad = True
    cfg.medConfig.ecTailLen = 0
    ep.libInit(cfg)
    transports = []
    for _ in range(2):
        tcfg = pj.TransportConfig()
        tcfg.port = 0
        tcfg.boundAddress = "127.0.0.1"
        transports.append(ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg))
    ep.audDevManager().setNullDev()
    ep.libStart()
    # G.711 only, so the switch's codecs are the phones' too.
    for c in ep.codecEnum2():
        prio = 255 if c.codecId.startswith(("PCMU", "PCMA")) else 0
        ep.codecSetPriority(c.codecId, prio)

    def wait(done, what):
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            ep.libHandleEvents(20)
            if done():
                return
        fail(f"timed out waiting for {what}")

    def pump(seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ep.libHandleEvents(20)

    def account(user, password, transport):
        acfg = pj.AccountConfig()
        acfg.idUri = f"sip:{user}@{args.server}"
        acfg.regConfig.registrarUri = f"sip:{args.server}"
        acfg.regConfig.timeoutSec = 300
        acfg.regConfig.retryIntervalSec = 0
        acfg.sipConfig.transportId = transport
        # Any free RTP port: several test runs may share the machine.
        acfg.mediaConfig.transportConfig.port = 40000 + (os.getpid() * 7 + transport * 100) % 20000
        acfg.mediaConfig.transportConfig.portRange = 100
        acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", user, 0, password))
        acc = Account()
        acc.create(acfg)
        return acc

    tmp = tempfile.mkdtemp(prefix="sb-pjsua-call-")
    try:
        caller = account(args.caller, args.caller_pw, transports[0])
        callee = account(args.callee, args.callee_pw, transports[1])
        wait(lambda: caller.codes and callee.codes, "both registrations")
        if caller.codes[-1] != 200 or callee.codes[-1] != 200:
            fail(f"REGISTER answered {caller.codes} / {callee.codes}")

        call = Call(caller)
        call.makeCall(f"sip:{args.callee}@{args.server}", pj.CallOpParam(True))
        wait(lambda: call.state == pj.PJSIP_INV_STATE_CONFIRMED or call.state == pj.PJSIP_INV_STATE_DISCONNECTED,
             "the call to be answered")
        if call.state != pj.PJSIP_INV_STATE_CONFIRMED:
            fail(f"the call was not answered: {call.status}")
        wait(lambda: call.media_up and callee.incoming is not None and callee.incoming.media_up,
             "media on both phones")

        if args.hold:
            call.setHold(pj.CallOpParam(True))
            pump(0.5)
            unhold = pj.CallOpParam(True)
            unhold.opt.flag = pj.PJSUA_CALL_UNHOLD
            call.reinvite(unhold)
            pump(0.5)
            if call.state != pj.PJSIP_INV_STATE_CONFIRMED:
                fail("the call did not survive hold and unhold")

        sides = talk(tmp, [("caller", call, CALLER_HZ), ("callee", callee.incoming, CALLEE_HZ)], pump)

        call.hangup(pj.CallOpParam(True))
        wait(lambda: call.state == pj.PJSIP_INV_STATE_DISCONNECTED
             and callee.incoming.state == pj.PJSIP_INV_STATE_DISCONNECTED, "both phones to hang up")

        results = {}
        for name, heard in sides:
            results[name] = levels(heard)
        (c_own, c_other), (e_other, e_own) = results["caller"], results["callee"]
        print(f"caller hears: own {c_own:.0f}, callee's {c_other:.0f}")
        print(f"callee hears: own {e_own:.0f}, caller's {e_other:.0f}")
        # Each hears the other loud and clear, and itself at least 20 dB lower.
        if c_other < 100 * max(c_own, 1.0) or c_other < 1e4:
            fail("the caller does not hear the callee (or hears itself)")
        if e_other < 100 * max(e_own, 1.0) or e_other < 1e4:
            fail("the callee does not hear the caller (or hears itself)")
        print("each phone hears the other and not itself", flush=True)
    finally:
        ep.libDestroy()
    os._exit(0)


if __name__ == "__main__":
    main()
