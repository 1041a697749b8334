//! A call center's media files (IVR and queue prompts), kept as plain files under the data
//! directory: `<root>/<callcenter_id>/<file_name>`. Writes are atomic (a temporary file renamed
//! into place), so a crash never leaves half a prompt. Blocking: call it off the async threads.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::CallCenterId;

/// One stored file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileMeta {
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification, ms since the Unix epoch.
    pub modified_at: u64,
}

impl FileMeta {
    /// How long the file plays, in milliseconds, read as what every WAV Switchboard writes
    /// or accepts is: 8 kHz 16-bit mono PCM (16 bytes a millisecond) after a 44-byte header.
    pub fn pcm_duration_ms(&self) -> u64 {
        self.size.saturating_sub(44) / 16
    }
}

/// The directory of media files of every call center.
#[derive(Debug, Clone)]
pub struct FileLibrary {
    root: PathBuf,
}

/// Whether `name` is acceptable as a file name: 1–128 of `[A-Za-z0-9._-]`, not starting with a
/// dot, so it can never leave its directory or hide.
pub fn valid_file_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

impl FileLibrary {
    /// A library rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn dir(&self, cc: &CallCenterId) -> PathBuf {
        self.root.join(cc.as_str())
    }

    fn path(&self, cc: &CallCenterId, name: &str) -> std::io::Result<PathBuf> {
        if valid_file_name(name) && valid_file_name(cc.as_str()) {
            Ok(self.dir(cc).join(name))
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "invalid file name",
            ))
        }
    }

    /// Writes a file atomically, replacing any earlier one of that name.
    pub fn put(&self, cc: &CallCenterId, name: &str, bytes: &[u8]) -> std::io::Result<FileMeta> {
        let path = self.path(cc, name)?;
        std::fs::create_dir_all(self.dir(cc))?;
        let tmp = self
            .dir(cc)
            .join(format!(".{name}.{}.tmp", std::process::id()));
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &path)?;
        meta(&path)
    }

    /// A file's contents, or `None` when there is no such file.
    pub fn read(&self, cc: &CallCenterId, name: &str) -> std::io::Result<Option<Vec<u8>>> {
        match std::fs::read(self.path(cc, name)?) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A file opened for reading with its metadata (taken from the open handle, so the two
    /// agree even if the name is replaced meanwhile), or `None` when there is no such file.
    /// For serving large files (recordings) without reading them whole.
    pub fn open(
        &self,
        cc: &CallCenterId,
        name: &str,
    ) -> std::io::Result<Option<(std::fs::File, FileMeta)>> {
        let file = match std::fs::File::open(self.path(cc, name)?) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let m = file.metadata()?;
        if !m.is_file() {
            return Ok(None);
        }
        let meta = FileMeta {
            name: name.to_owned(),
            size: m.len(),
            modified_at: modified_ms(&m),
        };
        Ok(Some((file, meta)))
    }

    /// A file's metadata, or `None`.
    pub fn stat(&self, cc: &CallCenterId, name: &str) -> std::io::Result<Option<FileMeta>> {
        match meta(&self.path(cc, name)?) {
            Ok(m) => Ok(Some(m)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every file of a call center, by name.
    pub fn list(&self, cc: &CallCenterId) -> std::io::Result<Vec<FileMeta>> {
        let entries = match std::fs::read_dir(self.dir(cc)) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if valid_file_name(&name) && entry.file_type()?.is_file() {
                out.push(meta(&entry.path())?);
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Where a file that is produced over time (a recording) is written before
    /// [`FileLibrary::adopt`] publishes it as `name`: a hidden path in the call center's
    /// directory, which [`FileLibrary::list`] skips, so a half-written file is never served.
    /// Creates the directory.
    pub fn staging_path(&self, cc: &CallCenterId, name: &str) -> std::io::Result<PathBuf> {
        let path = self.path(cc, name)?;
        std::fs::create_dir_all(self.dir(cc))?;
        Ok(path.with_file_name(format!(".{name}.partial")))
    }

    /// Publishes a finished file from [`FileLibrary::staging_path`] as `name`, atomically
    /// (a rename within the directory), replacing any earlier one of that name.
    pub fn adopt(&self, cc: &CallCenterId, name: &str, staged: &Path) -> std::io::Result<FileMeta> {
        let path = self.path(cc, name)?;
        std::fs::rename(staged, &path)?;
        meta(&path)
    }

    /// Deletes every file of a call center (its prompts and recordings), for when the call
    /// center itself is deleted. Nothing to delete is not an error.
    pub fn delete_all(&self, cc: &CallCenterId) -> std::io::Result<()> {
        if !valid_file_name(cc.as_str()) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a valid call center id",
            ));
        }
        match std::fs::remove_dir_all(self.dir(cc)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Deletes a file; `false` when there was none.
    pub fn delete(&self, cc: &CallCenterId, name: &str) -> std::io::Result<bool> {
        match std::fs::remove_file(self.path(cc, name)?) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
}

fn modified_ms(m: &std::fs::Metadata) -> u64 {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

fn meta(path: &Path) -> std::io::Result<FileMeta> {
    let m = std::fs::metadata(path)?;
    let modified_at = modified_ms(&m);
    Ok(FileMeta {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        size: m.len(),
        modified_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape_or_hide() {
        for ok in ["hold.wav", "wait_voice-2.wav", "a"] {
            assert!(valid_file_name(ok), "{ok}");
        }
        for bad in [
            "",
            ".hidden.wav",
            "../x.wav",
            "a/b.wav",
            "a\\b",
            "x y.wav",
            &"a".repeat(129),
        ] {
            assert!(!valid_file_name(bad), "{bad}");
        }
    }

    #[test]
    fn put_list_read_delete_per_callcenter() {
        let dir = tempfile::tempdir().unwrap();
        let lib = FileLibrary::new(dir.path().join("media"));
        let a = CallCenterId::from("aaaa");
        let b = CallCenterId::from("bbbb");
        assert!(lib.list(&a).unwrap().is_empty());
        lib.put(&a, "hold.wav", b"one").unwrap();
        let m = lib.put(&a, "hold.wav", b"three").unwrap();
        assert_eq!((m.name.as_str(), m.size), ("hold.wav", 5));
        lib.put(&a, "beep.wav", b"x").unwrap();
        let names: Vec<_> = lib.list(&a).unwrap().into_iter().map(|m| m.name).collect();
        assert_eq!(
            names,
            ["beep.wav", "hold.wav"],
            "sorted, no temporary files"
        );
        assert_eq!(lib.read(&a, "hold.wav").unwrap().unwrap(), b"three");
        assert_eq!(
            lib.read(&b, "hold.wav").unwrap(),
            None,
            "b sees nothing of a's"
        );
        assert!(lib.put(&a, "../escape.wav", b"x").is_err());
        let staged = lib.staging_path(&a, "rec.wav").unwrap();
        std::fs::write(&staged, b"partial").unwrap();
        assert!(
            lib.list(&a).unwrap().iter().all(|m| m.name != "rec.wav"),
            "a staged file is not listed"
        );
        assert_eq!(lib.adopt(&a, "rec.wav", &staged).unwrap().size, 7);
        assert_eq!(lib.read(&a, "rec.wav").unwrap().unwrap(), b"partial");
        assert!(lib.staging_path(&a, "../x.wav").is_err());
        let (mut file, opened) = lib.open(&a, "rec.wav").unwrap().unwrap();
        assert_eq!((opened.name.as_str(), opened.size), ("rec.wav", 7));
        let mut text = String::new();
        std::io::Read::read_to_string(&mut file, &mut text).unwrap();
        assert_eq!(text, "partial");
        assert!(lib.open(&b, "rec.wav").unwrap().is_none(), "not b's");
        assert!(lib.open(&a, "../rec.wav").is_err());
        assert!(lib.delete(&a, "hold.wav").unwrap());
        assert!(!lib.delete(&a, "hold.wav").unwrap());
    }
}
