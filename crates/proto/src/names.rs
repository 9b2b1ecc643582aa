//! Player, team and competition names: what the leaderboard accepts.
//!
//! A name is trimmed, then must be 1 to [`NameKind::max_chars`] characters (Unicode scalar
//! values, so a kanji counts as one), each a letter or digit of any script (Latin, kana,
//! kanji, hangul, …), a space, `_`, `-` or `.`. Control characters, format characters
//! (zero-width joiners, bidi overrides), symbols, punctuation other than `_-.`, and runs of
//! more than one space are refused. Names are stored as given (after trimming) and the game
//! always renders them as text.
//!
//! The server enforces this rule (`drill serve` answers `422 invalid_name` with the
//! [`NameError`]'s English sentence); the game checks it first with the same function, so a
//! name the game lets through is one the server takes.

use quorum_sim::scenario::Lang;

/// The longest player or team name, in characters.
pub const MAX_NAME_CHARS: usize = 32;
/// The longest competition name, in characters.
pub const MAX_COMPETITION_NAME_CHARS: usize = 64;

/// Which name is checked: it sets the length limit and the wording of the error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    Player,
    Team,
    Competition,
}

impl NameKind {
    pub fn max_chars(self) -> usize {
        match self {
            NameKind::Player | NameKind::Team => MAX_NAME_CHARS,
            NameKind::Competition => MAX_COMPETITION_NAME_CHARS,
        }
    }

    fn en(self) -> &'static str {
        match self {
            NameKind::Player => "player",
            NameKind::Team => "team",
            NameKind::Competition => "competition",
        }
    }

    fn ja(self) -> &'static str {
        match self {
            NameKind::Player => "プレイヤー名",
            NameKind::Team => "チーム名",
            NameKind::Competition => "競技名",
        }
    }
}

/// Why a name was refused. `Display` is the server's English sentence (the API's error
/// message); [`NameError::text`] gives it in the game's languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameError {
    Empty(NameKind),
    TooLong { kind: NameKind, count: usize },
    Character { kind: NameKind, found: char },
    ConsecutiveSpaces(NameKind),
}

impl NameError {
    pub fn kind(self) -> NameKind {
        match self {
            NameError::Empty(kind)
            | NameError::TooLong { kind, .. }
            | NameError::Character { kind, .. }
            | NameError::ConsecutiveSpaces(kind) => kind,
        }
    }

    /// The reason in `lang` (in English, the server's own sentence).
    pub fn text(self, lang: Lang) -> String {
        let what = match lang {
            Lang::En => self.kind().en(),
            Lang::Ja => self.kind().ja(),
        };
        let max = self.kind().max_chars();
        match (self, lang) {
            (NameError::Empty(_), Lang::En) => format!("{what} name must not be empty"),
            (NameError::Empty(_), Lang::Ja) => format!("{what}を入力してください"),
            (NameError::TooLong { count, .. }, Lang::En) => {
                format!("{what} name is {count} characters; at most {max} are allowed")
            }
            (NameError::TooLong { count, .. }, Lang::Ja) => {
                format!("{what}が {count} 文字です。{max} 文字以内にしてください")
            }
            (NameError::Character { found, .. }, Lang::En) => format!(
                "{what} name contains the character U+{:04X}; use letters, digits, spaces, `_`, `-` or `.`",
                found as u32
            ),
            (NameError::Character { found, .. }, Lang::Ja) => format!(
                "{what}に使えない文字 U+{:04X} が含まれています。文字・数字・スペース・`_`・`-`・`.` を使ってください",
                found as u32
            ),
            (NameError::ConsecutiveSpaces(_), Lang::En) => {
                format!("{what} name must not contain consecutive spaces")
            }
            (NameError::ConsecutiveSpaces(_), Lang::Ja) => {
                format!("{what}にスペースを連続して入れることはできません")
            }
        }
    }
}

/// The English sentence, as the API's error message.
impl std::fmt::Display for NameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

impl std::error::Error for NameError {}

fn allowed(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.')
}

/// Checks `raw` as a `kind` name and returns it trimmed.
pub fn validate(kind: NameKind, raw: &str) -> Result<String, NameError> {
    let name = raw.trim_matches(|c: char| c.is_whitespace());
    let count = name.chars().count();
    if count == 0 {
        return Err(NameError::Empty(kind));
    }
    if count > kind.max_chars() {
        return Err(NameError::TooLong { kind, count });
    }
    if let Some(found) = name.chars().find(|&c| !allowed(c)) {
        return Err(NameError::Character { kind, found });
    }
    if name.contains("  ") {
        return Err(NameError::ConsecutiveSpaces(kind));
    }
    Ok(name.to_string())
}

/// An optional team name as a form or a request gives it: blank means no team.
pub fn optional_team(raw: Option<&str>) -> Result<Option<String>, NameError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(name) => validate(NameKind::Team, name).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn player(raw: &str) -> Result<String, NameError> {
        validate(NameKind::Player, raw)
    }

    fn team(raw: &str) -> Result<String, NameError> {
        validate(NameKind::Team, raw)
    }

    // The server's cases (crates/drill/src/names.rs before this crate).
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

    // The game's cases (src/leaderboard.rs before this crate): the same sentences as the
    // server, and Japanese for the game.
    #[test]
    fn sentences_in_english_are_the_servers_and_japanese_names_the_field() {
        assert_eq!(
            player("   ").unwrap_err().to_string(),
            "player name must not be empty"
        );
        assert_eq!(
            team(&"a".repeat(33)).unwrap_err().to_string(),
            "team name is 33 characters; at most 32 are allowed"
        );
        assert_eq!(
            player("<script>").unwrap_err().text(Lang::En),
            "player name contains the character U+003C; use letters, digits, spaces, `_`, `-` or `.`"
        );
        assert_eq!(
            player("a  b").unwrap_err().to_string(),
            "player name must not contain consecutive spaces"
        );
        assert!(player("")
            .unwrap_err()
            .text(Lang::Ja)
            .contains("プレイヤー名"));
        assert!(team("a;b").unwrap_err().text(Lang::Ja).contains("U+003B"));
        assert_eq!(
            team(&"b".repeat(40)).unwrap_err().text(Lang::Ja),
            "チーム名が 40 文字です。32 文字以内にしてください"
        );
    }

    #[test]
    fn competition_names_may_be_longer_and_blank_teams_are_none() {
        let long = "Game day ".repeat(7); // 63 characters once trimmed
        assert!(validate(NameKind::Competition, &long).is_ok());
        assert!(player(&long).is_err());
        assert_eq!(
            validate(NameKind::Competition, &"x".repeat(65))
                .unwrap_err()
                .to_string(),
            "competition name is 65 characters; at most 64 are allowed"
        );
        assert_eq!(optional_team(None), Ok(None));
        assert_eq!(optional_team(Some("   ")), Ok(None));
        assert_eq!(optional_team(Some(" red ")), Ok(Some("red".into())));
        assert!(optional_team(Some("red!")).is_err());
    }
}
