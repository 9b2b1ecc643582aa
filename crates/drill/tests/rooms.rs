//! Team drills (issue 14): rooms over WebSocket, with simulated members that each run the
//! sim from the room's log (`quorum_proto::lockstep::Follower`), some with jittered,
//! reordered delivery.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use common::TestServer;
use futures_util::{SinkExt, StreamExt};
use quorum_proto::lockstep::Follower;
use quorum_proto::team::*;
use quorum_sim::scenario::{self, FaultKind};
use quorum_sim::{script, Action};
use rand::{Rng, SeedableRng};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// What one simulated member has seen and computed.
#[derive(Default, Debug, Clone)]
struct Seen {
    token: String,
    room: Option<RoomState>,
    entries: Vec<Entry>,
    errors: Vec<String>,
    divergences: u32,
    hashes: BTreeMap<u64, String>,
    result: Option<TeamResult>,
    final_hash: Option<String>,
    until_ms: u64,
}

/// A member: a WebSocket, a sim that follows the log, and a jitter on delivery (each message
/// is held 0..jitter_ms before it is processed, so they are processed out of order).
struct Member {
    send: mpsc::UnboundedSender<ClientMsg>,
    seen: tokio::sync::watch::Receiver<Seen>,
    task: tokio::task::JoinHandle<()>,
}

impl Member {
    async fn join(
        server: &TestServer,
        code: &str,
        hello: ClientMsg,
        jitter_ms: u64,
        rng_seed: u64,
    ) -> Member {
        Member::rejoin(server, code, hello, jitter_ms, rng_seed, Vec::new()).await
    }

    /// A member that already has `prior` (the entries up to its hello's `last_seq`).
    async fn rejoin(
        server: &TestServer,
        code: &str,
        hello: ClientMsg,
        jitter_ms: u64,
        rng_seed: u64,
        prior: Vec<Entry>,
    ) -> Member {
        let url = format!("ws://{}/api/rooms/{code}/ws", server.addr);
        let (ws, _) = tokio_tungstenite::connect_async(&url)
            .await
            .expect("ws connect");
        let (mut sink, mut stream) = ws.split();
        let (send, mut outbox) = mpsc::unbounded_channel::<ClientMsg>();
        let (seen_tx, seen) = tokio::sync::watch::channel(Seen::default());
        let hello_text = serde_json::to_string(&hello).unwrap();
        let task = tokio::spawn(async move {
            sink.send(Message::Text(hello_text.into())).await.unwrap();
            // Delivery with jitter: each message is released after a random delay.
            let (delivered_tx, mut delivered) = mpsc::unbounded_channel::<ServerMsg>();
            // Closed by the server: what was delivered is still processed, then the task ends.
            let mut delivered_tx = Some(delivered_tx);
            let mut rng = rand::rngs::StdRng::seed_from_u64(rng_seed);
            let mut state = Seen {
                entries: prior,
                ..Seen::default()
            };
            let mut follower: Option<Follower> = None;
            let mut stash: BTreeMap<u64, Entry> = BTreeMap::new();
            let mut clocks: Vec<(u64, u64)> = Vec::new();
            loop {
                tokio::select! {
                    msg = stream.next(), if delivered_tx.is_some() => {
                        let Some(Ok(Message::Text(text))) = msg else {
                            delivered_tx = None;
                            continue;
                        };
                        let msg: ServerMsg = serde_json::from_str(&text).expect("a server message");
                        let delay = if jitter_ms == 0 { 0 } else { rng.random_range(0..jitter_ms) };
                        let tx = delivered_tx.clone().expect("open");
                        // The welcome first: it says which sim to run.
                        if matches!(msg, ServerMsg::Welcome { .. }) {
                            let _ = tx.send(msg);
                        } else {
                            tokio::spawn(async move {
                                tokio::time::sleep(Duration::from_millis(delay)).await;
                                let _ = tx.send(msg);
                            });
                        }
                    }
                    Some(out) = outbox.recv(), if delivered_tx.is_some() => {
                        let text = serde_json::to_string(&out).unwrap();
                        if sink.send(Message::Text(text.into())).await.is_err() { break; }
                    }
                    Some(msg) = delivered.recv() => {
                        match msg {
                            ServerMsg::Welcome { room, token, log } => {
                                let scenario = scenario::builtin(&room.scenario_id).unwrap();
                                let mut f = Follower::new(scenario, room.seed);
                                // A rejoin re-runs from the start with the entries it had.
                                for e in state.entries.iter() { f.take(e).unwrap(); }
                                follower = Some(f);
                                state.token = token;
                                state.room = Some(room);
                                for e in log { stash.insert(e.seq, e); }
                            }
                            ServerMsg::Entry { entry } => { stash.insert(entry.seq, entry); }
                            ServerMsg::Clock { until_ms, last_seq } => clocks.push((until_ms, last_seq)),
                            ServerMsg::Divergence { .. } => state.divergences += 1,
                            ServerMsg::Error { message } => state.errors.push(message),
                            ServerMsg::Ended { result } => state.result = Some(result),
                        }
                        if let Some(f) = follower.as_mut() {
                            // Take the entries in order, then run as far as a clock allows.
                            while let Some(e) = stash.remove(&(f.last_seq() + 1)) {
                                f.take(&e).unwrap();
                                state.entries.push(e);
                            }
                            let allowed = clocks
                                .iter()
                                .filter(|(_, seq)| *seq <= f.last_seq())
                                .map(|(until, _)| *until)
                                .max();
                            if let Some(until) = allowed {
                                let mut reports = Vec::new();
                                f.run_to(until, |sim| {
                                    reports.push((sim.now_ms(), sim.event_log_hash()));
                                });
                                for (tick_ms, hash) in reports {
                                    state.hashes.insert(tick_ms, hash.clone());
                                    let text = serde_json::to_string(&ClientMsg::Checkpoint { tick_ms, hash }).unwrap();
                                    if sink.send(Message::Text(text.into())).await.is_err() { break; }
                                }
                                state.until_ms = f.sim().now_ms();
                                if f.sim().is_over() {
                                    state.final_hash = Some(f.sim().event_log_hash());
                                }
                            }
                        }
                        let _ = seen_tx.send(state.clone());
                    }
                    else => break,
                }
            }
        });
        Member { send, seen, task }
    }

    fn say(&self, msg: ClientMsg) {
        self.send.send(msg).expect("member's task is running");
    }

    fn now(&self) -> Seen {
        self.seen.borrow().clone()
    }

    /// Waits until `cond` holds for what the member has seen (10 s at most).
    async fn until(&mut self, what: &str, cond: impl Fn(&Seen) -> bool) -> Seen {
        let wait = async {
            loop {
                if cond(&self.seen.borrow()) {
                    return self.seen.borrow().clone();
                }
                if self.seen.changed().await.is_err() {
                    panic!("the member's connection closed while waiting for {what}");
                }
            }
        };
        match tokio::time::timeout(Duration::from_secs(20), wait).await {
            Ok(seen) => seen,
            Err(_) => panic!("timed out waiting for {what}: {:?}", self.now().errors),
        }
    }

    fn drop_connection(self) -> Seen {
        let seen = self.now();
        self.task.abort();
        seen
    }
}

fn hello(role: Role, name: &str) -> ClientMsg {
    ClientMsg::Hello {
        role,
        name: name.into(),
        last_seq: None,
        token: None,
        host_key: None,
        identity: None,
    }
}

fn action(text: &str) -> Action {
    let words: Vec<&str> = text.split_whitespace().collect();
    script::parse_action(&words).unwrap()
}

async fn open(server: &TestServer, speed: u32) -> RoomOpened {
    let (status, body) = server
        .post(
            "/api/rooms",
            &json!({"scenario_id": "seed-ami-trap", "seed": 3, "speed": speed}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    serde_json::from_value(body).unwrap()
}

fn kinds(seen: &Seen) -> Vec<String> {
    seen.entries
        .iter()
        .map(|e| match &e.kind {
            EntryKind::Action { action, .. } => {
                format!("{}:{}", e.role.as_str(), action.to_script())
            }
            other => format!(
                "{}:{}",
                e.role.as_str(),
                serde_json::to_value(other).unwrap()["type"]
                    .as_str()
                    .unwrap()
            ),
        })
        .collect()
}

fn has_action(seen: &Seen, script: &str) -> bool {
    seen.entries
        .iter()
        .any(|e| e.action().is_some_and(|a| a.to_script() == script))
}

// ---- The drill ----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_roles_in_lockstep_under_jittered_delivery_approve_decline_inject_and_the_replay_verifies(
) {
    let server = TestServer::start().await;
    let room = open(&server, 16).await;
    let gm_hello = ClientMsg::Hello {
        role: Role::GameMaster,
        name: "Trainer".into(),
        last_seq: None,
        token: None,
        host_key: Some(room.host_key.clone()),
        identity: None,
    };
    let mut gm = Member::join(&server, &room.code, gm_hello, 40, 1).await;
    let mut ic = Member::join(&server, &room.code, hello(Role::Commander, "Ines"), 40, 2).await;
    let mut op = Member::join(&server, &room.code, hello(Role::Operator, "Oskar"), 40, 3).await;
    let mut comms = Member::join(
        &server,
        &room.code,
        hello(Role::Communications, "Chiara"),
        40,
        4,
    )
    .await;
    let welcome = gm
        .until("the game master's welcome", |s| s.room.is_some())
        .await;
    let gm_room = welcome.room.unwrap();
    assert!(gm_room.injectable.contains(&FaultKind::HostFailure));
    assert!(
        gm_room.branch_case.is_some(),
        "the game master sees the branch drawn"
    );
    let ic_room = ic
        .until("the commander's welcome", |s| s.room.is_some())
        .await
        .room
        .unwrap();
    assert_eq!(
        ic_room.branch_case, None,
        "only the game master sees the hidden branches"
    );

    // A read-only call is not risky: it applies at once.
    op.say(ClientMsg::Propose {
        action: action("health"),
    });
    op.until("health applied", |s| has_action(s, "health"))
        .await;

    // A reboot of a healthy node while node-1 is down is risky: it waits for the commander.
    op.until("a minute of sim time", |s| s.until_ms >= 60_000)
        .await;
    op.say(ClientMsg::Propose {
        action: action("create-image node-2"),
    });
    let proposed = ic
        .until("the proposal", |s| {
            s.entries
                .iter()
                .any(|e| matches!(e.kind, EntryKind::Proposed { .. }))
        })
        .await;
    let first = proposed
        .entries
        .iter()
        .find(|e| matches!(e.kind, EntryKind::Proposed { .. }))
        .unwrap();
    let EntryKind::Proposed { risk, risk_ja, .. } = &first.kind else {
        unreachable!()
    };
    assert!(!risk.is_empty(), "the sim's forecast says why it is risky");
    assert!(
        risk_ja
            .chars()
            .any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
        "and says it in Japanese too: {risk_ja}"
    );
    assert!(!has_action(&proposed, "create-image node-2"), "it waits");
    ic.say(ClientMsg::Decline {
        proposal: first.seq,
        reason: Some("take it with No reboot".into()),
    });
    op.say(ClientMsg::Propose {
        action: action("create-image node-2 --no-reboot"),
    });
    ic.until("the declined one", |s| {
        s.entries
            .iter()
            .any(|e| matches!(e.kind, EntryKind::Declined { .. }))
    })
    .await;

    // The operator proposes a risky stop, and the commander approves it.
    op.say(ClientMsg::Propose {
        action: action("reboot node-3"),
    });
    let seen = ic
        .until("the second proposal", |s| {
            s.entries
                .iter()
                .filter(|e| matches!(e.kind, EntryKind::Proposed { .. }))
                .count()
                == 2
        })
        .await;
    let second = seen
        .entries
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::Proposed { .. }))
        .nth(1)
        .unwrap()
        .seq;
    ic.say(ClientMsg::Approve { proposal: second });
    op.until("the approved reboot", |s| has_action(s, "reboot node-3"))
        .await;

    // The game master fails node-2's host; communications posts an update.
    gm.say(ClientMsg::Inject {
        fault: FaultKind::HostFailure,
        instance: "node-2".into(),
    });
    comms.say(ClientMsg::Status {
        text: "We are degraded, working on it".into(),
        eta_min: None,
    });
    comms
        .until("the injection", |s| {
            has_action(s, "inject host-failure node-2")
        })
        .await;
    ic.say(ClientMsg::Chat {
        text: "Recovering".into(),
    });
    ic.say(ClientMsg::Resolve);

    let mut members = [gm, ic, op, comms];
    let mut finals = Vec::new();
    for m in members.iter_mut() {
        finals.push(
            m.until("the end, replayed", |s| {
                s.result.is_some() && s.final_hash.is_some()
            })
            .await,
        );
    }
    let result = finals[0].result.clone().unwrap();
    for seen in &finals {
        assert_eq!(seen.divergences, 0, "no member diverged: {:?}", seen.errors);
        assert_eq!(kinds(seen), kinds(&finals[0]), "one log, one order");
        assert_eq!(
            seen.hashes, finals[0].hashes,
            "the same hash at every checkpoint"
        );
        assert_eq!(
            seen.final_hash.as_ref(),
            Some(&result.event_log_hash),
            "the server's run"
        );
    }
    assert!(
        finals[0].hashes.len() >= 45,
        "a checkpoint each minute of the 45-minute drill"
    );
    assert_eq!(result.divergences, 0);
    // The declined action never applied; the injection is in the replay.
    let replay = &result.record.replay;
    let scripts: Vec<String> = replay
        .actions
        .iter()
        .map(|a| a.action.to_script())
        .collect();
    assert!(
        !scripts.contains(&"create-image node-2".to_string()),
        "{scripts:?}"
    );
    assert!(scripts.contains(&"reboot node-3".to_string()));
    assert!(scripts.contains(&"inject host-failure node-2".to_string()));
    // The replay verifies on its own with the server's score.
    let verified = quorum_sim::replay::verify_canonical(replay).unwrap();
    assert_eq!(verified.report.score, result.score);
    assert_eq!(verified.canonical_hash, result.canonical_hash);
    // Per role.
    let role = |r: Role| result.roles.iter().find(|x| x.role == r).unwrap().clone();
    assert_eq!(role(Role::Commander).approvals, 1);
    assert_eq!(role(Role::Commander).declines, 1);
    assert_eq!(role(Role::GameMaster).actions, 1);
    assert!(role(Role::Operator).actions >= 3);
    assert!(
        role(Role::Operator).penalty_points > 0,
        "the approved reboot cost points"
    );
    // The result is kept: it can be read back (after the room closes too) as it was sent.
    let path = format!("/api/rooms/{}/result", room.code);
    let mut kept = None;
    for _ in 0..50 {
        let (status, body) = server.get(&path).await;
        if status == 200 {
            kept = Some(body);
            break;
        }
        assert_eq!((status, body["error"].as_str()), (404, Some("no_result")));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let kept: TeamResult =
        serde_json::from_value(kept.expect("the kept result within 5 s")).unwrap();
    assert_eq!(kept, result);
    let (status, _) = server.get("/api/rooms/NOSUCH/result").await;
    assert_eq!(status, 404);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_member_and_a_late_spectator_catch_up_from_the_log() {
    let server = TestServer::start().await;
    let room = open(&server, 16).await;
    let mut ic = Member::join(&server, &room.code, hello(Role::Commander, "Ines"), 0, 1).await;
    let mut op = Member::join(&server, &room.code, hello(Role::Operator, "Oskar"), 20, 2).await;
    op.until("welcome", |s| s.room.is_some()).await;
    op.say(ClientMsg::Propose {
        action: action("health"),
    });
    let before = op.until("health", |s| has_action(s, "health")).await;
    let token = before.token.clone();
    let had = before.entries.len() as u64;
    let _ = op.drop_connection();
    // While the operator is away, the commander acts.
    ic.say(ClientMsg::Propose {
        action: action("cat-nodes"),
    });
    ic.until("cat-nodes", |s| has_action(s, "cat-nodes")).await;
    ic.until("a checkpoint", |s| s.until_ms >= 120_000).await;

    // The operator comes back with its token and last seq: the welcome carries the rest.
    let rejoin = ClientMsg::Hello {
        role: Role::Operator,
        name: "Oskar".into(),
        last_seq: Some(had),
        token: Some(token.clone()),
        host_key: None,
        identity: None,
    };
    let mut back = Member::rejoin(&server, &room.code, rejoin, 20, 3, before.entries.clone()).await;
    let seen = back
        .until("the rejoin", |s| has_action(s, "cat-nodes"))
        .await;
    assert_eq!(seen.token, token, "the same seat");
    assert!(seen.errors.is_empty(), "{:?}", seen.errors);
    // A spectator joins late: the whole log.
    let mut late = Member::join(&server, &room.code, hello(Role::Spectator, "Sam"), 20, 4).await;
    let seen = late
        .until("the late join", |s| {
            has_action(s, "cat-nodes") && has_action(s, "health")
        })
        .await;
    assert_eq!(seen.entries[0].seq, 1);
    // The operator's seat is held: another operator cannot take it.
    let mut other = Member::join(&server, &room.code, hello(Role::Operator, "Eve"), 0, 5).await;
    other.until("refusal", |s| !s.errors.is_empty()).await;
    assert!(other.now().errors[0].contains("operator is taken"));
    ic.say(ClientMsg::Resolve);
    let a = ic
        .until("end", |s| s.final_hash.is_some() && s.result.is_some())
        .await;
    let c = late.until("end", |s| s.final_hash.is_some()).await;
    // The rejoined member re-ran from its own start (a fresh follower fed the whole log).
    assert_eq!(a.final_hash, c.final_hash);
    assert_eq!(
        a.final_hash.as_ref(),
        Some(&a.result.as_ref().unwrap().event_log_hash)
    );
    for m in [&a, &c] {
        assert_eq!(m.divergences, 0);
        for (tick, hash) in &m.hashes {
            assert_eq!(a.hashes.get(tick), Some(hash));
        }
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_game_master_injects_and_only_the_scenarios_fault_kinds() {
    let server = TestServer::start().await;
    let room = open(&server, 1).await;
    // The game master's seat needs the host's key.
    let mut impostor = Member::join(
        &server,
        &room.code,
        hello(Role::GameMaster, "Mallory"),
        0,
        1,
    )
    .await;
    impostor.until("refusal", |s| !s.errors.is_empty()).await;
    assert!(impostor.now().errors[0].contains("host"));
    let mut op = Member::join(&server, &room.code, hello(Role::Operator, "Oskar"), 0, 2).await;
    op.until("welcome", |s| s.room.is_some()).await;
    op.say(ClientMsg::Inject {
        fault: FaultKind::HostFailure,
        instance: "node-2".into(),
    });
    op.until("refusal", |s| !s.errors.is_empty()).await;
    assert!(
        op.now().errors[0].contains("operator may not"),
        "{:?}",
        op.now().errors
    );
    // Not through a proposal either.
    op.say(ClientMsg::Propose {
        action: Action::Inject {
            fault: FaultKind::HostFailure,
            instance: "node-2".into(),
        },
    });
    op.until("refusal", |s| s.errors.len() >= 2).await;
    // Nor app traffic: a trainee's searches are drill live's to count, not a member's.
    op.say(ClientMsg::Propose {
        action: Action::AppRequests {
            via: "node-2".into(),
            searches: 100_000,
            indexes: 0,
        },
    });
    op.until("refusal", |s| s.errors.len() >= 3).await;
    assert!(
        op.now().errors[2].contains("drill live"),
        "{:?}",
        op.now().errors
    );
    let gm_hello = ClientMsg::Hello {
        role: Role::GameMaster,
        name: "Trainer".into(),
        last_seq: None,
        token: None,
        host_key: Some(room.host_key.clone()),
        identity: None,
    };
    let mut gm = Member::join(&server, &room.code, gm_hello, 0, 3).await;
    gm.until("welcome", |s| s.room.is_some()).await;
    gm.say(ClientMsg::Inject {
        fault: FaultKind::DiskFill,
        instance: "node-2".into(),
    });
    gm.until("refusal", |s| !s.errors.is_empty()).await;
    assert!(gm.now().errors[0].contains("declares no disk-fill"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        op.now().entries.iter().all(|e| e.action().is_none()),
        "nothing applied"
    );
    // A replay with an injection is a team drill's: the boards refuse it.
    let mut replay = common::replay(1, vec![]);
    replay.actions.push(quorum_sim::TimedAction {
        at_ms: 60_000,
        action: action("inject host-failure node-2"),
    });
    let (status, body) = server.submit("Pat", &replay).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(common::code(&body), "team_drill_only");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_members_message_size_and_rate_are_capped() {
    let server = TestServer::start_with(|c| {
        c.rooms.max_rooms = 2;
        c.rooms.max_members = 2;
        c.rooms.messages_per_second = 5;
    })
    .await;
    let room = open(&server, 1).await;
    open(&server, 1).await;
    let (status, body) = server
        .post(
            "/api/rooms",
            &json!({"scenario_id": "seed-ami-trap", "seed": 1}),
        )
        .await;
    assert_eq!(status, 503, "a third room: {body}");
    let (status, _) = server
        .post("/api/rooms", &json!({"scenario_id": "no-such", "seed": 1}))
        .await;
    assert!(status == 422 || status == 503);
    let (status, _) = server.get("/api/rooms/NOSUCH/ws").await;
    assert!(status >= 400, "no room, no upgrade: {status}");

    let mut a = Member::join(&server, &room.code, hello(Role::Commander, "A"), 0, 1).await;
    a.until("welcome", |s| s.room.is_some()).await;
    let mut b = Member::join(&server, &room.code, hello(Role::Spectator, "B"), 0, 2).await;
    b.until("welcome", |s| s.room.is_some()).await;
    let mut c = Member::join(&server, &room.code, hello(Role::Spectator, "C"), 0, 3).await;
    c.until("refusal", |s| !s.errors.is_empty()).await;
    assert!(c.now().errors[0].contains("full"));

    // Rate: a burst of 30 chats gets refusals past the bucket (10 deep at 5 a second).
    for i in 0..30 {
        a.say(ClientMsg::Chat {
            text: format!("msg {i}"),
        });
    }
    a.until("rate refusals", |s| {
        s.errors.iter().any(|e| e.contains("too many"))
    })
    .await;
    // Size: a message over 4 KiB closes the connection.
    let url = format!("ws://{}/api/rooms/{}/ws", server.addr, room.code);
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let big = "x".repeat(8 * 1024);
    let _ = ws.send(Message::Text(big.into())).await;
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return true,
                Some(Ok(_)) => {}
            }
        }
    })
    .await
    .unwrap_or(false);
    assert!(closed, "an oversized message ends the connection");
    let _ = HashMap::<u8, u8>::new();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_websockets_count_against_the_per_address_connection_cap() {
    let server = TestServer::start_with(|c| c.max_connections_per_ip = 3).await;
    let room = open(&server, 1).await;
    let url = format!("ws://{}/api/rooms/{}/ws", server.addr, room.code);
    // Open WebSockets until one is refused: the test's own HTTP client may hold a place
    // too, so at most 3 succeed (without the cap, all 10 would).
    let mut open_sockets = Vec::new();
    for _ in 0..10 {
        match tokio::time::timeout(
            Duration::from_secs(5),
            tokio_tungstenite::connect_async(&url),
        )
        .await
        .expect("answered or refused within 5 s")
        {
            Ok((ws, _)) => open_sockets.push(ws),
            Err(_) => break,
        }
    }
    assert!(
        (1..=3).contains(&open_sockets.len()),
        "{} WebSockets open from one address, cap 3",
        open_sockets.len()
    );
    // Closing one gives its place back.
    drop(open_sockets.pop());
    let mut again = None;
    for _ in 0..50 {
        if let Ok((ws, _)) = tokio_tungstenite::connect_async(&url).await {
            again = Some(ws);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(again.is_some(), "a closed socket's place comes back");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_cannot_fill_the_log_the_drill_needs() {
    let server = TestServer::start_with(|c| {
        c.rooms.max_entries = 30;
        c.rooms.reserved_for_work = 10;
        c.rooms.messages_per_second = 1_000;
    })
    .await;
    let room = open(&server, 1).await;
    let mut a = Member::join(&server, &room.code, hello(Role::Commander, "A"), 0, 1).await;
    a.until("welcome", |s| s.room.is_some()).await;
    // Talk up to the chat's share of the log (20 entries), then refused.
    for i in 0..25 {
        a.say(ClientMsg::Chat {
            text: format!("msg {i}"),
        });
    }
    let seen = a
        .until("chat refusals", |s| {
            s.errors.iter().any(|e| e.contains("chat is full"))
        })
        .await;
    assert!(seen.entries.len() <= 20, "{} entries", seen.entries.len());
    // The drill's own work still goes into the log.
    a.say(ClientMsg::Status {
        text: "Investigating: one node down, the cluster serves.".into(),
        eta_min: None,
    });
    a.until("the status update", |s| {
        s.entries
            .iter()
            .any(|e| matches!(e.kind, EntryKind::Status { .. }))
    })
    .await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_whose_hash_differs_is_flagged_to_the_room() {
    let server = TestServer::start().await;
    let room = open(&server, 16).await;
    let mut ic = Member::join(&server, &room.code, hello(Role::Commander, "Ines"), 0, 1).await;
    let mut op = Member::join(&server, &room.code, hello(Role::Operator, "Omar"), 0, 2).await;
    let mut spectator =
        Member::join(&server, &room.code, hello(Role::Spectator, "Sam"), 0, 3).await;
    let seen = op
        .until("the first checkpoint", |s| s.hashes.contains_key(&60_000))
        .await;
    assert_eq!(seen.divergences, 0, "an honest member is in step");
    // An operator whose sim went another way reports another hash for the same tick, twice:
    // the room is told, and it counts once.
    for _ in 0..2 {
        op.say(ClientMsg::Checkpoint {
            tick_ms: 60_000,
            hash: "0".repeat(64),
        });
    }
    ic.until("the divergence, told to the room", |s| s.divergences == 1)
        .await;
    // A spectator's is told to the spectator only and not counted; a hash that is not one
    // is refused.
    spectator.say(ClientMsg::Checkpoint {
        tick_ms: 60_000,
        hash: "f".repeat(64),
    });
    spectator
        .until("its own divergence", |s| s.divergences == 1)
        .await;
    spectator.say(ClientMsg::Checkpoint {
        tick_ms: 60_000,
        hash: "not a hash".into(),
    });
    spectator
        .until("the refusal", |s| {
            s.errors.iter().any(|e| e.contains("64 hexadecimal"))
        })
        .await;
    ic.say(ClientMsg::Resolve);
    let end = ic.until("end", |s| s.result.is_some()).await;
    assert_eq!(end.divergences, 1, "the room was told of one");
    assert_eq!(
        end.result.unwrap().divergences,
        1,
        "the result counts it once"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejoin_takes_the_seat_and_the_old_connection_closing_later_does_not_evict_it() {
    let server = TestServer::start().await;
    let room = open(&server, 4).await;
    let mut ic = Member::join(&server, &room.code, hello(Role::Commander, "Ines"), 0, 1).await;
    let mut old = Member::join(&server, &room.code, hello(Role::Operator, "Oskar"), 0, 2).await;
    let first = old.until("welcome", |s| s.room.is_some()).await;
    // The same person opens a second tab with the token before the first one closes.
    let rejoin = ClientMsg::Hello {
        role: Role::Operator,
        name: "Oskar".into(),
        last_seq: None,
        token: Some(first.token.clone()),
        host_key: None,
        identity: None,
    };
    let mut new = Member::join(&server, &room.code, rejoin, 0, 3).await;
    new.until("welcome", |s| s.room.is_some()).await;
    let _ = old.drop_connection();
    tokio::time::sleep(Duration::from_millis(300)).await;
    ic.say(ClientMsg::Propose {
        action: action("cat-shards"),
    });
    let seen = new
        .until("the entry after the old tab closed", |s| {
            has_action(s, "cat-shards")
        })
        .await;
    assert!(seen.errors.is_empty(), "{:?}", seen.errors);
    ic.until("cat-shards", |s| has_action(s, "cat-shards"))
        .await;
    let mut late = Member::join(&server, &room.code, hello(Role::Spectator, "Sam"), 0, 4).await;
    let members = late
        .until("welcome", |s| s.room.is_some())
        .await
        .room
        .unwrap()
        .members;
    let operators: Vec<_> = members
        .iter()
        .filter(|m| m.role == Role::Operator)
        .collect();
    assert_eq!(operators.len(), 1, "one seat for the operator, not two");
    assert!(operators[0].online, "held by the new tab");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seat_left_empty_past_its_hold_can_be_taken_and_names_follow_the_boards_rules() {
    let server = TestServer::start_with(|c| c.rooms.seat_hold = Duration::from_millis(400)).await;
    let room = open(&server, 4).await;
    // An invisible Hangul filler is refused as on the boards; Devanagari with its vowel
    // signs is a name.
    let mut ghost =
        Member::join(&server, &room.code, hello(Role::Operator, "\u{3164}"), 0, 1).await;
    let refused = ghost.until("the refusal", |s| !s.errors.is_empty()).await;
    assert!(
        refused.errors[0].contains("invisible"),
        "{:?}",
        refused.errors
    );
    let mut first = Member::join(&server, &room.code, hello(Role::Operator, "अनीता"), 0, 2).await;
    let welcome = first.until("welcome", |s| s.room.is_some()).await;
    assert!(welcome.errors.is_empty(), "{:?}", welcome.errors);
    // While her seat is held (connected, or gone for less than the hold), it is hers.
    let mut early = Member::join(&server, &room.code, hello(Role::Operator, "Oskar"), 0, 3).await;
    let taken = early.until("the refusal", |s| !s.errors.is_empty()).await;
    assert!(taken.errors[0].contains("taken"), "{:?}", taken.errors);
    // Her tab closes for good; past the hold, someone else takes the seat.
    let _ = first.drop_connection();
    tokio::time::sleep(Duration::from_millis(700)).await;
    let mut next = Member::join(&server, &room.code, hello(Role::Operator, "Oskar"), 0, 4).await;
    let seated = next.until("welcome", |s| s.room.is_some()).await;
    assert!(seated.errors.is_empty(), "{:?}", seated.errors);
    let operators: Vec<_> = seated
        .room
        .unwrap()
        .members
        .into_iter()
        .filter(|m| m.role == Role::Operator)
        .collect();
    assert_eq!(operators.len(), 1, "{operators:?}");
    assert_eq!(
        (operators[0].name.as_str(), operators[0].online),
        ("Oskar", true)
    );
    // Her old token no longer names a seat: it would be a new member, and the seat is taken.
    let stale = ClientMsg::Hello {
        role: Role::Operator,
        name: "अनीता".into(),
        last_seq: None,
        token: Some(welcome.token.clone()),
        host_key: None,
        identity: None,
    };
    let mut back = Member::join(&server, &room.code, stale, 0, 5).await;
    let refused = back.until("the refusal", |s| !s.errors.is_empty()).await;
    assert!(refused.errors[0].contains("taken"), "{:?}", refused.errors);
    server.stop().await;
}

// ---- What a drill counts for --------------------------------------------------------------

/// A hello of `role` with a player identity.
fn hello_as(role: Role, name: &str, identity: &str) -> ClientMsg {
    ClientMsg::Hello {
        role,
        name: name.into(),
        last_seq: None,
        token: None,
        host_key: None,
        identity: Some(identity.into()),
    }
}

/// `POST /api/rooms` with `bearer` (a player's or a trainer's token).
async fn open_as(
    server: &TestServer,
    bearer: Option<&str>,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    server
        .send(
            reqwest::Method::POST,
            "/api/rooms",
            serde_json::to_vec(&body).unwrap(),
            "application/json",
            bearer,
        )
        .await
}

/// The member's refusal: the server's error, then the socket closes.
async fn refused(server: &TestServer, code: &str, hello: ClientMsg) -> String {
    let mut m = Member::join(server, code, hello, 0, 9).await;
    let seen = m.until("a refusal", |s| !s.errors.is_empty()).await;
    assert!(seen.room.is_none(), "refused before any welcome: {seen:?}");
    seen.errors[0].clone()
}

fn proposals(seen: &Seen) -> Vec<(u64, String)> {
    seen.entries
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::Proposed { risk, .. } => Some((e.seq, risk.clone())),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_competition_team_drill_counts_for_the_hosts_team_and_only_its_members_take_its_seats() {
    let server = TestServer::start().await;
    // An Exam competition over seed-ami-trap seed 3; SRE (ann, ben) and Ops (cat) form with
    // their members' runs; dan is in no team.
    let (status, created) = server
        .create_competition(&common::open_competition(
            "Team day",
            json!([{ "id": "seed-ami-trap", "seeds": [3] }]),
        ))
        .await;
    assert_eq!(status, 201, "{created}");
    let competition = created["code"].as_str().unwrap().to_string();
    let mut people = Vec::new();
    for (i, (name, team)) in [
        ("ann", Some("SRE")),
        ("ben", Some("SRE")),
        ("cat", Some("Ops")),
        ("dan", None),
    ]
    .into_iter()
    .enumerate()
    {
        let (id, token) = server.new_identity().await;
        if let Some(team) = team {
            let replay = common::replay(3, common::careful_actions_later(i as u64 * 7));
            let (status, body) = server
                .submit_as(
                    &token,
                    &json!({ "player": name, "team": team, "competition": competition, "replay": replay }),
                )
                .await;
            assert_eq!(status, 201, "{body}");
        }
        people.push((id, token));
    }
    let [(ann_id, ann), (ben_id, ben), (_, cat), (_, dan)] = <[_; 4]>::try_from(people).unwrap();
    let body = |seed: u64| json!({ "scenario_id": "seed-ami-trap", "seed": seed, "speed": 16, "competition": competition });

    // Opening one needs the host's identity, a team there, and one of its drills.
    let (status, answer) = open_as(&server, None, body(3)).await;
    assert_eq!(
        (status, common::code(&answer)),
        (401, "identity_required"),
        "{answer}"
    );
    let (status, answer) = open_as(&server, Some(&dan), body(3)).await;
    assert_eq!(
        (status, common::code(&answer)),
        (422, "no_team"),
        "{answer}"
    );
    let (status, answer) = open_as(&server, Some(&ann), body(4)).await;
    assert_eq!(
        (status, common::code(&answer)),
        (422, "not_in_competition"),
        "{answer}"
    );
    let (status, answer) = open_as(&server, Some(&ann), body(3)).await;
    assert_eq!(status, 201, "{answer}");
    let room: RoomOpened = serde_json::from_value(answer).unwrap();

    // No game master, even the host; only SRE's members take the acting seats, with their
    // identity; anyone may watch.
    let gm = ClientMsg::Hello {
        role: Role::GameMaster,
        name: "Ann".into(),
        last_seq: None,
        token: None,
        host_key: Some(room.host_key.clone()),
        identity: Some(ann.clone()),
    };
    let why = refused(&server, &room.code, gm).await;
    assert!(why.contains("no game-master"), "{why}");
    let why = refused(&server, &room.code, hello_as(Role::Operator, "Cat", &cat)).await;
    assert!(why.contains("only members of team \"SRE\""), "{why}");
    let why = refused(&server, &room.code, hello(Role::Operator, "Ben")).await;
    assert!(why.contains("needs your player identity"), "{why}");
    let mut ic = Member::join(
        &server,
        &room.code,
        hello_as(Role::Commander, "Ann", &ann),
        0,
        1,
    )
    .await;
    let mut op = Member::join(
        &server,
        &room.code,
        hello_as(Role::Operator, "Ben", &ben),
        0,
        2,
    )
    .await;
    let mut watcher = Member::join(&server, &room.code, hello(Role::Spectator, "Dan"), 0, 3).await;
    let seen = watcher
        .until("the spectator's welcome", |s| s.room.is_some())
        .await;
    assert_eq!(
        seen.room.unwrap().counts_for,
        Some(CountsFor::Competition {
            code: competition.clone(),
            name: "Team day".into(),
            team: "SRE".into(),
            require_exam: true,
        })
    );
    op.until("the operator's welcome", |s| s.room.is_some())
        .await;

    // Exam: no forecast is shown, so even a read-only call waits for the commander.
    op.say(ClientMsg::Propose {
        action: action("health"),
    });
    let seen = ic
        .until("the held call", |s| !proposals(s).is_empty())
        .await;
    let (seq, risk) = proposals(&seen)[0].clone();
    assert_eq!(risk, EXAM_HELD_RISK.0);
    assert!(!has_action(&seen, "health"), "it waits");
    ic.say(ClientMsg::Approve { proposal: seq });
    ic.until("health applied", |s| has_action(s, "health"))
        .await;
    ic.say(ClientMsg::Resolve);
    let result = ic
        .until("the result", |s| s.result.is_some())
        .await
        .result
        .unwrap();
    assert_eq!(result.counts_for, watcher.now().room.unwrap().counts_for);
    assert_eq!(
        result.players,
        vec![
            SeatHolder {
                role: Role::Commander,
                name: "Ann".into(),
                player_id: Some(ann_id)
            },
            SeatHolder {
                role: Role::Operator,
                name: "Ben".into(),
                player_id: Some(ben_id)
            },
        ]
    );

    // It counts for SRE (kept by the room's own task: polled).
    let path = format!("/api/competitions/{competition}/team-drills");
    let mut table = serde_json::Value::Null;
    for _ in 0..50 {
        let (status, body) = server.get(&path).await;
        assert_eq!(status, 200, "{body}");
        if !body["rows"].as_array().unwrap().is_empty() {
            table = body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let table: TeamDrillTable = serde_json::from_value(table).expect("a counted drill");
    assert_eq!(table.rows.len(), 1, "{table:?}");
    let row = &table.rows[0];
    assert_eq!(
        (row.rank, row.team.as_str(), row.total),
        (1, "SRE", result.score)
    );
    assert_eq!(row.bests[0].code, room.code);
    assert_eq!(row.bests[0].players, result.players);

    // Its replay is the team's: no member may submit it as their own run.
    let mut replay = result.record.replay.clone();
    replay.mode = quorum_sim::replay::PlayMode::Exam;
    let (status, body) = server
        .submit_as(&ben, &json!({ "player": "ben", "replay": replay }))
        .await;
    assert_eq!(
        (status, common::code(&body)),
        (409, "team_drill_replay"),
        "{body}"
    );
    let (status, body) = server
        .submit_as(
            &ben,
            &json!({ "player": "ben", "team": "SRE", "competition": competition, "replay": replay }),
        )
        .await;
    assert_eq!(
        (status, common::code(&body)),
        (409, "team_drill_replay"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cohort_team_drill_is_listed_for_its_trainer_with_who_held_each_role() {
    let server = TestServer::start().await;
    let trainer = |name: &'static str| {
        let server = &server;
        async move {
            let (status, body) = server
                .send(
                    reqwest::Method::POST,
                    "/api/trainers",
                    serde_json::to_vec(&json!({ "name": name })).unwrap(),
                    "application/json",
                    Some(common::ADMIN_TOKEN),
                )
                .await;
            assert_eq!(status, 201, "{body}");
            body["token"].as_str().unwrap().to_string()
        }
    };
    let (kim, lee) = (trainer("Kim").await, trainer("Lee").await);
    let post = |path: &'static str, token: String, body: serde_json::Value| {
        let server = &server;
        async move {
            server
                .send(
                    reqwest::Method::POST,
                    path,
                    serde_json::to_vec(&body).unwrap(),
                    "application/json",
                    Some(&token),
                )
                .await
        }
    };
    let (status, cohort) = post(
        "/api/trainer/cohorts",
        kim.clone(),
        json!({ "name": "May hires" }),
    )
    .await;
    assert_eq!(status, 201, "{cohort}");
    let cohort_id = cohort["id"].as_i64().unwrap();
    let (eve_id, eve) = server.new_identity().await;
    let (gus_id, gus) = server.new_identity().await;
    let (_, outsider) = server.new_identity().await;
    for (token, name) in [(&eve, "Eve"), (&gus, "Gus")] {
        let (status, body) = post(
            "/api/cohorts/join",
            token.clone(),
            json!({ "invite_code": cohort["invite_code"], "name": name }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let body =
        json!({ "scenario_id": "seed-ami-trap", "seed": 3, "speed": 16, "cohort_id": cohort_id });

    // Only the cohort's trainer opens a room for it.
    let (status, answer) = open_as(&server, Some(&lee), body.clone()).await;
    assert_eq!(
        (status, common::code(&answer)),
        (404, "unknown_cohort"),
        "{answer}"
    );
    let (status, answer) = open_as(&server, Some(&eve), body.clone()).await;
    assert_eq!(status, 401, "a player is not a trainer: {answer}");
    let (status, answer) = open_as(&server, Some(&kim), body).await;
    assert_eq!(status, 201, "{answer}");
    let room: RoomOpened = serde_json::from_value(answer).unwrap();

    // The trainer is the game master; the acting seats are the trainees'.
    let gm = ClientMsg::Hello {
        role: Role::GameMaster,
        name: "Kim".into(),
        last_seq: None,
        token: None,
        host_key: Some(room.host_key.clone()),
        identity: None,
    };
    let mut gm = Member::join(&server, &room.code, gm, 0, 1).await;
    let why = refused(
        &server,
        &room.code,
        hello_as(Role::Operator, "Zed", &outsider),
    )
    .await;
    assert!(why.contains("only its trainees"), "{why}");
    let mut op = Member::join(
        &server,
        &room.code,
        hello_as(Role::Operator, "Eve", &eve),
        0,
        2,
    )
    .await;
    let mut ic = Member::join(
        &server,
        &room.code,
        hello_as(Role::Commander, "Gus", &gus),
        0,
        3,
    )
    .await;
    let seen = gm.until("the welcome", |s| s.room.is_some()).await;
    assert_eq!(
        seen.room.unwrap().counts_for,
        Some(CountsFor::Cohort {
            id: cohort_id,
            name: "May hires".into()
        })
    );
    op.until("the operator's welcome", |s| s.room.is_some())
        .await;
    ic.until("the commander's welcome", |s| s.room.is_some())
        .await;
    // Not an Exam competition: a read-only call applies at once.
    op.say(ClientMsg::Propose {
        action: action("health"),
    });
    ic.until("health applied", |s| has_action(s, "health"))
        .await;
    ic.say(ClientMsg::Resolve);
    let result = ic
        .until("the result", |s| s.result.is_some())
        .await
        .result
        .unwrap();
    let points = |role: Role| result.roles.iter().find(|r| r.role == role).unwrap().points;

    let path = format!("/api/trainer/cohorts/{cohort_id}");
    let mut listed = Vec::new();
    for _ in 0..50 {
        let (status, detail) = server
            .send(
                reqwest::Method::GET,
                &path,
                Vec::new(),
                "application/json",
                Some(&kim),
            )
            .await;
        assert_eq!(status, 200, "{detail}");
        let detail: quorum_proto::trainer::CohortDetail = serde_json::from_value(detail).unwrap();
        if !detail.team_drills.is_empty() {
            listed = detail.team_drills;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(listed.len(), 1, "the cohort's drill is listed");
    let d = &listed[0];
    assert_eq!(
        (d.code.as_str(), d.score, d.grade.as_str()),
        (room.code.as_str(), result.score, result.grade.as_str())
    );
    assert_eq!(
        d.players,
        vec![
            CohortSeat {
                role: Role::Commander,
                player_id: gus_id,
                name: "Gus".into(),
                points: points(Role::Commander)
            },
            CohortSeat {
                role: Role::Operator,
                player_id: eve_id,
                name: "Eve".into(),
                points: points(Role::Operator)
            },
        ]
    );
}
