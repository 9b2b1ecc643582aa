//! The room's shell: the lobby (open a room, join by code), the role picker, the WebSocket
//! (gloo-net over the browser's), and the screens of the roles. What the server's messages
//! mean is `model.rs`'s; this file connects, renders and sends.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures_channel::mpsc::{unbounded, UnboundedSender};
use futures_util::{SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message};
use gloo_storage::{SessionStorage, Storage};
use quorum_proto::team::{
    ClientMsg, CountsFor, Entry, EntryKind, OpenRoom, Permission, Role, RoomOpened, ServerMsg,
    TeamResult, SPEEDS,
};
use quorum_sim::action::Action;
use quorum_sim::scenario::{self, FaultKind, Lang};
use quorum_sim::time::fmt_count;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::model::{Link, Model};
use crate::console::Ec2Console;
use crate::i18n::{clock, tr};
use crate::net;
use crate::panels::chart::use_width;
use crate::panels::util::{store_value, target_checked};
use crate::panels::{
    datastore_panel, notifications, runbook_panel, traffic_panel, ApiConsole, EventLog,
    RunbookProps, SimProps, TRAFFIC_WIDTH_PX,
};
use crate::route::Route;
use crate::sim_handle::SimHandle;

#[derive(Properties, PartialEq)]
pub struct RoomProps {
    pub lang: Lang,
    /// The room's code (`#room=CODE`); none: the lobby.
    #[prop_or_default]
    pub code: Option<AttrValue>,
    /// This browser's player identity token: sent with every hello (a room that counts for
    /// a competition's team or a cohort seats its members by it) and, to open a room for a
    /// competition, as the host's identity.
    #[prop_or_default]
    pub identity: Option<AttrValue>,
    pub on_route: Callback<Route>,
}

/// `#room` and `#room=CODE`.
#[function_component(RoomScreen)]
pub fn room_screen(p: &RoomProps) -> Html {
    match &p.code {
        None => {
            html! { <Lobby lang={p.lang} identity={p.identity.clone()} on_route={p.on_route.clone()} /> }
        }
        Some(code) => {
            html! { <Room key={code.to_string()} lang={p.lang} code={code.clone()} identity={p.identity.clone()} /> }
        }
    }
}

fn host_key_item(code: &str) -> String {
    format!("qd.room.host.{code}")
}

// ---- the lobby ------------------------------------------------------------------------

#[derive(Properties, PartialEq)]
struct LobbyProps {
    lang: Lang,
    identity: Option<AttrValue>,
    on_route: Callback<Route>,
}

/// What the lobby's new room counts for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CountsChoice {
    Practice,
    Competition,
    Cohort,
}

#[function_component(Lobby)]
fn lobby(p: &LobbyProps) -> Html {
    let lang = p.lang;
    let course = scenario::course();
    let first = course
        .iter()
        .find(|s| s.id == "seed-ami-trap")
        .or(course.first())
        .map(|s| s.id.clone())
        .unwrap_or_default();
    let scenario_id = use_state(move || first);
    let seed = use_state(|| "1".to_string());
    let two_person = use_state(|| true);
    let code = use_state(String::new);
    let failure = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let counts = use_state(|| CountsChoice::Practice);
    let competition = use_state(String::new);
    let cohort = use_state(String::new);
    // A trainer's cohorts (the trainer token of the trainer pages), for a cohort's drill.
    let trainer = use_memo((), |_| crate::storage::trainer_token().0);
    let cohorts = use_state(|| None::<Vec<quorum_proto::trainer::Cohort>>);
    {
        let (cohorts, trainer, counts) = (cohorts.clone(), (*trainer).clone(), *counts);
        use_effect_with(counts == CountsChoice::Cohort, move |wanted| {
            if let (true, Some(token), None) = (*wanted, trainer, &*cohorts) {
                spawn_local(async move {
                    let list: Result<Vec<quorum_proto::trainer::Cohort>, net::Failure> =
                        net::call("GET", "/api/trainer/cohorts", None, Some(&token)).await;
                    cohorts.set(Some(list.unwrap_or_default()));
                });
            }
        });
    }

    let on_open = {
        let (scenario_id, seed, two_person, failure, busy, on_route) = (
            scenario_id.clone(),
            seed.clone(),
            two_person.clone(),
            failure.clone(),
            busy.clone(),
            p.on_route.clone(),
        );
        let (counts, competition, cohort, identity, trainer) = (
            counts.clone(),
            competition.clone(),
            cohort.clone(),
            p.identity.clone(),
            (*trainer).clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Ok(seed_value) = seed.trim().parse::<u64>() else {
                failure.set(Some(
                    tr(lang, "The seed is a whole number.", "シードは整数です。").into(),
                ));
                return;
            };
            // Who opens it: the host's identity for a competition's team, the trainer for a
            // cohort (the server checks both).
            let (competition_code, cohort_id, bearer) = match *counts {
                CountsChoice::Practice => (None, None, None),
                CountsChoice::Competition => {
                    let Some(token) = identity.as_ref().map(|t| t.to_string()) else {
                        failure.set(Some(tr(lang,
                            "This browser has no player identity yet: a team forms with its members' runs, so submit a run of the competition with your team's name first.",
                            "このブラウザにはまだプレイヤーキー がありません。チームはメンバーの記録で作られます。先に競技の記録をチーム名付きで登録してください。").into()));
                        return;
                    };
                    let code = competition.trim().to_string();
                    if code.is_empty() {
                        failure.set(Some(
                            tr(
                                lang,
                                "Type the competition's join code.",
                                "競技の参加コードを入力してください。",
                            )
                            .into(),
                        ));
                        return;
                    }
                    (Some(code), None, Some(token))
                }
                CountsChoice::Cohort => {
                    let Ok(id) = cohort.parse::<i64>() else {
                        failure.set(Some(
                            tr(
                                lang,
                                "Pick one of your cohorts.",
                                "担当のコホートを選んでください。",
                            )
                            .into(),
                        ));
                        return;
                    };
                    (None, Some(id), trainer.clone())
                }
            };
            let body = OpenRoom {
                scenario_id: (*scenario_id).clone(),
                seed: seed_value,
                two_person_rule: *two_person,
                speed: None,
                competition: competition_code,
                cohort_id,
            };
            let body = serde_json::to_string(&body).unwrap_or_default();
            let (failure, busy, on_route) = (failure.clone(), busy.clone(), on_route.clone());
            busy.set(true);
            spawn_local(async move {
                let opened: Result<RoomOpened, net::Failure> =
                    net::call("POST", "/api/rooms", Some(body), bearer.as_deref()).await;
                busy.set(false);
                match opened {
                    Ok(o) => {
                        let _ = SessionStorage::set(host_key_item(&o.code), o.host_key);
                        on_route.emit(Route::Room { code: Some(o.code) });
                    }
                    Err(f) => failure.set(Some(f.text(lang))),
                }
            });
        })
    };
    let on_join = {
        let (code, on_route) = (code.clone(), p.on_route.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let c: String = code
                .trim()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_uppercase();
            if !c.is_empty() {
                on_route.emit(Route::Room { code: Some(c) });
            }
        })
    };
    let on_two = {
        let two_person = two_person.clone();
        Callback::from(move |e: Event| two_person.set(target_checked(&e)))
    };

    html! {
        <div class="room-lobby">
            <h1 class="screen-title">{ tr(lang, "Team drill", "チーム訓練") }</h1>
            <p class="lead">{ tr(lang,
                "One live incident, several people in real roles: an incident commander who decides, an operator at the console, communications for the stakeholders, and a game master who injects faults. Every browser runs the same simulation from the room's ordered log.",
                "ひとつの障害に、役割を持った複数人で取り組みます。判断するインシデントコマンダー、コンソールを操作するオペレーター、関係者に状況を伝える広報担当、障害を注入するゲームマスター。各ブラウザは部屋の順序付きログから同じシミュレーションを実行します。") }</p>
            <div class="room-lobby-cards">
                <form class="card" onsubmit={on_open} aria-labelledby="room-open-title">
                    <div class="card-header"><h2 id="room-open-title">{ tr(lang, "Open a room", "部屋を作る") }</h2></div>
                    <div class="card-body">
                        <label class="field">
                            <span class="label">{ tr(lang, "Scenario", "シナリオ") }</span>
                            <select name="scenario" onchange={store_value::<Event>(&scenario_id)}>
                                { for course.iter().map(|s| html! {
                                    <option value={s.id.clone()} selected={s.id == *scenario_id}>{ s.title.get(lang).to_string() }</option>
                                }) }
                            </select>
                        </label>
                        <label class="field">
                            <span class="label">{ tr(lang, "Seed", "シード") }</span>
                            <input name="seed" type="number" min="0" value={(*seed).clone()} oninput={store_value::<InputEvent>(&seed)} />
                        </label>
                        <label class="check">
                            <input name="two-person" type="checkbox" checked={*two_person} onchange={on_two} />
                            { tr(lang, " Two-person rule: the operator's risky actions wait for the commander", " 二人ルール: オペレーターの危険な操作はコマンダーの承認を待つ") }
                        </label>
                        <label class="field">
                            <span class="label">{ tr(lang, "Counts for", "集計先") }</span>
                            <select name="counts-for" onchange={{
                                let counts = counts.clone();
                                Callback::from(move |e: Event| {
                                    let v: web_sys::HtmlSelectElement = e.target_unchecked_into();
                                    counts.set(match v.value().as_str() {
                                        "competition" => CountsChoice::Competition,
                                        "cohort" => CountsChoice::Cohort,
                                        _ => CountsChoice::Practice,
                                    });
                                })
                            }}>
                                <option value="practice" selected={*counts == CountsChoice::Practice}>{ tr(lang, "Nothing: practice", "なし（練習）") }</option>
                                <option value="competition" selected={*counts == CountsChoice::Competition}>{ tr(lang, "My team, in a competition", "競技での自分のチーム") }</option>
                                <option value="cohort" selected={*counts == CountsChoice::Cohort} disabled={trainer.is_none()}>{ tr(lang, "A cohort of mine (trainer)", "担当のコホート（トレーナー）") }</option>
                            </select>
                        </label>
                        if *counts == CountsChoice::Competition {
                            <label class="field">
                                <span class="label">{ tr(lang, "Competition join code", "競技の参加コード") }</span>
                                <input name="competition" autocomplete="off" value={(*competition).clone()} oninput={store_value::<InputEvent>(&competition)} />
                            </label>
                            <p class="muted small" data-counts-rule="competition">{ tr(lang,
                                "It counts for your team there, on the competition's team-drill table. Only your team's members take the commander's, operator's and communications' seats; there is no game master; in an Exam competition every operator action waits for the commander, with no forecast.",
                                "競技でのあなたのチームに、チーム訓練の表で加算されます。コマンダー・オペレーター・広報担当の席にはチームのメンバーだけが着けます。ゲームマスターはいません。試験モードの競技では、オペレーターの操作はすべて予測なしでコマンダーの承認を待ちます。") }</p>
                        }
                        if *counts == CountsChoice::Cohort {
                            <label class="field">
                                <span class="label">{ tr(lang, "Cohort", "コホート") }</span>
                                <select name="cohort" onchange={store_value::<Event>(&cohort)}>
                                    <option value="" selected={cohort.is_empty()}>{ tr(lang, "Pick a cohort", "コホートを選ぶ") }</option>
                                    { for cohorts.as_deref().unwrap_or_default().iter().map(|c| html! {
                                        <option value={c.id.to_string()} selected={*cohort == c.id.to_string()}>{ c.name.clone() }</option>
                                    }) }
                                </select>
                            </label>
                            <p class="muted small" data-counts-rule="cohort">{ tr(lang,
                                "Your cohort page lists the drill with who held each role. The acting seats are your trainees'; you may be the game master.",
                                "コホートのページに、誰がどの役割を担ったかとともに表示されます。操作する席には受講者が着きます。あなたはゲームマスターになれます。") }</p>
                        }
                        if *counts == CountsChoice::Practice {
                            <p class="muted small">{ tr(lang, "You host the room: you may take the game master's seat.", "部屋のホストはゲームマスターになれます。") }</p>
                        }
                        <button type="submit" class="btn btn-primary" disabled={*busy} data-action="open-room">{ tr(lang, "Open room", "部屋を作る") }</button>
                    </div>
                </form>
                <form class="card" onsubmit={on_join} aria-labelledby="room-join-title">
                    <div class="card-header"><h2 id="room-join-title">{ tr(lang, "Join a room", "部屋に参加") }</h2></div>
                    <div class="card-body">
                        <label class="field">
                            <span class="label">{ tr(lang, "Room code", "部屋のコード") }</span>
                            <input name="code" autocomplete="off" value={(*code).clone()} oninput={store_value::<InputEvent>(&code)} />
                        </label>
                        <button type="submit" class="btn btn-normal" data-action="join-room">{ tr(lang, "Join", "参加") }</button>
                    </div>
                </form>
            </div>
            if let Some(f) = &*failure { <p class="alert alert-error" role="alert">{ f.clone() }</p> }
        </div>
    }
}

// ---- the connection -------------------------------------------------------------------

/// One member's connection to the room, reconnecting (with the seat's token and the last
/// entry held) when it drops, until the drill ends.
struct Conn {
    model: RefCell<Model>,
    tx: RefCell<Option<UnboundedSender<String>>>,
    generation: Cell<u32>,
    /// The screen was left: no more reconnects.
    gone: Cell<bool>,
    redraw: Callback<()>,
    /// The browser says it is offline (`offline`/`online` events): the link is dropped and
    /// waits for the network. Chromium keeps an open WebSocket through its offline
    /// emulation, and a real network loss can leave a socket half open, so the shell does
    /// not wait for the socket to notice.
    offline: Cell<bool>,
    /// When the server was last heard from (`Date.now()`, ms): while the room's clock runs
    /// it sends `clock` every 100 ms, so a silence of [`SILENT_MS`] is a lost link.
    heard_at: Cell<f64>,
    watch: RefCell<Vec<Box<dyn std::any::Any>>>,
}

/// *Chosen*: a running room's silence after which the link counts as lost.
const SILENT_MS: f64 = 5_000.0;

fn ws_url(code: &str) -> String {
    let location = web_sys::window().map(|w| w.location());
    let host = location
        .as_ref()
        .and_then(|l| l.host().ok())
        .unwrap_or_default();
    let secure = location
        .as_ref()
        .and_then(|l| l.protocol().ok())
        .is_some_and(|p| p == "https:");
    format!(
        "{}://{host}/api/rooms/{code}/ws",
        if secure { "wss" } else { "ws" }
    )
}

impl Conn {
    fn send(&self, msg: &ClientMsg) {
        if let (Some(tx), Ok(text)) = (&*self.tx.borrow(), serde_json::to_string(msg)) {
            let _ = tx.unbounded_send(text);
        }
    }

    fn connect(self: &Rc<Self>) {
        let generation = self.generation.get() + 1;
        self.generation.set(generation);
        // The previous connection's writer ends with its channel; its reader at its next
        // message (the generation moved on), and the socket closes with both.
        self.tx.borrow_mut().take();
        let code = self.model.borrow().code.clone();
        let ws = match WebSocket::open(&ws_url(&code)) {
            Ok(ws) => ws,
            Err(_) => {
                self.model.borrow_mut().closed();
                self.redraw.emit(());
                self.reconnect_in(2_000);
                return;
            }
        };
        self.model.borrow_mut().link = Link::Connecting;
        self.heard_at.set(js_sys::Date::now());
        let (mut write, mut read) = ws.split();
        let (tx, mut rx) = unbounded::<String>();
        *self.tx.borrow_mut() = Some(tx);
        let hello = self.model.borrow().hello();
        self.send(&hello);
        spawn_local(async move {
            while let Some(text) = rx.next().await {
                if write.send(Message::Text(text)).await.is_err() {
                    break;
                }
            }
        });
        let me = self.clone();
        spawn_local(async move {
            while let Some(msg) = read.next().await {
                if me.generation.get() != generation || me.gone.get() {
                    return;
                }
                me.heard_at.set(js_sys::Date::now());
                let text = match msg {
                    Ok(Message::Text(text)) => text,
                    Ok(Message::Bytes(_)) => continue,
                    Err(_) => break,
                };
                let Ok(msg) = serde_json::from_str::<ServerMsg>(&text) else {
                    continue;
                };
                let welcome = matches!(msg, ServerMsg::Welcome { .. });
                let replies = me.model.borrow_mut().receive(msg);
                if welcome {
                    let m = me.model.borrow();
                    if let (Some(token), None) = (&m.token, &m.fatal) {
                        let seat = Seat {
                            role: m.role,
                            name: m.name.clone(),
                            token: token.clone(),
                        };
                        let _ = SessionStorage::set(seat_item(&m.code), seat);
                    }
                }
                for r in &replies {
                    me.send(r);
                }
                let resync = me.model.borrow().resync;
                me.redraw.emit(());
                if resync {
                    me.drop_link();
                    me.reconnect_in(0);
                    return;
                }
            }
            if me.generation.get() != generation || me.gone.get() {
                return;
            }
            me.model.borrow_mut().closed();
            me.redraw.emit(());
            if me.model.borrow().should_reconnect() {
                me.reconnect_in(2_000);
            }
        });
    }

    fn reconnect_in(self: &Rc<Self>, ms: u32) {
        let me = Rc::downgrade(self);
        gloo_timers::callback::Timeout::new(ms, move || {
            if let Some(me) = me.upgrade() {
                if !me.gone.get() && !me.offline.get() && me.model.borrow().link == Link::Closed {
                    me.connect();
                }
            }
        })
        .forget();
    }

    /// Drops the connection (its tasks end with the generation), the seat kept.
    fn drop_link(&self) {
        self.generation.set(self.generation.get() + 1);
        self.tx.borrow_mut().take();
        self.model.borrow_mut().closed();
        self.redraw.emit(());
    }

    /// Watches the browser's network events and the server's silence, for this
    /// connection's life (the closures hold it weakly; `leave` drops them).
    fn watch(self: &Rc<Self>) {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let Some(window) = web_sys::window() else {
            return;
        };
        let mut held: Vec<Box<dyn std::any::Any>> = Vec::new();
        for (event, online) in [("offline", false), ("online", true)] {
            let me = Rc::downgrade(self);
            let on = Closure::<dyn Fn()>::new(move || {
                let Some(me) = me.upgrade() else { return };
                me.offline.set(!online);
                if online {
                    if me.model.borrow().should_reconnect() {
                        me.connect();
                    }
                } else {
                    me.drop_link();
                }
            });
            let _ = window.add_event_listener_with_callback(event, on.as_ref().unchecked_ref());
            held.push(Box::new(EventHook {
                event,
                callback: on,
            }));
        }
        let me = Rc::downgrade(self);
        let tick = gloo_timers::callback::Interval::new(1_000, move || {
            let Some(me) = me.upgrade() else { return };
            let silent = js_sys::Date::now() - me.heard_at.get() > SILENT_MS;
            let running = {
                let m = me.model.borrow();
                m.link == Link::Open && !m.ended() && m.room.as_ref().is_some_and(|r| r.speed > 0)
            };
            if silent && running && !me.offline.get() {
                me.drop_link();
                me.reconnect_in(0);
            }
        });
        held.push(Box::new(tick));
        *self.watch.borrow_mut() = held;
    }

    fn leave(&self) {
        self.gone.set(true);
        self.generation.set(self.generation.get() + 1);
        self.tx.borrow_mut().take();
        self.watch.borrow_mut().clear();
    }
}

/// A window event listener, removed when dropped.
struct EventHook {
    event: &'static str,
    callback: wasm_bindgen::closure::Closure<dyn Fn()>,
}

impl Drop for EventHook {
    fn drop(&mut self) {
        use wasm_bindgen::JsCast;
        if let Some(w) = web_sys::window() {
            let _ = w.remove_event_listener_with_callback(
                self.event,
                self.callback.as_ref().unchecked_ref(),
            );
        }
    }
}

// ---- the room -------------------------------------------------------------------------

#[derive(Properties, PartialEq)]
struct RoomInnerProps {
    lang: Lang,
    code: AttrValue,
    identity: Option<AttrValue>,
}

#[function_component(Room)]
fn room(p: &RoomInnerProps) -> Html {
    let lang = p.lang;
    let code = p.code.to_string();
    let identity = p.identity.as_ref().map(|t| t.to_string());
    let host_key = use_memo(code.clone(), |code| {
        SessionStorage::get::<String>(host_key_item(code)).ok()
    });
    let conn = use_mut_ref(|| None::<Rc<Conn>>);
    let force = use_force_update();
    let name = use_state(String::new);
    let role = use_state(|| None::<Role>);
    let pick_error = use_state(|| None::<String>);
    {
        let (conn, force, code, host_key, identity) = (
            conn.clone(),
            force.clone(),
            code.clone(),
            (*host_key).clone(),
            identity.clone(),
        );
        use_effect_with((), move |_| {
            // A reload (or a second tab) of a seat held in this tab: take it again.
            if let Ok(seat) = SessionStorage::get::<Seat>(seat_item(&code)) {
                let key = (seat.role == Role::GameMaster)
                    .then_some(host_key)
                    .flatten();
                let mut model = Model::new(&code, seat.role, &seat.name, key);
                model.token = Some(seat.token);
                model.identity = identity;
                join(&conn, &force, model);
            }
            move || {
                if let Some(c) = conn.borrow().as_ref() {
                    c.leave();
                }
            }
        });
    }

    let joined = conn.borrow().clone();
    // The room's screen once welcomed, or while joining; the picker otherwise.
    let Some(c) = joined.filter(|c| {
        let m = c.model.borrow();
        m.room.is_some() || (m.fatal.is_none() && m.link != Link::Closed)
    }) else {
        let fatal = conn.borrow().as_ref().map(|c| {
            c.model.borrow().fatal.clone().unwrap_or_else(|| {
                tr(
                    lang,
                    "Could not reach the room: check its code, or it has closed.",
                    "部屋に接続できませんでした。コードを確かめてください。部屋が閉じられた可能性もあります。",
                )
                .to_string()
            })
        });
        let on_join = {
            let (conn, name, role, pick_error, force, host_key, code, identity) = (
                conn.clone(),
                name.clone(),
                role.clone(),
                pick_error.clone(),
                force.clone(),
                (*host_key).clone(),
                code.clone(),
                identity.clone(),
            );
            Callback::from(move |e: SubmitEvent| {
                e.prevent_default();
                // The boards' name rule, as the server checks the hello's name.
                let trimmed = match crate::leaderboard::validate_name(
                    quorum_proto::names::NameKind::Player,
                    &name,
                    lang,
                ) {
                    Ok(trimmed) => trimmed,
                    Err(reason) => {
                        pick_error.set(Some(reason));
                        return;
                    }
                };
                let Some(r) = *role else {
                    pick_error.set(Some(
                        tr(lang, "Pick a role.", "役割を選んでください。").to_string(),
                    ));
                    return;
                };
                pick_error.set(None);
                let key = (r == Role::GameMaster).then(|| host_key.clone()).flatten();
                let mut model = Model::new(&code, r, &trimmed, key);
                model.identity = identity.clone();
                join(&conn, &force, model);
                force.force_update();
            })
        };
        let roles = Role::ALL.iter().map(|&r| {
            let hosted = host_key.is_some();
            let disabled = r == Role::GameMaster && !hosted;
            let onchange = {
                let role = role.clone();
                Callback::from(move |_: Event| role.set(Some(r)))
            };
            html! {
                <label class={classes!("role-choice", format!("role-{}", r.as_str()), disabled.then_some("disabled"))}>
                    <input type="radio" name="role" value={r.as_str()} checked={*role == Some(r)} {disabled} {onchange} />
                    <span class="role-name">{ r.label(lang == Lang::Ja) }</span>
                    <span class="muted small">{ role_hint(r, lang) }</span>
                </label>
            }
        });
        return html! {
            <div class="room-lobby">
                <h1 class="screen-title">{ tr(lang, "Team drill", "チーム訓練") }{ " " }<span class="mono room-code" data-room-code={code.clone()}>{ code.clone() }</span></h1>
                <form class="card room-pick" onsubmit={on_join}>
                    <div class="card-header"><h2>{ tr(lang, "Take a seat", "席に着く") }</h2></div>
                    <div class="card-body">
                        <label class="field">
                            <span class="label">{ tr(lang, "Your name", "あなたの名前") }</span>
                            <input name="name" autocomplete="nickname" maxlength="32" value={(*name).clone()} oninput={store_value::<InputEvent>(&name)} />
                        </label>
                        <fieldset class="roles">
                            <legend>{ tr(lang, "Role", "役割") }</legend>
                            { for roles }
                        </fieldset>
                        <button type="submit" class="btn btn-primary" data-action="take-seat">{ tr(lang, "Join the room", "部屋に入る") }</button>
                    </div>
                </form>
                if let Some(e) = (*pick_error).clone() { <p class="alert alert-error" role="alert">{ e }</p> }
                if let Some(f) = fatal { <p class="alert alert-error" role="alert" data-refusal="">{ f }</p> }
            </div>
        };
    };
    html! { <RoomView {lang} conn={ConnRef(c)} /> }
}

/// The seat this tab holds in a room (sessionStorage): a reload takes it again.
#[derive(serde::Serialize, serde::Deserialize)]
struct Seat {
    role: Role,
    name: String,
    token: String,
}

fn seat_item(code: &str) -> String {
    format!("qd.room.seat.{code}")
}

/// Connects `model`'s member, replacing the connection this screen had.
fn join(slot: &Rc<RefCell<Option<Rc<Conn>>>>, force: &UseForceUpdateHandle, model: Model) {
    let redraw = {
        let force = force.clone();
        Callback::from(move |()| force.force_update())
    };
    let c = Rc::new(Conn {
        model: RefCell::new(model),
        tx: RefCell::new(None),
        generation: Cell::new(0),
        gone: Cell::new(false),
        redraw,
        offline: Cell::new(false),
        heard_at: Cell::new(0.0),
        watch: RefCell::new(Vec::new()),
    });
    if let Some(old) = slot.borrow_mut().replace(c.clone()) {
        old.leave();
    }
    c.watch();
    c.connect();
    force.force_update();
}

/// What the drill counts for, in the room's bar.
fn counts_badge(counts: Option<&CountsFor>, lang: Lang) -> Html {
    match counts {
        None => html! {},
        Some(CountsFor::Competition {
            name,
            team,
            require_exam,
            ..
        }) => html! {
            <span class="badge counts-badge" data-counts-for="competition" title={if *require_exam { tr(lang, "Exam: no forecast; every operator action waits for the commander", "試験モード: 予測なし。オペレーターの操作はすべてコマンダーの承認待ち") } else { "" }}>
                { match lang {
                    Lang::Ja => format!("競技「{name}」チーム {team} に加算"),
                    _ => format!("counts for team {team} in {name}"),
                } }
            </span>
        },
        Some(CountsFor::Cohort { name, .. }) => html! {
            <span class="badge counts-badge" data-counts-for="cohort">
                { match lang {
                    Lang::Ja => format!("コホート「{name}」の記録"),
                    _ => format!("counts for cohort {name}"),
                } }
            </span>
        },
    }
}

fn role_hint(r: Role, lang: Lang) -> &'static str {
    match r {
        Role::Commander => tr(
            lang,
            "Decides and acts: approves or declines the operator's risky actions, works the console directly (no approval needed), sets the clock, declares resolved.",
            "判断し、操作する: オペレーターの危険な操作の承認・却下、コンソールの直接操作（承認不要）、時計の速度、解決の宣言。",
        ),
        Role::Operator => tr(
            lang,
            "At the console and the API console; risky actions go to the commander.",
            "コンソールと API コンソールを操作。危険な操作はコマンダーの承認待ち。",
        ),
        Role::Communications => tr(
            lang,
            "Answers the stakeholders and posts status updates.",
            "関係者のメッセージに答え、状況を報告。",
        ),
        Role::GameMaster => tr(
            lang,
            "The host only: sees the hidden branches, injects faults.",
            "ホストのみ: 隠れた分岐が見え、障害を注入できる。",
        ),
        Role::Spectator => tr(lang, "Watches and may chat.", "観戦し、チャットできる。"),
    }
}

#[derive(Clone)]
struct ConnRef(Rc<Conn>);

impl PartialEq for ConnRef {
    fn eq(&self, _other: &ConnRef) -> bool {
        // Re-rendered on every message: the model changed.
        false
    }
}

#[derive(Properties, PartialEq)]
struct RoomViewProps {
    lang: Lang,
    conn: ConnRef,
}

#[function_component(RoomView)]
fn room_view(p: &RoomViewProps) -> Html {
    let lang = p.lang;
    let conn = p.conn.0.clone();
    let traffic = use_node_ref();
    let traffic_width = use_width(&traffic, TRAFFIC_WIDTH_PX);
    let chat = use_state(String::new);
    let status = use_state(String::new);
    let eta = use_state(String::new);
    let fault = use_state(String::new);
    let target = use_state(String::new);
    let reason = use_state(String::new);

    let m = conn.model.borrow();
    let (Some(room), Some(follower), Some(scn)) = (&m.room, &m.follower, m.scenario) else {
        return html! {
            <p class="loading" role="status" data-link="connecting">{ tr(lang, "Joining the room…", "部屋に入っています…") }</p>
        };
    };
    let sim = SimHandle::following(follower.clone(), m.version);
    let send = {
        let conn = conn.clone();
        Callback::from(move |msg: ClientMsg| conn.send(&msg))
    };
    let propose = send.reform(Model::propose);
    let propose_all = {
        let send = send.clone();
        Callback::from(move |actions: Vec<Action>| {
            for a in actions {
                send.emit(Model::propose(a));
            }
        })
    };
    let ja = lang == Lang::Ja;
    let (now, duration) = {
        let s = sim.borrow();
        (s.now_ms(), s.duration_ms())
    };
    let role = m.role;
    let props = SimProps {
        sim: sim.clone(),
        lang,
        player: None,
    };
    let team_name: AttrValue = tr(lang, "The team", "チーム").into();

    // The bar: room, clock, speed, link, members.
    let speed_view = if m.may(Permission::SetSpeed) && !m.ended() && m.link == Link::Open {
        let buttons = SPEEDS.iter().map(|&s| {
            let active = room.speed == s;
            let onclick = send.reform(move |_: MouseEvent| ClientMsg::SetSpeed { speed: s });
            html! {
                <button type="button" class={if active { "seg active" } else { "seg" }} aria-pressed={if active { "true" } else { "false" }} {onclick} data-speed={s.to_string()}>
                    { if s == 0 { tr(lang, "❚❚", "❚❚").to_string() } else { format!("{s}×") } }
                </button>
            }
        });
        html! { <div class="segmented" role="group" aria-label={tr(lang, "Speed", "速度")}>{ for buttons }</div> }
    } else {
        html! { <span class="muted" data-room-speed={room.speed.to_string()}>{ if room.speed == 0 { tr(lang, "paused", "一時停止中").to_string() } else { format!("{}×", room.speed) } }</span> }
    };
    let link_label = match m.link {
        Link::Open => tr(lang, "connected", "接続中"),
        Link::Connecting => tr(lang, "connecting…", "接続しています…"),
        Link::Closed => tr(
            lang,
            "offline: reconnecting…",
            "オフライン: 再接続しています…",
        ),
    };
    let link_key = match m.link {
        Link::Open => "open",
        Link::Connecting => "connecting",
        Link::Closed => "closed",
    };
    let members = room.members.iter().map(|mv| {
        html! {
            <li class={classes!("member", format!("role-{}", mv.role.as_str()), (!mv.online).then_some("offline"))}>
                <span class="role-dot" aria-hidden="true"></span>
                <span class="member-name">{ mv.name.clone() }</span>
                <span class="muted small">{ format!(" ({})", mv.role.label(ja)) }</span>
            </li>
        }
    });
    let bar = html! {
        <div class="room-bar drill-bar" role="toolbar" aria-label={tr(lang, "Room", "部屋")}>
            <div class="drill-id">
                <span class="drill-title">{ scn.title.get(lang).to_string() }</span>
                <span class="drill-meta">
                    <span class={classes!("badge", "role-badge", format!("role-{}", role.as_str()))} data-my-role={role.as_str()}>{ role.label(ja) }</span>
                    <span class="mono">{ format!("{} {}", tr(lang, "room", "部屋"), room.code) }</span>
                    <span class="mono">{ format!("{} {}", tr(lang, "seed", "シード"), room.seed) }</span>
                    { counts_badge(room.counts_for.as_ref(), lang) }
                </span>
            </div>
            <div class="clock" role="timer" aria-label={tr(lang, "Simulation time", "シミュレーション時刻")}
                data-checkpoint={m.checkpoint.as_ref().map(|(tick, hash)| format!("{tick}:{hash}"))}>
                <span class="clock-now mono" data-now-ms={now.to_string()}>{ clock(now) }</span>
                <span class="clock-total mono">{ format!("/ {}", clock(duration)) }</span>
            </div>
            <div class="clock-controls">{ speed_view }</div>
            <span class={classes!("room-link", format!("link-{link_key}"))} data-link={link_key} role="status">{ link_label }</span>
            <ul class="room-members" aria-label={tr(lang, "Members", "メンバー")}>{ for members }</ul>
        </div>
    };

    // Waiting proposals: everyone sees them; the commander decides.
    let waiting = m.waiting();
    // Nothing can be sent while the link is down: the controls wait for it.
    let offline = m.link != Link::Open;
    let decide = m.may(Permission::Decide) && !m.ended() && !offline;
    let approvals = html! {
        <section class="panel room-approvals" aria-label={tr(lang, "Waiting for the commander", "コマンダーの承認待ち")} data-testid="approvals">
            <header class="panel-head"><h2>{ tr(lang, "Waiting for the commander", "コマンダーの承認待ち") }</h2>
                <span class="muted small">{ if room.two_person_rule { tr(lang, "two-person rule on", "二人ルール: オン") } else { tr(lang, "two-person rule off", "二人ルール: オフ") } }</span>
            </header>
            if decide && !waiting.is_empty() {
                <label class="field decline-reason">
                    <span class="label">{ tr(lang, "Why, if you decline (optional, shown to the room)", "却下する理由（任意、部屋に表示）") }</span>
                    <input name="decline-reason" maxlength="500" value={(*reason).clone()} oninput={store_value::<InputEvent>(&reason)} />
                </label>
            }
            <ul class="proposal-list">
                if waiting.is_empty() { <li class="muted small">{ tr(lang, "Nothing waits.", "承認待ちはありません。") }</li> }
                { for waiting.iter().map(|e| {
                    let EntryKind::Proposed { action, risk, risk_ja } = &e.kind else { return html! {} };
                    let seq = e.seq;
                    let risk = if ja && !risk_ja.is_empty() { risk_ja.clone() } else { risk.clone() };
                    html! {
                        <li class="proposal" data-proposal={seq.to_string()}>
                            <div><span class="mono">{ format!("#{seq} ") }</span><code>{ action.to_script() }</code>
                                <span class="muted small">{ format!(" — {} {}", e.by, clock(e.tick_ms)) }</span></div>
                            <p class="proposal-risk small">{ risk }</p>
                            if decide {
                                <div class="proposal-actions">
                                    <button type="button" class="btn btn-primary btn-sm" data-action="approve" onclick={send.reform(move |_: MouseEvent| ClientMsg::Approve { proposal: seq })}>{ tr(lang, "Approve", "承認") }</button>
                                    <button type="button" class="btn btn-normal btn-sm" data-action="decline" onclick={{
                                        let (send, reason) = (send.clone(), reason.clone());
                                        Callback::from(move |_: MouseEvent| {
                                            let why = reason.trim().to_string();
                                            send.emit(ClientMsg::Decline { proposal: seq, reason: (!why.is_empty()).then_some(why) });
                                            reason.set(String::new());
                                        })
                                    }}>{ tr(lang, "Decline", "却下") }</button>
                                </div>
                            }
                        </li>
                    }
                }) }
            </ul>
        </section>
    };

    // The team's log and the chat.
    let on_chat = {
        let (chat, send) = (chat.clone(), send.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let text = chat.trim().to_string();
            if !text.is_empty() {
                send.emit(ClientMsg::Chat { text });
                chat.set(String::new());
            }
        })
    };
    let timeline = html! {
        <section class="panel room-log" aria-label={tr(lang, "Team log and chat", "チームのログとチャット")}>
            <header class="panel-head"><h2>{ tr(lang, "Team log and chat", "チームのログとチャット") }</h2></header>
            <ol class="room-entries" aria-live="polite">
                { for m.log.iter().rev().filter(|e| shown_in_log(e)).take(80).map(|e| entry_view(e, lang, m.decision(e.seq))) }
            </ol>
            <form class="room-chat" onsubmit={on_chat}>
                <input name="chat" autocomplete="off" maxlength="500" aria-label={tr(lang, "Message to the room", "部屋へのメッセージ")}
                    placeholder={tr(lang, "Message to the room", "部屋へのメッセージ")} value={(*chat).clone()} oninput={store_value::<InputEvent>(&chat)} disabled={m.ended() || offline} />
                <button type="submit" class="btn btn-normal btn-sm" data-action="chat" disabled={m.ended() || offline}>{ tr(lang, "Send", "送信") }</button>
            </form>
        </section>
    };

    let read_only = !m.may_act();
    let main = match role {
        Role::Operator => html! {
            <>
                <div class="area area-ec2"><Ec2Console sim={sim.clone()} {lang} {read_only} on_actions={propose_all} /></div>
                <div class="area area-datastore">{ datastore_panel(&props) }</div>
                <div class="area area-api" inert={read_only}><ApiConsole sim={sim.clone()} {lang} on_action={propose} paused={room.speed == 0} /></div>
                <div class="area area-notifications">{ notifications(&props) }</div>
            </>
        },
        Role::Commander => {
            let resolve = send.reform(|_: MouseEvent| ClientMsg::Resolve);
            html! {
                <>
                    <section class="panel room-command">
                        <header class="panel-head"><h2>{ tr(lang, "Command", "指揮") }</h2></header>
                        <p class="small">{ tr(lang, "Set the clock in the bar above. When the cluster is whole again, declare the incident resolved: the drill ends and is scored.", "時計の速度は上のバーで設定します。クラスターが元に戻ったら解決を宣言します。訓練が終わり、採点されます。") }</p>
                        <p class="small" data-testid="commander-acts">{ tr(lang, "You may also act yourself, at the console and the API console below: you are the second person, so your actions apply at once and need no approval.", "下のコンソールと API コンソールで自分で操作することもできます。あなたが二人目なので、操作は承認なしですぐに適用されます。") }</p>
                        <button type="button" class="btn btn-primary" data-action="resolve" onclick={resolve} disabled={m.ended() || offline}>{ tr(lang, "Declare resolved", "解決を宣言") }</button>
                    </section>
                    <div class="area area-ec2"><Ec2Console sim={sim.clone()} {lang} {read_only} on_actions={propose_all} /></div>
                    <div class="area area-datastore">{ datastore_panel(&props) }</div>
                    <div class="area area-api" inert={read_only}><ApiConsole sim={sim.clone()} {lang} on_action={propose} paused={room.speed == 0} /></div>
                    <div class="area area-traffic">{ traffic_panel(&props, &traffic, traffic_width) }</div>
                    <div class="area area-notifications">{ notifications(&props) }</div>
                </>
            }
        }
        Role::Communications => {
            let on_status = {
                let (status, eta, send) = (status.clone(), eta.clone(), send.clone());
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    let text = status.trim().to_string();
                    if text.is_empty() {
                        return;
                    }
                    let eta_min = eta.trim().parse::<u32>().ok();
                    send.emit(ClientMsg::Status { text, eta_min });
                    status.set(String::new());
                    eta.set(String::new());
                })
            };
            let s = sim.borrow();
            let messages: Vec<Html> = s
                .events()
                .iter()
                .rev()
                .filter_map(|e| match &e.kind {
                    quorum_sim::EventKind::Chat { from, text } => Some(html! {
                        <li class="stakeholder-msg">
                            <time class="mono muted">{ clock(e.at_ms) }</time>
                            <strong>{ format!(" {}: ", scenario::sender_label(from, lang)) }</strong>
                            <span>{ text.get(lang).to_string() }</span>
                        </li>
                    }),
                    _ => None,
                })
                .collect();
            let updates = m
                .log
                .iter()
                .rev()
                .filter(|e| matches!(e.kind, EntryKind::Status { .. }))
                .map(|e| entry_view(e, lang, None));
            html! {
                <>
                    <section class="panel room-stakeholders" data-testid="stakeholders">
                        <header class="panel-head"><h2>{ tr(lang, "Stakeholder messages", "関係者からのメッセージ") }</h2></header>
                        <ol class="stakeholder-list">
                            if messages.is_empty() { <li class="muted small">{ tr(lang, "No message yet.", "まだメッセージはありません。") }</li> }
                            { for messages }
                        </ol>
                    </section>
                    <section class="panel room-status">
                        <header class="panel-head"><h2>{ tr(lang, "Status update", "状況報告") }</h2></header>
                        <form class="room-status-form" onsubmit={on_status}>
                            <textarea name="status" maxlength="500" rows="3" aria-label={tr(lang, "Status update", "状況報告")}
                                value={(*status).clone()} oninput={store_value::<InputEvent>(&status)} disabled={m.ended() || offline} />
                            <label class="field">
                                <span class="label">{ tr(lang, "ETA to full redundancy, minutes (optional: promise only what the cluster can do)", "完全な冗長性までの見込み（分、任意: クラスターにできることだけを約束する）") }</span>
                                <input name="eta" type="number" min="0" value={(*eta).clone()} oninput={store_value::<InputEvent>(&eta)} disabled={m.ended() || offline} />
                            </label>
                            <button type="submit" class="btn btn-primary" data-action="post-status" disabled={m.ended() || offline}>{ tr(lang, "Post update", "報告を送る") }</button>
                        </form>
                        <ol class="room-entries">{ for updates }</ol>
                    </section>
                    <div class="area area-datastore">{ datastore_panel(&props) }</div>
                    <div class="area area-traffic">{ traffic_panel(&props, &traffic, traffic_width) }</div>
                </>
            }
        }
        Role::GameMaster => {
            let case = room.branch_case.clone().unwrap_or_default();
            let label = scn
                .branch_cases()
                .into_iter()
                .find(|c| c.id == case)
                .map(|c| c.label.get(lang).to_string())
                .unwrap_or_default();
            let names: Vec<String> = sim
                .borrow()
                .instances()
                .iter()
                .map(|i| i.name.clone())
                .collect();
            let chosen_fault = room
                .injectable
                .iter()
                .find(|f| f.as_str() == fault.as_str())
                .or(room.injectable.first())
                .copied();
            let chosen_target = names
                .iter()
                .find(|n| **n == *target)
                .or(names.first())
                .cloned();
            let on_inject = {
                let (send, chosen_target) = (send.clone(), chosen_target.clone());
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    if let (Some(fault), Some(instance)) = (chosen_fault, chosen_target.clone()) {
                        send.emit(ClientMsg::Inject { fault, instance });
                    }
                })
            };
            html! {
                <>
                    <section class="panel room-gm" data-testid="hidden-branches">
                        <header class="panel-head"><h2>{ tr(lang, "Hidden branches", "隠れた分岐") }</h2></header>
                        <p class="small">{ tr(lang, "The case this seed drew (the others do not see it):", "このシードで引かれたケース（他の人には見えません）:") }</p>
                        <p><code data-branch-case={case.clone()}>{ case.clone() }</code></p>
                        <p class="small">{ label }</p>
                    </section>
                    <section class="panel room-inject">
                        <header class="panel-head"><h2>{ tr(lang, "Inject a fault", "障害を注入") }</h2></header>
                        <form class="room-inject-form" onsubmit={on_inject}>
                            <label class="field">
                                <span class="label">{ tr(lang, "Fault (the scenario's kinds)", "障害（シナリオの種類）") }</span>
                                <select name="fault" onchange={store_value::<Event>(&fault)}>
                                    { for room.injectable.iter().map(|f: &FaultKind| html! {
                                        <option value={f.as_str()} selected={Some(*f) == chosen_fault}>{ f.label(lang) }</option>
                                    }) }
                                </select>
                            </label>
                            <label class="field">
                                <span class="label">{ tr(lang, "Instance", "インスタンス") }</span>
                                <select name="instance" onchange={store_value::<Event>(&target)}>
                                    { for names.iter().map(|n| html! { <option value={n.clone()} selected={Some(n) == chosen_target.as_ref()}>{ n.clone() }</option> }) }
                                </select>
                            </label>
                            <button type="submit" class="btn btn-danger" data-action="inject" disabled={m.ended() || offline || room.injectable.is_empty()}>{ tr(lang, "Inject", "注入") }</button>
                        </form>
                    </section>
                    <div class="area area-runbook">{ runbook_panel(&RunbookProps { sim: sim.clone(), lang, mode: quorum_sim::PlayMode::WhatIf }) }</div>
                    <div class="area area-datastore">{ datastore_panel(&props) }</div>
                    <div class="area area-ec2"><Ec2Console sim={sim.clone()} {lang} read_only=true on_actions={Callback::noop()} /></div>
                </>
            }
        }
        Role::Spectator => html! {
            <>
                <div class="area area-datastore">{ datastore_panel(&props) }</div>
                <div class="area area-traffic">{ traffic_panel(&props, &traffic, traffic_width) }</div>
                <div class="area area-notifications">{ notifications(&props) }</div>
            </>
        },
    };

    html! {
        <div class={classes!("room-screen", format!("as-{}", role.as_str()))} data-room={room.code.clone()}>
            { bar }
            if let Some(r) = &m.refusal {
                <p class="alert alert-error" role="alert" data-refusal="">{ r.clone() }{ " " }
                    <button type="button" class="icon-btn" aria-label={tr(lang, "Dismiss", "閉じる")} onclick={{
                        let conn = conn.clone();
                        Callback::from(move |_: MouseEvent| {
                            conn.model.borrow_mut().refusal = None;
                            conn.redraw.emit(());
                        })
                    }}>{ "✕" }</button>
                </p>
            }
            if !m.divergences.is_empty() {
                <p class="alert alert-error" role="alert" data-divergence="">{ match lang {
                    Lang::En => format!("Lockstep divergence: {} at {}", m.divergences.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", "), clock(m.divergences[0].0)),
                    Lang::Ja => format!("ロックステップの不一致: {}（{}）", m.divergences.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join("、"), clock(m.divergences[0].0)),
                } }</p>
            }
            if let Some(result) = &m.result { { result_view(result, lang) } }
            <div class="room-grid">
                <div class="room-main">{ main }</div>
                <aside class="room-side">
                    { approvals }
                    { timeline }
                    <div class="area area-log"><EventLog sim={sim.clone()} {lang} player={Some(team_name)} /></div>
                </aside>
            </div>
        </div>
    }
}

/// Joins and leaves are shown in the members list; the rest is the team's timeline.
fn shown_in_log(e: &Entry) -> bool {
    !matches!(e.kind, EntryKind::Joined | EntryKind::Left)
}

fn entry_view(e: &Entry, lang: Lang, decision: Option<bool>) -> Html {
    let ja = lang == Lang::Ja;
    let (kind, text) = match &e.kind {
        EntryKind::Action { action, proposal } => (
            "action",
            match (proposal, lang) {
                (None, Lang::En) => format!("ran {}", action.to_script()),
                (None, Lang::Ja) => format!("実行: {}", action.to_script()),
                (Some(p), Lang::En) => {
                    format!("ran {} (proposal #{p}, approved)", action.to_script())
                }
                (Some(p), Lang::Ja) => {
                    format!("実行: {}（提案 #{p}、承認済み）", action.to_script())
                }
            },
        ),
        EntryKind::Proposed { action, .. } => ("proposed", {
            let state = match (decision, lang) {
                (None, Lang::En) => "waits for the commander",
                (None, Lang::Ja) => "コマンダーの承認待ち",
                (Some(true), Lang::En) => "approved",
                (Some(true), Lang::Ja) => "承認済み",
                (Some(false), Lang::En) => "declined",
                (Some(false), Lang::Ja) => "却下",
            };
            match lang {
                Lang::En => format!("proposes #{} {} — {state}", e.seq, action.to_script()),
                Lang::Ja => format!("提案 #{} {} — {state}", e.seq, action.to_script()),
            }
        }),
        EntryKind::Approved { proposal } => (
            "approved",
            match lang {
                Lang::En => format!("approved #{proposal}"),
                Lang::Ja => format!("#{proposal} を承認"),
            },
        ),
        EntryKind::Declined { proposal, reason } => (
            "declined",
            match (lang, reason) {
                (Lang::En, None) => format!("declined #{proposal}"),
                (Lang::Ja, None) => format!("#{proposal} を却下"),
                (Lang::En, Some(r)) => format!("declined #{proposal}: {r}"),
                (Lang::Ja, Some(r)) => format!("#{proposal} を却下: {r}"),
            },
        ),
        EntryKind::Chat { text } => ("chat", text.clone()),
        EntryKind::Status { text, eta_min } => (
            "status",
            match (lang, eta_min) {
                (Lang::En, None) => format!("Status update: {text}"),
                (Lang::Ja, None) => format!("状況報告: {text}"),
                (Lang::En, Some(m)) => format!("Status update: {text} (ETA {m} min)"),
                (Lang::Ja, Some(m)) => format!("状況報告: {text}（見込み {m} 分）"),
            },
        ),
        EntryKind::Speed { speed } => (
            "speed",
            match (lang, speed) {
                (Lang::En, 0) => "paused the clock".to_string(),
                (Lang::Ja, 0) => "時計を一時停止".to_string(),
                (Lang::En, s) => format!("set the clock to {s}×"),
                (Lang::Ja, s) => format!("時計を {s}× に設定"),
            },
        ),
        EntryKind::Joined => ("joined", tr(lang, "joined", "が参加").to_string()),
        EntryKind::Left => ("left", tr(lang, "left", "が退出").to_string()),
        EntryKind::Resolved => (
            "resolved",
            tr(
                lang,
                "declared the incident resolved",
                "インシデントの解決を宣言",
            )
            .to_string(),
        ),
    };
    html! {
        <li key={e.seq} class={classes!("room-entry", format!("role-{}", e.role.as_str()), format!("kind-{kind}"))} data-kind={kind} data-seq={e.seq.to_string()}>
            <time class="mono muted">{ clock(e.tick_ms) }</time>
            <span class="entry-by" title={e.role.label(ja)}>{ format!(" {} ", e.by) }</span>
            <span class="entry-text">{ text }</span>
        </li>
    }
}

fn result_view(r: &TeamResult, lang: Lang) -> Html {
    let ja = lang == Lang::Ja;
    html! {
        <section class="panel room-result" data-testid="team-result" aria-label={tr(lang, "The team's result", "チームの結果")}>
            <header class="panel-head"><h2>{ tr(lang, "Drill over: the team's result, verified by the server", "訓練終了: サーバーが検証したチームの結果") }</h2></header>
            <p>
                { tr(lang, "Score ", "スコア ") }<strong data-team-score={r.score.to_string()}>{ fmt_count(r.score.unsigned_abs()) }</strong>
                { format!(" · {} {}", tr(lang, "grade", "評価"), r.grade) }
                { format!(" · {} {}", tr(lang, "divergences", "不一致"), r.divergences) }
            </p>
            <p class="room-exports">
                <button type="button" class="btn btn-normal btn-sm" data-action="export-replay" onclick={{
                    let replay = serde_json::to_string_pretty(&r.record.replay).unwrap_or_default();
                    let name = format!("team-drill-{}-{}.replay.json", r.record.replay.scenario_id, r.record.replay.seed);
                    Callback::from(move |_: MouseEvent| crate::screens::trainer::download_text(&name, "application/json", &replay))
                }}>{ tr(lang, "Export the replay (JSON)", "リプレイを書き出す（JSON）") }</button>
                { " " }
                <button type="button" class="btn btn-normal btn-sm" data-action="export-record" onclick={{
                    let record = serde_json::to_string_pretty(&r.record).unwrap_or_default();
                    let name = format!("team-drill-{}-{}.record.json", r.record.replay.scenario_id, r.record.replay.seed);
                    Callback::from(move |_: MouseEvent| crate::screens::trainer::download_text(&name, "application/json", &record))
                }}>{ tr(lang, "Export the team's log (JSON)", "チームのログを書き出す（JSON）") }</button>
            </p>
            <table class="table small">
                <thead><tr>
                    <th>{ tr(lang, "Role", "役割") }</th><th>{ tr(lang, "Actions", "操作") }</th><th>{ tr(lang, "Penalty", "ペナルティ") }</th>
                    <th>{ tr(lang, "Approvals", "承認") }</th><th>{ tr(lang, "Declines", "却下") }</th><th>{ tr(lang, "Answered", "回答") }</th><th>{ tr(lang, "Points", "ポイント") }</th>
                </tr></thead>
                <tbody>
                    { for r.roles.iter().map(|s| html! {
                        <tr class={format!("role-{}", s.role.as_str())}>
                            <td>{ s.role.label(ja) }</td><td>{ s.actions }</td><td>{ s.penalty_points }</td><td>{ s.approvals }</td>
                            <td>{ s.declines }</td><td>{ format!("{}/{}", s.answered, s.messages) }</td><td>{ s.points }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </section>
    }
}
