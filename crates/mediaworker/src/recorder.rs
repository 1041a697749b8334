//! Recording off the tick: the mixer's sink hands frames to a bounded channel and a
//! writer thread does the file I/O, so a slow disk never delays a tick.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};

use sb_media::mixer::FrameSink;
use sb_media::wav::{WavEncoding, WavError, WavWriter};
use sb_media::Frame;

use crate::command::{ConversationId, Event};

/// Frames buffered between the tick and the writer: 5 s of audio.
const BUFFERED_FRAMES: usize = 250;

/// The tick's end of a recording.
#[derive(Debug)]
struct ChannelSink {
    frames: SyncSender<Frame>,
}

impl FrameSink for ChannelSink {
    fn write_frame(&mut self, frame: &Frame) -> Result<(), WavError> {
        match self.frames.try_send(*frame) {
            // A writer 5 s behind loses frames rather than stall the tick.
            Ok(()) | Err(TrySendError::Full(_)) => Ok(()),
            Err(TrySendError::Disconnected(_)) => {
                Err(WavError::Io(std::io::ErrorKind::BrokenPipe.into()))
            }
        }
    }

    fn finish(self: Box<Self>) -> Result<(), WavError> {
        // Dropping the sender tells the writer to complete the file.
        Ok(())
    }
}

/// Creates `path` (as 16-bit PCM WAV) and starts its writer thread; the returned sink
/// goes to the mixer. The writer reports [`Event::RecordingFinished`] or
/// [`Event::RecordingFailed`] when it ends.
pub(crate) fn start(
    path: &Path,
    conversation: ConversationId,
    events: SyncSender<Event>,
) -> Result<Box<dyn FrameSink>, WavError> {
    let file = BufWriter::new(File::create(path)?);
    let writer = WavWriter::new(file, WavEncoding::Pcm16)?;
    let (tx, rx) = sync_channel(BUFFERED_FRAMES);
    let path = path.to_path_buf();
    std::thread::Builder::new()
        .name("media-recorder".into())
        .spawn(move || write_all(writer, rx, conversation, path, events))?;
    Ok(Box::new(ChannelSink { frames: tx }))
}

fn write_all(
    mut writer: WavWriter<BufWriter<File>>,
    frames: Receiver<Frame>,
    conversation: ConversationId,
    path: PathBuf,
    events: SyncSender<Event>,
) {
    let outcome = frames
        .iter()
        .try_for_each(|f| writer.write(&f))
        .and_then(|()| {
            let samples = writer.samples();
            writer.finish().map(|_| samples)
        });
    let event = match outcome {
        Ok(samples) => Event::RecordingFinished {
            conversation,
            path,
            samples,
        },
        Err(error) => Event::RecordingFailed {
            conversation,
            path,
            error,
        },
    };
    // This thread may wait for the consumer; only the tick must never block.
    let _ = events.send(event);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn frames_become_a_wav_file_when_the_sink_finishes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rec.wav");
        let (tx, rx) = sync_channel(4);
        let mut sink = start(&path, ConversationId(3), tx).unwrap();
        for v in 0..10i16 {
            sink.write_frame(&[v; 160]).unwrap();
        }
        sink.finish().unwrap();
        match rx.recv_timeout(Duration::from_secs(5)).unwrap() {
            Event::RecordingFinished {
                samples, path: p, ..
            } => {
                assert_eq!(samples, 1600);
                assert_eq!(p, path);
            }
            other => panic!("unexpected {other:?}"),
        }
        let pcm = sb_media::wav::decode(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(pcm.len(), 1600);
        assert_eq!(pcm[1599], 9);
    }

    #[test]
    fn an_unwritable_path_fails_at_once() {
        let (tx, _rx) = sync_channel(1);
        let err = start(Path::new("/nonexistent/dir/x.wav"), ConversationId(1), tx).unwrap_err();
        assert!(matches!(err, WavError::Io(_)));
    }
}
