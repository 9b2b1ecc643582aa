//! `cargo xtask test`: every check, in order, stopping at the first failure. Nothing is
//! skipped and nothing falls back: a step that cannot run fails the command, naming why.
//!
//! 1. setup;
//! 2. static checks: rustfmt, clippy (native, and the game and sim for wasm32), every
//!    workspace member inheriting `[workspace.lints]`;
//! 3. native tests: the PostgreSQL step first (`POSTGRES_TESTS`, then the HTTP suites
//!    again with `QD_TEST_BACKEND=postgres`), then the workspace;
//! 4. browser tests of each wasm package, whose passed count must equal the
//!    `#[wasm_bindgen_test]`s in its sources and reach a recorded minimum;
//! 5. the release build and the bundle budget;
//! 6. `drill serve` and the e2e tests against it, then `E2E_ON_POSTGRES` again against a
//!    `drill serve` on a throwaway PostgreSQL cluster;
//! 7. `drill live` and its conformance stories with the official aws CLI, curl and
//!    elasticsearch8, from a virtual environment this step creates (`target/live-venv`,
//!    e2e/live/requirements.txt pinned); a missing python3 or venv fails the step.
//!
//! A step that runs tests must run at least one, and a green run has no skipped or
//! ignored test.

use std::fs;

use crate::exec::Counts;
use crate::files::{count_wasm_tests, files_under, inherits_workspace_lints, workspace_members};
use crate::serve::DrillBuild;
use crate::{Error, Result, Xtask, CHROMEDRIVER, WASM_TARGET};

/// The browser-test packages and the fewest `#[wasm_bindgen_test]`s each may have. A test
/// deleted (or its file left out of the build) fails the run; lower a minimum only on
/// purpose, in the commit that removes the tests.
pub const WASM_PACKAGES: &[(&str, &str, usize)] =
    &[("quorum-drill", ".", 49), ("quorum-sim", "crates/sim", 1)];

/// `crates/drill/tests/` targets that run on PostgreSQL (a throwaway cluster each test
/// binary starts with Debian's initdb/pg_ctl and stops at its exit: `tests/common/pg.rs`).
/// Run first as their own step, so that its time is the PostgreSQL step's; `cargo test
/// --workspace` runs them again with the rest.
pub const POSTGRES_TESTS: &[&str] = &["store", "scaleout", "trainers"];
/// The HTTP suites that run a second time on PostgreSQL (`QD_TEST_BACKEND=postgres`: each
/// test's server on a fresh database of the test cluster), in the same step.
pub const HTTP_SUITES_ON_POSTGRES: &[&str] = &["api", "fair", "daily", "modes", "proto"];

/// The e2e files that run a second time against `drill serve` on PostgreSQL (issue 13:
/// the trainer's pages, and the boards, on both databases).
pub const E2E_ON_POSTGRES: &[&str] = &["trainer.test.mjs", "leaderboard.test.mjs"];

/// The groups of steps `cargo xtask test <group>...` can run alone (setup always runs).
pub const GROUPS: &[&str] = &["static", "native", "wasm", "bundle", "e2e", "live"];

impl Xtask {
    /// The whole suite, or with `only` (e.g. `cargo xtask test static wasm`), just those
    /// groups of steps (see `GROUPS`), for a quick check while working; CI runs them all.
    pub fn test(&mut self, only: &[String]) -> Result {
        for g in only {
            if !GROUPS.contains(&g.as_str()) {
                bail!("unknown step group `{g}`: one of {}", GROUPS.join(", "));
            }
        }
        let want = |g: &str| only.is_empty() || only.iter().any(|o| o == g);
        self.setup()?;
        if want("static") {
            self.static_checks()?;
        }

        if want("native") {
            self.step(
                "PostgreSQL stories (cargo test --workspace --test …)",
                |x| {
                    let mut args = vec!["test", "--workspace"];
                    for name in POSTGRES_TESTS {
                        let file = x.root.join("crates/drill/tests").join(format!("{name}.rs"));
                        if !file.is_file() {
                            bail!(
                                "{} is gone: the PostgreSQL stories would not run",
                                file.display()
                            );
                        }
                        args.extend(["--test", name]);
                    }
                    x.cmd("cargo", &args)
                        .run_counting(&mut x.counts)
                        .and_then(ran_some)?;
                    let mut args = vec!["test", "--workspace"];
                    for name in HTTP_SUITES_ON_POSTGRES {
                        args.extend(["--test", name]);
                    }
                    x.cmd("cargo", &args)
                        .env("QD_TEST_BACKEND", "postgres")
                        .run_counting(&mut x.counts)
                        .and_then(ran_some)
                },
            )?;
            self.step("cargo test --workspace (native)", |x| {
                x.cmd("cargo", &["test", "--workspace"])
                    .run_counting(&mut x.counts)
                    .and_then(ran_some)
            })?;
        }

        if want("wasm") {
            for &(package, dir, minimum) in WASM_PACKAGES {
                let name = format!("cargo test --target {WASM_TARGET} -p {package}");
                self.step(&name, |x| x.wasm_tests(package, dir, minimum))?;
            }
        }

        if want("bundle") || want("e2e") {
            self.build()?;
        }
        if want("bundle") {
            self.step("bundle budget", |x| x.check_bundle_budget())?;
        }

        if want("e2e") {
            self.e2e_tests()?;
        }

        if want("live") {
            self.live_stories()?;
        }

        if self.counts.skipped > 0 {
            bail!(
                "{} test(s) were skipped or ignored: a green run skips none (see `ignored` / `skipped` above)",
                self.counts.skipped
            );
        }
        Ok(())
    }

    /// `drill serve` (no fallback), then `node --test e2e/` against it.
    /// The `drill live` stories (e2e/live/stories.py) with the pinned official clients.
    fn live_stories(&mut self) -> Result {
        let venv = self.root.join("target/live-venv");
        let requirements = self.root.join("e2e/live/requirements.txt");
        let python = venv.join("bin/python");
        let stamp = venv.join("requirements.installed");
        let wanted = fs::read_to_string(&requirements)
            .map_err(|e| Error(format!("cannot read {}: {e}", requirements.display())))?;
        let installed = fs::read_to_string(&stamp).unwrap_or_default();
        let venv_s = venv.to_string_lossy().into_owned();
        let python_s = python.to_string_lossy().into_owned();
        let req_s = requirements.to_string_lossy().into_owned();
        self.step("live: python3 -m venv + pinned clients", |x| {
            if installed == wanted && python.exists() {
                return x.present("target/live-venv has e2e/live/requirements.txt installed");
            }
            x.cmd("python3", &["-m", "venv", "--clear", &venv_s])
                .run()?;
            x.cmd(
                &python_s,
                &[
                    "-m",
                    "pip",
                    "install",
                    "--no-input",
                    "--disable-pip-version-check",
                    "-r",
                    &req_s,
                ],
            )
            .run()?;
            fs::write(&stamp, &wanted).map_err(|e| Error(format!("cannot write the stamp: {e}")))
        })?;
        self.step("live: cargo build -p drill", |x| {
            x.cmd("cargo", &["build", "-p", "drill"]).run()
        })?;
        let drill = self.root.join("target/debug/drill");
        let drill_s = drill.to_string_lossy().into_owned();
        self.step("live: e2e/live/stories.py", |x| {
            let out = x
                .cmd(&python_s, &["e2e/live/stories.py", "--drill", &drill_s])
                .run_capturing()?;
            let passed = out.lines().filter(|l| l.starts_with("ok   ")).count() as u64;
            x.counts.passed += passed;
            if passed == 0 {
                bail!("e2e/live/stories.py ran no story");
            }
            Ok(())
        })
    }

    fn e2e_tests(&mut self) -> Result {
        let e2e = files_under(&self.root.join("e2e"), &|p| {
            p.to_string_lossy().ends_with(".test.mjs")
        });
        if e2e.is_empty() {
            bail!("e2e/ has no *.test.mjs files: the end-to-end tests are gone");
        }
        let server = self.step("start drill serve", |x| {
            x.start_drill_serve(DrillBuild::LikeTests)
        })?;
        let base_url = server.base_url.clone();
        let admin_token = server.admin_token.clone();
        let result = self.step("node --test e2e/", |x| {
            x.cmd("node", &["--test", "e2e/"])
                .env("QD_BASE_URL", &base_url)
                .env("QD_ADMIN_TOKEN", &admin_token)
                .run_counting(&mut x.counts)
                .and_then(ran_some)
        });
        drop(server); // Kills it, whether or not the tests passed.
        result?;
        self.step("node --test e2e/ on PostgreSQL", |x| x.e2e_on_postgres())
    }

    /// The browser stories of the server's stores (`E2E_ON_POSTGRES`) again, against a
    /// `drill serve` on a throwaway PostgreSQL cluster (`pg.rs`): the same pages on both
    /// databases.
    fn e2e_on_postgres(&mut self) -> Result {
        let mut files = Vec::new();
        for name in E2E_ON_POSTGRES {
            let file = format!("e2e/{name}");
            if !self.root.join(&file).is_file() {
                bail!("{file} is gone: the browser tests on PostgreSQL would not run");
            }
            files.push(file);
        }
        let cluster = crate::pg::Cluster::start()?;
        let server = self.start_drill_serve_on(DrillBuild::LikeTests, Some(&cluster.url))?;
        let (base_url, admin_token) = (server.base_url.clone(), server.admin_token.clone());
        let mut args = vec!["--test"];
        args.extend(files.iter().map(String::as_str));
        let result = self
            .cmd("node", &args)
            .env("QD_BASE_URL", &base_url)
            .env("QD_ADMIN_TOKEN", &admin_token)
            .run_counting(&mut self.counts)
            .and_then(ran_some);
        drop(server);
        drop(cluster);
        result
    }

    /// rustfmt, clippy with warnings denied (natively for every target of every member,
    /// for the game and the sim on wasm32, and for the game without its boards), and the
    /// lint inheritance of every member.
    fn static_checks(&mut self) -> Result {
        self.step("cargo fmt --all --check", |x| {
            x.cmd("cargo", &["fmt", "--all", "--check"]).run()
        })?;
        self.step("cargo clippy --workspace --all-targets", |x| {
            x.cmd(
                "cargo",
                &[
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ],
            )
            .run()
        })?;
        // The game's browser-only code (cfg(target_arch = "wasm32")) and its wasm tests.
        self.step(&format!("cargo clippy --target {WASM_TARGET}"), |x| {
            x.cmd(
                "cargo",
                &[
                    "clippy",
                    "--target",
                    WASM_TARGET,
                    "-p",
                    "quorum-drill",
                    "-p",
                    "quorum-sim",
                    "--lib",
                    "--bins",
                    "--tests",
                    "--",
                    "-D",
                    "warnings",
                ],
            )
            .run()
        })?;
        // The trainee's bundle (index.html) builds the game without its `boards` feature:
        // its own cfg arms (the hand-over to boards.html) are linted too.
        self.step(
            &format!(
                "cargo clippy --target {WASM_TARGET} --no-default-features (index.html's game)"
            ),
            |x| {
                x.cmd(
                    "cargo",
                    &[
                        "clippy",
                        "--target",
                        WASM_TARGET,
                        "-p",
                        "quorum-drill",
                        "--no-default-features",
                        "--lib",
                        "--bins",
                        "--",
                        "-D",
                        "warnings",
                    ],
                )
                .run()
            },
        )?;
        self.step("every member inherits [workspace.lints]", |x| {
            x.check_lints_inherited()
        })
    }

    /// Every workspace member's Cargo.toml has `[lints] workspace = true`, so the
    /// workspace's `unsafe_code = "forbid"` and clippy set reach a crate added later too.
    fn check_lints_inherited(&mut self) -> Result {
        let read = |p: &std::path::Path| {
            fs::read_to_string(p).map_err(|e| Error(format!("cannot read {}: {e}", p.display())))
        };
        let root_manifest = read(&self.root.join("Cargo.toml"))?;
        let members = workspace_members(&root_manifest);
        if members.is_empty() {
            bail!("the root Cargo.toml lists no workspace members");
        }
        let mut missing = Vec::new();
        for member in &members {
            let manifest = self.root.join(member).join("Cargo.toml");
            if !inherits_workspace_lints(&read(&manifest)?) {
                missing.push(format!("{member}/Cargo.toml"));
            }
        }
        if !missing.is_empty() {
            bail!(
                "{} lack `[lints] workspace = true`: add it so the workspace lints apply",
                missing.join(", ")
            );
        }
        println!(
            "xtask: all {} members inherit [workspace.lints]",
            members.len()
        );
        Ok(())
    }

    /// The browser tests of one package in headless Chromium. They must all run: as many
    /// passed as the package's sources hold `#[wasm_bindgen_test]`s, and at least `minimum`.
    fn wasm_tests(&mut self, package: &str, dir: &str, minimum: usize) -> Result {
        let in_sources = count_wasm_tests(&self.root.join(dir));
        println!("xtask: {in_sources} #[wasm_bindgen_test] in {dir}/src and {dir}/tests (minimum {minimum})");
        if in_sources < minimum {
            bail!(
                "{package} has {in_sources} #[wasm_bindgen_test]s, fewer than the {minimum} recorded in xtask/src/test.rs: \
                 a browser test was deleted"
            );
        }
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
        let ran = self
            .cmd("cargo", &["test", "--target", WASM_TARGET, "-p", package])
            .env("CHROMEDRIVER", CHROMEDRIVER)
            .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver_json)
            .run_counting(&mut self.counts)?;
        wasm_counts_agree(package, in_sources, ran)
    }
}

/// A test step that ran no test did not test anything: fail it.
fn ran_some(c: Counts) -> Result {
    if c.passed + c.failed == 0 {
        bail!("it ran no test");
    }
    Ok(())
}

fn wasm_counts_agree(package: &str, in_sources: usize, ran: Counts) -> Result {
    if ran.passed != in_sources as u64 {
        bail!(
            "{package}: {} browser tests passed but its sources hold {in_sources} #[wasm_bindgen_test]s: \
             some did not run (a test file left out of the build, or cfg'd away?)",
            ran.passed
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wasm_test_in_the_sources_must_pass() {
        let ran = |passed| Counts {
            passed,
            failed: 0,
            skipped: 0,
        };
        assert!(wasm_counts_agree("p", 3, ran(3)).is_ok());
        let err = wasm_counts_agree("p", 3, ran(2)).unwrap_err().0;
        assert!(
            err.contains("2 browser tests passed but its sources hold 3"),
            "{err}"
        );
        assert!(ran_some(ran(0)).is_err());
        assert!(ran_some(ran(1)).is_ok());
    }

    #[test]
    fn the_recorded_minimums_hold_for_this_checkout() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap();
        for &(package, dir, minimum) in WASM_PACKAGES {
            let n = count_wasm_tests(&root.join(dir));
            assert!(n >= minimum, "{package}: {n} < {minimum}");
        }
    }

    #[test]
    fn every_member_of_this_workspace_inherits_the_lints() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap();
        let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
        let members = workspace_members(&manifest);
        assert!(members.contains(&"xtask".to_string()), "{members:?}");
        for m in members {
            let text = fs::read_to_string(root.join(&m).join("Cargo.toml")).unwrap();
            assert!(inherits_workspace_lints(&text), "{m}");
        }
    }
}
