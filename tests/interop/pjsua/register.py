#!/usr/bin/env python3
"""PJSIP (pjsua2) against a Switchboard SIP endpoint: register, refresh, OPTIONS,
unregister; or, with --expect-refused, check that a wrong password is refused.

Usage: register.py HOST:PORT USER PASSWORD [--transport udp|tcp] [--expect-refused] [--stay]
With --stay, after the refresh it prints "registered" and keeps the registration until its
standard input closes (at most 60 s), then unregisters.
Exits 0 on success, 1 with a message on stderr otherwise. Bounded: every wait times out.
"""
import argparse
import sys
import time

import pjsua2 as pj

WAIT_S = 10.0


class Account(pj.Account):
    def __init__(self):
        super().__init__()
        self.codes = []

    def onRegState(self, prm):
        self.codes.append(prm.code)


class Endpoint:
    def __init__(self, transport):
        self.ep = pj.Endpoint()
        self.ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        # pjsua2 sends no User-Agent unless told; real phones do, and the API shows it.
        cfg.uaConfig.userAgent = "PJSUA2 interop"
        cfg.logConfig.level = 1
        cfg.logConfig.consoleLevel = 1
        self.ep.libInit(cfg)
        tcfg = pj.TransportConfig()
        tcfg.port = 0
        kind = pj.PJSIP_TRANSPORT_TCP if transport == "tcp" else pj.PJSIP_TRANSPORT_UDP
        self.ep.transportCreate(kind, tcfg)
        self.ep.audDevManager().setNullDev()
        self.ep.libStart()

    def wait(self, done):
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            self.ep.libHandleEvents(20)
            if done():
                return True
        return False

    def close(self):
        self.ep.libDestroy()


def fail(message):
    print(f"pjsua interop: {message}", file=sys.stderr)
    sys.exit(1)


def account(server, user, password, transport):
    cfg = pj.AccountConfig()
    suffix = ";transport=tcp" if transport == "tcp" else ""
    cfg.idUri = f"sip:{user}@{server}"
    cfg.regConfig.registrarUri = f"sip:{server}{suffix}"
    cfg.regConfig.timeoutSec = 300
    cfg.regConfig.retryIntervalSec = 0
    cred = pj.AuthCredInfo("digest", "*", user, 0, password)
    cfg.sipConfig.authCreds.append(cred)
    acc = Account()
    acc.create(cfg)
    return acc


def stay_until_stdin_closes(ep):
    import select

    print("registered", flush=True)
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        ep.ep.libHandleEvents(20)
        ready, _, _ = select.select([sys.stdin], [], [], 0)
        if ready and sys.stdin.readline() == "":
            return
    fail("standard input stayed open for 60 s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("user")
    parser.add_argument("password")
    parser.add_argument("--transport", default="udp", choices=["udp", "tcp"])
    parser.add_argument("--expect-refused", action="store_true")
    parser.add_argument("--stay", action="store_true")
    args = parser.parse_args()

    ep = Endpoint(args.transport)
    try:
        acc = account(args.server, args.user, args.password, args.transport)
        if not ep.wait(lambda: acc.codes):
            fail("no answer to REGISTER")
        if args.expect_refused:
            if acc.codes[-1] // 100 == 2:
                fail(f"a wrong password was accepted: {acc.codes}")
            print(f"refused as expected: {acc.codes[-1]}")
            return
        if acc.codes[-1] != 200:
            fail(f"REGISTER answered {acc.codes[-1]}")
        # Refresh: a second REGISTER on the same Call-ID with a higher CSeq.
        acc.setRegistration(True)
        if not ep.wait(lambda: len(acc.codes) >= 2):
            fail("no answer to the refresh")
        if acc.codes[-1] != 200:
            fail(f"refresh answered {acc.codes[-1]}")
        if args.stay:
            stay_until_stdin_closes(ep)
        # Unregister: Expires 0.
        acc.setRegistration(False)
        if not ep.wait(lambda: len(acc.codes) >= 3):
            fail("no answer to the unregister")
        if acc.codes[-1] != 200:
            fail(f"unregister answered {acc.codes[-1]}")
        print(f"registered, refreshed and unregistered: {acc.codes}")
        acc.shutdown()
    finally:
        ep.close()


if __name__ == "__main__":
    main()
