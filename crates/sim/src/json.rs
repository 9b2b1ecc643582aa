//! Pretty-printing without serde_json's `PrettyFormatter`.
//!
//! Every `Serialize` type instantiated with a second formatter is compiled twice into the
//! game's wasm. The game writes compact JSON everywhere (event-log hash, storage, submissions)
//! and pretty JSON in two places (API answers, exported replays), so those two re-indent the
//! compact text instead: the output is byte-identical to `serde_json::to_string_pretty`
//! (two-space indent, `"key": value`, `[]` and `{}` for empty containers).

use serde::Serialize;

/// `value` as serde_json's pretty printer writes it.
pub fn to_string_pretty<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    serde_json::to_string(value).map(|compact| reindent(&compact))
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
