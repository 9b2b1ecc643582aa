//! The human-readable drill report printed by `drill run` and `drill verify`.

use std::fmt::Write;

use quorum_sim::report::{thousands, Cause, Report};
use quorum_sim::time::fmt_clock;

/// A duration in ms as `3m 41s` / `12.5s` / `0s`.
pub fn span(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else if ms.is_multiple_of(1000) {
        format!("{s}s")
    } else {
        format!("{:.1}s", ms as f64 / 1000.0)
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
    let _ = writeln!(o, "  Degraded        {}", span(r.degraded_ms));
    let _ = writeln!(o, "  Final health    {}", r.final_health);
    let b = &r.breakdown;
    let _ = writeln!(
        o,
        "  Breakdown       {} − outage {} − failed requests {} − degraded {} − penalties {} = {}",
        b.base,
        b.outage_points,
        b.failed_request_points,
        b.degraded_points,
        b.penalty_points,
        r.score
    );
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
            let _ = writeln!(o, "  {}: {}", br.id, br.outcome);
        }
    }
    let _ = writeln!(o, "\nOutages");
    if r.outages.is_empty() {
        let _ = writeln!(o, "  none");
    }
    for out in &r.outages {
        let (end, len) = match out.end_ms {
            Some(end) => (fmt_clock(end), span(end.saturating_sub(out.start_ms))),
            None => (
                "end".to_string(),
                span(r.duration_ms.saturating_sub(out.start_ms)),
            ),
        };
        let _ = writeln!(
            o,
            "  {}–{} ({len}): {}",
            fmt_clock(out.start_ms),
            end,
            out.explanation
        );
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
    }
}
