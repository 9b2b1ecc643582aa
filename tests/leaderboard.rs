#![cfg(target_arch = "wasm32")]
//! Browser tests of the leaderboard views that need no server: the submit form's name
//! validation (the server's rules and sentences), the local leaderboard shown without a
//! server, the competition card's locked seeds and clock, which runs can be submitted, and
//! the competition page's team-drill card in each of its states.

use std::cell::RefCell;
use std::rc::Rc;

use quorum_drill::i18n::Lang;
use quorum_drill::leaderboard::{BoardFilter, Competition, LocalRun};
use quorum_drill::net::{Decode, Json};
use quorum_drill::screens::competition::CardProps;
use quorum_drill::screens::leaderboard::LeaderboardProps;
use quorum_drill::screens::submit::SubmitPanelProps;
use quorum_drill::screens::{
    Availability, CompetitionCard, Joined, LeaderboardScreen, ServerView, SubmitForm, SubmitPanel,
    SubmitState,
};
use quorum_drill::state::Mode;
use quorum_drill::storage::KEY_LOCAL;
use quorum_drill::App;
use quorum_sim::replay::Replay;
use quorum_sim::scenario;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlInputElement};
use yew::{AttrValue, Callback};

mod common;

use common::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Waits (up to 5 s) until `selector` matches in `root`.
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

// ---- submit form -----------------------------------------------------------------------

fn submit_props(lang: Lang, sent: Rc<RefCell<Vec<SubmitForm>>>) -> SubmitPanelProps {
    SubmitPanelProps {
        lang,
        availability: Availability::Ready,
        state: SubmitState::Idle,
        local_score: 9000,
        player: AttrValue::default(),
        team: AttrValue::default(),
        competition: AttrValue::default(),
        exam_refusal: None,
        on_submit: Callback::from(move |f: SubmitForm| sent.borrow_mut().push(f)),
        on_leaderboard: Callback::noop(),
        new_key: None,
    }
}

#[wasm_bindgen_test]
async fn submit_form_checks_names_with_the_server_rules_before_sending() {
    let sent: Rc<RefCell<Vec<SubmitForm>>> = Rc::default();
    let (root, app) = mount::<SubmitPanel>(submit_props(Lang::En, sent.clone())).await;
    let submit = with_text(&root, "button[type='submit']", "Submit to leaderboard");

    // Nothing typed: submitting says the name is required and sends nothing.
    click(&submit).await;
    assert_eq!(
        text(&one(&root, "#submit-player-hint")),
        "player name must not be empty"
    );
    assert_eq!(
        one(&root, "#submit-player")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("true")
    );
    assert!(sent.borrow().is_empty());

    // Markup characters: the server's own sentence.
    type_into(&one(&root, "#submit-player"), "<img src=x>").await;
    assert_eq!(
        text(&one(&root, "#submit-player-hint")),
        "player name contains the character U+003C; use letters, digits, spaces, `_`, `-` or `.`"
    );
    type_into(&one(&root, "#submit-player"), &"a".repeat(33)).await;
    assert_eq!(
        text(&one(&root, "#submit-player-hint")),
        "player name is 33 characters; at most 32 are allowed"
    );
    type_into(&one(&root, "#submit-player"), "  山田 太郎 ").await;
    assert!(one(&root, "#submit-player")
        .get_attribute("aria-invalid")
        .is_none());

    // The team is optional, but checked when given.
    type_into(&one(&root, "#submit-team"), "SRE  Tokyo").await;
    assert_eq!(
        text(&one(&root, "#submit-team-hint")),
        "team name must not contain consecutive spaces"
    );
    click(&submit).await;
    assert!(sent.borrow().is_empty(), "an invalid team is not sent");
    type_into(&one(&root, "#submit-team"), "SRE Tokyo").await;
    type_into(&one(&root, "#submit-code"), " qyr9kurw ").await;
    click(&submit).await;
    assert_eq!(
        sent.borrow().last(),
        Some(&SubmitForm {
            player: "山田 太郎".into(),
            team: Some("SRE Tokyo".into()),
            competition: Some("QYR9KURW".into()),
        })
    );
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn submit_form_speaks_japanese_and_shows_server_errors_verbatim() {
    let sent: Rc<RefCell<Vec<SubmitForm>>> = Rc::default();
    let (root, mut app) = mount::<SubmitPanel>(submit_props(Lang::Ja, sent.clone())).await;
    click(&with_text(
        &root,
        "button[type='submit']",
        "リーダーボードに登録",
    ))
    .await;
    assert_eq!(
        text(&one(&root, "#submit-player-hint")),
        "プレイヤー名を入力してください"
    );
    type_into(&one(&root, "#submit-player"), "a;b").await;
    assert!(text(&one(&root, "#submit-player-hint")).contains("U+003B"));

    // The server refused: its message is shown as it sent it.
    let mut props = submit_props(Lang::En, sent);
    props.state = SubmitState::Failed(quorum_drill::net::Failure {
        status: 422,
        code: "claimed_score_mismatch".into(),
        message: "claimed_score 9000 does not match the re-simulated score 8990".into(),
    });
    app.update(props);
    yew::scheduler::flush().await;
    let error = one(&root, "#submit-error");
    assert_eq!(error.get_attribute("role").as_deref(), Some("alert"));
    assert_eq!(
        text(&one(&error, ".server-message")),
        "claimed_score 9000 does not match the re-simulated score 8990"
    );
    assert!(
        text(&error).contains("computed different scores"),
        "{}",
        text(&error)
    );
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn a_refusal_by_the_boards_rules_is_explained_in_japanese() {
    // The server words its 409s in English; the Japanese game says what they mean.
    let (root, mut app) = mount::<SubmitPanel>(submit_props(Lang::Ja, Rc::default())).await;
    for (code, needle) in [
        ("run_taken", "同じ記録は、誰が登録しても1回しか数えません"),
        ("team_full", "そのチームは満員です"),
        ("name_taken", "別の名前にしてください"),
    ] {
        let mut props = submit_props(Lang::Ja, Rc::default());
        props.state = SubmitState::Failed(quorum_drill::net::Failure {
            status: 409,
            code: code.into(),
            message: "the server's English".into(),
        });
        app.update(props);
        yew::scheduler::flush().await;
        let error = text(&one(&root, "#submit-error"));
        assert!(error.contains(needle), "{code}: {error}");
        assert!(error.contains("the server's English"), "{code}: {error}");
    }
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn runs_that_cannot_be_submitted_say_why() {
    for (availability, needle) in [
        (Availability::WhatIf, "What-if runs are not submitted"),
        (Availability::Replay, "replays are watched, not submitted"),
        (
            Availability::Offline,
            "No leaderboard server: your run was added to your local leaderboard",
        ),
    ] {
        let mut props = submit_props(Lang::En, Rc::default());
        props.availability = availability;
        let (root, app) = mount::<SubmitPanel>(props).await;
        assert!(find(&root, "form").is_none(), "no form for {needle}");
        assert!(text(&root).contains(needle), "{}", text(&root));
        app.destroy();
        root.remove();
    }
}

// ---- local leaderboard ------------------------------------------------------------------

fn local_run(id: &str, seed: u64, score: i64, player: &str, at_ms: u64) -> LocalRun {
    let s = scenario::builtin(id).unwrap();
    LocalRun {
        replay: Replay::new(s, seed, Vec::new()),
        player: player.into(),
        team: String::new(),
        score,
        grade: if score >= 9500 {
            "S".into()
        } else {
            "B".into()
        },
        outage_ms: 61_000,
        requests_failed: 1234,
        mode: Mode::Exam,
        what_if: false,
        at_ms,
        submitted: None,
    }
}

#[wasm_bindgen_test]
async fn without_a_server_the_leaderboard_shows_local_runs_and_says_so() {
    let local = Rc::new(vec![
        local_run("seed-ami-trap", 1, 8100, "", 1_000),
        local_run("sandbox", 2, 9999, "", 2_000),
        local_run("seed-ami-trap", 3, 9600, "<b>Eve</b>", 3_000),
    ]);
    let watched: Rc<RefCell<Vec<usize>>> = Rc::default();
    let props = LeaderboardProps {
        lang: Lang::En,
        scenario: scenario::builtin("seed-ami-trap").unwrap(),
        competition: None,
        server: ServerView::Offline,
        local,
        highlight: None,
        error: None,
        on_scenario: Callback::noop(),
        on_watch: Callback::noop(),
        on_watch_local: {
            let w = watched.clone();
            Callback::from(move |i| w.borrow_mut().push(i))
        },
        on_all_runs: Callback::noop(),
        filter: BoardFilter::default(),
        on_filter: Callback::noop(),
        identity: None,
        identity_shown: false,
        identity_note: None,
        on_show_identity: Callback::noop(),
        on_import_identity: Callback::noop(),
    };
    let (root, app) = mount::<LeaderboardScreen>(props).await;
    assert_eq!(
        text(&one(&root, "[data-offline]")),
        "No leaderboard server: showing your local runs"
    );
    let rows = all(&root, "table[data-board='local'] tbody tr");
    assert_eq!(rows.len(), 2, "only this scenario's runs");
    let cells = |r: &Element| all(r, "td").iter().map(text).collect::<Vec<_>>();
    let first = cells(&rows[0]);
    assert_eq!(&first[..4], ["1", "<b>Eve</b>", "—", "9600"]);
    assert_eq!(first[6], "1,234");
    assert_eq!(first[8], "Exam", "the mode the run was played in");
    assert!(
        find(&rows[0], "b").is_none(),
        "a name is text, never markup"
    );
    assert_eq!(&cells(&rows[1])[..4], ["2", "you", "—", "8100"]);
    click(&one(&rows[1], "button")).await;
    assert_eq!(*watched.borrow(), vec![0], "Watch plays that run");
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn the_app_detects_no_server_and_falls_back_to_the_local_leaderboard() {
    // The test page's server answers /api/version with a 404: no leaderboard server.
    let s = storage();
    s.clear().unwrap();
    let runs = vec![local_run("seed-ami-trap", 3, 9600, "Aiko", 1_000)];
    s.set_item(KEY_LOCAL, &serde_json::to_string(&runs).unwrap())
        .unwrap();
    let root = root();
    let handle = yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    wait_for(&root, ".competition-card [data-offline]").await;
    click(&with_text(
        &root,
        "[data-scenario='seed-ami-trap'] button",
        "Leaderboard",
    ))
    .await;
    assert_eq!(
        one(&root, ".app").get_attribute("data-screen").as_deref(),
        Some("leaderboard")
    );
    assert_eq!(
        text(&one(&root, "[data-offline]")),
        "No leaderboard server: showing your local runs"
    );
    let cells: Vec<String> = all(&root, "table[data-board='local'] tbody tr td")
        .iter()
        .map(text)
        .collect();
    assert_eq!(&cells[..4], ["1", "Aiko", "—", "9600"]);
    handle.destroy();
    root.remove();
    s.clear().unwrap();
}

/// The page's address: its fragment (`#board=…`), or "" without one.
fn hash() -> String {
    web_sys::window().unwrap().location().hash().unwrap()
}

#[wasm_bindgen_test]
async fn a_board_named_in_the_address_opens_at_start_and_the_address_follows_the_board() {
    // The boards' page (this build has the `boards` feature) as index.html hands a board
    // over to it: boards.html#board=…, read once the scenarios are installed.
    let s = storage();
    s.clear().unwrap();
    let runs = vec![
        local_run("node-hang", 5, 9100, "Aiko", 1_000),
        local_run("node-hang", 6, 9900, "Ben", 2_000),
    ];
    s.set_item(KEY_LOCAL, &serde_json::to_string(&runs).unwrap())
        .unwrap();
    let root = root();
    web_sys::window()
        .unwrap()
        .location()
        .set_hash("#board=node-hang&mode=all&seed=5")
        .unwrap();
    let handle = yew::Renderer::<App>::with_root(root.clone()).render();
    wait_for(&root, ".app[data-screen='leaderboard']").await;
    wait_for(&root, "table[data-board='local']").await;
    assert!(one(&root, "[data-board-scenario='node-hang']")
        .class_list()
        .contains("active"));
    let shows = one(&root, "[data-board-shows]");
    assert_eq!(
        shows.get_attribute("data-board-shows").as_deref(),
        Some("all")
    );
    assert_eq!(shows.get_attribute("data-board-seed").as_deref(), Some("5"));
    // Seed 5's run only: Aiko's.
    let players: Vec<String> = all(&root, "table[data-board='local'] td.col-player")
        .iter()
        .map(text)
        .collect();
    assert_eq!(players, ["Aiko"]);

    // Another scenario's tab: the address follows (a reload or a shared link shows it).
    click(&one(&root, "[data-board-scenario='seed-ami-trap']")).await;
    assert_eq!(hash(), "#board=seed-ami-trap&mode=all&seed=5");
    // Off the boards, the address has no fragment.
    click(&with_text(&root, ".nav-link", "Scenarios")).await;
    assert_eq!(hash(), "");
    handle.destroy();
    root.remove();
    s.clear().unwrap();
}

#[wasm_bindgen_test]
async fn a_finished_live_drill_joins_the_local_leaderboard_but_a_what_if_is_not_submittable() {
    let s = storage();
    s.clear().unwrap();
    let root = root();
    let handle = yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    type_into(&one(&root, "#seed-input"), "42").await;
    click(&one(&root, "[data-mode='exam']")).await;
    click(&one(&root, "[data-scenario='seed-ami-trap'] button")).await;
    click(&with_text(&root, "button", "Acknowledge")).await;
    click(&one(&root, "input[aria-label='Select node-3']")).await;
    click(&one(&root, "#instance-state-button")).await;
    click(&one(&root, "[data-id='reboot']")).await;
    click(&with_text(
        &one(&root, "#reboot-dialog"),
        "button",
        "Reboot",
    ))
    .await;
    click(&with_text(&root, ".drill-end button", "End drill")).await;
    click(&with_text(&root, "#confirm-dialog button", "End drill")).await;
    let stored = s
        .get_item(KEY_LOCAL)
        .unwrap()
        .expect("the run is kept locally");
    let local: Vec<LocalRun> = serde_json::from_str(&stored).unwrap();
    assert_eq!(local.len(), 1);
    assert_eq!(local[0].replay.seed, 42);
    assert_eq!(local[0].replay.actions.len(), 1);
    assert_eq!(local[0].replay.mode, quorum_sim::replay::PlayMode::Exam);

    // Rewind: the what-if run's debrief explains it cannot be submitted.
    click(&one(&root, "button.rewind[data-action='0']")).await;
    click(&with_text(&root, ".drill-end button", "End drill")).await;
    click(&with_text(&root, "#confirm-dialog button", "End drill")).await;
    let card = one(&root, ".submit-card");
    assert_eq!(
        card.get_attribute("data-availability").as_deref(),
        Some("what-if")
    );
    assert!(find(&card, "form").is_none());
    let stored = s.get_item(KEY_LOCAL).unwrap().unwrap();
    assert_eq!(
        serde_json::from_str::<Vec<LocalRun>>(&stored)
            .unwrap()
            .len(),
        1,
        "a what-if run is not a leaderboard run"
    );
    handle.destroy();
    root.remove();
    s.clear().unwrap();
}

// ---- competitions -----------------------------------------------------------------------

fn competition(starts_in_ms: i64, ends_in_ms: i64) -> Joined {
    let now = js_sys::Date::now();
    let json = format!(
        r#"{{"code":"QYR9KURW","name":"Game day <i>Dec</i>","status":"open",
            "starts_at":"x","ends_at":"y","starts_at_ms":{},"ends_at_ms":{},"now_ms":{},
            "scenarios":[{{"id":"seed-ami-trap","seeds":[3,7],"hash":"h","title":{{"en":"One down, two to go","ja":"1台ダウン、残り2台"}},"duration_ms":2700000}},
                         {{"id":"stuck-stopping","seeds":[1],"hash":"h","title":{{"en":"Stuck in stopping","ja":""}},"duration_ms":2400000}}],
            "require_exam":true,"counting":"best-run-per-scenario","team_cap":5,"individuals":[],"teams":[]}}"#,
        now as i64 + starts_in_ms,
        now as i64 + ends_in_ms,
        now as i64
    );
    // Parsed the way the game reads the server's answer.
    let comp = Competition::decode(&Json::parse(&json).unwrap()).expect("a competition");
    Joined {
        comp: Rc::new(comp),
        fetched_at: now,
    }
}

fn card_props(joined: Joined, played: Rc<RefCell<Vec<(String, u64)>>>) -> CardProps {
    CardProps {
        lang: Lang::En,
        server: ServerView::Online,
        joined: Some(joined),
        loading: false,
        error: None,
        on_join: Callback::noop(),
        on_leave: Callback::noop(),
        on_open: Callback::noop(),
        on_play: Callback::from(move |p| played.borrow_mut().push(p)),
    }
}

#[wasm_bindgen_test]
async fn a_joined_competition_locks_its_seeds_and_shows_the_time_left() {
    let played: Rc<RefCell<Vec<(String, u64)>>> = Rc::default();
    let joined = competition(-60_000, 3 * 3_600_000 + 30_000);
    let (root, mut app) = mount::<CompetitionCard>(card_props(joined, played.clone())).await;

    assert_eq!(text(&one(&root, ".comp-name")), "Game day <i>Dec</i>");
    assert!(find(&root, ".comp-name i").is_none(), "the name is text");
    let clock = one(&root, ".comp-window");
    assert_eq!(clock.get_attribute("data-window").as_deref(), Some("open"));
    assert_eq!(text(&clock), "3 h 00 min left");

    let rows = all(&root, ".comp-seed");
    let keys: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{}:{}",
                r.get_attribute("data-comp-scenario").unwrap(),
                r.get_attribute("data-seed").unwrap()
            )
        })
        .collect();
    assert_eq!(
        keys,
        ["seed-ami-trap:3", "seed-ami-trap:7", "stuck-stopping:1"]
    );
    for row in &rows {
        let input: HtmlInputElement = one(row, "input").dyn_into().unwrap();
        assert!(input.read_only(), "the seed is locked");
        assert_eq!(input.value(), row.get_attribute("data-seed").unwrap());
        assert_eq!(text(&one(row, ".lock-tag")), "fixed");
    }
    click(&one(&rows[1], "button")).await;
    assert_eq!(*played.borrow(), vec![("seed-ami-trap".to_string(), 7)]);

    // Not started yet, and ended.
    app.update(card_props(
        competition(5 * 60_000, 3_600_000),
        played.clone(),
    ));
    yew::scheduler::flush().await;
    assert_eq!(
        text(&one(&root, ".comp-window")),
        "not started yet — starts in 5 min 00 s"
    );
    app.update(card_props(competition(-7_200_000, -60_000), played));
    yew::scheduler::flush().await;
    assert_eq!(text(&one(&root, ".comp-window")), "ended");
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn the_competition_card_offers_to_join_by_code() {
    let joined_codes: Rc<RefCell<Vec<String>>> = Rc::default();
    let props = CardProps {
        lang: Lang::En,
        server: ServerView::Online,
        joined: None,
        loading: false,
        error: Some("no competition has that join code".into()),
        on_join: {
            let j = joined_codes.clone();
            Callback::from(move |c| j.borrow_mut().push(c))
        },
        on_leave: Callback::noop(),
        on_open: Callback::noop(),
        on_play: Callback::noop(),
    };
    let (root, app) = mount::<CompetitionCard>(props).await;
    assert_eq!(
        text(&one(&root, "#join-error")),
        "no competition has that join code"
    );
    let join = with_text(&root, "button[type='submit']", "Join");
    assert!(join.has_attribute("disabled"), "nothing typed yet");
    type_into(&one(&root, "#join-code"), " abcd2345 ").await;
    click(&join).await;
    assert_eq!(*joined_codes.borrow(), vec!["ABCD2345".to_string()]);
    app.destroy();
    root.remove();
}

// ---- mode and seed filters, Exam-only competitions ------------------------------------

/// Picks `value` in a `<select>` as a player would (the change event included).
async fn choose(select: &Element, value: &str) {
    js_sys::Reflect::set(select, &"value".into(), &value.into()).unwrap();
    let event = web_sys::Event::new("change").unwrap();
    select.dispatch_event(&event).unwrap();
    yew::scheduler::flush().await;
}

#[wasm_bindgen_test]
async fn the_local_board_shows_one_mode_and_seed_and_says_which() {
    let mut mentor = local_run("seed-ami-trap", 3, 9900, "Mia", 2_000);
    mentor.mode = Mode::Mentor;
    let local = Rc::new(vec![
        local_run("seed-ami-trap", 1, 8100, "", 1_000),
        mentor,
        local_run("seed-ami-trap", 3, 9600, "Eve", 3_000),
    ]);
    let picked: Rc<RefCell<Vec<BoardFilter>>> = Rc::default();
    let props = |lang, filter| LeaderboardProps {
        lang,
        scenario: scenario::builtin("seed-ami-trap").unwrap(),
        competition: None,
        server: ServerView::Offline,
        local: local.clone(),
        highlight: None,
        error: None,
        on_scenario: Callback::noop(),
        on_watch: Callback::noop(),
        on_watch_local: Callback::noop(),
        on_all_runs: Callback::noop(),
        filter,
        on_filter: {
            let p = picked.clone();
            Callback::from(move |f| p.borrow_mut().push(f))
        },
        identity: None,
        identity_shown: false,
        identity_note: None,
        on_show_identity: Callback::noop(),
        on_import_identity: Callback::noop(),
    };
    let (root, mut app) = mount::<LeaderboardScreen>(props(Lang::En, BoardFilter::default())).await;
    let players = |root: &Element| {
        all(root, "table[data-board='local'] tbody tr td.col-player")
            .iter()
            .map(text)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        players(&root),
        ["Eve", "you"],
        "Exam by default: the Mentor run is not ranked beside them"
    );
    assert_eq!(
        text(&one(&root, "[data-board-shows]")),
        "Exam runs · all seeds"
    );
    choose(&one(&root, "#board-mode"), "mentor").await;
    assert_eq!(
        picked.borrow().last(),
        Some(&BoardFilter {
            mode: Some(quorum_sim::replay::PlayMode::Mentor),
            seed: None,
            daily: None,
        })
    );
    let seed3 = BoardFilter {
        mode: None,
        seed: Some(3),
        daily: None,
    };
    app.update(props(Lang::Ja, seed3));
    yew::scheduler::flush().await;
    assert_eq!(players(&root), ["Mia", "Eve"], "all modes, seed 3");
    assert_eq!(
        text(&one(&root, "[data-board-shows]")),
        "すべてのモードの記録 · シード 3"
    );
    type_into(&one(&root, "#board-seed"), "").await;
    choose(&one(&root, "#board-seed"), "").await;
    assert_eq!(
        picked.borrow().last(),
        Some(&BoardFilter {
            mode: None,
            seed: None,
            daily: None,
        })
    );
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn an_exam_only_competition_greys_out_a_mentor_run_with_the_reason() {
    let sent: Rc<RefCell<Vec<SubmitForm>>> = Rc::default();
    let why = quorum_proto::api::exam_required_message(
        "Game day",
        quorum_sim::replay::PlayMode::Mentor,
        Lang::Ja,
    );
    let mut props = submit_props(Lang::Ja, sent.clone());
    props.player = "Aiko".into();
    props.competition = "QYR9KURW".into();
    props.exam_refusal = Some(("QYR9KURW".into(), why.clone().into()));
    let (root, app) = mount::<SubmitPanel>(props).await;
    let submit = one(&root, "button[type='submit']");
    assert!(
        submit.has_attribute("disabled"),
        "greyed out before sending"
    );
    assert_eq!(text(&one(&root, "[data-exam-required]")), why);
    click(&submit).await;
    assert!(sent.borrow().is_empty());
    // Without the code, the run goes to the open board (its Mentor board).
    type_into(&one(&root, "#submit-code"), "").await;
    assert!(find(&root, "[data-exam-required]").is_none());
    assert!(!one(&root, "button[type='submit']").has_attribute("disabled"));
    app.destroy();
    root.remove();
}

// ---- the competition page's team drills ---------------------------------------------------

fn team_drill_table() -> quorum_proto::team::TeamDrillTable {
    // As `GET /api/competitions/{code}/team-drills` answers; the seats out of role order.
    serde_json::from_str(
        r#"{"competition":"QYR9KURW","rows":[
            {"rank":1,"team":"SRE","total":1800,"bests":[
                {"scenario":"seed-ami-trap","seed":7,"score":900,"code":"ROOM01","players":[
                    {"role":"operator","name":"Ben","player_id":2},{"role":"commander","name":"Ann","player_id":1}]},
                {"scenario":"stuck-stopping","seed":1,"score":900,"code":"ROOM02","players":[
                    {"role":"commander","name":"Ben","player_id":2}]}]},
            {"rank":2,"team":"Ops","total":-50,"bests":[
                {"scenario":"stuck-stopping","seed":1,"score":-50,"code":"ROOM03","players":[
                    {"role":"communications","name":"Cat","player_id":3},{"role":"commander","name":"Dan","player_id":4}]}]}]}"#,
    )
    .unwrap()
}

fn team_drill_props(
    lang: Lang,
    table: Option<Result<quorum_proto::team::TeamDrillTable, quorum_drill::net::Failure>>,
) -> quorum_drill::screens::standings::TeamDrillBoardProps {
    quorum_drill::screens::standings::TeamDrillBoardProps {
        lang,
        comp: competition(-60_000, 3_600_000).comp,
        table: table.map(|t| t.map(Rc::new)),
    }
}

#[wasm_bindgen_test]
async fn the_team_drill_card_ranks_the_servers_table_with_each_best_drill_its_seats_and_result() {
    let (root, mut app) = mount::<quorum_drill::screens::TeamDrillBoard>(team_drill_props(
        Lang::En,
        Some(Ok(team_drill_table())),
    ))
    .await;
    let card = one(&root, "[data-card='team-drills']");
    assert_eq!(text(&one(&card, "h2")), "Team drills");
    let rule = text(&one(&card, "[data-team-drill-rule]"));
    assert!(
        rule.contains("counts for the team of the member who opened its room"),
        "{rule}"
    );
    assert!(
        rule.contains("Exam only: no forecast is shown"),
        "an Exam competition: {rule}"
    );

    let rows = all(&card, "table[data-table='team-drills'] tbody tr");
    let teams: Vec<String> = rows
        .iter()
        .map(|r| r.get_attribute("data-team").unwrap())
        .collect();
    assert_eq!(teams, ["SRE", "Ops"], "the server's order");
    assert_eq!(text(&one(&rows[0], "[data-total]")), "1800");
    assert_eq!(text(&one(&rows[1], "[data-total]")), "-50");
    // A column per competition scenario, in its order.
    let heads: Vec<String> = all(&card, "thead th").iter().map(text).collect();
    assert_eq!(
        heads,
        [
            "Rank",
            "Team",
            "Total",
            "One down, two to go",
            "Stuck in stopping"
        ]
    );
    let best = one(&rows[0], "[data-scenario='seed-ami-trap']");
    assert_eq!(best.get_attribute("data-seed").as_deref(), Some("7"));
    assert!(text(&best).contains("seed 7"), "{}", text(&best));
    let seats: Vec<String> = all(&best, ".seat-list li").iter().map(text).collect();
    assert_eq!(
        seats,
        ["Incident commander: Ann", "Operator: Ben"],
        "in the roles' order"
    );
    let link = one(&best, "a");
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("/api/rooms/ROOM01/result")
    );
    assert_eq!(
        link.get_attribute("aria-label").as_deref(),
        Some("The verified result of SRE's drill (room ROOM01)")
    );
    // Ops has no drill of the first scenario.
    assert_eq!(text(&all(&rows[1], "td")[3]), "—");

    // In Japanese: the role labels and the rule.
    app.update(team_drill_props(Lang::Ja, Some(Ok(team_drill_table()))));
    yew::scheduler::flush().await;
    let card = one(&root, "[data-card='team-drills']");
    assert_eq!(text(&one(&card, "h2")), "チーム訓練");
    let ops = one(
        &card,
        "tr[data-team='Ops'] [data-scenario='stuck-stopping']",
    );
    let seats: Vec<String> = all(&ops, ".seat-list li").iter().map(text).collect();
    assert_eq!(seats, ["インシデントコマンダー: Dan", "広報担当: Cat"]);
    assert!(text(&ops).contains("シード 1"), "{}", text(&ops));
    assert!(text(&one(&card, "[data-team-drill-rule]")).contains("試験のみ"));
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn the_team_drill_card_says_loading_why_it_failed_or_how_a_drill_counts() {
    let (root, mut app) =
        mount::<quorum_drill::screens::TeamDrillBoard>(team_drill_props(Lang::En, None)).await;
    assert_eq!(
        text(&one(&root, "[data-card='team-drills'] [role='status']")),
        "Loading the team drills…"
    );
    app.update(team_drill_props(
        Lang::En,
        Some(Err(quorum_drill::net::Failure {
            status: 404,
            code: "unknown_competition".into(),
            message: "no competition has that join code".into(),
        })),
    ));
    yew::scheduler::flush().await;
    assert_eq!(
        text(&one(&root, "[data-team-drills-error]")),
        "no competition has that join code"
    );
    assert!(find(&root, "table").is_none());
    let mut empty = team_drill_table();
    empty.rows.clear();
    app.update(team_drill_props(Lang::En, Some(Ok(empty.clone()))));
    yew::scheduler::flush().await;
    let line = text(&one(&root, "[data-card='team-drills'] .empty"));
    assert!(
        line.starts_with("No team drill yet. A member of a team opens a team drill's room with this competition's code"),
        "{line}"
    );
    assert!(find(&root, "table").is_none());
    app.update(team_drill_props(Lang::Ja, Some(Ok(empty))));
    yew::scheduler::flush().await;
    assert!(text(&one(&root, "[data-card='team-drills'] .empty"))
        .starts_with("チーム訓練はまだありません。"));
    app.destroy();
    root.remove();
}
