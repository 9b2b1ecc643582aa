//! `cargo xtask bench`: the simulator's criterion bench, the leaderboard server's submit
//! and competition-table benches (the latter fails the run when its p99 target is missed),
//! `drill live`'s latency and clock-drift bench, then the browser benches (e2e/bench.mjs) against a fresh release build served by
//! `drill serve`; closes with every figure, the download size first.

use crate::build::{BUNDLE_BUDGET_BYTES, DATA_BUDGET_BYTES};
use crate::files::thousands;
use crate::serve::DrillBuild;
use crate::{Result, Xtask};

impl Xtask {
    pub fn bench(&mut self) -> Result {
        let mut figures = Vec::new();
        self.step("cargo bench -p quorum-sim", |x| {
            let out = x
                .cmd("cargo", &["bench", "-p", "quorum-sim"])
                .run_capturing()?;
            figures.extend(criterion_figures(&out));
            Ok(())
        })?;

        // The leaderboard server: verified submissions per second and submit latency at 50
        // and at 500 concurrent clients, and its RSS after the 500-client burst
        // (crates/drill/benches/submit.rs). A missed target (issue 12) exits nonzero, which
        // fails this step and the bench, after the figures are echoed.
        self.step("cargo bench -p drill --bench submit", |x| {
            let out = x
                .cmd("cargo", &["bench", "-p", "drill", "--bench", "submit"])
                .run_capturing()?;
            figures.extend(
                out.lines()
                    .filter(|l| {
                        l.contains("/s")
                            || l.contains("latency")
                            || l.contains("memory")
                            || l.contains("clients /")
                    })
                    .map(|l| format!("server   {}", l.trim())),
            );
            Ok(())
        })?;

        // The competition table of 10,000 runs: one page (50 players + 50 teams) must come
        // back in p99 <= 20 ms (crates/drill/benches/tables.rs); the bench exits non-zero,
        // and this step fails, when it does not.
        self.step("cargo bench -p drill --bench tables", |x| {
            let out = x
                .cmd("cargo", &["bench", "-p", "drill", "--bench", "tables"])
                .run_capturing()?;
            figures.extend(
                out.lines()
                    .filter(|l| l.contains("latency"))
                    .map(|l| format!("server   {}", l.trim())),
            );
            Ok(())
        })?;

        // Issue 13: one vs two `drill serve` processes on PostgreSQL (a throwaway cluster the
        // bench starts), and the dashboard of 200 trainees x 10 assignments on both backends.
        self.step("cargo bench -p drill --bench trainer", |x| {
            let out = x
                .cmd("cargo", &["bench", "-p", "drill", "--bench", "trainer"])
                .run_capturing()?;
            figures.extend(
                out.lines()
                    .filter(|l| {
                        l.starts_with("postgres,")
                            || l.starts_with("scale-out")
                            || l.starts_with("dashboard,")
                    })
                    .map(|l| format!("server   {}", l.trim())),
            );
            Ok(())
        })?;
        // `drill live`: p99 per endpoint under 50 clients at 1x (target <= 5 ms) and the
        // drift of sim time from wall clock x speed over ten sim minutes at 10x (target
        // <= 100 ms) (crates/drill/benches/live.rs); a missed target fails the step.
        self.step("cargo bench -p drill --bench live", |x| {
            let out = x
                .cmd("cargo", &["bench", "-p", "drill", "--bench", "live"])
                .run_capturing()?;
            figures.extend(
                out.lines()
                    .filter(|l| l.starts_with("live "))
                    .map(|l| format!("live     {}", l.trim())),
            );
            Ok(())
        })?;

        // Issue 14: team-drill rooms on loopback (crates/drill/benches/rooms.rs): 50 rooms x 4
        // members, p99 from an operator's intent to the entry at every member (<= 150 ms at
        // 1x, a miss exits 1), RSS and CPU per room, 200 rooms held without a divergence.
        self.step("cargo bench -p drill --bench rooms", |x| {
            let out = x
                .cmd("cargo", &["bench", "-p", "drill", "--bench", "rooms"])
                .run_capturing()?;
            figures.extend(
                out.lines()
                    .filter(|l| l.starts_with("rooms:"))
                    .map(|l| format!("server   {}", l.trim())),
            );
            Ok(())
        })?;

        self.build()?;
        if let Some(total) = self.bundle_bytes {
            let verdict = if total <= BUNDLE_BUDGET_BYTES {
                "within"
            } else {
                "OVER"
            };
            figures.insert(
                0,
                format!(
                    "bundle   download (wasm + js + css, gzip -9): {} bytes, {verdict} the budget of {} bytes",
                    thousands(total),
                    thousands(BUNDLE_BUDGET_BYTES)
                ),
            );
            if let Some(data) = self.data_bytes {
                let verdict = if data <= DATA_BUDGET_BYTES {
                    "within"
                } else {
                    "OVER"
                };
                figures.insert(
                    1,
                    format!(
                        "bundle   scenario pack (gzip -9): {} bytes, {verdict} the budget of {} bytes; first load (code + data): {} bytes",
                        thousands(data),
                        thousands(DATA_BUDGET_BYTES),
                        thousands(total + data)
                    ),
                );
            }
        }
        let server = self.step("start drill serve", |x| {
            x.start_drill_serve(DrillBuild::Release)
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

        println!("\n== bench figures ==");
        for f in &figures {
            println!("{f}");
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
