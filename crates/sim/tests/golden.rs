//! Golden replays: their event-log hashes are pinned in `golden/hashes.txt`. The same cases
//! run natively and in wasm32 (headless Chromium) and must give the same hashes, bit for bit.
//! A deliberate behaviour change re-blesses the file (`UPDATE_EXPECT=1`) and bumps SIM_VERSION.

use quorum_sim::{replay, scenario, script, Replay};

const CASES: &[(&str, u64, &str)] = &[
    ("seed-ami-trap", 1, ""),
    ("seed-ami-trap", 1, "at 02:00 create-image node-2"),
    ("seed-ami-trap", 2, "at 01:00 launch node-4 --image base\nat 03:00 setup node-4\nat 20:00 health\nat 20:00 cat-shards"),
    ("seed-ami-trap", 3, "at 02:00 create-image node-2 --no-reboot --name n2\nat 18:00 launch node-4 --image n2"),
    ("stuck-stopping", 4, "at 02:00 reboot node-2\nat 07:00 stop node-2\nat 12:00 force-stop node-2\nat 15:00 start node-2"),
    ("node-hang", 5, "at 06:00 reboot node-3"),
    ("disk-full", 7, "at 10:30 cat-allocation\nat 12:00 clean-logs node-2\nat 13:00 resize-volume node-2 --gib 200"),
    ("sandbox", 6, "at 00:10 allocation primaries\nat 00:20 reboot node-1\nat 05:00 allocation all\nat 08:00 stop node-1\nat 08:00 stop node-2\nat 12:00 start node-1"),
];

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
#[test]
fn golden_hashes_native() {
    expect_test::expect_file!["golden/hashes.txt"].assert_eq(&render());
}

#[cfg(target_arch = "wasm32")]
mod wasm {
    use wasm_bindgen_test::*;
    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn golden_hashes_match_native() {
        assert_eq!(super::render(), include_str!("golden/hashes.txt"));
    }
}
