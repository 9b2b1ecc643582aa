//! `cargo xtask build`: the release game in dist/ (Trunk, then e2e/precompress.mjs), and
//! the size of its download (wasm + js + css at gzip -9, measured by e2e/bundle.mjs), and of
//! the scenario pack the game fetches at start (scenarios-<hash>.txt, its own budget).

use std::fs;

use crate::files::thousands;
use crate::{Error, Result, Xtask};

/// The release download's budget, wasm + js + css at gzip -9 (e2e/bundle.mjs's BUDGET_BYTES).
pub const BUNDLE_BUDGET_BYTES: u64 = 350_000;
/// The scenario pack's budget at gzip -9 (e2e/bundle.mjs's DATA_BUDGET_BYTES, and why).
pub const DATA_BUDGET_BYTES: u64 = 40_000;

impl Xtask {
    pub fn build(&mut self) -> Result {
        self.setup()?;
        self.step("trunk build --release", |x| x.trunk_build())?;
        self.step("bundle size (gzip -9)", |x| x.measure_bundle().map(|_| ()))
    }

    /// Two Trunk builds of the same binary: `index.html`, the trainee's bundle (without the
    /// `boards` feature, into dist/), then `boards.html`, the boards' bundle (with it), built
    /// apart in target/boards-dist (Trunk empties its dist) and merged into dist/: its own
    /// page, wasm and glue; the stylesheets and the scenario pack are the same files.
    fn trunk_build(&mut self) -> Result {
        self.cmd("trunk", &["build", "--release"]).run()?;
        let dist = self.root.join("dist");
        if !dist.join("index.html").is_file() {
            bail!("trunk build left no dist/index.html");
        }
        let boards_dist = self.root.join("target").join("boards-dist");
        let boards_arg = boards_dist.to_string_lossy().into_owned();
        self.cmd(
            "trunk",
            &[
                "build",
                "boards.html",
                "--release",
                "--dist",
                &boards_arg,
                "--html-output",
                "boards.html",
            ],
        )
        .run()?;
        if !boards_dist.join("boards.html").is_file() {
            bail!("trunk build left no {}/boards.html", boards_dist.display());
        }
        let entries = fs::read_dir(&boards_dist)
            .map_err(|e| Error(format!("cannot read {}: {e}", boards_dist.display())))?;
        for entry in entries.filter_map(|e| e.ok()) {
            let path = entry.path();
            if path.is_file() {
                let to = dist.join(entry.file_name());
                fs::copy(&path, &to).map_err(|e| {
                    Error(format!(
                        "cannot copy {} to {}: {e}",
                        path.display(),
                        to.display()
                    ))
                })?;
            }
        }
        // Terser for the glue, one stylesheet, and the .br/.gz copies `drill serve` sends;
        // then `measure_bundle` prints each file's raw and gzip -9 size.
        self.cmd("node", &["e2e/precompress.mjs", "dist"]).run()?;
        let has_wasm = fs::read_dir(&dist)
            .map_err(|e| Error(format!("cannot read dist/: {e}")))?
            .filter_map(|e| e.ok())
            .any(|e| e.path().extension().is_some_and(|x| x == "wasm"));
        if !has_wasm {
            bail!("trunk build produced no .wasm in dist/");
        }
        Ok(())
    }

    /// The gzip -9 total of dist/'s wasm + js + css, printed and remembered for the budget.
    fn measure_bundle(&mut self) -> Result<u64> {
        let out = self
            .cmd("node", &["e2e/bundle.mjs", "dist"])
            .run_capturing()?;
        let boards = total_line(&out, "bundle boards gzip-9 total:").ok_or_else(|| {
            Error("e2e/bundle.mjs printed no `bundle boards gzip-9 total: N bytes` line".into())
        })?;
        let total = total_line(&out, "bundle gzip-9 total:").ok_or_else(|| {
            Error("e2e/bundle.mjs printed no `bundle gzip-9 total: N bytes` line".into())
        })?;
        let data = total_line(&out, "bundle data gzip-9 total:").ok_or_else(|| {
            Error("e2e/bundle.mjs printed no `bundle data gzip-9 total: N bytes` line".into())
        })?;
        println!(
            "xtask: download (wasm + js + css, gzip -9): {} bytes; budget {} bytes",
            thousands(total),
            thousands(BUNDLE_BUDGET_BYTES)
        );
        println!(
            "xtask: boards page (boards.html: the game and the boards, gzip -9): {} bytes, loaded only when a board is opened",
            thousands(boards)
        );
        println!(
            "xtask: scenario pack (gzip -9): {} bytes; budget {} bytes; first load (code + data): {} bytes",
            thousands(data),
            thousands(DATA_BUDGET_BYTES),
            thousands(total + data)
        );
        self.bundle_bytes = Some(total);
        self.data_bytes = Some(data);
        Ok(total)
    }

    /// Fails when the measured download (the code) or the scenario pack (the data) exceeds
    /// its budget, naming the figures.
    pub fn check_bundle_budget(&mut self) -> Result {
        let (Some(total), Some(data)) = (self.bundle_bytes, self.data_bytes) else {
            bail!("the bundle was not measured: the release build did not run");
        };
        if data > DATA_BUDGET_BYTES {
            bail!(
                "the scenario pack is {} bytes (gzip -9), {} bytes over its budget of {} bytes",
                thousands(data),
                thousands(data - DATA_BUDGET_BYTES),
                thousands(DATA_BUDGET_BYTES)
            );
        }
        if total > BUNDLE_BUDGET_BYTES {
            bail!(
                "the release download is {} bytes (wasm + js + css, gzip -9), {} bytes over the budget of {} bytes",
                thousands(total),
                thousands(total - BUNDLE_BUDGET_BYTES),
                thousands(BUNDLE_BUDGET_BYTES)
            );
        }
        println!(
            "xtask: code {} bytes ≤ {} bytes ({} bytes of headroom); data {} bytes ≤ {} bytes",
            thousands(total),
            thousands(BUNDLE_BUDGET_BYTES),
            thousands(BUNDLE_BUDGET_BYTES - total),
            thousands(data),
            thousands(DATA_BUDGET_BYTES)
        );
        Ok(())
    }
}

/// N from e2e/bundle.mjs's "<prefix> N bytes" line (the code's and the data's totals).
fn total_line(out: &str, prefix: &str) -> Option<u64> {
    out.lines().rev().find_map(|l| {
        l.trim()
            .strip_prefix(prefix)?
            .trim()
            .strip_suffix("bytes")?
            .trim()
            .parse()
            .ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_bundle_and_data_totals() {
        let out = "bundle quorum-drill_bg.wasm: 900,000 bytes raw, 330,000 bytes gzip -9\n\
                   bundle data gzip-9 total: 17286 bytes\n\
                   bundle gzip-9 total: 341234 bytes\n";
        let code = "bundle gzip-9 total:";
        let data = "bundle data gzip-9 total:";
        assert_eq!(total_line(out, code), Some(341_234));
        assert_eq!(total_line(out, data), Some(17_286));
        assert_eq!(total_line("bundle gzip-9 total: many bytes\n", code), None);
        assert_eq!(total_line("bundle gzip-9 total: 5 bytes\n", data), None);
        assert_eq!(total_line("", code), None);
    }

    #[test]
    fn the_budget_fails_over_350000_bytes_and_names_the_figure() {
        let mut x = Xtask::for_tests();
        x.bundle_bytes = Some(350_000);
        x.data_bytes = Some(17_286);
        assert!(x.check_bundle_budget().is_ok());
        x.bundle_bytes = Some(355_120);
        let err = x.check_bundle_budget().unwrap_err().0;
        assert!(err.contains("355,120 bytes"), "{err}");
        assert!(err.contains("5,120 bytes over"), "{err}");
        x.bundle_bytes = None;
        assert!(x.check_bundle_budget().is_err());
    }

    #[test]
    fn the_scenario_pack_fails_over_40000_bytes_even_when_the_code_fits() {
        let mut x = Xtask::for_tests();
        x.bundle_bytes = Some(300_000);
        x.data_bytes = Some(40_000);
        assert!(x.check_bundle_budget().is_ok());
        x.data_bytes = Some(41_500);
        let err = x.check_bundle_budget().unwrap_err().0;
        assert!(err.contains("scenario pack is 41,500 bytes"), "{err}");
        assert!(err.contains("1,500 bytes over"), "{err}");
        x.data_bytes = None;
        assert!(
            x.check_bundle_budget().is_err(),
            "the data was not measured"
        );
    }
}
