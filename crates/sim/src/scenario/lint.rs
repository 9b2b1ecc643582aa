//! The course checks `drill lint` runs on every scenario file (issue 11): a place in the
//! course, every text in English and Japanese, clean replays with no outage and a trap that
//! scores below them, proofs that meet the scenario's objective. The runbook's own checks live in `crate::runbook::lint`.

use super::{Scenario, Text};

/// Seeds of each branch case the replays are checked on.
const SEEDS_PER_CASE: usize = 2;
/// Seeds searched for a case.
const SEED_LIMIT: u64 = 100_000;

/// What is wrong with `s` as a course scenario (empty: nothing). Runs the proofs and the trap.
pub fn lint(s: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    if s.course.is_none() {
        out.push("no course position (course = { unit = \"basics\", order = 1 })".to_string());
    }
    out.extend(missing_texts(s));
    if s.branch_points.is_empty() {
        // The sandbox: nothing to prove.
        return out;
    }
    let Some(trap) = &s.trap else {
        out.push("no [trap]: the mistake the scenario teaches, as a replay".to_string());
        return out;
    };
    let trap_actions = match crate::script::parse(&trap.actions) {
        Ok(a) => a,
        Err(e) => {
            out.push(format!("trap: {e}"));
            return out;
        }
    };
    for proof in &s.proofs {
        let Ok(actions) = crate::script::parse(&proof.actions) else {
            continue; // the runbook lint reports it
        };
        let mut from = 0;
        for _ in 0..SEEDS_PER_CASE {
            let Some(seed) = s.seed_for_case(&proof.case, from, SEED_LIMIT) else {
                break; // the runbook lint reports it
            };
            from = seed + 1;
            let clean = crate::run(s, seed, &actions);
            if clean.outage_ms > 0 {
                out.push(format!(
                    "proof of {:?} (seed {seed}): an outage of {} ms (a clean replay has none)",
                    proof.case, clean.outage_ms
                ));
            }
            if let Some(o) = clean.objective.as_ref().filter(|o| !o.met) {
                out.push(format!(
                    "proof of {:?} (seed {seed}): the objective is not met by {} ({} not done): a proof does the work",
                    proof.case,
                    crate::time::fmt_clock(o.by_ms),
                    o.missing.join(", ")
                ));
            }
            if trap.case.as_ref().is_some_and(|c| c != &proof.case) {
                continue;
            }
            let mistake = crate::run(s, seed, &trap_actions);
            if mistake.outage_ms == 0 {
                out.push(format!(
                    "trap (seed {seed}, case {:?}) causes no outage: a trap shows what the mistake costs",
                    proof.case
                ));
            }
            if mistake.score >= clean.score {
                out.push(format!(
                    "trap (seed {seed}, case {:?}) scores {}, not below the clean replay's {}",
                    proof.case, mistake.score, clean.score
                ));
            }
        }
    }
    out
}

/// Every text the trainee reads, in both languages.
fn missing_texts(s: &Scenario) -> Vec<String> {
    let mut texts: Vec<(String, &Text)> = vec![
        ("title".into(), &s.title),
        ("summary".into(), &s.summary),
        ("briefing".into(), &s.briefing),
        ("lesson".into(), &s.lesson),
    ];
    for (i, m) in s.messages.iter().enumerate() {
        texts.push((format!("messages[{i}]"), &m.text));
    }
    for p in &s.branch_points {
        texts.push((format!("branch point {:?}", p.id), &p.label));
        for o in &p.options {
            texts.push((
                format!("branch point {:?} option {:?}", p.id, o.id),
                &o.label,
            ));
        }
    }
    if let Some(o) = &s.objective {
        texts.push(("objective".into(), &o.text));
    }
    if let Some(rb) = &s.runbook {
        texts.push(("runbook title".into(), &rb.title));
        for step in &rb.steps {
            texts.push((format!("runbook step {:?}", step.id), &step.text));
            for (i, b) in step.branches.iter().enumerate() {
                texts.push((format!("runbook step {:?} branch {i}", step.id), &b.text));
            }
        }
    }
    texts
        .into_iter()
        .filter_map(|(at, t)| {
            let missing: Vec<&str> = [("en", &t.en), ("ja", &t.ja)]
                .into_iter()
                .filter(|(_, v)| v.trim().is_empty())
                .map(|(lang, _)| lang)
                .collect();
            (!missing.is_empty()).then(|| format!("{at}: no {} text", missing.join(" or ")))
        })
        .collect()
}
