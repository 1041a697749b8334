//! The Goertzel algorithm: the power of one frequency in a block of samples, at the cost
//! of one multiply-add per sample. The in-band DTMF detector uses it on the eight DTMF
//! frequencies; tests use it to prove who hears whom in a mix.

use crate::SAMPLE_RATE;

/// A Goertzel filter tuned to one frequency at 8 kHz.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Goertzel {
    coeff: f64,
    freq_hz: f64,
}

impl Goertzel {
    /// A filter for `freq_hz` at [`SAMPLE_RATE`].
    pub fn new(freq_hz: f64) -> Self {
        let w = 2.0 * std::f64::consts::PI * freq_hz / f64::from(SAMPLE_RATE);
        Self {
            coeff: 2.0 * w.cos(),
            freq_hz,
        }
    }

    /// The frequency this filter is tuned to.
    pub fn freq_hz(&self) -> f64 {
        self.freq_hz
    }

    /// Squared magnitude of the frequency's DFT term over `samples`.
    pub fn power(&self, samples: &[i16]) -> f64 {
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        for &x in samples {
            let s0 = f64::from(x) + self.coeff * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        (s1 * s1 + s2 * s2 - self.coeff * s1 * s2).max(0.0)
    }

    /// Estimated amplitude (peak, in sample units) of a sine at this frequency in
    /// `samples`: exact for a sine whose period divides the block, close otherwise.
    pub fn amplitude(&self, samples: &[i16]) -> f64 {
        if samples.is_empty() {
            return 0.0;
        }
        2.0 * self.power(samples).sqrt() / samples.len() as f64
    }
}

/// Amplitude of `freq_hz` in `samples` (see [`Goertzel::amplitude`]).
pub fn amplitude(samples: &[i16], freq_hz: f64) -> f64 {
    Goertzel::new(freq_hz).amplitude(samples)
}

/// Mean signal energy per sample, the reference the detectors compare tone powers to.
pub fn energy(samples: &[i16]) -> f64 {
    samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, amp: f64, n: usize) -> Vec<i16> {
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(SAMPLE_RATE);
                (amp * (2.0 * std::f64::consts::PI * freq * t).sin()).round() as i16
            })
            .collect()
    }

    #[test]
    fn measures_the_amplitude_of_an_on_bin_sine() {
        let s = sine(1000.0, 8000.0, 160);
        let a = amplitude(&s, 1000.0);
        assert!((a - 8000.0).abs() < 20.0, "{a}");
    }

    #[test]
    fn rejects_other_bins() {
        let s = sine(1000.0, 8000.0, 160);
        assert!(amplitude(&s, 1100.0) < 20.0);
        assert!(amplitude(&s, 450.0) < 200.0);
    }

    #[test]
    fn empty_block_has_no_amplitude() {
        assert_eq!(amplitude(&[], 1000.0), 0.0);
    }
}
