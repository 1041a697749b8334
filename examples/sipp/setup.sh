#!/usr/bin/env bash
# Prepares a local Switchboard for the SIPp examples, through its REST API:
#   - USERS type-1 extensions sipp100000… (password secret99) and users.csv, the injection
#     file of register_storm.xml;
#   - a trunk from TRUNK_HOST whose inbound number NUMBER starts the call center's IVR,
#     for trunk_calls.xml;
#   - the call center's ivr_url pointed at IVR_URL (the ivr_app example).
#
#   ADMIN=sb_… TOKEN=sb_… examples/sipp/setup.sh            # the tokens of the first start
#   USERS=500 OUT=/tmp/users.csv ADMIN=… TOKEN=… examples/sipp/setup.sh
#
# Needs curl and python3 (to read the JSON answers). Extensions that already exist are kept.
set -euo pipefail

API="${API:-http://127.0.0.1:8080/v1}"
USERS="${USERS:-100}"
FIRST="${FIRST:-100000}"
PASSWORD="${PASSWORD:-secret99}"
OUT="${OUT:-users.csv}"
TRUNK_HOST="${TRUNK_HOST:-127.0.0.2}"
NUMBER="${NUMBER:-4008001234}"
IVR_URL="${IVR_URL:-http://127.0.0.1:9000/ivr}"
: "${ADMIN:?set ADMIN to the admin token}" "${TOKEN:?set TOKEN to the API token of the call center}"

call() { # method path token [json]
    curl -sS --max-time 10 -X "$1" -H "Authorization: Bearer $3" \
        -H 'Content-Type: application/json' ${4:+-d "$4"} "$API$2"
}
field() { # name: reads an envelope on stdin, prints data.<name> or fails with msg
    python3 -c 'import json,sys
e = json.load(sys.stdin)
if e.get("code") != "000000": sys.exit("refused: " + e.get("msg", "?"))
print(e["data"][sys.argv[1]])' "$1"
}

CC=$(call GET /callcenter "$TOKEN" | field id)
echo "call center $CC" >&2

{
    echo SEQUENTIAL
    for ((u = FIRST; u < FIRST + USERS; u++)); do
        user="sipp$u"
        answer=$(call POST /callcenter/extension "$TOKEN" \
            "{\"type\": 1, \"user\": \"$user\", \"password\": \"$PASSWORD\"}")
        case "$answer" in
            *'"000000"'*|*already*|*exists*|*taken*) ;;
            *) echo "extension $user: $answer" >&2; exit 1 ;;
        esac
        echo "$user;[authentication username=$user password=$PASSWORD]"
    done
} > "$OUT"
echo "$USERS extensions; injection file $OUT" >&2

call POST "/callcenters/$CC" "$ADMIN" "{\"ivr_url\": \"$IVR_URL\"}" | field ivr_url >&2
call POST /trunks "$ADMIN" "{\"name\": \"sipp-carrier\", \"host\": \"$TRUNK_HOST\",
    \"callcenter_id\": \"$CC\", \"inbound_numbers\": [\"$NUMBER\"]}" | field id >&2 \
    || echo "(a trunk for $TRUNK_HOST may already exist)" >&2
echo "calls from $TRUNK_HOST to $NUMBER now start the IVR at $IVR_URL" >&2
