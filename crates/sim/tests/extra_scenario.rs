//! A trainer's scenario (issue 13) travels to the browser packed, is installed beside the
//! built-in ones, and a run of it is verified against the file the server stored.

use quorum_sim::replay::{self, Replay, ReplayError};
use quorum_sim::scenario::{self, BUILTIN_SOURCES};
use quorum_sim::{script, TimedAction};

fn company_copy() -> scenario::Scenario {
    let (_, toml) = BUILTIN_SOURCES
        .iter()
        .find(|(id, _)| *id == "node-hang")
        .expect("node-hang is built in");
    let toml = toml.replace("id = \"node-hang\"", "id = \"acme-node-hang\"");
    scenario::parse(&toml).expect("the copy parses")
}

#[test]
fn a_packed_company_scenario_installs_plays_the_same_and_verifies_against_its_file() {
    // Set up: the server packs the stored file; the page installs it.
    let file = company_copy();
    let installed = scenario::install_extra(&scenario::pack(&file)).expect("installs");
    assert_eq!(installed.hash, file.hash, "the hash survives packing");
    let found = scenario::builtin("acme-node-hang").expect("found by id like a built-in");
    assert_eq!(found.hash, file.hash);
    assert!(
        !scenario::course().iter().any(|s| s.id == "acme-node-hang"),
        "the home screen's course stays the built-in one"
    );

    // Act: a trainee plays it in the browser's copy (a reboot of the hung node-3).
    let actions: Vec<TimedAction> = script::parse("at 02:00 reboot node-3\n").unwrap();
    let replay = Replay::new(installed, 7, actions.clone());
    let played = quorum_sim::run(installed, 7, &actions);

    // Assert: the server, with the file it stored, scores exactly what the page showed.
    let verified = replay::verify_canonical_with(&replay, &file).expect("verifies");
    assert_eq!(verified.report.score, played.score);
    assert_eq!(verified.report.event_log_hash, played.event_log_hash);

    // Another file under the same id (an edit) is refused: its hash is not the replay's.
    let mut edited = file.clone();
    edited.hash = "0".repeat(64);
    assert!(matches!(
        replay::verify_canonical_with(&replay, &edited),
        Err(ReplayError::ScenarioHash { .. })
    ));
}

#[test]
fn a_built_in_id_or_a_broken_pack_is_refused() {
    let builtin = scenario::builtin("node-hang").unwrap();
    assert!(scenario::install_extra(&scenario::pack(builtin)).is_err());
    assert!(scenario::install_extra("1\nnot a scenario\n").is_err());
}
