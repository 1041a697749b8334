#!/usr/bin/env python3
"""An agent's PJSIP phone that rings and is never picked up: it registers, prints
"registered", lets the first incoming call ring (180) until the caller gives up (CANCEL),
and reports it.

Usage: agent_rings.py HOST:PORT USER PASSWORD
Exits 0 when a call rang and was cancelled; 1 with a message on stderr otherwise. Bounded:
every wait times out.
"""
import argparse
import os
import sys
import time

import pjsua2 as pj

WAIT_S = 30.0


def fail(message):
    print(f"pjsua agent interop: {message}", file=sys.stderr, flush=True)
    os._exit(1)


class Call(pj.Call):
    def __init__(self, acc, call_id):
        super().__init__(acc, call_id)
        self.state = None

    def onCallState(self, prm):
        self.state = self.getInfo().state


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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("user")
    parser.add_argument("password")
    args = parser.parse_args()

    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = True
    cfg.uaConfig.userAgent = "PJSUA2 interop"
    cfg.logConfig.level = 1
    cfg.logConfig.consoleLevel = 1
    ep.libInit(cfg)
    tcfg = pj.TransportConfig()
    tcfg.port = 0
    tcfg.boundAddress = "127.0.0.1"
    ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg)
    ep.audDevManager().setNullDev()
    ep.libStart()

    def wait(done, what):
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            ep.libHandleEvents(20)
            if done():
                return
        fail(f"timed out waiting for {what}")

    try:
        acfg = pj.AccountConfig()
        acfg.idUri = f"sip:{args.user}@{args.server}"
        acfg.regConfig.registrarUri = f"sip:{args.server}"
        acfg.regConfig.timeoutSec = 300
        acfg.regConfig.retryIntervalSec = 0
        acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", args.user, 0, args.password))
        acc = Account()
        acc.create(acfg)
        wait(lambda: acc.codes, "the registration")
        if acc.codes[-1] != 200:
            fail(f"REGISTER answered {acc.codes}")
        print("registered", flush=True)
        wait(lambda: acc.incoming is not None, "a call to ring")
        print("ringing", flush=True)
        wait(lambda: acc.incoming.state == pj.PJSIP_INV_STATE_DISCONNECTED, "the caller to give up")
        print("rang and was cancelled", flush=True)
    finally:
        ep.libDestroy()
    os._exit(0)


if __name__ == "__main__":
    main()
