#![cfg(not(target_arch = "wasm32"))]
//! "Skip to the next event" stops at every event a trainee would want to see
//! (`EventKind::is_noteworthy`), in order, never jumping over one, and is offered while the
//! drill runs.

use quorum_sim::event::Event;
use quorum_sim::time::{fmt_clock, parse_clock};
use quorum_sim::{scenario, script, Playback, Sim};

fn at(text: &str) -> u64 {
    parse_clock(text).unwrap()
}

/// The distinct times at which noteworthy events happen in `events`, after `from_ms`.
fn noteworthy_times(events: &[Event], from_ms: u64) -> Vec<u64> {
    let mut times: Vec<u64> = events
        .iter()
        .filter(|e| e.at_ms > from_ms && e.kind.is_noteworthy())
        .map(|e| e.at_ms)
        .collect();
    times.dedup();
    times
}

/// Skips from `from` (reached by playing) once; returns where it landed.
fn skip_once_from(id: &str, seed: u64, from: &str) -> u64 {
    let s = scenario::builtin(id).unwrap();
    let mut sim = Sim::new(s, seed);
    let mut playback = Playback::live();
    playback.run_until(&mut sim, at(from));
    assert!(playback.can_skip(&sim), "skip offered at {from}");
    playback.skip(&mut sim);
    sim.now_ms()
}

#[test]
fn skip_stops_at_the_moments_of_seed_3_a_trainee_must_see() {
    // seed-ami-trap, seed 3, no actions (issue 9).
    assert_eq!(
        fmt_clock(skip_once_from("seed-ami-trap", 3, "00:45")),
        "01:00",
        "the first failed check"
    );
    assert_eq!(
        fmt_clock(skip_once_from("seed-ami-trap", 3, "06:00")),
        "06:36",
        "node-1's recovery (the late case)"
    );
    // From 06:40 on, skipping shows the 08:00 checks and rejoin, green again at 10:02, the
    // shard recoveries after it, and the end.
    let s = scenario::builtin("seed-ami-trap").unwrap();
    let mut sim = Sim::new(s, 3);
    let mut playback = Playback::live();
    playback.run_until(&mut sim, at("06:40"));
    let mut landed = Vec::new();
    while playback.can_skip(&sim) {
        playback.skip(&mut sim);
        landed.push(fmt_clock(sim.now_ms()));
    }
    for moment in ["08:00", "10:02", "14:19", "18:35", "45:00"] {
        assert!(
            landed.iter().any(|l| l == moment),
            "stops at {moment}: {landed:?}"
        );
    }
    assert_eq!(landed.last().map(String::as_str), Some("45:00"), "the end");
}

#[test]
fn skipping_from_the_start_visits_every_noteworthy_event_in_order() {
    for (id, seed, text) in [
        ("seed-ami-trap", 3, ""),
        ("seed-ami-trap", 1, "at 02:00 create-image node-2"),
        (
            "stuck-stopping",
            2,
            "at 01:30 stop node-2\nat 03:00 force-stop node-2\nat 08:00 start node-2",
        ),
        ("node-hang", 5, "at 06:00 reboot node-3"),
        (
            "disk-full",
            7,
            "at 12:00 clean-logs node-2\nat 13:00 resize-volume node-2 --gib 200",
        ),
    ] {
        let s = scenario::builtin(id).unwrap();
        let actions = script::parse(text).unwrap();
        // The recorded run.
        let mut full = Sim::new(s, seed);
        Playback::new(actions.clone()).finish(&mut full);
        let expected = noteworthy_times(full.events(), 0);
        // The replay, skipped through from 00:00.
        let mut sim = Sim::new(s, seed);
        let mut playback = Playback::new(actions);
        let mut landed = Vec::new();
        while playback.can_skip(&sim) {
            let before = sim.now_ms();
            playback.skip(&mut sim);
            assert!(sim.now_ms() > before, "{id}: skip moves");
            landed.push(sim.now_ms());
            assert!(landed.len() < 10_000);
        }
        assert!(sim.is_over(), "{id}: skip is offered until the end");
        let shown: Vec<String> = landed.iter().map(|t| fmt_clock(*t)).collect();
        let want: Vec<String> = expected.iter().map(|t| fmt_clock(*t)).collect();
        assert_eq!(
            shown, want,
            "{id} seed {seed}: every noteworthy moment, in order"
        );
        assert_eq!(
            sim.event_log_hash(),
            full.event_log_hash(),
            "{id}: skipping changes nothing"
        );
    }
}
