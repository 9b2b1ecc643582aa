//! The screens of the game: home, briefing, the drill console, the debrief, the
//! submission and competition cards; and, in the boards bundle only (the `boards` feature,
//! `boards.html`: ARCHITECTURE, bundle budget), the leaderboard and the competition page.

pub mod briefing;
pub mod competition;
pub mod debrief;
pub mod drill;
pub mod home;
#[cfg(feature = "boards")]
pub mod leaderboard;
#[cfg(feature = "boards")]
pub mod scenario_form;
#[cfg(feature = "boards")]
pub mod standings;
pub mod submit;
#[cfg(feature = "boards")]
pub mod trainer;

pub use briefing::Briefing;
pub use competition::{CompetitionCard, Joined};
pub use debrief::DebriefScreen;
pub use drill::DrillScreen;
pub use home::Home;
#[cfg(feature = "boards")]
pub use leaderboard::LeaderboardScreen;
#[cfg(feature = "boards")]
pub use standings::{CompetitionScreen, TeamDrillBoard};
pub use submit::{Availability, SubmitForm, SubmitPanel, SubmitState};
#[cfg(feature = "boards")]
pub use trainer::{AssignmentsScreen, CohortTeamDrills, EditorScreen, ReviewPanel, TrainerScreen};

/// What the start-up check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerView {
    Checking,
    Online,
    Offline,
}

use yew::prelude::*;

/// A click handler that emits `()`: one instance for every such button (smaller wasm than a
/// closure per button).
pub fn on_click(cb: &Callback<()>) -> Callback<MouseEvent> {
    cb.reform(|_| ())
}

/// A click handler that emits `value`: one instance per value type, shared by every button
/// that emits one (a closure per call site is a type, and a copy of `Callback::from`, each).
pub fn click_emits<T: Clone + 'static>(cb: &Callback<T>, value: T) -> Callback<MouseEvent> {
    let cb = cb.clone();
    Callback::from(move |_: MouseEvent| cb.emit(value.clone()))
}

/// The coloured grade letter ("A", "B", …).
pub fn grade_chip(grade: &str) -> Html {
    html! { <span class={format!("grade-chip grade-chip-{}", grade.to_ascii_lowercase())}>{ grade.to_string() }</span> }
}

/// A table's column header cells from (class, English, Japanese), for the boards and the
/// EC2 console's tables alike; an empty class adds no attribute.
pub fn head_cells(
    lang: crate::i18n::Lang,
    columns: &[(&'static str, &'static str, &'static str)],
) -> Html {
    columns
        .iter()
        .map(|&(class, en, ja)| html! { <th scope="col" {class}>{ crate::i18n::tr(lang, en, ja) }</th> })
        .collect()
}

/// A team cell: the name, or a muted dash without a team.
pub fn team_cell(team: Option<&str>) -> Html {
    match team.filter(|t| !t.is_empty()) {
        Some(t) => html! { <td class="col-team">{ t.to_string() }</td> },
        None => html! { <td class="col-team muted">{ "—" }</td> },
    }
}

/// A scenario's difficulty, coloured by its class.
pub fn difficulty_badge(
    difficulty: quorum_sim::scenario::Difficulty,
    lang: crate::i18n::Lang,
) -> Html {
    html! {
        <span class={classes!("difficulty", crate::state::difficulty_class(difficulty))}>
            { crate::state::difficulty_label(difficulty, lang) }
        </span>
    }
}
