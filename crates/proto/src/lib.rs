//! What the Quorum Drill game and its leaderboard server (`drill serve`) share, written once:
//!
//! * [`names`]: which player, team and competition names the leaderboard accepts, and why
//!   not (the server's sentences, and the game's Japanese for them);
//! * [`code`]: the competition join-code alphabet and how a typed code is read;
//! * [`rank`]: the ranking rules (runs on a leaderboard; players and teams in a competition);
//! * [`api`]: every request and response body of the HTTP API, with serde. The server
//!   answers with these types and the game decodes its answers into the same types;
//! * [`trainer`]: the trainer API (cohorts, assignments, the dashboard, comments);
//! * [`team`]: the team-drill room protocol (roles, intents, the stamped log; issue 14);
//! * [`decode`]: how the game reads an answer into an [`api`] type without serde's
//!   deserializers (see that module for the bundle-size reason), generic over the JSON
//!   value so that a native test runs the very same decoder on the server's real answers.
//!
//! The crate compiles for `wasm32-unknown-unknown` with only what the browser needs: it
//! depends on the simulator core (for [`quorum_sim::Replay`] and scenario text), serde and
//! serde_json, which the game links anyway.

#![forbid(unsafe_code)]

pub mod api;
pub mod code;
pub mod decode;
pub mod lockstep;
pub mod names;
pub mod rank;
pub mod team;
pub mod trainer;
