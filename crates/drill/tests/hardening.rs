//! The server under abuse, as an attacker on loopback would try it: connections that never
//! finish their request, thousands of idle sockets from one address, a shutdown with stalled
//! clients, oversized strings and replays, a symlink out of `--dist`; and the headers a
//! browser relies on. Every loop is bounded in count and time.

mod common;

use common::child;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::*;
use quorum_sim::replay::MAX_REPLAY_BYTES;
use quorum_sim::{Action, MAX_IMAGE_DESCRIPTION_CHARS, MAX_RESOURCE_NAME_CHARS};
use serde_json::{json, Value};

/// Reads until the server closes the connection (or `limit` passes): what it sent, and when
/// it closed. `None` if it was still open at `limit`.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<(Vec<u8>, Duration)> {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = limit.checked_sub(started.elapsed())?;
        stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return Some((got, started.elapsed())),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Some((got, started.elapsed()))
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return None
            }
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// A TCP connection to `addr` from the loopback address `from` (127.0.0.1, 127.0.0.2, …).
fn connect_from(from: &str, addr: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.bind(&format!("{from}:0").parse::<SocketAddr>().unwrap().into())?;
    socket.connect_timeout(&addr.into(), Duration::from_secs(2))?;
    Ok(socket.into())
}

fn health_from(from: &str, addr: SocketAddr) -> std::io::Result<String> {
    let mut stream = connect_from(from, addr)?;
    stream.write_all(b"GET /api/health HTTP/1.1\r\nHost: drill\r\nConnection: close\r\n\r\n")?;
    let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(3))
        .ok_or_else(|| std::io::Error::other("no answer within 3 s"))?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// A `drill serve` child on an ephemeral port, started by `sh` so that `ulimit -n` can bound
/// its file descriptors. Returns the child and its address.
fn spawn_drill(dir: &Path, fd_limit: Option<u32>, flags: &[&str]) -> (Child, SocketAddr) {
    let bin = env!("CARGO_BIN_EXE_drill");
    let mut script = String::new();
    if let Some(n) = fd_limit {
        script.push_str(&format!("ulimit -n {n} && "));
    }
    script.push_str("exec \"$0\" serve --addr 127.0.0.1:0 --rate-limit 0 \"$@\"");
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(script)
        .arg(bin)
        .arg("--db")
        .arg(dir.join("drill.db"))
        .arg("--dist")
        .arg(dir.join("no-dist"))
        .args(flags)
        .stderr(std::fs::File::create(dir.join("server.log")).unwrap());
    let (child, addr, _) = child::spawn_serve(command);
    (child, addr.parse().unwrap())
}

/// Stops a child that a failed assertion left running.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_header_and_an_idle_connection_are_closed_within_the_header_timeout() {
    let server = TestServer::start_with(|c| c.header_timeout = Duration::from_millis(400)).await;
    let addr = server.addr;
    tokio::task::spawn_blocking(move || {
        // Half a request head, then nothing (slowloris).
        let mut slow = TcpStream::connect(addr).unwrap();
        slow.write_all(b"GET /api/health HTTP/1.1\r\nHost: dri")
            .unwrap();
        // A connection that never sends a byte.
        let mut silent = TcpStream::connect(addr).unwrap();
        // A keep-alive connection after one answered request.
        let mut kept = TcpStream::connect(addr).unwrap();
        kept.write_all(b"GET /api/health HTTP/1.1\r\nHost: drill\r\n\r\n")
            .unwrap();
        let mut first = [0u8; 12];
        kept.read_exact(&mut first).unwrap();
        assert_eq!(&first, b"HTTP/1.1 200");
        for (what, stream) in [
            ("slow header", &mut slow),
            ("silent", &mut silent),
            ("idle keep-alive", &mut kept),
        ] {
            let closed = read_until_closed(stream, Duration::from_secs(3));
            let (_, after) = closed.unwrap_or_else(|| panic!("{what}: still open after 3 s"));
            assert!(
                after < Duration::from_millis(1500),
                "{what}: closed after {after:?}, timeout 400 ms"
            );
        }
    })
    .await
    .unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_request_body_gets_408_within_the_body_timeout() {
    let server = TestServer::start_with(|c| c.body_timeout = Duration::from_millis(300)).await;
    let addr = server.addr;
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .write_all(
                b"POST /api/runs HTTP/1.1\r\nHost: drill\r\nContent-Type: application/json\r\n\
                  Content-Length: 1000\r\n\r\n{\"player\":",
            )
            .unwrap();
        let (answer, after) = read_until_closed(&mut stream, Duration::from_secs(5))
            .expect("the server still waits for the body after 5 s");
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("body_timeout"), "{answer}");
        assert!(after < Duration::from_secs(2), "answered after {after:?}");
    })
    .await
    .unwrap();
    server.stop().await;
}

/// One host opens more sockets than the server has file descriptors (`ulimit -n 256` on
/// the server; 600 keeps the test itself under a default limit of 1024) and leaves them idle: the server closes the ones past the per-address
/// cap at once, and another address still gets its health check answered.
#[test]
fn idle_sockets_from_one_address_cannot_stop_another_from_being_answered() {
    const SOCKETS: usize = 600;
    let dir = tempfile::tempdir().unwrap();
    let (child, addr) = spawn_drill(
        dir.path(),
        Some(256),
        &[
            "--max-connections-per-ip",
            "32",
            "--header-timeout-ms",
            "60000",
        ],
    );
    let _reaper = Reaper(child);
    let mut held = Vec::new();
    for _ in 0..SOCKETS {
        match connect_from("127.0.0.1", addr) {
            Ok(s) => held.push(s),
            Err(e) => panic!("connect: {e}"),
        }
    }
    // Give the server time to accept (and close) the whole backlog.
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let answer = health_from("127.0.0.2", addr).expect("health from 127.0.0.2");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "health took {:?}",
        started.elapsed()
    );
    // The sockets past the cap were closed without an answer; 32 are still open.
    let mut open = 0;
    for stream in &mut held {
        stream.set_nonblocking(true).unwrap();
        let mut byte = [0u8; 1];
        match stream.read(&mut byte) {
            Ok(0) => {}
            Ok(_) => panic!("a refused connection got bytes"),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => open += 1,
            Err(_) => {}
        }
    }
    assert_eq!(open, 32, "open sockets from 127.0.0.1");
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    assert!(log.contains("--max-connections-per-ip"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_global_cap_a_connection_gets_503_and_is_closed() {
    let server = TestServer::start_with(|c| {
        c.max_connections = 4;
        c.max_connections_per_ip = 100;
    })
    .await;
    let addr = server.addr;
    tokio::task::spawn_blocking(move || {
        let held: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(addr).unwrap()).collect();
        std::thread::sleep(Duration::from_millis(200));
        let mut extra = TcpStream::connect(addr).unwrap();
        let (answer, _) =
            read_until_closed(&mut extra, Duration::from_secs(3)).expect("closed at once");
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
        assert!(answer.contains("retry-after: 5"), "{answer}");
        drop(held);
        // The places come back when the connections close.
        std::thread::sleep(Duration::from_millis(200));
        let answer = health_from("127.0.0.1", addr).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    })
    .await
    .unwrap();
    server.stop().await;
}

/// SIGTERM with three clients stalled mid-request: the server exits once the shutdown
/// deadline passes, closing them, instead of waiting for them to let go.
#[test]
fn sigterm_exits_within_the_deadline_with_stalled_clients() {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr) = spawn_drill(
        dir.path(),
        None,
        &[
            "--shutdown-timeout-ms",
            "1000",
            "--header-timeout-ms",
            "60000",
        ],
    );
    let mut reaper = Reaper(child);
    let mut stalled: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(b"GET /api/health HTTP/1.1\r\nHost: dr")
                .unwrap();
            s
        })
        .collect();
    // An idle keep-alive connection too.
    let mut idle = TcpStream::connect(addr).unwrap();
    idle.write_all(b"GET /api/health HTTP/1.1\r\nHost: drill\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let started = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &reaper.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = loop {
        if let Some(exit) = reaper.0.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "still running 5 s after SIGTERM (deadline 1 s)"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = started.elapsed();
    assert!(exit.success(), "{exit:?}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(2500),
        "exited {took:?} after SIGTERM, deadline 1 s"
    );
    for stream in stalled.iter_mut().chain([&mut idle]) {
        assert!(read_until_closed(stream, Duration::from_secs(1)).is_some());
    }
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    assert!(log.contains("shutdown deadline"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strings_longer_than_ec2_allows_are_refused_and_nothing_is_stored() {
    let server = TestServer::start().await;
    let image = |description: String| Action::CreateImage {
        instance: "node-2".into(),
        name: Some("backup".into()),
        description: Some(description),
        no_reboot: true,
    };
    let (status, body) = server
        .submit(
            "Ann",
            &replay(1, vec![at(2, 0, image("x".repeat(250_000 / 2)))]),
        )
        .await;
    assert_eq!((status, code(&body)), (422, "string_too_long"), "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("image description is 125000 characters; EC2 allows 255"),
        "{body}"
    );
    let long_name = "n".repeat(MAX_RESOURCE_NAME_CHARS + 1);
    let (status, body) = server
        .submit(
            "Ann",
            &replay(
                1,
                vec![at(
                    2,
                    0,
                    Action::Launch {
                        name: long_name,
                        image: "ami-1".into(),
                    },
                )],
            ),
        )
        .await;
    assert_eq!((status, code(&body)), (422, "string_too_long"), "{body}");
    let (_, board) = server.get("/api/leaderboard?scenario=seed-ami-trap").await;
    assert_eq!(board["runs"].as_array().map(Vec::len), Some(0), "{board}");
    // At the limit, it is a run like any other.
    let (status, body) = server
        .submit(
            "Ann",
            &replay(
                1,
                vec![at(2, 0, image("説".repeat(MAX_IMAGE_DESCRIPTION_CHARS)))],
            ),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_over_its_size_limit_is_refused_with_413() {
    let server = TestServer::start().await;
    // Valid strings within their limits (in characters: 4-byte emoji) and at most
    // MAX_ACTIONS actions, but together over MAX_REPLAY_BYTES, while the request stays under
    // the body limit.
    let action = |i: u64| {
        at(
            1 + i / 60,
            i % 60,
            Action::CreateImage {
                instance: "node-2".into(),
                name: Some(format!("{i}{}", "\u{1F600}".repeat(100))),
                description: Some("\u{1F600}".repeat(MAX_IMAGE_DESCRIPTION_CHARS)),
                no_reboot: true,
            },
        )
    };
    let mut actions = Vec::new();
    let mut big = replay(1, actions.clone());
    while serde_json::to_vec(&big).unwrap().len() <= MAX_REPLAY_BYTES {
        actions.push(action(actions.len() as u64));
        big = replay(1, actions.clone());
    }
    assert!(actions.len() <= quorum_sim::replay::MAX_ACTIONS);
    let body = json!({ "player": "Ann", "replay": big });
    let bytes = serde_json::to_vec(&body).unwrap();
    assert!(
        bytes.len() < drill::server::MAX_BODY_BYTES,
        "{}",
        bytes.len()
    );
    let (status, answer) = server
        .post_raw("/api/runs", bytes, "application/json", None)
        .await;
    assert_eq!((status, code(&answer)), (413, "body_too_large"), "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("the limit is {MAX_REPLAY_BYTES}")),
        "{answer}"
    );
    // A body over the body limit is refused before it is read whole.
    let (status, answer) = server
        .post_raw(
            "/api/runs",
            vec![b' '; drill::server::MAX_BODY_BYTES + 1],
            "application/json",
            None,
        )
        .await;
    assert_eq!((status, code(&answer)), (413, "body_too_large"), "{answer}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_simulation_queue_a_submission_gets_503_with_retry_after() {
    let server = TestServer::start_with(|c| {
        c.sim_workers = 1;
        c.sim_queue = 1;
    })
    .await;
    let mut tokens = Vec::new();
    for _ in 0..40 {
        tokens.push(server.new_identity().await.1);
    }
    let sends = (0..40u64).zip(tokens).map(|(seed, token)| {
        let (client, url) = (server.client.clone(), server.url("/api/runs"));
        async move {
            let body =
                json!({ "player": format!("p{seed}"), "replay": replay(seed + 1, trap_actions()) });
            let response = client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let retry = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            (status, retry, body)
        }
    });
    let answers = futures_join_all(sends).await;
    let busy: Vec<_> = answers.iter().filter(|(s, _, _)| *s == 503).collect();
    let stored = answers.iter().filter(|(s, _, _)| *s == 201).count();
    assert_eq!(busy.len() + stored, 40, "{answers:?}");
    assert!(
        !busy.is_empty(),
        "40 at once with 1 worker and a queue of 1"
    );
    for (_, retry, body) in busy {
        assert_eq!(retry.as_deref(), Some("2"));
        assert_eq!(code(body), "busy");
    }
    server.stop().await;
}

async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// A game as Trunk writes it: an inline module loader and hashed assets with brotli copies.
const INDEX: &str = "<!doctype html><html><head><script type=module>import init from '/quorum-drill-0123456789abcdef.js';\nawait init();</script></head><body></body></html>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_the_browser_headers() {
    let server = TestServer::start_with(|c| {
        std::fs::write(c.dist.join("index.html"), INDEX).unwrap();
        std::fs::write(
            c.dist.join("quorum-drill-0123456789abcdef.js"),
            "export default 1",
        )
        .unwrap();
        std::fs::write(
            c.dist.join("quorum-drill-0123456789abcdef.js.br"),
            b"\x0b\x07\x80export default 1\x03",
        )
        .unwrap();
    })
    .await;
    let get = |path: &str, encoding: Option<&str>| {
        let mut request = server.client.get(server.url(path));
        if let Some(e) = encoding {
            request = request.header("accept-encoding", e);
        }
        request.send()
    };
    let index = get("/", None).await.unwrap();
    let headers = index.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    // sha256 of the inline script's text, as a browser computes it.
    let hash = {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(
            "import init from '/quorum-drill-0123456789abcdef.js';\nawait init();".as_bytes(),
        );
        base64_std(&digest)
    };
    assert!(
        csp.contains(&format!(
            "script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}';"
        )),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("object-src 'none'"), "{csp}");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["cache-control"], "no-cache");
    assert!(vary_has_accept_encoding(headers), "{headers:?}");

    // A path with no file gets index.html (ServeDir's not-found service), not cached either.
    let route = get("/no-such-page", None).await.unwrap();
    assert_eq!(route.headers()["cache-control"], "no-cache");
    assert_eq!(route.text().await.unwrap(), INDEX);

    let asset = get("/quorum-drill-0123456789abcdef.js", Some("br"))
        .await
        .unwrap();
    assert_eq!(asset.status(), 200);
    assert_eq!(asset.headers()["content-encoding"], "br");
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(vary_has_accept_encoding(asset.headers()));
    let plain = get("/quorum-drill-0123456789abcdef.js", Some("identity"))
        .await
        .unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(vary_has_accept_encoding(plain.headers()));
    let unhashed = get("/app.js", Some("gzip")).await.unwrap();
    assert_eq!(unhashed.headers()["cache-control"], "no-cache");
    assert!(vary_has_accept_encoding(unhashed.headers()));

    let api = get("/api/health", Some("gzip")).await.unwrap();
    assert_eq!(api.headers()["cache-control"], "no-store");
    assert!(api.headers().contains_key("content-security-policy"));
    assert!(vary_has_accept_encoding(api.headers()));

    // A deploy under the running server: the new loader's hash replaces the old one.
    std::fs::write(
        server.dir.path().join("dist/index.html"),
        "<!doctype html><script type=module>await import('/v2.js');</script>",
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let csp = get("/", None).await.unwrap().headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let new_hash = {
        use sha2::Digest;
        base64_std(&sha2::Sha256::digest(b"await import('/v2.js');"))
    };
    assert!(csp.contains(&format!("'sha256-{new_hash}'")), "{csp}");
    assert!(!csp.contains(&hash), "{csp}");
    server.stop().await;
}

fn vary_has_accept_encoding(headers: &reqwest::header::HeaderMap) -> bool {
    headers
        .get_all("vary")
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("accept-encoding"))
}

fn base64_std(bytes: &[u8]) -> String {
    // The test's own encoder, independent of the server's.
    let table = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = String::new();
    for b in bytes {
        bits.push_str(&format!("{b:08b}"));
    }
    while !bits.len().is_multiple_of(6) {
        bits.push('0');
    }
    let mut out: String = bits
        .as_bytes()
        .chunks(6)
        .map(|c| table[usize::from_str_radix(std::str::from_utf8(c).unwrap(), 2).unwrap()] as char)
        .collect();
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symlink_out_of_dist_is_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "the admin token").unwrap();
    let outside_path = outside.path().to_path_buf();
    let server = TestServer::start_with(move |c| {
        let dist = &c.dist;
        std::os::unix::fs::symlink(outside_path.join("secret.txt"), dist.join("leak.txt")).unwrap();
        std::os::unix::fs::symlink(&outside_path, dist.join("up")).unwrap();
        std::os::unix::fs::symlink(outside_path.join("secret.txt"), dist.join("app.js.gz"))
            .unwrap();
        std::os::unix::fs::symlink(dist.join("app.js"), dist.join("alias.js")).unwrap();
    })
    .await;
    for (path, encoding) in [
        ("/leak.txt", "identity"),
        ("/up/secret.txt", "identity"),
        ("/up/", "identity"),
        ("/%75p/secret.txt", "identity"),
        ("/app.js", "gzip"),
    ] {
        let response = server
            .client
            .get(server.url(path))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap();
        assert_eq!(status, 404, "{path}");
        assert!(
            !String::from_utf8_lossy(&body).contains("admin token"),
            "{path} leaked the file outside --dist"
        );
    }
    // A symlink inside --dist to a file inside it is served.
    let (status, body) = server.get("/alias.js").await;
    assert_eq!(
        (status, body),
        (200, Value::String("console.log('hi')".into()))
    );
    server.stop().await;
}
