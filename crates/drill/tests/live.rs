//! `drill live` stories over HTTP: a trainee's requests to the Elasticsearch ports and the
//! EC2 endpoint, what they meet, and the replay they leave (which verifies).

use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::time::{Duration, Instant};

use drill::live::{self, LiveConfig, LiveHandle};
use quorum_sim::replay::{self, PlayMode};
use quorum_sim::{scenario, Action, ApiRequest};
use serde_json::Value;

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A base port with `n` free ports after it (checked by binding them).
fn free_ports(n: u16) -> u16 {
    // Tests run in parallel in one process: each call starts from its own offset.
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    for _ in 0..200u32 {
        let attempt = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let base = 20_000 + ((std::process::id() * 7 + attempt * 97) % 40_000) as u16;
        let ok = (0..n).all(|k| TcpListener::bind((LOCALHOST, base + k)).is_ok());
        if ok {
            return base;
        }
    }
    panic!("no {n} free consecutive ports");
}

struct Drill {
    handle: LiveHandle,
    http: reqwest::Client,
}

impl Drill {
    async fn start(scenario_id: &str, seed: u64, speed: f64) -> Drill {
        let config = LiveConfig {
            scenario: scenario::builtin(scenario_id).expect("scenario").clone(),
            seed,
            speed,
            bind: LOCALHOST,
            es_port: free_ports(8),
            ec2_port: 0,
            view: None,
        };
        let handle = live::start(config).await.expect("drill live starts");
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        // The listeners open at the first tick.
        tokio::time::sleep(Duration::from_millis(50)).await;
        Drill { handle, http }
    }

    fn es(&self, node: u16, path: &str) -> String {
        format!("http://{}{path}", self.handle.es_addr(node))
    }

    async fn es_get(&self, node: u16, path: &str) -> Result<(u16, String), reqwest::Error> {
        let r = self.http.get(self.es(node, path)).send().await?;
        let status = r.status().as_u16();
        Ok((status, r.text().await?))
    }

    /// An EC2 Query API call, as the aws CLI sends it.
    async fn ec2(&self, params: &[(&str, &str)]) -> (u16, String) {
        let mut all = params.to_vec();
        all.push(("Version", "2016-11-15"));
        let body = serde_urlencoded::to_string(&all).unwrap();
        let r = self
            .http
            .post(format!("http://{}/", self.handle.ec2_addr))
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .header("authorization", "AWS4-HMAC-SHA256 Credential=anything")
            .body(body)
            .send()
            .await
            .expect("the EC2 endpoint answers");
        (r.status().as_u16(), r.text().await.unwrap())
    }

    fn instance_id(&self, name: &str) -> String {
        let core = self.handle.shared().lock();
        let idx = core.sim.instance_by_name(name).expect("instance");
        core.sim.instances()[idx].id.clone()
    }

    fn sim_ms(&self) -> u64 {
        self.handle.shared().lock().sim.now_ms()
    }

    /// Waits (wall clock) until `cond` holds for the sim, or fails the test.
    async fn until(&self, what: &str, cond: impl Fn(&quorum_sim::Sim) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if cond(&self.handle.shared().lock().sim) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

fn error_code(xml: &str) -> &str {
    xml.split("<Code>")
        .nth(1)
        .and_then(|s| s.split("</Code>").next())
        .unwrap_or("")
}

fn verified(outcome: &live::Outcome) -> quorum_sim::Report {
    assert_eq!(outcome.replay.mode, PlayMode::Tools);
    let json = outcome.replay.to_json();
    let back = quorum_sim::Replay::from_json(&json).expect("the replay decodes");
    let report = replay::verify(&back).expect("the replay verifies");
    assert_eq!(
        report.score, outcome.report.score,
        "the debrief is the verified run's"
    );
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_image_without_no_reboot_takes_node_2_away_and_the_quorum_with_it() {
    let drill = Drill::start("seed-ami-trap", 1, 60.0).await;
    // node-1's host failed at 00:00; wait until the cluster has noticed (yellow).
    drill
        .until("node-1 to leave", |sim| {
            sim.main_cluster().health == quorum_sim::Health::Yellow
        })
        .await;
    let node2 = drill.instance_id("node-2");
    let (status, xml) = drill
        .ec2(&[
            ("Action", "CreateImage"),
            ("InstanceId", &node2),
            ("Name", "node-2-clone"),
        ])
        .await;
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains("<imageId>ami-0"), "{xml}");
    assert!(xml.contains("xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\""));
    // node-2 shuts down for the snapshot: its port refuses connections (nothing listens).
    let refused = async {
        loop {
            match drill.es_get(2, "/").await {
                Err(e) if e.is_connect() => return,
                _ => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), refused)
        .await
        .expect("node-2 refuses connections while it reboots");
    // node-3 answers, without a master: 503 after master_timeout.
    let (status, body) = drill
        .es_get(3, "/_cluster/health?master_timeout=2s")
        .await
        .unwrap();
    assert_eq!(status, 503, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"]["type"], "master_not_discovered_exception");
    assert_eq!(body["status"], 503);
    let outcome = drill.handle.stop().await;
    let report = verified(&outcome);
    assert!(report.outage_ms > 0, "the trap costs an outage");
    // The read was recorded at the time it arrived.
    assert!(outcome.replay.actions.iter().any(|a| matches!(
        &a.action,
        Action::Api { via: Some(v), request: ApiRequest::ClusterHealth } if v == "node-3"
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_image_with_no_reboot_costs_no_outage() {
    let drill = Drill::start("seed-ami-trap", 1, 120.0).await;
    let node2 = drill.instance_id("node-2");
    let (status, xml) = drill
        .ec2(&[
            ("Action", "CreateImage"),
            ("InstanceId", &node2),
            ("Name", "node-2-backup"),
            ("NoReboot", "true"),
        ])
        .await;
    assert_eq!(status, 200, "{xml}");
    let after = drill.sim_ms() + 120_000;
    drill
        .until("two sim minutes", |sim| sim.now_ms() >= after)
        .await;
    let (status, body) = drill.es_get(2, "/_cluster/health").await.unwrap();
    assert_eq!(status, 200, "{body}");
    let outcome = drill.handle.stop().await;
    let report = verified(&outcome);
    assert_eq!(report.outage_ms, 0);
    assert!(outcome.replay.actions.iter().any(|a| matches!(
        &a.action,
        Action::CreateImage { instance, no_reboot: true, .. } if instance == "node-2"
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_host_accepts_the_connection_and_never_answers() {
    let drill = Drill::start("seed-ami-trap", 1, 1.0).await;
    drill
        .until("the host failure at 00:00", |sim| sim.now_ms() >= 300)
        .await;
    let stream = tokio::net::TcpStream::connect(drill.handle.es_addr(1)).await;
    assert!(stream.is_ok(), "node-1's frozen host still accepts");
    let quick = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let err = quick
        .get(drill.es(1, "/_cluster/health"))
        .send()
        .await
        .expect_err("no answer");
    assert!(err.is_timeout(), "{err}");
    drill.handle.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_instance_status_shows_passed_and_failed_checks() {
    let drill = Drill::start("seed-ami-trap", 1, 120.0).await;
    drill
        .until("the first status checks", |sim| sim.now_ms() >= 61_000)
        .await;
    let (status, xml) = drill.ec2(&[("Action", "DescribeInstanceStatus")]).await;
    assert_eq!(status, 200, "{xml}");
    let looked_at_ms = drill.sim_ms();
    let node1 = drill.instance_id("node-1");
    let node2 = drill.instance_id("node-2");
    let item = |id: &str| {
        xml.split("<item>")
            .skip_while(|s| !s.contains(id))
            .take(4)
            .collect::<String>()
    };
    assert!(item(&node1).contains("<status>impaired</status>"), "{xml}");
    assert!(
        item(&node2).contains("<systemStatus><status>ok</status>"),
        "{xml}"
    );
    assert!(
        item(&node2).contains("<attachedEbsStatus><status>ok</status>"),
        "{xml}"
    );
    let outcome = drill.handle.stop().await;
    verified(&outcome);
    // The look is in the replay, at the sim time it arrived.
    let look = outcome
        .replay
        .actions
        .iter()
        .find(
            |a| matches!(&a.action, Action::Describe { call } if call == "DescribeInstanceStatus"),
        )
        .expect("the describe call is recorded");
    assert!(
        look.at_ms <= looked_at_ms && look.at_ms + 1_000 >= looked_at_ms,
        "recorded at {} ms, answered by {looked_at_ms} ms",
        look.at_ms
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_stop_yields_to_force() {
    let drill = Drill::start("stuck-stopping", 1, 120.0).await;
    let target = {
        let core = drill.handle.shared().lock();
        core.sim.scenario().faults[0].target.clone()
    };
    let id = drill.instance_id(&target);
    let (status, xml) = drill
        .ec2(&[("Action", "StopInstances"), ("InstanceId.1", &id)])
        .await;
    assert_eq!(status, 200, "{xml}");
    assert!(
        xml.contains("<currentState><code>64</code><name>stopping</name>"),
        "{xml}"
    );
    let (status, xml) = drill
        .ec2(&[
            ("Action", "StopInstances"),
            ("InstanceId.1", &id),
            ("Force", "true"),
        ])
        .await;
    assert_eq!(status, 200, "{xml}");
    let outcome = drill.handle.stop().await;
    verified(&outcome);
    assert!(outcome
        .replay
        .actions
        .iter()
        .any(|a| matches!(&a.action, Action::ForceStop { instance } if *instance == target)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_the_real_error_shapes() {
    let drill = Drill::start("sandbox", 1, 1.0).await;
    let (status, xml) = drill.ec2(&[("Action", "FrobnicateInstances")]).await;
    assert_eq!((status, error_code(&xml)), (400, "InvalidAction"), "{xml}");
    assert!(
        xml.starts_with("<?xml") && xml.contains("<RequestID>"),
        "{xml}"
    );
    let (_, xml) = drill.ec2(&[("Action", "RebootInstances")]).await;
    assert_eq!(error_code(&xml), "MissingParameter", "{xml}");
    let (_, xml) = drill
        .ec2(&[("Action", "StopInstances"), ("InstanceId.1", "node-1")])
        .await;
    assert_eq!(error_code(&xml), "InvalidInstanceID.Malformed", "{xml}");
    let (_, xml) = drill
        .ec2(&[
            ("Action", "StartInstances"),
            ("InstanceId.1", "i-0123456789abcdef0"),
        ])
        .await;
    assert_eq!(error_code(&xml), "InvalidInstanceID.NotFound", "{xml}");
    let (_, xml) = drill.ec2(&[("Action", "CreateImage")]).await;
    assert_eq!(error_code(&xml), "MissingParameter", "{xml}");
    // Starting a running instance: the sim's refusal, in EC2's words.
    let node1 = drill.instance_id("node-1");
    let (status, xml) = drill
        .ec2(&[("Action", "StartInstances"), ("InstanceId.1", &node1)])
        .await;
    assert_eq!(
        (status, error_code(&xml)),
        (400, "IncorrectInstanceState"),
        "{xml}"
    );
    // SSM: an operation this drill does not run.
    let r = drill
        .http
        .post(format!("http://{}/", drill.handle.ec2_addr))
        .header("x-amz-target", "AmazonSSM.DeleteEverything")
        .header("content-type", "application/x-amz-json-1.1")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["__type"], "UnknownOperationException");
    // Elasticsearch: an unknown endpoint, a bad time value, a bad settings body.
    let (status, body) = drill.es_get(1, "/_frobnicate").await.unwrap();
    assert_eq!(status, 400);
    assert!(body.contains("no handler found for uri [/_frobnicate] and method [GET]"));
    let (status, body) = drill
        .es_get(1, "/_cluster/health?timeout=soon")
        .await
        .unwrap();
    assert_eq!(status, 400, "{body}");
    let r = drill
        .http
        .put(drill.es(1, "/_cluster/settings"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        r.headers()["x-elastic-product"],
        "Elasticsearch",
        "the header elasticsearch8's client checks"
    );
    drill.handle.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cat_answers_in_text_columns_and_json_and_settings_round_trip() {
    let drill = Drill::start("sandbox", 1, 1.0).await;
    // Paused: the three _cat/nodes reads arrive in the same sim second.
    drill.handle.set_paused(true);
    let (status, text) = drill.es_get(1, "/_cat/nodes?v").await.unwrap();
    assert_eq!(status, 200);
    assert!(text.starts_with("ip "), "{text}");
    assert_eq!(text.lines().count(), 4, "{text}");
    let (_, text) = drill.es_get(1, "/_cat/nodes").await.unwrap();
    assert_eq!(text.lines().count(), 3, "no header without v: {text}");
    let (_, text) = drill.es_get(1, "/_cat/nodes?h=name,master").await.unwrap();
    assert!(text.lines().all(|l| l.starts_with("node-")), "{text}");
    drill.handle.set_paused(false);
    let (_, json) = drill.es_get(1, "/_cat/shards?format=json").await.unwrap();
    let rows: Vec<Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(rows.len(), 6, "{json}");
    assert!(rows
        .iter()
        .all(|r| r["state"] == "STARTED" && r["index"] == "app"));
    let (_, json) = drill
        .es_get(1, "/_cat/health?format=json&h=status,node.total")
        .await
        .unwrap();
    let rows: Vec<Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(rows[0]["status"], "green");
    assert_eq!(rows[0]["node.total"], "3");
    let (_, master) = drill.es_get(2, "/_cat/master?format=json").await.unwrap();
    let master: Vec<Value> = serde_json::from_str(&master).unwrap();
    assert_eq!(master.len(), 1);
    let (_, fs) = drill.es_get(1, "/_nodes/stats/fs").await.unwrap();
    let fs: Value = serde_json::from_str(&fs).unwrap();
    assert_eq!(fs["_nodes"]["total"], 3);
    let r = drill
        .http
        .put(drill.es(1, "/_cluster/settings"))
        .header("content-type", "application/json")
        .body(r#"{"persistent":{"cluster.routing.allocation.enable":"primaries"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["acknowledged"], true);
    let (_, settings) = drill.es_get(3, "/_cluster/settings").await.unwrap();
    let settings: Value = serde_json::from_str(&settings).unwrap();
    assert_eq!(
        settings["persistent"]["cluster"]["routing"]["allocation"]["enable"],
        "primaries"
    );
    let (status, _) = drill.es_get(1, "/app/_search").await.unwrap();
    assert_eq!(status, 200);
    // wait_for_status that cannot be reached in time: 408, timed_out.
    let (status, body) = drill
        .es_get(1, "/_cluster/health?wait_for_status=green&timeout=1s")
        .await
        .unwrap();
    assert_eq!(status, 200, "green already: {body}");
    let outcome = drill.handle.stop().await;
    verified(&outcome);
    // The same read in the same sim second is recorded once, and the repeats are counted.
    let healths = outcome
        .replay
        .actions
        .iter()
        .filter(|a| matches!(&a.action, Action::Api { request: ApiRequest::CatNodes, via: Some(v) } if v == "node-1"))
        .count();
    assert_eq!(healths, 1);
    assert!(outcome.reads_coalesced >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replacement_node_launched_and_set_up_over_the_apis_gets_its_own_port() {
    let drill = Drill::start("sandbox", 1, 120.0).await;
    let (status, xml) = drill
        .ec2(&[
            ("Action", "RunInstances"),
            ("ImageId", "ami-0base"),
            ("MinCount", "1"),
            ("MaxCount", "1"),
            ("TagSpecification.1.ResourceType", "instance"),
            ("TagSpecification.1.Tag.1.Key", "Name"),
            ("TagSpecification.1.Tag.1.Value", "node-4"),
        ])
        .await;
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains("<value>node-4</value>"), "{xml}");
    drill
        .until("node-4's status checks to pass", |sim| {
            sim.instance_by_name("node-4").is_some_and(|i| {
                matches!(
                    sim.instances()[i].checks,
                    quorum_sim::model::Checks::Ok { .. }
                )
            })
        })
        .await;
    let id = drill.instance_id("node-4");
    let r = drill
        .http
        .post(format!("http://{}/", drill.handle.ec2_addr))
        .header("x-amz-target", "AmazonSSM.SendCommand")
        .header("content-type", "application/x-amz-json-1.1")
        .body(
            serde_json::json!({
                "InstanceIds": [id],
                "DocumentName": "AWS-RunShellScript",
                "Parameters": {"commands": ["sudo /opt/runbook/setup.sh"]},
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Command"]["Status"], "Pending");
    drill
        .until("node-4 to join", |sim| {
            sim.main_cluster().members.len() == 4
        })
        .await;
    let (status, body) = drill.es_get(4, "/_cat/nodes?h=name").await.unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("node-4"), "{body}");
    let outcome = drill.handle.stop().await;
    verified(&outcome);
}

#[path = "common/mod.rs"]
mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leaderboard_takes_a_live_replay_on_its_own_board() {
    let drill = Drill::start("seed-ami-trap", 1, 120.0).await;
    let (status, _) = drill.es_get(2, "/_cluster/health").await.unwrap();
    assert_eq!(status, 200);
    let (status, _) = drill.ec2(&[("Action", "DescribeInstances")]).await;
    assert_eq!(status, 200);
    let outcome = drill.handle.stop().await;
    verified(&outcome);
    let server = common::TestServer::start().await;
    let (status, run) = server.submit("Kai", &outcome.replay).await;
    assert_eq!(status, 201, "{run}");
    assert_eq!(run["mode"], "tools");
    let (status, board) = server
        .get("/api/leaderboard?scenario=seed-ami-trap&mode=tools")
        .await;
    assert_eq!(status, 200, "{board}");
    assert_eq!(board["runs"][0]["player"], "Kai", "{board}");
    let (_, exam) = server.get("/api/leaderboard?scenario=seed-ami-trap").await;
    assert_eq!(exam["runs"].as_array().map(Vec::len), Some(0), "{exam}");
}

/// The replay without the trainee's app requests, verified: what the drill counts without
/// them.
fn verified_without_app_requests(outcome: &live::Outcome) -> quorum_sim::Report {
    let mut bare = outcome.replay.clone();
    bare.actions
        .retain(|a| !matches!(a.action, Action::AppRequests { .. }));
    replay::verify(&bare).expect("the replay without them verifies")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_and_an_index_during_the_outage_fail_as_the_sim_says_and_count() {
    let drill = Drill::start("seed-ami-trap", 1, 60.0).await;
    drill
        .until("node-1 to leave", |sim| {
            sim.main_cluster().health == quorum_sim::Health::Yellow
        })
        .await;
    // A search while the cluster serves: answered, counted as served.
    let (status, body) = drill.es_get(3, "/app/_search").await.unwrap();
    assert_eq!(status, 200, "{body}");
    let node2 = drill.instance_id("node-2");
    let (status, _) = drill
        .ec2(&[
            ("Action", "CreateImage"),
            ("InstanceId", &node2),
            ("Name", "n2"),
        ])
        .await;
    assert_eq!(status, 200);
    drill.until("the outage", |sim| sim.in_outage()).await;
    // node-3 alone, no master: the search reaches the copies on node-3 only, as the sim's
    // rule for the app's own searches says; it is partial, an error to the app.
    let expected = drill
        .handle
        .shared()
        .lock()
        .sim
        .app_outcome("node-3", quorum_sim::AppRequest::Search);
    let (status, body) = drill.es_get(3, "/app/_search").await.unwrap();
    let v: Value = serde_json::from_str(&body).unwrap();
    match expected {
        quorum_sim::AppOutcome::ShardsFailed { failed, total } if failed < total => {
            assert_eq!(status, 200, "{body}");
            assert_eq!(v["_shards"]["failed"], failed);
            assert_eq!(
                v["_shards"]["failures"][0]["reason"]["type"],
                "no_shard_available_action_exception"
            );
        }
        quorum_sim::AppOutcome::ShardsFailed { .. } => {
            assert_eq!(status, 503, "{body}");
            assert_eq!(v["error"]["type"], "search_phase_execution_exception");
        }
        other => panic!("a search during the outage: {other:?} ({body})"),
    }
    // An index waits on the no-master block for its timeout, then 503.
    let r = drill
        .http
        .post(drill.es(3, "/app/_doc?timeout=2s"))
        .header("content-type", "application/json")
        .body(r#"{"order":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 503);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["type"], "cluster_block_exception");
    assert!(v["error"]["reason"].as_str().unwrap().contains("no master"));
    let outcome = drill.handle.stop().await;
    assert_eq!(
        outcome.app_tally,
        [2, 1, 1, 1],
        "searches, failed, indexes, failed"
    );
    let report = verified(&outcome);
    // Recorded, and counted into the drill's traffic: the debrief's failed requests
    // include the failed search and index.
    let bare = verified_without_app_requests(&outcome);
    assert_eq!(report.requests_total, bare.requests_total + 3);
    assert_eq!(report.requests_failed, bare.requests_failed + 2);
    let text = live::view::recorded(&outcome);
    assert!(
        text.contains("2 searches (1 failed), 1 documents indexed (1 failed)"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_loop_is_one_action_per_node_and_second_and_every_search_counts() {
    let drill = Drill::start("sandbox", 1, 10.0).await;
    // 20 clients searching back to back on node-1 and node-2 for 1.5 s (15 sim s).
    let end = Instant::now() + Duration::from_millis(1_500);
    let mut tasks = Vec::new();
    for k in 0..20u16 {
        let url = drill.es(1 + k % 2, "/app/_search");
        let http = drill.http.clone();
        tasks.push(tokio::spawn(async move {
            let mut sent = 0u64;
            while Instant::now() < end {
                let r = http.get(&url).send().await.unwrap();
                assert_eq!(r.status().as_u16(), 200);
                sent += 1;
            }
            sent
        }));
    }
    let mut sent = 0;
    for t in tasks {
        sent += t.await.unwrap();
    }
    let outcome = drill.handle.stop().await;
    let report = verified(&outcome);
    let apps: Vec<_> = outcome
        .replay
        .actions
        .iter()
        .filter(|a| matches!(a.action, Action::AppRequests { .. }))
        .collect();
    assert!(sent > 100, "{sent}");
    // At most one action per node and sim second (the sandbox is quiet: nothing changes).
    assert!(
        apps.len() <= 2 * 17,
        "{} actions for {sent} searches",
        apps.len()
    );
    let bare = verified_without_app_requests(&outcome);
    assert_eq!(report.reads_total, bare.reads_total + sent);
    assert_eq!(report.requests_failed, bare.requests_failed);
    assert_eq!(outcome.app_tally[0], sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_is_recorded_once_per_sim_second_until_the_cap_which_is_said() {
    let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    struct Tee(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Tee {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let config = LiveConfig {
        scenario: scenario::builtin("sandbox").unwrap().clone(),
        seed: 1,
        speed: 1.0,
        bind: LOCALHOST,
        es_port: free_ports(8),
        ec2_port: 0,
        view: Some(Box::new(Tee(buf.clone()))),
    };
    let handle = live::start(config).await.unwrap();
    handle.set_paused(true);
    let health = |via: &str| Action::Api {
        via: Some(via.into()),
        request: ApiRequest::ClusterHealth,
    };
    let recorded = {
        let mut core = handle.shared().lock();
        // A look every sim second, twice: each second's first is recorded.
        let mut recorded = 0;
        for _ in 0..1_700 {
            recorded += u64::from(core.record_read(health("node-1")));
            assert!(
                !core.record_read(health("node-1")),
                "the same second's repeat"
            );
            for _ in 0..10 {
                core.sim.step();
            }
        }
        // The cap for reads came first; a write still has room.
        assert!(core
            .apply(Action::Api {
                via: Some("node-1".into()),
                request: ApiRequest::Flush
            })
            .is_some());
        recorded
    };
    let outcome = handle.stop().await;
    verified(&outcome);
    let json = outcome.replay.to_json();
    assert!(
        json.len() <= replay::MAX_REPLAY_BYTES,
        "{} bytes",
        json.len()
    );
    // Each recorded look's repeat was coalesced; past the cap both looks went unrecorded.
    assert_eq!(outcome.reads_coalesced, recorded);
    let unrecorded = 2 * (1_700 - recorded);
    assert_eq!(outcome.reads_unrecorded, unrecorded);
    assert!((1_000..1_700).contains(&recorded), "{recorded}");
    // Said in the view when it happened, and in the debrief.
    let view = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
    assert!(view.contains("no room left for reads"), "{view}");
    let text = live::view::recorded(&outcome);
    assert!(text.contains("had no room left for reads"), "{text}");
    assert!(text.contains(&format!(
        "{unrecorded} reads were answered but not recorded"
    )));
}
