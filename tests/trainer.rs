#![cfg(target_arch = "wasm32")]
//! Browser tests of the trainer pages that need no server (boards bundle): the address opens
//! them at start, a stored value that is not a trainer token is removed with a notice, a
//! typed one is kept under its versioned key, and a browser without an identity is asked to
//! join a cohort on the assignments page; the cohort page's team drills. The flows with a
//! server are e2e/trainer.test.mjs.

use quorum_drill::i18n::Lang;
use quorum_drill::screens::trainer::CohortTeamDrillsProps;
use quorum_drill::screens::CohortTeamDrills;
use quorum_drill::storage::{KEY_IDENTITY, KEY_TRAINER};
use quorum_drill::App;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;

mod common;

use common::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn wait_for(root: &Element, selector: &str) -> Element {
    for _ in 0..100 {
        if let Some(el) = find(root, selector) {
            return el;
        }
        gloo_timers::future::TimeoutFuture::new(50).await;
        yew::scheduler::flush().await;
    }
    panic!("`{selector}` did not appear within 5 s");
}

fn set_hash(hash: &str) {
    web_sys::window()
        .unwrap()
        .location()
        .set_hash(hash)
        .unwrap();
}

fn hash() -> String {
    web_sys::window().unwrap().location().hash().unwrap()
}

#[wasm_bindgen_test]
async fn a_stored_value_that_is_not_a_trainer_token_is_removed_with_a_notice() {
    let s = storage();
    s.clear().unwrap();
    s.set_item(KEY_TRAINER, "qd1_a-player-key-not-a-trainer-one")
        .unwrap();
    let root = root();
    set_hash("#trainer");
    let handle = yew::Renderer::<App>::with_root(root.clone()).render();
    wait_for(&root, ".app[data-screen='trainer']").await;
    let notice = wait_for(&root, "[data-notice='trainer-token']").await;
    assert!(text(&notice).contains("was not valid"), "{}", text(&notice));
    assert_eq!(
        s.get_item(KEY_TRAINER).unwrap(),
        None,
        "the bad value is gone"
    );

    // A trainer token typed in is kept under the versioned key, and the cohorts page asks
    // the server for the trainer's cohorts (none here: it says it could not reach it).
    let token = format!("qdt1_{}", "x".repeat(43));
    let input = one(&root, "input[name='trainer-token']");
    type_into(&input, &token).await;
    click(&with_text(&root, "button", "Sign in")).await;
    wait_for(&root, "[data-card='cohorts']").await;
    assert_eq!(s.get_item(KEY_TRAINER).unwrap(), Some(token));
    assert_eq!(hash(), "#trainer");
    handle.destroy();
    root.remove();
    s.clear().unwrap();
    set_hash("");
}

#[wasm_bindgen_test]
async fn without_an_identity_the_assignments_page_asks_to_join_a_cohort() {
    let s = storage();
    s.clear().unwrap();
    assert_eq!(s.get_item(KEY_IDENTITY).unwrap(), None);
    let root = root();
    set_hash("#assignments");
    let handle = yew::Renderer::<App>::with_root(root.clone()).render();
    wait_for(&root, ".app[data-screen='assignments']").await;
    let page = one(&root, "[data-page='assignments']");
    assert!(text(&page).contains("Join a cohort to see its assignments."));
    let join = one(&root, "[data-card='join-cohort'] button[type='submit']");
    assert!(join.has_attribute("disabled"), "nothing typed: Join is off");
    handle.destroy();
    root.remove();
    s.clear().unwrap();
    set_hash("");
}

fn cohort_drills(lang: Lang, json: &str) -> CohortTeamDrillsProps {
    CohortTeamDrillsProps {
        lang,
        drills: std::rc::Rc::new(serde_json::from_str(json).unwrap()),
    }
}

/// As `CohortDetail.team_drills` lists them: newest first, the seats out of role order.
const DRILLS: &str = r#"[
    {"code":"ROOM02","scenario_id":"stuck-stopping","seed":1,"score":-50,"grade":"F","ended_at":"2026-12-02T10:05:09Z","ended_at_ms":1796205909000,
     "players":[{"role":"operator","player_id":2,"name":"Gus","points":-120},{"role":"commander","player_id":1,"name":"Eve","points":0}]},
    {"code":"ROOM01","scenario_id":"seed-ami-trap","seed":3,"score":900,"grade":"A","ended_at":"2026-12-01T09:00:00Z","ended_at_ms":1796115600000,
     "players":[{"role":"commander","player_id":2,"name":"Gus","points":0},{"role":"communications","player_id":1,"name":"Eve","points":100}]}]"#;

#[wasm_bindgen_test]
async fn the_cohort_page_lists_its_team_drills_with_each_trainees_role_and_points() {
    let (root, mut app) = mount::<CohortTeamDrills>(cohort_drills(Lang::En, DRILLS)).await;
    let rows = all(&root, "[data-card='team-drills'] tr[data-team-drill]");
    let codes: Vec<String> = rows
        .iter()
        .map(|r| r.get_attribute("data-team-drill").unwrap())
        .collect();
    assert_eq!(
        codes,
        ["ROOM02", "ROOM01"],
        "the server's order: newest first"
    );
    let cells: Vec<String> = all(&rows[0], "td").iter().take(5).map(text).collect();
    assert_eq!(
        cells,
        ["2026-12-02 10:05 UTC", "Stuck in stopping", "1", "-50", "F"]
    );
    let seats: Vec<String> = all(&rows[0], ".seat-list li").iter().map(text).collect();
    assert_eq!(
        seats,
        [
            "Incident commander: Eve 0 points",
            "Operator: Gus -120 points"
        ],
        "in the roles' order, with the role's points"
    );
    let seats: Vec<String> = all(&rows[1], ".seat-list li").iter().map(text).collect();
    assert_eq!(
        seats,
        [
            "Incident commander: Gus 0 points",
            "Communications: Eve 100 points"
        ]
    );

    app.update(cohort_drills(Lang::Ja, DRILLS));
    yew::scheduler::flush().await;
    assert_eq!(
        text(&one(&root, "[data-card='team-drills'] h3")),
        "チーム訓練"
    );
    let seats: Vec<String> = all(&root, "tr[data-team-drill='ROOM01'] .seat-list li")
        .iter()
        .map(text)
        .collect();
    assert_eq!(
        seats,
        [
            "インシデントコマンダー: Gus 0 ポイント",
            "広報担当: Eve 100 ポイント"
        ]
    );
    assert_eq!(
        text(&all(&root, "tr[data-team-drill='ROOM01'] td")[1]),
        "1台ダウン、残り2台"
    );

    // None yet: the page says how one gets here.
    app.update(cohort_drills(Lang::En, "[]"));
    yew::scheduler::flush().await;
    assert!(find(&root, "table").is_none());
    let line = text(&one(&root, "[data-card='team-drills'] .empty"));
    assert!(
        line.starts_with("No team drill for this cohort yet."),
        "{line}"
    );
    app.destroy();
    root.remove();
}
