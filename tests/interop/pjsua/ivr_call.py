#!/usr/bin/env python3
"""A PJSIP (pjsua2) caller on a trunk's address dials an inbound number of Switchboard,
waits for the IVR to answer, sends DTMF digits (RFC 4733), and waits for the IVR to hang
up (BYE from Switchboard).

Usage: ivr_call.py HOST:PORT NUMBER DIGITS --bind IP
Exits 0 when the call was answered and then hung up by the far end; 1 with a message on
stderr otherwise. Bounded: every wait times out.
"""
import argparse
import os
import sys
import time

import pjsua2 as pj

WAIT_S = 15.0


def fail(message):
    print(f"pjsua IVR interop: {message}", file=sys.stderr, flush=True)
    os._exit(1)


class Call(pj.Call):
    def __init__(self, acc):
        super().__init__(acc)
        self.state = None
        self.status = None
        self.media_up = False

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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("number")
    parser.add_argument("digits")
    parser.add_argument("--bind", default="127.0.0.1")
    args = parser.parse_args()

    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = True
    cfg.uaConfig.userAgent = "PJSUA2 interop"
    verbose = int(os.environ.get("PJSUA_LOG", "1"))
    cfg.logConfig.level = verbose
    cfg.logConfig.consoleLevel = verbose
    ep.libInit(cfg)
    tcfg = pj.TransportConfig()
    tcfg.port = 0
    tcfg.boundAddress = args.bind
    transport = ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg)
    ep.audDevManager().setNullDev()
    ep.libStart()

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

    try:
        acfg = pj.AccountConfig()
        acfg.idUri = f"sip:+15550001@{args.bind}"
        acfg.sipConfig.transportId = transport
        acfg.mediaConfig.transportConfig.port = 42000 + os.getpid() % 10000
        acfg.mediaConfig.transportConfig.portRange = 100
        acc = pj.Account()
        acc.create(acfg)
        call = Call(acc)
        call.makeCall(f"sip:{args.number}@{args.server}", pj.CallOpParam(True))
        wait(lambda: call.state in (pj.PJSIP_INV_STATE_CONFIRMED, pj.PJSIP_INV_STATE_DISCONNECTED),
             "the IVR to answer")
        if call.state != pj.PJSIP_INV_STATE_CONFIRMED:
            fail(f"the IVR did not answer: {call.status}")
        wait(lambda: call.media_up, "media")
        # A phone's microphone feeds its call: with nothing connected, pjmedia's stream
        # stops ticking and queued DTMF never leaves.
        ep.audDevManager().getCaptureDevMedia().startTransmit(call.getAudioMedia(-1))
        pump(0.5)
        for d in args.digits:
            call.dialDtmf(d)
            pump(0.3)
        wait(lambda: call.state == pj.PJSIP_INV_STATE_DISCONNECTED, "the IVR to hang up")
        print(f"answered, sent {args.digits}, hung up by the IVR", flush=True)
    finally:
        ep.libDestroy()
    os._exit(0)


if __name__ == "__main__":
    main()
