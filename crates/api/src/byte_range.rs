//! The `Range` request header, for one byte range (RFC 9110 §14.1.2, §14.2).
//!
//! Only a single range is served: a request for several, or in a unit other than `bytes`, or
//! one that does not parse, is answered whole, as RFC 9110 §14.2 lets a server ignore `Range`.
//! A well-formed range that starts past the end is [`Unsatisfiable`] (HTTP 416).

/// A half-open span of a file's bytes, `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
}

/// The range asked for lies wholly outside the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsatisfiable;

impl ByteRange {
    /// The whole of a file of `size` bytes.
    pub fn whole(size: u64) -> Self {
        Self {
            start: 0,
            end: size,
        }
    }

    /// How many bytes the range holds.
    pub fn len(self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// Whether the range holds nothing.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// Whether the range is all of a file of `size` bytes.
    pub fn is_whole(self, size: u64) -> bool {
        self == Self::whole(size)
    }

    /// The `Content-Range` value of a 206 answer: `bytes first-last/size`.
    pub fn content_range(self, size: u64) -> String {
        format!("bytes {}-{}/{size}", self.start, self.end.saturating_sub(1))
    }
}

fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // All digits: only overflow can fail, and so large a position is past any file.
    Some(text.parse().unwrap_or(u64::MAX))
}

/// Reads a `Range` header against a file of `size` bytes: `Ok(Some(range))` to serve a part,
/// `Ok(None)` to ignore the header and serve the whole file.
pub fn parse(header: &str, size: u64) -> Result<Option<ByteRange>, Unsatisfiable> {
    let Some((unit, spec)) = header.trim().split_once('=') else {
        return Ok(None);
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return Ok(None);
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // A suffix: the last `n` bytes.
        let Some(n) = number(last) else {
            return Ok(None);
        };
        if n == 0 || size == 0 {
            return Err(Unsatisfiable);
        }
        return Ok(Some(ByteRange {
            start: size - n.min(size),
            end: size,
        }));
    }
    let Some(start) = number(first) else {
        return Ok(None);
    };
    let end = if last.is_empty() {
        size
    } else {
        match number(last) {
            Some(l) if l >= start => l.saturating_add(1).min(size),
            _ => return Ok(None),
        }
    };
    if start >= size {
        return Err(Unsatisfiable);
    }
    Ok(Some(ByteRange { start, end }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(start: u64, end: u64) -> Result<Option<ByteRange>, Unsatisfiable> {
        Ok(Some(ByteRange { start, end }))
    }

    #[test]
    fn the_three_forms_of_one_range() {
        assert_eq!(parse("bytes=0-99", 1000), range(0, 100));
        assert_eq!(parse("bytes=900-", 1000), range(900, 1000));
        assert_eq!(parse("bytes=-100", 1000), range(900, 1000));
        assert_eq!(parse("Bytes = 10 - 19", 1000), range(10, 20));
    }

    #[test]
    fn ranges_are_clipped_to_the_file() {
        assert_eq!(parse("bytes=990-2000", 1000), range(990, 1000));
        assert_eq!(parse("bytes=-5000", 1000), range(0, 1000));
        assert_eq!(
            parse("bytes=0-99999999999999999999999", 1000),
            range(0, 1000)
        );
        assert_eq!(parse("bytes=999-999", 1000), range(999, 1000));
    }

    #[test]
    fn past_the_end_is_unsatisfiable() {
        assert_eq!(parse("bytes=1000-", 1000), Err(Unsatisfiable));
        assert_eq!(parse("bytes=1000-1001", 1000), Err(Unsatisfiable));
        assert_eq!(parse("bytes=-0", 1000), Err(Unsatisfiable));
        assert_eq!(parse("bytes=0-", 0), Err(Unsatisfiable));
        assert_eq!(parse("bytes=-1", 0), Err(Unsatisfiable));
    }

    #[test]
    fn anything_else_is_ignored() {
        for ignored in [
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=5-1",
            "bytes=a-b",
            "bytes=+1-2",
            "bytes=-",
            "bytes",
            "",
            "bytes=1",
        ] {
            assert_eq!(parse(ignored, 1000), Ok(None), "{ignored:?}");
        }
    }

    #[test]
    fn content_range_names_the_last_byte() {
        let r = ByteRange { start: 0, end: 100 };
        assert_eq!(r.content_range(1000), "bytes 0-99/1000");
        assert_eq!(r.len(), 100);
        assert!(!r.is_whole(1000) && r.is_whole(100));
        assert!(ByteRange::whole(0).is_empty());
    }
}
