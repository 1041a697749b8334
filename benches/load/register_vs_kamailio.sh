#!/usr/bin/env bash
# REGISTER-with-digest throughput: Switchboard's registrar vs Kamailio's, same SIPp
# scenario (tests/interop/sipp/register_digest.xml), same machine, one run.
#
# For each server the call rate steps up (STEPS) and each step runs STEP_SECONDS; a step
# passes when every REGISTER pair (401 then 200) succeeds. The figure is the highest
# passing rate. Prints both figures and their ratio.
#
#   benches/load/register_vs_kamailio.sh            # defaults
#   STEPS="500 1000 2000" STEP_SECONDS=5 USERS=1000 benches/load/register_vs_kamailio.sh
#
# Needs: sipp, kamailio (Debian packages `sip-tester`, `kamailio`), cargo. Bounded: every
# SIPp run has a global timeout and both servers are stopped on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
STEPS="${STEPS:-250 500 1000 1500 2000 3000 4000 6000 8000 12000}"
STEP_SECONDS="${STEP_SECONDS:-5}"
USERS="${USERS:-1000}"
# SIPp's own UDP socket buffer. Its default (128 KiB, some 60 responses) overflows whenever
# SIPp is descheduled for ~10 ms at a few thousand REGISTERs a second, and runs use -nr
# (no retransmissions), so those drops would be charged to the server under test.
SIPP_BUFFER="${SIPP_BUFFER:-4194304}"
FIRST_USER=100000
PASSWORD=secret99
SB_PORT="${SB_PORT:-5092}"
KAM_PORT="${KAM_PORT:-5094}"
SIPP_PORT="${SIPP_PORT:-5096}"
SCENARIO="$ROOT/tests/interop/sipp/register_digest.xml"
WORK="$(mktemp -d)"
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

for tool in sipp kamailio cargo; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done

# One injection line per user; SIPp 3.6 does not expand fields nested in [authentication].
{
    echo SEQUENTIAL
    for ((u = FIRST_USER; u < FIRST_USER + USERS; u++)); do
        echo "$u;[authentication username=$u password=$PASSWORD]"
    done
} > "$WORK/users.csv"

wait_ready() { # port
    for _ in $(seq 1 100); do
        if ss -Huln "sport = :$1" | grep -q .; then return 0; fi
        sleep 0.2
    done
    echo "server on port $1 did not come up" >&2
    return 1
}

# Highest rate in STEPS at which a STEP_SECONDS run has zero failed calls.
max_rate() { # port label
    local best=0
    for rate in $STEPS; do
        local calls=$((rate * STEP_SECONDS))
        if timeout $((STEP_SECONDS * 4 + 20)) sipp -sf "$SCENARIO" -inf "$WORK/users.csv" \
            -i 127.0.0.1 -p "$SIPP_PORT" -r "$rate" -m "$calls" -l $((rate * 4)) \
            -buff_size "$SIPP_BUFFER" \
            -timeout $((STEP_SECONDS * 3 + 10))s -timeout_error -nr \
            -trace_stat -stf "$WORK/$2-$rate.csv" \
            "127.0.0.1:$1" </dev/null >"$WORK/$2-$rate.out" 2>&1; then
            best=$rate
            echo "  $2: $rate REGISTER/s x ${STEP_SECONDS}s ok" >&2
        else
            echo "  $2: $rate REGISTER/s failed" >&2
            break
        fi
    done
    echo "$best"
}

echo "building the Switchboard registrar (release)..." >&2
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}" cargo build --quiet --release \
    -p switchboard-engine --example registrar --manifest-path "$ROOT/Cargo.toml"
SB_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/registrar"

# Switchboard. --md5-first: SIPp 3.6 answers only the first challenge, and only MD5.
mkfifo "$WORK/sb.stdin"
"$SB_BIN" --listen "127.0.0.1:$SB_PORT" --users "$USERS" --first "$FIRST_USER" \
    --password "$PASSWORD" --md5-first <"$WORK/sb.stdin" >"$WORK/sb.log" 2>&1 &
PIDS+=($!)
exec 3>"$WORK/sb.stdin"
wait_ready "$SB_PORT"
echo "Switchboard:" >&2
SB_RATE=$(max_rate "$SB_PORT" switchboard)
exec 3>&-

# Kamailio with one worker per core, like Switchboard's runtime on this machine.
sed -e "s/__PORT__/$KAM_PORT/" -e "s/__CHILDREN__/$(nproc)/" -e "s/__PASSWORD__/$PASSWORD/" \
    "$ROOT/benches/load/kamailio_registrar.cfg" >"$WORK/kamailio.cfg"
mkdir -p "$WORK/kamrun"
kamailio -f "$WORK/kamailio.cfg" -DD -E -Y "$WORK/kamrun" -m 256 -M 16 >"$WORK/kam.log" 2>&1 &
PIDS+=($!)
wait_ready "$KAM_PORT"
echo "Kamailio:" >&2
KAM_RATE=$(max_rate "$KAM_PORT" kamailio)

echo "load_average=$(cut -d' ' -f1-3 /proc/loadavg)"
echo "switchboard_register_per_s=$SB_RATE"
echo "kamailio_register_per_s=$KAM_RATE"
if [ "$KAM_RATE" -gt 0 ]; then
    awk -v s="$SB_RATE" -v k="$KAM_RATE" 'BEGIN { printf "ratio_switchboard_over_kamailio=%.2f\n", s / k }'
fi
