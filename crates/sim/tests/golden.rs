//! Golden replays: their event-log hashes are pinned in `golden/hashes.txt`. The same cases
//! run natively and in wasm32 (headless Chromium) and must give the same hashes, bit for bit.
//! The file's first line records the `SIM_VERSION` it was blessed at. A deliberate behaviour
//! change bumps SIM_VERSION, then re-blesses the file (`UPDATE_EXPECT=1`); re-blessing changed
//! hashes without the bump is refused.

mod cases;
use cases::CASES;

use quorum_sim::{replay, scenario, script, Replay, SIM_VERSION};

/// `sim_version=N` and the hash lines.
fn split(file: &str) -> (Option<u32>, &str) {
    let (first, body) = file.split_once('\n').unwrap_or((file, ""));
    let version = first
        .strip_prefix("sim_version=")
        .and_then(|v| v.trim().parse().ok());
    (version, body)
}

fn render() -> String {
    let mut out = String::new();
    for (id, seed, text) in CASES {
        let scenario = scenario::builtin(id).expect("built-in scenario");
        let actions = script::parse(text).expect("golden script parses");
        // Through the replay format, as the leaderboard would see it.
        let json = Replay::new(scenario, *seed, actions).to_json();
        let report = replay::verify(&Replay::from_json(&json).expect("decodes")).expect("verifies");
        out.push_str(&format!(
            "{id} seed={seed} actions={} score={} outage_ms={} failed={} hash={}\n",
            text.lines().count(),
            report.score,
            report.outage_ms,
            report.requests_failed,
            report.event_log_hash
        ));
    }
    out
}

#[cfg(not(target_arch = "wasm32"))]
fn golden_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/hashes.txt")
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn golden_hashes_native() {
    let path = golden_path();
    let file = std::fs::read_to_string(&path).expect("golden/hashes.txt");
    let (version, body) = split(&file);
    let actual = render();
    if std::env::var_os("UPDATE_EXPECT").is_some()
        && (actual != body || version != Some(SIM_VERSION))
    {
        assert!(
            actual == body || version != Some(SIM_VERSION),
            "the golden event logs changed: bump SIM_VERSION (crates/sim/src/lib.rs) before re-blessing them"
        );
        std::fs::write(&path, format!("sim_version={SIM_VERSION}\n{actual}")).expect("writable");
        return;
    }
    assert_eq!(
        body, actual,
        "a golden event log changed (see the module docs)"
    );
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn golden_hashes_were_blessed_at_this_sim_version() {
    let file = std::fs::read_to_string(golden_path()).expect("golden/hashes.txt");
    assert_eq!(
        split(&file).0,
        Some(SIM_VERSION),
        "golden/hashes.txt records another sim_version than SIM_VERSION: re-bless it with UPDATE_EXPECT=1"
    );
}

#[cfg(target_arch = "wasm32")]
mod wasm {
    use wasm_bindgen_test::*;
    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn golden_hashes_match_native() {
        let (version, body) = super::split(include_str!("golden/hashes.txt"));
        assert_eq!(version, Some(super::SIM_VERSION));
        assert_eq!(super::render(), body);
    }

    /// A subset of the proof replays (`tests/proofs.rs` runs them all natively): the first
    /// proof of every scenario, on the lowest seed of its case, in the browser — and the
    /// seed finder agrees with the engine there too.
    #[wasm_bindgen_test]
    fn proofs_replay_cleanly_in_wasm() {
        for s in super::scenario::all() {
            let Some(proof) = s.proofs.first() else {
                continue;
            };
            let seed = s.seed_for_case(&proof.case, 0, 10_000).expect("a seed");
            let actions = super::script::parse(&proof.actions).expect("proof parses");
            let report = quorum_sim::run(s, seed, &actions);
            assert_eq!(report.branch_case, proof.case);
            assert_eq!(report.outage_ms, 0, "{} {}", s.id, proof.case);
            let green = report.time_to_green_ms.expect("full redundancy");
            assert!(green <= proof.par_redundancy_ms, "{} {}", s.id, proof.case);
            for seed in 0..50 {
                let sim = quorum_sim::Sim::new(s, seed);
                assert_eq!(sim.branch_case(), s.case_for_seed(seed));
            }
        }
    }
}
