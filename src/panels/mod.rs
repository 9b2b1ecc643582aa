//! Read-mostly views over the running drill: the datastore panel, the API console, traffic,
//! notifications, the event log, and the debrief's report view. Each takes a `SimHandle`
//! (or a finished report) and the language; actions go up through `on_action`.
//!
//! (Placeholders with the final props; the panels engineer fills them in.)

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
}

#[derive(Properties, PartialEq)]
pub struct ApiConsoleProps {
    pub sim: SimHandle,
    pub lang: Lang,
    pub on_action: Callback<Action>,
}

/// Node cards (role, master crown, up/down, shard blocks), health badge, voting config.
#[component]
pub fn DatastorePanel(props: &SimProps) -> Html {
    let _ = props;
    html! { <section class="panel datastore" aria-label="Datastore"></section> }
}

/// Datastore REST calls and their responses.
#[component]
pub fn ApiConsole(props: &ApiConsoleProps) -> Html {
    let _ = props;
    html! { <section class="panel api-console" aria-label="API console"></section> }
}

/// Live chart of ok / failed requests per second and p99, failed counters, outage timer.
#[component]
pub fn TrafficPanel(props: &SimProps) -> Html {
    let _ = props;
    html! { <section class="panel traffic" aria-label="Traffic"></section> }
}

/// CloudWatch-style alarms, EC2 notices and chat messages.
#[component]
pub fn Notifications(props: &SimProps) -> Html {
    let _ = props;
    html! { <section class="panel notifications" aria-label="Notifications"></section> }
}

/// The event log, newest first, filterable by source.
#[component]
pub fn EventLog(props: &SimProps) -> Html {
    let _ = props;
    html! { <section class="panel event-log" aria-label="Event log"></section> }
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

/// Score breakdown, timeline chart with action markers, outage causes, branch reveals,
/// lesson, rewind buttons, and the side-by-side comparison of a what-if run.
#[component]
pub fn DebriefView(props: &DebriefProps) -> Html {
    let _ = props;
    html! { <section class="debrief-view"></section> }
}
