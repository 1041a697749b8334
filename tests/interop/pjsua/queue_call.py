#!/usr/bin/env python3
"""A caller reaches an agent through Switchboard's IVR queue, with two PJSIP phones.

The agent's phone registers as an extension and answers whatever rings; the caller's phone
sits on a trunk's address and dials an inbound number. The IVR application (run by the
test) answers `<enqueue>`; Switchboard rings the agent and joins the two. Each phone plays
its own tone and records what it hears for a few seconds, then the agent hangs up and the
caller must be hung up by the IVR (its `next` document). Goertzel analysis proves each
heard the other and not itself.

Usage: queue_call.py HOST:PORT AGENT_USER AGENT_PW NUMBER --caller-bind IP
Exits 0 on success, 1 with a message on stderr otherwise. Bounded: every wait times out.
"""
import argparse
import os
import sys
import tempfile
import time

import pjsua2 as pj

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from call import CALLEE_HZ, CALLER_HZ, Call, levels, talk  # noqa: E402

WAIT_S = 15.0


def fail(message):
    print(f"pjsua queue interop: {message}", file=sys.stderr, flush=True)
    os._exit(1)


class AgentAccount(pj.Account):
    def __init__(self):
        super().__init__()
        self.codes = []
        self.incoming = None

    def onRegState(self, prm):
        self.codes.append(prm.code)

    def onIncomingCall(self, prm):
        call = Call(self, prm.callId)
        self.incoming = call
        ok = pj.CallOpParam()
        ok.statusCode = 200
        call.answer(ok)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("agent")
    parser.add_argument("agent_pw")
    parser.add_argument("number")
    parser.add_argument("--caller-bind", required=True)
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
    for bind in ("127.0.0.1", args.caller_bind):
        tcfg = pj.TransportConfig()
        tcfg.port = 0
        tcfg.boundAddress = bind
        transports.append(ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg))
    ep.audDevManager().setNullDev()
    ep.libStart()
    for c in ep.codecEnum2():
        ep.codecSetPriority(c.codecId, 255 if c.codecId.startswith(("PCMU", "PCMA")) else 0)

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

    tmp = tempfile.mkdtemp(prefix="sb-pjsua-queue-")
    try:
        acfg = pj.AccountConfig()
        acfg.idUri = f"sip:{args.agent}@{args.server}"
        acfg.regConfig.registrarUri = f"sip:{args.server}"
        acfg.regConfig.timeoutSec = 300
        acfg.regConfig.retryIntervalSec = 0
        acfg.sipConfig.transportId = transports[0]
        acfg.mediaConfig.transportConfig.port = 44000 + os.getpid() % 5000
        acfg.mediaConfig.transportConfig.portRange = 100
        acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", args.agent, 0, args.agent_pw))
        agent = AgentAccount()
        agent.create(acfg)
        wait(lambda: agent.codes, "the agent's registration")
        if agent.codes[-1] != 200:
            fail(f"the agent's REGISTER was answered {agent.codes}")
        print("registered", flush=True)

        ccfg = pj.AccountConfig()
        ccfg.idUri = f"sip:+15550002@{args.caller_bind}"
        ccfg.sipConfig.transportId = transports[1]
        ccfg.mediaConfig.transportConfig.port = 50000 + os.getpid() % 5000
        ccfg.mediaConfig.transportConfig.portRange = 100
        caller_acc = pj.Account()
        caller_acc.create(ccfg)
        caller = Call(caller_acc)
        caller.makeCall(f"sip:{args.number}@{args.server}", pj.CallOpParam(True))
        wait(lambda: caller.state == pj.PJSIP_INV_STATE_CONFIRMED, "the IVR to answer the caller")
        wait(lambda: agent.incoming is not None and agent.incoming.state == pj.PJSIP_INV_STATE_CONFIRMED
             and agent.incoming.media_up and caller.media_up, "the agent's phone to ring and answer")
        sides = talk(tmp, [("caller", caller, CALLER_HZ), ("agent", agent.incoming, CALLEE_HZ)], pump)
        agent.incoming.hangup(pj.CallOpParam(True))
        wait(lambda: caller.state == pj.PJSIP_INV_STATE_DISCONNECTED, "the IVR to hang the caller up")

        results = dict((name, levels(heard)) for name, heard in sides)
        (c_own, c_agent), (a_caller, a_own) = results["caller"], results["agent"]
        print(f"caller hears: own {c_own:.0f}, agent's {c_agent:.0f}")
        print(f"agent hears: own {a_own:.0f}, caller's {a_caller:.0f}")
        if c_agent < 100 * max(c_own, 1.0) or c_agent < 1e4:
            fail("the caller does not hear the agent (or hears itself)")
        if a_caller < 100 * max(a_own, 1.0) or a_caller < 1e4:
            fail("the agent does not hear the caller (or hears itself)")
        print("caller and agent hear each other; the caller went back to the IVR", flush=True)
    finally:
        ep.libDestroy()
    os._exit(0)


if __name__ == "__main__":
    main()
