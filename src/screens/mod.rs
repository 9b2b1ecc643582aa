//! The screens of the game: home, briefing, the drill console, the debrief.

pub mod briefing;
pub mod debrief;
pub mod drill;
pub mod home;

pub use briefing::Briefing;
pub use debrief::DebriefScreen;
pub use drill::DrillScreen;
pub use home::Home;
