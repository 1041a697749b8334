#!/usr/bin/env python3
"""A caller keys its choice into Switchboard's IVR, queues, talks to an agent, and goes
back to the IVR when the agent departs, with two PJSIP phones.

The agent's phone registers as an extension and answers whatever rings; the caller's phone
sits on a trunk's address, dials an inbound number and keys DIGITS into the IVR's `<get>`.
The IVR application (run by the test) then answers `<enqueue>`; Switchboard rings the
agent and joins the two. The test makes the agent depart through the conversation API:
the agent's phone must be hung up by Switchboard, and the caller, back in the IVR, hears a
prompt and is hung up by it.

Usage: depart_call.py HOST:PORT AGENT_USER AGENT_PW NUMBER DIGITS --caller-bind IP
Exits 0 on success, 1 with a message on stderr otherwise. Bounded: every wait times out.
"""
import argparse

import pjsua2 as pj

from phones import Account, Call, Phones


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("agent")
    parser.add_argument("agent_pw")
    parser.add_argument("number")
    parser.add_argument("digits")
    parser.add_argument("--caller-bind", required=True)
    args = parser.parse_args()

    p = Phones("pjsua depart interop", binds=("127.0.0.1", args.caller_bind), g711_only=True)
    agent = p.account(Account(answer=(200,)), f"sip:{args.agent}@{args.server}", 0,
                      f"sip:{args.server}", args.agent, args.agent_pw, rtp_base=48000)
    p.wait(lambda: agent.codes, "the agent's registration")
    if agent.codes[-1] != 200:
        p.fail(f"the agent's REGISTER was answered {agent.codes}")

    caller_acc = p.account(pj.Account(), f"sip:+15550004@{args.caller_bind}", 1, rtp_base=54000)
    caller = Call(caller_acc)
    caller.makeCall(f"sip:{args.number}@{args.server}", pj.CallOpParam(True))
    p.wait(lambda: caller.state == pj.PJSIP_INV_STATE_CONFIRMED and caller.media_up,
           "the IVR to answer the caller")
    # A phone's microphone feeds its call: with nothing connected, pjmedia's stream stops
    # ticking and queued DTMF never leaves.
    p.ep.audDevManager().getCaptureDevMedia().startTransmit(caller.getAudioMedia(-1))
    p.pump(0.5)
    for d in args.digits:
        caller.dialDtmf(d)
        p.pump(0.3)
    p.wait(lambda: agent.incoming is not None, "the agent's phone to ring")
    p.wait(lambda: agent.incoming.state == pj.PJSIP_INV_STATE_DISCONNECTED,
           "the agent to be hung up when it departs")
    if agent.incoming.status != 200:
        p.fail(f"the agent's call ended with {agent.incoming.status}, not after an answer")
    p.wait(lambda: caller.state == pj.PJSIP_INV_STATE_DISCONNECTED, "the IVR to hang the caller up")
    print("the agent departed; the caller went back to the IVR and was hung up by it", flush=True)
    p.close()


if __name__ == "__main__":
    main()
