//! Player, team and competition names: what the leaderboard accepts.
//!
//! A name is trimmed, then must be 1 to [`MAX_NAME_CHARS`] characters (Unicode scalar
//! values, so a kanji counts as one), each a letter or digit of any script (Latin, kana,
//! kanji, hangul, …), a space, `_`, `-` or `.`. Control characters, format characters
//! (zero-width joiners, bidi overrides), symbols, punctuation other than `_-.`, and runs of
//! more than one space are refused. Names are stored as given (after trimming) and the game
//! always renders them as text.

/// The longest player or team name, in characters.
pub const MAX_NAME_CHARS: usize = 32;
/// The longest competition name, in characters.
pub const MAX_COMPETITION_NAME_CHARS: usize = 64;

/// Why a name was refused (a sentence for the API error message).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameError(pub String);

impl std::fmt::Display for NameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn allowed(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.')
}

/// Validates `raw` as a name of at most `max_chars` characters and returns it trimmed.
/// `what` names the field in the error ("player", "team").
pub fn validate(what: &str, raw: &str, max_chars: usize) -> Result<String, NameError> {
    let name = raw.trim_matches(|c: char| c.is_whitespace());
    let count = name.chars().count();
    if count == 0 {
        return Err(NameError(format!("{what} name must not be empty")));
    }
    if count > max_chars {
        return Err(NameError(format!(
            "{what} name is {count} characters; at most {max_chars} are allowed"
        )));
    }
    if let Some(bad) = name.chars().find(|&c| !allowed(c)) {
        return Err(NameError(format!(
            "{what} name contains the character U+{:04X}; use letters, digits, spaces, `_`, `-` or `.`",
            bad as u32
        )));
    }
    if name.contains("  ") {
        return Err(NameError(format!(
            "{what} name must not contain consecutive spaces"
        )));
    }
    Ok(name.to_string())
}

/// A player name (see the module docs).
pub fn player(raw: &str) -> Result<String, NameError> {
    validate("player", raw, MAX_NAME_CHARS)
}

/// A team name (see the module docs).
pub fn team(raw: &str) -> Result<String, NameError> {
    validate("team", raw, MAX_NAME_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_letters_digits_cjk_and_trims() {
        assert_eq!(player("  Aiko_99 ").unwrap(), "Aiko_99");
        assert_eq!(player("山田 太郎").unwrap(), "山田 太郎");
        assert_eq!(player("ヨシダ-ー.").unwrap(), "ヨシダ-ー.");
        assert_eq!(team("SRE Tokyo 2").unwrap(), "SRE Tokyo 2");
        assert_eq!(team("Ops팀").unwrap(), "Ops팀");
        assert_eq!(player(&"字".repeat(32)).unwrap().chars().count(), 32);
    }

    #[test]
    fn refuses_empty_long_control_and_markup() {
        for bad in [
            "",
            "   ",
            "a\u{0}b",
            "a\nb",
            "a\tb",
            "<script>",
            "x\u{202E}y",
            "x\u{200D}y",
            "a  b",
            "semi;colon",
            "quote'",
            "emoji🙂",
        ] {
            assert!(player(bad).is_err(), "{bad:?} accepted");
        }
        assert!(player(&"a".repeat(33)).is_err());
        assert!(player(&"字".repeat(33)).is_err());
    }
}
