//! A throwaway PostgreSQL cluster for the browser tests on PostgreSQL: Debian's initdb and
//! pg_ctl on a temporary directory and a free loopback port, by the same script the drill
//! crate's PostgreSQL tests use (`crates/drill/tests/common/pg_cluster.sh`). The cluster
//! stops when the guard drops (its watchdog's stdin closes), and when xtask dies.
//! No fallback: a PostgreSQL that is missing or does not start fails the step, naming why.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};

use crate::setup::postgres_bin;
use crate::{Error, Result};

const CLUSTER_SCRIPT: &str = include_str!("../../crates/drill/tests/common/pg_cluster.sh");

/// A running cluster; stopped and deleted on drop.
pub struct Cluster {
    /// `postgres://postgres@127.0.0.1:PORT/postgres`: the cluster's own database, for one
    /// server (it is thrown away with the cluster).
    pub url: String,
    watchdog: Option<(Child, ChildStdin)>,
}

impl Cluster {
    pub fn start() -> Result<Cluster> {
        let Some(bin) = postgres_bin() else {
            bail!(
                "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): \
                 `cargo xtask setup` installs Debian's `postgresql`"
            );
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| Error(format!("cannot find a free port: {e}")))?;
        let root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        println!("$ sh pg_cluster.sh  # PostgreSQL on 127.0.0.1:{port}");
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(CLUSTER_SCRIPT)
            .env("BIN", &bin)
            .env("PORT", port.to_string())
            .env("AS_PG", if root { "runuser -u postgres --" } else { "" })
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Error(format!("cannot run sh for PostgreSQL: {e}")))?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut said = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap_or_default();
            if line == "READY" {
                return Ok(Cluster {
                    url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
                    watchdog: Some((child, stdin)),
                });
            }
            said.push_str(&line);
            said.push('\n');
        }
        drop(stdin);
        let _ = child.wait();
        bail!("PostgreSQL did not start:\n{said}")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some((mut child, stdin)) = self.watchdog.take() {
            drop(stdin); // The watchdog stops the cluster and removes its directory.
            let _ = child.wait();
        }
    }
}
