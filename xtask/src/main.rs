//! `cargo xtask` — set-up, build, run, test and bench automation for Quorum Drill.
//!
//! Usage: `cargo xtask <setup|build|run|test|bench>`.
//!
//! Std only, on purpose: it must build fast on a clean clone before anything else exists.
//! Every external command is printed before it runs, and the first failing step stops
//! the task with a message that names the step. See shared/docs/toolchain.md for why each
//! tool is pinned the way it is.

use std::collections::BTreeSet;
use std::env;
use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{self, Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const RUN_ADDR: &str = "127.0.0.1:8080";

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup   install what the build and tests need (idempotent, skips what is present)
  build   setup, then `trunk build --release` into dist/
  run     build, then serve the game on http://127.0.0.1:8080
  test    setup, native tests, wasm tests in headless Chromium, trunk build, e2e tests
  bench   simulator benches (criterion), then browser benches (e2e/bench.mjs)";

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    let Some(cmd) = args.first().map(String::as_str) else {
        eprintln!("{USAGE}");
        process::exit(2);
    };
    if matches!(cmd, "-h" | "--help" | "help") {
        println!("{USAGE}");
        return;
    }

    let mut x = match Xtask::new() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("xtask: {e}");
            process::exit(1);
        }
    };
    let result = match cmd {
        "setup" => x.setup(),
        "build" => x.build(),
        "run" => x.run(),
        "test" => x.test(),
        "bench" => x.bench(),
        other => {
            eprintln!("xtask: unknown command `{other}`\n\n{USAGE}");
            process::exit(2);
        }
    };
    x.print_timings(cmd);
    match result {
        Ok(()) => {
            if cmd == "test" {
                x.print_test_summary(true);
            }
        }
        Err(e) => {
            eprintln!();
            eprintln!("xtask {cmd}: FAILED: {e}");
            if cmd == "test" {
                x.print_test_summary(false);
            }
            process::exit(1);
        }
    }
}

/// An error that names the step that failed.
#[derive(Debug)]
struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

type Result<T = ()> = std::result::Result<T, Error>;

macro_rules! bail {
    ($($arg:tt)*) => { return Err(Error(format!($($arg)*))) };
}

/// Outcome of one named step, for the closing timing table.
struct StepRecord {
    name: String,
    elapsed: Duration,
    outcome: &'static str,
}

/// Which build of the drill binary to serve with.
#[derive(Clone, Copy)]
enum DrillBuild {
    /// `--release`, for `cargo xtask run` and the browser benches.
    Release,
    /// The debug binary `cargo test --workspace` built, for the e2e tests.
    LikeTests,
}

/// Test counts parsed from the runners' closing lines (libtest, wasm-bindgen-test, node).
#[derive(Default, Clone, Copy)]
struct Counts {
    passed: u64,
    failed: u64,
    skipped: u64,
}

struct Xtask {
    root: PathBuf,
    steps: Vec<StepRecord>,
    counts: Counts,
    /// Set once `setup` ran in this invocation, so `run` → `build` → `setup` runs it once.
    setup_done: bool,
}

impl Xtask {
    fn new() -> Result<Self> {
        // xtask/ is one level below the workspace root.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .ok_or_else(|| Error("cannot find the workspace root".into()))?
            .to_path_buf();
        env::set_current_dir(&root)
            .map_err(|e| Error(format!("cannot cd to {}: {e}", root.display())))?;

        // Children find `trunk`/`wasm-bindgen` in cargo's bin dir and `wasm-opt` (npm
        // binaryen 132) in node_modules/.bin, ahead of any other copy on PATH.
        let cargo_bin = env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
            .map(|p| p.join("bin"));
        let mut paths: Vec<PathBuf> = vec![root.join("node_modules").join(".bin")];
        paths.extend(cargo_bin);
        paths.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
        let mut seen = BTreeSet::new();
        paths.retain(|p| seen.insert(p.clone()));
        let path: OsString =
            env::join_paths(paths).map_err(|e| Error(format!("cannot build PATH: {e}")))?;
        // Edition 2021: set_var is safe; we are still single-threaded here.
        env::set_var("PATH", path);

        Ok(Xtask {
            root,
            steps: Vec::new(),
            counts: Counts::default(),
            setup_done: false,
        })
    }

    // ---------------------------------------------------------------- commands

    /// Installs what building and testing need. Each check is cheap; installs run only
    /// when something is missing or at the wrong version.
    fn setup(&mut self) -> Result {
        if self.setup_done {
            return Ok(());
        }
        self.step("setup: wasm32 target", |x| x.setup_wasm_target())?;
        self.step("setup: chromium + chromedriver", |x| x.setup_chromium())?;
        // Trunk builds with `cargo --offline` (Trunk.toml offline = true), and the wasm
        // tests need wasm-only crates: fetch every locked crate, for all targets, up front.
        // This also writes Cargo.lock if it is missing, which the next steps read.
        self.step("setup: cargo fetch", |x| x.cmd("cargo", &["fetch"]).run())?;
        self.step("setup: trunk", |x| x.setup_trunk())?;
        self.step("setup: wasm-bindgen-cli", |x| x.setup_wasm_bindgen())?;
        self.step("setup: npm packages", |x| x.setup_npm())?;
        self.setup_done = true;
        Ok(())
    }

    fn build(&mut self) -> Result {
        self.setup()?;
        self.step("trunk build --release", |x| x.trunk_build())
    }

    /// Builds, then serves the game on http://127.0.0.1:8080 until interrupted.
    ///
    /// Preferred server: `drill serve --addr 127.0.0.1:8080 --dist dist` (the CLI crate,
    /// which also hosts the leaderboard API). If the drill binary does not build or has no
    /// `serve` subcommand yet, fall back to `trunk serve` (static files and live reload only).
    fn run(&mut self) -> Result {
        self.build()?;
        let drill = self.step("detect drill serve", |x| {
            Ok(x.drill_serve_binary(DrillBuild::Release))
        })?;
        match drill {
            Some(_) => {
                println!("\nxtask: serving the game with `drill serve` on http://{RUN_ADDR}/ (Ctrl-C stops it)");
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
            None => {
                let (host, port) = RUN_ADDR.split_once(':').unwrap();
                println!("\nxtask: serving the game with `trunk serve` on http://{RUN_ADDR}/ (Ctrl-C stops it)");
                self.cmd(
                    "trunk",
                    &[
                        "serve",
                        "--release",
                        "--address",
                        host,
                        "--port",
                        port,
                        "--offline",
                    ],
                )
                .run()
            }
        }
    }

    /// Every test, in order, stopping at the first failure:
    /// native tests, wasm tests in headless Chromium, the release build, end-to-end tests.
    fn test(&mut self) -> Result {
        self.setup()?;

        self.step("cargo test --workspace (native)", |x| {
            x.cmd("cargo", &["test", "--workspace"])
                .run_counting(&mut x.counts)
        })?;

        // wasm-bindgen-test-runner (the cargo runner for wasm32 in .cargo/config.toml)
        // finds chromedriver on PATH; naming it avoids picking up any other WebDriver.
        // It adds headless + no-sandbox itself; webdriver.json adds the flags that keep
        // Chromium off the (closed) network. It reads ./webdriver.json by default, and
        // `cargo test` runs it in each package's directory, hence the absolute path.
        let webdriver_json = self
            .root
            .join("webdriver.json")
            .to_string_lossy()
            .into_owned();
        let wasm_packages = [
            ("quorum-drill", self.root.clone()),
            ("quorum-sim", self.root.join("crates/sim")),
        ];
        for (package, dir) in wasm_packages {
            let name = format!("cargo test --target {WASM_TARGET} -p {package}");
            if !has_wasm_tests(&dir) {
                self.skip(&name, "no #[wasm_bindgen_test] tests in this package");
                continue;
            }
            self.step(&name, |x| {
                x.cmd("cargo", &["test", "--target", WASM_TARGET, "-p", package])
                    .env("CHROMEDRIVER", CHROMEDRIVER)
                    .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver_json)
                    .run_counting(&mut x.counts)
            })?;
        }

        self.step("trunk build --release", |x| x.trunk_build())?;

        if !has_e2e_tests(&self.root.join("e2e")) {
            self.skip("e2e tests", "no e2e/*.test.mjs files");
            return Ok(());
        }
        let server = self.step("start static server", |x| {
            x.start_static_server(DrillBuild::LikeTests)
        })?;
        let base_url = server.base_url.clone();
        // The leaderboard tests create competitions through the API with the server's
        // admin token; without `drill serve` there is none and they skip themselves.
        let admin_token = server.admin_token.clone().unwrap_or_default();
        let result = self.step("node --test e2e/", |x| {
            x.cmd("node", &["--test", "e2e/"])
                .env("QD_BASE_URL", &base_url)
                .env("QD_ADMIN_TOKEN", &admin_token)
                .run_counting(&mut x.counts)
        });
        drop(server); // Kills it, whether or not the tests passed.
        result
    }

    /// Simulator benches (criterion), then browser benches (e2e/bench.mjs) against a
    /// fresh release build. Each part is skipped, with a message, while it does not exist.
    fn bench(&mut self) -> Result {
        let mut figures = Vec::new();
        if self.root.join("crates/sim/benches").is_dir() {
            self.step("cargo bench -p quorum-sim", |x| {
                let out = x
                    .cmd("cargo", &["bench", "-p", "quorum-sim"])
                    .run_capturing()?;
                figures.extend(criterion_figures(&out));
                Ok(())
            })?;
        } else {
            self.skip(
                "cargo bench -p quorum-sim",
                "crates/sim/benches does not exist yet",
            );
        }

        // The leaderboard server: verified submissions per second and submit latency
        // under 200 concurrent clients (crates/drill/benches/submit.rs).
        self.step("cargo bench -p drill --bench submit", |x| {
            let out = x
                .cmd("cargo", &["bench", "-p", "drill", "--bench", "submit"])
                .run_capturing()?;
            figures.extend(
                out.lines()
                    .filter(|l| l.contains("/s") || l.contains("latency"))
                    .map(|l| format!("server   {}", l.trim())),
            );
            Ok(())
        })?;

        let bench_js = self.root.join("e2e/bench.mjs");
        if bench_js.is_file() {
            self.build()?;
            let server = self.step("start static server", |x| {
                x.start_static_server(DrillBuild::Release)
            })?;
            let base_url = server.base_url.clone();
            let result = self.step("node e2e/bench.mjs", |x| {
                let out = x
                    .cmd("node", &["e2e/bench.mjs"])
                    .env("QD_BASE_URL", &base_url)
                    .run_capturing()?;
                figures.extend(
                    out.lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(|l| format!("browser  {l}")),
                );
                Ok(())
            });
            drop(server);
            result?;
        } else {
            self.skip("browser benches", "e2e/bench.mjs does not exist yet");
        }

        if !figures.is_empty() {
            println!("\n== bench figures ==");
            for f in &figures {
                println!("{f}");
            }
        }
        Ok(())
    }

    // ---------------------------------------------------------------- setup steps

    fn setup_wasm_target(&mut self) -> Result {
        let sysroot = capture("rustc", &["--print", "sysroot"]).unwrap_or_default();
        let lib = Path::new(sysroot.trim())
            .join("lib/rustlib")
            .join(WASM_TARGET);
        if !sysroot.trim().is_empty() && lib.is_dir() {
            return self.present(&format!("{WASM_TARGET} target installed"));
        }
        self.cmd("rustup", &["target", "add", WASM_TARGET]).run()
    }

    fn setup_chromium(&mut self) -> Result {
        if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
            return self.present(&format!("{CHROMIUM} and {CHROMEDRIVER} present"));
        }
        // CI runs as root; a developer who is not root gets sudo.
        let root_user = capture("id", &["-u"])
            .map(|s| s.trim() == "0")
            .unwrap_or(false);
        let (prog, pre): (&str, &[&str]) = if root_user {
            ("apt-get", &[])
        } else {
            ("sudo", &["apt-get"])
        };
        let args = |rest: &[&'static str]| -> Vec<&'static str> {
            pre.iter().chain(rest).copied().collect()
        };
        self.cmd(prog, &args(&["update"])).run()?;
        self.cmd(
            prog,
            &args(&["install", "-y", "chromium", "chromium-driver"]),
        )
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()
    }

    fn setup_trunk(&mut self) -> Result {
        let found = capture("trunk", &["--version"]);
        if let Some(v) = &found {
            if v.split_whitespace().nth(1) == Some(TRUNK_VERSION) {
                return self.present(&format!("trunk {TRUNK_VERSION} present"));
            }
        }
        println!(
            "xtask: trunk is {}; installing {TRUNK_VERSION} (~7 min on 2 cores)",
            describe(&found)
        );
        self.cmd(
            "cargo",
            &["install", "trunk", "--version", TRUNK_VERSION, "--locked"],
        )
        .run()
    }

    fn setup_wasm_bindgen(&mut self) -> Result {
        let want = self.locked_wasm_bindgen_version()?;
        self.check_trunk_toml_pin(&want)?;
        let found = capture("wasm-bindgen", &["--version"]);
        if let Some(v) = &found {
            if v.split_whitespace().nth(1) == Some(want.as_str()) {
                return self.present(&format!("wasm-bindgen {want} present (matches Cargo.lock)"));
            }
        }
        println!(
            "xtask: wasm-bindgen CLI is {}; installing {want} (~2 min)",
            describe(&found)
        );
        // Without --locked: the CLI's own lockfile pins a crate the registry no longer serves.
        self.cmd(
            "cargo",
            &["install", "wasm-bindgen-cli", "--version", &want],
        )
        .run()
    }

    fn setup_npm(&mut self) -> Result {
        let lock = self.root.join("package-lock.json");
        let modules = self.root.join("node_modules");
        // npm writes node_modules/.package-lock.json on every install.
        let installed = mtime(&modules.join(".package-lock.json")).or_else(|| mtime(&modules));
        let fresh = match (installed, mtime(&lock)) {
            (Some(installed), Some(lock)) => installed >= lock,
            _ => false,
        };
        if fresh && modules.join(".bin/wasm-opt").exists() {
            return self.present("node_modules up to date with package-lock.json");
        }
        self.cmd("npm", &["ci", "--no-audit", "--no-fund"]).run()
    }

    /// The `wasm-bindgen` version in Cargo.lock: the CLI must match it exactly.
    fn locked_wasm_bindgen_version(&self) -> Result<String> {
        let lock_path = self.root.join("Cargo.lock");
        let lock = fs::read_to_string(&lock_path)
            .map_err(|e| Error(format!("cannot read {}: {e}", lock_path.display())))?;
        let mut name = None;
        for line in lock.lines() {
            let line = line.trim();
            if line == "[[package]]" {
                name = None;
            } else if let Some(v) = toml_string(line, "name") {
                name = Some(v);
            } else if let Some(v) = toml_string(line, "version") {
                if name.as_deref() == Some("wasm-bindgen") {
                    return Ok(v);
                }
            }
        }
        bail!("Cargo.lock has no `wasm-bindgen` package: is yew a dependency of the root package?")
    }

    /// Trunk.toml's `[tools] wasm_bindgen` must equal Cargo.lock's version: with
    /// `offline = true` Trunk would otherwise fail later with a less obvious message.
    fn check_trunk_toml_pin(&self, want: &str) -> Result {
        let text = fs::read_to_string(self.root.join("Trunk.toml")).unwrap_or_default();
        let pinned = text
            .lines()
            .find_map(|l| toml_string(l.trim(), "wasm_bindgen"));
        match pinned {
            Some(p) if p == want => Ok(()),
            Some(p) => bail!(
                "Trunk.toml pins wasm_bindgen = \"{p}\" but Cargo.lock has wasm-bindgen {want}: make them equal \
                 (and keep `wasm-bindgen = \"={want}\"` in Cargo.toml)"
            ),
            None => bail!("Trunk.toml has no `[tools] wasm_bindgen = \"{want}\"` pin"),
        }
    }

    // ---------------------------------------------------------------- build and serve

    fn trunk_build(&mut self) -> Result {
        self.cmd("trunk", &["build", "--release"]).run()?;
        let wasm = fs::read_dir(self.root.join("dist"))
            .map_err(|e| Error(format!("trunk build left no dist/: {e}")))?
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.path()
                    .extension()
                    .is_some_and(|x| x == "wasm" || x == "js")
            })
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    e.metadata().map(|m| m.len()).unwrap_or(0),
                )
            })
            .collect::<Vec<_>>();
        if !wasm.iter().any(|(n, _)| n.ends_with(".wasm")) {
            bail!("trunk build produced no .wasm in dist/");
        }
        for (name, len) in wasm {
            println!("xtask: dist/{name}: {} KiB", len.div_ceil(1024));
        }
        // Precompressed copies (.br, .gz) that `drill serve` hands out as they are.
        self.cmd("node", &["e2e/precompress.mjs", "dist"]).run()
    }

    /// The path of a `drill` binary that has a `serve` subcommand, if there is one.
    /// The drill crate is written concurrently by others: a missing crate, a build error or
    /// a help text without `serve` all mean "not yet", and callers fall back.
    ///
    /// `DrillBuild::LikeTests` asks for the binary that `cargo test --workspace` already
    /// built (with dev-dependency features unified, so nothing is rebuilt); a plain
    /// `cargo build --bin drill` would resolve other features and recompile tokio, hyper…
    fn drill_serve_binary(&mut self, build: DrillBuild) -> Option<PathBuf> {
        if !self.root.join("crates/drill/Cargo.toml").is_file() {
            println!("xtask: crates/drill does not exist yet; no `drill serve`");
            return None;
        }
        let attempts: &[&[&str]] = match build {
            DrillBuild::Release => &[&["-p", "drill", "--release", "--bin", "drill"]],
            // Integration tests need the real binary, so `--workspace --tests` (the same
            // selection, hence the same features, as `cargo test --workspace`) finds the one
            // cargo test made, fresh. Without integration tests, build the bin alone.
            DrillBuild::LikeTests => &[
                &["--workspace", "--tests"],
                &["-p", "drill", "--bin", "drill"],
            ],
        };
        let mut bin = None;
        for extra in attempts {
            let mut args = vec!["build", "--message-format=json-render-diagnostics"];
            args.extend_from_slice(extra);
            match self.cmd("cargo", &args).run_quiet_stdout() {
                Ok(out) => {
                    bin = drill_executable(&out);
                    if bin.is_some() {
                        break;
                    }
                }
                Err(e) => {
                    println!("xtask: the drill binary does not build ({e}); no `drill serve`");
                    return None;
                }
            }
        }
        let Some(bin) = bin else {
            println!("xtask: cargo built no `drill` binary; no `drill serve`");
            return None;
        };
        let help = capture(bin.to_str()?, &["--help"]).unwrap_or_default();
        let has_serve = help
            .lines()
            .any(|l| l.split_whitespace().next() == Some("serve"));
        if has_serve {
            println!("xtask: `{} --help` lists `serve`", bin.display());
            Some(bin)
        } else {
            println!("xtask: `drill --help` has no `serve` subcommand yet");
            None
        }
    }

    /// Serves dist/ on a free loopback port, for the e2e tests and browser benches:
    /// `drill serve` if it exists, else e2e/serve.mjs. The server is killed when the returned guard is dropped.
    ///
    /// `drill serve` gets a fresh SQLite database in a temporary directory (removed with the
    /// guard), so tests never write into the repository's data/, and a random admin token
    /// (`QD_ADMIN_TOKEN`, handed to the tests through the guard) so they can create
    /// competitions.
    fn start_static_server(&mut self, drill: DrillBuild) -> Result<Server> {
        let dist = self.root.join("dist");
        if !dist.join("index.html").is_file() {
            bail!("dist/index.html is missing: the trunk build did not run");
        }
        if let Some(bin) = self.drill_serve_binary(drill) {
            let addr = free_loopback_addr()?;
            let addr_s = addr.to_string();
            let temp = TempDir::new("qd-serve")?;
            let db = temp.path.join("drill.db");
            let db_s = db.to_string_lossy().into_owned();
            let token = random_token();
            let cmd = self
                .cmd(
                    bin.to_str().unwrap(),
                    &["serve", "--addr", &addr_s, "--dist", "dist", "--db", &db_s],
                )
                .env("QD_ADMIN_TOKEN", &token);
            match Server::start(cmd, addr) {
                Ok(mut s) => {
                    s.admin_token = Some(token);
                    s.temp_dir = Some(temp);
                    return Ok(s);
                }
                Err(e) => println!(
                    "xtask: `drill serve` did not come up ({e}); falling back to e2e/serve.mjs"
                ),
            }
        }
        let addr = free_loopback_addr()?;
        let port = addr.port().to_string();
        let cmd = self.cmd(
            "node",
            &[
                "e2e/serve.mjs",
                "--dir",
                "dist",
                "--host",
                "127.0.0.1",
                "--port",
                &port,
            ],
        );
        Server::start(cmd, addr)
    }

    // ---------------------------------------------------------------- bookkeeping

    /// Runs one named step, timing it; an error is prefixed with the step's name.
    fn step<T>(&mut self, name: &str, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        println!("\n==> {name}");
        let start = Instant::now();
        let result = f(self);
        let elapsed = start.elapsed();
        let outcome = match &result {
            Ok(_) => "ok",
            Err(_) => "FAILED",
        };
        println!("<== {name}: {outcome} in {}", fmt_duration(elapsed));
        self.steps.push(StepRecord {
            name: name.to_string(),
            elapsed,
            outcome,
        });
        result.map_err(|e| Error(format!("step `{name}` failed: {e}")))
    }

    fn skip(&mut self, name: &str, why: &str) {
        println!("\n==> {name}: skipped ({why})");
        self.steps.push(StepRecord {
            name: name.to_string(),
            elapsed: Duration::ZERO,
            outcome: "skipped",
        });
    }

    /// Notes that a setup check found its tool present; the step's record says "ok".
    fn present(&mut self, what: &str) -> Result {
        println!("xtask: {what}, nothing to do");
        Ok(())
    }

    fn cmd(&self, program: &str, args: &[&str]) -> Cmd {
        let mut command = Command::new(program);
        command.args(args).current_dir(&self.root);
        Cmd {
            command,
            display: display_command(program, args),
        }
    }

    fn print_timings(&self, cmd: &str) {
        if self.steps.is_empty() {
            return;
        }
        let total: Duration = self.steps.iter().map(|s| s.elapsed).sum();
        println!("\n== xtask {cmd}: steps ==");
        for s in &self.steps {
            println!(
                "  {:>8}  {:<7}  {}",
                fmt_duration(s.elapsed),
                s.outcome,
                s.name
            );
        }
        println!("  {:>8}  total", fmt_duration(total));
    }

    /// The closing line, in the plain "N passed, N failed, N skipped" form, summed over
    /// every runner (libtest, wasm-bindgen-test-runner, node --test).
    fn print_test_summary(&self, ok: bool) {
        let c = self.counts;
        if ok {
            println!("xtask test: all steps passed");
        } else if c.failed == 0 {
            // A build or set-up step failed: say so rather than report "0 failed".
            println!(
                "xtask test: stopped before all tests ran ({} passed so far)",
                c.passed
            );
            return;
        }
        println!(
            "xtask: {} passed, {} failed, {} skipped",
            c.passed, c.failed, c.skipped
        );
    }
}

// -------------------------------------------------------------------- commands

/// A command that prints itself before it runs and reports failure with its own text.
struct Cmd {
    command: Command,
    display: String,
}

impl Cmd {
    fn env(mut self, key: &str, value: &str) -> Self {
        self.command.env(key, value);
        self
    }

    fn announce(&self) {
        println!("$ {}", self.display);
        let _ = io::stdout().flush();
    }

    fn check(&self, status: ExitStatus) -> Result {
        if status.success() {
            Ok(())
        } else {
            bail!("`{}` exited with {}", self.display, describe_status(status))
        }
    }

    fn spawn_error(&self, e: io::Error) -> Error {
        Error(format!("cannot run `{}`: {e}", self.display))
    }

    /// Runs with inherited stdio.
    fn run(mut self) -> Result {
        self.announce();
        let status = self.command.status().map_err(|e| self.spawn_error(e))?;
        self.check(status)
    }

    /// Runs with stdout echoed line by line and returned, stderr inherited.
    fn run_capturing(mut self) -> Result<String> {
        let mut out = String::new();
        let status = self.run_echoing(|line| {
            out.push_str(line);
            out.push('\n');
        })?;
        self.check(status)?;
        Ok(out)
    }

    /// Runs with stdout echoed line by line, handing each line to `each`; stderr inherited.
    /// Returns the exit status unchecked, for the caller to judge.
    fn run_echoing(&mut self, mut each: impl FnMut(&str)) -> Result<ExitStatus> {
        self.announce();
        let mut child = self
            .command
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| self.spawn_error(e))?;
        let stdout = child.stdout.take().unwrap();
        let mio = io::stdout();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap_or_default();
            let mut lock = mio.lock();
            let _ = writeln!(lock, "{line}");
            let _ = lock.flush();
            each(&line);
        }
        child.wait().map_err(|e| self.spawn_error(e))
    }

    /// Runs with stdout captured but not echoed (cargo's JSON messages), stderr inherited.
    fn run_quiet_stdout(mut self) -> Result<String> {
        self.announce();
        let out = self
            .command
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| self.spawn_error(e))?;
        self.check(out.status)?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Like `run_capturing`, adding the test counts of the runner's closing lines to
    /// `counts` even when the command fails.
    fn run_counting(mut self, counts: &mut Counts) -> Result {
        let status = self.run_echoing(|line| count_line(line, counts))?;
        self.check(status)
    }
}

/// Adds the counts of one closing line of libtest / wasm-bindgen-test
/// ("test result: ok. 3 passed; 0 failed; 1 ignored; ...") or node's test runner
/// (TAP "# pass 3", spec "ℹ pass 3", and the same for fail / skipped / todo).
fn count_line(line: &str, counts: &mut Counts) {
    let t = line.trim();
    if let Some(rest) = t.strip_prefix("test result:") {
        for part in rest.split(';') {
            let mut words = part.split_whitespace().rev();
            let (Some(kind), Some(n)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(n) = n.parse::<u64>() else { continue };
            match kind {
                "passed" => counts.passed += n,
                "failed" => counts.failed += n,
                "ignored" => counts.skipped += n,
                _ => {}
            }
        }
        return;
    }
    let rest = t.strip_prefix("# ").or_else(|| t.strip_prefix("ℹ "));
    if let Some(rest) = rest {
        let mut words = rest.split_whitespace();
        if let (Some(kind), Some(n), None) = (words.next(), words.next(), words.next()) {
            if let Ok(n) = n.parse::<u64>() {
                match kind {
                    "pass" => counts.passed += n,
                    "fail" => counts.failed += n,
                    "skipped" | "todo" => counts.skipped += n,
                    _ => {}
                }
            }
        }
    }
}

/// Criterion's result lines ("name   time:   [1.0 ms 1.1 ms 1.2 ms]"; a long name stands
/// on the line before), as "sim  name  time: [...]".
fn criterion_figures(out: &str) -> Vec<String> {
    let mut figures = Vec::new();
    let mut previous = "";
    for line in out.lines() {
        // "time:" then "[": not a test named like `time::tests::…`.
        let at = line.match_indices("time:").map(|(i, _)| i).find(|&i| {
            let after = &line[i + "time:".len()..];
            after.starts_with(char::is_whitespace) && after.trim_start().starts_with('[')
        });
        if let Some(i) = at {
            let name = match line[..i].trim() {
                "" => previous.trim(),
                n => n,
            };
            figures.push(format!("sim      {name}  {}", line[i..].trim()));
        }
        if !line.trim().is_empty() {
            previous = line;
        }
    }
    figures
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

/// Runs a command quietly and returns its stdout, or None if it cannot run or fails.
fn capture(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn describe(found: &Option<String>) -> String {
    match found {
        Some(v) => format!("`{}`", v.trim()),
        None => "missing".to_string(),
    }
}

fn describe_status(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit code {code}"),
        None => {
            #[cfg(unix)]
            {
                use std::os::unix::process::ExitStatusExt;
                if let Some(sig) = status.signal() {
                    return format!("signal {sig}");
                }
            }
            "an unknown status".to_string()
        }
    }
}

fn display_command(program: &str, args: &[&str]) -> String {
    let quote = |s: &str| {
        if !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+".contains(c))
        {
            s.to_string()
        } else {
            format!("'{}'", s.replace('\'', r"'\''"))
        }
    };
    std::iter::once(program)
        .chain(args.iter().copied())
        .map(quote)
        .collect::<Vec<_>>()
        .join(" ")
}

// -------------------------------------------------------------------- servers

/// A background server; killed (and reaped) on drop.
struct Server {
    child: Child,
    base_url: String,
    display: String,
    /// `drill serve`'s admin token (None for the static fallback server).
    admin_token: Option<String>,
    /// `drill serve`'s temporary database directory; removed after the server is killed.
    temp_dir: Option<TempDir>,
}

/// A directory under the system temp dir, removed (with its contents) on drop.
struct TempDir {
    path: PathBuf,
}

impl TempDir {
    fn new(prefix: &str) -> Result<TempDir> {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = env::temp_dir().join(format!("{prefix}-{}-{nanos}", process::id()));
        fs::create_dir_all(&path)
            .map_err(|e| Error(format!("cannot create {}: {e}", path.display())))?;
        Ok(TempDir { path })
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// 192 random bits as hex, from std's per-process random hash keys (std only: no rand).
fn random_token() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    (0..3u64)
        .map(|i| {
            let mut h = RandomState::new().build_hasher();
            h.write_u64(i);
            h.write_u128(nanos);
            h.write_u32(process::id());
            format!("{:016x}", h.finish())
        })
        .collect()
}

impl Server {
    /// Starts `cmd` and waits until `addr` accepts connections (at most 60 s).
    fn start(mut cmd: Cmd, addr: SocketAddr) -> Result<Server> {
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
            admin_token: None,
            temp_dir: None,
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

// -------------------------------------------------------------------- files

/// Whether a package has browser tests: any .rs file under src/ or tests/ that uses
/// wasm-bindgen-test.
fn has_wasm_tests(package_dir: &Path) -> bool {
    ["src", "tests"].iter().any(|d| {
        any_file(&package_dir.join(d), &|p| {
            p.extension().is_some_and(|x| x == "rs")
                && fs::read_to_string(p).is_ok_and(|t| t.contains("wasm_bindgen_test"))
        })
    })
}

/// Whether e2e/ has test files that `node --test e2e/` runs.
fn has_e2e_tests(dir: &Path) -> bool {
    any_file(dir, &|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".test.mjs"))
    })
}

fn any_file(dir: &Path, pred: &dyn Fn(&Path) -> bool) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.filter_map(|e| e.ok()).any(|e| {
        let p = e.path();
        if p.is_dir() {
            any_file(&p, pred)
        } else {
            pred(&p)
        }
    })
}

fn mtime(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The value of a `key = "value"` line of TOML, if `line` is one.
fn toml_string(line: &str, key: &str) -> Option<String> {
    let rest = line
        .strip_prefix(key)?
        .trim_start()
        .strip_prefix('=')?
        .trim();
    Some(rest.strip_prefix('"')?.split('"').next()?.to_string())
}

fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1}s")
    } else {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_libtest_and_node_closing_lines() {
        let mut c = Counts::default();
        count_line("test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s", &mut c);
        count_line(
            "test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out",
            &mut c,
        );
        count_line("# pass 4", &mut c);
        count_line("# fail 0", &mut c);
        count_line("ℹ skipped 2", &mut c);
        count_line("# Subtest: pass 5 things", &mut c);
        assert_eq!((c.passed, c.failed, c.skipped), (8, 2, 3));
    }

    #[test]
    fn reads_toml_strings() {
        assert_eq!(
            toml_string(r#"version = "0.2.130""#, "version").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(
            toml_string(r#"wasm_bindgen = "0.2.130" # pin"#, "wasm_bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(toml_string(r#"wasm_bindgen_x = "1""#, "wasm_bindgen"), None);
        assert_eq!(toml_string("name = 3", "name"), None);
    }

    #[test]
    fn criterion_names_from_same_or_previous_line() {
        let out = "tick/1000               time:   [1.0 ms 1.1 ms 1.2 ms]\n\
                   test time::tests::clock_round_trips ... ignored\n\
                   a/very/long/benchmark/name/that/wraps\n                        time:   [2.0 µs 2.1 µs 2.2 µs]\n";
        assert_eq!(
            criterion_figures(out),
            vec![
                "sim      tick/1000  time:   [1.0 ms 1.1 ms 1.2 ms]".to_string(),
                "sim      a/very/long/benchmark/name/that/wraps  time:   [2.0 µs 2.1 µs 2.2 µs]"
                    .to_string(),
            ]
        );
    }

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
    fn admin_tokens_are_48_hex_digits_and_differ() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 48);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn temp_dirs_are_removed_on_drop() {
        let t = TempDir::new("qd-xtask-test").unwrap();
        let p = t.path.clone();
        fs::write(p.join("f"), "x").unwrap();
        drop(t);
        assert!(!p.exists());
    }

    #[test]
    fn quotes_commands_for_display() {
        assert_eq!(
            display_command("cargo", &["test", "--workspace"]),
            "cargo test --workspace"
        );
        assert_eq!(display_command("sh", &["-c", "a b"]), "sh -c 'a b'");
    }
}
