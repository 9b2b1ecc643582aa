//! The game's JSON writer, and pretty-printing without serde_json's `PrettyFormatter`.
//!
//! The browser writes JSON (localStorage, submissions, exported replays, the datastore API's
//! answers) with [`ToJson`], a hand-written writer: serde's serializer machinery instantiated
//! per type cost the wasm kilobytes. Its output is byte-identical to `serde_json::to_string`
//! of the same value through the serde derives, which stay for native code (the server, the
//! CLI); native tests compare the two on every written type.
//!
//! Pretty JSON (API answers, exported replays) re-indents the compact text: byte-identical
//! to `serde_json::to_string_pretty` (two-space indent, `"key": value`, `[]` and `{}` for
//! empty containers).

use crate::action::{Action, AllocationEnable, ApiRequest, TimedAction};
use crate::replay::{PlayMode, Replay};
use crate::scenario::Lang;

/// A value the hand-written writer can write as compact JSON, as serde_json writes it.
pub trait ToJson {
    fn write_json(&self, out: &mut String);
}

/// `value` as compact JSON.
pub fn to_string<T: ToJson + ?Sized>(value: &T) -> String {
    let mut out = String::new();
    value.write_json(&mut out);
    out
}

/// `value` as serde_json's pretty printer writes it.
pub fn to_pretty<T: ToJson + ?Sized>(value: &T) -> String {
    reindent(&to_string(value))
}

/// `value` as serde_json's pretty printer writes it, through serde.
pub fn to_string_pretty<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    serde_json::to_string(value).map(|compact| reindent(&compact))
}

/// A JSON string literal, escaped as serde_json escapes (`\"`, `\\`, `\b\t\n\f\r`, other
/// control characters as `\u00xx`; everything else, non-BMP included, as UTF-8).
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Writes a whole number (no `format!` machinery).
pub fn write_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(b as char);
    }
}

/// An object being written: `{`, then [`Obj::field`]s, then [`Obj::end`].
pub struct Obj<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Obj<'a> {
    pub fn new(out: &'a mut String) -> Obj<'a> {
        out.push('{');
        Obj { out, first: true }
    }

    /// `"key":value`. Not generic: one copy per object shape, not per field type.
    pub fn field(&mut self, key: &str, value: &dyn ToJson) -> &mut Self {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_str(self.out, key);
        self.out.push(':');
        value.write_json(self.out);
        self
    }

    /// The field unless `value` is `None` (`skip_serializing_if = "Option::is_none"`).
    pub fn some<T: ToJson>(&mut self, key: &str, value: &Option<T>) -> &mut Self {
        if let Some(v) = value {
            self.field(key, v);
        }
        self
    }

    pub fn end(&mut self) {
        self.out.push('}');
    }
}

impl ToJson for str {
    fn write_json(&self, out: &mut String) {
        write_str(out, self);
    }
}

impl ToJson for String {
    fn write_json(&self, out: &mut String) {
        write_str(out, self);
    }
}

impl ToJson for bool {
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl ToJson for u64 {
    fn write_json(&self, out: &mut String) {
        write_u64(out, *self);
    }
}

impl ToJson for u32 {
    fn write_json(&self, out: &mut String) {
        write_u64(out, u64::from(*self));
    }
}

impl ToJson for usize {
    fn write_json(&self, out: &mut String) {
        write_u64(out, *self as u64);
    }
}

impl ToJson for i64 {
    fn write_json(&self, out: &mut String) {
        if *self < 0 {
            out.push('-');
        }
        write_u64(out, self.unsigned_abs());
    }
}

/// As serde_json writes a double: the shortest round-trip digits (zmij, which serde_json
/// uses), `null` when not finite.
impl ToJson for f64 {
    fn write_json(&self, out: &mut String) {
        if self.is_finite() {
            out.push_str(zmij::Buffer::new().format_finite(*self));
        } else {
            out.push_str("null");
        }
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(v) => v.write_json(out),
            None => out.push_str("null"),
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            v.write_json(out);
        }
        out.push(']');
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn write_json(&self, out: &mut String) {
        (**self).write_json(out);
    }
}

/// A pair as serde writes tuples: `[a,b]`.
impl<A: ToJson, B: ToJson> ToJson for (A, B) {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        self.0.write_json(out);
        out.push(',');
        self.1.write_json(out);
        out.push(']');
    }
}

impl ToJson for Lang {
    fn write_json(&self, out: &mut String) {
        write_str(out, if *self == Lang::Ja { "ja" } else { "en" });
    }
}

impl ToJson for PlayMode {
    fn write_json(&self, out: &mut String) {
        write_str(out, self.as_str());
    }
}

impl ToJson for AllocationEnable {
    fn write_json(&self, out: &mut String) {
        write_str(out, self.as_str());
    }
}

impl ToJson for ApiRequest {
    fn write_json(&self, out: &mut String) {
        let mut o = Obj::new(out);
        let call = match self {
            ApiRequest::ClusterHealth => "cluster-health",
            ApiRequest::CatNodes => "cat-nodes",
            ApiRequest::CatShards => "cat-shards",
            ApiRequest::CatAllocation => "cat-allocation",
            ApiRequest::GetSettings => "get-settings",
            ApiRequest::SetAllocation { .. } => "set-allocation",
            ApiRequest::AddVotingExclusions { .. } => "add-voting-exclusions",
            ApiRequest::ClearVotingExclusions => "clear-voting-exclusions",
            ApiRequest::Flush => "flush",
        };
        o.field("call", &call);
        match self {
            ApiRequest::SetAllocation { enable } => {
                o.field("enable", enable);
            }
            ApiRequest::AddVotingExclusions { node_names } => {
                o.field("node_names", node_names);
            }
            _ => {}
        }
        o.end();
    }
}

impl ToJson for Action {
    fn write_json(&self, out: &mut String) {
        let mut o = Obj::new(out);
        o.field("type", &self.kind().as_str());
        match self {
            Action::Reboot { instance }
            | Action::ForceStop { instance }
            | Action::Start { instance }
            | Action::ForceTerminate { instance }
            | Action::CleanLogs { instance }
            | Action::GrowFilesystem { instance } => {
                o.field("instance", instance);
            }
            Action::Stop {
                instance,
                skip_os_shutdown,
            }
            | Action::Terminate {
                instance,
                skip_os_shutdown,
            } => {
                o.field("instance", instance);
                if *skip_os_shutdown {
                    o.field("skip_os_shutdown", skip_os_shutdown);
                }
            }
            Action::CreateImage {
                instance,
                name,
                description,
                no_reboot,
            } => {
                o.field("instance", instance)
                    .field("name", name)
                    .some("description", description)
                    .field("no_reboot", no_reboot);
            }
            Action::Launch { name, image } => {
                o.field("name", name).field("image", image);
            }
            Action::Setup {
                instance,
                initial_master_nodes,
            } => {
                o.field("instance", instance)
                    .field("initial_master_nodes", initial_master_nodes);
            }
            Action::Api { via, request } => {
                o.field("via", via).field("request", request);
            }
            Action::ResizeVolume { instance, gib } => {
                o.field("instance", instance).field("gib", gib);
            }
            Action::Wait => {}
            Action::Describe { call } => {
                o.field("call", call);
            }
            Action::Inject { fault, instance } => {
                o.field("fault", &fault.as_str())
                    .field("instance", instance);
            }
            Action::AppRequests {
                via,
                searches,
                indexes,
            } => {
                o.field("via", via)
                    .field("searches", searches)
                    .field("indexes", indexes);
            }
        }
        o.end();
    }
}

impl ToJson for TimedAction {
    fn write_json(&self, out: &mut String) {
        Obj::new(out)
            .field("at_ms", &self.at_ms)
            .field("action", &self.action)
            .end();
    }
}

impl ToJson for Replay {
    fn write_json(&self, out: &mut String) {
        Obj::new(out)
            .field("format_version", &self.format_version)
            .field("sim_version", &self.sim_version)
            .field("scenario_id", &self.scenario_id)
            .field("scenario_hash", &self.scenario_hash)
            .field("seed", &self.seed)
            .field("actions", &self.actions)
            .field("mode", &self.mode)
            .some("claimed_score", &self.claimed_score)
            .end();
    }
}

/// Re-indents compact JSON (no whitespace outside strings, as `serde_json::to_string` writes).
pub fn reindent(compact: &str) -> String {
    let bytes = compact.as_bytes();
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut start = 0; // Start of the pending run of bytes copied as they are.
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' | b'}' | b']' | b',' | b':' => {
                out.push_str(&compact[start..i]);
                match b {
                    b'{' | b'[' => {
                        let close = if b == b'{' { b'}' } else { b']' };
                        if bytes.get(i + 1) == Some(&close) {
                            out.push(b as char);
                            out.push(close as char);
                            i += 1;
                        } else {
                            out.push(b as char);
                            depth += 1;
                            newline(&mut out, depth);
                        }
                    }
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        newline(&mut out, depth);
                        out.push(b as char);
                    }
                    b',' => {
                        out.push(',');
                        newline(&mut out, depth);
                    }
                    _ => out.push_str(": "),
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push_str(&compact[start..]);
    out
}

/// Samples for the writer's tests here and in the game (not a test module: the game's tests
/// use it too; nothing in the game calls it, so it is not in the wasm).
#[doc(hidden)]
pub mod tests_support {
    use crate::action::{Action, AllocationEnable, ApiRequest, TimedAction};

    /// Every action kind, every optional field both present and absent, with `text` in
    /// every string.
    pub fn every_action(text: &str) -> Vec<TimedAction> {
        let t = || text.to_string();
        let api = |request| Action::Api { via: None, request };
        let actions = vec![
            Action::Reboot { instance: t() },
            Action::Stop {
                instance: t(),
                skip_os_shutdown: false,
            },
            Action::Stop {
                instance: t(),
                skip_os_shutdown: true,
            },
            Action::ForceStop { instance: t() },
            Action::Start { instance: t() },
            Action::Terminate {
                instance: t(),
                skip_os_shutdown: false,
            },
            Action::Terminate {
                instance: t(),
                skip_os_shutdown: true,
            },
            Action::ForceTerminate { instance: t() },
            Action::CreateImage {
                instance: t(),
                name: None,
                description: None,
                no_reboot: false,
            },
            Action::CreateImage {
                instance: t(),
                name: Some(t()),
                description: Some(t()),
                no_reboot: true,
            },
            Action::Launch {
                name: t(),
                image: t(),
            },
            Action::Setup {
                instance: t(),
                initial_master_nodes: vec![],
            },
            Action::Setup {
                instance: t(),
                initial_master_nodes: vec![t(), t()],
            },
            Action::Api {
                via: Some(t()),
                request: ApiRequest::ClusterHealth,
            },
            api(ApiRequest::CatNodes),
            api(ApiRequest::CatShards),
            api(ApiRequest::CatAllocation),
            api(ApiRequest::GetSettings),
            api(ApiRequest::SetAllocation {
                enable: AllocationEnable::All,
            }),
            api(ApiRequest::SetAllocation {
                enable: AllocationEnable::Primaries,
            }),
            api(ApiRequest::SetAllocation {
                enable: AllocationEnable::NewPrimaries,
            }),
            api(ApiRequest::SetAllocation {
                enable: AllocationEnable::None,
            }),
            api(ApiRequest::AddVotingExclusions { node_names: vec![] }),
            api(ApiRequest::AddVotingExclusions {
                node_names: vec![t()],
            }),
            api(ApiRequest::ClearVotingExclusions),
            api(ApiRequest::Flush),
            Action::CleanLogs { instance: t() },
            Action::ResizeVolume {
                instance: t(),
                gib: u64::MAX,
            },
            Action::GrowFilesystem { instance: t() },
            Action::Wait,
            Action::Describe {
                call: "DescribeInstanceStatus".into(),
            },
        ];
        actions
            .into_iter()
            .enumerate()
            .map(|(i, action)| TimedAction {
                at_ms: (i as u64) * 1_000_000_007,
                action,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_hand_written_writer_matches_serde_json_and_the_reader_reads_it() {
        let texts = [
            "a \"quoted\" \\ name\n\t\r\u{8}\u{c}\u{0}\u{1f}\u{7f}/",
            "日本語 ノード 🚀𝄞",
            "",
        ];
        let scenario = crate::scenario::builtin("seed-ami-trap").unwrap();
        for (i, text) in texts.into_iter().enumerate() {
            assert_eq!(to_string(text), serde_json::to_string(text).unwrap());
            let actions = tests_support::every_action(text);
            for a in &actions {
                assert_eq!(to_string(a), serde_json::to_string(a).unwrap());
                assert_eq!(
                    to_string(&a.action),
                    serde_json::to_string(&a.action).unwrap()
                );
            }
            for mode in PlayMode::ALL {
                let mut replay = Replay::new(
                    scenario,
                    [0, 7, crate::replay::MAX_SEED][i],
                    actions.clone(),
                )
                .with_mode(mode);
                replay.claimed_score = [None, Some(-12), Some(i64::MIN)][i];
                let compact = to_string(&replay);
                assert_eq!(compact, serde_json::to_string(&replay).unwrap());
                assert_eq!(
                    to_pretty(&replay),
                    serde_json::to_string_pretty(&replay).unwrap()
                );
                assert_eq!(crate::reader::replay_from_str(&compact), Ok(replay.clone()));
                assert_eq!(
                    crate::reader::replay_from_str(&to_pretty(&replay)),
                    Ok(replay.clone())
                );
                replay.actions.clear();
                assert_eq!(to_string(&replay), serde_json::to_string(&replay).unwrap());
            }
        }
        for n in [0u64, 9, 10, 1 << 53, u64::MAX] {
            assert_eq!(to_string(&n), n.to_string());
        }
        for n in [0i64, -1, i64::MIN, i64::MAX] {
            assert_eq!(to_string(&n), n.to_string());
        }
        for lang in [Lang::En, Lang::Ja] {
            assert_eq!(to_string(&lang), serde_json::to_string(&lang).unwrap());
        }
    }

    #[test]
    fn matches_serde_json_pretty_printer() {
        let values = [
            json!(null),
            json!(7),
            json!("a \"quoted\" {string}, with [brackets]: and \\ backslashes \\\\\""),
            json!([]),
            json!({}),
            json!([[], {}, [[]], {"a": {}}]),
            json!({"acknowledged": true, "persistent": {"cluster": {"routing": {"allocation": {"enable": "primaries"}}}}, "transient": {}}),
            json!({"k:ey,": ["v}a]l", 1.5, -2, false, null, {"x": [1, 2, {"y": "z"}]}], "日本語": "ノード"}),
        ];
        for v in values {
            assert_eq!(
                to_string_pretty(&v).unwrap(),
                serde_json::to_string_pretty(&v).unwrap()
            );
        }
    }

    #[test]
    fn matches_for_every_builtin_scenario_and_a_replay() {
        for s in crate::scenario::all() {
            assert_eq!(
                to_string_pretty(s).unwrap(),
                serde_json::to_string_pretty(s).unwrap()
            );
        }
        let scenario = crate::scenario::builtin("seed-ami-trap").unwrap();
        let actions =
            crate::script::parse("at 02:00 create-image node-2\nat 03:00 reboot node-1\n").unwrap();
        let replay = crate::replay::Replay::new(scenario, 7, actions);
        assert_eq!(
            to_string_pretty(&replay).unwrap(),
            serde_json::to_string_pretty(&replay).unwrap()
        );
    }
}
