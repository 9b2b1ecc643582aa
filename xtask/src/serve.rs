//! Serving the game: `cargo xtask run` (on 127.0.0.1:8080, until interrupted), and the
//! `drill serve` that the e2e tests and browser benches run against. There is no fallback:
//! when `drill serve` cannot be built or does not come up, the command fails and says why.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::exec::{capture, describe_status, Cmd};
use crate::files::{random_token, TempDir};
use crate::{Error, Result, Xtask};

const RUN_ADDR: &str = "127.0.0.1:8080";

/// Which build of the drill binary to serve with.
#[derive(Clone, Copy)]
pub enum DrillBuild {
    /// `--release`, for `cargo xtask run` and the browser benches.
    Release,
    /// The debug binary `cargo test --workspace` built, for the e2e tests.
    LikeTests,
}

/// A background `drill serve`; killed (and reaped) on drop, then its database removed.
pub struct Server {
    child: Child,
    pub base_url: String,
    display: String,
    /// The admin token the server was started with (`QD_ADMIN_TOKEN`).
    pub admin_token: String,
    /// The temporary database directory; dropped (removed) after the server is killed.
    _temp_dir: TempDir,
}

impl Server {
    /// Starts `cmd` and waits until `addr` accepts connections (at most 60 s).
    fn start(
        mut cmd: Cmd,
        addr: SocketAddr,
        admin_token: String,
        temp_dir: TempDir,
    ) -> Result<Server> {
        cmd.announce();
        let child = cmd
            .command
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| cmd.spawn_error(e))?;
        let mut server = Server {
            child,
            base_url: format!("http://{addr}"),
            display: cmd.display,
            admin_token,
            _temp_dir: temp_dir,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                bail!(
                    "`{}` exited with {} before it served",
                    server.display,
                    describe_status(status)
                );
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                println!("xtask: server up at {}", server.base_url);
                return Ok(server);
            }
            if Instant::now() > deadline {
                bail!(
                    "`{}` did not accept connections on {addr} within 60 s",
                    server.display
                );
            }
            thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            println!("$ kill {}  # {}", self.child.id(), self.display);
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// A loopback address with a port that was free a moment ago.
fn free_loopback_addr() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Error(format!("cannot find a free port: {e}")))?;
    listener
        .local_addr()
        .map_err(|e| Error(format!("cannot find a free port: {e}")))
}

/// The path of the `drill` executable in cargo's JSON messages: the artifact of the bin
/// target named drill built outside test mode (`"test":false` in its profile; a unit-test
/// build of the bin has `"test":true` there and in its target).
fn drill_executable(cargo_json: &str) -> Option<PathBuf> {
    cargo_json
        .lines()
        .filter(|l| {
            l.contains(r#""reason":"compiler-artifact""#)
                && l.contains(r#""kind":["bin"]"#)
                && l.contains(r#""name":"drill""#)
                && l.contains(r#""test":false"#)
        })
        .find_map(|l| {
            let rest = &l[l.find(r#""executable":""#)? + r#""executable":""#.len()..];
            Some(PathBuf::from(&rest[..rest.find('"')?]))
        })
}

impl Xtask {
    /// Builds, then serves the game and the leaderboard with `drill serve` on
    /// http://127.0.0.1:8080 until interrupted (database in data/drill.db).
    pub fn run(&mut self) -> Result {
        self.build()?;
        println!(
            "\nxtask: serving the game with `drill serve` on http://{RUN_ADDR}/ (Ctrl-C stops it)"
        );
        self.cmd(
            "cargo",
            &[
                "run",
                "--release",
                "-p",
                "drill",
                "--",
                "serve",
                "--addr",
                RUN_ADDR,
                "--dist",
                "dist",
            ],
        )
        .run()
    }

    /// The path of the `drill` binary, checked to have a `serve` subcommand.
    ///
    /// `DrillBuild::LikeTests` asks for the binary that `cargo test --workspace` already
    /// built (with dev-dependency features unified, so nothing is rebuilt): `--workspace
    /// --tests` is the same selection, hence the same features; a plain `cargo build --bin
    /// drill` would resolve other features and recompile tokio, hyper…
    fn drill_serve_binary(&mut self, build: DrillBuild) -> Result<PathBuf> {
        let extra: &[&str] = match build {
            DrillBuild::Release => &["-p", "drill", "--release", "--bin", "drill"],
            DrillBuild::LikeTests => &["--workspace", "--tests"],
        };
        let mut args = vec!["build", "--message-format=json-render-diagnostics"];
        args.extend_from_slice(extra);
        let out = self.cmd("cargo", &args).run_quiet_stdout()?;
        let Some(bin) = drill_executable(&out) else {
            bail!("`cargo {}` built no `drill` binary", args.join(" "));
        };
        let help = capture(&bin.to_string_lossy(), &["--help"])
            .ok_or_else(|| Error(format!("`{} --help` failed", bin.display())))?;
        if !help
            .lines()
            .any(|l| l.split_whitespace().next() == Some("serve"))
        {
            bail!("`{} --help` lists no `serve` subcommand", bin.display());
        }
        Ok(bin)
    }

    /// Starts `drill serve` on a free loopback port, serving dist/, for the e2e tests and
    /// browser benches; it is killed when the returned guard is dropped. It gets a fresh
    /// SQLite database in a temporary directory (removed with the guard), so tests never
    /// write into the repository's data/, and a random admin token (`QD_ADMIN_TOKEN`,
    /// handed to the tests through the guard) so they can create competitions.
    pub fn start_drill_serve(&mut self, build: DrillBuild) -> Result<Server> {
        self.start_drill_serve_on(build, None)
    }

    /// [`Xtask::start_drill_serve`] on the database `db` (`--db`, e.g. a throwaway
    /// PostgreSQL's URL) instead of a fresh SQLite file.
    pub fn start_drill_serve_on(&mut self, build: DrillBuild, db: Option<&str>) -> Result<Server> {
        if !self.root.join("dist/index.html").is_file() {
            bail!("dist/index.html is missing: the trunk build did not run");
        }
        let bin = self.drill_serve_binary(build)?;
        let addr = free_loopback_addr()?;
        let addr_s = addr.to_string();
        let temp = TempDir::new("qd-serve")?;
        let db_s = match db {
            Some(url) => url.to_string(),
            None => temp.path.join("drill.db").to_string_lossy().into_owned(),
        };
        let token = random_token();
        let cmd = self
            .cmd(
                &bin.to_string_lossy(),
                &["serve", "--addr", &addr_s, "--dist", "dist", "--db", &db_s],
            )
            .env("QD_ADMIN_TOKEN", &token);
        Server::start(cmd, addr, token, temp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_drill_executable_in_cargo_json() {
        let json = concat!(
            r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"drill","test":true},"profile":{"test":false},"executable":null}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"kind":["bin"],"name":"drill","test":true},"profile":{"test":true},"executable":"/t/debug/deps/drill-abc"}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"kind":["bin"],"name":"drill","test":true},"profile":{"test":false},"executable":"/t/debug/drill"}"#,
            "\n",
        );
        assert_eq!(
            drill_executable(json),
            Some(PathBuf::from("/t/debug/drill"))
        );
        assert_eq!(drill_executable("{}"), None);
    }

    #[test]
    fn a_server_that_exits_at_start_is_an_error_naming_it() {
        let temp = TempDir::new("qd-xtask-test").unwrap();
        let addr = free_loopback_addr().unwrap();
        let cmd = Cmd::new("sh", &["-c", "exit 7"]);
        let err = Server::start(cmd, addr, String::new(), temp)
            .err()
            .unwrap()
            .0;
        assert!(
            err.contains("`sh -c 'exit 7'` exited with exit code 7 before it served"),
            "{err}"
        );
    }
}
