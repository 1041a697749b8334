#!/usr/bin/env python3
"""A PJSIP (pjsua2) caller on a trunk's address dials an inbound number of Switchboard,
waits for the IVR to answer, sends DTMF digits (RFC 4733), and waits for the IVR to hang
up (BYE from Switchboard).

Usage: ivr_call.py HOST:PORT NUMBER DIGITS --bind IP
Exits 0 when the call was answered and then hung up by the far end; 1 with a message on
stderr otherwise. Bounded: every wait times out.
"""
import argparse

import pjsua2 as pj

from phones import Call, Phones


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("number")
    parser.add_argument("digits")
    parser.add_argument("--bind", default="127.0.0.1")
    args = parser.parse_args()

    p = Phones("pjsua IVR interop", binds=(args.bind,))
    acc = p.account(pj.Account(), f"sip:+15550001@{args.bind}", 0, rtp_base=42000)
    call = Call(acc)
    call.makeCall(f"sip:{args.number}@{args.server}", pj.CallOpParam(True))
    p.wait(lambda: call.state in (pj.PJSIP_INV_STATE_CONFIRMED, pj.PJSIP_INV_STATE_DISCONNECTED),
           "the IVR to answer")
    if call.state != pj.PJSIP_INV_STATE_CONFIRMED:
        p.fail(f"the IVR did not answer: {call.status}")
    p.wait(lambda: call.media_up, "media")
    # A phone's microphone feeds its call: with nothing connected, pjmedia's stream stops
    # ticking and queued DTMF never leaves.
    p.ep.audDevManager().getCaptureDevMedia().startTransmit(call.getAudioMedia(-1))
    p.pump(0.5)
    for d in args.digits:
        call.dialDtmf(d)
        p.pump(0.3)
    p.wait(lambda: call.state == pj.PJSIP_INV_STATE_DISCONNECTED, "the IVR to hang up")
    print(f"answered, sent {args.digits}, hung up by the IVR", flush=True)
    p.close()


if __name__ == "__main__":
    main()
