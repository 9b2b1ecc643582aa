//! A throwaway PostgreSQL for the browser tests on PostgreSQL (the trainer e2e against a
//! `drill serve --db postgres://…`): Debian's `initdb` and `pg_ctl` on a temporary
//! directory and a free loopback port, as `crates/drill/tests/common/pg.rs` starts one for
//! the Rust stories. A watchdog shell holds the cluster: when its stdin closes (the guard is
//! dropped, or xtask exits or is killed) it stops the cluster and removes the directory.
//! A missing PostgreSQL fails the step, naming `cargo xtask setup`. As root, every
//! PostgreSQL command runs as the `postgres` user (initdb refuses root).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};

use crate::{Error, Result};

/// The running cluster; stopped when dropped.
pub struct PgCluster {
    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub url: String,
    watchdog: Option<(Child, ChildStdin)>,
}

/// Debian's newest PostgreSQL binaries (`/usr/lib/postgresql/N/bin`).
fn bin_dir() -> Result<PathBuf> {
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
    found.pop().map(|(_, bin)| bin).ok_or_else(|| {
        Error("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): `cargo xtask setup` installs Debian's `postgresql`".into())
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl PgCluster {
    pub fn start() -> Result<PgCluster> {
        let bin = bin_dir()?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| Error(format!("cannot find a free port: {e}")))?;
        let as_pg = if is_root() {
            "runuser -u postgres --"
        } else {
            ""
        };
        let script = format!(
            r#"set -e
exec 2>&1
BIN='{bin}'
DIR=$(mktemp -d /tmp/qd-pg.XXXXXX)
if [ -n "{as_pg}" ]; then chown postgres "$DIR"; fi
trap 'rm -rf "$DIR"' EXIT
{as_pg} "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --no-sync >"$DIR/initdb.log" || {{ cat "$DIR/initdb.log"; exit 1; }}
{as_pg} "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -t 60 \
  -o "-p {port} -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" \
  start >/dev/null || {{ cat "$DIR/log"; exit 1; }}
echo READY
exec >/dev/null
set +e
cat >/dev/null
{as_pg} "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop
"#,
            bin = bin.display(),
        );
        println!("$ initdb + pg_ctl start  # a throwaway PostgreSQL on 127.0.0.1:{port}");
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Error(format!("cannot run sh: {e}")))?;
        let stdin = child.stdin.take().ok_or_else(|| Error("no stdin".into()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| Error("no stdout".into()))?;
        let mut said = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap_or_default();
            if line == "READY" {
                return Ok(PgCluster {
                    url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
                    watchdog: Some((child, stdin)),
                });
            }
            said.push_str(&line);
            said.push('\n');
        }
        drop(stdin);
        let _ = child.wait();
        Err(Error(format!(
            "the throwaway PostgreSQL did not start:\n{said}"
        )))
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if let Some((mut child, stdin)) = self.watchdog.take() {
            drop(stdin); // The watchdog stops the cluster and removes its directory.
            let _ = child.wait();
        }
    }
}
