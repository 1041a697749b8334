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
import tempfile

import pjsua2 as pj

from phones import CALLEE_HZ, CALLER_HZ, Account, Call, Phones, hears_other, talk


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("agent")
    parser.add_argument("agent_pw")
    parser.add_argument("number")
    parser.add_argument("--caller-bind", required=True)
    args = parser.parse_args()

    p = Phones("pjsua queue interop", binds=("127.0.0.1", args.caller_bind), g711_only=True)
    agent = p.account(Account(answer=(200,)), f"sip:{args.agent}@{args.server}", 0,
                      f"sip:{args.server}", args.agent, args.agent_pw, rtp_base=44000)
    p.wait(lambda: agent.codes, "the agent's registration")
    if agent.codes[-1] != 200:
        p.fail(f"the agent's REGISTER was answered {agent.codes}")

    caller_acc = p.account(pj.Account(), f"sip:+15550002@{args.caller_bind}", 1, rtp_base=50000)
    caller = Call(caller_acc)
    caller.makeCall(f"sip:{args.number}@{args.server}", pj.CallOpParam(True))
    p.wait(lambda: caller.state == pj.PJSIP_INV_STATE_CONFIRMED, "the IVR to answer the caller")
    p.wait(lambda: agent.incoming is not None and agent.incoming.state == pj.PJSIP_INV_STATE_CONFIRMED
           and agent.incoming.media_up and caller.media_up, "the agent's phone to ring and answer")
    tmp = tempfile.mkdtemp(prefix="sb-pjsua-queue-")
    sides = talk(tmp, [("caller", caller, CALLER_HZ), ("agent", agent.incoming, CALLEE_HZ)], p.pump)
    agent.incoming.hangup(pj.CallOpParam(True))
    p.wait(lambda: caller.state == pj.PJSIP_INV_STATE_DISCONNECTED, "the IVR to hang the caller up")
    hears_other(sides, ("caller", "the caller"), ("agent", "the agent"))
    print("caller and agent hear each other; the caller went back to the IVR", flush=True)
    p.close()


if __name__ == "__main__":
    main()
