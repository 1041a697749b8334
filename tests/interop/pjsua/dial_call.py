#!/usr/bin/env python3
"""An IVR `<dial>` + `<connect>` through Switchboard, with two PJSIP phones.

The caller's phone sits on one trunk's address and dials an inbound number; the IVR
application (run by the test) answers `<dial>` with a nested `<connect>`, and Switchboard
calls the number out through the call center's trunk, whose far end is the second phone
(listening on the trunk's address and port). The far end rings, answers, and both play
their own tone and record what they hear; then the far end hangs up, and the caller must
be hung up by the IVR (its `next` document). Goertzel analysis proves each heard the other
and not itself.

Usage: dial_call.py HOST:PORT NUMBER DIALLED --caller-bind IP --far-end IP:PORT
Exits 0 on success, 1 with a message on stderr otherwise. Bounded: every wait times out.
"""
import argparse
import tempfile

import pjsua2 as pj

from phones import CALLEE_HZ, CALLER_HZ, Account, Call, Phones, hears_other, talk


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("number")
    parser.add_argument("dialled")
    parser.add_argument("--caller-bind", required=True)
    parser.add_argument("--far-end", required=True)
    args = parser.parse_args()
    far_ip, far_port = args.far_end.rsplit(":", 1)

    p = Phones("pjsua IVR dial interop", binds=(args.caller_bind,), g711_only=True)
    # The trunk's far end listens where the trunk's outbound INVITEs go.
    tcfg = pj.TransportConfig()
    tcfg.port = int(far_port)
    tcfg.boundAddress = far_ip
    p.transports.append(p.ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg))
    far = p.account(Account(answer=(180, 200)), f"sip:{args.dialled}@{far_ip}", 1, rtp_base=46000)

    caller_acc = p.account(pj.Account(), f"sip:+15550003@{args.caller_bind}", 0, rtp_base=52000)
    caller = Call(caller_acc)
    caller.makeCall(f"sip:{args.number}@{args.server}", pj.CallOpParam(True))
    p.wait(lambda: caller.state == pj.PJSIP_INV_STATE_CONFIRMED, "the IVR to answer the caller")
    p.wait(lambda: far.incoming is not None and far.incoming.state == pj.PJSIP_INV_STATE_CONFIRMED
           and far.incoming.media_up and caller.media_up, "the dialled number to ring and answer")
    tmp = tempfile.mkdtemp(prefix="sb-pjsua-dial-")
    sides = talk(tmp, [("caller", caller, CALLER_HZ), ("far", far.incoming, CALLEE_HZ)], p.pump)
    far.incoming.hangup(pj.CallOpParam(True))
    p.wait(lambda: caller.state == pj.PJSIP_INV_STATE_DISCONNECTED, "the IVR to hang the caller up")
    hears_other(sides, ("caller", "the caller"), ("far", "the dialled party"))
    print("caller and dialled party hear each other; the caller went back to the IVR", flush=True)
    p.close()


if __name__ == "__main__":
    main()
