//! The built game: files from `--dist`, and the headers a browser gets with every answer.
//!
//! * **Content-Security-Policy**, built from the game's pages, `dist/index.html` and
//!   `dist/boards.html` (again whenever one changes, checked at most once a second, so a
//!   deploy under a running server gets the new loaders' hashes): scripts only from
//!   this origin plus the SHA-256 of each inline `<script>` Trunk writes (each page's
//!   module loader),
//!   `'wasm-unsafe-eval'` to compile the game, `frame-ancestors 'none'` (no framing; with
//!   `X-Frame-Options: DENY` for browsers before CSP 2). Style sheets only from this origin;
//!   inline `style` *attributes* are allowed (`style-src-attr`), because the game sets one
//!   (the drill clock's progress bar) and an attribute cannot run script.
//! * **Cache-Control**: `public, max-age=31536000, immutable` on the files whose names carry
//!   a content hash (Trunk's `quorum-drill-8d3ca2d7e55358b6_bg.wasm`, the scenario pack's
//!   `scenarios-<hash>.txt` that the game fetches at start), `no-cache` on everything
//!   else, `index.html` first, so that a deploy reaches every browser on its next load.
//! * **Vary: Accept-Encoding** on every answer: the same URL is served as brotli, gzip or
//!   identity depending on that header, and a cache must not mix them.
//! * Paths that resolve outside `--dist` (a symlink pointing out, in any component) are
//!   404: tower-http's `ServeDir` follows symlinks and has no option not to.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One year: the longest `max-age` caches honour.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub const NO_CACHE: &str = "no-cache";

/// The pages of the built game, in `--dist`: the trainee's bundle and the boards' one
/// (the root's Cargo.toml, feature `boards`). Each has its own inline module loader.
pub const PAGES: [&str; 2] = ["index.html", "boards.html"];

/// The Content-Security-Policy for a game whose pages are `pages` (none: the game is not
/// built, and the policy allows no script at all).
pub fn content_security_policy(pages: &[String]) -> String {
    let mut hashes: Vec<String> = pages
        .iter()
        .flat_map(|page| inline_scripts(page))
        .map(|script| format!(" 'sha256-{}'", base64(&Sha256::digest(script.as_bytes()))))
        .collect();
    hashes.sort();
    hashes.dedup();
    let hashes = hashes.concat();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The text of every inline `<script>` (one without `src`), exactly as the browser hashes it.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut scripts = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(open) = lower[from..].find("<script").map(|i| from + i) {
        let Some(tag_end) = lower[open..].find('>').map(|i| open + i + 1) else {
            break;
        };
        let Some(close) = lower[tag_end..].find("</script").map(|i| tag_end + i) else {
            break;
        };
        let tag = &lower[open..tag_end];
        let has_src = tag
            .split(|c: char| c.is_ascii_whitespace() || c == '<' || c == '>')
            .any(|attribute| attribute == "src" || attribute.starts_with("src="));
        if !has_src {
            scripts.push(&html[tag_end..close]);
        }
        from = close;
    }
    scripts
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A file name Trunk stamped with its content hash: `name-<hex>` before the extension
/// (`style-7898a63a5370e0f5.css`, `quorum-drill-8d3ca2d7e55358b6_bg.wasm`). Trunk writes
/// the 64-bit hash with `{:x}`, without leading zeros: one name in 16 has 15 digits (it had
/// `no-cache` while 16 were required), so 10 or more count (fewer: odds of 2^-24).
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.match_indices('-').any(|(i, _)| {
        let hex = name[i + 1..]
            .bytes()
            .take_while(u8::is_ascii_hexdigit)
            .count();
        hex >= 10 && matches!(name.as_bytes().get(i + 1 + hex), Some(b'.' | b'_'))
    })
}

/// The policy for the current pages, rebuilt when a page's modification time or length
/// changes (or it appears or goes).
pub struct Policy {
    pages: Vec<PathBuf>,
    state: Mutex<PolicyState>,
}

struct PolicyState {
    checked: Instant,
    stamps: Vec<Option<(SystemTime, u64)>>,
    value: HeaderValue,
}

/// How often the policy looks at the pages again at most.
const POLICY_RECHECK: Duration = Duration::from_secs(1);

fn stamp(page: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(page).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

fn policy_value(pages: &[PathBuf]) -> HeaderValue {
    let html: Vec<String> = pages
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    HeaderValue::from_str(&content_security_policy(&html))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"))
}

impl Policy {
    /// The policy of the pages [`PAGES`] in `dist`.
    pub fn new(dist: &Path) -> Policy {
        let pages: Vec<PathBuf> = PAGES.iter().map(|p| dist.join(p)).collect();
        let state = PolicyState {
            checked: Instant::now(),
            stamps: pages.iter().map(|p| stamp(p)).collect(),
            value: policy_value(&pages),
        };
        Policy {
            pages,
            state: Mutex::new(state),
        }
    }

    /// The header value, rebuilt first if a page changed since it was last built.
    fn current(&self) -> HeaderValue {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.checked.elapsed() >= POLICY_RECHECK {
            state.checked = Instant::now();
            let now: Vec<_> = self.pages.iter().map(|p| stamp(p)).collect();
            if now != state.stamps {
                state.stamps = now;
                state.value = policy_value(&self.pages);
                tracing::info!("the game's pages changed: content security policy rebuilt");
            }
        }
        state.value.clone()
    }
}

/// Sets `Content-Security-Policy` and `X-Frame-Options` on every answer.
pub async fn security_headers(
    State(policy): State<Arc<Policy>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    // At most one stat a second, on local disk: not worth a blocking-pool hop.
    let value = policy.current();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, value);
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// What the static routes share.
pub struct Dist {
    /// `--dist`, canonical (symlinks resolved): every served file must be inside it.
    pub root: Option<PathBuf>,
}

/// `Cache-Control` and `Vary` on the static answers.
pub async fn cache_headers(request: Request, next: Next) -> Response {
    let immutable = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    let value = if immutable && response.status().is_success() {
        IMMUTABLE
    } else {
        NO_CACHE
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

/// Adds `Accept-Encoding` to `Vary` unless it is there.
pub async fn vary_accept_encoding(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let present = response
        .headers()
        .get_all(header::VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("accept-encoding") || v.trim() == "*");
    if !present {
        response
            .headers_mut()
            .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// 404 for a path that resolves outside `--dist`, before `ServeDir` follows it.
pub async fn stay_inside(State(dist): State<Arc<Dist>>, request: Request, next: Next) -> Response {
    let Some(root) = dist.root.clone() else {
        return next.run(request).await;
    };
    let path = request.uri().path().to_string();
    let inside = tokio::task::spawn_blocking(move || resolves_inside(&root, &path))
        .await
        .unwrap_or(false);
    if inside {
        next.run(request).await
    } else {
        tracing::info!(
            "refused {}: it resolves outside --dist",
            request.uri().path()
        );
        (StatusCode::NOT_FOUND, Body::from("not found\n")).into_response()
    }
}

/// Whether every file `ServeDir` could open for `uri_path` (the path itself, its
/// `index.html`, the root's `index.html` it falls back to, their `.br`/`.gz` copies) lies
/// inside `root` once symlinks are resolved. A file that does not exist is inside: nothing
/// can be opened there.
fn resolves_inside(root: &Path, uri_path: &str) -> bool {
    let Some(relative) = decode_path(uri_path) else {
        return false;
    };
    let target = root.join(relative);
    let candidates = [
        target.clone(),
        target.join("index.html"),
        root.join("index.html"),
    ];
    candidates.iter().all(|file| {
        ["", ".br", ".gz"].iter().all(|suffix| {
            let mut name = file.clone().into_os_string();
            name.push(suffix);
            let path = PathBuf::from(name);
            match path.canonicalize() {
                Ok(real) => real.starts_with(root),
                // Missing: nothing to open. A dangling symlink also fails to canonicalize;
                // ServeDir cannot open it either.
                Err(_) => true,
            }
        })
    })
}

/// The URI path as a relative file path, as `ServeDir` reads it: percent-decoded, no `..`
/// (ServeDir refuses those too), no absolute components.
fn decode_path(uri_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(uri_path.trim_start_matches('/'))?;
    let mut path = PathBuf::new();
    for component in Path::new(&decoded).components() {
        match component {
            Component::Normal(part) => path.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(path)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_hashed_names_are_immutable_and_the_rest_are_not() {
        assert!(is_hashed_asset("/quorum-drill-8d3ca2d7e55358b6_bg.wasm"));
        assert!(is_hashed_asset("/quorum-drill-8d3ca2d7e55358b6.js"));
        assert!(is_hashed_asset("/style-7898a63a5370e0f5.css"));
        // The scenario pack the game fetches at start (build.rs names it by its content).
        assert!(is_hashed_asset("/scenarios-0c1f3b2a9d8e7f60.txt"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/"));
        assert!(!is_hashed_asset("/quorum-drill-8d3ca2d7.js"));
        // Trunk's `{:x}` drops leading zeros.
        assert!(is_hashed_asset("/quorum-drill-d3ca2d7e55358b6_bg.wasm"));
        assert!(is_hashed_asset("/style-898a63a5370e0.css"));
        assert!(!is_hashed_asset("/leaderboard"));
    }

    #[test]
    fn the_policy_carries_the_hash_of_each_inline_script_and_no_other() {
        let html = "<html><script type=module>import init from '/a.js';\nawait init();</script>\
                    <SCRIPT src=/b.js></SCRIPT><script>x()</script></html>";
        assert_eq!(
            inline_scripts(html),
            vec!["import init from '/a.js';\nawait init();", "x()"]
        );
        // echo -n 'x()' | openssl dgst -sha256 -binary | base64
        // The boards' page has a loader of its own; a script both pages share counts once.
        let boards = "<script>x()</script><script>y()</script>".to_string();
        let policy = content_security_policy(&[html.to_string(), boards]);
        // echo -n 'x()' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            policy
                .matches("'sha256-D6IGS8VMvCoyaR/l0h9tERrBTATY01CoPS7l6xDv0kI='")
                .count(),
            1
        );
        assert_eq!(policy.matches("'sha256-").count(), 3);
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b"a"), "YQ==");
        assert!(content_security_policy(&[]).contains("script-src 'self' 'wasm-unsafe-eval';"));
    }

    #[test]
    fn encoded_parent_steps_do_not_decode_into_a_path() {
        assert_eq!(decode_path("/a/%2e%2e/b"), None);
        assert_eq!(decode_path("/a/b%20c"), Some(PathBuf::from("a/b c")));
        assert_eq!(decode_path("/"), Some(PathBuf::new()));
    }
}
