//! `cargo xtask setup`: installs what building and testing need. Each check is cheap;
//! installs run only when something is missing or at the wrong version.

use std::fs;
use std::path::Path;

use crate::exec::{capture, describe};
use crate::files::{mtime, toml_string};
use crate::{Result, Xtask, CHROMEDRIVER, CHROMIUM, WASM_TARGET};

const TRUNK_VERSION: &str = "0.21.14";

impl Xtask {
    pub fn setup(&mut self) -> Result {
        if self.setup_done {
            return Ok(());
        }
        self.step("setup: wasm32 target", |x| x.setup_wasm_target())?;
        self.step("setup: chromium + chromedriver", |x| x.setup_chromium())?;
        self.step("setup: postgresql", |x| x.setup_postgres())?;
        // Trunk builds with `cargo --offline` (Trunk.toml offline = true), and the wasm
        // tests need wasm-only crates: fetch every locked crate, for all targets, up front.
        // This also writes Cargo.lock if it is missing, which the next steps read.
        self.step("setup: cargo fetch", |x| x.cmd("cargo", &["fetch"]).run())?;
        self.step("setup: trunk", |x| x.setup_trunk())?;
        self.step("setup: wasm-bindgen-cli", |x| x.setup_wasm_bindgen())?;
        self.step("setup: npm packages", |x| x.setup_npm())?;
        self.step("setup: python3 venv + curl (drill live stories)", |x| {
            x.setup_python_venv()
        })?;
        self.setup_done = true;
        Ok(())
    }

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
        const CJK_FONT: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
        // Japanese screenshots need a CJK font (glyphs, not boxes): Debian's fonts-noto-cjk.
        if Path::new(CHROMIUM).exists()
            && Path::new(CHROMEDRIVER).exists()
            && Path::new(CJK_FONT).exists()
        {
            return self.present(&format!(
                "{CHROMIUM}, {CHROMEDRIVER} and {CJK_FONT} present"
            ));
        }
        self.apt_install(&["chromium", "chromium-driver", "fonts-noto-cjk"])
    }

    /// Debian's PostgreSQL server binaries (`initdb`, `pg_ctl`, `postgres` under
    /// `/usr/lib/postgresql/N/bin`): the PostgreSQL stories start a throwaway cluster with
    /// them (`crates/drill/tests/common/pg.rs`), and fail without them.
    fn setup_postgres(&mut self) -> Result {
        if let Some(bin) = postgres_bin() {
            return self.present(&format!("{} present", bin.join("initdb").display()));
        }
        self.apt_install(&["postgresql"])
    }

    /// `apt-get update` and `apt-get install -y` (CI runs as root; a developer who is not
    /// root gets sudo).
    fn apt_install(&mut self, packages: &[&'static str]) -> Result {
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
        let mut install = vec!["install", "-y"];
        install.extend_from_slice(packages);
        self.cmd(prog, &args(&install))
            .env("DEBIAN_FRONTEND", "noninteractive")
            .run()
    }

    /// `drill live`'s stories run the official clients from a virtual environment and type
    /// curl: Debian's python3 lacks `ensurepip` (so `python3 -m venv`) without python3-venv,
    /// and a clean image may lack curl.
    fn setup_python_venv(&mut self) -> Result {
        let venv_ok = capture("python3", &["-c", "import ensurepip, venv"]).is_some();
        let curl_ok = capture("curl", &["--version"]).is_some();
        if venv_ok && curl_ok {
            return self.present("python3 with venv + ensurepip, and curl, present");
        }
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
            &args(&["install", "-y", "python3", "python3-venv", "curl"]),
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
            .map_err(|e| crate::Error(format!("cannot read {}: {e}", lock_path.display())))?;
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
}

/// The newest `/usr/lib/postgresql/N/bin` with an `initdb`, if any.
pub fn postgres_bin() -> Option<std::path::PathBuf> {
    let mut found: Vec<(u32, std::path::PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}
