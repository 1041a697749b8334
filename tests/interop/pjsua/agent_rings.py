#!/usr/bin/env python3
"""An agent's PJSIP phone that rings and is never picked up: it registers, lets the first
incoming call ring (180) until the caller gives up (CANCEL), and reports it.

Usage: agent_rings.py HOST:PORT USER PASSWORD
Exits 0 when a call rang and was cancelled; 1 with a message on stderr otherwise. Bounded:
every wait times out.
"""
import argparse

import pjsua2 as pj

from phones import Account, Phones


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("user")
    parser.add_argument("password")
    args = parser.parse_args()

    p = Phones("pjsua agent interop", wait_s=30.0)
    acc = p.account(Account(answer=(180,)), f"sip:{args.user}@{args.server}", 0,
                    f"sip:{args.server}", args.user, args.password)
    p.wait(lambda: acc.codes, "the registration")
    if acc.codes[-1] != 200:
        p.fail(f"REGISTER answered {acc.codes}")
    print("registered", flush=True)
    p.wait(lambda: acc.incoming is not None, "a call to ring")
    print("ringing", flush=True)
    p.wait(lambda: acc.incoming.state == pj.PJSIP_INV_STATE_DISCONNECTED, "the caller to give up")
    print("rang and was cancelled", flush=True)
    p.close()


if __name__ == "__main__":
    main()
