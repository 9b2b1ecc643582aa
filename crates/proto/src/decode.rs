//! How the game reads the server's answers into the [`crate::api`] types.
//!
//! Not with serde's derived deserializers: instantiated for every answer type with
//! serde_json, they cost the wasm bundle more than these readers over the browser's own
//! `JSON.parse` (measured in ARCHITECTURE.md, "The bundle budget"). The readers are generic
//! over the JSON value ([`JsonValue`]): the game implements it for a `JSON.parse` result,
//! this crate for [`serde_json::Value`], so that native tests run this very decoder on the
//! server's real answers and compare it with the serde derive of the same type.
//!
//! A field whose type is not an `Option` must be present with the right type, or the whole
//! answer is refused (`None`); an `Option` field reads as `None` when absent or `null`.

use quorum_sim::scenario::{Difficulty, Text};
use quorum_sim::Replay;

use crate::api::*;

/// A parsed JSON value, read leniently: a missing key or a mistyped value reads as `None`.
pub trait JsonValue: Sized {
    /// The member `key` of an object (an "absent" value if there is none).
    fn get(&self, key: &str) -> Self;
    fn as_string(&self) -> Option<String>;
    /// A whole number that fits (JSON numbers from a browser are doubles: exact to 2^53).
    fn as_i64(&self) -> Option<i64>;
    fn as_u64(&self) -> Option<u64> {
        self.as_i64().and_then(|i| u64::try_from(i).ok())
    }
    fn as_bool(&self) -> Option<bool>;
    /// The elements of an array.
    fn items(&self) -> Option<Vec<Self>>;
    /// This value as JSON text (to hand a nested document to its own parser).
    fn to_json_text(&self) -> Option<String>;
}

/// A type read from a server answer; `None` if the answer does not have its shape.
pub trait Decode: Sized {
    fn decode<J: JsonValue>(j: &J) -> Option<Self>;
}

impl<T: Decode> Decode for Vec<T> {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        // A plain loop: `collect::<Option<Vec<_>>>()` costs the wasm more per element type.
        let items = j.items()?;
        let mut out = Vec::with_capacity(items.len());
        for item in &items {
            out.push(T::decode(item)?);
        }
        Some(out)
    }
}

/// Field readers on an object. A required field that is absent or mistyped reads as a
/// placeholder and marks the object bad: the decoders build the whole value, then keep it
/// only if every required field was there ([`Obj::done`]). One check per answer instead of
/// an early return per field keeps the wasm smaller (each early return drops every field
/// read so far).
struct Obj<'a, J> {
    j: &'a J,
    ok: std::cell::Cell<bool>,
}

fn obj<J: JsonValue>(j: &J) -> Obj<'_, J> {
    Obj {
        j,
        ok: std::cell::Cell::new(true),
    }
}

impl<J: JsonValue> Obj<'_, J> {
    fn need<T: Default>(&self, value: Option<T>) -> T {
        value.unwrap_or_else(|| {
            self.ok.set(false);
            T::default()
        })
    }
    fn done<T>(&self, value: T) -> Option<T> {
        self.ok.get().then_some(value)
    }
    fn opt_str(&self, key: &str) -> Option<String> {
        self.j.get(key).as_string()
    }
    fn str(&self, key: &str) -> String {
        self.need(self.opt_str(key))
    }
    fn opt_i64(&self, key: &str) -> Option<i64> {
        self.j.get(key).as_i64()
    }
    fn i64(&self, key: &str) -> i64 {
        self.need(self.opt_i64(key))
    }
    fn opt_u64(&self, key: &str) -> Option<u64> {
        self.j.get(key).as_u64()
    }
    fn u64(&self, key: &str) -> u64 {
        self.need(self.opt_u64(key))
    }
    fn u32(&self, key: &str) -> u32 {
        self.need(self.opt_u64(key).and_then(|v| u32::try_from(v).ok()))
    }
    fn bool(&self, key: &str) -> bool {
        self.need(self.j.get(key).as_bool())
    }
    fn list<T: Decode>(&self, key: &str) -> Vec<T> {
        self.need(Vec::decode(&self.j.get(key)))
    }
    fn opt_text(&self, key: &str) -> Option<Text> {
        let t = self.j.get(key);
        Some(Text {
            en: t.get("en").as_string()?,
            ja: t.get("ja").as_string().unwrap_or_default(),
        })
    }
    /// A play mode (`exam`, `mentor`, `what-if`, `unknown`); required.
    fn mode(&self, key: &str) -> PlayMode {
        self.need(self.opt_mode(key))
    }
    /// A play mode, `None` when absent or `null`; a misspelt one marks the object bad.
    fn opt_mode(&self, key: &str) -> Option<PlayMode> {
        let text = self.opt_str(key)?;
        let mode = PlayMode::parse(&text);
        if mode.is_none() {
            self.ok.set(false);
        }
        mode
    }
    /// One of `all`, spelled as `name` spells it.
    fn one_of<T: Copy>(&self, key: &str, all: &[T], name: fn(T) -> &'static str) -> Option<T> {
        let text = self.opt_str(key)?;
        all.iter().copied().find(|v| text == name(*v))
    }
}

impl Decode for ErrorBody {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let e = j.get("error");
        let e = obj(&e);
        e.done(ErrorBody {
            error: ErrorDetail {
                code: e.str("code"),
                message: e.str("message"),
            },
        })
    }
}

impl Decode for Health {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        j.done(Health {
            status: j.str("status"),
            sim_version: j.u32("sim_version"),
        })
    }
}

impl Decode for VersionInfo {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        j.done(VersionInfo {
            server: j.str("server"),
            sim_version: j.u32("sim_version"),
            replay_format_version: j.u32("replay_format_version"),
            max_body_bytes: j.u64("max_body_bytes"),
            max_actions: j.u64("max_actions"),
            max_seed: j.u64("max_seed"),
            scenarios: j.list("scenarios"),
        })
    }
}

impl Decode for ServerScenario {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        let difficulty = j.one_of("difficulty", &Difficulty::ALL, Difficulty::as_str)?;
        j.done(ServerScenario {
            id: j.str("id"),
            hash: j.str("hash"),
            difficulty,
            duration_ms: j.u64("duration_ms"),
            title: j.need(j.opt_text("title")),
        })
    }
}

impl Decode for SubmitResponse {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        j.done(SubmitResponse {
            id: j.i64("id"),
            created: j.bool("created"),
            url: j.str("url"),
            player_id: j.i64("player_id"),
            player: j.str("player"),
            team: j.opt_str("team"),
            competition: j.opt_str("competition"),
            scenario_id: j.str("scenario_id"),
            seed: j.u64("seed"),
            mode: j.mode("mode"),
            score: j.i64("score"),
            grade: j.str("grade"),
            rank: j.i64("rank"),
            competition_rank: j.opt_i64("competition_rank"),
            outage_ms: j.u64("outage_ms"),
            requests_total: j.u64("requests_total"),
            requests_failed: j.u64("requests_failed"),
            reads_failed: j.u64("reads_failed"),
            writes_failed: j.u64("writes_failed"),
            time_to_green_ms: j.opt_u64("time_to_green_ms"),
            final_health: j.str("final_health"),
            event_log_hash: j.str("event_log_hash"),
        })
    }
}

impl Decode for RunDetail {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        // The replay goes through the one replay parser (the same as for files).
        let replay = Replay::from_json(&j.get("replay").to_json_text()?).ok()?;
        let j = obj(j);
        j.done(RunDetail {
            id: j.i64("id"),
            player_id: j.i64("player_id"),
            player: j.str("player"),
            team: j.opt_str("team"),
            competition: j.opt_str("competition"),
            scenario_id: j.str("scenario_id"),
            scenario_hash: j.str("scenario_hash"),
            seed: j.u64("seed"),
            sim_version: j.u32("sim_version"),
            mode: j.mode("mode"),
            score: j.i64("score"),
            grade: j.str("grade"),
            outage_ms: j.u64("outage_ms"),
            requests_total: j.u64("requests_total"),
            requests_failed: j.u64("requests_failed"),
            reads_failed: j.u64("reads_failed"),
            writes_failed: j.u64("writes_failed"),
            time_to_green_ms: j.opt_u64("time_to_green_ms"),
            final_health: j.str("final_health"),
            event_log_hash: j.str("event_log_hash"),
            created_at: j.str("created_at"),
            created_at_ms: j.i64("created_at_ms"),
            replay,
        })
    }
}

impl Decode for IdentityCreated {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        j.done(IdentityCreated {
            player_id: j.i64("player_id"),
            token: j.str("token"),
        })
    }
}

impl Decode for Board {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        j.done(Board {
            scenario: j.str("scenario"),
            scenario_hash: j.str("scenario_hash"),
            sim_version: j.u32("sim_version"),
            competition: j.opt_str("competition"),
            mode: j.opt_mode("mode"),
            seed: j.opt_u64("seed"),
            player_id: j.opt_i64("player_id"),
            runs: j.list("runs"),
            next: j.opt_str("next"),
        })
    }
}

impl Decode for BoardRow {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        j.done(BoardRow {
            rank: j.i64("rank"),
            id: j.i64("id"),
            player_id: j.i64("player_id"),
            player: j.str("player"),
            player_runs: j.u64("player_runs"),
            team: j.opt_str("team"),
            competition: j.opt_str("competition"),
            seed: j.u64("seed"),
            mode: j.mode("mode"),
            score: j.i64("score"),
            grade: j.str("grade"),
            outage_ms: j.u64("outage_ms"),
            requests_failed: j.u64("requests_failed"),
            reads_failed: j.u64("reads_failed"),
            writes_failed: j.u64("writes_failed"),
            time_to_green_ms: j.opt_u64("time_to_green_ms"),
            final_health: j.str("final_health"),
            created_at: j.str("created_at"),
        })
    }
}

impl Decode for Competition {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        let status = j.one_of("status", &Status::ALL, Status::as_str)?;
        let counting = j.one_of("counting", &Counting::ALL, Counting::as_str)?;
        j.done(Competition {
            code: j.str("code"),
            name: j.str("name"),
            status,
            starts_at: j.str("starts_at"),
            ends_at: j.str("ends_at"),
            starts_at_ms: j.i64("starts_at_ms"),
            ends_at_ms: j.i64("ends_at_ms"),
            now_ms: j.i64("now_ms"),
            require_exam: j.bool("require_exam"),
            counting,
            team_cap: j.u32("team_cap"),
            scenarios: j.list("scenarios"),
            individuals: j.list("individuals"),
            individuals_next: j.opt_str("individuals_next"),
            teams: j.list("teams"),
            teams_next: j.opt_str("teams_next"),
        })
    }
}

impl Decode for CompetitionScenario {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        let mut seeds = Vec::new();
        for seed in j.j.get("seeds").items()? {
            seeds.push(seed.as_u64()?);
        }
        j.done(CompetitionScenario {
            id: j.str("id"),
            seeds,
            hash: j.opt_str("hash"),
            title: j.opt_text("title"),
            duration_ms: j.opt_u64("duration_ms"),
        })
    }
}

impl Decode for BestRun {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        j.done(BestRun {
            scenario: j.str("scenario"),
            seed: j.u64("seed"),
            score: j.i64("score"),
            run_id: j.i64("run_id"),
        })
    }
}

impl Decode for Individual {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        j.done(Individual {
            rank: j.i64("rank"),
            player_id: j.i64("player_id"),
            player: j.str("player"),
            team: j.opt_str("team"),
            total: j.i64("total"),
            runs: j.u64("runs"),
            bests: j.list("bests"),
        })
    }
}

impl Decode for TeamMember {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        j.done(TeamMember {
            player_id: j.i64("player_id"),
            player: j.str("player"),
            total: j.i64("total"),
            bests: j.list("bests"),
        })
    }
}

impl Decode for TeamRow {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        j.done(TeamRow {
            rank: j.i64("rank"),
            team: j.str("team"),
            total: j.i64("total"),
            members: j.list("members"),
        })
    }
}

/// For native code and tests: the same readers over serde_json's value (generic, so never
/// compiled into the game, which reads `JSON.parse` results).
impl JsonValue for serde_json::Value {
    fn get(&self, key: &str) -> Self {
        self.as_object()
            .and_then(|o| o.get(key))
            .cloned()
            .unwrap_or(serde_json::Value::Null)
    }
    fn as_string(&self) -> Option<String> {
        self.as_str().map(str::to_string)
    }
    fn as_i64(&self) -> Option<i64> {
        serde_json::Value::as_i64(self)
    }
    fn as_u64(&self) -> Option<u64> {
        serde_json::Value::as_u64(self)
    }
    fn as_bool(&self) -> Option<bool> {
        serde_json::Value::as_bool(self)
    }
    fn items(&self) -> Option<Vec<Self>> {
        self.as_array().cloned()
    }
    fn to_json_text(&self) -> Option<String> {
        serde_json::to_string(self).ok()
    }
}

/// Decodes JSON text with [`Decode`] over [`serde_json::Value`] (native code and tests).
pub fn from_str<T: Decode>(text: &str) -> Option<T> {
    T::decode(&serde_json::from_str::<serde_json::Value>(text).ok()?)
}
