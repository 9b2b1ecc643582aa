//! The imperative shell: what the reducer asks of the world ([`Effect`]) and what it reads
//! from it ([`Env`]), and the browser's implementation of both. Nothing outside this file
//! (and the ticker's interval) touches localStorage, `fetch`, timers, downloads or clocks.

use std::rc::Rc;

use yew::html::Scope;

use super::{App, Msg};
use crate::i18n::Lang;
#[cfg(feature = "boards")]
use crate::leaderboard::RunDetail;
use crate::leaderboard::{Competition, IdentityCreated, SubmitResponse, VersionInfo};
use crate::net;
use crate::route::Route;
use crate::storage;
use quorum_sim::replay::MAX_SEED;

/// What the reducer wants done, as data (tests read it; the shell runs it).
#[derive(Debug, PartialEq)]
pub enum Effect {
    Store(Store),
    /// Start (or restart) the ticker's interval.
    StartTicker,
    StopTicker,
    SetDocumentLang(Lang),
    /// Offer `text` as a file download.
    Download {
        filename: String,
        text: String,
    },
    /// Install the scenario pack (`GET /scenarios-<hash>.txt`, unless the scenarios are
    /// compiled in), then read storage: answered by [`Msg::ScenariosReady`] or
    /// [`Msg::ScenariosFailed`].
    FetchScenarios,
    /// `GET /api/version`, answered by [`Msg::ServerChecked`].
    CheckServer,
    /// `GET /api/competitions/{code}`, answered by [`Msg::CompetitionLoaded`].
    FetchCompetition {
        code: String,
        joining: bool,
    },
    /// `POST /api/runs` with this body as the identity `token`, answered by
    /// [`Msg::Submitted`]; without a token (this browser's first submission), first
    /// `POST /api/identities`, answered by [`Msg::IdentityCreated`], then the run as it.
    SubmitRun {
        body: String,
        token: Option<String>,
    },
    /// `GET /api/runs/{id}`, answered by [`Msg::GhostLoaded`].
    #[cfg(feature = "boards")]
    FetchRun(i64),
}

/// A write to localStorage of the state's current value (after the message is reduced); a
/// refused write comes back as [`Msg::WriteFailed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    Settings,
    Best,
    Runs,
    Local,
    Coverage,
    /// The drill in progress ([`super::AppState::saved_drill`]).
    Drill,
    ClearDrill,
    /// The player identity's token ([`super::AppState::identity`]).
    Identity,
}

/// What the reducer reads from the world: clocks and a source of seeds.
pub trait Env {
    /// Milliseconds from the page's time origin (`performance.now()`): the ticker's pace.
    fn wall_ms(&self) -> f64;
    /// The calendar clock (Unix ms), stamped on saved runs.
    fn unix_ms(&self) -> u64;
    /// A fresh random seed for the seed field (the simulator never draws randomness).
    fn random_seed(&self) -> u64;
}

/// The browser.
pub struct Browser;

impl Env for Browser {
    fn wall_ms(&self) -> f64 {
        crate::ticker::wall_ms()
    }

    fn unix_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }

    fn random_seed(&self) -> u64 {
        // Math.random has 52–53 bits of entropy; two draws keep every bit of the range
        // reachable.
        let hi = (js_sys::Math::random() * f64::from(1u32 << 21)).floor() as u64;
        let lo = (js_sys::Math::random() * 4_294_967_296.0).floor() as u64;
        ((hi << 32) | lo) & MAX_SEED
    }
}

impl App {
    /// Runs the reducer's effects, in order.
    pub(super) fn run(&mut self, link: &Scope<App>, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Store(what) => {
                    let state = &self.state;
                    let ok = match what {
                        Store::Settings => storage::save_settings(&state.settings),
                        Store::Best => storage::save_best(&state.best),
                        Store::Runs => storage::save_runs(&state.runs),
                        Store::Local => storage::save_local(&state.local),
                        Store::Coverage => storage::save_coverage(&state.coverage),
                        Store::Drill => state.saved_drill().is_none_or(|d| storage::save_drill(&d)),
                        Store::ClearDrill => {
                            storage::clear_drill();
                            true
                        }
                        Store::Identity => storage::save_identity(state.identity.as_deref()),
                    };
                    if !ok {
                        link.send_message(Msg::WriteFailed);
                    }
                }
                Effect::StartTicker => {
                    let link = link.clone();
                    self.ticker = Some(crate::ticker::start(move || link.send_message(Msg::Tick)));
                }
                Effect::StopTicker => self.ticker = None,
                Effect::SetDocumentLang(lang) => set_document_lang(lang),
                Effect::Download { filename, text } => download(&filename, &text),
                Effect::FetchScenarios => {
                    let link = link.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        match install_scenarios().await {
                            Ok(()) => {
                                link.send_message(Msg::ScenariosReady(Box::new(storage::load())));
                                if let Some(route) = start_route() {
                                    link.send_message(Msg::OpenRoute(route));
                                }
                            }
                            Err(why) => link.send_message(Msg::ScenariosFailed(why)),
                        }
                    });
                }
                Effect::CheckServer => {
                    // A JSON answer means a leaderboard server; anything else (a static
                    // host's 404 page, no answer) means none.
                    let link = link.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        let version = net::get::<VersionInfo>("/api/version").await.ok();
                        link.send_message(Msg::ServerChecked(version.map(Rc::new)));
                    });
                }
                Effect::FetchCompetition { code, joining } => {
                    let link = link.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        let url = format!("/api/competitions/{}", net::encode(&code));
                        let result = net::get::<Competition>(&url).await.map(Rc::new);
                        link.send_message(Msg::CompetitionLoaded {
                            code,
                            result,
                            fetched_at: js_sys::Date::now(),
                            joining,
                        });
                    });
                }
                Effect::SubmitRun { body, token } => {
                    let link = link.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        let token = match token {
                            Some(token) => token,
                            None => {
                                let minted = net::post::<IdentityCreated>(
                                    "/api/identities",
                                    "{}".into(),
                                    None,
                                )
                                .await;
                                let token = minted.as_ref().ok().map(|m| m.token.clone());
                                link.send_message(Msg::IdentityCreated(minted));
                                match token {
                                    Some(token) => token,
                                    None => return,
                                }
                            }
                        };
                        let result =
                            net::post::<SubmitResponse>("/api/runs", body, Some(&token)).await;
                        link.send_message(Msg::Submitted(result.map(Rc::new)));
                    });
                }
                #[cfg(feature = "boards")]
                Effect::FetchRun(id) => {
                    let link = link.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        let result = net::get::<RunDetail>(&format!("/api/runs/{id}")).await;
                        link.send_message(Msg::GhostLoaded(result.map(Rc::new)));
                    });
                }
            }
        }
    }
}

/// The scenario pack's file in dist (build.rs: its content hash is in the name).
pub const SCENARIOS_FILE: &str = env!("QD_SCENARIOS_FILE");

/// Fetches and installs the scenario pack, unless the scenarios are compiled in (the wasm
/// test suites build the sim with `embedded-scenarios`).
async fn install_scenarios() -> Result<(), String> {
    if quorum_sim::scenario::installed() {
        return Ok(());
    }
    let text = net::get_text(&format!("/{SCENARIOS_FILE}"))
        .await
        .map_err(|f| f.message)?;
    quorum_sim::scenario::install_packed(&text).map_err(|e| e.0)
}

fn set_document_lang(lang: Lang) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = el.set_attribute("lang", if lang == Lang::Ja { "ja" } else { "en" });
    }
}

/// Offers `text` as a file download.
fn download(filename: &str, text: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(a) = document.create_element("a") {
        let _ = a.set_attribute("href", &url);
        let _ = a.set_attribute("download", filename);
        if let Some(body) = document.body() {
            let _ = body.append_child(&a);
            if let Ok(a) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(a) {
                a.click();
                let _ = body.remove_child(&a);
            }
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// The board the page's address names at start (route.rs).
fn start_route() -> Option<Route> {
    Route::parse(&web_sys::window()?.location().hash().ok()?)
}

/// Puts the board on show into the page's address. The trainee's bundle has no board
/// screens, so there this leaves for boards.html with the board's address; boards.html
/// rewrites its own fragment in place (no history entry per filter: Back leaves the boards).
pub(super) fn show_route(route: Option<&Route>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    #[cfg(not(feature = "boards"))]
    if let Some(route) = route {
        // Refused only for a malformed URL, which the page's link below would show too.
        let _ = window.location().assign(&route.page());
    }
    #[cfg(feature = "boards")]
    {
        let location = window.location();
        let (Ok(path), Ok(search)) = (location.pathname(), location.search()) else {
            return;
        };
        let url = format!(
            "{path}{search}{}",
            route.map(Route::hash).unwrap_or_default()
        );
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
}
