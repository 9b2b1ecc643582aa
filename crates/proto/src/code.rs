//! Competition join codes: [`CODE_LEN`] characters from an alphabet without look-alikes
//! (no 0/O, 1/I/L). The server draws them; people type them, in any case and with dashes
//! (`k7m2-qx9p`).

/// The characters a join code is made of.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// The length of a join code.
pub const CODE_LEN: usize = 8;

/// A code as typed, read the way the server reads it: trimmed, dashes dropped, upper-cased
/// (codes are ASCII, so ASCII case mapping is enough and keeps Unicode case tables out of
/// the wasm). It may still not be a code: see [`is_code`].
pub fn normalize(raw: &str) -> String {
    raw.trim()
        .chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Whether `code` (normalized) has the shape of a join code; only the server knows whether
/// a competition has it.
pub fn is_code(code: &str) -> bool {
    code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b))
}

/// [`normalize`], then `Some` if the result has the shape of a join code.
pub fn parse(raw: &str) -> Option<String> {
    Some(normalize(raw)).filter(|c| is_code(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_ignore_case_spaces_and_dashes() {
        assert_eq!(normalize(" qyr9kurw "), "QYR9KURW");
        assert_eq!(parse("k7m2-qx9p"), Some("K7M2QX9P".into()));
        assert!(is_code("QYR9KURW"));
        // Look-alikes are not in the alphabet; lengths other than 8 are not codes.
        assert_eq!(parse("QYR9KUR0"), None);
        assert_eq!(parse("QYR9KURI"), None);
        assert_eq!(parse("QYR9KUR"), None);
        assert_eq!(parse("QYR9KURWW"), None);
        assert_eq!(CODE_ALPHABET.len(), 31);
    }
}
