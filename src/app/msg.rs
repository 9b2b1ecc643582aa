//! Everything that can happen to the app: a click, a timer frame, an answer from the server.
//! The reducer (`state.rs`) is the only reader.

use std::rc::Rc;

use quorum_sim::action::Action;

use crate::i18n::Lang;
#[cfg(feature = "boards")]
use crate::leaderboard::{BoardFilter, RunDetail};
use crate::leaderboard::{Competition, IdentityCreated, SubmitResponse, VersionInfo};
use crate::net::Failure;
use crate::route::Route;
use crate::screens::SubmitForm;
use crate::state::Mode;

pub enum Msg {
    /// The scenario pack is installed (`scenario::install_packed`) and storage was read after
    /// it (stored runs and the drill in progress name scenarios).
    ScenariosReady(Box<crate::storage::Loaded>),
    /// The scenario pack could not be fetched or installed: why.
    ScenariosFailed(String),
    /// Fetch the scenario pack again (the error screen's button).
    RetryScenarios,
    SetLang(Lang),
    SetMode(Mode),
    SeedText(String),
    RandomSeed,
    Open(&'static str),
    Home,
    Start,
    /// Briefing for this scenario with the seed of the branch case to practise next
    /// (`quorum_sim::coverage::next_seed` over the stored coverage).
    NextDrill(&'static str),
    /// Briefing for today's daily drill (`quorum_sim::daily::drill_for_day`).
    DailyDrill,
    /// A ticker frame: advance the clock by the wall time since the last one.
    Tick,
    Dispatch(Vec<Action>),
    Mentor(bool),
    Speed(u32),
    TogglePause,
    Skip,
    End,
    Quit,
    DismissFlash(u64),
    DismissNotice(usize),
    Rewind(usize),
    Retry,
    NewSeed,
    Export,
    Import(String),
    Watch(usize),
    /// A saved live run's debrief (to read it again or submit it).
    Debrief(usize),
    Download(usize),
    Delete(usize),
    /// The browser refused to store something (an effect reports it back).
    WriteFailed,
    /// The start-up check: the server's version, or `None` without a server.
    ServerChecked(Option<Rc<VersionInfo>>),
    /// The board the page's address names (route.rs), read at start.
    OpenRoute(Route),
    /// A scenario's leaderboard (all runs).
    OpenBoard(&'static str),
    /// Another scenario on the leaderboard page (keeps the competition filter).
    #[cfg(feature = "boards")]
    BoardScenario(&'static str),
    #[cfg(feature = "boards")]
    BoardAllRuns,
    /// Today's daily-drill board.
    DailyBoard,
    /// The leaderboard's mode/seed filters.
    #[cfg(feature = "boards")]
    BoardFilter(BoardFilter),
    OpenCompetition,
    /// A competition scenario's leaderboard (only the competition's runs).
    #[cfg(feature = "boards")]
    CompetitionBoard(String),
    JoinCompetition(String),
    CompetitionLoaded {
        code: String,
        result: Result<Rc<Competition>, Failure>,
        fetched_at: f64,
        joining: bool,
    },
    #[cfg(feature = "boards")]
    RefreshCompetition,
    LeaveCompetition,
    /// Briefing for a competition scenario with its fixed seed.
    PlayCompetition((String, u64)),
    Submit(SubmitForm),
    /// The server issued this browser's identity (asked for by the first submission, which
    /// then goes out as it).
    IdentityCreated(Result<IdentityCreated, Failure>),
    /// Show the identity's token, to copy it elsewhere.
    #[cfg(feature = "boards")]
    ShowIdentity,
    /// Use this token (exported from another browser) as this browser's identity.
    #[cfg(feature = "boards")]
    ImportIdentity(String),
    Submitted(Result<Rc<SubmitResponse>, Failure>),
    /// Fetch a leaderboard run and watch it (ghost replay).
    #[cfg(feature = "boards")]
    WatchRun(i64),
    #[cfg(feature = "boards")]
    GhostLoaded(Result<Rc<RunDetail>, Failure>),
    #[cfg(feature = "boards")]
    WatchLocal(usize),
}
