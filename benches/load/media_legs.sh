#!/usr/bin/env bash
# Steps the number of G.711 legs on ONE media worker up to the highest count that runs
# with zero packet loss and zero tick overruns, using the rtp_load example of
# switchboard-mediaworker as generator (batched sendmmsg/recvmmsg from a few sockets).
#
#   benches/load/media_legs.sh [members] [secs-per-step] [pin]
#
# members: 2 or 3 legs per conversation (default 2); secs-per-step: measured seconds per
# step after a 1 s warm-up (default 8; each step is killed after 15 s); pin: 1 pins the
# worker thread to a core (EngineConfig::pin_workers, default 0). Prints one line
# per step and the highest passing count. Note the machine's load first: the worker and
# the generator each want a core. It first prints the socket floor at 1,000 legs (the
# udp_floor example: the same system calls per leg with no media work), the most any
# worker could carry on this machine.
set -euo pipefail

members="${1:-2}"
secs="${2:-8}"
pin="${3:-0}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

cargo build --release --quiet -p switchboard-mediaworker --example rtp_load --example udp_floor
bin="$CARGO_TARGET_DIR/release/examples/rtp_load"

echo "cpu: $(lscpu | grep 'Model name' | sed 's/Model name:[[:space:]]*//') x $(nproc)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "floor: $(timeout 15 "$CARGO_TARGET_DIR/release/examples/udp_floor" --legs 1000 --secs "$secs")"

best=0
for legs in 250 500 1000 1500 2000 2500 3000 3500 4000 5000; do
    line="$(timeout 15 "$bin" --legs "$legs" --members "$members" --secs "$secs" --pin "$pin" || echo "legs=$legs result=TIMEOUT")"
    echo "$line"
    if [[ "$line" == *"result=PASS"* ]]; then
        best="$legs"
    else
        break
    fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "highest leg count with zero loss and zero overruns on one worker: $best"
