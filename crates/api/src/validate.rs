//! Field checks shared by the handlers; each returns an [`ApiError`] naming the field.

use sb_store::Settings;

use crate::envelope::ApiError;

/// A display name: 1–64 characters, not blank.
pub fn name(field: &str, value: &str) -> Result<(), ApiError> {
    let n = value.chars().count();
    if value.trim().is_empty() || n > 64 {
        return Err(ApiError::bad(
            field,
            "must be 1 to 64 characters and not blank",
        ));
    }
    Ok(())
}

/// An absolute `http` or `https` URL.
pub fn http_url(field: &str, value: &str) -> Result<(), ApiError> {
    match url::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        Ok(_) => Err(ApiError::bad(
            field,
            "must be an http:// or https:// URL with a host",
        )),
        Err(e) => Err(ApiError::bad(field, format!("is not a URL ({e})"))),
    }
}

/// A telephone number or DID: an optional `+`, then 1–32 digits, `*` or `#`.
pub fn phone_number(field: &str, value: &str) -> Result<(), ApiError> {
    let digits = value.strip_prefix('+').unwrap_or(value);
    if digits.is_empty()
        || digits.len() > 32
        || !digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
    {
        return Err(ApiError::bad(
            field,
            format!("`{value}` is not a number: use an optional + and 1 to 32 digits, * or #"),
        ));
    }
    Ok(())
}

/// A host name or IP address, without scheme or port.
pub fn host(field: &str, value: &str) -> Result<(), ApiError> {
    if value.parse::<std::net::IpAddr>().is_ok() {
        return Ok(());
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if value.len() <= 253 && value.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(ApiError::bad(
            field,
            "must be a host name or IP address, without scheme or port",
        ))
    }
}

/// The ranges of the call-center settings.
pub fn settings(s: &Settings) -> Result<(), ApiError> {
    if !(1..=100).contains(&s.max_no_answer) {
        return Err(ApiError::bad("settings.max_no_answer", "must be 1 to 100"));
    }
    if !(10..=86_400).contains(&s.keepalive_timeout) {
        return Err(ApiError::bad(
            "settings.keepalive_timeout",
            "must be 10 to 86400 seconds",
        ));
    }
    if s.conversation_timeout > 86_400 {
        return Err(ApiError::bad(
            "settings.conversation_timeout",
            "must be 0 (none) to 86400 seconds",
        ));
    }
    if s.outbound_patterns.len() > 100 {
        return Err(ApiError::bad(
            "settings.outbound_patterns",
            "at most 100 patterns",
        ));
    }
    for p in &s.outbound_patterns {
        let body = p.strip_suffix('.').unwrap_or(p);
        let ok = !p.is_empty()
            && p.len() <= 64
            && body.chars().enumerate().all(|(i, c)| {
                c.is_ascii_digit()
                    || matches!(c, '*' | '#' | 'X' | 'x' | 'Z' | 'z' | 'N' | 'n')
                    || (c == '+' && i == 0)
            });
        if !ok {
            return Err(ApiError::bad(
                "settings.outbound_patterns",
                format!(
                    "`{p}` is not a pattern: use digits, a leading +, * and #, X (any digit), \
                     Z (1-9), N (2-9) and an optional trailing . (one or more of anything)"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks() {
        assert!(name("name", "ok").is_ok());
        assert!(name("name", "  ").is_err());
        assert!(name("name", &"x".repeat(65)).is_err());
        assert!(http_url("u", "https://example.com/ivr").is_ok());
        assert!(http_url("u", "ftp://example.com").is_err());
        assert!(http_url("u", "nope").is_err());
        assert!(phone_number("n", "+8613800138000").is_ok());
        assert!(phone_number("n", "12a").is_err());
        assert!(phone_number("n", "+").is_err());
        assert!(host("h", "127.0.0.2").is_ok());
        assert!(host("h", "sip.example.com").is_ok());
        assert!(host("h", "sip://x").is_err());
        assert!(host("h", "a..b").is_err());
        let mut s = Settings::default();
        assert!(settings(&s).is_ok());
        s.outbound_patterns = vec!["+1NXXNXXXXXX".into(), "400.".into()];
        assert!(settings(&s).is_ok());
        s.outbound_patterns = vec!["1+2".into()];
        assert!(settings(&s).is_err());
        s.outbound_patterns.clear();
        s.max_no_answer = 0;
        assert!(settings(&s).is_err());
    }
}
