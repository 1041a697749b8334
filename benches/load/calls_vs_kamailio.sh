#!/usr/bin/env bash
# Calls per second at zero failures: SIPp UAC → server → SIPp UAS, Switchboard (a B2BUA
# that anchors both legs' RTP in its media workers) side by side with Kamailio as a
# stateful record-routing proxy between the same SIPp pair, same machine, one run.
#
# Both servers digest-authenticate every new INVITE with 407 (the same SIPp scenario,
# tests/interop/sipp/call_auth_uac.xml, answers it), relay to a SIPp carrier
# (tests/interop/sipp/trunk_uas.xml), and
# see the call through to BYE. For each server the call rate steps up (STEPS), each step
# runs STEP_SECONDS; a step passes when every call succeeds. The figure is the highest
# passing rate. It also prints SIPp's INVITE→200 response-time repartition at that rate
# and Switchboard's own INVITE handling time (arrival to outbound INVITE sent).
#
#   benches/load/calls_vs_kamailio.sh
#   STEPS="100 200 400" STEP_SECONDS=5 benches/load/calls_vs_kamailio.sh
#
# Needs: sipp, kamailio (Debian `sip-tester`, `kamailio`), curl, cargo. Bounded: every SIPp
# run has a global timeout and every process is stopped on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
STEPS="${STEPS:-50 100 200 300 400 600 800 1000 1500 2000}"
STEP_SECONDS="${STEP_SECONDS:-5}"
SIPP_BUFFER="${SIPP_BUFFER:-4194304}"
USER_ID=100001  # SPEC §3: SIP users have 6–12 characters
PASSWORD=secret99
NUMBER=5551234
SB_PORT="${SB_PORT:-5192}"
SB_HTTP="${SB_HTTP:-18092}"
KAM_PORT="${KAM_PORT:-5194}"
UAC_PORT="${UAC_PORT:-5196}"
UAS_IP=127.0.0.2
UAS_PORT="${UAS_PORT:-5198}"
ADMIN=bench-admin-token-0123456789
WORK="$(mktemp -d)"
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ -n "${KEEP:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

for tool in sipp kamailio cargo curl; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done

printf 'SEQUENTIAL\n%s;[authentication username=%s password=%s];%s\n' \
    "$USER_ID" "$USER_ID" "$PASSWORD" "$NUMBER" >"$WORK/callers.csv"

wait_ready() { # port
    for _ in $(seq 1 150); do
        if ss -Huln "sport = :$1" | grep -q .; then return 0; fi
        sleep 0.2
    done
    echo "server on port $1 did not come up" >&2
    return 1
}

UAS_PID=""
start_uas() { # label; the carrier answers pings and every call (180, 200, then BYE's 200)
    sipp -sf "$ROOT/tests/interop/sipp/trunk_uas.xml" -i "$UAS_IP" -p "$UAS_PORT" -buff_size "$SIPP_BUFFER" \
        -trace_err -error_file "$WORK/uas-$1.err" </dev/null >/dev/null 2>&1 &
    UAS_PID=$!
    PIDS+=("$UAS_PID")
    sleep 0.5
}

stop_uas() {
    kill "$UAS_PID" 2>/dev/null || true
    wait "$UAS_PID" 2>/dev/null || true
    sleep 0.5
}

# Highest rate in STEPS at which a STEP_SECONDS run has zero failed calls.
max_rate() { # port label
    local best=0
    for rate in $STEPS; do
        local calls=$((rate * STEP_SECONDS))
        if timeout $((STEP_SECONDS * 4 + 30)) sipp -sf "$ROOT/tests/interop/sipp/call_auth_uac.xml" \
            -inf "$WORK/callers.csv" -i 127.0.0.1 -p "$UAC_PORT" -r "$rate" -m "$calls" \
            -l $((rate * 4)) -buff_size "$SIPP_BUFFER" \
            -timeout $((STEP_SECONDS * 3 + 20))s -timeout_error \
            -trace_stat -stf "$WORK/$2-$rate.csv" \
            "127.0.0.1:$1" </dev/null >"$WORK/$2-$rate.out" 2>&1; then
            best=$rate
            echo "  $2: $rate calls/s x ${STEP_SECONDS}s ok" >&2
        else
            echo "  $2: $rate calls/s failed" >&2
            break
        fi
    done
    echo "$best"
}

# SIPp's INVITE→200 response-time repartition (ms buckets) of the last line of a stats file.
repartition() { # stats.csv
    [ -f "$1" ] || { echo "n/a"; return; }
    python3 - "$1" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=';'))
head, last = rows[0], rows[-1]
cells = [(h, v) for h, v in zip(head, last) if h.startswith('ResponseTimeRepartition1_')]
print(' '.join(f"{h.split('_', 1)[1]}:{v}" for h, v in cells))
PY
}

echo "building the Switchboard server (release)..." >&2
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}" cargo build --quiet --release \
    -p switchboard-server --manifest-path "$ROOT/Cargo.toml"
SB_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/switchboard"

# Switchboard: one call center allowed to dial 555…, a trunk to the UAS, one extension.
# MD5 first: SIPp 3.6 answers only the first challenge, and only MD5. No per-IP rate
# limit: one SIPp address stands for thousands of phones (Kamailio has none either).
printf '[sip]\ndigest_algorithms = ["MD5", "SHA-256"]\nrate_limit = false\n' >"$WORK/sb.toml"
RUST_LOG=warn "$SB_BIN" --config "$WORK/sb.toml" --sip-listen "127.0.0.1:$SB_PORT" --http-listen "127.0.0.1:$SB_HTTP" \
    --data-dir "$WORK/sb" --admin-token "$ADMIN" --rtp-ports 20000-39999 \
    >"$WORK/sb.log" 2>&1 &
PIDS+=($!)
wait_ready "$SB_PORT"
api() { # method path body [token]; prints the answer, fails loudly
    curl -sS --fail-with-body -X "$1" "http://127.0.0.1:$SB_HTTP$2" \
        -H "Authorization: Bearer ${4:-$ADMIN}" -H 'Content-Type: application/json' -d "$3"
}
CC=$(api POST /v1/callcenters '{"name":"bench","settings":{"outbound_patterns":["555."]}}')
CC_ID=$(echo "$CC" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
CC_TOKEN=$(echo "$CC" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["token"])')
api POST /v1/trunks "{\"name\":\"uas\",\"host\":\"$UAS_IP\",\"port\":$UAS_PORT,\"callcenter_id\":\"$CC_ID\",\"inbound_numbers\":[]}" >/dev/null
api POST /v1/callcenter/extension "{\"type\":1,\"user\":\"$USER_ID\",\"password\":\"$PASSWORD\"}" "$CC_TOKEN" >/dev/null
sleep 1 # the routing snapshot reloads behind the API's answer

start_uas switchboard
echo "Switchboard:" >&2
SB_RATE=$(max_rate "$SB_PORT" switchboard)
stop_uas
SB_RTD=$(repartition "$WORK/switchboard-$SB_RATE.csv")
SB_HANDLING=$(curl -sf "http://127.0.0.1:$SB_HTTP/metrics" | grep '^switchboard_invite_handling_duration_seconds' || true)

sed -e "s/__PORT__/$KAM_PORT/" -e "s/__CHILDREN__/$(nproc)/" -e "s/__PASSWORD__/$PASSWORD/" \
    -e "s/__UAS__/$UAS_IP:$UAS_PORT/" "$ROOT/benches/load/kamailio_proxy.cfg" >"$WORK/kamailio.cfg"
mkdir -p "$WORK/kamrun"
kamailio -f "$WORK/kamailio.cfg" -DD -E -Y "$WORK/kamrun" -m 256 -M 16 >"$WORK/kam.log" 2>&1 &
PIDS+=($!)
wait_ready "$KAM_PORT"
start_uas kamailio
echo "Kamailio:" >&2
KAM_RATE=$(max_rate "$KAM_PORT" kamailio)
stop_uas
KAM_RTD=$(repartition "$WORK/kamailio-$KAM_RATE.csv")

echo "load_average=$(cut -d' ' -f1-3 /proc/loadavg)"
echo "switchboard_calls_per_s=$SB_RATE"
echo "kamailio_calls_per_s=$KAM_RATE"
if [ "$KAM_RATE" -gt 0 ]; then
    awk -v s="$SB_RATE" -v k="$KAM_RATE" 'BEGIN { printf "ratio_switchboard_over_kamailio=%.2f\n", s / k }'
fi
echo "switchboard_invite_to_200_ms_repartition: $SB_RTD"
echo "kamailio_invite_to_200_ms_repartition: $KAM_RTD"
echo "switchboard_invite_handling:"
echo "$SB_HANDLING"
