//! Sending requests and reading the `{code, msg, data}` envelope (SPEC §2).

use std::time::Duration;

use reqwest::blocking::{Client as Http, RequestBuilder, Response};
use serde_json::Value;

use super::request::InputError;
use super::{ApiRequest, Method};

/// Time allowed for one API call (the stream has none).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The success code of the envelope.
pub const OK: &str = "000000";

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeskError {
    /// The API refused the request; its message says why.
    #[error("HTTP {status}, code {code}: {msg}")]
    Api {
        /// The HTTP status.
        status: u16,
        /// The envelope's code.
        code: String,
        /// The envelope's message.
        msg: String,
    },
    /// The answer is not the API's envelope (a proxy's error page, a wrong URL).
    #[error("HTTP {status} from {url}, not a Switchboard answer: {body}")]
    NotAnEnvelope {
        /// The HTTP status.
        status: u16,
        /// The URL.
        url: String,
        /// The start of the body.
        body: String,
    },
    /// The server could not be reached or the connection broke.
    #[error("cannot reach {url}: {source}")]
    Transport {
        /// The URL.
        url: String,
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// The command's own input was wrong.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Printing failed (e.g. a closed pipe).
    #[error("writing the output failed: {0}")]
    Output(#[from] std::io::Error),
}

impl DeskError {
    /// The process's exit code: 1 when the API or the input refused, 3 when the server
    /// could not be reached (2 is clap's, for a wrong command line).
    pub fn exit_code(&self) -> u8 {
        match self {
            DeskError::Transport { .. } => 3,
            _ => 1,
        }
    }
}

/// A client of one server with one token.
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    token: String,
    http: Http,
    stream: Http,
}

impl Client {
    /// A client of the server at `url` (`http://host:port`, with or without `/v1`).
    pub fn new(url: &str, token: &str) -> Result<Self, DeskError> {
        let base = url.trim_end_matches('/');
        let base = base.strip_suffix("/v1").unwrap_or(base).to_owned();
        let build = |timeout: Option<Duration>| {
            Http::builder()
                .timeout(timeout)
                .connect_timeout(Duration::from_secs(10))
                .build()
                .map_err(|source| DeskError::Transport {
                    url: base.clone(),
                    source,
                })
        };
        Ok(Self {
            http: build(Some(REQUEST_TIMEOUT))?,
            stream: build(None)?,
            token: token.to_owned(),
            base,
        })
    }

    /// The full URL of a request's path.
    pub fn url(&self, req: &ApiRequest) -> String {
        format!("{}{}", self.base, req.path)
    }

    fn build(&self, http: &Http, req: &ApiRequest) -> RequestBuilder {
        let url = self.url(req);
        let builder = match req.method {
            Method::Get => http.get(&url),
            Method::Post => http.post(&url),
            Method::Delete => http.delete(&url),
        };
        let builder = builder.bearer_auth(&self.token).query(&req.query);
        match &req.body {
            Some(body) => builder.json(body),
            None => builder,
        }
    }

    /// Sends `req` and returns the whole envelope of a success (`code` `000000`).
    pub fn send(&self, req: &ApiRequest) -> Result<Value, DeskError> {
        let url = self.url(req);
        let response =
            self.build(&self.http, req)
                .send()
                .map_err(|source| DeskError::Transport {
                    url: url.clone(),
                    source,
                })?;
        let status = response.status().as_u16();
        let text = response.text().map_err(|source| DeskError::Transport {
            url: url.clone(),
            source,
        })?;
        envelope(status, &url, &text)
    }

    /// Opens the event stream of `req`; a refusal comes back as the API's error.
    pub fn open_stream(&self, req: &ApiRequest) -> Result<Response, DeskError> {
        let url = self.url(req);
        let response = self
            .build(&self.stream, req)
            .header("Accept", "text/event-stream")
            .send()
            .map_err(|source| DeskError::Transport {
                url: url.clone(),
                source,
            })?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let text = response.text().unwrap_or_default();
        match envelope(status, &url, &text) {
            Err(e) => Err(e),
            Ok(_) => Err(not_an_envelope(status, &url, &text)),
        }
    }
}

fn not_an_envelope(status: u16, url: &str, text: &str) -> DeskError {
    DeskError::NotAnEnvelope {
        status,
        url: url.to_owned(),
        body: text.chars().take(200).collect(),
    }
}

/// The envelope of a success, or the error it (or its absence) stands for.
pub fn envelope(status: u16, url: &str, text: &str) -> Result<Value, DeskError> {
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return Err(not_an_envelope(status, url, text));
    };
    let (Some(code), Some(msg)) = (
        value.get("code").and_then(Value::as_str),
        value.get("msg").and_then(Value::as_str),
    ) else {
        return Err(not_an_envelope(status, url, text));
    };
    if code == OK && (200..300).contains(&status) {
        Ok(value)
    } else {
        Err(DeskError::Api {
            status,
            code: code.to_owned(),
            msg: msg.to_owned(),
        })
    }
}

/// The `data` of an envelope for a person: an object as `key: value` lines (strings bare,
/// the rest as compact JSON), a page as one line per row, anything else as pretty JSON;
/// `ok` when there is no data.
pub fn render(envelope: &Value) -> String {
    let data = envelope.get("data").unwrap_or(&Value::Null);
    match data {
        Value::Null => "ok".to_owned(),
        Value::Object(map) if map.is_empty() => "ok".to_owned(),
        Value::Object(map) => {
            if let Some(Value::Array(rows)) = map.get("result") {
                let total = map.get("totalCount").cloned().unwrap_or(Value::Null);
                let mut out = format!("{} of {total}", rows.len());
                for row in rows {
                    out.push('\n');
                    out.push_str(&row.to_string());
                }
                return out;
            }
            let width = map.keys().map(String::len).max().unwrap_or(0);
            map.iter()
                .map(|(k, v)| match v {
                    Value::String(s) => format!("{k:<width$}  {s}"),
                    other => format!("{k:<width$}  {other}"),
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        other => serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_refusal_carries_the_api_s_code_and_message() {
        let body = r#"{"code":"409001","msg":"agent alice is talking","data":null}"#;
        let e = envelope(409, "http://h/v1/x", body).unwrap_err();
        assert_eq!(
            e.to_string(),
            "HTTP 409, code 409001: agent alice is talking"
        );
        assert_eq!(e.exit_code(), 1);
    }

    #[test]
    fn answers_that_are_not_envelopes_say_so() {
        let e = envelope(502, "http://h/v1/x", "<html>Bad Gateway</html>").unwrap_err();
        assert!(
            matches!(e, DeskError::NotAnEnvelope { status: 502, .. }),
            "{e}"
        );
        let e = envelope(200, "http://h/v1/x", r#"{"hello":1}"#).unwrap_err();
        assert!(matches!(e, DeskError::NotAnEnvelope { .. }), "{e}");
    }

    #[test]
    fn data_is_rendered_readably() {
        let created =
            json!({"code": OK, "msg": "ok", "data": {"conversation_id": "c1", "call_id": "k9"}});
        assert_eq!(render(&created), "call_id          k9\nconversation_id  c1");
        assert_eq!(
            render(&json!({"code": OK, "msg": "ok", "data": null})),
            "ok"
        );
        let page = json!({"data": {"totalCount": 2, "result": [{"name": "a"}, {"name": "b"}]}});
        assert_eq!(render(&page), "2 of 2\n{\"name\":\"a\"}\n{\"name\":\"b\"}");
    }

    #[test]
    fn the_base_url_may_end_in_v1() {
        let req = ApiRequest {
            method: Method::Get,
            path: "/v1/callcenter/agent".into(),
            query: Vec::new(),
            body: None,
        };
        for base in [
            "http://h:8080",
            "http://h:8080/",
            "http://h:8080/v1",
            "http://h:8080/v1/",
        ] {
            let client = Client::new(base, "t").unwrap();
            assert_eq!(
                client.url(&req),
                "http://h:8080/v1/callcenter/agent",
                "{base}"
            );
        }
    }
}
