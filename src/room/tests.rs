//! A member's room, driven natively with the messages the server sends (the server's own
//! stories are crates/drill/tests/rooms.rs; the browser's, e2e/rooms.test.mjs).

use quorum_proto::team::{
    ClientMsg, Entry, EntryKind, MemberView, Permission, Role, RoomState, ServerMsg,
    CHECKPOINT_EVERY_MS,
};
use quorum_sim::script;

use super::model::{Link, Model};

const SCENARIO: &str = "seed-ami-trap";

fn room(until_ms: u64) -> RoomState {
    RoomState {
        code: "K7QX2M".into(),
        scenario_id: SCENARIO.into(),
        seed: 3,
        sim_version: quorum_sim::SIM_VERSION,
        speed: 1,
        two_person_rule: true,
        until_ms,
        members: vec![MemberView {
            name: "Ines".into(),
            role: Role::Commander,
            online: true,
        }],
        injectable: Vec::new(),
        branch_case: None,
        ended: false,
        counts_for: None,
    }
}

fn entry(seq: u64, tick_ms: u64, role: Role, by: &str, kind: EntryKind) -> Entry {
    Entry {
        seq,
        tick_ms,
        role,
        by: by.into(),
        kind,
    }
}

fn action(text: &str) -> quorum_sim::action::Action {
    let words: Vec<&str> = text.split_whitespace().collect();
    script::parse_action(&words).unwrap()
}

/// The log of a short drill: a read, a risky proposal declined, one approved and applied,
/// chat, a speed change.
fn log() -> Vec<Entry> {
    vec![
        entry(1, 100, Role::Operator, "Oskar", EntryKind::Joined),
        entry(
            2,
            5_000,
            Role::Operator,
            "Oskar",
            EntryKind::Action {
                action: action("health"),
                proposal: None,
            },
        ),
        entry(
            3,
            61_000,
            Role::Operator,
            "Oskar",
            EntryKind::Proposed {
                action: action("create-image node-2"),
                risk: "node-2 goes down".into(),
                risk_ja: String::new(),
            },
        ),
        entry(
            4,
            62_000,
            Role::Commander,
            "Ines",
            EntryKind::Declined {
                proposal: 3,
                reason: None,
            },
        ),
        entry(
            5,
            63_000,
            Role::Operator,
            "Oskar",
            EntryKind::Proposed {
                action: action("reboot node-3"),
                risk: "node-3 goes down".into(),
                risk_ja: String::new(),
            },
        ),
        entry(
            6,
            64_000,
            Role::Commander,
            "Ines",
            EntryKind::Approved { proposal: 5 },
        ),
        entry(
            7,
            64_000,
            Role::Operator,
            "Oskar",
            EntryKind::Action {
                action: action("reboot node-3"),
                proposal: Some(5),
            },
        ),
        entry(
            8,
            65_000,
            Role::Commander,
            "Ines",
            EntryKind::Chat {
                text: "watch node-3".into(),
            },
        ),
        entry(
            9,
            66_000,
            Role::Commander,
            "Ines",
            EntryKind::Speed { speed: 4 },
        ),
    ]
}

fn welcome(until_ms: u64, log: Vec<Entry>) -> ServerMsg {
    ServerMsg::Welcome {
        room: room(until_ms),
        token: "seat-token".into(),
        log,
    }
}

fn clock(until_ms: u64, last_seq: u64) -> ServerMsg {
    ServerMsg::Clock { until_ms, last_seq }
}

fn hash(m: &Model) -> String {
    m.follower.as_ref().unwrap().borrow().sim().event_log_hash()
}

fn checkpoints(sent: &[ClientMsg]) -> Vec<u64> {
    sent.iter()
        .filter_map(|m| match m {
            ClientMsg::Checkpoint { tick_ms, .. } => Some(*tick_ms),
            _ => None,
        })
        .collect()
}

#[test]
fn a_member_there_from_the_start_and_one_joining_late_run_the_same_drill() {
    // Oskar is there from the start: entries come one by one, each clock after them.
    let mut early = Model::new("K7QX2M", Role::Operator, "Oskar", None);
    assert!(early.receive(welcome(0, Vec::new())).is_empty());
    assert_eq!(early.link, Link::Open);
    let mut sent = Vec::new();
    for e in log() {
        let (seq, tick) = (e.seq, e.tick_ms);
        sent.extend(early.receive(ServerMsg::Entry { entry: e }));
        // The server's clock runs a little behind every stamp.
        sent.extend(early.receive(clock(tick - 100, seq)));
    }
    sent.extend(early.receive(clock(120_000, 9)));
    assert_eq!(early.now_ms(), 120_000);
    assert_eq!(
        checkpoints(&sent),
        vec![CHECKPOINT_EVERY_MS, 2 * CHECKPOINT_EVERY_MS],
        "a checkpoint hash each sim minute"
    );

    // Chiara joins at 2:00: the welcome carries the whole log, her sim catches up at once
    // and reports the newest checkpoint only.
    let mut late = Model::new("K7QX2M", Role::Communications, "Chiara", None);
    let sent_late = late.receive(welcome(120_000, log()));
    assert_eq!(checkpoints(&sent_late), vec![2 * CHECKPOINT_EVERY_MS]);
    assert_eq!(late.now_ms(), 120_000);
    assert_eq!(hash(&early), hash(&late), "one log, one drill");
    assert_eq!(
        early.checkpoint,
        Some((2 * CHECKPOINT_EVERY_MS, hash(&early))),
        "the last checkpoint reported, which the screen shows"
    );
    assert_eq!(late.checkpoint, early.checkpoint);

    // What both see: the applied actions at their ticks, the declined one never applied.
    let scripts: Vec<(u64, String)> = late
        .follower
        .as_ref()
        .unwrap()
        .borrow()
        .actions()
        .iter()
        .map(|a| (a.at_ms, a.action.to_script()))
        .collect();
    assert_eq!(
        scripts,
        vec![
            (5_000, "health".to_string()),
            (64_000, "reboot node-3".to_string())
        ]
    );
    assert_eq!(
        late.room.as_ref().unwrap().speed,
        4,
        "the commander's speed"
    );
    assert!(late.waiting().is_empty());
    assert_eq!(late.decision(3), Some(false));
    assert_eq!(late.decision(5), Some(true));
}

#[test]
fn a_proposal_waits_for_the_commander_until_answered() {
    let mut ic = Model::new("K7QX2M", Role::Commander, "Ines", None);
    let log = log();
    ic.receive(welcome(0, log[..3].to_vec()));
    let waiting: Vec<u64> = ic.waiting().iter().map(|e| e.seq).collect();
    assert_eq!(waiting, vec![3], "the risky create-image waits");
    assert!(ic.may(Permission::Decide));
    assert!(!Model::new("K7QX2M", Role::Operator, "Oskar", None).may(Permission::Decide));
    ic.receive(ServerMsg::Entry {
        entry: log[3].clone(),
    });
    assert!(ic.waiting().is_empty(), "declined: nothing waits");
    assert_eq!(ic.decision(3), Some(false));
}

#[test]
fn nothing_runs_past_the_servers_clock_and_a_gap_asks_for_the_log_again() {
    let mut op = Model::new("K7QX2M", Role::Operator, "Oskar", None);
    op.receive(welcome(1_000, Vec::new()));
    assert_eq!(op.now_ms(), 1_000);
    // A clock naming an entry this member lacks: it waits and catches up.
    op.receive(clock(2_000, 1));
    assert_eq!(op.now_ms(), 1_000, "not past an entry it has not seen");
    assert!(op.resync);
    // The rejoin names the seat and what it holds; the welcome brings the rest.
    match op.hello() {
        ClientMsg::Hello {
            last_seq, token, ..
        } => {
            assert_eq!(last_seq, Some(0));
            assert_eq!(token.as_deref(), Some("seat-token"));
        }
        other => panic!("{other:?}"),
    }
    let before = op.follower.clone().unwrap();
    op.receive(welcome(6_000, log()[..2].to_vec()));
    assert!(!op.resync);
    assert!(
        std::rc::Rc::ptr_eq(&before, op.follower.as_ref().unwrap()),
        "the same sim goes on"
    );
    assert_eq!(op.now_ms(), 6_000);
    assert_eq!(op.follower.as_ref().unwrap().borrow().actions().len(), 1);
    // An entry that skips one is refused too.
    op.receive(ServerMsg::Entry {
        entry: log()[3].clone(),
    });
    assert!(op.resync);
    assert_eq!(op.log.len(), 2);
}

#[test]
fn a_hello_refused_leaves_no_seat_and_no_reconnect() {
    let mut second = Model::new("K7QX2M", Role::Commander, "Ada", None);
    second.receive(ServerMsg::Error {
        message: "the commander is taken".into(),
    });
    second.closed();
    assert_eq!(second.fatal.as_deref(), Some("the commander is taken"));
    assert!(!second.should_reconnect());
    // A member with a seat reconnects after a drop, until the drill ends.
    let mut op = Model::new("K7QX2M", Role::Operator, "Oskar", None);
    op.receive(welcome(0, Vec::new()));
    op.closed();
    assert_eq!(op.link, Link::Closed);
    assert!(op.should_reconnect());
    // A refusal once seated is only a refusal.
    op.receive(ServerMsg::Error {
        message: "the operator may not do that".into(),
    });
    assert!(op.fatal.is_none());
    assert!(op.refusal.is_some());
}

#[test]
fn members_come_and_go_in_the_members_list() {
    let mut ic = Model::new("K7QX2M", Role::Commander, "Ines", None);
    ic.receive(welcome(0, log()[..1].to_vec()));
    let names = |m: &Model| -> Vec<(String, bool)> {
        m.room
            .as_ref()
            .unwrap()
            .members
            .iter()
            .map(|v| (v.name.clone(), v.online))
            .collect()
    };
    assert_eq!(
        names(&ic),
        vec![("Ines".to_string(), true), ("Oskar".to_string(), true)]
    );
    ic.receive(ServerMsg::Entry {
        entry: entry(2, 200, Role::Operator, "Oskar", EntryKind::Left),
    });
    assert_eq!(
        names(&ic),
        vec![("Ines".to_string(), true), ("Oskar".to_string(), false)]
    );
}

#[test]
fn a_seat_kept_from_before_a_reload_rejoins_with_its_token_and_the_whole_log() {
    let mut ic = Model::new("K7QX2M", Role::Commander, "Ines", None);
    ic.token = Some("seat-token".into());
    match ic.hello() {
        ClientMsg::Hello {
            last_seq, token, ..
        } => {
            assert_eq!(token.as_deref(), Some("seat-token"), "the same seat");
            assert_eq!(last_seq, None, "no sim yet: the whole log");
        }
        other => panic!("{other:?}"),
    }
    // The room is gone (the socket never opened): no retry loop.
    ic.closed();
    assert!(!ic.should_reconnect());
    // Had it answered, the seat replays the log from the start.
    ic.receive(welcome(70_000, log()));
    assert_eq!(ic.now_ms(), 70_000);
    assert_eq!(ic.log.len(), 9);
    assert!(ic.should_reconnect());
}

#[test]
fn every_hello_carries_the_browsers_identity_so_a_team_or_cohort_room_can_seat_its_members() {
    let mut op = Model::new("K7QX2M", Role::Operator, "Oskar", None);
    op.identity = Some("qd1_token".into());
    let identity_of = |m: &Model| match m.hello() {
        ClientMsg::Hello { identity, .. } => identity,
        other => panic!("{other:?}"),
    };
    assert_eq!(identity_of(&op).as_deref(), Some("qd1_token"));
    // And the rejoin after a drop, with the seat's token.
    op.receive(welcome(1_000, Vec::new()));
    assert_eq!(identity_of(&op).as_deref(), Some("qd1_token"));
    let anonymous = Model::new("K7QX2M", Role::Spectator, "Sam", None);
    assert_eq!(identity_of(&anonymous), None);
}

#[test]
fn the_commander_and_the_operator_work_the_console_while_the_link_is_open() {
    // The commander is the second person: their console works like the operator's (the
    // server applies their actions without approval); the other roles only watch.
    for (role, acts) in [
        (Role::Commander, true),
        (Role::Operator, true),
        (Role::Communications, false),
        (Role::GameMaster, false),
        (Role::Spectator, false),
    ] {
        let mut m = Model::new("K7QX2M", role, "Ines", None);
        assert!(!m.may_act(), "{role:?}: nothing works before the welcome");
        m.receive(welcome(1_000, Vec::new()));
        assert_eq!(m.may_act(), acts, "{role:?} at the console");
        m.closed();
        assert!(!m.may_act(), "{role:?}: the console waits for the link");
    }
    // Once the drill is over, nobody acts.
    let mut ic = Model::new("K7QX2M", Role::Commander, "Ines", None);
    let over = scenario_duration_ms();
    ic.receive(welcome(over, Vec::new()));
    assert!(ic.ended());
    assert!(!ic.may_act(), "the drill is over");
}

fn scenario_duration_ms() -> u64 {
    quorum_sim::scenario::builtin(SCENARIO).unwrap().duration_ms
}
