//! The root component, as a reducer in the spirit of yew's function_todomvc:
//!
//! | file         | holds                                                            |
//! |--------------|------------------------------------------------------------------|
//! | `msg.rs`     | [`Msg`]: everything that can happen                              |
//! | `state.rs`   | [`AppState`] and its pure reducer `reduce(msg, env) -> effects`  |
//! | `drill.rs`   | the drill's messages: clock, actions, end, debrief, replays      |
//! | `online.rs`  | the server's messages: boards, competitions, submit, ghosts      |
//! | `effects.rs` | [`Effect`] and [`Env`], and the shell that runs them in a browser |
//! | `view.rs`    | the top bar, notices and screens, from the state                 |
//!
//! The component itself only owns what cannot be data: the ticker's interval.

use gloo_timers::callback::Interval;
use yew::prelude::*;

mod drill;
mod effects;
mod msg;
mod online;
mod state;
#[cfg(test)]
mod tests;
mod view;

pub use effects::{Browser, Effect, Env, Store};
pub use msg::Msg;
pub use state::{AppState, Boot, Screen, Server};

pub struct App {
    state: AppState,
    ticker: Option<Interval>,
    /// The screen shown at the last render (a change scrolls back to the top).
    rendered_screen: &'static str,
    /// The board address the page shows (route.rs); kept in step after each render.
    route: Option<crate::route::Route>,
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        // Storage is read once the scenarios are installed (Msg::ScenariosReady).
        let (state, effects) = AppState::booting(&Browser);
        let mut app = App {
            state,
            ticker: None,
            rendered_screen: "",
            route: None,
        };
        app.run(ctx.link(), effects);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        let (render, effects) = self.state.reduce(msg, &Browser);
        self.run(ctx.link(), effects);
        render
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        let route = self.state.route();
        if route != self.route {
            effects::show_route(route.as_ref());
            self.route = route;
        }
        let name = self.state.screen.name();
        if name != self.rendered_screen {
            self.rendered_screen = name;
            if let Some(w) = web_sys::window() {
                w.scroll_to_with_x_and_y(0.0, 0.0);
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        view::view(&self.state, ctx.link())
    }
}
