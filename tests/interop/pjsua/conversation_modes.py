#!/usr/bin/env python3
"""A three-party conversation with real phones, driven through Switchboard's REST API,
proving SPEC §5's voice-mode table by ear.

Agent alice calls a customer out (callout); her phone rings first, then the trunk's far
end. She invites agent bob in the foreground (inviteAgent): while bob's phone rings, the
customer is alone hearing the conversation and gets hold music, and alice hears nothing
of the customer. Once bob answers, each of the three members is set to each mode in turn
with `lsm` (by agent name, and by call id for the customer) and every pair is checked:
a listener hears a speaker exactly when the listener is in mode 1 or 3 and the speaker in
mode 1 or 2. Then bob departs, alice pauses (the customer hears hold music, alice
nothing), resumes, and departs: fewer than two members remain, so the conversation ends
and both the customer's and alice's calls are hung up.

Usage: conversation_modes.py SIP_HOST:PORT HTTP_BASE TOKEN TRUNK_IP:PORT
       ALICE_USER ALICE_PW BOB_USER BOB_PW
Exits 0 on success, 1 with a message on stderr otherwise. Bounded: every wait times out.
"""
import argparse

import pjsua2 as pj

from convo import Api, Rounds, agent_phone, down, trunk_end, up
from phones import Phones

INVITE_BOB = '<enqueue><route><agent name="bob"/></route></enqueue>'


def hears(modes):
    """SPEC §5: the listener hears the conversation in 1 and 3, is heard in 1 and 2."""
    return lambda listener, speaker: modes[listener] in (1, 3) and modes[speaker] in (1, 2)


def main():
    parser = argparse.ArgumentParser()
    for name in ("server", "http", "token", "trunk", "alice", "alice_pw", "bob", "bob_pw"):
        parser.add_argument(name)
    args = parser.parse_args()

    p = Phones("pjsua conversation modes", g711_only=True, wait_s=20.0)
    far = trunk_end(p, args.trunk)
    alice = agent_phone(p, args.server, args.alice, args.alice_pw, 44000)
    bob = agent_phone(p, args.server, args.bob, args.bob_pw, 46000)
    bob.answer = (180,)
    api = Api(p, args.http, args.token)
    rounds = Rounds(p)

    created = api.post("/v1/callcenter/agent/alice/callout",
                       {"to": "5550100", "max_answer_seconds": 600})
    conv, customer_call = created["conversation_id"], created["call_id"]
    p.wait(lambda: up(alice.incoming) and far.calls and up(far.calls[0]),
           "alice's phone, then the customer, to answer")
    customer = far.calls[0]
    print(f"callout: conversation {conv}, customer call {customer_call}", flush=True)
    rounds.expect("callout", {"customer": customer, "alice": alice.incoming},
                  lambda listener, speaker: True)

    api.post("/v1/callcenter/agent/alice/inviteAgent",
             {"conversationId": conv, "enqueue": INVITE_BOB, "voiceIoMode": 1})
    p.wait(lambda: bob.incoming is not None and bob.incoming.state == pj.PJSIP_INV_STATE_EARLY,
           "bob's phone to ring")
    music = rounds.loudness(customer)
    print(f"  while bob rings, the customer hears power {music:.1e}", flush=True)
    if music < 1e5:
        p.fail(f"the customer, alone hearing the conversation, gets no hold music ({music:.1e})")
    ok = pj.CallOpParam()
    ok.statusCode = 200
    bob.incoming.answer(ok)
    p.wait(lambda: up(bob.incoming), "bob's phone to answer")

    parties = {"customer": customer, "alice": alice.incoming, "bob": bob.incoming}
    names = {"customer": customer_call, "alice": "alice", "bob": "bob"}
    rounds.expect("three parties", parties, hears({"customer": 1, "alice": 1, "bob": 1}))
    for member in ("alice", "bob", "customer"):
        for mode in (2, 3, 4, 1):
            api.post(f"/v1/callcenter/conversation/{conv}/agent/{names[member]}/lsm",
                     {"mode": mode})
            modes = {"customer": 1, "alice": 1, "bob": 1, member: mode}
            rounds.expect(f"{member} in mode {mode}", parties, hears(modes))

    api.post("/v1/callcenter/agent/bob/depart", {"conversationId": conv})
    p.wait(lambda: down(bob.incoming), "bob, in no conversation any more, to be hung up")
    del parties["bob"]
    api.post("/v1/callcenter/agent/alice/pause", {"conversationId": conv})
    music = rounds.loudness(customer)
    quiet = rounds.loudness(alice.incoming)
    print(f"  paused: the customer hears power {music:.1e}, alice {quiet:.1e}", flush=True)
    if music < 1e5 or quiet > 1e4:
        p.fail(f"pause: the customer should hear hold music ({music:.1e}) and alice nothing "
               f"({quiet:.1e})")
    api.post("/v1/callcenter/agent/alice/resume", {"conversationId": conv, "voiceIoMode": 1})
    rounds.expect("resumed", parties, lambda listener, speaker: True)

    api.post("/v1/callcenter/agent/alice/depart", {"conversationId": conv, "data": "bye"})
    p.wait(lambda: down(customer) and down(alice.incoming),
           "the conversation to end and hang the customer and alice up")
    print("every mode heard as SPEC §5 says; hold music; depart ended the conversation",
          flush=True)
    p.close()


if __name__ == "__main__":
    main()
