//! Conversion of other sample rates to 8 kHz: a windowed-sinc low-pass at 3.7 kHz
//! (telephone band, below the new Nyquist of 4 kHz) evaluated only at the input samples
//! next to each output instant, then linear interpolation between them. For integer
//! ratios (16, 24, 32, 48 kHz) the output instants fall on input samples and this is a
//! plain FIR decimator.

use crate::SAMPLE_RATE;

/// Low-pass cutoff in Hz: the passband keeps the telephone band up to 3.4 kHz.
const CUTOFF_HZ: f64 = 3_700.0;
/// Transition width the filter length is designed for, in Hz.
const TRANSITION_HZ: f64 = 600.0;
const MAX_TAPS: usize = 1023;

/// Blackman-windowed sinc taps for `rate`, normalised to unity gain at DC.
fn design(rate: u32) -> Vec<f64> {
    // Blackman needs about 5.5 / (transition / rate) taps for ~74 dB stopband.
    let n = ((5.5 * f64::from(rate) / TRANSITION_HZ) as usize | 1).min(MAX_TAPS);
    let fc = CUTOFF_HZ / f64::from(rate);
    let mid = (n / 2) as f64;
    let mut taps: Vec<f64> = (0..n)
        .map(|i| {
            let x = i as f64 - mid;
            let sinc = if x == 0.0 {
                2.0 * fc
            } else {
                (2.0 * std::f64::consts::PI * fc * x).sin() / (std::f64::consts::PI * x)
            };
            let w = 2.0 * std::f64::consts::PI * i as f64 / (n - 1) as f64;
            sinc * (0.42 - 0.5 * w.cos() + 0.08 * (2.0 * w).cos())
        })
        .collect();
    let sum: f64 = taps.iter().sum();
    for t in &mut taps {
        *t /= sum;
    }
    taps
}

fn filtered_at(input: &[i16], taps: &[f64], center: usize) -> f64 {
    let half = taps.len() / 2;
    let mut acc = 0.0;
    for (k, &h) in taps.iter().enumerate() {
        // Index center + k - half, skipping samples outside the input (zero padding).
        if let Some(i) = (center + k).checked_sub(half) {
            if let Some(&x) = input.get(i) {
                acc += h * f64::from(x);
            }
        }
    }
    acc
}

/// Converts `input` at `rate` Hz to 8 kHz. Rates at or below 8 kHz are returned as they
/// are (the WAV reader refuses them before calling this).
pub fn resample_to_8k(input: &[i16], rate: u32) -> Vec<i16> {
    if rate <= SAMPLE_RATE || input.is_empty() {
        return input.to_vec();
    }
    let taps = design(rate);
    let out_len = (input.len() as u64 * u64::from(SAMPLE_RATE) / u64::from(rate)) as usize;
    (0..out_len)
        .map(|n| {
            let num = n as u64 * u64::from(rate);
            let idx = (num / u64::from(SAMPLE_RATE)) as usize;
            let frac = (num % u64::from(SAMPLE_RATE)) as f64 / f64::from(SAMPLE_RATE);
            let a = filtered_at(input, &taps, idx);
            let y = if frac == 0.0 {
                a
            } else {
                a * (1.0 - frac) + filtered_at(input, &taps, idx + 1) * frac
            };
            y.round().clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::goertzel::amplitude;

    fn sine(freq: f64, rate: u32, secs: f64) -> Vec<i16> {
        let n = (f64::from(rate) * secs) as usize;
        (0..n)
            .map(|i| {
                (8000.0 * (std::f64::consts::TAU * freq * i as f64 / f64::from(rate)).sin()) as i16
            })
            .collect()
    }

    #[test]
    fn passband_survives_and_aliases_are_suppressed() {
        for rate in [11_025, 16_000, 22_050, 44_100, 48_000] {
            let pass = resample_to_8k(&sine(1000.0, rate, 0.5), rate);
            assert!(pass.len().abs_diff(4000) <= 1, "{rate}");
            let mid = &pass[1000..1160];
            let a = amplitude(mid, 1000.0);
            assert!((a - 8000.0).abs() < 400.0, "{rate}: passband {a}");
            // 5 kHz would alias to 3 kHz without the low-pass.
            let stop = resample_to_8k(&sine(5000.0, rate, 0.5), rate);
            let alias = amplitude(&stop[1000..1160], 3000.0);
            assert!(alias < 80.0, "{rate}: alias {alias}");
        }
    }
}
