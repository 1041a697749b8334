#!/usr/bin/env python3
"""The whole call-center story with real phones, proved by ear (SPEC §5–§8, §10).

A customer's PJSIP phone on the trunk's address calls an inbound number; the IVR (served by
the test) asks for a choice, the customer keys "1" (RFC 4733) and is queued by skill. While
alice's phone rings the customer hears the queue's wait music (a tone only it plays); once
she answers, the customer hears her job number: the pre-number tone, the spoken digits,
the post-number tone (`play_num`). Customer and alice hear each other. Meanwhile SIPp calls
the same number from another address, keys "1" from a pcap and waits in the same queue
(no idle agent has the skill), then hangs up: its task leaves the queue. Alice consults the
supervisor sue with inviteAgent in mode 3: sue hears both, nobody hears sue; sue departs.
Alice transfers the customer to bob (xferAgent): alice is hung up, the customer hears the
queue prompt while bob rings, then customer and bob talk. Bob departs with `data`: bob is
hung up, the customer is back in the IVR, keys the survey digit "4", and the IVR hangs up.

The agents are named alice, bob and sue; their extensions are given with their passwords.

Usage: story.py SIP_HOST:PORT HTTP_BASE TOKEN TRUNK_IP:PORT ALICE ALICE_PW BOB BOB_PW
       SUE SUE_PW NUMBER SIPP_NUMBER SIPP_IP
Exits 0 on success, 1 with a message on stderr otherwise. Bounded: every wait times out.
"""
import argparse
import os
import socket
import subprocess
import time
import wave

import pjsua2 as pj

from convo import Api, Rounds, agent_phone, down, record, trunk_end, up, upload
from phones import Call, Phones, goertzel_power, write_tone

# The IVR's <enqueue> names these media files (crates/server/tests/it/story.rs).
WAIT_HZ, PRE_HZ, POST_HZ = 853.0, 2617.0, 3011.0
MEDIA = {"story_wait.wav": (WAIT_HZ, 8.0), "story_pre.wav": (PRE_HZ, 0.5),
         "story_post.wav": (POST_HZ, 0.5)}
ALICE_NUM = "42"
SURVEY_KEY = "4"
DEPART_DATA = "survey"
SIPP_WITHIN_S = 30


def queue_to(agent):
    return f'<enqueue><route><agent name="{agent}"/></route></enqueue>'


def ringing(acc):
    return acc.incoming is not None and acc.incoming.state == pj.PJSIP_INV_STATE_EARLY


def pick_up(call):
    ok = pj.CallOpParam()
    ok.statusCode = 200
    call.answer(ok)


def windows(rate, samples, ms=40):
    """Labels each `ms` window of what was heard: wait, pre, post, speech or quiet."""
    n = rate * ms // 1000
    out = []
    for i in range(0, len(samples) - n + 1, n):
        w = samples[i:i + n]
        total = sum(x * x for x in w) / n
        if total < 1e4:
            out.append("quiet")
            continue
        # A pure tone's Goertzel power over a window is n/2 times its mean power.
        share = {name: goertzel_power(w, rate, hz) * 2 / n / total
                 for name, hz in (("wait", WAIT_HZ), ("pre", PRE_HZ), ("post", POST_HZ))}
        best = max(share, key=share.get)
        out.append(best if share[best] > 0.5 else "speech")
    return out


def runs(labels, ms=40):
    """Consecutive runs of one label: [(label, seconds)]."""
    out = []
    for label in labels:
        if out and out[-1][0] == label:
            out[-1][1] += ms / 1000
        else:
            out.append([label, ms / 1000])
    return [(label, round(s, 2)) for label, s in out]


def digits_seconds(num):
    """How long the built-in spoken digits of `num` last (prompts/digit_N.wav)."""
    total = 0.0
    for d in num:
        with wave.open(os.path.join("prompts", f"digit_{d}.wav")) as w:
            total += w.getnframes() / w.getframerate()
    return total


def check_announcement(p, heard):
    """The customer heard the pre-number tone, then speech as long as the digits of
    ALICE_NUM, then the post-number tone, in that order."""
    labels = runs(windows(*heard))
    print(f"  after alice answers the customer hears {labels}", flush=True)
    loud = [(label, s) for label, s in labels if label != "quiet"]
    # Short runs are the edges between two sounds.
    loud = [(label, s) for label, s in loud if s >= 0.1]
    merged = []
    for label, s in loud:
        if merged and merged[-1][0] == label:
            merged[-1] = (label, merged[-1][1] + s)
        else:
            merged.append((label, s))
    order = [label for label, _ in merged if label != "wait"]
    if order[:3] != ["pre", "speech", "post"]:
        p.fail(f"play_num: expected the pre tone, the digits, the post tone; heard {labels}")
    spoken = dict((label, s) for label, s in merged if label == "speech")["speech"]
    expected = digits_seconds(ALICE_NUM)
    if abs(spoken - expected) > 0.3:
        p.fail(f"play_num: {spoken:.2f} s of speech, the digits of {ALICE_NUM} last "
               f"{expected:.2f} s")


def free_port(ip):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def start_sipp(args):
    """SIPp's abandoning caller (tests/interop/sipp/ivr_abandon_uac.xml), in the background."""
    cmd = ["sipp", "-sf", "tests/interop/sipp/ivr_abandon_uac.xml", "-s", args.sipp_number,
           "-i", args.sipp_ip, "-p", str(free_port(args.sipp_ip)), "-mi", args.sipp_ip,
           "-mp", str(free_port(args.sipp_ip)), "-m", "1", "-timeout", f"{SIPP_WITHIN_S}s",
           "-timeout_error", "-nostdin", args.server]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def queued(api):
    return api.get("/v1/callcenter/queue")["result"]


def main():
    parser = argparse.ArgumentParser()
    for name in ("server", "http", "token", "trunk", "alice", "alice_pw", "bob", "bob_pw",
                 "sue", "sue_pw", "number", "sipp_number", "sipp_ip"):
        parser.add_argument(name)
    args = parser.parse_args()

    p = Phones("pjsua story", g711_only=True, wait_s=20.0)
    far = trunk_end(p, args.trunk)
    alice = agent_phone(p, args.server, args.alice, args.alice_pw, 44000)
    bob = agent_phone(p, args.server, args.bob, args.bob_pw, 46000)
    sue = agent_phone(p, args.server, args.sue, args.sue_pw, 48000)
    alice.answer, bob.answer = (180,), (180,)
    api = Api(p, args.http, args.token)
    rounds = Rounds(p)
    for name, (hz, seconds) in MEDIA.items():
        path = os.path.join(rounds.tmp, name)
        write_tone(path, hz, seconds)
        upload(api, name, path)

    # 1. The customer reaches the IVR, keys its choice and is queued by skill.
    customer = Call(far)
    customer.makeCall(f"sip:{args.number}@{args.server}", pj.CallOpParam(True))
    p.wait(lambda: up(customer), "the IVR to answer the customer")
    # A phone's microphone feeds its call: with nothing connected, pjmedia's stream stops
    # ticking and queued DTMF never leaves.
    p.ep.audDevManager().getCaptureDevMedia().startTransmit(customer.getAudioMedia(-1))
    p.pump(0.5)
    customer.dialDtmf("1")
    p.wait(lambda: ringing(alice), "alice's phone to ring for the queued customer")

    # 2. Wait music while alice rings, then her job number once she answers.
    rate, heard = record(p, customer, 1.6, rounds.tmp, "waiting")
    body = heard[rate // 2:]
    mean = sum(x * x for x in body) / max(len(body), 1)
    wait = goertzel_power(body, rate, WAIT_HZ)
    print(f"  while alice rings the customer hears the wait music at {wait:.1e} "
          f"(mean power {mean:.1e})", flush=True)
    if wait < 1e6 or wait * 2 / len(body) < 0.5 * mean:
        p.fail(f"the queued customer does not hear the queue's wait music ({wait:.1e})")
    first_alice = alice.incoming
    pick_up(first_alice)
    p.wait(lambda: up(first_alice), "alice's phone to answer")
    check_announcement(p, record(p, customer, 3.5, rounds.tmp, "announcement"))

    # 3. Customer and alice talk, while SIPp's caller waits in the same queue and gives up.
    sipp = start_sipp(args)
    deadline = time.monotonic() + 15
    while not any(t["type"] == "ivr" for t in queued(api)):
        if time.monotonic() > deadline or sipp.poll() is not None:
            p.fail(f"SIPp's caller never waited in the queue: {sipp.poll()} "
                   f"{sipp.stdout.read().decode(errors='replace') if sipp.poll() is not None else ''}")
        p.pump(0.2)
    print(f"  SIPp's caller waits: {queued(api)}", flush=True)
    rounds.expect("customer and alice", {"customer": customer, "alice": first_alice},
                  lambda listener, speaker: True)
    deadline = time.monotonic() + SIPP_WITHIN_S
    while sipp.poll() is None and time.monotonic() < deadline:
        p.pump(0.2)
    if sipp.poll() is None:
        sipp.kill()
        sipp.wait()
    output = sipp.stdout.read().decode(errors="replace")
    if sipp.returncode != 0:
        p.fail(f"SIPp's abandoning caller failed ({sipp.returncode}):\n{output}")
    p.wait(lambda: not queued(api), "the abandoned caller to leave the queue")
    print("  SIPp's caller hung up while queued and left the queue", flush=True)

    # 4. Alice consults sue, who listens in mode 3.
    conv = api.get(f"/v1/callcenter/conversation?agent=alice&state=running")
    conv = conv["result"][0]["id"]
    api.post(f"/v1/callcenter/agent/alice/inviteAgent",
             {"conversationId": conv, "enqueue": queue_to("sue"), "voiceIoMode": 3})
    p.wait(lambda: up(sue.incoming), "sue's phone to answer")
    rounds.expect("sue listens in", {"customer": customer, "alice": first_alice,
                                     "sue": sue.incoming},
                  lambda listener, speaker: speaker != "sue")
    sue_call = sue.incoming
    api.post(f"/v1/callcenter/agent/sue/depart", {"conversationId": conv})
    p.wait(lambda: down(sue_call), "sue to be hung up after departing")

    # 5. Alice transfers the customer to bob.
    conv = api.post(f"/v1/callcenter/agent/alice/xferAgent",
                    {"conversationId": conv, "queue": queue_to("bob"),
                     "release": True})["conversation_id"]
    p.wait(lambda: down(first_alice), "alice to be hung up at once (release=true)")
    p.wait(lambda: ringing(bob), "bob's phone to ring")
    prompt = rounds.loudness(customer)
    print(f"  while bob rings the customer hears {prompt:.1e}", flush=True)
    if prompt < 1e5:
        p.fail(f"the transferred customer hears no queue prompt ({prompt:.1e})")
    bob_call = bob.incoming
    pick_up(bob_call)
    p.wait(lambda: up(bob_call), "bob's phone to answer")
    rounds.expect("customer and bob", {"customer": customer, "bob": bob_call},
                  lambda listener, speaker: True)

    # 6. Bob departs; the customer is back in the IVR and answers the survey.
    api.post(f"/v1/callcenter/agent/bob/depart",
             {"conversationId": conv, "data": DEPART_DATA})
    p.wait(lambda: down(bob_call), "bob to be hung up after departing")
    if down(customer):
        p.fail("the customer was hung up instead of going back to the IVR")
    p.pump(1.0)
    customer.dialDtmf(SURVEY_KEY)
    p.wait(lambda: down(customer), "the IVR to hang the customer up after the survey")
    print("the whole story was heard as told", flush=True)
    p.close()


if __name__ == "__main__":
    main()
