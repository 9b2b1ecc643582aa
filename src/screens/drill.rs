//! The game screen: the drill bar (clock, speed, skip, end), the action flashbar, the EC2
//! console and the datastore/traffic/notification/log panels, and mentor mode's warning.

use quorum_sim::action::Action;
use yew::prelude::*;

use crate::console::dialogs::confirm_footer;
use crate::console::Ec2Console;
use crate::i18n::{clock, tr, Lang};
use crate::panels::chart::use_width;
use crate::panels::{
    datastore_panel, notifications, runbook_panel, traffic_panel, ApiConsole, EventLog,
    RunbookProps, SimProps, TRAFFIC_WIDTH_PX,
};
use crate::screens::on_click;
use crate::sim_handle::SimHandle;
use crate::state::{Flash, Mode, Pending, SPEEDS};
use crate::widgets::Dialog;
use quorum_sim::time::fmt_count;

#[derive(Properties, PartialEq)]
pub struct DrillScreenProps {
    pub sim: SimHandle,
    pub lang: Lang,
    pub mode: Mode,
    /// What the replay records (What-if for a rewound run): what the runbook panel reveals.
    pub play_mode: quorum_sim::PlayMode,
    pub title: AttrValue,
    pub seed: u64,
    /// What-if or replay banner.
    #[prop_or_default]
    pub banner: Option<AttrValue>,
    #[prop_or_default]
    pub read_only: bool,
    /// Whose run a ghost replay shows (its actions are logged under that name).
    #[prop_or_default]
    pub player: Option<AttrValue>,
    pub speed: u32,
    pub paused: bool,
    /// Whether "skip to the next event" has anything to skip to (the sim's
    /// `Playback::can_skip`).
    pub can_skip: bool,
    pub flashes: Vec<Flash>,
    pub pending: Option<Pending>,
    pub on_actions: Callback<Vec<Action>>,
    pub on_speed: Callback<u32>,
    pub on_pause: Callback<()>,
    pub on_skip: Callback<()>,
    pub on_end: Callback<()>,
    pub on_quit: Callback<()>,
    pub on_dismiss_flash: Callback<u64>,
    /// Mentor dialog answered: true = do it anyway.
    pub on_mentor: Callback<bool>,
}

#[derive(Clone, Copy, PartialEq)]
enum Confirm {
    End,
    Quit,
}

#[component]
pub fn DrillScreen(props: &DrillScreenProps) -> Html {
    let lang = props.lang;
    let confirm = use_state_eq(|| None::<Confirm>);
    let traffic = use_node_ref();
    let traffic_width = use_width(&traffic, TRAFFIC_WIDTH_PX);
    let (now, duration, over) = {
        let sim = props.sim.borrow();
        (sim.now_ms(), sim.duration_ms(), sim.is_over())
    };
    let pct = if duration == 0 {
        100.0
    } else {
        now as f64 * 100.0 / duration as f64
    };

    let speed_buttons = SPEEDS.iter().map(|&s| {
        let active = props.speed == s;
        let onclick = crate::screens::click_emits(&props.on_speed, s);
        html! {
            <button type="button" class={if active { "seg active" } else { "seg" }} aria-pressed={if active { "true" } else { "false" }}
                {onclick} data-speed={s.to_string()}>{ format!("{s}×") }</button>
        }
    });
    let on_pause = on_click(&props.on_pause);
    let on_skip = on_click(&props.on_skip);
    let ask = |c: Confirm| {
        let confirm = confirm.clone();
        Callback::from(move |_: MouseEvent| confirm.set(Some(c)))
    };
    let close_confirm = {
        let confirm = confirm.clone();
        Callback::from(move |_| confirm.set(None))
    };

    let confirm_dialog = match *confirm {
        None => html! {},
        Some(which) => {
            let on_yes = {
                let (confirm, end, quit) =
                    (confirm.clone(), props.on_end.clone(), props.on_quit.clone());
                Callback::from(move |_: MouseEvent| {
                    confirm.set(None);
                    match which {
                        Confirm::End => end.emit(()),
                        Confirm::Quit => quit.emit(()),
                    }
                })
            };
            let (title, text, yes) = match which {
                Confirm::End => (
                    tr(lang, "End the drill now?", "訓練をここで終了しますか？"),
                    if props.read_only {
                        tr(lang, "The replay plays on to the scenario's end at once, then its debrief opens.", "リプレイを最後まで一気に再生し、振り返りを開きます。")
                    } else {
                        tr(lang, "The simulation runs on to the scenario's end at once, with no further actions from you; then the debrief opens.", "これ以上の操作なしで、シミュレーションをシナリオの最後まで一気に進め、振り返りを開きます。")
                    },
                    tr(lang, "End drill", "訓練を終了"),
                ),
                Confirm::Quit => (
                    tr(lang, "Quit to the home screen?", "ホーム画面に戻りますか？"),
                    tr(
                        lang,
                        "This drill is discarded: it gets no debrief and no score.",
                        "この訓練は破棄され、振り返りもスコアも残りません。",
                    ),
                    tr(lang, "Quit drill", "訓練をやめる"),
                ),
            };
            let footer = confirm_footer(
                lang,
                "btn btn-link",
                on_click(&close_confirm),
                "btn btn-primary",
                yes,
                on_yes,
            );
            html! {
                <Dialog id="confirm-dialog" title={title} {lang} on_close={close_confirm.clone()} {footer} alert=true>
                    <p>{ text }</p>
                </Dialog>
            }
        }
    };

    let mentor_dialog = match &props.pending {
        None => html! {},
        Some(p) => {
            let answer = |yes: bool| props.on_mentor.reform(move |_: MouseEvent| yes);
            let cancel = props.on_mentor.reform(|()| false);
            let footer = confirm_footer(
                lang,
                "btn btn-normal",
                answer(false),
                "btn btn-danger",
                tr(lang, "Do it anyway", "それでも実行する"),
                answer(true),
            );
            html! {
                <Dialog id="mentor-dialog" title={tr(lang, "Mentor: predicted impact", "メンター: 予測される影響")} {lang} on_close={cancel} {footer} alert=true class="mentor">
                    <p class="mentor-lead">{ match lang {
                        Lang::En => format!("I forked the simulation and ran it to {}, with and without this action:", clock(p.forecast_end_ms)),
                        Lang::Ja => format!("シミュレーションを分岐させ、この操作をした場合としなかった場合を {} まで実行しました:", clock(p.forecast_end_ms)),
                    } }</p>
                    <ul class="mentor-warnings">
                        { for p.warnings.iter().map(|(script, summary)| html! {
                            <li><code>{ script.clone() }</code><p class="mentor-summary">{ summary.clone() }</p></li>
                        }) }
                    </ul>
                    <dl class="mentor-figures">
                        <div><dt>{ tr(lang, "Extra outage", "追加の障害時間") }</dt><dd>{ clock(p.extra_outage_ms) }{ if p.still_down_at_end { "+" } else { "" } }</dd></div>
                        <div><dt>{ tr(lang, "Extra failed requests", "追加の失敗リクエスト") }</dt><dd>{ fmt_count(p.extra_failed) }</dd></div>
                        <div><dt>{ tr(lang, "Penalty", "ペナルティ") }</dt><dd>{ fmt_count(p.penalty_points.unsigned_abs()) }</dd></div>
                    </dl>
                </Dialog>
            }
        }
    };

    let flashes = props.flashes.iter().rev().map(|f| {
        let dismiss = crate::screens::click_emits(&props.on_dismiss_flash, f.id);
        let text = if f.ok {
            match lang {
                Lang::En => format!("{} — request accepted", f.action),
                Lang::Ja => format!("{} — リクエストを受け付けました", f.action),
            }
        } else {
            match lang {
                Lang::En => format!("{} — failed: {}", f.action, f.reason),
                Lang::Ja => format!("{} — 失敗: {}", f.action, f.reason),
            }
        };
        html! {
            <div key={f.id} class={if f.ok { "flash flash-ok" } else { "flash flash-error" }} role={if f.ok { "status" } else { "alert" }}>
                <span class="flash-icon" aria-hidden="true">{ if f.ok { "✓" } else { "✕" } }</span>
                <span class="flash-time mono">{ clock(f.at_ms) }</span>
                <span class="flash-text">{ text }</span>
                <button type="button" class="icon-btn" aria-label={tr(lang, "Dismiss", "閉じる")} onclick={dismiss}>{ "✕" }</button>
            </div>
        }
    });

    let api_action = {
        let (cb, ro) = (props.on_actions.clone(), props.read_only);
        Callback::from(move |a: Action| {
            if !ro {
                cb.emit(vec![a]);
            }
        })
    };

    html! {
        <div class="drill-screen">
            <div class="drill-bar" role="toolbar" aria-label={tr(lang, "Drill controls", "訓練の操作")}>
                <div class="drill-id">
                    <span class="drill-title">{ props.title.clone() }</span>
                    <span class="drill-meta">
                        if props.read_only {
                            <span class="badge badge-replay">{ tr(lang, "Replay", "リプレイ") }</span>
                        } else {
                            <span class={match props.mode { Mode::Mentor => "badge badge-mentor", Mode::Exam => "badge badge-exam" }}>{ props.mode.label(lang) }</span>
                        }
                        <span class="mono">{ format!("{} {}", tr(lang, "seed", "シード"), props.seed) }</span>
                    </span>
                </div>
                <div class="clock" role="timer" aria-label={tr(lang, "Simulation time", "シミュレーション時刻")}>
                    <span class="clock-now mono" data-now-ms={now.to_string()}>{ clock(now) }</span>
                    <span class="clock-total mono">{ format!("/ {}", clock(duration)) }</span>
                    <div class="clock-progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow={crate::i18n::fixed(pct, 0)}
                        aria-label={tr(lang, "Drill progress", "訓練の進行")}>
                        <div class="clock-progress-fill" style={format!("width:{}%", crate::i18n::fixed(pct, 2))}></div>
                    </div>
                </div>
                <div class="clock-controls">
                    <button type="button" class="btn btn-normal pause-btn" onclick={on_pause} aria-pressed={if props.paused { "true" } else { "false" }} disabled={over}>
                        { if props.paused { tr(lang, "▶ Resume", "▶ 再開") } else { tr(lang, "❚❚ Pause", "❚❚ 一時停止") } }
                    </button>
                    <div class="segmented" role="group" aria-label={tr(lang, "Speed", "速度")}>{ for speed_buttons }</div>
                    <button type="button" class="btn btn-normal" onclick={on_skip} disabled={!props.can_skip}
                        title={tr(lang, "Run until the next scheduled event", "次に予定されている出来事まで進める")}>
                        { tr(lang, "▶▶ Skip to next event", "▶▶ 次の出来事へ") }
                    </button>
                </div>
                <div class="drill-end">
                    <button type="button" class="btn btn-normal" onclick={ask(Confirm::End)}>{ tr(lang, "End drill", "訓練を終了") }</button>
                    <button type="button" class="btn btn-link" onclick={ask(Confirm::Quit)}>{ tr(lang, "Quit", "やめる") }</button>
                </div>
            </div>
            if let Some(b) = &props.banner {
                <div class="banner" role="note">{ b.clone() }</div>
            }
            <div class="console-grid">
                <div class="area area-ec2">
                    <Ec2Console sim={props.sim.clone()} {lang} read_only={props.read_only} on_actions={props.on_actions.clone()} />
                </div>
                <div class="col col-main">
                    <div class="area area-datastore">{ datastore_panel(&SimProps { sim: props.sim.clone(), lang, player: None }) }</div>
                    <div class={if props.read_only { "area area-api read-only" } else { "area area-api" }} inert={props.read_only}><ApiConsole sim={props.sim.clone()} {lang} on_action={api_action} paused={props.paused} /></div>
                </div>
                <div class="col col-side">
                    <div class="area area-runbook">{ runbook_panel(&RunbookProps { sim: props.sim.clone(), lang, mode: props.play_mode }) }</div>
                    <div class="area area-traffic">{ traffic_panel(&SimProps { sim: props.sim.clone(), lang, player: None }, &traffic, traffic_width) }</div>
                    <div class="area area-notifications">{ notifications(&SimProps { sim: props.sim.clone(), lang, player: None }) }</div>
                    <div class="area area-log"><EventLog sim={props.sim.clone()} {lang} player={props.player.clone()} /></div>
                </div>
            </div>
            <div class="flashbar" aria-live="polite">{ for flashes }</div>
            { confirm_dialog }
            { mentor_dialog }
        </div>
    }
}
