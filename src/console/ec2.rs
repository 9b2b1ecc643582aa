//! The EC2-style console: the Instances table with its "Instance state ▾" and "Actions ▾"
//! menus, "Launch instances", and the Images (AMIs) tab. It reads instances and images from
//! the sim and sends `Action`s up; whether an action is accepted is the simulator's call.

use quorum_sim::action::Action;
use quorum_sim::model::{Checks, ImageState, Instance};
use quorum_sim::{ConsoleAction, InstanceState, NotOffered};
use web_sys::KeyboardEvent;
use yew::prelude::*;

use super::dialogs::{
    Confirm, ConfirmDialog, CreateImageDialog, ImageChoice, LaunchDialog, ModifyVolumeDialog,
    SetupDialog,
};
use crate::i18n::{clock, tr, Lang};
use crate::panels::util::{target_checked, target_value};
use crate::sim_handle::SimHandle;
use crate::widgets::{MenuButton, MenuItem};

#[derive(Properties, PartialEq)]
pub struct Ec2Props {
    pub sim: SimHandle,
    pub lang: Lang,
    /// Replay viewer: everything visible, nothing operable.
    #[prop_or_default]
    pub read_only: bool,
    pub on_actions: Callback<Vec<Action>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Instances,
    Images,
}

#[derive(Clone, PartialEq)]
enum Open {
    CreateImage { name: String, id: String },
    Launch,
    Setup { name: String },
    ModifyVolume { name: String, current_gib: u64 },
    Confirm(Confirm, Vec<(String, String)>),
}

pub fn state_label(state: InstanceState, lang: Lang) -> &'static str {
    match state {
        InstanceState::Pending => tr(lang, "Pending", "保留中"),
        InstanceState::Running => tr(lang, "Running", "実行中"),
        InstanceState::Stopping => tr(lang, "Stopping", "停止中"),
        InstanceState::Stopped => tr(lang, "Stopped", "停止済み"),
        InstanceState::ShuttingDown => tr(lang, "Shutting-down", "シャットダウン中"),
        InstanceState::Terminated => tr(lang, "Terminated", "終了済み"),
    }
}

fn in_state(instance: &str, state: InstanceState, lang: Lang) -> String {
    let label = state_label(state, lang);
    match lang {
        Lang::En => format!("{instance} is {}.", label.to_ascii_lowercase()),
        Lang::Ja => format!("{instance} は{label}です。"),
    }
}

/// Why the console does not offer an action, in the player's language (the reasons are the
/// sim's: [`quorum_sim::Sim::offers`]).
fn not_offered(why: &NotOffered, lang: Lang) -> String {
    let ja = lang == Lang::Ja;
    match why {
        NotOffered::NoSelection => tr(
            lang,
            "Select an instance first.",
            "先にインスタンスを選択してください。",
        )
        .into(),
        NotOffered::OneAtATime => tr(
            lang,
            "Select a single instance.",
            "インスタンスを 1 つだけ選択してください。",
        )
        .into(),
        NotOffered::WrongState { instance, state } => in_state(instance, *state, lang),
        NotOffered::Unreachable { instance, state } if *state != InstanceState::Running => {
            in_state(instance, *state, lang)
        }
        NotOffered::AlreadyStopping { instance } => {
            if ja {
                format!("{instance} はすでに停止中です。")
            } else {
                format!("{instance} is already stopping.")
            }
        }
        NotOffered::NoVolume { instance } => {
            if ja {
                format!("{instance} にはボリュームがありません。")
            } else {
                format!("{instance} has no volume.")
            }
        }
        // The console greys an entry only for what it can see (`NotOffered::greys_the_menu`);
        // the other reasons come back as the engine's refusal after the click.
        _ => tr(lang, "Not available now.", "現在は利用できません。").into(),
    }
}

/// Colour class of a state: success, in-progress, stopped, error, neutral.
pub fn state_tone(state: InstanceState) -> &'static str {
    match state {
        InstanceState::Running => "ok",
        InstanceState::Pending | InstanceState::Stopping | InstanceState::ShuttingDown => {
            "progress"
        }
        InstanceState::Stopped => "stopped",
        InstanceState::Terminated => "neutral",
    }
}

fn checks_view(checks: Checks, lang: Lang) -> Html {
    let tone = match checks {
        Checks::None => "neutral",
        Checks::Initializing => "progress",
        Checks::Ok { .. } => "ok",
        Checks::Failed { .. } => "error",
    };
    status_view(tone, Some(tone), None, checks.text(lang).into())
}

/// A coloured status dot and its text. `data-checks` (status checks) or `data-state` (the
/// state's stable name) is what tests and styles select on; one renderer keeps the wasm smaller.
fn status_view(
    tone: &'static str,
    checks: Option<&'static str>,
    state: Option<&'static str>,
    text: AttrValue,
) -> Html {
    html! {
        <span class={classes!("status", tone)} data-checks={checks} data-state={state}>
            <span class="dot" aria-hidden="true"></span>{ text }
        </span>
    }
}

fn instance_state_view(inst: &Instance, lang: Lang) -> Html {
    let state = inst.state;
    status_view(
        state_tone(state),
        None,
        Some(state.as_str()),
        state_label(state, lang).into(),
    )
}

fn image_state_view(state: ImageState, lang: Lang) -> Html {
    let (tone, text) = match state {
        ImageState::Pending => ("progress", tr(lang, "Pending", "保留中")),
        ImageState::Available => ("ok", tr(lang, "Available", "利用可能")),
        ImageState::Failed => ("error", tr(lang, "Failed", "失敗")),
    };
    status_view(tone, None, Some(state.as_str()), text.into())
}

/// One of the two tabs (Instances, AMIs).
fn tab_button(tab: &UseStateHandle<Tab>, t: Tab, label: String) -> Html {
    let active = **tab == t;
    let onclick = {
        let tab = tab.clone();
        Callback::from(move |_: MouseEvent| tab.set(t))
    };
    let (id, panel) = match t {
        Tab::Instances => ("tab-instances", "tab-instances-panel"),
        Tab::Images => ("tab-images", "tab-images-panel"),
    };
    let (class, tabindex, selected) = if active {
        ("tab active", "0", "true")
    } else {
        ("tab", "-1", "false")
    };
    html! {
        <button type="button" role="tab" {id} {class} {tabindex} aria-selected={selected} aria-controls={panel} {onclick}>{ label }</button>
    }
}

/// Header cells: (class, English, Japanese).
const INSTANCE_COLUMNS: [(&str, &str, &str); 7] = [
    ("col-name", "Name", "Name"),
    ("col-id", "Instance ID", "インスタンス ID"),
    ("col-state", "Instance state", "インスタンスの状態"),
    ("col-checks", "Status check", "ステータスチェック"),
    ("col-az", "Availability Zone", "アベイラビリティーゾーン"),
    ("col-type", "Instance type", "インスタンスタイプ"),
    ("col-ip", "Private IPv4", "プライベート IPv4"),
];
const IMAGE_COLUMNS: [(&str, &str, &str); 7] = [
    ("", "Name", "名前"),
    ("", "AMI ID", "AMI ID"),
    ("", "Source instance", "ソースインスタンス"),
    ("", "Description", "説明"),
    ("", "Status", "ステータス"),
    ("", "No reboot", "再起動しない"),
    ("", "Creation time", "作成時刻"),
];

/// A text node.
fn text(text: AttrValue) -> Html {
    html! { { text } }
}

/// A table cell (an empty class adds no attribute).
fn cell(class: &'static str, content: Html) -> Html {
    html! { <td {class}>{ content }</td> }
}

#[component]
pub fn Ec2Console(props: &Ec2Props) -> Html {
    let lang = props.lang;
    let tab = use_state_eq(|| Tab::Instances);
    // Selected instance ids (a handful: a Vec's linear scan is smaller code than a set).
    let selected = use_state_eq(Vec::<String>::new);
    let open = use_state_eq(|| None::<Open>);
    let filter = use_state_eq(String::new);

    let sim = props.sim.borrow();
    let instances = sim.instances();
    let images = sim.images();
    let chosen: Vec<&Instance> = instances
        .iter()
        .filter(|i| selected.contains(&i.id))
        .collect();
    let ro = props.read_only;
    let single = (chosen.len() == 1).then(|| chosen[0]);
    // What the console offers for the selection, and why not the rest: the sim's answer.
    let picked: Vec<usize> = (0..instances.len())
        .filter(|k| selected.contains(&instances[*k].id))
        .collect();
    let offers = sim.offers(&picked);
    let item = |id: &'static str, label: &'static str, action: ConsoleAction| {
        let why_not = offers.reason(action);
        MenuItem::new(id, label, !ro && why_not.is_none())
            .with_why_not(why_not.filter(|_| !ro).map(|w| not_offered(w, lang)))
    };

    let state_items = vec![
        item(
            "stop",
            tr(lang, "Stop instance", "インスタンスを停止"),
            ConsoleAction::Stop,
        ),
        item(
            "start",
            tr(lang, "Start instance", "インスタンスを開始"),
            ConsoleAction::Start,
        ),
        item(
            "reboot",
            tr(lang, "Reboot instance", "インスタンスを再起動"),
            ConsoleAction::Reboot,
        ),
        item(
            "force-stop",
            tr(lang, "Force stop instance", "インスタンスを強制停止"),
            ConsoleAction::ForceStop,
        ),
        item(
            "terminate",
            tr(
                lang,
                "Terminate (delete) instance",
                "インスタンスを終了（削除）",
            ),
            ConsoleAction::Terminate,
        ),
        item(
            "force-terminate",
            tr(lang, "Force terminate instance", "インスタンスを強制終了"),
            ConsoleAction::ForceTerminate,
        )
        .with_separator(),
    ];
    let action_items = vec![
        MenuItem::new("connect", tr(lang, "Connect", "接続"), false),
        item(
            "setup",
            tr(
                lang,
                "Run setup script (runbook)…",
                "セットアップスクリプトを実行（ランブック）…",
            ),
            ConsoleAction::Setup,
        ),
        item(
            "clean-logs",
            tr(
                lang,
                "Run log cleanup (runbook)",
                "ログのクリーンアップを実行（ランブック）",
            ),
            ConsoleAction::CleanLogs,
        ),
        MenuItem::submenu(
            "storage",
            tr(lang, "Storage", "ストレージ"),
            vec![
                item(
                    "modify-volume",
                    tr(lang, "Modify volume…", "ボリュームを変更…"),
                    ConsoleAction::ModifyVolume,
                ),
                // ModifyVolume grows the volume, not the file system: the runbook extends it.
                item(
                    "grow-filesystem",
                    tr(
                        lang,
                        "Extend file system (runbook)",
                        "ファイルシステムを拡張（ランブック）",
                    ),
                    ConsoleAction::GrowFilesystem,
                ),
            ],
        ),
        MenuItem::submenu(
            "images",
            tr(lang, "Image and templates", "イメージとテンプレート"),
            vec![
                item(
                    "create-image",
                    tr(lang, "Create image", "イメージを作成"),
                    ConsoleAction::CreateImage,
                ),
                MenuItem::new(
                    "create-template",
                    tr(
                        lang,
                        "Create template from instance",
                        "インスタンスからテンプレートを作成",
                    ),
                    false,
                ),
                MenuItem::new(
                    "launch-more",
                    tr(lang, "Launch more like this", "同様のものをさらに起動"),
                    false,
                ),
            ],
        )
        .with_separator(),
        MenuItem::new(
            "monitor",
            tr(
                lang,
                "Monitor and troubleshoot",
                "モニタリングとトラブルシューティング",
            ),
            false,
        ),
    ];

    let on_state_select = {
        let (on_actions, open) = (props.on_actions.clone(), open.clone());
        let targets: Vec<(String, String)> = chosen
            .iter()
            .map(|i| (i.name.clone(), i.id.clone()))
            .collect();
        Callback::from(move |id: &'static str| {
            let what = match id {
                "stop" => Confirm::Stop,
                "reboot" => Confirm::Reboot,
                "force-stop" => Confirm::ForceStop,
                "terminate" => Confirm::Terminate,
                "force-terminate" => Confirm::ForceTerminate,
                "start" => {
                    let start = |(n, _): &(String, String)| Action::Start {
                        instance: n.clone(),
                    };
                    on_actions.emit(targets.iter().map(start).collect());
                    return;
                }
                _ => return,
            };
            open.set(Some(Open::Confirm(what, targets.clone())));
        })
    };
    let on_action_select = {
        let (open, on_actions) = (open.clone(), props.on_actions.clone());
        let current_gib = single
            .and_then(|i| i.volume.as_ref())
            .map(|v| v.capacity_gib())
            .unwrap_or(0);
        let single = single.map(|i| (i.name.clone(), i.id.clone()));
        Callback::from(move |id: &'static str| {
            let Some((name, iid)) = single.clone() else {
                return;
            };
            match id {
                "create-image" => open.set(Some(Open::CreateImage { name, id: iid })),
                "setup" => open.set(Some(Open::Setup { name })),
                "clean-logs" => on_actions.emit(vec![Action::CleanLogs { instance: name }]),
                "grow-filesystem" => {
                    on_actions.emit(vec![Action::GrowFilesystem { instance: name }])
                }
                "modify-volume" => open.set(Some(Open::ModifyVolume { name, current_gib })),
                _ => {}
            }
        })
    };
    let close = {
        let open = open.clone();
        Callback::from(move |_| open.set(None))
    };

    // Every dialog closes itself and sends what was chosen.
    let done = {
        let (on_actions, open) = (props.on_actions.clone(), open.clone());
        Callback::from(move |actions: Vec<Action>| {
            open.set(None);
            on_actions.emit(actions);
        })
    };
    let dialog = match &*open {
        None => html! {},
        Some(Open::CreateImage { name, id }) => {
            let instance = name.clone();
            let on_submit = done.reform(
                move |(image, description, no_reboot): (String, String, bool)| {
                    let description = description.trim();
                    vec![Action::CreateImage {
                        instance: instance.clone(),
                        name: Some(image),
                        description: (!description.is_empty()).then(|| description.to_string()),
                        no_reboot,
                    }]
                },
            );
            html! { <CreateImageDialog {lang} instance_name={name.clone()} instance_id={id.clone()} {on_submit} on_close={close} /> }
        }
        Some(Open::Launch) => {
            let choices: Vec<ImageChoice> = images
                .iter()
                .map(|i| ImageChoice {
                    id: i.id.clone(),
                    name: i.name.clone(),
                    state: i.state.as_str(),
                    source: i.source_instance.clone(),
                })
                .collect();
            let on_submit =
                done.reform(|(name, image): (String, String)| vec![Action::Launch { name, image }]);
            let suggested = sim.suggested_instance_name();
            html! {
                <LaunchDialog {lang} images={choices} instance_type={sim.scenario().topology.instance_type.clone()}
                    suggested_name={suggested} {on_submit} on_close={close} />
            }
        }
        Some(Open::Setup { name }) => {
            let instance = name.clone();
            let on_submit = done.reform(move |imn: Vec<String>| {
                vec![Action::Setup {
                    instance: instance.clone(),
                    initial_master_nodes: imn,
                }]
            });
            let suggested = sim.scenario().topology.nodes.join(",");
            html! { <SetupDialog {lang} instance_name={name.clone()} suggested_masters={suggested} {on_submit} on_close={close} /> }
        }
        Some(Open::ModifyVolume { name, current_gib }) => {
            let instance = name.clone();
            let on_submit = done.reform(move |gib: u64| {
                vec![Action::ResizeVolume {
                    instance: instance.clone(),
                    gib,
                }]
            });
            html! { <ModifyVolumeDialog {lang} instance_name={name.clone()} current_gib={*current_gib} {on_submit} on_close={close} /> }
        }
        Some(Open::Confirm(what, targets)) => {
            let make: fn(String, bool) -> Action = match what {
                Confirm::Stop => |instance, skip_os_shutdown| Action::Stop {
                    instance,
                    skip_os_shutdown,
                },
                Confirm::Reboot => |instance, _| Action::Reboot { instance },
                Confirm::ForceStop => |instance, _| Action::ForceStop { instance },
                Confirm::Terminate => |instance, skip_os_shutdown| Action::Terminate {
                    instance,
                    skip_os_shutdown,
                },
                Confirm::ForceTerminate => |instance, _| Action::ForceTerminate { instance },
            };
            let names: Vec<String> = targets.iter().map(|(n, _)| n.clone()).collect();
            let on_confirm = done
                .reform(move |skip: bool| names.iter().map(|n| make(n.clone(), skip)).collect());
            html! { <ConfirmDialog {lang} what={*what} instances={targets.clone()} {on_confirm} on_close={close} /> }
        }
    };

    let on_tab_key = {
        let tab = tab.clone();
        Callback::from(move |e: KeyboardEvent| {
            if !matches!(
                e.key().as_str(),
                "ArrowRight" | "ArrowLeft" | "Home" | "End"
            ) {
                return;
            }
            e.prevent_default();
            let next = if *tab == Tab::Instances {
                Tab::Images
            } else {
                Tab::Instances
            };
            let next = match e.key().as_str() {
                "Home" => Tab::Instances,
                "End" => Tab::Images,
                _ => next,
            };
            tab.set(next);
            let id = if next == Tab::Instances {
                "tab-instances"
            } else {
                "tab-images"
            };
            if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(id))
                .and_then(|el| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el).ok())
            {
                let _ = el.focus();
            }
        })
    };
    let n_live = instances
        .iter()
        .filter(|i| i.state != InstanceState::Terminated)
        .count();

    let body = match *tab {
        Tab::Instances => {
            // ASCII case folding, as in the event log filter: names and ids are ASCII.
            let needle = filter.trim().to_ascii_lowercase();
            let visible: Vec<&Instance> = instances
                .iter()
                .filter(|i| {
                    needle.is_empty()
                        || i.name.to_ascii_lowercase().contains(&needle)
                        || i.id.contains(&needle)
                })
                .collect();
            let all_selected =
                !visible.is_empty() && visible.iter().all(|i| selected.contains(&i.id));
            let on_all = {
                let selected = selected.clone();
                let ids: Vec<String> = visible.iter().map(|i| i.id.clone()).collect();
                Callback::from(move |e: Event| {
                    let on = target_checked(&e);
                    selected.set(if on { ids.clone() } else { Vec::new() });
                })
            };
            html! {
                <div id="tab-instances-panel" role="tabpanel" aria-labelledby="tab-instances">
                    <div class="table-scroll">
                    <table class="data-table instances-table">
                        <thead>
                            <tr>
                                <th class="col-check"><input type="checkbox" checked={all_selected} onchange={on_all} aria-label={tr(lang, "Select all instances", "すべてのインスタンスを選択")} /></th>
                                { crate::screens::head_cells(lang, &INSTANCE_COLUMNS) }
                            </tr>
                        </thead>
                        <tbody>
                            { for visible.iter().map(|inst| {
                                let is_sel = selected.contains(&inst.id);
                                let toggle = {
                                    let (selected, id) = (selected.clone(), inst.id.clone());
                                    Callback::from(move |e: Event| {
                                        let on = target_checked(&e);
                                        let mut s = (*selected).clone();
                                        s.retain(|x| *x != id);
                                        if on { s.push(id.clone()); }
                                        selected.set(s);
                                    })
                                };
                                // Clicking a row (not its checkbox) selects just that row, as in EC2.
                                let row_click = {
                                    let (selected, id) = (selected.clone(), inst.id.clone());
                                    Callback::from(move |e: MouseEvent| {
                                        let on_input = e
                                            .target()
                                            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                                            .is_some_and(|el| el.tag_name() == "INPUT");
                                        if !on_input {
                                            selected.set(vec![id.clone()]);
                                        }
                                    })
                                };
                                let label = match lang {
                                    Lang::En => format!("Select {}", inst.name),
                                    Lang::Ja => format!("{} を選択", inst.name),
                                };
                                html! {
                                    <tr key={inst.id.clone()} class={if is_sel { "selected" } else { "" }} data-name={inst.name.clone()} onclick={row_click}>
                                        <td class="col-check"><input type="checkbox" checked={is_sel} onchange={toggle} aria-label={label} /></td>
                                        <td class="col-name">
                                            <span class="inst-name">{ inst.name.clone() }</span>
                                            if inst.setup_running {
                                                <span class="tag progress">{ tr(lang, "setup running", "セットアップ中") }</span>
                                            }
                                        </td>
                                        { cell("col-id mono", text(inst.id.clone().into())) }
                                        { cell("col-state", instance_state_view(inst, lang)) }
                                        { cell("col-checks", checks_view(inst.checks, lang)) }
                                        { cell("col-az", text(inst.az.clone().into())) }
                                        { cell("col-type", text(inst.instance_type.clone().into())) }
                                        { cell("col-ip mono", text(if inst.state == InstanceState::Terminated { "–".into() } else { inst.private_ip.clone().into() })) }
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                    </div>
                </div>
            }
        }
        Tab::Images => html! {
            <div id="tab-images-panel" role="tabpanel" aria-labelledby="tab-images">
                if images.is_empty() {
                    <p class="empty">{ tr(lang, "No images. Create one from an instance: Actions → Image and templates → Create image.", "イメージはありません。インスタンスから作成できます: アクション → イメージとテンプレート → イメージを作成。") }</p>
                } else {
                    <div class="table-scroll">
                    <table class="data-table images-table">
                        <thead>
                            <tr>
                                { crate::screens::head_cells(lang, &IMAGE_COLUMNS) }
                            </tr>
                        </thead>
                        <tbody>
                            { for images.iter().map(|img| html! {
                                <tr key={img.id.clone()} data-name={img.name.clone()}>
                                    { cell("", text(img.name.clone().into())) }
                                    { cell("mono", text(img.id.clone().into())) }
                                    { cell("", text(img.source_instance.clone().into())) }
                                    { cell("desc", text(img.description.clone().into())) }
                                    { cell("", image_state_view(img.state, lang)) }
                                    { cell("", text(if img.no_reboot { tr(lang, "Yes", "はい") } else { tr(lang, "No", "いいえ") }.into())) }
                                    { cell("mono", text(clock(img.created_at_ms).into())) }
                                </tr>
                            }) }
                        </tbody>
                    </table>
                    </div>
                }
            </div>
        },
    };

    let on_filter = {
        let filter = filter.clone();
        Callback::from(move |e: InputEvent| filter.set(target_value(&e)))
    };
    let search = if *tab == Tab::Instances {
        html! {
            <input type="search" class="input search" placeholder={tr(lang, "Find Instance by attribute or tag", "属性またはタグでインスタンスを検索")}
                aria-label={tr(lang, "Filter instances", "インスタンスを絞り込む")} value={(*filter).clone()} oninput={on_filter} />
        }
    } else {
        html! {}
    };
    let on_launch = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(Some(Open::Launch)))
    };
    let selection_text = match (chosen.len(), lang) {
        (0, _) => tr(
            lang,
            "No instance selected",
            "インスタンスが選択されていません",
        )
        .to_string(),
        (1, _) => format!("{} ({})", chosen[0].name, chosen[0].id),
        (n, Lang::En) => format!("{n} instances selected"),
        (n, Lang::Ja) => format!("{n} 個のインスタンスを選択"),
    };

    html! {
        <section class="card ec2" aria-labelledby="ec2-title">
            <div class="card-header">
                <div class="tabs" role="tablist" aria-label={tr(lang, "EC2 resources", "EC2 リソース")} onkeydown={on_tab_key}>
                    { tab_button(&tab, Tab::Instances, format!("{} ({n_live})", tr(lang, "Instances", "インスタンス"))) }
                    { tab_button(&tab, Tab::Images, format!("{} ({})", tr(lang, "AMIs", "AMI"), images.len())) }
                </div>
                <h2 id="ec2-title" class="visually-hidden">{ "EC2" }</h2>
                { search }
                <div class="toolbar">
                    <span class="selection" aria-live="polite">{ selection_text }</span>
                    <MenuButton id="instance-state" label={tr(lang, "Instance state", "インスタンスの状態")} items={state_items} on_select={on_state_select} disabled={ro} />
                    <MenuButton id="actions" label={tr(lang, "Actions", "アクション")} items={action_items} on_select={on_action_select} disabled={ro} align_right=true />
                    <button type="button" class="btn btn-primary" onclick={on_launch} disabled={ro}>{ tr(lang, "Launch instances", "インスタンスを起動") }</button>
                </div>
            </div>
            <div class="card-body">{ body }</div>
            { dialog }
        </section>
    }
}
