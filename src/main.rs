//! Entry point of the browser build (Trunk builds this binary for wasm32).

#![forbid(unsafe_code)]

#[cfg(target_arch = "wasm32")]
fn main() {
    quorum_drill::run();
}

// A native build of this binary exists only so that `cargo test --workspace` and
// `cargo build --workspace` work; the game runs in the browser.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "quorum-drill is a browser game: run `cargo xtask run` and open http://127.0.0.1:8080"
    );
}
