#!/usr/bin/env python3
"""Foreground and background callouts by an agent already in a conversation, with real
phones, driven through Switchboard's REST API (SPEC §5, §6).

Agent alice calls a customer out. A background callout to a second number leaves her
talking to the customer: she joins the new conversation held (mode 4), so the second
party hears hold music and neither of the others. A foreground callout to a third number
holds her first conversation (the customer gets hold music) while she hears ringback,
then she talks to the third party. Resuming the first conversation holds the third
(the rule: one active conversation per agent). When she departs the first, the customer
is hung up but her phone stays up, since she is still in two conversations; dissolving
those hangs up the second and third parties and, last, her phone.

Usage: conversation_callouts.py SIP_HOST:PORT HTTP_BASE TOKEN TRUNK_IP:PORT
       ALICE_USER ALICE_PW
Exits 0 on success, 1 with a message on stderr otherwise. Bounded: every wait times out.
"""
import argparse

import pjsua2 as pj

from convo import Api, Rounds, agent_phone, down, trunk_end, up
from phones import Phones


def only(*pairs):
    """Who hears whom: exactly the (listener, speaker) pairs given, both ways."""
    allowed = {(a, b) for a, b in pairs} | {(b, a) for a, b in pairs}
    return lambda listener, speaker: (listener, speaker) in allowed


def main():
    parser = argparse.ArgumentParser()
    for name in ("server", "http", "token", "trunk", "alice", "alice_pw"):
        parser.add_argument(name)
    args = parser.parse_args()

    p = Phones("pjsua conversation callouts", g711_only=True, wait_s=20.0)
    far = trunk_end(p, args.trunk)
    alice = agent_phone(p, args.server, args.alice, args.alice_pw, 44000)
    api = Api(p, args.http, args.token)
    rounds = Rounds(p)

    def callout(number, background):
        return api.post("/v1/callcenter/agent/alice/callout",
                        {"to": number, "max_answer_seconds": 600,
                         "backgound": background})["conversation_id"]

    first = callout("5550100", False)
    p.wait(lambda: up(alice.incoming) and len(far.calls) == 1 and up(far.calls[0]),
           "alice's phone, then the customer, to answer")
    agent, customer = alice.incoming, far.calls[0]
    rounds.expect("first callout", {"customer": customer, "alice": agent},
                  only(("customer", "alice")))

    second_conv = callout("5550101", True)
    p.wait(lambda: len(far.calls) == 2 and up(far.calls[1]), "the second number to answer")
    second = far.calls[1]
    if len(alice.calls) != 1:
        p.fail("a background callout must reuse alice's connection")
    parties = {"customer": customer, "alice": agent, "second": second}
    rounds.expect("background callout", parties, only(("customer", "alice")))
    music = rounds.loudness(second)
    print(f"  the second party, alone in its conversation, hears {music:.1e}", flush=True)
    if music < 1e5:
        p.fail(f"the second party should hear hold music ({music:.1e})")

    far.answer = (180,)
    third_conv = callout("5550102", False)
    p.wait(lambda: len(far.calls) == 3 and far.calls[2].state == pj.PJSIP_INV_STATE_EARLY,
           "the third number to ring")
    ringback, held = rounds.loudness(agent), rounds.loudness(customer)
    print(f"  foreground: alice hears {ringback:.1e} while it rings, the customer {held:.1e}",
          flush=True)
    if ringback < 1e5 or held < 1e5:
        p.fail(f"foreground callout: alice should hear ringback ({ringback:.1e}) and the held "
               f"customer hold music ({held:.1e})")
    third = far.calls[2]
    ok = pj.CallOpParam()
    ok.statusCode = 200
    third.answer(ok)
    p.wait(lambda: up(third), "the third number to answer")
    parties["third"] = third
    rounds.expect("foreground callout", parties, only(("alice", "third")))

    api.post("/v1/callcenter/agent/alice/resume", {"conversationId": first, "voiceIoMode": 1})
    rounds.expect("resumed the first", parties, only(("alice", "customer")))

    api.post("/v1/callcenter/agent/alice/depart", {"conversationId": first})
    p.wait(lambda: down(customer), "the customer to be hung up")
    p.pump(0.5)
    if not up(agent):
        p.fail("alice, still in two conversations, must keep her connection")
    for conv in (second_conv, third_conv):
        api.call("DELETE", f"/v1/callcenter/conversation/{conv}")
    p.wait(lambda: down(second) and down(third) and down(agent),
           "dissolving to hang up both numbers and, last, alice")
    print("background and foreground callouts hold and hear as SPEC §6 says", flush=True)
    p.close()


if __name__ == "__main__":
    main()
