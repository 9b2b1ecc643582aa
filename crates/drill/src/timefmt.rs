//! Wall-clock time for the server: Unix milliseconds in the database, RFC 3339 in the API.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
}

/// Unix milliseconds as RFC 3339 in UTC (`2026-05-01T09:00:00.000Z`).
pub fn to_rfc3339(ms: i64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    match OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(t) => {
            let t = t
                .replace_nanosecond((ms.rem_euclid(1000) as u32) * 1_000_000)
                .unwrap_or(t);
            let mut s = t.format(&Rfc3339).unwrap_or_default();
            // `time` omits a zero fraction; always show milliseconds for a stable format.
            if !s.contains('.') {
                s = s.replacen('Z', ".000Z", 1);
            }
            s
        }
        Err(_) => String::new(),
    }
}

/// Parses an RFC 3339 timestamp (any offset) into Unix milliseconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(to_rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(to_rfc3339(1_777_626_000_123), "2026-05-01T09:00:00.123Z");
        assert_eq!(
            parse_rfc3339("2026-05-01T09:00:00.123Z"),
            Some(1_777_626_000_123)
        );
        assert_eq!(
            parse_rfc3339("2026-05-01T18:00:00+09:00"),
            Some(1_777_626_000_000)
        );
        assert_eq!(parse_rfc3339("2026-05-01 09:00"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
