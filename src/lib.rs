//! Quorum Drill browser game: the Yew application.
//!
//! A thin view over the simulator (`quorum_sim`): it renders the sim's state and events and
//! dispatches `Action`s. `app/` is a pure reducer with a thin effect shell; the ticker
//! (`ticker.rs`) is the only code that reads the wall clock.

#![forbid(unsafe_code)]

pub mod app;
pub mod console;
pub mod i18n;
pub mod leaderboard;
pub mod net;
pub mod panels;
#[cfg(feature = "boards")]
pub mod room;
pub mod route;
pub mod screens;
// The trainee build's `Inner` is the sim's `Rc<RefCell<_>>` itself (sim_handle.rs, on why).
#[cfg_attr(not(feature = "boards"), allow(clippy::useless_conversion))]
pub mod sim_handle;
pub mod state;
pub mod storage;
pub mod ticker;
pub mod widgets;

#[cfg(target_arch = "wasm32")]
mod bench;

/// The browser build's allocator: Talc instead of std's dlmalloc, for a smaller download
/// (ARCHITECTURE.md, "The bundle budget"). The game is single-threaded wasm32 (no atomics).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub use app::App;

/// Mounts the app on `<body>`. Only meaningful in a browser.
#[cfg(target_arch = "wasm32")]
pub fn run() {
    bench::install();
    yew::Renderer::<App>::new().render();
}
