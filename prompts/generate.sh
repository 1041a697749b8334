#!/usr/bin/env bash
# Regenerates Switchboard's built-in prompts: spoken digits 0-9 (for `play_num`), a beep and
# the default hold music. All are 8 kHz mono 16-bit PCM WAV, small enough to compile into the
# media crate with include_bytes!.
#
# Needs Debian's espeak-ng and sox:  apt-get install -y espeak-ng sox
# Run from anywhere:                 bash prompts/generate.sh
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Same encoding for every file: 8 kHz, mono, signed 16-bit little-endian PCM.
out_fmt=(-r 8000 -c 1 -b 16 -e signed-integer)

words=(zero one two three four five six seven eight nine)
for n in "${!words[@]}"; do
  espeak-ng -v en-us -s 150 -a 150 -w "$tmp/raw_$n.wav" "${words[$n]}"
  # Trim leading/trailing silence, band-limit for the telephone, normalise to -3 dBFS and
  # leave 60 ms of silence after the word so digits read one after another stay distinct.
  sox "$tmp/raw_$n.wav" "${out_fmt[@]}" "digit_$n.wav" \
    silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse \
    sinc 200-3400 norm -3 pad 0 0.06
done

# Beep: 1 kHz for 250 ms, with 10 ms ramps so it does not click.
sox -n "${out_fmt[@]}" beep.wav synth 0.25 sine 1000 fade q 0.01 0.25 0.01 vol 0.5

# Hold music: a slow I-vi-IV-V progression (C, Am, F, G) of soft sine chords with a gentle
# attack and release, 2 s per chord, 8 s in all so it loops without a jump.
chord() { # name f1 f2 f3 bass
  sox -n -r 8000 -b 16 -c 4 "$tmp/$1.wav" synth 2 sine "$2" sine "$3" sine "$4" sine "$5" \
    remix - fade q 0.35 2 0.45 vol 0.22
}
chord c  261.63 329.63 392.00 130.81
chord am 220.00 261.63 329.63 110.00
chord f  174.61 220.00 261.63  87.31
chord g  196.00 246.94 293.66  98.00
sox "$tmp/c.wav" "$tmp/am.wav" "$tmp/f.wav" "$tmp/g.wav" "${out_fmt[@]}" hold_music.wav \
  lowpass 2000 norm -6

ls -l ./*.wav
