//! Player, team and competition names: what the leaderboard accepts.
//!
//! A name is a display label. On the server a player is an identity (a token), and a name is
//! bound to it per board; see `crates/drill/README.md`. Two checks, one module:
//!
//! * [`precheck`] (always compiled, the game's): trimmed, 1 to [`NameKind::max_chars`]
//!   characters (Unicode scalar values, so a kanji counts as one), no control characters,
//!   no ASCII punctuation or symbols other than `_`, `-` and `.`, no runs of more than one
//!   space. Cheap, table-free (the game's download budget), and never stricter than
//!   [`validate`]: a name it refuses the server refuses too.
//! * [`validate`] (feature `unicode`, the server's): the name is NFKC-normalised (full-width
//!   and mathematical letters become plain ones, half-width kana full-width, jamo
//!   syllables), then every character must be a letter, a combining mark after a letter, a
//!   digit or number of any script, a space, `_`, `-`, `.` or the katakana middle dot `・`;
//!   invisible and default-ignorable code points (U+3164 and U+115F Hangul fillers, zero-width
//!   joiners, bidi controls, variation selectors, …) are refused by name, as are symbols
//!   (emoji) and other punctuation. [`skeleton`] (UTS #39 confusable skeleton, case-folded)
//!   is what "the same name" means on a board: `Аnn` (Cyrillic А), `𝐀𝐧𝐧` and `Ａｎｎ` are all
//!   `Ann`.
//!
//! Names are stored in their NFKC form and the game always renders them as text.

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
    TooLong {
        kind: NameKind,
        count: usize,
    },
    Character {
        kind: NameKind,
        found: char,
    },
    /// An invisible or default-ignorable code point (a Hangul filler, a zero-width joiner…).
    Invisible {
        kind: NameKind,
        found: char,
    },
    ConsecutiveSpaces(NameKind),
}

impl NameError {
    pub fn kind(self) -> NameKind {
        match self {
            NameError::Empty(kind)
            | NameError::TooLong { kind, .. }
            | NameError::Character { kind, .. }
            | NameError::Invisible { kind, .. }
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
            (NameError::Invisible { found, .. }, Lang::En) => format!(
                "{what} name contains the invisible character U+{:04X}; names must be visible",
                found as u32
            ),
            (NameError::Invisible { found, .. }, Lang::Ja) => format!(
                "{what}に見えない文字 U+{:04X} が含まれています。見える文字だけを使ってください",
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

/// The game's check: what can be refused without Unicode tables (see the module). Returns
/// the name trimmed.
pub fn precheck(kind: NameKind, raw: &str) -> Result<String, NameError> {
    let name = raw.trim_matches(|c: char| c.is_whitespace());
    let count = name.chars().count();
    if count == 0 {
        return Err(NameError::Empty(kind));
    }
    if count > kind.max_chars() {
        return Err(NameError::TooLong { kind, count });
    }
    let refused =
        |c: char| c.is_control() || (c.is_ascii() && !c.is_ascii_alphanumeric() && !ascii_ok(c));
    if let Some(found) = name.chars().find(|&c| refused(c)) {
        return Err(NameError::Character { kind, found });
    }
    if name.contains("  ") {
        return Err(NameError::ConsecutiveSpaces(kind));
    }
    Ok(name.to_string())
}

fn ascii_ok(c: char) -> bool {
    matches!(c, ' ' | '_' | '-' | '.')
}

/// An optional team name as the game's form gives it: blank means no team.
pub fn optional_team_precheck(raw: Option<&str>) -> Result<Option<String>, NameError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(name) => precheck(NameKind::Team, name).map(Some),
    }
}

/// Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties.txt, stable since 2012
/// apart from the unassigned ranges it reserves): code points a renderer shows as nothing.
/// No crate of the `unicode-rs` family exposes the property, and the list is short.
#[cfg(feature = "unicode")]
const DEFAULT_IGNORABLE: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
];

/// Whether `c` is invisible: default-ignorable, or a format character (Cf), which also
/// covers the bidi controls and the zero-width characters.
#[cfg(feature = "unicode")]
pub fn is_invisible(c: char) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    let cp = c as u32;
    DEFAULT_IGNORABLE
        .iter()
        .any(|&(lo, hi)| (lo..=hi).contains(&cp))
        || c.general_category() == GeneralCategory::Format
}

/// The server's check (see the module): returns the name NFKC-normalised and trimmed.
#[cfg(feature = "unicode")]
pub fn validate(kind: NameKind, raw: &str) -> Result<String, NameError> {
    use unicode_normalization::UnicodeNormalization;
    use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

    // Invisible characters are named as such before normalisation folds some away.
    if let Some(found) = raw.chars().find(|&c| is_invisible(c)) {
        return Err(NameError::Invisible { kind, found });
    }
    let normal: String = raw.nfkc().collect();
    let name = precheck(kind, &normal)?;
    let mut previous: Option<char> = None;
    for c in name.chars() {
        if is_invisible(c) {
            return Err(NameError::Invisible { kind, found: c });
        }
        let ok = match c.general_category_group() {
            GeneralCategoryGroup::Letter | GeneralCategoryGroup::Number => true,
            // A combining mark belongs to the letter before it (Devanagari vowel signs and
            // viramas, Thai vowels, accents): never first, never after a space.
            GeneralCategoryGroup::Mark => previous.is_some_and(|p| p != ' '),
            _ => ascii_ok(c) || c == '・',
        };
        if !ok {
            return Err(NameError::Character { kind, found: c });
        }
        previous = Some(c);
    }
    Ok(name)
}

/// An optional team name as a request gives it: blank means no team.
#[cfg(feature = "unicode")]
pub fn optional_team(raw: Option<&str>) -> Result<Option<String>, NameError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(name) => validate(NameKind::Team, name).map(Some),
    }
}

/// What "the same name" means on a board: the UTS #39 confusable skeleton of the lower-cased
/// name, lower-cased again (so `Ann`, `ann`, `Аnn` with a Cyrillic А, and `rn`/`m` look-alikes
/// meet). Apply it to a [`validate`]d name.
#[cfg(feature = "unicode")]
pub fn skeleton(name: &str) -> String {
    let lower = name.to_lowercase();
    let skeleton: String = unicode_security::skeleton(&lower).collect();
    skeleton.to_lowercase()
}

#[cfg(all(test, feature = "unicode"))]
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

    // Issue 12: the scripts people write their names in, combining marks included.
    #[test]
    fn every_script_is_accepted_with_its_combining_marks() {
        for name in [
            "नमस्ते",           // Devanagari: vowel sign E, virama
            "प्रिया शर्मा",     // Devanagari: virama + RA, vowel signs I, AA
            "山田 太郎",      // kanji
            "やまだ たろう",  // hiragana
            "ヤマダ・タロウ", // katakana with the middle dot
            "محمد",           // Arabic
            "فاطمة الزهراء",  // Arabic, two words
            "김민준",         // Hangul syllables
            "สมชาย",          // Thai: vowels are combining marks
            "Nguyễn Văn An",  // Vietnamese
            "Zoë O-Brien",
            "Ωμέγα",
            "ᏣᎳᎩ", // Cherokee
        ] {
            assert_eq!(player(name).as_deref(), Ok(name), "{name:?} refused");
        }
        // Decomposed accents are composed (NFKC): e + U+0301 is stored as é.
        assert_eq!(player("Jose\u{301}").unwrap(), "José");
        // Conjoining jamo become the syllable.
        assert_eq!(player("\u{1100}\u{1161}").unwrap(), "가");
    }

    #[test]
    fn invisible_and_default_ignorable_code_points_are_refused() {
        for (raw, found) in [
            ("\u{3164}", '\u{3164}'),      // HANGUL FILLER alone
            ("Ann\u{3164}", '\u{3164}'),   // … after a name
            ("\u{115F}Ann", '\u{115F}'),   // HANGUL CHOSEONG FILLER
            ("An\u{200D}n", '\u{200D}'),   // ZERO WIDTH JOINER
            ("An\u{200B}n", '\u{200B}'),   // ZERO WIDTH SPACE
            ("Ann\u{FE0F}", '\u{FE0F}'),   // VARIATION SELECTOR-16
            ("x\u{202E}y", '\u{202E}'),    // RIGHT-TO-LEFT OVERRIDE
            ("A\u{00AD}nn", '\u{00AD}'),   // SOFT HYPHEN
            ("Ann\u{E0041}", '\u{E0041}'), // TAG LATIN CAPITAL LETTER A
            ("\u{FFA0}", '\u{FFA0}'),      // HALFWIDTH HANGUL FILLER
        ] {
            assert_eq!(
                player(raw),
                Err(NameError::Invisible {
                    kind: NameKind::Player,
                    found
                }),
                "{raw:?}"
            );
        }
        assert_eq!(
            player("Ann\u{3164}").unwrap_err().to_string(),
            "player name contains the invisible character U+3164; names must be visible"
        );
        // A combining mark needs a letter to sit on.
        assert!(player("\u{301}Ann").is_err());
        assert!(player("Ann \u{301}").is_err());
        // Symbols and other punctuation stay out.
        for bad in ["Ann🙂", "Ann★", "Ann!", "A«nn»", "Ann’s"] {
            assert!(player(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn homoglyphs_share_a_skeleton_with_the_name_they_imitate() {
        let ann = skeleton(&player("Ann").unwrap());
        // Cyrillic А (U+0410), mathematical bold, full-width, lower case.
        for lookalike in ["\u{410}nn", "𝐀𝐧𝐧", "Ａｎｎ", "ann", "ANN"] {
            let name = player(lookalike).unwrap();
            assert_eq!(skeleton(&name), ann, "{lookalike:?} ({name:?})");
        }
        // NFKC itself folds the mathematical and full-width forms to plain letters.
        assert_eq!(player("𝐀𝐧𝐧").unwrap(), "Ann");
        assert_eq!(player("Ａｎｎ").unwrap(), "Ann");
        // The Cyrillic one is kept as typed (it is a real letter) but meets Ann's skeleton.
        assert_eq!(player("\u{410}nn").unwrap(), "\u{410}nn");
        assert_eq!(skeleton("rn"), skeleton("m"));
        assert_eq!(skeleton("B0b"), skeleton("Bob"));
        // Different names keep different skeletons.
        assert_ne!(skeleton("Ann"), skeleton("Anna"));
        assert_ne!(skeleton("山田"), skeleton("山口"));
        assert_ne!(skeleton("नमस्ते"), skeleton("नमस्कार"));
    }
}

#[cfg(test)]
mod precheck_tests {
    use super::*;

    #[test]
    fn the_games_check_refuses_only_what_the_server_refuses_too() {
        let p = |raw: &str| precheck(NameKind::Player, raw);
        assert_eq!(p("  Aiko_99 ").unwrap(), "Aiko_99");
        assert!(p("नमस्ते").is_ok());
        assert!(p("<b>x</b>").is_err());
        assert!(p("a  b").is_err());
        assert!(p("").is_err());
        assert!(p("a\u{7}b").is_err());
        assert_eq!(optional_team_precheck(Some("  ")), Ok(None));
        #[cfg(feature = "unicode")]
        for raw in ["<b>", "a  b", "", "semi;colon", "a\tb", &"a".repeat(33)] {
            assert!(
                p(raw).is_err() && validate(NameKind::Player, raw).is_err(),
                "{raw:?}"
            );
        }
    }
}
