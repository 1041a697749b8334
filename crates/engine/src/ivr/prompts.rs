//! Turning an IVR document's prompt (a file name, a URL, a built-in prompt) into audio.
//!
//! A file name is looked up first in the call center's media library (so a call center can
//! replace a built-in prompt with its own), then among the built-in prompts (`beep`,
//! `hold_music`, `digit_0` … `digit_9`, with or without `.wav`). An `http(s)` URL is fetched
//! once, within a size limit, validated as a WAV file and kept on disk under the cache
//! directory (named by the URL's SHA-256), and in memory for the calls that follow.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sb_ivr::model::{BuiltinPrompt, Source};
use sb_media::builtin;
use sb_media::player::Prompt;
use sb_media::wav::WavError;
use sb_store::{CallCenterId, FileLibrary};
use sha2::{Digest as _, Sha256};

use super::http::{self, FetchError, FetchPolicy, Request};

/// Decoded URL prompts kept in memory; past this many the memory cache starts over (the
/// disk cache keeps them all).
const MEMORY_CACHE_ENTRIES: usize = 256;

/// Why a prompt could not be resolved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PromptError {
    /// No media file, no built-in prompt of that name.
    #[error("no media file or built-in prompt named `{name}`")]
    NotFound {
        /// The name asked for.
        name: String,
    },
    /// The file is not a WAV file this server plays.
    #[error("`{name}` is not a playable WAV file: {source}")]
    Wav {
        /// The file name or URL.
        name: String,
        /// What the reader found.
        #[source]
        source: WavError,
    },
    /// The URL could not be fetched.
    #[error("fetching `{url}` failed: {source}")]
    Fetch {
        /// The URL.
        url: String,
        /// Why.
        #[source]
        source: FetchError,
    },
    /// Reading the library or the cache failed.
    #[error("reading `{name}` failed: {source}")]
    Io {
        /// The file name or URL.
        name: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A kind of source this server does not know.
    #[error("unsupported prompt source")]
    Unsupported,
}

/// Resolves prompts for every IVR session. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PromptResolver {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    files: Option<FileLibrary>,
    cache_dir: PathBuf,
    client: reqwest::Client,
    policy: FetchPolicy,
    memory: Mutex<HashMap<String, Prompt>>,
}

impl PromptResolver {
    /// A resolver reading call centers' files from `files` (none: only built-in prompts and
    /// URLs), caching downloads under `cache_dir`, fetching with `client` under `policy`
    /// (whose `max_bytes` bounds a download).
    pub fn new(
        files: Option<FileLibrary>,
        cache_dir: impl Into<PathBuf>,
        client: reqwest::Client,
        policy: FetchPolicy,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                files,
                cache_dir: cache_dir.into(),
                client,
                policy,
                memory: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The audio of `source` for call center `cc`.
    pub async fn resolve(&self, cc: &CallCenterId, source: &Source) -> Result<Prompt, PromptError> {
        match source {
            Source::File(name) => self.file(cc, name).await,
            Source::Url(url) => self.url(url).await,
            Source::Builtin(BuiltinPrompt::Beep) => Ok(builtin::beep()),
            _ => Err(PromptError::Unsupported),
        }
    }

    async fn file(&self, cc: &CallCenterId, name: &str) -> Result<Prompt, PromptError> {
        let bytes = match &self.inner.files {
            Some(files) => {
                let (files, cc, owned) = (files.clone(), cc.clone(), name.to_owned());
                blocking(name, move || match files.read(&cc, &owned) {
                    // A name the library refuses can still be a built-in prompt's.
                    Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => Ok(None),
                    other => other,
                })
                .await?
            }
            None => None,
        };
        match bytes {
            Some(bytes) => decode(name, &bytes),
            None => builtin_named(name).ok_or_else(|| PromptError::NotFound {
                name: name.to_owned(),
            }),
        }
    }

    async fn url(&self, url: &str) -> Result<Prompt, PromptError> {
        if let Some(prompt) = self.remembered(url) {
            return Ok(prompt);
        }
        let path = self.inner.cache_dir.join(cache_name(url));
        let cached = {
            let path = path.clone();
            blocking(url, move || match std::fs::read(&path) {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            })
            .await?
        };
        let prompt = match cached {
            Some(bytes) => decode(url, &bytes)?,
            None => self.download(url, path).await?,
        };
        self.remember(url, &prompt);
        Ok(prompt)
    }

    /// Fetches, validates, then stores atomically: only a playable file reaches the cache.
    async fn download(&self, url: &str, path: PathBuf) -> Result<Prompt, PromptError> {
        let inner = &self.inner;
        let bytes = http::fetch(&inner.client, &inner.policy, Request::Get(url))
            .await
            .map_err(|source| PromptError::Fetch {
                url: url.to_owned(),
                source,
            })?;
        let prompt = decode(url, &bytes)?;
        let dir = inner.cache_dir.clone();
        blocking(url, move || write_atomically(&dir, &path, &bytes)).await?;
        Ok(prompt)
    }

    fn remembered(&self, url: &str) -> Option<Prompt> {
        let memory = self.inner.memory.lock().unwrap_or_else(|p| p.into_inner());
        memory.get(url).cloned()
    }

    fn remember(&self, url: &str, prompt: &Prompt) {
        let mut memory = self.inner.memory.lock().unwrap_or_else(|p| p.into_inner());
        if memory.len() >= MEMORY_CACHE_ENTRIES {
            memory.clear();
        }
        memory.insert(url.to_owned(), prompt.clone());
    }
}

/// The built-in prompt a file name means, if any.
pub fn builtin_named(name: &str) -> Option<Prompt> {
    let stem = name.strip_suffix(".wav").unwrap_or(name);
    match stem {
        "beep" => Some(builtin::beep()),
        "hold_music" => Some(builtin::hold_music()),
        _ => {
            let digit = stem.strip_prefix("digit_")?;
            let [d] = digit.as_bytes() else { return None };
            d.is_ascii_digit()
                .then(|| builtin::digit(d - b'0'))
                .flatten()
        }
    }
}

fn decode(name: &str, bytes: &[u8]) -> Result<Prompt, PromptError> {
    Prompt::from_wav(bytes).map_err(|source| PromptError::Wav {
        name: name.to_owned(),
        source,
    })
}

/// The cache file of a URL: its SHA-256, so any URL maps to a safe, fixed-length name.
fn cache_name(url: &str) -> String {
    format!("{}.wav", hex::encode(Sha256::digest(url.as_bytes())))
}

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Runs file I/O on the blocking pool, never on the session's thread.
async fn blocking<R: Send + 'static>(
    name: &str,
    op: impl FnOnce() -> std::io::Result<R> + Send + 'static,
) -> Result<R, PromptError> {
    let io = |source| PromptError::Io {
        name: name.to_owned(),
        source,
    };
    match tokio::task::spawn_blocking(op).await {
        Ok(result) => result.map_err(io),
        Err(join) => Err(io(std::io::Error::other(join))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sb_media::wav::{encode, WavEncoding};

    #[test]
    fn built_in_names_with_or_without_extension() {
        assert!(builtin_named("beep").is_some());
        assert!(builtin_named("beep.wav").is_some());
        assert!(builtin_named("hold_music.wav").is_some());
        assert_eq!(builtin_named("digit_7"), builtin::digit(7));
        for none in ["digit_", "digit_12", "digit_x", "menu.wav", ""] {
            assert!(builtin_named(none).is_none(), "{none}");
        }
    }

    #[test]
    fn cache_names_are_fixed_length_and_safe() {
        let name = cache_name("https://example.com/../../etc/passwd?x=1");
        assert_eq!(name.len(), 64 + 4);
        assert!(sb_store::files::valid_file_name(&name));
    }

    #[tokio::test]
    async fn the_library_comes_before_built_ins_and_bad_wavs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileLibrary::new(dir.path().join("media"));
        let cc = CallCenterId::from("cc1");
        let own = encode(&[100; 800], WavEncoding::Pcm16);
        files.put(&cc, "beep.wav", &own).unwrap();
        files.put(&cc, "broken.wav", b"not a wav").unwrap();
        let resolver = PromptResolver::new(
            Some(files),
            dir.path().join("cache"),
            reqwest::Client::new(),
            FetchPolicy::default(),
        );
        let beep = resolver
            .resolve(&cc, &Source::File("beep.wav".into()))
            .await
            .unwrap();
        assert_eq!(beep.samples().len(), 800, "the call center's own beep");
        let err = resolver
            .resolve(&cc, &Source::File("broken.wav".into()))
            .await
            .unwrap_err();
        assert!(matches!(err, PromptError::Wav { .. }), "{err}");
        let err = resolver
            .resolve(&cc, &Source::File("missing.wav".into()))
            .await
            .unwrap_err();
        assert!(matches!(err, PromptError::NotFound { .. }), "{err}");
        let other = CallCenterId::from("cc2");
        let builtin = resolver
            .resolve(&other, &Source::File("beep.wav".into()))
            .await
            .unwrap();
        assert_eq!(
            builtin,
            builtin::beep(),
            "another call center gets the built-in"
        );
    }
}
