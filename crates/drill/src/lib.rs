//! Quorum Drill's headless side: the `drill` CLI (run drills, verify replays, lint scenario
//! files) and `drill serve`, the leaderboard server that re-simulates every submitted replay
//! with the simulator core and stores only the score it computed itself.
//!
//! See `crates/drill/README.md` for the CLI, the HTTP API with examples, and how to run a
//! competition. What the server shares with the game (name rules, join codes, ranking, the
//! API's request and response types) is in `quorum-proto` (`crates/proto`).

#![forbid(unsafe_code)]

pub mod db;
pub mod live;
pub mod ratelimit;
pub mod report_text;
pub mod server;
pub mod store;
pub mod timefmt;
