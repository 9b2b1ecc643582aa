//! `cargo xtask` — set-up, build, run, test and bench automation for Quorum Drill.
//!
//! Usage: `cargo xtask <setup|build|run|test|bench>`. One module per command (`setup`,
//! `build`, `serve` for `run` and the test server, `test`, `bench`), plus `exec`
//! (running commands, reading test counts) and `files` (temp dirs, source scans).
//!
//! Std only, on purpose: it must build fast on a clean clone before anything else exists.
//! Every external command is printed before it runs, and the first failing step stops
//! the task with a message that names the step. See shared/docs/toolchain.md for why each
//! tool is pinned the way it is.

#![forbid(unsafe_code)]

use std::collections::BTreeSet;
use std::env;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process;
use std::time::{Duration, Instant};

macro_rules! bail {
    ($($arg:tt)*) => { return Err($crate::Error(format!($($arg)*))) };
}

mod bench;
mod build;
mod exec;
mod files;
mod pg;
mod serve;
mod setup;
mod test;

use exec::{Cmd, Counts};
use files::fmt_duration;

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup   install what the build and tests need (idempotent, skips what is present)
  build   setup, then `trunk build --release` into dist/, and print the download size
  run     build, then serve the game with `drill serve` on http://127.0.0.1:8080
  test    setup, rustfmt + clippy, native tests, wasm tests in headless Chromium, release
          build + bundle budget (350,000 bytes gzip -9), e2e tests against `drill serve`,
          `drill live` stories with the official aws CLI, curl and elasticsearch8 (venv);
          fails if any step cannot run or any test is skipped;
          `test static native wasm bundle e2e live` runs only the groups named
  bench   simulator and server benches (criterion), then browser benches (e2e/bench.mjs)";

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    if args.len() > 1 && args[0] != "test" {
        eprintln!("xtask: only `test` takes arguments\n\n{USAGE}");
        process::exit(2);
    }
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
        "test" => x.test(&args[1..]),
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
                x.print_test_summary(true, &args[1..]);
            }
        }
        Err(e) => {
            eprintln!();
            eprintln!("xtask {cmd}: FAILED: {e}");
            if cmd == "test" {
                x.print_test_summary(false, &args[1..]);
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

/// Outcome of one named step, for the closing timing table.
struct StepRecord {
    name: String,
    elapsed: Duration,
    outcome: &'static str,
}

struct Xtask {
    root: PathBuf,
    steps: Vec<StepRecord>,
    /// Test counts summed over every runner, for the closing line.
    counts: Counts,
    /// Set once `setup` ran in this invocation, so `run` → `build` → `setup` runs it once.
    setup_done: bool,
    /// The release download at gzip -9, once `build` measured it.
    bundle_bytes: Option<u64>,
    /// The scenario pack (scenarios-<hash>.txt) at gzip -9, measured with the bundle.
    data_bytes: Option<u64>,
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
            bundle_bytes: None,
            data_bytes: None,
        })
    }

    /// An `Xtask` rooted at the workspace, without touching the process's cwd or PATH.
    #[cfg(test)]
    fn for_tests() -> Self {
        Xtask {
            root: Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .unwrap()
                .to_path_buf(),
            steps: Vec::new(),
            counts: Counts::default(),
            setup_done: false,
            bundle_bytes: None,
            data_bytes: None,
        }
    }

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

    /// Notes that a setup check found its tool present; the step's record says "ok".
    fn present(&mut self, what: &str) -> Result {
        println!("xtask: {what}, nothing to do");
        Ok(())
    }

    /// A command run in the workspace root.
    fn cmd(&self, program: &str, args: &[&str]) -> Cmd {
        let mut c = Cmd::new(program, args);
        c.command.current_dir(&self.root);
        c
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
    fn print_test_summary(&self, ok: bool, only: &[String]) {
        let c = self.counts;
        if ok && !only.is_empty() {
            println!(
                "xtask test: the steps of {} passed (not the full suite)",
                only.join(", ")
            );
        } else if ok {
            println!("xtask test: all steps passed");
        } else if c.failed == 0 && c.skipped == 0 {
            // A build, set-up or check step failed: say so rather than report "0 failed".
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
