//! A member's side of a team drill's room, pure (no browser): what the server's messages do
//! to what this member knows, and what the member answers. The shell (`view.rs`) owns the
//! WebSocket, feeds [`Model::receive`] every `ServerMsg` and sends what it returns.
//!
//! The sim is the room's: a [`Follower`] takes the log's entries in order and runs to the
//! server's clock, never past it (an entry is never stamped before the last `clock`), so
//! every member applies each action at the tick the server stamped. The model decides no
//! rule: who may do what is `Role::may`, what is risky the server's forecast, the scores the
//! server's `score_team`.

use std::cell::RefCell;
use std::rc::Rc;

use quorum_proto::lockstep::Follower;
use quorum_proto::team::{
    ClientMsg, Entry, EntryKind, MemberView, Permission, Role, RoomState, ServerMsg, TeamResult,
};
use quorum_sim::action::Action;
use quorum_sim::scenario::{self, Scenario};

/// The connection, as the screen tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Open,
    /// Closed or lost: the shell reconnects (with `last_seq` and the token) unless the drill
    /// has ended.
    Closed,
}

/// A member's room.
pub struct Model {
    pub code: String,
    pub role: Role,
    pub name: String,
    /// The host's key (`POST /api/rooms`): it lets the hello take the game master's seat.
    pub host_key: Option<String>,
    /// This browser's player identity token, sent in every hello: a room that counts for a
    /// competition's team or a cohort seats its members by it (`CountsFor`); others
    /// ignore it.
    pub identity: Option<String>,
    /// This member's seat, from the first welcome: a rejoin keeps it.
    pub token: Option<String>,
    pub room: Option<RoomState>,
    pub scenario: Option<&'static Scenario>,
    /// The sim run from the log (shared with the panels through `SimHandle::following`).
    pub follower: Option<Rc<RefCell<Follower>>>,
    /// Every entry taken, in order.
    pub log: Vec<Entry>,
    /// How far the server's clock lets the sim run.
    pub until_ms: u64,
    pub link: Link,
    /// The server's last refusal (its words: the server speaks English).
    pub refusal: Option<String>,
    /// A member whose checkpoint hash differed: (tick, member).
    pub divergences: Vec<(u64, String)>,
    pub result: Option<TeamResult>,
    /// The welcome's log could not be followed (another room, a sim of another version):
    /// why, in the server's words or this model's.
    pub fatal: Option<String>,
    /// An entry arrived with a gap before it: the shell reconnects to catch up.
    pub resync: bool,
    /// Bumped whenever what a member sees changes (the panels re-render on it).
    pub version: u64,
    /// The last checkpoint this member's sim reached and reported: (tick, event-log hash).
    /// The screen shows it (`data-checkpoint`), so members can be compared.
    pub checkpoint: Option<(u64, String)>,
}

impl Model {
    pub fn new(code: &str, role: Role, name: &str, host_key: Option<String>) -> Model {
        Model {
            code: code.to_string(),
            role,
            name: name.to_string(),
            host_key,
            identity: None,
            token: None,
            room: None,
            scenario: None,
            follower: None,
            log: Vec::new(),
            until_ms: 0,
            link: Link::Connecting,
            refusal: None,
            divergences: Vec::new(),
            result: None,
            fatal: None,
            resync: false,
            version: 0,
            checkpoint: None,
        }
    }

    /// The first message on a (re)connection: a rejoin names the seat and the last entry
    /// held, and the welcome then carries only the entries after it.
    pub fn hello(&self) -> ClientMsg {
        ClientMsg::Hello {
            role: self.role,
            name: self.name.clone(),
            last_seq: self
                .follower
                .as_ref()
                .map(|f| f.borrow().last_seq())
                .filter(|_| self.token.is_some()),
            token: self.token.clone(),
            host_key: self.host_key.clone(),
            identity: self.identity.clone(),
        }
    }

    /// Whether this member's role may do `what` (`Role::may`, the server's rule).
    pub fn may(&self, what: Permission) -> bool {
        self.role.may(what)
    }

    /// Whether this member's console works now: their role may act (`Permission::Propose`:
    /// the operator, whose risky actions the server may hold for the commander, and the
    /// commander, whose actions it never holds), the link is open and the drill goes on.
    /// Otherwise the console is shown read-only.
    pub fn may_act(&self) -> bool {
        self.may(Permission::Propose) && self.link == Link::Open && !self.ended()
    }

    /// One message from the server; what to send back (a checkpoint hash).
    pub fn receive(&mut self, msg: ServerMsg) -> Vec<ClientMsg> {
        self.version += 1;
        match msg {
            ServerMsg::Welcome { room, token, log } => {
                self.link = Link::Open;
                self.resync = false;
                self.refusal = None;
                let Some(s) = scenario::builtin(&room.scenario_id) else {
                    self.fatal = Some(format!(
                        "this game has no scenario {}: reload the page",
                        room.scenario_id
                    ));
                    return Vec::new();
                };
                if room.sim_version != quorum_sim::SIM_VERSION {
                    self.fatal = Some(format!(
                        "the room runs simulator version {}, this game {}: reload the page",
                        room.sim_version,
                        quorum_sim::SIM_VERSION
                    ));
                    return Vec::new();
                }
                let fresh =
                    self.token.as_deref() != Some(token.as_str()) || self.follower.is_none();
                if fresh {
                    self.follower = Some(Rc::new(RefCell::new(Follower::new(s, room.seed))));
                    self.log.clear();
                }
                self.scenario = Some(s);
                self.token = Some(token);
                self.until_ms = room.until_ms;
                self.room = Some(room);
                for entry in log {
                    self.take(entry);
                }
                self.run()
            }
            ServerMsg::Entry { entry } => {
                self.take(entry);
                Vec::new()
            }
            ServerMsg::Clock { until_ms, last_seq } => {
                let held = self.follower.as_ref().map_or(0, |f| f.borrow().last_seq());
                if held < last_seq {
                    // Entries before this clock are missing: catch up from the log.
                    self.resync = true;
                    return Vec::new();
                }
                self.until_ms = until_ms;
                self.run()
            }
            ServerMsg::Divergence {
                tick_ms, member, ..
            } => {
                self.divergences.push((tick_ms, member));
                Vec::new()
            }
            ServerMsg::Error { message } => {
                if self.room.is_none() {
                    // Refused at the hello (a taken role, a full room): no seat.
                    self.fatal = Some(message.clone());
                }
                self.refusal = Some(message);
                Vec::new()
            }
            ServerMsg::Ended { result } => {
                self.result = Some(result);
                Vec::new()
            }
        }
    }

    /// The connection closed (or failed to open).
    pub fn closed(&mut self) {
        self.link = Link::Closed;
        self.version += 1;
    }

    /// Whether the shell should connect again: the seat was welcomed in this page and the
    /// drill goes on (a seat restored from storage whose room is gone is not retried).
    pub fn should_reconnect(&self) -> bool {
        self.fatal.is_none() && self.result.is_none() && self.token.is_some() && self.room.is_some()
    }

    fn take(&mut self, entry: Entry) {
        let Some(f) = &self.follower else { return };
        if entry.seq <= f.borrow().last_seq() {
            return;
        }
        if f.borrow_mut().take(&entry).is_err() {
            self.resync = true;
            return;
        }
        if let Some(room) = &mut self.room {
            match &entry.kind {
                EntryKind::Speed { speed } => room.speed = *speed,
                EntryKind::Joined | EntryKind::Left => {
                    let online = entry.kind == EntryKind::Joined;
                    match room
                        .members
                        .iter_mut()
                        .find(|m| m.name == entry.by && m.role == entry.role)
                    {
                        Some(m) => m.online = online,
                        None => room.members.push(MemberView {
                            name: entry.by.clone(),
                            role: entry.role,
                            online,
                        }),
                    }
                }
                _ => {}
            }
        }
        self.log.push(entry);
    }

    /// Runs the sim to the clock; the last checkpoint reached on the way is reported (a late
    /// joiner passing many at once reports the newest only: the server's rate cap).
    fn run(&mut self) -> Vec<ClientMsg> {
        let Some(f) = &self.follower else {
            return Vec::new();
        };
        let mut last = None;
        f.borrow_mut().run_to(self.until_ms, |sim| {
            last = Some((sim.now_ms(), sim.event_log_hash()));
        });
        if last.is_some() {
            self.checkpoint.clone_from(&last);
        }
        last.map(|(tick_ms, hash)| ClientMsg::Checkpoint { tick_ms, hash })
            .into_iter()
            .collect()
    }

    /// The proposals waiting for the commander, oldest first: `Proposed` entries that no
    /// `Approved` or `Declined` has answered.
    pub fn waiting(&self) -> Vec<&Entry> {
        self.log
            .iter()
            .filter(|e| matches!(e.kind, EntryKind::Proposed { .. }))
            .filter(|p| !self.log.iter().any(|e| answers(e, p.seq)))
            .collect()
    }

    /// What became of proposal `seq`: `Some(true)` approved, `Some(false)` declined.
    pub fn decision(&self, seq: u64) -> Option<bool> {
        self.log.iter().find_map(|e| match e.kind {
            EntryKind::Approved { proposal } if proposal == seq => Some(true),
            EntryKind::Declined { proposal, .. } if proposal == seq => Some(false),
            _ => None,
        })
    }

    /// The intent an operator's (or commander's) console action becomes.
    pub fn propose(action: Action) -> ClientMsg {
        ClientMsg::Propose { action }
    }

    pub fn now_ms(&self) -> u64 {
        self.follower
            .as_ref()
            .map_or(0, |f| f.borrow().sim().now_ms())
    }

    pub fn ended(&self) -> bool {
        self.result.is_some()
            || self
                .follower
                .as_ref()
                .is_some_and(|f| f.borrow().sim().is_over())
    }
}

fn answers(e: &Entry, seq: u64) -> bool {
    matches!(e.kind, EntryKind::Approved { proposal } | EntryKind::Declined { proposal, .. } if proposal == seq)
}
