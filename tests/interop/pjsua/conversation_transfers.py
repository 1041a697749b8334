#!/usr/bin/env python3
"""Transfers with real phones, driven through Switchboard's REST API (SPEC §6).

Agent alice calls a customer out. She transfers the customer to bob with `release=true`
(xferAgent): her phone is hung up at once and the customer hears the queue prompt while
bob's phone rings; then customer and bob talk in a new conversation. Bob transfers the
customer back to alice with `release=false`: both stay, held, hearing the queue prompt
while alice's phone rings; when she answers, bob is hung up and customer and alice talk.
Alice then transfers the customer out to another number (xferOut, `release=true`): her
phone is hung up, the customer hears ringback, and once the number answers the two
outside parties talk. Dissolving that conversation (DELETE) hangs both up.

Usage: conversation_transfers.py SIP_HOST:PORT HTTP_BASE TOKEN TRUNK_IP:PORT
       ALICE_USER ALICE_PW BOB_USER BOB_PW
Exits 0 on success, 1 with a message on stderr otherwise. Bounded: every wait times out.
"""
import argparse

import pjsua2 as pj

from convo import Api, Rounds, agent_phone, down, trunk_end, up
from phones import Phones


def queue_to(agent):
    return f'<enqueue><route><agent name="{agent}"/></route></enqueue>'


def ringing(acc):
    """The newest call of `acc` is ringing."""
    return acc.incoming is not None and acc.incoming.state == pj.PJSIP_INV_STATE_EARLY


def pick_up(call):
    ok = pj.CallOpParam()
    ok.statusCode = 200
    call.answer(ok)


def everyone_hears(listener, speaker):
    return True


def main():
    parser = argparse.ArgumentParser()
    for name in ("server", "http", "token", "trunk", "alice", "alice_pw", "bob", "bob_pw"):
        parser.add_argument(name)
    args = parser.parse_args()

    p = Phones("pjsua conversation transfers", g711_only=True, wait_s=20.0)
    far = trunk_end(p, args.trunk)
    alice = agent_phone(p, args.server, args.alice, args.alice_pw, 44000)
    bob = agent_phone(p, args.server, args.bob, args.bob_pw, 46000)
    api = Api(p, args.http, args.token)
    rounds = Rounds(p)

    conv = api.post("/v1/callcenter/agent/alice/callout",
                    {"to": "5550100", "max_answer_seconds": 600})["conversation_id"]
    p.wait(lambda: up(alice.incoming) and far.calls and up(far.calls[0]),
           "alice's phone, then the customer, to answer")
    customer, first_alice = far.calls[0], alice.incoming
    rounds.expect("callout", {"customer": customer, "alice": first_alice}, everyone_hears)

    # xferAgent, release=true: alice leaves at once; the customer waits with the prompt.
    bob.answer = (180,)
    conv = api.post("/v1/callcenter/agent/alice/xferAgent",
                    {"conversationId": conv, "queue": queue_to("bob"),
                     "release": True})["conversation_id"]
    p.wait(lambda: down(first_alice), "alice to be hung up at once (release=true)")
    p.wait(lambda: ringing(bob), "bob's phone to ring")
    prompt = rounds.loudness(customer)
    print(f"  xferAgent release=true: while bob rings the customer hears {prompt:.1e}",
          flush=True)
    if prompt < 1e5:
        p.fail(f"the transferred customer hears no queue prompt ({prompt:.1e})")
    pick_up(bob.incoming)
    p.wait(lambda: up(bob.incoming), "bob's phone to answer")
    rounds.expect("transferred to bob", {"customer": customer, "bob": bob.incoming},
                  everyone_hears)

    # xferAgent, release=false: both stay held with the prompt until alice answers.
    alice.answer = (180,)
    bob_call = bob.incoming
    conv = api.post("/v1/callcenter/agent/bob/xferAgent",
                    {"conversationId": conv, "queue": queue_to("alice"),
                     "release": False})["conversation_id"]
    p.wait(lambda: alice.incoming is not first_alice and ringing(alice), "alice's phone to ring")
    held = {who: rounds.loudness(call) for who, call in (("customer", customer), ("bob", bob_call))}
    print(f"  xferAgent release=false: while alice rings {held}", flush=True)
    if up(bob_call) is False or min(held.values()) < 1e5:
        p.fail(f"release=false: bob must stay, and both hear the queue prompt ({held})")
    pick_up(alice.incoming)
    p.wait(lambda: up(alice.incoming), "alice's phone to answer")
    p.wait(lambda: down(bob_call), "bob to be hung up once alice took the customer")
    rounds.expect("transferred back to alice", {"customer": customer, "alice": alice.incoming},
                  everyone_hears)

    # xferOut, release=true: alice leaves; the customer hears ringback until the number
    # answers.
    far.answer = (180,)
    alice_call = alice.incoming
    conv = api.post("/v1/callcenter/agent/alice/xferOut",
                    {"conversationId": conv, "to": "5550101", "max_answer_seconds": 600,
                     "release": True})["conversation_id"]
    p.wait(lambda: down(alice_call), "alice to be hung up at once (release=true)")
    p.wait(lambda: len(far.calls) == 2 and ringing(far), "the second number to ring")
    ringback = rounds.loudness(customer)
    print(f"  xferOut: while the number rings the customer hears {ringback:.1e}", flush=True)
    if ringback < 1e5:
        p.fail(f"the customer hears no ringback while the number rings ({ringback:.1e})")
    second = far.calls[1]
    pick_up(second)
    p.wait(lambda: up(second), "the second number to answer")
    rounds.expect("transferred out", {"customer": customer, "second": second}, everyone_hears)

    api.call("DELETE", f"/v1/callcenter/conversation/{conv}")
    p.wait(lambda: down(customer) and down(second), "dissolving to hang both outside calls up")
    print("xferAgent with and without release, xferOut and dissolve all work by ear",
          flush=True)
    p.close()


if __name__ == "__main__":
    main()
