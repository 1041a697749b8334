//! The HTTP callbacks to the customer's application: the `ivr_start` body and the URL of the
//! `next` request (SPEC §10). Only the texts are built here; the engine sends them.

use serde::{Deserialize, Serialize};

use crate::interp::Completion;
use crate::model::{Action, Next};

/// The fixed `action` of the first request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StartAction {
    /// `"ivr_start"`.
    #[serde(rename = "ivr_start")]
    IvrStart,
}

/// The fixed `type` of the first request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StartType {
    /// `"ivr_incoming"`: a call came in.
    #[serde(rename = "ivr_incoming")]
    IvrIncoming,
}

/// The JSON body `POST`ed to the call center's `ivr_url` when a call arrives.
///
/// ```
/// let body = switchboard_ivr::IvrStart::incoming("c1", "+8613800000000", "4001", None);
/// let json = serde_json::to_string(&body).expect("plain strings serialize");
/// assert_eq!(
///     json,
///     r#"{"action":"ivr_start","type":"ivr_incoming","call_id":"c1","from":"+8613800000000","to":"4001","user_data":null}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IvrStart {
    /// Always `ivr_start`.
    pub action: StartAction,
    /// Always `ivr_incoming`.
    #[serde(rename = "type")]
    pub kind: StartType,
    /// The call's id.
    pub call_id: String,
    /// The caller's number.
    pub from: String,
    /// The number dialled.
    pub to: String,
    /// Data attached to the call (e.g. by the trunk's configuration), if any.
    pub user_data: Option<String>,
}

impl IvrStart {
    /// The body for an incoming call.
    pub fn incoming(call_id: &str, from: &str, to: &str, user_data: Option<&str>) -> Self {
        Self {
            action: StartAction::IvrStart,
            kind: StartType::IvrIncoming,
            call_id: call_id.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
            user_data: user_data.map(str::to_owned),
        }
    }
}

/// The URL to `GET` after `action` completed: the `<next>` URL with `call_id`, `type`,
/// `tag` (when the `<next>` has one), `error` (only on error) and the action's outputs
/// appended to its query string, percent-encoded (RFC 3986 §2.1). A fragment stays last.
///
/// ```
/// use switchboard_ivr::interp::{Completion, Outputs};
/// use switchboard_ivr::model::{Action, Next};
///
/// let next = Next { url: "https://app.example/ivr?step=2".into(), tag: Some("menu".into()) };
/// let mut outputs = Outputs::default();
/// outputs.push("keys", "1#");
/// let done = Completion { outputs, error: None, call_ended: false };
/// assert_eq!(
///     switchboard_ivr::next_url(&next, "c1", &Action::Hangup, &done),
///     "https://app.example/ivr?step=2&call_id=c1&type=hangup&tag=menu&keys=1%23"
/// );
/// ```
pub fn next_url(next: &Next, call_id: &str, action: &Action, done: &Completion) -> String {
    let (base, fragment) = match next.url.find('#') {
        Some(at) => next.url.split_at(at),
        None => (next.url.as_str(), ""),
    };
    let mut url = String::with_capacity(base.len() + 64);
    url.push_str(base);
    let mut params: Vec<(&str, &str)> = vec![("call_id", call_id), ("type", action.tag_name())];
    if let Some(tag) = &next.tag {
        params.push(("tag", tag));
    }
    let error = done.error.map(|e| e.to_string());
    if let Some(error) = &error {
        params.push(("error", error));
    }
    params.extend(done.outputs.iter());
    let mut separator = if !base.contains('?') {
        "?"
    } else if base.ends_with('?') || base.ends_with('&') {
        ""
    } else {
        "&"
    };
    for (name, value) in params {
        url.push_str(separator);
        percent_encode_into(name, &mut url);
        url.push('=');
        percent_encode_into(value, &mut url);
        separator = "&";
    }
    url.push_str(fragment);
    url
}

/// Appends `text` with every byte outside RFC 3986 §2.3's unreserved set as `%XX`.
pub fn percent_encode_into(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interp::{ActionError, Outputs};

    fn done(outputs: &[(&'static str, &str)], error: Option<ActionError>) -> Completion {
        let mut out = Outputs::default();
        for (n, v) in outputs {
            out.push(n, *v);
        }
        Completion {
            outputs: out,
            error,
            call_ended: false,
        }
    }

    fn next(url: &str, tag: Option<&str>) -> Next {
        Next {
            url: url.into(),
            tag: tag.map(Into::into),
        }
    }

    #[test]
    fn adds_a_query_string_when_there_is_none() {
        let url = next_url(
            &next("http://h/p", None),
            "c 1",
            &Action::Hangup,
            &done(&[], None),
        );
        assert_eq!(url, "http://h/p?call_id=c%201&type=hangup");
    }

    #[test]
    fn adds_error_only_on_error_and_keeps_the_fragment_last() {
        let d = done(&[("keys", "")], Some(ActionError::PlayFailed));
        let url = next_url(
            &next("http://h/p?a=1#frag", Some("t/1")),
            "c",
            &Action::Hangup,
            &d,
        );
        assert_eq!(
            url,
            "http://h/p?a=1&call_id=c&type=hangup&tag=t%2F1&error=play_failed&keys=#frag"
        );
    }

    #[test]
    fn does_not_double_a_trailing_separator() {
        let d = done(&[], None);
        assert_eq!(
            next_url(&next("http://h/p?", None), "c", &Action::Hangup, &d),
            "http://h/p?call_id=c&type=hangup"
        );
        assert_eq!(
            next_url(&next("http://h/p?a=1&", None), "c", &Action::Hangup, &d),
            "http://h/p?a=1&call_id=c&type=hangup"
        );
    }

    #[test]
    fn encodes_utf8_per_byte() {
        let mut out = String::new();
        percent_encode_into("坐席 a*#~", &mut out);
        assert_eq!(out, "%E5%9D%90%E5%B8%AD%20a%2A%23~");
    }
}
