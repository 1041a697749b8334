//! The HTTP side of SPEC §10: `POST ivr_start`, `GET next`, each attempt bounded in time
//! and size, retried three times with a short backoff.

use std::time::Duration;

use tokio::time::{sleep, timeout};

/// Why a callback got no usable answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL is not `http://` or `https://`.
    #[error("`{url}` is not an http(s) URL")]
    BadUrl {
        /// The URL.
        url: String,
    },
    /// No complete answer within the time allowed.
    #[error("no answer within {after:?}")]
    Timeout {
        /// The time allowed for one attempt.
        after: Duration,
    },
    /// The connection or the request failed.
    #[error("request failed: {0}")]
    Transport(#[source] reqwest::Error),
    /// The application answered with an HTTP error.
    #[error("HTTP status {status}")]
    Status {
        /// The status code.
        status: u16,
    },
    /// The answer is larger than allowed.
    #[error("answer larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
}

impl FetchError {
    /// Whether another attempt may succeed: timeouts, transport errors, 5xx and 429 may
    /// pass; another 4xx, a bad URL or an oversized answer would come back the same.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout { .. } | FetchError::Transport(_) => true,
            FetchError::Status { status } => *status >= 500 || *status == 429,
            FetchError::BadUrl { .. } | FetchError::TooLarge { .. } => false,
        }
    }

    /// The `error` code reported in events.
    pub fn code(&self) -> &'static str {
        match self {
            FetchError::BadUrl { .. } => "bad_url",
            FetchError::Timeout { .. } => "timeout",
            FetchError::Transport(_) => "unreachable",
            FetchError::Status { .. } => "http_status",
            FetchError::TooLarge { .. } => "too_large",
        }
    }
}

/// How callbacks are made.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    /// Time allowed for one attempt, connection to last byte.
    pub timeout: Duration,
    /// Waits before each retry; SPEC §10 retries three times.
    pub retry_delays: Vec<Duration>,
    /// Largest answer accepted, in bytes.
    pub max_bytes: usize,
}

impl Default for FetchPolicy {
    /// 5 s per attempt and 0.2 s, 0.5 s, 1 s between them: a caller waits at most about
    /// 22 s in silence before the call is refused or hung up.
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            retry_delays: vec![
                Duration::from_millis(200),
                Duration::from_millis(500),
                Duration::from_secs(1),
            ],
            max_bytes: sb_ivr::parse::MAX_DOCUMENT_BYTES,
        }
    }
}

/// One request to make, possibly several times.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Request<'a> {
    /// `POST` a JSON body.
    PostJson(&'a str, &'a [u8]),
    /// `GET`.
    Get(&'a str),
}

impl Request<'_> {
    fn url(&self) -> &str {
        match self {
            Request::PostJson(url, _) | Request::Get(url) => url,
        }
    }
}

/// Makes `request` under `policy`, retrying transient failures; the body of the first 2xx.
pub(crate) async fn fetch(
    client: &reqwest::Client,
    policy: &FetchPolicy,
    request: Request<'_>,
) -> Result<Vec<u8>, FetchError> {
    let url = request.url();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(FetchError::BadUrl {
            url: url.to_owned(),
        });
    }
    let mut delays = policy.retry_delays.iter();
    loop {
        let result = match timeout(policy.timeout, attempt(client, policy, request)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout {
                after: policy.timeout,
            }),
        };
        let error = match result {
            Ok(body) => return Ok(body),
            Err(error) => error,
        };
        match delays.next() {
            Some(delay) if error.is_transient() => {
                tracing::debug!(url, %error, retry_in = ?delay, "IVR callback failed, retrying");
                sleep(*delay).await;
            }
            _ => return Err(error),
        }
    }
}

async fn attempt(
    client: &reqwest::Client,
    policy: &FetchPolicy,
    request: Request<'_>,
) -> Result<Vec<u8>, FetchError> {
    let builder = match request {
        Request::PostJson(url, body) => client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec()),
        Request::Get(url) => client.get(url),
    };
    let mut response = builder.send().await.map_err(FetchError::Transport)?;
    let status = response.status();
    if !status.is_success() {
        return Err(FetchError::Status {
            status: status.as_u16(),
        });
    }
    read_limited(&mut response, policy.max_bytes).await
}

/// Reads a body of at most `limit` bytes, refusing early when the length is announced.
pub(crate) async fn read_limited(
    response: &mut reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, FetchError> {
    let too_large = FetchError::TooLarge { limit };
    if let Some(length) = response.content_length() {
        if usize::try_from(length).map_or(true, |n| n > limit) {
            return Err(too_large);
        }
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(FetchError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_that_may_pass_are_retried() {
        assert!(FetchError::Timeout {
            after: Duration::ZERO
        }
        .is_transient());
        assert!(FetchError::Status { status: 503 }.is_transient());
        assert!(FetchError::Status { status: 429 }.is_transient());
        assert!(!FetchError::Status { status: 404 }.is_transient());
        assert!(!FetchError::TooLarge { limit: 1 }.is_transient());
    }

    #[tokio::test]
    async fn a_url_that_is_not_http_is_refused_without_a_request() {
        let client = reqwest::Client::new();
        let err = fetch(&client, &FetchPolicy::default(), Request::Get("ftp://x/y"))
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::BadUrl { .. }), "{err}");
    }
}
