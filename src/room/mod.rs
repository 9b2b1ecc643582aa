//! Team drills (issue 14), boards bundle only: `#room` opens a room (the host picks the
//! scenario and seed) or joins one by its code, `#room=CODE` picks a role and plays.
//!
//! `model.rs` is the member's state, pure and tested natively: the server's messages in,
//! the sim run by `quorum_proto::lockstep::Follower` from the room's ordered log, the
//! member's answers out. `view.rs` is the shell: the browser's WebSocket (gloo-net), the
//! lobby and one screen per role, reusing the drill's console and panels through
//! `SimHandle::following`. The protocol is `quorum_proto::team`'s, as the server speaks it.

pub mod model;
mod view;

pub use view::RoomScreen;

#[cfg(test)]
mod tests;
