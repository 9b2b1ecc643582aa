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

/// Field readers on an object.
struct Obj<'a, J>(&'a J);

impl<J: JsonValue> Obj<'_, J> {
    fn str(&self, key: &str) -> Option<String> {
        self.0.get(key).as_string()
    }
    fn i64(&self, key: &str) -> Option<i64> {
        self.0.get(key).as_i64()
    }
    fn u64(&self, key: &str) -> Option<u64> {
        self.0.get(key).as_u64()
    }
    fn u32(&self, key: &str) -> Option<u32> {
        u32::try_from(self.u64(key)?).ok()
    }
    fn bool(&self, key: &str) -> Option<bool> {
        self.0.get(key).as_bool()
    }
    fn list<T: Decode>(&self, key: &str) -> Option<Vec<T>> {
        Vec::decode(&self.0.get(key))
    }
    fn text(&self, key: &str) -> Option<Text> {
        let t = self.0.get(key);
        Some(Text {
            en: t.get("en").as_string()?,
            ja: t.get("ja").as_string().unwrap_or_default(),
        })
    }
}

fn obj<J: JsonValue>(j: &J) -> Obj<'_, J> {
    Obj(j)
}

impl Decode for ErrorBody {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let e = j.get("error");
        let e = obj(&e);
        Some(ErrorBody {
            error: ErrorDetail {
                code: e.str("code")?,
                message: e.str("message")?,
            },
        })
    }
}

impl Decode for Health {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        Some(Health {
            status: j.str("status")?,
            sim_version: j.u32("sim_version")?,
        })
    }
}

impl Decode for VersionInfo {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        Some(VersionInfo {
            server: j.str("server")?,
            sim_version: j.u32("sim_version")?,
            replay_format_version: j.u32("replay_format_version")?,
            max_body_bytes: j.u64("max_body_bytes")?,
            max_actions: j.u64("max_actions")?,
            max_seed: j.u64("max_seed")?,
            scenarios: j.list("scenarios")?,
        })
    }
}

impl Decode for ServerScenario {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        let difficulty = j.str("difficulty")?;
        Some(ServerScenario {
            id: j.str("id")?,
            hash: j.str("hash")?,
            difficulty: Difficulty::ALL
                .into_iter()
                .find(|d| d.as_str() == difficulty)?,
            duration_ms: j.u64("duration_ms")?,
            title: j.text("title")?,
        })
    }
}

impl Decode for SubmitResponse {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        Some(SubmitResponse {
            id: j.i64("id")?,
            created: j.bool("created")?,
            url: j.str("url")?,
            player: j.str("player")?,
            team: j.str("team"),
            competition: j.str("competition"),
            scenario_id: j.str("scenario_id")?,
            seed: j.u64("seed")?,
            score: j.i64("score")?,
            grade: j.str("grade")?,
            rank: j.i64("rank")?,
            competition_rank: j.i64("competition_rank"),
            outage_ms: j.u64("outage_ms")?,
            requests_total: j.u64("requests_total")?,
            requests_failed: j.u64("requests_failed")?,
            reads_failed: j.u64("reads_failed")?,
            writes_failed: j.u64("writes_failed")?,
            time_to_green_ms: j.u64("time_to_green_ms"),
            final_health: j.str("final_health")?,
            event_log_hash: j.str("event_log_hash")?,
        })
    }
}

impl Decode for RunDetail {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        // The replay goes through the one replay parser (the same as for files).
        let replay = Replay::from_json(&j.get("replay").to_json_text()?).ok()?;
        let j = obj(j);
        Some(RunDetail {
            id: j.i64("id")?,
            player: j.str("player")?,
            team: j.str("team"),
            competition: j.str("competition"),
            scenario_id: j.str("scenario_id")?,
            scenario_hash: j.str("scenario_hash")?,
            seed: j.u64("seed")?,
            sim_version: j.u32("sim_version")?,
            score: j.i64("score")?,
            grade: j.str("grade")?,
            outage_ms: j.u64("outage_ms")?,
            requests_total: j.u64("requests_total")?,
            requests_failed: j.u64("requests_failed")?,
            reads_failed: j.u64("reads_failed")?,
            writes_failed: j.u64("writes_failed")?,
            time_to_green_ms: j.u64("time_to_green_ms"),
            final_health: j.str("final_health")?,
            event_log_hash: j.str("event_log_hash")?,
            created_at: j.str("created_at")?,
            created_at_ms: j.i64("created_at_ms")?,
            replay,
        })
    }
}

impl Decode for Board {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        Some(Board {
            scenario: j.str("scenario")?,
            scenario_hash: j.str("scenario_hash")?,
            sim_version: j.u32("sim_version")?,
            competition: j.str("competition"),
            runs: j.list("runs")?,
        })
    }
}

impl Decode for BoardRow {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        Some(BoardRow {
            rank: j.i64("rank")?,
            id: j.i64("id")?,
            player: j.str("player")?,
            team: j.str("team"),
            competition: j.str("competition"),
            seed: j.u64("seed")?,
            score: j.i64("score")?,
            grade: j.str("grade")?,
            outage_ms: j.u64("outage_ms")?,
            requests_failed: j.u64("requests_failed")?,
            reads_failed: j.u64("reads_failed")?,
            writes_failed: j.u64("writes_failed")?,
            time_to_green_ms: j.u64("time_to_green_ms"),
            final_health: j.str("final_health")?,
            created_at: j.str("created_at")?,
        })
    }
}

impl Decode for Competition {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        let status = j.str("status")?;
        Some(Competition {
            code: j.str("code")?,
            name: j.str("name")?,
            status: Status::ALL.into_iter().find(|s| s.as_str() == status)?,
            starts_at: j.str("starts_at")?,
            ends_at: j.str("ends_at")?,
            starts_at_ms: j.i64("starts_at_ms")?,
            ends_at_ms: j.i64("ends_at_ms")?,
            now_ms: j.i64("now_ms")?,
            scenarios: j.list("scenarios")?,
            individuals: j.list("individuals")?,
            teams: j.list("teams")?,
        })
    }
}

impl Decode for CompetitionScenario {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        let mut seeds = Vec::new();
        for seed in j.0.get("seeds").items()? {
            seeds.push(seed.as_u64()?);
        }
        Some(CompetitionScenario {
            id: j.str("id")?,
            seeds,
            hash: j.str("hash"),
            title: j.text("title"),
            duration_ms: j.u64("duration_ms"),
        })
    }
}

impl Decode for BestRun {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        Some(BestRun {
            scenario: j.str("scenario")?,
            score: j.i64("score")?,
            run_id: j.i64("run_id")?,
        })
    }
}

impl Decode for Individual {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        Some(Individual {
            rank: j.i64("rank")?,
            player: j.str("player")?,
            team: j.str("team"),
            total: j.i64("total")?,
            runs: j.u64("runs")?,
            bests: j.list("bests")?,
        })
    }
}

impl Decode for TeamMember {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        Some(TeamMember {
            player: j.str("player")?,
            total: j.i64("total")?,
            bests: j.list("bests")?,
        })
    }
}

impl Decode for TeamRow {
    fn decode<J: JsonValue>(j: &J) -> Option<Self> {
        let j = obj(j);
        Some(TeamRow {
            rank: j.i64("rank")?,
            team: j.str("team")?,
            total: j.i64("total")?,
            members: j.list("members")?,
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
