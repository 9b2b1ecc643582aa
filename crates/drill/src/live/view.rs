//! The live drill's terminal view: one line per noteworthy event as it happens (pager,
//! chat, alarms, instance states, the trainee's requests that change the drill), and a status line (clock,
//! health, outage timer, alarms in ALARM) every sim minute and whenever health changes.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};

use quorum_sim::scenario::Lang;
use quorum_sim::time::fmt_clock;
use quorum_sim::{EventKind, Sim};

use super::clock::Clock;
use crate::report_text::span;

/// Where the view's lines go, and what it last printed.
pub struct View {
    out: Option<Box<dyn Write + Send>>,
    /// The sim minute of the last status line.
    last_status_min: Option<u64>,
    last_health: Option<quorum_sim::Health>,
}

impl View {
    pub fn new(out: Option<Box<dyn Write + Send>>) -> View {
        View {
            out,
            last_status_min: None,
            last_health: None,
        }
    }

    fn line(&mut self, text: &str) {
        if let Some(out) = self.out.as_mut() {
            let _ = writeln!(out, "{text}");
            let _ = out.flush();
        }
    }

    /// A line outside the sim's log (pause, speed, the banner).
    pub fn note(&mut self, text: &str) {
        self.line(text);
    }

    /// The noteworthy events logged from `from` on.
    pub fn events(&mut self, sim: &Sim, from: usize) {
        if self.out.is_none() {
            return;
        }
        let lines: Vec<String> = sim.events()[from..]
            .iter()
            .filter_map(|e| {
                let tag = match &e.kind {
                    EventKind::Chat { .. } => "chat ",
                    EventKind::Alarm { .. } | EventKind::Ec2Notice { .. } => "PAGER",
                    EventKind::StatusChecks { .. } => "PAGER",
                    // Reads (recorded once a second) and a search or index loop would
                    // print a line a second; their answers are in the trainee's own
                    // terminal, and the debrief counts them.
                    EventKind::ActionAccepted { action, .. }
                        if !action.changes_state()
                            || matches!(action, quorum_sim::Action::AppRequests { .. }) =>
                    {
                        return None
                    }
                    EventKind::ActionAccepted { .. } | EventKind::ActionRefused { .. } => "you  ",
                    // Answers go to the trainee's own terminal.
                    EventKind::ApiResponse { .. } => return None,
                    k if k.is_noteworthy() => "     ",
                    _ => return None,
                };
                Some(format!(
                    "[{}] {tag} {}",
                    fmt_clock(e.at_ms),
                    e.message(Lang::En)
                ))
            })
            .collect();
        for l in lines {
            self.line(&l);
        }
    }

    /// The status line, once a sim minute and on a health change.
    pub fn status(&mut self, sim: &Sim, clock: &Clock) {
        if self.out.is_none() {
            return;
        }
        let minute = sim.now_ms() / 60_000;
        let health = sim.main_cluster().health;
        if self.last_status_min == Some(minute) && self.last_health == Some(health) {
            return;
        }
        self.last_status_min = Some(minute);
        self.last_health = Some(health);
        let line = status_line(sim, clock);
        self.line(&line);
    }
}

/// `[03:00] ── health yellow · outage none · alarms: node-1-status-check · 60x`
pub fn status_line(sim: &Sim, clock: &Clock) -> String {
    let outage = match sim.current_outage_ms() {
        Some(ms) => format!("OUTAGE {}", span(ms)),
        None => "no outage".to_string(),
    };
    let alarms = sim.alarms_in_alarm();
    let alarms = if alarms.is_empty() {
        "none".to_string()
    } else {
        alarms.join(", ")
    };
    let health = match sim.main_cluster().health {
        quorum_sim::Health::NoMaster => "no master".to_string(),
        h => h.as_str().to_string(),
    };
    format!(
        "[{}] ── health {health} · {outage} · alarms: {alarms} · {}x{} · ends {}",
        fmt_clock(sim.now_ms()),
        clock.speed(),
        if clock.is_paused() { " (paused)" } else { "" },
        fmt_clock(sim.duration_ms())
    )
}

/// What the trainee reads first: the scenario, the endpoints, the controls.
pub fn banner(sim: &Sim, bind: IpAddr, es_port: u16, ec2: SocketAddr, clock: &Clock) -> String {
    let s = sim.scenario();
    let mut o = format!(
        "drill live: {} — {} (seed {}, {}x)\n{}\n\n",
        s.id,
        s.title.en,
        sim.seed(),
        clock.speed(),
        s.briefing.en
    );
    o.push_str(&format!(
        "  EC2 + SSM   http://{ec2}   (aws --endpoint-url http://{ec2} ...)\n"
    ));
    for (k, inst) in sim.instances().iter().enumerate() {
        o.push_str(&format!(
            "  {:<10}  http://{bind}:{}   {}\n",
            inst.name,
            es_port as usize + k,
            inst.id
        ));
    }
    o.push_str(
        "  Controls: p + Enter pauses/resumes, + / - doubles/halves the speed, q ends the drill.\n",
    );
    o
}

/// The debrief's lines about what the real tools sent that the report does not show: the
/// trainee's own searches and indexes (already in its failed requests), the reads recorded
/// once per sim second, and what the replay's cap left unrecorded or refused.
pub fn recorded(outcome: &super::Outcome) -> String {
    let [searches, searches_failed, indexes, indexes_failed] = outcome.app_tally;
    let mut o = String::from("\nRecorded with the real tools\n");
    o.push_str(&format!(
        "  Your app requests  {searches} searches ({searches_failed} failed), {indexes} documents indexed ({indexes_failed} failed): counted in the failed requests above\n"
    ));
    o.push_str(&format!(
        "  Reads              each distinct read once per node and sim second; {} repeats within a second were answered, not recorded\n",
        outcome.reads_coalesced
    ));
    if let Some(at) = outcome.reads_full_at_ms {
        o.push_str(&format!(
            "  Replay cap         from {} the replay had no room left for reads: {} reads were answered but not recorded\n",
            fmt_clock(at),
            outcome.reads_unrecorded
        ));
    }
    if outcome.refused_full > 0 {
        o.push_str(&format!(
            "  Replay full        {} requests that change the drill were refused (429) and are not in the replay\n",
            outcome.refused_full
        ));
    }
    o
}
