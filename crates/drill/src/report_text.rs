//! The human-readable drill report printed by `drill run` and `drill verify`.

use std::fmt::Write;

use quorum_sim::report::{Cause, Report};
use quorum_sim::scenario::Lang;
use quorum_sim::time::{fmt_clock, fmt_count as thousands};

/// A duration in ms as `3m 41s` / `12.5s` / `0s`.
pub fn span(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else if ms.is_multiple_of(1000) {
        format!("{s}s")
    } else {
        // Integer tenths: sim times are whole ticks (100 ms), so nothing is rounded.
        format!("{s}.{}s", ms % 1000 / 100)
    }
}

/// The whole report as text: summary, score breakdown, branch reveals, outages with their
/// explanations, then the event log with `mm:ss` times.
pub fn render(report: &Report, title: &str) -> String {
    let mut o = String::new();
    let r = report;
    let _ = writeln!(o, "{title}");
    let _ = writeln!(
        o,
        "scenario {} · seed {} · {} · sim_version {}",
        r.scenario_id,
        r.seed,
        fmt_clock(r.duration_ms),
        r.sim_version
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "  Score           {} (grade {})", r.score, r.grade);
    let _ = writeln!(o, "  Outage          {}", span(r.outage_ms));
    let _ = writeln!(
        o,
        "  Failed requests {} of {} (reads {} of {}, writes {} of {})",
        thousands(r.requests_failed),
        thousands(r.requests_total),
        thousands(r.reads_failed),
        thousands(r.reads_total),
        thousands(r.writes_failed),
        thousands(r.writes_total)
    );
    let ttg = match r.time_to_green_ms {
        Some(ms) => fmt_clock(ms),
        None => "never (the drill ended without full redundancy)".to_string(),
    };
    let _ = writeln!(o, "  Time to green   {ttg}");
    if !r.branch_case.is_empty() {
        let _ = writeln!(o, "  Branch case     {}", r.branch_case);
    }
    if let Some(par) = r.par_redundancy_ms {
        let _ = writeln!(o, "  Par             full redundancy by {}", fmt_clock(par));
    }
    let _ = writeln!(o, "  Degraded        {}", span(r.degraded_ms));
    let _ = writeln!(o, "  Final health    {}", r.final_health);
    let b = &r.breakdown;
    let _ = writeln!(
        o,
        "  Breakdown       {} − outage {} − failed requests {} − degraded {} − beyond par {} − instances {} − images {} − objective {} − penalties {} = {}",
        b.base,
        b.outage_points,
        b.failed_request_points,
        b.degraded_points,
        b.beyond_par_points,
        b.instance_points,
        b.image_points,
        b.objective_points,
        b.penalty_points,
        r.score
    );
    if let Some(obj) = &r.objective {
        let _ = writeln!(o, "  Objective       {}", obj.text(Lang::En));
    }
    if !r.penalties.is_empty() {
        let _ = writeln!(o, "\nPenalties");
        for p in &r.penalties {
            let _ = writeln!(
                o,
                "  {}  −{}  action #{}: {}",
                fmt_clock(p.at_ms),
                p.points,
                p.action_index + 1,
                p.reason
            );
        }
    }
    if !r.branches.is_empty() {
        let _ = writeln!(o, "\nHidden branches (revealed)");
        for br in &r.branches {
            let _ = writeln!(o, "  {}={}: {}", br.id, br.option, br.outcome);
        }
    }
    let _ = writeln!(o, "\nOutages");
    if r.outages.is_empty() {
        let _ = writeln!(o, "  none");
    }
    for out in &r.outages {
        // The span and its length as the debrief shows them (quorum_sim::time's one rule).
        let len = span(out.shown_length_ms(r.duration_ms));
        let shown = match out.end_ms {
            Some(_) => out.span_text(r.duration_ms),
            None => format!("{}–end", fmt_clock(out.start_ms)),
        };
        let _ = writeln!(o, "  {shown} ({len}): {}", out.explanation);
        for cause in &out.causes {
            let line = match cause {
                Cause::Fault { node, fault, at_ms } => {
                    format!("fault {fault} on {node} at {}", fmt_clock(*at_ms))
                }
                Cause::Action {
                    node,
                    action_index,
                    action,
                    at_ms,
                } => format!(
                    "your action #{} `{action}` on {node} at {}",
                    action_index + 1,
                    fmt_clock(*at_ms)
                ),
            };
            let _ = writeln!(o, "      cause: {line}");
        }
    }
    if let Some(cmp) = &r.runbook {
        let _ = write!(o, "\n{}", cmp.text(quorum_sim::scenario::Lang::En));
    }
    let _ = writeln!(
        o,
        "\nEvent log ({} events, sha256 {})",
        r.events.len(),
        r.event_log_hash
    );
    let width = r
        .events
        .iter()
        .map(|e| e.kind.len())
        .max()
        .unwrap_or(0)
        .min(24);
    for e in &r.events {
        let _ = writeln!(
            o,
            "  {}  {:width$}  {}",
            fmt_clock(e.at_ms),
            e.kind,
            e.message
        );
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(span(0), "0s");
        assert_eq!(span(1_500), "1.5s");
        assert_eq!(span(221_000), "3m 41s");
        assert_eq!(span(59_900), "59.9s");
    }

    #[test]
    fn an_outage_reads_as_the_debrief_shows_it() {
        // The founding mistake: the outage's span and length are the debrief's, to the second.
        let scenario = quorum_sim::scenario::builtin("seed-ami-trap").unwrap();
        let actions = quorum_sim::script::parse("at 02:00 create-image node-2\n").unwrap();
        let report = quorum_sim::run(scenario, 3, &actions);
        let out = report.outages.first().expect("the trap causes an outage");
        let text = render(&report, "trap");
        let shown = out.span_text(report.duration_ms);
        let len = out.shown_length_ms(report.duration_ms);
        let line = format!("  {shown} ({})", span(len));
        assert!(text.contains(&line), "{line:?} not in:\n{text}");
        // Length = the difference of the two clocks printed, not of the raw ms.
        let (a, b) = shown.split_once('–').unwrap();
        let secs = |c: &str| {
            let (m, s) = c.split_once(':').unwrap();
            m.parse::<u64>().unwrap() * 60 + s.parse::<u64>().unwrap()
        };
        assert_eq!(len / 1000, secs(b) - secs(a));
    }
}
