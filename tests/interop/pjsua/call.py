#!/usr/bin/env python3
"""Two PJSIP (pjsua2) phones registered to Switchboard call each other through it.

Each phone plays its own tone into the call and records what it hears; a Goertzel
analysis of the recordings must show each phone hearing the other's tone and not its
own (the media is anchored in Switchboard, so this proves the bridge carries audio both
ways, and only the other party's).

Usage: call.py HOST:PORT CALLER_USER CALLER_PW CALLEE_USER CALLEE_PW [--hold]
With --hold, the caller puts the call on hold (re-INVITE a=sendonly) and takes it back
before the tones are measured. Exits 0 on success, 1 with a message on stderr otherwise.
Bounded: every wait times out.
"""
import argparse
import tempfile

import pjsua2 as pj

from phones import CALLEE_HZ, CALLER_HZ, Account, Call, Phones, hears_other, talk


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("caller")
    parser.add_argument("caller_pw")
    parser.add_argument("callee")
    parser.add_argument("callee_pw")
    parser.add_argument("--hold", action="store_true")
    args = parser.parse_args()

    p = Phones("pjsua call interop", binds=("127.0.0.1", "127.0.0.1"), g711_only=True, wait_s=10.0)
    registrar = f"sip:{args.server}"
    caller = p.account(Account(), f"sip:{args.caller}@{args.server}", 0, registrar,
                       args.caller, args.caller_pw)
    callee = p.account(Account(), f"sip:{args.callee}@{args.server}", 1, registrar,
                       args.callee, args.callee_pw)
    p.wait(lambda: caller.codes and callee.codes, "both registrations")
    if caller.codes[-1] != 200 or callee.codes[-1] != 200:
        p.fail(f"REGISTER answered {caller.codes} / {callee.codes}")

    call = Call(caller)
    call.makeCall(f"sip:{args.callee}@{args.server}", pj.CallOpParam(True))
    p.wait(lambda: call.state in (pj.PJSIP_INV_STATE_CONFIRMED, pj.PJSIP_INV_STATE_DISCONNECTED),
           "the call to be answered")
    if call.state != pj.PJSIP_INV_STATE_CONFIRMED:
        p.fail(f"the call was not answered: {call.status}")
    p.wait(lambda: call.media_up and callee.incoming is not None and callee.incoming.media_up,
           "media on both phones")

    if args.hold:
        call.setHold(pj.CallOpParam(True))
        p.pump(0.5)
        unhold = pj.CallOpParam(True)
        unhold.opt.flag = pj.PJSUA_CALL_UNHOLD
        call.reinvite(unhold)
        p.pump(0.5)
        if call.state != pj.PJSIP_INV_STATE_CONFIRMED:
            p.fail("the call did not survive hold and unhold")

    tmp = tempfile.mkdtemp(prefix="sb-pjsua-call-")
    sides = talk(tmp, [("caller", call, CALLER_HZ), ("callee", callee.incoming, CALLEE_HZ)], p.pump)
    call.hangup(pj.CallOpParam(True))
    p.wait(lambda: call.state == pj.PJSIP_INV_STATE_DISCONNECTED
           and callee.incoming.state == pj.PJSIP_INV_STATE_DISCONNECTED, "both phones to hang up")
    hears_other(sides, ("caller", "the caller"), ("callee", "the callee"))
    print("each phone hears the other and not itself", flush=True)
    p.close()


if __name__ == "__main__":
    main()
