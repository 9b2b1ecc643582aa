//! The screens of the game: home, briefing, the drill console, the debrief, and the
//! leaderboard, competition and submission views.

pub mod briefing;
pub mod competition;
pub mod debrief;
pub mod drill;
pub mod home;
pub mod leaderboard;
pub mod submit;

pub use briefing::Briefing;
pub use competition::{CompetitionCard, CompetitionScreen, Joined};
pub use debrief::DebriefScreen;
pub use drill::DrillScreen;
pub use home::Home;
pub use leaderboard::{LeaderboardScreen, ServerView};
pub use submit::{Availability, SubmitForm, SubmitPanel, SubmitState};
