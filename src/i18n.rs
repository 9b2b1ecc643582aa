//! English / 日本語. Every UI string goes through `tr(lang, en, ja)` at its point of use, so
//! each component keeps its own strings next to its markup; scenario texts come from the
//! scenario files (`Text::get(lang)`), event messages from `Event::message(lang)`.

pub use quorum_sim::scenario::Lang;

/// The string for `lang`.
pub fn tr(lang: Lang, en: &'static str, ja: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Ja => ja,
    }
}

/// Sim time as the clock shows it (`mm:ss`).
pub fn clock(ms: u64) -> String {
    quorum_sim::time::fmt_clock(ms)
}
