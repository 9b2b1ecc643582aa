//! A throwaway PostgreSQL for the tests: Debian's `initdb` and `pg_ctl` on a temporary
//! directory and a free loopback port, started once per test binary and stopped when the
//! binary exits (a watchdog shell waits for its stdin — held by this process — to close,
//! then stops the cluster and deletes its directory; that also happens when the binary
//! panics or is killed). Each test gets its own database ([`fresh_database`]).
//!
//! A missing PostgreSQL fails the test that asked for it, naming `cargo xtask setup`; nothing
//! skips. `initdb` refuses to run as root: as root (CI) the cluster runs as the `postgres`
//! user the Debian package creates, through `runuser`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

/// The running cluster: its superuser URL prefix (`postgres://postgres@127.0.0.1:PORT`).
pub struct Cluster {
    pub base_url: String,
    pub port: u16,
    /// Held until the process exits: closing it stops the cluster.
    _watchdog: Mutex<(Child, ChildStdin)>,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
/// The cluster's life, shared with xtask's e2e step.
const CLUSTER_SCRIPT: &str = include_str!("pg_cluster.sh");
static DATABASES: AtomicU32 = AtomicU32::new(0);

/// Debian's newest PostgreSQL binaries (`/usr/lib/postgresql/N/bin`).
pub fn bin_dir() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): \
             the PostgreSQL tests cannot run. `cargo xtask setup` installs Debian's `postgresql`."
        ),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The cluster, started at first use.
pub fn cluster() -> &'static Cluster {
    CLUSTER.get_or_init(start)
}

fn start() -> Cluster {
    let bin = bin_dir();
    let port = free_port();
    // As root, every PostgreSQL command runs as `postgres` (initdb refuses root).
    let as_pg = if is_root() {
        "runuser -u postgres --"
    } else {
        ""
    };
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(CLUSTER_SCRIPT)
        .env("BIN", &bin)
        .env("PORT", port.to_string())
        .env("AS_PG", as_pg)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sh");
    let stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let mut said = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap_or_default();
        if line == "READY" {
            return Cluster {
                base_url: format!("postgres://postgres@127.0.0.1:{port}"),
                port,
                _watchdog: Mutex::new((child, stdin)),
            };
        }
        said.push_str(&line);
        said.push('\n');
    }
    drop(stdin);
    let _ = child.wait();
    panic!("the test PostgreSQL did not start:\n{said}");
}

/// A new, empty database on the cluster; its URL.
pub async fn fresh_database() -> String {
    let cluster = cluster();
    let n = DATABASES.fetch_add(1, Ordering::SeqCst);
    let name = format!("qd_{}_{n}", std::process::id());
    let admin = format!("{}/postgres", cluster.base_url);
    let mut conn: sqlx::PgConnection = sqlx::Connection::connect(&admin)
        .await
        .expect("connect to the test PostgreSQL");
    sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("CREATE DATABASE");
    format!("{}/{name}", cluster.base_url)
}
