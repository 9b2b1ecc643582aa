//! A small JSON reader for what the game decodes: replays (files, ghosts, nested in server
//! answers) and what it keeps in localStorage.
//!
//! Not serde's derived deserializers: instantiated through serde_json for every type (and
//! every `Option<T>`, `Vec<T>`), with serde_json's number parser, they were ~10 KB of gzip
//! in the browser bundle (ARCHITECTURE.md, "The bundle budget"). Here one parser builds a
//! [`Value`] (whole numbers only: nothing read here has a fraction) and per-type readers
//! take fields from it with [`Obj`], as strictly as the serde derives: unknown fields,
//! duplicate keys, a missing required field or a value of the wrong type are refused with a
//! message naming the field. Native tests check that these readers and the serde derives
//! agree (crates/sim/tests/reader.rs, the root crate's storage tests).
//!
//! Every function here is `#[inline]`, and so is `Replay::from_json`: then the sim crate
//! (built at opt-level "s" for the tick loop) compiles none of it for the game, and the
//! crates that call it (the game, quorum-proto) compile one copy at "z" (−1.2 KB gzip).
//!
//! Serialization stays serde (it is cheap); [`crate::Replay::from_json`] reads through here
//! in the browser and through serde natively.

use crate::action::{Action, ActionKind, AllocationEnable, ApiRequest, TimedAction};
use crate::replay::{PlayMode, Replay};
use crate::scenario::FaultKind;

/// A parsed JSON value. Objects keep their members in order (no map: a few keys each).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A whole number: negative, and its magnitude.
    Num(bool, u64),
    Str(String),
    Arr(Vec<Value>),
    Obj(Vec<(String, Value)>),
}

/// Nesting deeper than this is refused (serde_json's limit too).
const MAX_DEPTH: usize = 128;

/// Parses JSON text. Numbers must be whole and fit 64 bits.
#[inline]
pub fn parse(text: &str) -> Result<Value, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    let v = p.value(0)?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.err("trailing characters"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    #[inline]
    fn err(&self, what: &str) -> String {
        format!("{what} at byte {}", self.i)
    }
    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }
    #[inline]
    fn eat(&mut self, word: &str) -> bool {
        let ok = self.s[self.i..].starts_with(word.as_bytes());
        if ok {
            self.i += word.len();
        }
        ok
    }
    /// After an opening bracket: true at the closing one (consumed), false after a comma or
    /// at the first element.
    #[inline]
    fn end_or_comma(&mut self, close: u8, first: bool) -> Result<bool, String> {
        match self.peek() {
            Some(c) if c == close => {
                self.i += 1;
                Ok(true)
            }
            Some(b',') if !first => {
                self.i += 1;
                Ok(false)
            }
            _ if first => Ok(false),
            _ => Err(self.err("expected `,` or a closing bracket")),
        }
    }
    #[inline]
    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        match self.peek() {
            Some(b'{') => {
                self.i += 1;
                let mut members: Vec<(String, Value)> = Vec::new();
                while !self.end_or_comma(b'}', members.is_empty())? {
                    if self.peek() != Some(b'"') {
                        return Err(self.err("expected a key"));
                    }
                    let key = self.string()?;
                    if members.iter().any(|(k, _)| *k == key) {
                        return Err(format!("duplicate field `{key}`"));
                    }
                    if self.peek() != Some(b':') {
                        return Err(self.err("expected `:`"));
                    }
                    self.i += 1;
                    let v = self.value(depth + 1)?;
                    members.push((key, v));
                }
                Ok(Value::Obj(members))
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                while !self.end_or_comma(b']', items.is_empty())? {
                    items.push(self.value(depth + 1)?);
                }
                Ok(Value::Arr(items))
            }
            Some(b'"') => self.string().map(Value::Str),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ if self.eat("null") => Ok(Value::Null),
            _ if self.eat("true") => Ok(Value::Bool(true)),
            _ if self.eat("false") => Ok(Value::Bool(false)),
            _ => Err(self.err("expected a value")),
        }
    }
    #[inline]
    fn number(&mut self) -> Result<Value, String> {
        let neg = self.eat("-");
        let start = self.i;
        let mut n: u64 = 0;
        while let Some(d @ b'0'..=b'9') = self.s.get(self.i).copied() {
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d - b'0')))
                .ok_or_else(|| self.err("number out of range"))?;
            self.i += 1;
        }
        let digits = self.i - start;
        if digits == 0 || (digits > 1 && self.s[start] == b'0') {
            return Err(self.err("invalid number"));
        }
        if let Some(b'.' | b'e' | b'E') = self.s.get(self.i) {
            return Err(self.err("not a whole number"));
        }
        Ok(Value::Num(neg, n))
    }
    #[inline]
    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self.s.get(self.i..self.i + 4).ok_or("unfinished escape")?;
        let text = std::str::from_utf8(digits).map_err(|_| "invalid escape")?;
        let v = u32::from_str_radix(text, 16).map_err(|_| self.err("invalid escape"))?;
        self.i += 4;
        Ok(v)
    }
    /// At the opening quote.
    #[inline]
    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(&b) = self.s.get(self.i) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            // The input is a &str and we stop only at ASCII bytes: a char boundary.
            out.push_str(std::str::from_utf8(&self.s[start..self.i]).map_err(|_| "bad text")?);
            match self.s.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
                        break;
                    };
                    self.i += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let mut c = self.hex4()?;
                            if (0xD800..0xDC00).contains(&c) && self.eat("\\u") {
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(self.err("invalid surrogate pair"));
                                }
                                c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
                            }
                            char::from_u32(c).ok_or_else(|| self.err("lone surrogate"))?
                        }
                        _ => return Err(self.err("invalid escape")),
                    };
                    out.push(c);
                }
                Some(_) => return Err(self.err("control character in a string")),
                None => break,
            }
        }
        Err(self.err("unterminated string"))
    }
}

impl Value {
    #[inline]
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Num(..) => "a number",
            Value::Str(_) => "a string",
            Value::Arr(_) => "an array",
            Value::Obj(_) => "an object",
        }
    }
    #[inline]
    fn wrong(&self, expected: &str) -> String {
        format!("expected {expected}, found {}", self.kind())
    }
    #[inline]
    pub fn str(&self) -> Result<String, String> {
        match self {
            Value::Str(s) => Ok(s.clone()),
            v => Err(v.wrong("a string")),
        }
    }
    #[inline]
    pub fn u64(&self) -> Result<u64, String> {
        match self {
            Value::Num(neg, n) if !*neg || *n == 0 => Ok(*n),
            v => Err(v.wrong("a whole number ≥ 0")),
        }
    }
    #[inline]
    pub fn u32(&self) -> Result<u32, String> {
        u32::try_from(self.u64()?).map_err(|_| "number out of range".to_string())
    }
    #[inline]
    pub fn i64(&self) -> Result<i64, String> {
        match self {
            Value::Num(false, n) if *n <= i64::MAX as u64 => Ok(*n as i64),
            Value::Num(true, n) if *n <= 1 << 63 => Ok((*n as i64).wrapping_neg()),
            v => Err(v.wrong("a 64-bit whole number")),
        }
    }
    #[inline]
    pub fn bool(&self) -> Result<bool, String> {
        match self {
            Value::Bool(b) => Ok(*b),
            v => Err(v.wrong("a boolean")),
        }
    }
    #[inline]
    pub fn items(&self) -> Result<&[Value], String> {
        match self {
            Value::Arr(items) => Ok(items),
            v => Err(v.wrong("an array")),
        }
    }
    /// An array of strings.
    #[inline]
    pub fn strings(&self) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for item in self.items()? {
            out.push(item.str()?);
        }
        Ok(out)
    }
    /// One of `all`, as `name` spells it.
    #[inline]
    pub fn one_of<T: Copy>(&self, all: &[T], name: fn(T) -> &'static str) -> Result<T, String> {
        let text = self.str()?;
        all.iter()
            .copied()
            .find(|v| name(*v) == text)
            .ok_or_else(|| format!("unknown variant `{text}`"))
    }
    /// The members of an object.
    #[inline]
    pub fn members(&self) -> Result<&[(String, Value)], String> {
        match self {
            Value::Obj(m) => Ok(m),
            v => Err(v.wrong("an object")),
        }
    }
    /// This object, for reading fields; `known` are all the fields it may have.
    #[inline]
    pub fn obj(&self, known: &[&str]) -> Result<Obj<'_>, String> {
        let members = self.members()?;
        if let Some((k, _)) = members.iter().find(|(k, _)| !known.contains(&k.as_str())) {
            return Err(format!("unknown field `{k}`"));
        }
        Ok(Obj(members))
    }
}

/// Fields of an object, read like serde's derive reads them.
pub struct Obj<'a>(&'a [(String, Value)]);

/// Names the field in a value's error (not generic: one copy).
#[inline]
fn at(key: &str, e: String) -> String {
    format!("{key}: {e}")
}

impl Obj<'_> {
    /// The member `key`, if present (even `null`).
    #[inline]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    /// A required field.
    #[inline]
    pub fn need<T>(&self, key: &str, read: fn(&Value) -> Result<T, String>) -> Result<T, String> {
        let v = self
            .get(key)
            .ok_or_else(|| format!("missing field `{key}`"))?;
        read(v).map_err(|e| at(key, e))
    }
    /// An `Option` field: absent or `null` is `None`.
    #[inline]
    pub fn opt<T>(
        &self,
        key: &str,
        read: fn(&Value) -> Result<T, String>,
    ) -> Result<Option<T>, String> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => read(v).map_err(|e| at(key, e)).map(Some),
        }
    }
    /// A `#[serde(default = …)]` field: absent is `default` (`null` is not).
    #[inline]
    pub fn opt_default<T>(
        &self,
        key: &str,
        default: T,
        read: fn(&Value) -> Result<T, String>,
    ) -> Result<T, String> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => read(v).map_err(|e| at(key, e)),
        }
    }
    /// A `#[serde(default)]` field: absent is the default (`null` is not).
    #[inline]
    pub fn or_default<T: Default>(
        &self,
        key: &str,
        read: fn(&Value) -> Result<T, String>,
    ) -> Result<T, String> {
        match self.get(key) {
            None => Ok(T::default()),
            Some(v) => read(v).map_err(|e| at(key, e)),
        }
    }
}

/// Every field an action may have, `type` first (see [`ActionKind::fields`]).
const ACTION_FIELDS: [&str; 15] = [
    "type",
    "instance",
    "name",
    "description",
    "no_reboot",
    "skip_os_shutdown",
    "image",
    "initial_master_nodes",
    "via",
    "request",
    "gib",
    "call",
    "fault",
    "searches",
    "indexes",
];

/// An action, as its serde derive reads it (through `RawAction`: every field optional,
/// `null` as absent; a field that its kind does not have is refused).
#[inline]
pub fn action(v: &Value) -> Result<Action, String> {
    let o = v.obj(&ACTION_FIELDS)?;
    let tag = o.need("type", Value::str)?;
    let kind = ActionKind::parse(&tag).ok_or_else(|| format!("unknown action type `{tag}`"))?;
    let allowed = kind.fields();
    for (key, value) in o.0 {
        if key != "type" && *value != Value::Null && !allowed.contains(&key.as_str()) {
            return Err(format!("unknown field `{key}` for action `{tag}`"));
        }
    }
    let s = |key: &str| o.opt(key, Value::str);
    let need = |key: &str| s(key)?.ok_or_else(|| format!("missing field `{key}`"));
    Ok(match kind {
        ActionKind::Reboot => Action::Reboot {
            instance: need("instance")?,
        },
        ActionKind::Stop => Action::Stop {
            instance: need("instance")?,
            skip_os_shutdown: o.opt("skip_os_shutdown", Value::bool)?.unwrap_or(false),
        },
        ActionKind::ForceStop => Action::ForceStop {
            instance: need("instance")?,
        },
        ActionKind::Start => Action::Start {
            instance: need("instance")?,
        },
        ActionKind::Terminate => Action::Terminate {
            instance: need("instance")?,
            skip_os_shutdown: o.opt("skip_os_shutdown", Value::bool)?.unwrap_or(false),
        },
        ActionKind::ForceTerminate => Action::ForceTerminate {
            instance: need("instance")?,
        },
        ActionKind::GrowFilesystem => Action::GrowFilesystem {
            instance: need("instance")?,
        },
        ActionKind::CleanLogs => Action::CleanLogs {
            instance: need("instance")?,
        },
        ActionKind::CreateImage => Action::CreateImage {
            instance: need("instance")?,
            name: s("name")?,
            description: s("description")?,
            no_reboot: o.opt("no_reboot", Value::bool)?.unwrap_or(false),
        },
        ActionKind::Launch => Action::Launch {
            name: need("name")?,
            image: need("image")?,
        },
        ActionKind::Setup => Action::Setup {
            instance: need("instance")?,
            initial_master_nodes: o
                .opt("initial_master_nodes", Value::strings)?
                .unwrap_or_default(),
        },
        ActionKind::Api => Action::Api {
            via: s("via")?,
            request: o
                .opt("request", api_request)?
                .ok_or("missing field `request`")?,
        },
        ActionKind::ResizeVolume => Action::ResizeVolume {
            instance: need("instance")?,
            gib: o.opt("gib", Value::u64)?.ok_or("missing field `gib`")?,
        },
        ActionKind::Wait => Action::Wait,
        ActionKind::Describe => Action::Describe {
            call: crate::action::describe_call(s("call")?)?,
        },
        ActionKind::Inject => Action::Inject {
            fault: {
                let id = o.opt("fault", Value::str)?.ok_or("missing field `fault`")?;
                FaultKind::from_id(&id).ok_or_else(|| format!("fault: unknown variant `{id}`"))?
            },
            instance: need("instance")?,
        },
        ActionKind::AppRequests => Action::AppRequests {
            via: need("via")?,
            searches: o.opt("searches", Value::u32)?.unwrap_or(0),
            indexes: o.opt("indexes", Value::u32)?.unwrap_or(0),
        },
    })
}

/// An API request, as its serde derive reads it (through `RawApiRequest`).
#[inline]
pub fn api_request(v: &Value) -> Result<ApiRequest, String> {
    let o = v.obj(&["call", "enable", "node_names"])?;
    let call = o.need("call", Value::str)?;
    let enable = o.opt("enable", |v| {
        v.one_of(&ALLOCATION, AllocationEnable::as_str)
    })?;
    let node_names = o.opt("node_names", Value::strings)?;
    if enable.is_some() && call != "set-allocation" {
        return Err(format!("unknown field `enable` for call `{call}`"));
    }
    if node_names.is_some() && call != "add-voting-exclusions" {
        return Err(format!("unknown field `node_names` for call `{call}`"));
    }
    Ok(match call.as_str() {
        "cluster-health" => ApiRequest::ClusterHealth,
        "cat-nodes" => ApiRequest::CatNodes,
        "cat-shards" => ApiRequest::CatShards,
        "cat-allocation" => ApiRequest::CatAllocation,
        "get-settings" => ApiRequest::GetSettings,
        "set-allocation" => ApiRequest::SetAllocation {
            enable: enable.ok_or("missing field `enable`")?,
        },
        "add-voting-exclusions" => ApiRequest::AddVotingExclusions {
            node_names: node_names.ok_or("missing field `node_names`")?,
        },
        "clear-voting-exclusions" => ApiRequest::ClearVotingExclusions,
        "flush" => ApiRequest::Flush,
        other => return Err(format!("unknown API call `{other}`")),
    })
}

/// `AllocationEnable` as serde spells it (snake_case).
const ALLOCATION: [AllocationEnable; 4] = [
    AllocationEnable::All,
    AllocationEnable::Primaries,
    AllocationEnable::NewPrimaries,
    AllocationEnable::None,
];

/// `{"at_ms": …, "action": {…}}`.
#[inline]
pub fn timed_action(v: &Value) -> Result<TimedAction, String> {
    // Its derive does not deny unknown fields: ignored, as serde ignores them.
    let o = Obj(v.members()?);
    Ok(TimedAction {
        at_ms: o.need("at_ms", Value::u64)?,
        action: o.need("action", action)?,
    })
}

/// A list of timed actions.
#[inline]
pub fn timed_actions(v: &Value) -> Result<Vec<TimedAction>, String> {
    let mut out = Vec::new();
    for item in v.items()? {
        out.push(timed_action(item)?);
    }
    Ok(out)
}

/// A replay, as its serde derive reads it.
#[inline]
pub fn replay(v: &Value) -> Result<Replay, String> {
    let o = v.obj(&[
        "format_version",
        "sim_version",
        "scenario_id",
        "scenario_hash",
        "seed",
        "actions",
        "mode",
        "claimed_score",
    ])?;
    Ok(Replay {
        format_version: o.need("format_version", Value::u32)?,
        sim_version: o.need("sim_version", Value::u32)?,
        scenario_id: o.need("scenario_id", Value::str)?,
        scenario_hash: o.need("scenario_hash", Value::str)?,
        seed: o.need("seed", Value::u64)?,
        actions: o.need("actions", timed_actions)?,
        mode: o.or_default("mode", |v| v.one_of(&PlayMode::ALL, PlayMode::as_str))?,
        claimed_score: o.opt("claimed_score", Value::i64)?,
    })
}

/// Parses and reads replay JSON.
#[inline]
pub fn replay_from_str(text: &str) -> Result<Replay, String> {
    replay(&parse(text)?)
}
