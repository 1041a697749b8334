//! The mixer's tick is allocation-free once members are added: a counting allocator
//! watches this thread while thousands of ticks run with every kind of delivery (own
//! mixes, shared encodes, silence, hold music, a member prompt and a recording).

// Counting allocations needs a `GlobalAlloc` impl, which is unsafe by definition; it only
// forwards to the system allocator.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use switchboard_media::mixer::{FrameSink, MemberId, Mixer, MixerConfig, PlayId, VoiceMode};
use switchboard_media::player::{Player, Prompt};
use switchboard_media::wav::WavError;
use switchboard_media::Frame;

use crate::support::*;

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call forwards unchanged to `System`; the counter is a thread-local Cell
// with const initialisation, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A recording sink that keeps a running checksum instead of storing.
#[derive(Debug, Default)]
struct Checksum(i64);

impl FrameSink for Checksum {
    fn write_frame(&mut self, frame: &Frame) -> Result<(), WavError> {
        self.0 += frame.iter().map(|&s| i64::from(s)).sum::<i64>();
        Ok(())
    }
    fn finish(self: Box<Self>) -> Result<(), WavError> {
        Ok(())
    }
}

#[test]
fn ticks_do_not_allocate() {
    let modes = [
        VoiceMode::Both,
        VoiceMode::Both,
        VoiceMode::HeardOnly,
        VoiceMode::PlayedOnly,
        VoiceMode::PlayedOnly,
        VoiceMode::Neither,
    ];
    let mut mx = Mixer::new(MixerConfig::default());
    for (i, &m) in modes.iter().enumerate() {
        mx.add_member(MemberId(i as u64), m, codec_for(i)).unwrap();
    }
    mx.set_hold_prompt(Some(Prompt::from_samples(vec![100i16; 1000])));
    mx.play_to_member(
        MemberId(5),
        PlayId(1),
        Player::looped(Prompt::from_samples(vec![50i16; 700])),
    )
    .unwrap();
    mx.start_recording(Box::new(Checksum::default())).unwrap();
    let frames: Vec<_> = (0..modes.len()).map(|i| tone_frame(i, 0)).collect();
    let tick = |mx: &mut Mixer, t: u64| {
        let out = mx.mix(
            frames
                .iter()
                .enumerate()
                .map(|(i, f)| (MemberId(i as u64), (t % 3 != i as u64 % 3).then_some(f))),
        );
        out.payload(MemberId(0)).map(|p| p[0])
    };
    // The counter sees this thread's allocations.
    let probe_before = ALLOCS.with(Cell::get);
    let probe = std::hint::black_box(Vec::<u8>::with_capacity(64));
    assert!(ALLOCS.with(Cell::get) > probe_before);
    drop(probe);
    // Warm-up, then count.
    tick(&mut mx, 0);
    let before = ALLOCS.with(Cell::get);
    for t in 1..3000 {
        // Halfway, every member but one goes on hold so the hold music plays too.
        if t == 1500 {
            for i in 1..modes.len() {
                mx.set_mode(MemberId(i as u64), VoiceMode::Neither).unwrap();
            }
        }
        tick(&mut mx, t);
    }
    let after = ALLOCS.with(Cell::get);
    assert_eq!(after - before, 0, "allocations during 3000 ticks");
    assert_eq!(mx.ticks(), 3000);
    assert_eq!(mx.len(), modes.len());
}
