//! Quorum Drill browser game: the Yew application.
//!
//! The UI proper comes later; for now this is the smallest app that the build, the
//! wasm-bindgen browser tests and the Playwright end-to-end tests can exercise.

pub mod i18n;
pub mod panels;
pub mod sim_handle;

use yew::prelude::*;

/// The root component of the game.
#[component]
pub fn App() -> Html {
    html! {
        <main class="app">
            <h1>{ "Quorum Drill" }</h1>
        </main>
    }
}

/// Mounts the app on `<body>`. Only meaningful in a browser.
#[cfg(target_arch = "wasm32")]
pub fn run() {
    yew::Renderer::<App>::new().render();
}
