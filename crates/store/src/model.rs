//! The records the store keeps.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

id_type!(
    /// A call center's id: 32 lowercase hex digits.
    CallCenterId
);
id_type!(
    /// A trunk's id: 32 lowercase hex digits.
    TrunkId
);

/// A fresh opaque id: a random (v4) UUID as 32 lowercase hex digits.
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Which country's call-progress tones (dial tone, ringback, busy) callers and agents hear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[non_exhaustive]
pub enum ToneRegion {
    /// China: 450 Hz.
    #[default]
    CN,
    /// North America: 350+440 / 440+480 / 480+620 Hz.
    US,
    /// Europe (ETSI): 425 Hz.
    EU,
}

/// Per-call-center settings. Every field has a default, so `{}` is a valid value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Consecutive failed fetches after which an agent goes to `away/no_answer` (SPEC §4).
    pub max_no_answer: u32,
    /// Seconds without a keepalive after which an agent is logged out (SPEC §4).
    pub keepalive_timeout: u32,
    /// Record every conversation of this call center.
    pub record: bool,
    /// Number patterns extensions may dial out through a trunk (SPEC §13 toll-fraud guard).
    /// Empty: no outside calls from extensions. Pattern syntax: digits, `+`, `*`, `#` match
    /// themselves; `X` any digit, `Z` 1–9, `N` 2–9; a trailing `.` one or more further characters.
    pub outbound_patterns: Vec<String>,
    /// Call-progress tones.
    pub tone_region: ToneRegion,
    /// Default `conversation_timeout` in seconds when an `<enqueue>` does not set one (0: none).
    pub conversation_timeout: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_no_answer: 3,
            keepalive_timeout: 120,
            record: false,
            outbound_patterns: Vec::new(),
            tone_region: ToneRegion::default(),
            conversation_timeout: 0,
        }
    }
}

impl Settings {
    /// Whether `number` matches one of [`Settings::outbound_patterns`].
    pub fn allows_outbound(&self, number: &str) -> bool {
        self.outbound_patterns
            .iter()
            .any(|p| pattern_matches(p, number))
    }
}

/// Matches a dial pattern (see [`Settings::outbound_patterns`]) against a number.
pub fn pattern_matches(pattern: &str, number: &str) -> bool {
    let mut pat = pattern.chars().peekable();
    let mut num = number.chars();
    while let Some(p) = pat.next() {
        if p == '.' && pat.peek().is_none() {
            return num.next().is_some();
        }
        let Some(c) = num.next() else { return false };
        let ok = match p {
            'X' | 'x' => c.is_ascii_digit(),
            'Z' | 'z' => matches!(c, '1'..='9'),
            'N' | 'n' => matches!(c, '2'..='9'),
            other => other == c,
        };
        if !ok {
            return false;
        }
    }
    num.next().is_none()
}

/// A call center (tenant).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallCenter {
    /// Its id.
    pub id: CallCenterId,
    /// A display name.
    pub name: String,
    /// Where IVR calls start (`ivr_start`), SPEC §10.
    pub ivr_url: Option<String>,
    /// Where events are posted, SPEC §11.
    pub callback_url: Option<String>,
    /// Its settings.
    pub settings: Settings,
    /// Creation time, ms since the Unix epoch.
    pub created_at: u64,
    /// Last update, ms since the Unix epoch.
    pub updated_at: u64,
}

/// What creating a call center needs.
#[derive(Debug, Clone)]
pub struct NewCallCenter {
    /// A display name.
    pub name: String,
    /// IVR URL.
    pub ivr_url: Option<String>,
    /// Webhook URL.
    pub callback_url: Option<String>,
    /// Settings.
    pub settings: Settings,
}

impl NewCallCenter {
    /// A call center with just a name: no IVR, no webhooks, default settings.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ivr_url: None,
            callback_url: None,
            settings: Settings::default(),
        }
    }
}

/// A partial update of a call center: `None` keeps a field; `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct CallCenterUpdate {
    /// New name.
    pub name: Option<String>,
    /// New IVR URL, or cleared.
    pub ivr_url: Option<Option<String>>,
    /// New webhook URL, or cleared.
    pub callback_url: Option<Option<String>>,
    /// New settings (replaced whole).
    pub settings: Option<Settings>,
}

/// SIP transport of a trunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Transport {
    /// UDP (default).
    #[default]
    Udp,
    /// TCP.
    Tcp,
}

impl Transport {
    /// The lowercase name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
        }
    }

    /// Parses the lowercase name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "udp" => Some(Transport::Udp),
            "tcp" => Some(Transport::Tcp),
            _ => None,
        }
    }
}

/// A SIP trunk (SPEC §3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trunk {
    /// Its id.
    pub id: TrunkId,
    /// Its definition.
    #[serde(flatten)]
    pub def: TrunkDef,
    /// Creation time, ms since the Unix epoch.
    pub created_at: u64,
    /// Last update, ms since the Unix epoch.
    pub updated_at: u64,
}

/// A trunk's definition, as created or replaced through the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrunkDef {
    /// A display name.
    pub name: String,
    /// The provider's host name or address.
    pub host: String,
    /// The provider's port; calls from any port of `host` match when `None`.
    pub port: Option<u16>,
    /// SIP transport.
    pub transport: Transport,
    /// Digest user name for outbound INVITE and REGISTER.
    pub username: Option<String>,
    /// Digest password.
    pub password: Option<String>,
    /// Register to the provider.
    pub register: bool,
    /// Caller ids outbound calls may use.
    pub from_numbers: Vec<String>,
    /// The call center this trunk serves.
    pub callcenter_id: CallCenterId,
    /// Numbers (DIDs) whose calls start the call center's IVR.
    pub inbound_numbers: Vec<String>,
}

/// A page request: `no` counts from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Page number, from 1.
    pub no: u32,
    /// Rows per page.
    pub size: u32,
}

impl Page {
    /// Row offset of the page's first row.
    pub fn offset(self) -> u64 {
        u64::from(self.no.saturating_sub(1)) * u64::from(self.size)
    }
}

/// One page of rows and the total count (SPEC §2 list shape).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paged<T> {
    /// Rows on this page.
    pub rows: Vec<T>,
    /// Rows in all pages.
    pub total: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_hex_and_distinct() {
        let a = new_id();
        let b = new_id();
        assert_eq!(a.len(), 32);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }

    #[test]
    fn patterns() {
        let cases = [
            ("1NXXNXXXXXX", "12125551234", true),
            ("1NXXNXXXXXX", "11125551234", false),
            ("1NXXNXXXXXX", "1212555123", false),
            ("400.", "4008001234", true),
            ("400.", "400", false),
            ("+86XXXXXXXXXXX", "+8613800138000", true),
            ("9Z", "90", false),
            ("9Z", "91", true),
            ("", "", true),
        ];
        for (p, n, want) in cases {
            assert_eq!(pattern_matches(p, n), want, "{p} vs {n}");
        }
    }

    #[test]
    fn settings_default_from_empty_object() {
        let s: Settings = serde_json::from_str("{}").unwrap();
        assert_eq!(s, Settings::default());
        assert!(serde_json::from_str::<Settings>(r#"{"bogus":1}"#).is_err());
    }
}
