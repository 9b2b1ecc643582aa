//! Branch-case coverage, the next drill, and the daily drill: pure rules the game asks
//! instead of re-deriving them.
//!
//! A trainee has **met** a branch case when a finished drill played it, and **handled it
//! cleanly** when such a drill ([`handled_cleanly`]) caused no outage, earned no penalty, and
//! had full redundancy back by the end, no later than [`PAR_SLACK_MS`] after the case's par
//! (its proof replay's time to full redundancy; without a par, by the end is enough).

use crate::report::Report;
use crate::scenario::{BranchCase, Lang, Scenario};

/// How far past the case's par full redundancy may come back for a run to count as handled
/// cleanly (*chosen*: a trainee who follows the runbook at a human pace, reading each step,
/// is a few minutes slower than the proof's script).
pub const PAR_SLACK_MS: u64 = 5 * 60 * 1000;

/// One played branch case, as the game stores it (one per scenario and case: the latest
/// play's day, and whether any play handled it cleanly).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseRecord {
    pub scenario: String,
    pub case: String,
    pub handled_cleanly: bool,
    /// Days since 1970-01-01 (UTC) of the last play.
    pub last_played_day: u32,
}

/// Whether a finished drill handled its branch case cleanly (see the module docs).
pub fn handled_cleanly(report: &Report) -> bool {
    report.outage_ms == 0
        && report.penalties.is_empty()
        && report.final_health == "green"
        && report.time_to_green_ms.is_some_and(|t| {
            report
                .par_redundancy_ms
                .is_none_or(|par| t <= par + PAR_SLACK_MS)
        })
}

/// What the history says of one case: (handled cleanly, last played day; `None`: never met).
fn standing(scenario: &Scenario, case: &str, history: &[CaseRecord]) -> (bool, Option<u32>) {
    let mut handled = false;
    let mut last = None;
    for r in history
        .iter()
        .filter(|r| r.scenario == scenario.id && r.case == case)
    {
        handled |= r.handled_cleanly;
        last = last.max(Some(r.last_played_day));
    }
    (handled, last)
}

/// The case the next drill should play: one not yet handled cleanly first (never met before
/// met), then the least recently practised; ties go to the case listed first.
pub fn next_case(scenario: &Scenario, history: &[CaseRecord]) -> BranchCase {
    let cases = scenario.branch_cases();
    let key = |c: &BranchCase| {
        let (handled, last) = standing(scenario, &c.id, history);
        (handled, last)
    };
    // `min_by_key` keeps the first of equal keys; `None` (never met) sorts before any day.
    cases
        .iter()
        .min_by_key(|c| key(c))
        .cloned()
        .unwrap_or_else(|| BranchCase {
            id: String::new(),
            label: Default::default(),
            weight_ppm: 1_000_000,
        })
}

/// The first seed from 1 that plays [`next_case`] (cheap: draws only, no simulation).
pub fn next_seed(scenario: &Scenario, history: &[CaseRecord]) -> u64 {
    let case = next_case(scenario, history);
    scenario
        .seed_for_case(&case.id, 1, SEED_SEARCH_LIMIT)
        .unwrap_or(1)
}

/// How many seeds a search for a case tries.
pub const SEED_SEARCH_LIMIT: u64 = 100_000;

/// The coverage line of a scenario: "2 of 4 branch cases handled cleanly; not yet met: …".
pub fn summary(scenario: &Scenario, history: &[CaseRecord], lang: Lang) -> String {
    let cases = scenario.branch_cases();
    let mut handled = 0;
    let mut unmet = Vec::new();
    let mut unhandled = Vec::new();
    for c in &cases {
        match standing(scenario, &c.id, history) {
            (true, _) => handled += 1,
            (false, None) => unmet.push(c.label.get(lang).to_string()),
            (false, Some(_)) => unhandled.push(c.label.get(lang).to_string()),
        }
    }
    let total = cases.len();
    let ja = lang == Lang::Ja;
    let mut out = if ja {
        format!("分岐ケース {total} 件中 {handled} 件をクリーンに対処")
    } else {
        format!(
            "{handled} of {total} branch case{} handled cleanly",
            if total == 1 { "" } else { "s" }
        )
    };
    if !unmet.is_empty() {
        out.push_str(if ja {
            "。未遭遇: "
        } else {
            "; not yet met: "
        });
        out.push_str(&unmet.join(if ja { "／" } else { " | " }));
    }
    if !unhandled.is_empty() {
        out.push_str(if ja {
            "。遭遇したが未対処: "
        } else {
            "; met, not yet handled cleanly: "
        });
        out.push_str(&unhandled.join(if ja { "／" } else { " | " }));
    }
    out
}

/// The daily drill: one scenario and seed per calendar day, the same for everyone.
pub mod daily {
    use super::SEED_SEARCH_LIMIT;
    use crate::rng::Prng;
    use crate::scenario;

    /// The scenario and seed of `day` (days since 1970-01-01, UTC). Every non-sandbox
    /// built-in scenario comes once in each run of as many days (in an order drawn per run),
    /// and a scenario's successive turns cycle through its branch cases, so that over time
    /// the daily drill meets every case. Stable: a pure function of the day and the built-in
    /// scenarios.
    pub fn drill_for_day(day: u32) -> (&'static str, u64) {
        let pool: Vec<&'static scenario::Scenario> = scenario::all()
            .iter()
            .filter(|s| s.id != "sandbox")
            .collect();
        let n = pool.len().max(1) as u32;
        let (round, slot) = (day / n, day % n);
        // This round's order of the scenarios: a Fisher–Yates shuffle drawn from the round.
        let mut order: Vec<usize> = (0..pool.len()).collect();
        let mut rng = Prng::fork(u64::from(round), "daily");
        for i in (1..order.len()).rev() {
            let j = rng.below(i as u32 + 1) as usize;
            order.swap(i, j);
        }
        let Some(s) = order.get(slot as usize).map(|&i| pool[i]) else {
            return ("sandbox", 1);
        };
        let cases = s.branch_cases();
        // The round picks the case; a seed of it from a day-dependent start.
        let case = &cases[round as usize % cases.len().max(1)];
        let from = 1 + Prng::fork(u64::from(day), "daily-seed").range(0, 899_999);
        let seed = s
            .seed_for_case(&case.id, from, SEED_SEARCH_LIMIT)
            .unwrap_or(from);
        (s.id.as_str(), seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::builtin;

    fn record(case: &str, handled: bool, day: u32) -> CaseRecord {
        CaseRecord {
            scenario: "seed-ami-trap".into(),
            case: case.into(),
            handled_cleanly: handled,
            last_played_day: day,
        }
    }

    #[test]
    fn next_case_picks_an_unhandled_case_first_then_the_least_recently_practised() {
        let s = builtin("seed-ami-trap").unwrap();
        let ids: Vec<String> = s.branch_cases().into_iter().map(|c| c.id).collect();
        assert_eq!(
            ids,
            [
                "recovery=early",
                "recovery=late",
                "recovery=never,setup=ok",
                "recovery=never,setup=fails-once"
            ]
        );
        // Nothing played: the first case.
        assert_eq!(next_case(s, &[]).id, "recovery=early");
        // early handled, late met and failed: the never-met cases come first.
        let history = [
            record("recovery=early", true, 100),
            record("recovery=late", false, 90),
        ];
        assert_eq!(next_case(s, &history).id, "recovery=never,setup=ok");
        // Every case met; only late is unhandled: late, though it is not the oldest.
        let history = [
            record("recovery=early", true, 50),
            record("recovery=late", false, 99),
            record("recovery=never,setup=ok", true, 60),
            record("recovery=never,setup=fails-once", true, 70),
        ];
        assert_eq!(next_case(s, &history).id, "recovery=late");
        // Every case handled: the least recently practised.
        let history = [
            record("recovery=early", true, 50),
            record("recovery=late", true, 99),
            record("recovery=never,setup=ok", true, 40),
            record("recovery=never,setup=fails-once", true, 70),
            // An old failed play does not undo a clean one; a later play counts.
            record("recovery=never,setup=ok", false, 30),
        ];
        assert_eq!(next_case(s, &history).id, "recovery=never,setup=ok");
        // Another scenario's records do not count.
        let mut other = record("recovery=early", true, 1);
        other.scenario = "node-hang".into();
        assert_eq!(next_case(s, &[other]).id, "recovery=early");
        // The seed it names plays that case.
        let seed = next_seed(s, &history);
        assert_eq!(s.case_for_seed(seed), "recovery=never,setup=ok");
    }

    #[test]
    fn the_summary_names_what_is_not_yet_met() {
        let s = builtin("seed-ami-trap").unwrap();
        let history = [
            record("recovery=early", true, 1),
            record("recovery=late", false, 2),
            record("recovery=never,setup=ok", true, 3),
        ];
        assert_eq!(
            summary(s, &history, Lang::En),
            "2 of 4 branch cases handled cleanly; not yet met: node-1 never recovers (automatic recovery fails); the first setup fails on a bad package mirror and must be re-run; met, not yet handled cleanly: node-1 recovers after 5 to 12½ minutes (its checks pass before 15:00)"
        );
        assert!(summary(s, &history, Lang::Ja)
            .starts_with("分岐ケース 4 件中 2 件をクリーンに対処。未遭遇: "));
        assert_eq!(
            summary(s, &[], Lang::En).split(';').next(),
            Some("0 of 4 branch cases handled cleanly")
        );
    }

    #[test]
    fn the_daily_drill_is_stable_and_covers_every_scenario_and_case() {
        let scenarios: Vec<&str> = crate::scenario::all()
            .iter()
            .map(|s| s.id.as_str())
            .filter(|id| *id != "sandbox")
            .collect();
        // Twenty rounds, from the first day of a round.
        let n = scenarios.len() as u32;
        let start = 20_000 / n * n;
        let days: Vec<(&str, u64)> = (start..start + 20 * n).map(daily::drill_for_day).collect();
        let again: Vec<(&str, u64)> = (start..start + 20 * n).map(daily::drill_for_day).collect();
        assert_eq!(days, again, "the same day gives the same drill");
        // Each round (one day per scenario) plays every non-sandbox scenario once.
        for run in days.chunks(scenarios.len()) {
            let mut ids: Vec<&str> = run.iter().map(|(id, _)| *id).collect();
            ids.sort_unstable();
            let mut want = scenarios.clone();
            want.sort_unstable();
            assert_eq!(ids, want);
        }
        // Over twenty rounds every branch case of every scenario comes up.
        for s in crate::scenario::all().iter().filter(|s| s.id != "sandbox") {
            for case in s.branch_cases() {
                assert!(
                    days.iter()
                        .any(|(id, seed)| *id == s.id && s.case_for_seed(*seed) == case.id),
                    "{} {} never comes up",
                    s.id,
                    case.id
                );
            }
        }
        assert_ne!(days[0], days[4], "seeds differ from one round to the next");
    }
}
