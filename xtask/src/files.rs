//! File-system helpers shared by the commands: temporary directories, source scans, TOML
//! lines, and the random admin token (std only: no tempfile, no rand).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process;
use std::time::{Duration, SystemTime};

use crate::{Error, Result};

/// A directory under the system temp dir, removed (with its contents) on drop.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new(prefix: &str) -> Result<TempDir> {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = env::temp_dir().join(format!("{prefix}-{}-{nanos}", process::id()));
        fs::create_dir_all(&path)
            .map_err(|e| Error(format!("cannot create {}: {e}", path.display())))?;
        Ok(TempDir { path })
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// 192 random bits as hex, from std's per-process random hash keys (std only: no rand).
pub fn random_token() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    (0..3u64)
        .map(|i| {
            let mut h = RandomState::new().build_hasher();
            h.write_u64(i);
            h.write_u128(nanos);
            h.write_u32(process::id());
            format!("{:016x}", h.finish())
        })
        .collect()
}

/// Every file under `dir` (recursively) for which `pred` holds, sorted.
pub fn files_under(dir: &Path, pred: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut found = Vec::new();
    collect(dir, pred, &mut found);
    found.sort();
    found
}

fn collect(dir: &Path, pred: &dyn Fn(&Path) -> bool, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for p in entries.filter_map(|e| e.ok()).map(|e| e.path()) {
        if p.is_dir() {
            collect(&p, pred, found);
        } else if pred(&p) {
            found.push(p);
        }
    }
}

/// How many `#[wasm_bindgen_test]` attributes the .rs files under a package's src/ and
/// tests/ hold: the number of browser tests its wasm test run must report as passed.
pub fn count_wasm_tests(package_dir: &Path) -> usize {
    ["src", "tests"]
        .iter()
        .flat_map(|d| {
            files_under(&package_dir.join(d), &|p| {
                p.extension().is_some_and(|x| x == "rs")
            })
        })
        .map(|p| wasm_test_attributes(&fs::read_to_string(p).unwrap_or_default()))
        .sum()
}

/// The `#[wasm_bindgen_test]` attribute lines in one source file (not its `use` lines or
/// `wasm_bindgen_test_configure!`, and not a line that is commented out).
pub fn wasm_test_attributes(source: &str) -> usize {
    source
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with("#[wasm_bindgen_test]") || l.starts_with("#[wasm_bindgen_test("))
        .count()
}

pub fn mtime(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The value of a `key = "value"` line of TOML, if `line` is one.
pub fn toml_string(line: &str, key: &str) -> Option<String> {
    let rest = line
        .strip_prefix(key)?
        .trim_start()
        .strip_prefix('=')?
        .trim();
    Some(rest.strip_prefix('"')?.split('"').next()?.to_string())
}

/// Whether a Cargo.toml inherits the workspace lints: a `[lints]` table holding
/// `workspace = true`.
pub fn inherits_workspace_lints(manifest: &str) -> bool {
    let mut in_lints = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_lints = line == "[lints]";
        } else if in_lints {
            let compact: String = line
                .split('#')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .collect();
            if compact == "workspace=true" {
                return true;
            }
        }
    }
    false
}

/// The `members = [...]` paths of the workspace manifest.
pub fn workspace_members(manifest: &str) -> Vec<String> {
    // Without comments (no member path holds a '#'), then the array after `members`.
    let text: String = manifest
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let Some(rest) = text
        .lines()
        .position(|l| l.trim_start().starts_with("members"))
        .map(|i| text.lines().skip(i).collect::<Vec<_>>().join("\n"))
    else {
        return Vec::new();
    };
    let (Some(open), Some(close)) = (rest.find('['), rest.find(']')) else {
        return Vec::new();
    };
    rest[open + 1..close]
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

pub fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1}s")
    } else {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    }
}

/// 354211 → "354,211".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_toml_strings() {
        assert_eq!(
            toml_string(r#"version = "0.2.130""#, "version").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(
            toml_string(r#"wasm_bindgen = "0.2.130" # pin"#, "wasm_bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(toml_string(r#"wasm_bindgen_x = "1""#, "wasm_bindgen"), None);
        assert_eq!(toml_string("name = 3", "name"), None);
    }

    #[test]
    fn admin_tokens_are_48_hex_digits_and_differ() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 48);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn temp_dirs_are_removed_on_drop() {
        let t = TempDir::new("qd-xtask-test").unwrap();
        let p = t.path.clone();
        fs::write(p.join("f"), "x").unwrap();
        drop(t);
        assert!(!p.exists());
    }

    #[test]
    fn counts_wasm_test_attributes_not_uses_or_comments() {
        let src = "use wasm_bindgen_test::*;\nwasm_bindgen_test_configure!(run_in_browser);\n\
                   #[wasm_bindgen_test]\nfn a() {}\n    #[wasm_bindgen_test]\n    async fn b() {}\n\
                   // #[wasm_bindgen_test]\n#[test]\nfn c() {}\n";
        assert_eq!(wasm_test_attributes(src), 2);
    }

    #[test]
    fn finds_lints_inheritance_and_members() {
        assert!(inherits_workspace_lints(
            "[package]\nname = \"x\"\n\n[lints]\nworkspace = true # all of them\n"
        ));
        assert!(!inherits_workspace_lints(
            "[package]\nworkspace = true\n[lints.rust]\nunsafe_code = \"forbid\"\n"
        ));
        let root = "[workspace]\nmembers = [\".\", \"crates/sim\", # the core\n  \"xtask\"]\ndefault-members = [\".\"]\n";
        assert_eq!(workspace_members(root), vec![".", "crates/sim", "xtask"]);
    }

    #[test]
    fn formats_thousands() {
        assert_eq!(thousands(354_211), "354,211");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
