//! Team drills (issue 14): the room protocol between `drill serve` and the game, over one
//! WebSocket per member, JSON text frames, one message per frame.
//!
//! The server holds the room's authoritative, ordered log of [`Entry`]s and its sim clock.
//! A member sends [`ClientMsg`] intents; the server checks them against the member's
//! [`Role`], stamps each accepted one with the sequence number and the sim tick at which it
//! applies, and broadcasts it as [`ServerMsg::Entry`] to every member. Every member runs the
//! same simulation from the log: the entries whose [`EntryKind::Action`] carries a sim action
//! are the drill's replay (each applied at its `tick_ms`); everything else (proposals,
//! approvals, declines, chat, status updates, speed, joins) lives beside the replay, in this
//! record, because it does not change the cluster. [`ServerMsg::Clock`] tells members how far
//! they may run: no entry will ever be stamped before its `until_ms`.

use quorum_sim::scenario::FaultKind;
use quorum_sim::{Action, Replay};
use serde::{Deserialize, Serialize};

/// A member's role in the room. Permissions: [`Role::may`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Incident commander: sees everything, approves or declines the operator's risky
    /// actions, sets the clock speed, declares the incident resolved.
    Commander,
    /// Operator: the console and the API console (proposes sim actions).
    Operator,
    /// Communications: answers the stakeholders' messages with status updates.
    Communications,
    /// Game master (the room's host only, a trainer): sees the hidden branches, injects the
    /// scenario's faults.
    GameMaster,
    /// Watches; may chat.
    Spectator,
}

/// What a member asks for, as [`Role::may`] names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    Propose,
    Decide,
    Chat,
    Status,
    SetSpeed,
    Resolve,
    Inject,
    Checkpoint,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Commander,
        Role::Operator,
        Role::Communications,
        Role::GameMaster,
        Role::Spectator,
    ];

    /// The role [`Role::as_str`] names.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Commander => "commander",
            Role::Operator => "operator",
            Role::Communications => "communications",
            Role::GameMaster => "game-master",
            Role::Spectator => "spectator",
        }
    }

    /// The role in `lang` ("en" or "ja").
    pub fn label(self, ja: bool) -> &'static str {
        match (self, ja) {
            (Role::Commander, false) => "Incident commander",
            (Role::Commander, true) => "インシデントコマンダー",
            (Role::Operator, false) => "Operator",
            (Role::Operator, true) => "オペレーター",
            (Role::Communications, false) => "Communications",
            (Role::Communications, true) => "広報担当",
            (Role::GameMaster, false) => "Game master",
            (Role::GameMaster, true) => "ゲームマスター",
            (Role::Spectator, false) => "Spectator",
            (Role::Spectator, true) => "観戦者",
        }
    }

    /// An acting seat: the commander's, the operator's, communications'. Their holders are
    /// the drill's players (`TeamResult::players`), and a room that counts for something
    /// seats them by identity.
    pub fn is_acting(self) -> bool {
        matches!(
            self,
            Role::Commander | Role::Operator | Role::Communications
        )
    }

    /// Whether this role's proposals are held for the commander under the two-person rule
    /// (when the sim forecasts them risky, or always in an Exam competition,
    /// [`CountsFor::holds_every_action`]): the operator's. The commander is the second
    /// person, so the commander's own actions apply at once.
    pub fn proposals_wait(self) -> bool {
        self == Role::Operator
    }

    /// The permission rules, written once (the server enforces them, the game greys out
    /// what a role may not do):
    ///
    /// * propose a console or API action: operator, and the commander (who then needs no
    ///   approval: the commander is the second person);
    /// * approve or decline a waiting action, set the speed, declare resolved: commander;
    /// * status updates: communications (and the commander);
    /// * inject a fault: game master only;
    /// * chat and report hash checkpoints: everyone in the room.
    pub fn may(self, what: Permission) -> bool {
        use Permission::*;
        match what {
            Propose => matches!(self, Role::Operator | Role::Commander),
            Decide | SetSpeed | Resolve => self == Role::Commander,
            Status => matches!(self, Role::Communications | Role::Commander),
            Inject => self == Role::GameMaster,
            Chat | Checkpoint => true,
        }
    }
}

/// The clock speeds a commander may set: sim milliseconds per wall millisecond. 0 pauses.
pub const SPEEDS: [u32; 6] = [0, 1, 2, 4, 8, 16];
/// The room's longest chat message or status update, in characters.
pub const MAX_TEXT_CHARS: usize = 500;
/// *Chosen*: members report their event-log hash when their sim reaches a multiple of this.
pub const CHECKPOINT_EVERY_MS: u64 = 60_000;
/// *Chosen*: a status update answers a stakeholder's message if posted within this much sim
/// time after it (the communications score).
pub const ANSWER_WITHIN_MS: u64 = 5 * 60_000;

/// Client → server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ClientMsg {
    /// The first message on a connection. `last_seq`: the last entry this member has (after
    /// a reconnect); the welcome then carries only the entries after it. `token`: the
    /// member's token from an earlier welcome (a rejoin keeps the role); `host_key`: the
    /// key `POST /api/rooms` returned, required for the game master.
    Hello {
        role: Role,
        name: String,
        #[serde(default)]
        last_seq: Option<u64>,
        #[serde(default)]
        token: Option<String>,
        #[serde(default)]
        host_key: Option<String>,
        /// The member's player identity token (`POST /api/identities`): in a room that
        /// counts for something ([`CountsFor`]), every seat but a spectator's needs one
        /// ([`CountsFor::seat_needs_identity`]), of a member of the team or a trainee of
        /// the cohort. Sent in the socket's first message, never in its URL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        identity: Option<String>,
    },
    /// A console or API action (not [`Action::Inject`]).
    Propose {
        action: Action,
    },
    /// The commander approves a waiting proposal (by its entry's `seq`).
    Approve {
        proposal: u64,
    },
    Decline {
        proposal: u64,
        #[serde(default)]
        reason: Option<String>,
    },
    Chat {
        text: String,
    },
    /// A status update to the stakeholders. `eta_min`: a promised time to full redundancy,
    /// in minutes from now, if the update gives one.
    Status {
        text: String,
        #[serde(default)]
        eta_min: Option<u32>,
    },
    SetSpeed {
        speed: u32,
    },
    /// The commander declares the incident resolved: the drill ends at the stamped tick.
    Resolve,
    /// The game master injects one of the scenario's fault kinds.
    Inject {
        fault: FaultKind,
        instance: String,
    },
    /// The member's `Sim::event_log_hash` when its sim stood at `tick_ms` (a multiple of
    /// [`CHECKPOINT_EVERY_MS`]).
    Checkpoint {
        tick_ms: u64,
        hash: String,
    },
}

/// One stamped entry of a room's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// 1, 2, 3, … with no gaps: a member that has entry n has every entry before it.
    pub seq: u64,
    /// The sim time at which it applies (a multiple of the sim's tick).
    pub tick_ms: u64,
    pub role: Role,
    /// The member's display name.
    pub by: String,
    pub kind: EntryKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum EntryKind {
    /// A sim action, applied at the entry's tick: these entries are the replay. An approved
    /// proposal becomes one (its `proposal` then names the proposal's seq).
    Action {
        action: Action,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proposal: Option<u64>,
    },
    /// A risky action waiting for the commander (the two-person rule); `risk`: the sim's
    /// forecast of what it would cost, in English, and `risk_ja` the same forecast in
    /// Japanese (both the server's, on the state the proposal was made in).
    Proposed {
        action: Action,
        risk: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        risk_ja: String,
    },
    Approved {
        proposal: u64,
    },
    Declined {
        proposal: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    Chat {
        text: String,
    },
    Status {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        eta_min: Option<u32>,
    },
    Speed {
        speed: u32,
    },
    Joined,
    Left,
    /// Declared resolved: the drill ends here.
    Resolved,
}

impl Entry {
    /// The sim action this entry applies, if any.
    pub fn action(&self) -> Option<&Action> {
        match &self.kind {
            EntryKind::Action { action, .. } => Some(action),
            _ => None,
        }
    }
}

/// The room as a member sees it when joining.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomState {
    pub code: String,
    pub scenario_id: String,
    pub seed: u64,
    pub sim_version: u32,
    pub speed: u32,
    pub two_person_rule: bool,
    /// The sim time up to which the log is complete ([`ServerMsg::Clock`]).
    pub until_ms: u64,
    pub members: Vec<MemberView>,
    /// The fault kinds the game master may inject (`Sim::injectable_faults`).
    pub injectable: Vec<FaultKind>,
    /// The drawn branch case: sent to the game master only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_case: Option<String>,
    pub ended: bool,
    /// What the drill counts for, if anything (set when the room opened).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts_for: Option<CountsFor>,
}

/// What a team drill counts for, fixed when its room opens (`POST /api/rooms` with a
/// competition's code and the host's identity, or a cohort and its trainer's token). The
/// rules are written here once; the server enforces them and the game states them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CountsFor {
    /// The competition's team-drill table (`GET /api/competitions/{code}/team-drills`), for
    /// the host's team. Every seat but a spectator's is a member of that team; there is no
    /// game master (a team's own member must neither see the hidden branches nor script
    /// the faults). `require_exam`: the competition admits Exam runs only, so the sim's
    /// forecast is never shown — under the two-person rule every operator action waits
    /// for the commander, with no forecast.
    Competition {
        code: String,
        name: String,
        team: String,
        require_exam: bool,
    },
    /// A trainer's cohort: the trainer's cohort page lists the drill, who held each role
    /// and the role's points. Every seat but a spectator's and the game master's (the
    /// trainer, the host) is a trainee of the cohort.
    Cohort { id: i64, name: String },
}

impl CountsFor {
    /// Whether `role` may be taken in such a room at all.
    pub fn allows(&self, role: Role) -> bool {
        !(matches!(self, CountsFor::Competition { .. }) && role == Role::GameMaster)
    }

    /// Whether a seat of `role` needs the player identity of a team member (trainee).
    pub fn seat_needs_identity(&self, role: Role) -> bool {
        role.is_acting()
    }

    /// Whether an operator's action waits for the commander whatever the sim forecasts
    /// (with the two-person rule on): in an Exam competition no forecast may be shown, so
    /// every action is held, and its risk line says why instead.
    pub fn holds_every_action(&self) -> bool {
        matches!(
            self,
            CountsFor::Competition {
                require_exam: true,
                ..
            }
        )
    }
}

/// The risk line of an action held by [`CountsFor::holds_every_action`] (en, ja).
pub const EXAM_HELD_RISK: (&str, &str) = (
    "Exam competition: every operator action waits for the commander, with no forecast",
    "試験モードの競技: オペレーターの操作はすべて、予測なしでコマンダーの承認を待ちます",
);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub name: String,
    pub role: Role,
    pub online: bool,
}

/// Server → client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ServerMsg {
    /// The answer to `hello`: the room, the member's token (for a rejoin), and the log so
    /// far (after `last_seq` if the hello gave one), in order.
    Welcome {
        room: RoomState,
        token: String,
        log: Vec<Entry>,
    },
    Entry {
        entry: Entry,
    },
    /// No entry after `last_seq` will be stamped with a tick at or before `until_ms`: a
    /// member that has every entry up to `last_seq` may run its sim to `until_ms`.
    Clock {
        until_ms: u64,
        last_seq: u64,
    },
    /// A member's checkpoint hash differs from the server's.
    Divergence {
        tick_ms: u64,
        member: String,
        expected: String,
        got: String,
    },
    /// An intent refused (role, rule, limit), with the reason in English.
    Error {
        message: String,
    },
    /// The drill ended (its duration, or resolved): the verified result.
    Ended {
        result: TeamResult,
    },
}

/// A finished team drill: the replay (the log's actions) and what lives beside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRecord {
    pub replay: Replay,
    pub log: Vec<Entry>,
}

/// The server's verification and scores of a finished drill.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamResult {
    /// The team's score: the sim's report score of the replay, as for any run.
    pub score: i64,
    pub grade: String,
    pub canonical_hash: String,
    pub event_log_hash: String,
    pub divergences: u32,
    pub roles: Vec<RoleScore>,
    /// Who held the acting seats, with their player identity where the room counts for
    /// something (a seat re-taken after its hold lists both holders).
    #[serde(default)]
    pub players: Vec<SeatHolder>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts_for: Option<CountsFor>,
    pub record: TeamRecord,
}

/// A member who held an acting seat of a drill.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SeatHolder {
    pub role: Role,
    pub name: String,
    /// The player identity the seat was taken with (`None` in a room that counts for
    /// nothing, where seats need none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub player_id: Option<i64>,
}

/// `GET /api/competitions/{code}/team-drills`: the competition's team-drill table.
///
/// Rules (crates/drill/README.md, "Team drills in competitions"): only drills whose room
/// was opened for the competition count, for the host's team, if they ended while the
/// competition was open; per scenario the team's best drill counts (highest score; on a
/// tie, the earlier), and the total is the sum over scenarios; a drill's replay counts once
/// per competition (the first team to end with it), and not at all if one of its players
/// is blocked there. Ranked by total, then by who reached it first (the latest counted
/// drill ended earlier).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamDrillTable {
    pub competition: String,
    pub rows: Vec<TeamDrillStanding>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamDrillStanding {
    pub rank: i64,
    pub team: String,
    pub total: i64,
    /// One per competition scenario the team has a counted drill on, in competition order.
    pub bests: Vec<TeamDrillBest>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamDrillBest {
    pub scenario: String,
    pub seed: u64,
    pub score: i64,
    /// The room's code: `GET /api/rooms/{code}/result` is the verified drill.
    pub code: String,
    pub players: Vec<SeatHolder>,
}

/// A team drill of a cohort, as its trainer's cohort page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortTeamDrill {
    pub code: String,
    pub scenario_id: String,
    pub seed: u64,
    pub score: i64,
    pub grade: String,
    pub ended_at: String,
    pub ended_at_ms: i64,
    /// Each trainee's seat and that role's points ([`RoleScore::points`]).
    pub players: Vec<CohortSeat>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortSeat {
    pub role: Role,
    pub player_id: i64,
    pub name: String,
    pub points: i64,
}

/// One role's part, in simple documented counts (crates/drill/README.md, "Team drills").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleScore {
    pub role: Role,
    /// Sim actions applied by this role (for the game master: injections).
    pub actions: u32,
    /// The sim's penalty points earned by this role's actions.
    pub penalty_points: i64,
    pub approvals: u32,
    pub declines: u32,
    /// Communications: stakeholder messages answered within [`ANSWER_WITHIN_MS`].
    pub answered: u32,
    pub messages: u32,
    /// Communications: status updates that promised an ETA while the cluster was not fully
    /// redundant.
    pub broken_promises: u32,
    /// The role's points: operator −penalties; communications 100 per answer − 200 per
    /// promise; commander 0 (the team score is the commander's).
    pub points: i64,
}

/// `POST /api/rooms`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenRoom {
    pub scenario_id: String,
    pub seed: u64,
    #[serde(default = "yes")]
    pub two_person_rule: bool,
    /// The clock's speed at the start (one of [`SPEEDS`]); 1 when absent.
    #[serde(default)]
    pub speed: Option<u32>,
    /// A competition's join code: the drill counts for the host's team there
    /// ([`CountsFor::Competition`]); the request then carries the host's player identity
    /// (`Authorization: Bearer <token>`), a member of a team of that competition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competition: Option<String>,
    /// A cohort of the trainer whose token the request carries: the drill counts for the
    /// cohort ([`CountsFor::Cohort`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cohort_id: Option<i64>,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomOpened {
    /// Others join with it: `GET /api/rooms/{code}/ws`.
    pub code: String,
    /// The host's key: a hello with it may take the game master's role.
    pub host_key: String,
}
