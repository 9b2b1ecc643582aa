//! Read-mostly views over the running drill: the datastore panel, the API console, traffic,
//! notifications, the event log, and the debrief's report view. Each takes a `SimHandle`
//! (or a finished report) and the language; actions go up through `on_action`.
//!
//! The props below are the contract with the app shell; the components live in the
//! submodules and are re-exported here. Styles: `static/panels.css`.

mod api_console;
pub(crate) mod chart;
mod datastore;
mod debrief;
mod event_log;
mod notifications;
mod runbook;
mod traffic;
pub(crate) mod util;

/// Datastore REST calls and their responses.
pub use api_console::ApiConsole;
/// Node cards (role, master crown, up/down, shard blocks), health badge, voting config.
pub use datastore::{datastore_panel, DatastorePanel};
/// Score breakdown, timeline chart with action markers, outage causes, branch reveals,
/// lesson, rewind buttons, and the side-by-side comparison of a what-if run.
pub use debrief::{debrief_view, DebriefView, TIMELINE_WIDTH_PX};
/// The event log, newest first, filterable by source.
pub use event_log::EventLog;
/// CloudWatch-style alarms, EC2 notices and chat messages.
pub use notifications::{notifications, Notifications};
/// The scenario's runbook as the sim tracks it: steps, ticks, the current step and branch.
pub use runbook::{runbook_panel, RunbookPanel};
/// Live chart of ok / failed requests per second and p99, failed counters, outage timer.
pub use traffic::{traffic_panel, TrafficPanel, TRAFFIC_WIDTH_PX};

use std::rc::Rc;

use quorum_sim::action::{Action, TimedAction};
use quorum_sim::report::Report;
use quorum_sim::traffic::Sample;
use yew::prelude::*;

use crate::i18n::Lang;
use crate::sim_handle::SimHandle;

#[derive(Properties, PartialEq)]
pub struct SimProps {
    pub sim: SimHandle,
    pub lang: Lang,
    /// Whose actions these are, for a ghost replay (the log says "You" otherwise).
    #[prop_or_default]
    pub player: Option<AttrValue>,
}

#[derive(Properties, PartialEq)]
pub struct RunbookProps {
    pub sim: SimHandle,
    pub lang: Lang,
    /// How the drill is played: the sim reveals the selected branch only in Mentor/What-if.
    pub mode: quorum_sim::PlayMode,
}

#[derive(Properties, PartialEq)]
pub struct ApiConsoleProps {
    pub sim: SimHandle,
    pub lang: Lang,
    pub on_action: Callback<Action>,
    /// The clock is paused: a request waits for it to run (the answer takes a tick or more).
    #[prop_or_default]
    pub paused: bool,
}

#[derive(Properties, PartialEq)]
pub struct DebriefProps {
    pub report: Rc<Report>,
    pub samples: Rc<Vec<Sample>>,
    pub actions: Rc<Vec<TimedAction>>,
    /// The scenario's lesson, in `lang`.
    pub lesson: AttrValue,
    pub lang: Lang,
    /// "Rewind to just before action #i".
    pub on_rewind: Callback<usize>,
    /// The other run of a what-if comparison, shown side by side.
    #[prop_or_default]
    pub compare: Option<Rc<Report>>,
}
