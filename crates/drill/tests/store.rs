//! The storage interface's story, run on every backend: SQLite (a temporary file) and
//! PostgreSQL (a fresh database on the test cluster, `common::pg`). The same calls, the same
//! answers: identities, the board's rules, competitions and their tables, the organiser's
//! removals and blocks.

mod common;

use std::sync::Arc;

use drill::store::{self, NewCompetition, NewRun, Refusal, Store, StoreError, Target};
use drill::store::{BoardFilter, CompetitionScenario};
use quorum_sim::replay::PlayMode;

macro_rules! on_every_backend {
    ($story:ident) => {
        mod $story {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let target = drill::store::Target::Sqlite(dir.path().join("drill.db"));
                super::$story(drill::store::open(&target).await.unwrap()).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let url = super::common::pg::fresh_database().await;
                let store = drill::store::open(&drill::store::Target::Postgres(url))
                    .await
                    .unwrap();
                assert_eq!(store.backend(), "postgres");
                super::$story(store).await;
            }
        }
    };
}

const SCENARIO: &str = "seed-ami-trap";

fn run(identity: i64, player: &str, canonical: &str, score: i64, competition: i64) -> NewRun {
    NewRun {
        created_at_ms: 1_000,
        identity_id: identity,
        player: player.into(),
        player_skeleton: quorum_proto::names::skeleton(player),
        team: None,
        team_cap: 5,
        competition_id: competition,
        scenario_id: SCENARIO.into(),
        scenario_hash: "hash".into(),
        seed: 1,
        sim_version: 4,
        mode: PlayMode::Exam,
        replay_hash: format!("replay-{canonical}"),
        canonical_hash: canonical.into(),
        replay_json: "{}".into(),
        score,
        grade: "B".into(),
        outage_ms: 0,
        requests_total: 10,
        requests_failed: 0,
        reads_failed: 0,
        writes_failed: 0,
        time_to_green_ms: Some(5),
        final_health: "green".into(),
        event_log_hash: "log".into(),
        daily_day: None,
        coverage: None,
        branch_case: Some("case".into()),
        handled_cleanly: true,
    }
}

fn with_team(mut run: NewRun, team: &str) -> NewRun {
    run.team = Some((team.into(), quorum_proto::names::skeleton(team)));
    run
}

fn refused(result: Result<drill::store::Inserted, StoreError>) -> Refusal {
    match result {
        Err(StoreError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn board() -> BoardFilter {
    BoardFilter {
        scenario_id: SCENARIO.into(),
        scenario_hash: "hash".into(),
        sim_version: 4,
        mode: Some(PlayMode::Exam),
        limit: 10,
        ..BoardFilter::default()
    }
}

/// Two players on the public board and in a competition, through every rule.
async fn a_board_and_a_competition(store: Arc<dyn Store>) {
    store.ping().await.unwrap();
    // Identities are found by their token's hash only.
    let alice = store.insert_identity([1; 32], 10).await.unwrap();
    let bob = store.insert_identity([2; 32], 20).await.unwrap();
    assert_ne!(alice, bob);
    assert_eq!(
        store.identity_by_token([1; 32]).await.unwrap(),
        Some((alice, 10))
    );
    assert_eq!(store.identity_by_token([3; 32]).await.unwrap(), None);

    // Alice's run is stored once; the same run again is the stored one.
    let first = store
        .insert_run(run(alice, "alice", "c1", 700, 0))
        .await
        .unwrap();
    assert!(first.created);
    let again = store
        .insert_run(run(alice, "alice", "c1", 700, 0))
        .await
        .unwrap();
    assert_eq!((again.id, again.created), (first.id, false));
    // Bob cannot take it, nor a name that looks like hers.
    assert_eq!(
        refused(store.insert_run(run(bob, "bob", "c1", 700, 0)).await),
        Refusal::RunTaken { run_id: first.id }
    );
    assert_eq!(
        refused(store.insert_run(run(bob, "ALICE", "c2", 600, 0)).await),
        Refusal::NameTaken {
            name: "alice".into()
        }
    );
    assert_eq!(
        store.precheck(0, bob, "replay-c1".into()).await.unwrap(),
        (false, Some(first.id))
    );
    let bobs = store
        .insert_run(run(bob, "bob", "c2", 900, 0))
        .await
        .unwrap();

    // The board: each player's best, best first, paged.
    let rows = store.leaderboard(board()).await.unwrap();
    let names: Vec<(&str, i64)> = rows.iter().map(|r| (r.player.as_str(), r.score)).collect();
    assert_eq!(names, [("bob", 900), ("alice", 700)]);
    let (row, rank, competition_rank) = store.run_ranked(first.id).await.unwrap().unwrap();
    assert_eq!(
        (row.player.as_str(), rank, competition_rank),
        ("alice", 2, None)
    );
    let page = store
        .leaderboard(BoardFilter {
            limit: 1,
            ..board()
        })
        .await
        .unwrap();
    assert_eq!(page.len(), 1);

    // A competition: a join code, its scenarios, tables kept up to date by each write.
    let competition = store
        .create_competition(NewCompetition {
            name: "Onboarding".into(),
            starts_at_ms: 0,
            ends_at_ms: i64::MAX / 2,
            created_at_ms: 5,
            require_exam: true,
            team_cap: 1,
            scenarios: vec![CompetitionScenario {
                scenario_id: SCENARIO.into(),
                seeds: vec![1, 2],
            }],
        })
        .await
        .unwrap();
    let found = store
        .competition_by_code(competition.code.clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, competition);
    let c = competition.id;
    store
        .insert_run(with_team(run(alice, "alice", "k1", 400, c), "red"))
        .await
        .unwrap();
    let better = store
        .insert_run(run(alice, "alice", "k2", 800, c))
        .await
        .unwrap();
    // The team's cap is 1 (the server passes the competition's): Bob cannot join red.
    let mut bob_in_red = with_team(run(bob, "bob", "k3", 500, c), "red");
    bob_in_red.team_cap = competition.team_cap;
    assert_eq!(
        refused(store.insert_run(bob_in_red).await),
        Refusal::TeamFull {
            team: "red".into(),
            cap: 1
        }
    );
    store
        .insert_run(run(bob, "bob", "k3", 500, c))
        .await
        .unwrap();
    let tables = store.competition_tables(c, None, None, 10).await.unwrap();
    let totals: Vec<(&str, i64, u64)> = tables
        .individuals
        .iter()
        .map(|i| (i.player.as_str(), i.total, i.runs))
        .collect();
    assert_eq!(totals, [("alice", 800, 2), ("bob", 500, 1)]);
    assert_eq!(tables.individuals[0].bests[0].run_id, better.id);
    assert_eq!(tables.individuals[0].team.as_deref(), Some("red"));
    // A run without a team counts for the player's team: red has Alice's 800.
    assert_eq!(
        tables
            .teams
            .iter()
            .map(|t| (t.team.as_str(), t.total))
            .collect::<Vec<_>>(),
        [("red", 800)]
    );
    let page = store.competition_tables(c, None, None, 1).await.unwrap();
    let next = page.individuals_next.expect("a second page");
    let rest = store
        .competition_tables(c, Some(next), None, 1)
        .await
        .unwrap();
    assert_eq!(rest.individuals[0].player, "bob");
    assert_eq!(rest.individuals[0].rank, 2);

    // The organiser removes Alice's best: her total falls back to 400.
    assert!(store.remove_run(better.id, Some(c), 50).await.unwrap());
    assert!(!store.remove_run(better.id, Some(c), 51).await.unwrap());
    assert!(store.get_run(better.id).await.unwrap().is_none());
    let tables = store.competition_tables(c, None, None, 10).await.unwrap();
    assert_eq!(tables.individuals[0].total, 500);
    assert_eq!(tables.individuals[1].total, 400);
    assert_eq!(tables.teams[0].total, 400);
    // A removed run cannot come back.
    assert_eq!(
        refused(store.insert_run(run(alice, "alice", "k2", 800, c)).await),
        Refusal::Removed { run_id: better.id }
    );

    // Blocking Bob takes him off the table and out of the competition.
    assert!(store.block(c, bob, 60).await.unwrap());
    assert!(!store.block(c, 9_999, 60).await.unwrap());
    assert_eq!(
        store.precheck(c, bob, "x".into()).await.unwrap(),
        (true, None)
    );
    assert_eq!(
        refused(store.insert_run(run(bob, "bob", "k4", 100, c)).await),
        Refusal::Blocked
    );
    let tables = store.competition_tables(c, None, None, 10).await.unwrap();
    assert_eq!(tables.individuals.len(), 1);
    // The public board still lists Bob's public run.
    assert_eq!(store.get_run(bobs.id).await.unwrap().unwrap().score, 900);
}
on_every_backend!(a_board_and_a_competition);

/// `--db` values: a bare path and `sqlite:PATH` are SQLite, URLs PostgreSQL; a password
/// never shows.
#[test]
fn db_targets_and_redaction() {
    assert_eq!(
        Target::parse("data/drill.db"),
        Target::Sqlite("data/drill.db".into())
    );
    assert_eq!(
        Target::parse("sqlite:/var/lib/drill.db"),
        Target::Sqlite("/var/lib/drill.db".into())
    );
    let pg = Target::parse("postgres://drill:s3cret@db:5432/drill");
    assert_eq!(
        pg,
        Target::Postgres("postgres://drill:s3cret@db:5432/drill".into())
    );
    assert_eq!(pg.to_string(), "postgres://drill:***@db:5432/drill");
    assert!(!format!("{pg:?}").contains("s3cret"));
    assert_eq!(store::redact("postgres://db/drill"), "postgres://db/drill");
}

/// Two stores opened at once on one PostgreSQL database (two processes starting together)
/// migrate it once; reopening is a no-op.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_migrations_run_once() {
    let url = common::pg::fresh_database().await;
    let (a, b) = tokio::join!(
        drill::store::postgres::PgStore::connect(&url),
        drill::store::postgres::PgStore::connect(&url)
    );
    let (a, _b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        drill::store::postgres::schema_version(&a.pool)
            .await
            .unwrap(),
        drill::store::postgres::MIGRATIONS.len() as i64
    );
    // A database from a newer drill is refused.
    sqlx::query("INSERT INTO drill_migrations VALUES (99, 0)")
        .execute(&a.pool)
        .await
        .unwrap();
    let error = drill::store::postgres::PgStore::connect(&url)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("schema version 99"), "{error}");
}

/// The team rules and a rename, on a competition's board.
async fn teams_and_names(store: Arc<dyn Store>) {
    let competition = store
        .create_competition(NewCompetition {
            name: "Teams".into(),
            starts_at_ms: 0,
            ends_at_ms: i64::MAX / 2,
            created_at_ms: 5,
            require_exam: false,
            team_cap: 3,
            scenarios: vec![CompetitionScenario {
                scenario_id: SCENARIO.into(),
                seeds: vec![1],
            }],
        })
        .await
        .unwrap();
    let c = competition.id;
    let ann = store.insert_identity([7; 32], 1).await.unwrap();
    let ben = store.insert_identity([8; 32], 1).await.unwrap();
    let first = store
        .insert_run(with_team(run(ann, "ann", "t1", 300, c), "Red Team"))
        .await
        .unwrap();
    // A look-alike of an existing team's name is refused; its exact name (any case) joins.
    assert_eq!(
        refused(
            store
                .insert_run(with_team(run(ben, "ben", "t2", 300, c), "Red Tеam"))
                .await
        ),
        Refusal::TeamNameTaken {
            team: "Red Team".into()
        }
    );
    store
        .insert_run(with_team(run(ben, "ben", "t2", 300, c), "red team"))
        .await
        .unwrap();
    // One team per player on a board.
    assert_eq!(
        refused(
            store
                .insert_run(with_team(run(ann, "ann", "t3", 300, c), "Blue"))
                .await
        ),
        Refusal::OtherTeam {
            team: "Red Team".into()
        }
    );
    // The same run again with another team is a mismatch, with the same team the stored run.
    assert_eq!(
        refused(
            store
                .insert_run(with_team(run(ann, "ann", "t1", 300, c), "Blue"))
                .await
        ),
        Refusal::TeamMismatch {
            run_id: first.id,
            stored: Some("Red Team".into()),
            asked: Some("Blue".into())
        }
    );
    let again = store
        .insert_run(with_team(run(ann, "ann", "t1", 300, c), "Red Team"))
        .await
        .unwrap();
    assert_eq!((again.id, again.created), (first.id, false));
    // A new name renames the player's runs on that board.
    store
        .insert_run(run(ann, "annie", "t4", 500, c))
        .await
        .unwrap();
    let tables = store.competition_tables(c, None, None, 10).await.unwrap();
    let names: Vec<&str> = tables
        .individuals
        .iter()
        .map(|i| i.player.as_str())
        .collect();
    assert_eq!(names, ["annie", "ben"]);
    assert_eq!(
        store.get_run(first.id).await.unwrap().unwrap().player,
        "annie"
    );
    assert_eq!(tables.teams[0].members.len(), 2);
    assert_eq!(tables.teams[0].total, 800);
}
on_every_backend!(teams_and_names);

/// A draft saved over after it was linted is not published under the linted file's hash:
/// publishing names the file that passed, and the store publishes only that file.
async fn a_draft_saved_over_since_its_lint_is_not_published(store: Arc<dyn Store>) {
    let trainer = store
        .create_trainer("Kim".into(), [7; 32], 1_000)
        .await
        .unwrap()
        .id;
    let linted = "id = \"company-failover\"\n# the file that passed\n".to_string();
    let draft = store
        .save_draft(trainer, "company-failover".into(), linted.clone(), 2_000)
        .await
        .unwrap();
    // Another tab saves over the draft between the lint and the publish.
    store
        .save_draft(
            trainer,
            "company-failover".into(),
            "id = \"company-failover\"\n# not linted\n".into(),
            3_000,
        )
        .await
        .unwrap();
    let published = store
        .publish(trainer, draft.id, "hash-of-linted".into(), linted, 4_000)
        .await
        .unwrap();
    assert!(published.is_none(), "{published:?}");
    let row = store
        .authored_one(trainer, draft.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "draft");
    // Publishing the file as it now is works (after its own lint, in the handler).
    let published = store
        .publish(
            trainer,
            draft.id,
            "hash-of-current".into(),
            row.toml.clone(),
            5_000,
        )
        .await
        .unwrap()
        .expect("published");
    assert_eq!(published.status, "published");
}
on_every_backend!(a_draft_saved_over_since_its_lint_is_not_published);

/// An open competition over `SCENARIO` seed 1, every mode, teams of 5; its id.
async fn open_competition(store: &Arc<dyn Store>, name: &str) -> i64 {
    let competition = NewCompetition {
        name: name.into(),
        starts_at_ms: 0,
        ends_at_ms: i64::MAX / 2,
        created_at_ms: 5,
        require_exam: false,
        team_cap: 5,
        scenarios: vec![CompetitionScenario {
            scenario_id: SCENARIO.into(),
            seeds: vec![1],
        }],
    };
    store.create_competition(competition).await.unwrap().id
}

fn in_mode(mut run: NewRun, mode: PlayMode) -> NewRun {
    run.mode = mode;
    run
}

/// The rank a submission's answer carries: 1 + the other players with a better best run on
/// that board, however many runs each has; per mode on the public board, every mode in a
/// competition; a removed run or a blocked player gives their place back.
async fn ranks_count_players_not_runs(store: Arc<dyn Store>) {
    let ann = store.insert_identity([11; 32], 1).await.unwrap();
    let ben = store.insert_identity([12; 32], 2).await.unwrap();
    let cat = store.insert_identity([13; 32], 3).await.unwrap();
    let rank_of = |id: i64| {
        let store = store.clone();
        async move {
            let (_, rank, competition_rank) = store.run_ranked(id).await.unwrap().unwrap();
            (rank, competition_rank)
        }
    };
    // Ann floods the board with three runs, all better than Cat's; Ben has one, the best.
    for (canonical, score) in [("a1", 700), ("a2", 650), ("a3", 600)] {
        store
            .insert_run(run(ann, "ann", canonical, score, 0))
            .await
            .unwrap();
    }
    let bens = store
        .insert_run(run(ben, "ben", "b1", 800, 0))
        .await
        .unwrap();
    let cats = store
        .insert_run(run(cat, "cat", "c1", 500, 0))
        .await
        .unwrap();
    assert_eq!(rank_of(cats.id).await, (3, None));
    // Ann's own better runs do not count against her worst one.
    let anns_worst = store
        .leaderboard(BoardFilter {
            identity_id: Some(ann),
            ..board()
        })
        .await
        .unwrap();
    assert_eq!(anns_worst.len(), 3);
    assert_eq!(rank_of(anns_worst[2].id).await, (2, None));
    // A tie goes to the earlier submission: Cat's 800 stands behind Ben's.
    let tie = store
        .insert_run(run(cat, "cat", "c2", 800, 0))
        .await
        .unwrap();
    assert_eq!(rank_of(tie.id).await, (2, None));
    // A mentor-mode run stands on the mentor board alone.
    let mentor = store
        .insert_run(in_mode(run(cat, "cat", "c3", 100, 0), PlayMode::Mentor))
        .await
        .unwrap();
    assert_eq!(rank_of(mentor.id).await, (1, None));

    // A competition's runs count there (every mode) and on the public board (their mode).
    let c = open_competition(&store, "Ranks").await;
    let anns_top = store
        .insert_run(run(ann, "ann", "k1", 900, c))
        .await
        .unwrap();
    let cats_in_c = store
        .insert_run(in_mode(run(cat, "cat", "k2", 850, c), PlayMode::Mentor))
        .await
        .unwrap();
    assert_eq!(rank_of(anns_top.id).await, (1, Some(1)));
    assert_eq!(rank_of(cats_in_c.id).await, (1, Some(2)));
    assert_eq!(rank_of(tie.id).await, (3, None));

    // Removing Ben's 800 moves Cat's tie up past him.
    assert!(store.remove_run(bens.id, None, 10).await.unwrap());
    assert_eq!(rank_of(tie.id).await, (2, None));
    // Blocking Ann in the competition takes her 900 off both boards; her public 700 stays.
    assert!(store.block(c, ann, 20).await.unwrap());
    assert_eq!(rank_of(cats_in_c.id).await, (1, Some(1)));
    assert_eq!(rank_of(tie.id).await, (1, None));
    assert_eq!(rank_of(cats.id).await, (2, None));
}
on_every_backend!(ranks_count_players_not_runs);

/// A database made before the players' best runs were kept (schema version 6) gets them
/// from its runs when a newer drill opens it: the ranks are those it would have had.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_best_runs_are_filled_from_older_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("drill.db");
    let target = drill::store::Target::Sqlite(path.clone());
    let (ann, ben, bens) = {
        let store = drill::store::open(&target).await.unwrap();
        let ann = store.insert_identity([21; 32], 1).await.unwrap();
        let ben = store.insert_identity([22; 32], 2).await.unwrap();
        for (canonical, score) in [("a1", 700), ("a2", 650)] {
            store
                .insert_run(run(ann, "ann", canonical, score, 0))
                .await
                .unwrap();
        }
        let bens = store
            .insert_run(run(ben, "ben", "b1", 600, 0))
            .await
            .unwrap();
        (ann, ben, bens)
    };
    // Back to version 6: the tables and indexes the later migrations make, gone.
    let best_runs_version = drill::db::MIGRATIONS
        .iter()
        .position(|m| *m == drill::store::best_sql::SQLITE_SCHEMA)
        .unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "DROP TABLE best_runs; DROP INDEX runs_identity_board; DROP TABLE team_drill_players; DROP TABLE team_drills;
             DROP INDEX authored_scenarios_hash;
             CREATE INDEX runs_identity_scenario ON runs (identity_id, scenario_id);
             PRAGMA user_version = {best_runs_version};"
        ))
        .unwrap();
    }
    let store = drill::store::open(&target).await.unwrap();
    let (_, rank, _) = store.run_ranked(bens.id).await.unwrap().unwrap();
    assert_eq!(rank, 2, "ann ({ann}) once above ben ({ben})");
}

/// Each board's pages, read from the kept best runs, are those of a model of the rules:
/// each player's best (highest score, then earliest), their run count, removed runs and
/// blocked players left out, paged by cursor. A board of many players, runs, ties, two
/// modes and two competitions; the model is this test's own arithmetic.
async fn boards_page_each_players_best(store: Arc<dyn Store>) {
    // A small portable generator: the board is the same on every run and backend.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let mut players = Vec::new();
    for p in 0..9u8 {
        players.push(store.insert_identity([100 + p; 32], 1).await.unwrap());
    }
    let mut competitions = Vec::new();
    for name in ["Spring", "Autumn"] {
        competitions.push(open_competition(&store, name).await);
    }
    // (run id, player, score, mode, competition, removed)
    let mut runs: Vec<(i64, i64, i64, PlayMode, i64, bool)> = Vec::new();
    for i in 0..120 {
        let p = next(players.len() as u64) as usize;
        let score = 100 * next(8) as i64; // few values: many ties
        let mode = if next(4) == 0 {
            PlayMode::Mentor
        } else {
            PlayMode::Exam
        };
        let competition = [0, 0, competitions[0], competitions[1]][next(4) as usize];
        let name = format!("p{p}");
        let stored = store
            .insert_run(in_mode(
                run(players[p], &name, &format!("r{i}"), score, competition),
                mode,
            ))
            .await
            .unwrap();
        runs.push((stored.id, players[p], score, mode, competition, false));
    }
    for k in [3, 17, 40, 41, 90] {
        assert!(store.remove_run(runs[k].0, None, 9).await.unwrap());
        runs[k].5 = true;
    }
    let blocked = (players[2], competitions[0]);
    assert!(store.block(blocked.1, blocked.0, 9).await.unwrap());

    // The model: the board's counted runs, each player's best first.
    let board_of = |scope: i64, mode: Option<PlayMode>| -> Vec<(i64, i64, u64)> {
        let counted: Vec<_> = runs
            .iter()
            .filter(|r| !r.5 && (r.1, r.4) != blocked)
            .filter(|r| {
                if scope == 0 {
                    Some(r.3) == mode
                } else {
                    r.4 == scope
                }
            })
            .collect();
        let mut best: Vec<(i64, i64, u64)> = Vec::new(); // (run id, score, runs)
        for p in &players {
            let mine: Vec<_> = counted.iter().filter(|r| r.1 == *p).collect();
            if let Some(top) = mine.iter().min_by_key(|r| (-r.2, r.0)) {
                best.push((top.0, top.2, mine.len() as u64));
            }
        }
        best.sort_by_key(|b| (-b.1, b.0));
        best
    };
    let boards = [
        (0, Some(PlayMode::Exam)),
        (0, Some(PlayMode::Mentor)),
        (competitions[0], None),
        (competitions[1], None),
    ];
    for (scope, mode) in boards {
        let want = board_of(scope, mode);
        assert!(want.len() >= 3, "a board worth paging: {want:?}");
        // Read in pages of 2, by cursor, as the game does.
        let mut got = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .leaderboard(BoardFilter {
                    competition_id: (scope != 0).then_some(scope),
                    mode,
                    limit: 2,
                    after,
                    ..board()
                })
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = Some(store::BoardCursor {
                score: last.score,
                id: last.id,
                rank: 0,
            });
            got.extend(page.iter().map(|r| (r.id, r.score, r.player_runs)));
        }
        assert_eq!(got, want, "board {scope} {mode:?}");
    }
}
on_every_backend!(boards_page_each_players_best);

/// A finished team drill is kept once per room code and read back as it was saved.
async fn team_drills_are_kept_once(store: Arc<dyn Store>) {
    let drill = store::TeamDrillRow {
        code: "K7M2QX".into(),
        scenario_id: SCENARIO.into(),
        seed: 3,
        score: 9_100,
        grade: "A".into(),
        canonical_hash: "c".into(),
        result_json: r#"{"score":9100}"#.into(),
        ended_at_ms: 77,
        competition_id: None,
        team_id: None,
        cohort_id: None,
        players: Vec::new(),
    };
    assert_eq!(store.team_drill("K7M2QX".into()).await.unwrap(), None);
    store.save_team_drill(drill.clone()).await.unwrap();
    // A second save of the code (a room that scored twice) changes nothing.
    store
        .save_team_drill(store::TeamDrillRow {
            score: 1,
            ..drill.clone()
        })
        .await
        .unwrap();
    assert_eq!(
        store.team_drill("K7M2QX".into()).await.unwrap(),
        Some(drill)
    );
}
on_every_backend!(team_drills_are_kept_once);

/// A counted best as the test compares it: team, code, score, (role, identity) players.
type Counted = (String, String, i64, Vec<(String, i64)>);

fn drill_of(
    code: &str,
    competition: i64,
    team: i64,
    score: i64,
    canonical: &str,
    ended_at_ms: i64,
    players: &[(&str, i64)],
) -> store::TeamDrillRow {
    store::TeamDrillRow {
        code: code.into(),
        scenario_id: SCENARIO.into(),
        seed: 1,
        score,
        grade: "B".into(),
        canonical_hash: canonical.into(),
        result_json: "{}".into(),
        ended_at_ms,
        competition_id: Some(competition),
        team_id: Some(team),
        cohort_id: None,
        players: players
            .iter()
            .map(|(role, identity_id)| store::TeamDrillPlayer {
                role: (*role).into(),
                identity_id: *identity_id,
                name: format!("p{identity_id}"),
                points: -10,
            })
            .collect(),
    }
}

/// A competition's team drills: per team and scenario the best counts (on a tie the
/// earlier); a replay counts once (the first team to end with it); a drill that ended after
/// the competition, or that a blocked player took part in, does not count; a player's team
/// is looked up, and a cohort lists its own drills with their players.
async fn team_drills_count_for_their_team(store: Arc<dyn Store>) {
    let competition = open_competition(&store, "Team day").await;
    let ids = {
        let mut ids = Vec::new();
        for i in 0..5u8 {
            ids.push(store.insert_identity([40 + i; 32], 1).await.unwrap());
        }
        ids
    };
    let (ann, ben, cat, dan, eve) = (ids[0], ids[1], ids[2], ids[3], ids[4]);
    // Teams form with their members' runs.
    for (id, name, team, canonical) in [
        (ann, "ann", "SRE", "r-ann"),
        (ben, "ben", "SRE", "r-ben"),
        (cat, "cat", "Ops", "r-cat"),
        (dan, "dan", "Ops", "r-dan"),
    ] {
        store
            .insert_run(with_team(run(id, name, canonical, 100, competition), team))
            .await
            .unwrap();
    }
    let (sre, sre_name, blocked) = store.team_of(competition, ann).await.unwrap().unwrap();
    assert_eq!((sre_name.as_str(), blocked), ("SRE", false));
    let (ops, ..) = store.team_of(competition, cat).await.unwrap().unwrap();
    assert_ne!(sre, ops);
    assert_eq!(
        store.team_of(competition, eve).await.unwrap(),
        None,
        "eve is in no team"
    );

    let end = 10_000;
    for d in [
        drill_of(
            "SRE001",
            competition,
            sre,
            700,
            "h1",
            100,
            &[("commander", ann), ("operator", ben)],
        ),
        // A better one later, and an equal one after it: the better counts, once.
        drill_of(
            "SRE002",
            competition,
            sre,
            900,
            "h2",
            200,
            &[("operator", ben)],
        ),
        drill_of(
            "SRE003",
            competition,
            sre,
            900,
            "h3",
            300,
            &[("operator", ann)],
        ),
        // Ops copies SRE's best replay: it is SRE's (the first to end with it).
        drill_of(
            "OPS001",
            competition,
            ops,
            900,
            "h2",
            250,
            &[("operator", cat)],
        ),
        drill_of(
            "OPS002",
            competition,
            ops,
            400,
            "h4",
            260,
            &[("operator", cat)],
        ),
        // Ended after the competition did.
        drill_of(
            "OPS003",
            competition,
            ops,
            9_999,
            "h5",
            end,
            &[("operator", cat)],
        ),
    ] {
        store.save_team_drill(d).await.unwrap();
    }
    let table = |rows: Vec<store::TeamDrillBestRow>| -> Vec<Counted> {
        rows.into_iter()
            .map(|r| {
                (
                    r.team,
                    r.code,
                    r.score,
                    r.players
                        .into_iter()
                        .map(|p| (p.role, p.identity_id))
                        .collect(),
                )
            })
            .collect()
    };
    let mut got = table(
        store
            .competition_team_drills(competition, end)
            .await
            .unwrap(),
    );
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "Ops".into(),
                "OPS002".into(),
                400,
                vec![("operator".into(), cat)]
            ),
            (
                "SRE".into(),
                "SRE002".into(),
                900,
                vec![("operator".into(), ben)]
            ),
        ]
    );
    assert!(store.is_team_drill("h2".into()).await.unwrap());
    assert!(
        !store.is_team_drill("r-ann".into()).await.unwrap(),
        "a run is not a drill"
    );

    // Blocking a player takes out the drills they played in: SRE's next best is SRE003.
    assert!(store.block(competition, ben, 500).await.unwrap());
    let mut got = table(
        store
            .competition_team_drills(competition, end)
            .await
            .unwrap(),
    );
    got.sort();
    assert_eq!(
        got.iter()
            .map(|r| (r.0.as_str(), r.1.as_str()))
            .collect::<Vec<_>>(),
        vec![("Ops", "OPS001"), ("SRE", "SRE003")],
        "with SRE002 out, Ops's copy of it is the first of its replay"
    );
    let (_, _, blocked) = store.team_of(competition, ben).await.unwrap().unwrap();
    assert!(blocked);

    // A cohort's drills, with who played and the role's points.
    let trainer = store
        .create_trainer("Kim".into(), [60; 32], 1)
        .await
        .unwrap();
    let cohort = store
        .create_cohort(trainer.id, "May".into(), 1)
        .await
        .unwrap();
    let invite = cohort.invite_code.clone();
    store
        .join_cohort(invite, eve, "Eve".into(), 2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store.trainee_name(cohort.id, eve).await.unwrap().as_deref(),
        Some("Eve")
    );
    assert_eq!(store.trainee_name(cohort.id, ann).await.unwrap(), None);
    let mut lesson = drill_of("COH001", 0, 0, 800, "h9", 50, &[("operator", eve)]);
    (lesson.competition_id, lesson.team_id, lesson.cohort_id) = (None, None, Some(cohort.id));
    store.save_team_drill(lesson).await.unwrap();
    let drills = store.cohort_team_drills(cohort.id).await.unwrap();
    assert_eq!(drills.len(), 1);
    assert_eq!((drills[0].code.as_str(), drills[0].score), ("COH001", 800));
    assert_eq!(
        drills[0].players,
        vec![store::TeamDrillPlayer {
            role: "operator".into(),
            identity_id: eve,
            name: format!("p{eve}"),
            points: -10
        }]
    );
    assert!(store
        .cohort_team_drills(cohort.id + 1)
        .await
        .unwrap()
        .is_empty());
    // A drill's players come in the roles' order, not their stored names' (communications
    // sorts before operator by name).
    let other = store
        .create_cohort(trainer.id, "June".into(), 1)
        .await
        .unwrap();
    let mut full = drill_of(
        "COH002",
        0,
        0,
        700,
        "h10",
        60,
        &[
            ("communications", ann),
            ("operator", eve),
            ("commander", ben),
        ],
    );
    (full.competition_id, full.team_id, full.cohort_id) = (None, None, Some(other.id));
    store.save_team_drill(full).await.unwrap();
    let roles: Vec<String> = store.cohort_team_drills(other.id).await.unwrap()[0]
        .players
        .iter()
        .map(|p| p.role.clone())
        .collect();
    assert_eq!(roles, ["commander", "operator", "communications"]);
}
on_every_backend!(team_drills_count_for_their_team);

/// A proof is written into the draft it was recorded on, never over a newer save of it.
async fn a_proof_is_not_written_over_a_newer_save(store: Arc<dyn Store>) {
    let trainer = store
        .create_trainer("Kim".into(), [8; 32], 1_000)
        .await
        .unwrap()
        .id;
    let played = "id = \"company-proof\"\n# the file the proof was played on\n".to_string();
    let draft = store
        .save_draft(trainer, "company-proof".into(), played.clone(), 2_000)
        .await
        .unwrap();
    let newer = "id = \"company-proof\"\n# saved while the proof was checked\n".to_string();
    store
        .save_draft(trainer, "company-proof".into(), newer.clone(), 3_000)
        .await
        .unwrap();
    let with_proof = format!("{played}[[proofs]]\n");
    let written = store
        .update_draft_file(trainer, draft.id, played, with_proof.clone(), 4_000)
        .await
        .unwrap();
    assert!(written.is_none(), "{written:?}");
    let row = store
        .authored_one(trainer, draft.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.toml, newer, "the newer save stands");
    // On the file it holds now, the proof is written.
    let written = store
        .update_draft_file(
            trainer,
            draft.id,
            newer.clone(),
            format!("{newer}[[proofs]]\n"),
            5_000,
        )
        .await
        .unwrap()
        .expect("written");
    assert!(written.toml.ends_with("[[proofs]]\n"));
}
on_every_backend!(a_proof_is_not_written_over_a_newer_save);
