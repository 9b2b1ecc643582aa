//! The EC2 console's forms: Create image, Launch instances, Run setup, and the Terminate
//! confirmation. They collect input and hand back what the trainee chose; the console turns
//! that into an `Action`.

use quorum_sim::timing::MODIFY_VOLUME_COOLDOWN_MS;
use quorum_sim::{MAX_IMAGE_DESCRIPTION_CHARS, MAX_RESOURCE_NAME_CHARS, MAX_VOLUME_GIB};
use web_sys::HtmlTextAreaElement;

use crate::panels::util::{target_checked, target_value};
use yew::prelude::*;

use crate::i18n::{tr, Lang};
use crate::widgets::Dialog;

/// Cancel (closes) and the form's submit button, the footer every form dialog has.
fn form_footer(lang: Lang, close: &Callback<()>, form: &'static str, submit: &'static str) -> Html {
    let close = close.clone();
    html! {
        <>
            <button type="button" class="btn btn-link" onclick={Callback::from(move |_: MouseEvent| close.emit(()))}>{ tr(lang, "Cancel", "キャンセル") }</button>
            <button type="submit" {form} class="btn btn-primary">{ submit }</button>
        </>
    }
}

/// Cancel (focused first) and the button that confirms: a confirmation dialog's footer.
pub fn confirm_footer(
    lang: Lang,
    cancel_class: &'static str,
    on_cancel: Callback<MouseEvent>,
    yes_class: &'static str,
    yes: &'static str,
    on_yes: Callback<MouseEvent>,
) -> Html {
    html! {
        <>
            <button type="button" class={cancel_class} data-autofocus="true" onclick={on_cancel}>{ tr(lang, "Cancel", "キャンセル") }</button>
            <button type="button" class={yes_class} onclick={on_yes}>{ yes }</button>
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct CreateImageProps {
    pub lang: Lang,
    pub instance_name: AttrValue,
    pub instance_id: AttrValue,
    /// (image name, description, no reboot)
    pub on_submit: Callback<(String, String, bool)>,
    pub on_close: Callback<()>,
}

/// EC2 → Actions → Image and templates → Create image.
#[component]
pub fn CreateImageDialog(props: &CreateImageProps) -> Html {
    let lang = props.lang;
    let name = use_state(String::new);
    let description = use_state(String::new);
    let no_reboot = use_state(|| false);
    let error = use_state(|| false);

    let submit = {
        let (name, description, no_reboot, error, on_submit) = (
            name.clone(),
            description.clone(),
            no_reboot.clone(),
            error.clone(),
            props.on_submit.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let n = name.trim().to_string();
            if n.is_empty() {
                error.set(true);
                return;
            }
            on_submit.emit((n, (*description).clone(), *no_reboot));
        })
    };
    let on_name = {
        let (name, error) = (name.clone(), error.clone());
        Callback::from(move |e: InputEvent| {
            name.set(target_value(&e));
            error.set(false);
        })
    };
    let on_desc = {
        let description = description.clone();
        Callback::from(move |e: InputEvent| {
            description.set(e.target_unchecked_into::<HtmlTextAreaElement>().value());
        })
    };
    let on_no_reboot = {
        let no_reboot = no_reboot.clone();
        Callback::from(move |e: Event| no_reboot.set(target_checked(&e)))
    };
    let close = props.on_close.clone();
    let footer = form_footer(
        lang,
        &close,
        "create-image-form",
        tr(lang, "Create image", "イメージを作成"),
    );
    html! {
        <Dialog id="create-image-dialog" title={tr(lang, "Create image", "イメージを作成")} {lang} on_close={close} {footer} class="wide">
            <p class="dialog-intro">{ tr(lang,
                "An image (also referred to as an AMI) defines the programs and settings that are applied when you launch an EC2 instance. You can create an image from the configuration of an existing instance.",
                "イメージ（AMI とも呼ばれます）は、EC2 インスタンスの起動時に適用されるプログラムと設定を定義します。既存のインスタンスの設定からイメージを作成できます。") }</p>
            <form id="create-image-form" class="form" onsubmit={submit} novalidate=true>
                <div class="field">
                    <span class="field-label">{ tr(lang, "Instance ID", "インスタンス ID") }</span>
                    <div class="field-static mono">{ format!("{} ({})", props.instance_id, props.instance_name) }</div>
                </div>
                <div class="field">
                    <label class="field-label" for="ci-name">{ tr(lang, "Image name", "イメージ名") }</label>
                    <input id="ci-name" type="text" class={if *error { "input invalid" } else { "input" }} value={(*name).clone()} oninput={on_name}
                        maxlength="127" aria-invalid={error.then_some("true")} aria-describedby="ci-name-hint" data-autofocus="true" autocomplete="off" />
                    <div id="ci-name-hint" class={if *error { "field-hint error" } else { "field-hint" }}>
                        { if *error {
                            tr(lang, "Image name is required.", "イメージ名は必須です。")
                        } else {
                            tr(lang, "Maximum 127 characters. Can't be modified after creation.", "最大 127 文字。作成後は変更できません。")
                        } }
                    </div>
                </div>
                <div class="field">
                    <label class="field-label" for="ci-desc">{ tr(lang, "Image description - optional", "イメージの説明 - オプション") }</label>
                    <textarea id="ci-desc" class="input" rows="2" maxlength={MAX_IMAGE_DESCRIPTION_CHARS.to_string()} value={(*description).clone()} oninput={on_desc} />
                    <div class="field-hint">{ match lang {
                        Lang::En => format!("Maximum {MAX_IMAGE_DESCRIPTION_CHARS} characters."),
                        Lang::Ja => format!("最大 {MAX_IMAGE_DESCRIPTION_CHARS} 文字。"),
                    } }</div>
                </div>
                <div class="field">
                    <span class="field-label" id="ci-noreboot-label">{ tr(lang, "No reboot", "再起動しない") }</span>
                    <label class="checkbox-line">
                        <input id="ci-no-reboot" type="checkbox" checked={*no_reboot} onchange={on_no_reboot} aria-describedby="ci-noreboot-help" aria-labelledby="ci-noreboot-label ci-noreboot-enable" />
                        <span id="ci-noreboot-enable">{ tr(lang, "Enable", "有効化") }</span>
                    </label>
                    <div id="ci-noreboot-help" class="field-hint">{ tr(lang,
                        "When selected, Amazon EC2 does not shut down the instance before creating the image. When this option is selected, file system integrity on the created image can't be guaranteed.",
                        "選択すると、Amazon EC2 はイメージを作成する前にインスタンスをシャットダウンしません。このオプションを選択した場合、作成されたイメージのファイルシステムの整合性は保証されません。") }</div>
                </div>
            </form>
        </Dialog>
    }
}

/// An image the Launch dialog offers.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageChoice {
    pub id: String,
    pub name: String,
    pub state: &'static str,
    pub source: String,
}

#[derive(Properties, PartialEq)]
pub struct LaunchProps {
    pub lang: Lang,
    pub images: Vec<ImageChoice>,
    pub instance_type: AttrValue,
    /// A name no live instance has, to start from.
    pub suggested_name: AttrValue,
    /// (name, image: "base" or an AMI id)
    pub on_submit: Callback<(String, String)>,
    pub on_close: Callback<()>,
}

/// EC2 → Launch instances.
#[component]
pub fn LaunchDialog(props: &LaunchProps) -> Html {
    let lang = props.lang;
    let name = use_state(|| props.suggested_name.to_string());
    let image = use_state(|| "base".to_string());
    let error = use_state(|| false);
    let submit = {
        let (name, image, error, on_submit) = (
            name.clone(),
            image.clone(),
            error.clone(),
            props.on_submit.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let n = name.trim().to_string();
            if n.is_empty() {
                error.set(true);
                return;
            }
            on_submit.emit((n, (*image).clone()));
        })
    };
    let on_name = {
        let (name, error) = (name.clone(), error.clone());
        Callback::from(move |e: InputEvent| {
            name.set(target_value(&e));
            error.set(false);
        })
    };
    let radio = |value: String, title: String, detail: String, enabled: bool| {
        let checked = *image == value;
        let onchange = {
            let (image, value) = (image.clone(), value.clone());
            Callback::from(move |_: Event| image.set(value.clone()))
        };
        let id = format!("launch-ami-{value}");
        let class = match (checked, enabled) {
            (true, true) => "ami-option checked",
            (true, false) => "ami-option checked disabled",
            (false, true) => "ami-option",
            (false, false) => "ami-option disabled",
        };
        html! {
            <label {class} for={id.clone()}>
                <input type="radio" id={id} name="launch-ami" value={value.clone()} {checked} disabled={!enabled} {onchange} />
                <span class="ami-text">
                    <span class="ami-title">{ title }</span>
                    <span class="ami-detail">{ detail }</span>
                </span>
            </label>
        }
    };
    let close = props.on_close.clone();
    let footer = form_footer(
        lang,
        &close,
        "launch-form",
        tr(lang, "Launch instance", "インスタンスを起動"),
    );
    html! {
        <Dialog id="launch-dialog" title={tr(lang, "Launch an instance", "インスタンスを起動")} {lang} on_close={close} {footer} class="wide">
            <form id="launch-form" class="form" onsubmit={submit} novalidate=true>
                <div class="field">
                    <label class="field-label" for="launch-name">{ tr(lang, "Name", "名前") }</label>
                    <input id="launch-name" type="text" class={if *error { "input invalid" } else { "input" }} value={(*name).clone()} oninput={on_name} maxlength={MAX_RESOURCE_NAME_CHARS.to_string()} data-autofocus="true" autocomplete="off" aria-describedby="launch-name-hint" />
                    <div id="launch-name-hint" class={if *error { "field-hint error" } else { "field-hint" }}>
                        { if *error { tr(lang, "Name is required.", "名前は必須です。") } else { tr(lang, "The Name tag, e.g. node-4.", "Name タグ（例: node-4）。") } }
                    </div>
                </div>
                <fieldset class="field">
                    <legend class="field-label">{ tr(lang, "Application and OS Images (Amazon Machine Image)", "アプリケーションおよび OS イメージ (Amazon マシンイメージ)") }</legend>
                    <div class="ami-list">
                        { radio("base".into(), tr(lang, "Base OS image — ami-0base", "ベース OS イメージ — ami-0base").into(),
                            tr(lang, "Linux, nothing installed: the runbook's starting point (then Run setup).", "Linux のみ（何もインストールされていない）。ランブックの出発点（その後セットアップを実行）。").into(), true) }
                        { for props.images.iter().map(|img| {
                            let enabled = img.state == "available";
                            let detail = match lang {
                                Lang::En => format!("My AMI · from {} · {}", img.source, img.state),
                                Lang::Ja => format!("自分の AMI · {} から作成 · {}", img.source, img.state),
                            };
                            radio(img.id.clone(), format!("{} — {}", img.name, img.id), detail, enabled)
                        }) }
                    </div>
                </fieldset>
                <div class="field">
                    <span class="field-label">{ tr(lang, "Instance type", "インスタンスタイプ") }</span>
                    <div class="field-static mono">{ props.instance_type.clone() }</div>
                </div>
            </form>
        </Dialog>
    }
}

#[derive(Properties, PartialEq)]
pub struct SetupProps {
    pub lang: Lang,
    pub instance_name: AttrValue,
    /// Pre-filled value for cluster.initial_master_nodes.
    pub suggested_masters: AttrValue,
    pub on_submit: Callback<Vec<String>>,
    pub on_close: Callback<()>,
}

/// Runs the runbook's setup script on a fresh instance (over SSH).
#[component]
pub fn SetupDialog(props: &SetupProps) -> Html {
    let lang = props.lang;
    let set_imn = use_state(|| false);
    let masters = use_state(|| props.suggested_masters.to_string());
    let submit = {
        let (set_imn, masters, on_submit) =
            (set_imn.clone(), masters.clone(), props.on_submit.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let list = if *set_imn {
                masters
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            } else {
                Vec::new()
            };
            on_submit.emit(list);
        })
    };
    let on_toggle = {
        let set_imn = set_imn.clone();
        Callback::from(move |e: Event| set_imn.set(target_checked(&e)))
    };
    let on_masters = {
        let masters = masters.clone();
        Callback::from(move |e: InputEvent| masters.set(target_value(&e)))
    };
    let close = props.on_close.clone();
    let footer = form_footer(
        lang,
        &close,
        "setup-form",
        tr(lang, "Run setup", "セットアップを実行"),
    );
    html! {
        <Dialog id="setup-dialog" title={tr(lang, "Run setup script (runbook)", "セットアップスクリプトを実行（ランブック）")} {lang} on_close={close} {footer} class="wide">
            <p class="dialog-intro">
                { match lang {
                    Lang::En => format!("Connects to {} over SSH and runs the runbook's setup: installs the datastore package, writes elasticsearch.yml (cluster name, discovery seed hosts) and starts the service with an empty data path.", props.instance_name),
                    Lang::Ja => format!("{} に SSH で接続してランブックのセットアップを実行します。データストアのパッケージをインストールし、elasticsearch.yml（クラスタ名、discovery.seed_hosts）を書き込み、空のデータパスでサービスを起動します。", props.instance_name),
                } }
            </p>
            <form id="setup-form" class="form" onsubmit={submit} novalidate=true>
                <div class="field">
                    <span class="field-label" id="setup-imn-label">{ "cluster.initial_master_nodes" }</span>
                    <label class="checkbox-line">
                        <input id="setup-imn" type="checkbox" checked={*set_imn} onchange={on_toggle} data-autofocus="true" aria-describedby="setup-imn-help" />
                        <span>{ tr(lang, "Write cluster.initial_master_nodes into elasticsearch.yml", "elasticsearch.yml に cluster.initial_master_nodes を書き込む") }</span>
                    </label>
                    <input id="setup-imn-value" type="text" class="input mono" value={(*masters).clone()} oninput={on_masters} disabled={!*set_imn}
                        aria-label={tr(lang, "Node names for cluster.initial_master_nodes, comma separated", "cluster.initial_master_nodes のノード名（カンマ区切り）")} />
                    <div id="setup-imn-help" class="field-hint">{ tr(lang,
                        "The master-eligible nodes that vote in the cluster's initial bootstrap (comma separated).",
                        "クラスタの初回ブートストラップで投票するマスター適格ノード（カンマ区切り）。") }</div>
                </div>
            </form>
        </Dialog>
    }
}

/// The instance-state actions EC2's console asks to confirm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirm {
    Stop,
    Reboot,
    ForceStop,
    Terminate,
    ForceTerminate,
}

impl Confirm {
    /// (dialog id, title, question, confirm button), en then ja: the EC2 console's wording.
    fn words(self, lang: Lang) -> [&'static str; 4] {
        let (en, ja) = match self {
            Confirm::Stop => (
                ["stop-dialog", "Stop instance?", "Are you sure you want to stop the following instance?", "Stop"],
                ["stop-dialog", "インスタンスを停止しますか?", "次のインスタンスを停止してもよろしいですか?", "停止"],
            ),
            Confirm::Reboot => (
                ["reboot-dialog", "Reboot instance?", "Are you sure you want to reboot the following instance?", "Reboot"],
                ["reboot-dialog", "インスタンスを再起動しますか?", "次のインスタンスを再起動してもよろしいですか?", "再起動"],
            ),
            Confirm::ForceStop => (
                ["force-stop-dialog", "Force stop instance?", "Force stopping does not give the operating system a chance to flush its file system caches or file system metadata. Use it only when the instance is stuck in the stopping state.", "Force stop"],
                ["force-stop-dialog", "インスタンスを強制停止しますか?", "強制停止では、オペレーティングシステムがファイルシステムのキャッシュやメタデータをフラッシュする機会がありません。インスタンスが停止中のまま進まない場合にのみ使用してください。", "強制停止"],
            ),
            Confirm::ForceTerminate => (
                ["force-terminate-dialog", "Force terminate instance?", "Force terminating does not give the operating system a chance to shut down. Use it only when the instance is stuck in the shutting-down state.", "Force terminate"],
                ["force-terminate-dialog", "インスタンスを強制終了しますか?", "強制終了では、オペレーティングシステムがシャットダウンする機会がありません。インスタンスがシャットダウン中のまま進まない場合にのみ使用してください。", "強制終了"],
            ),
            Confirm::Terminate => (
                ["terminate-dialog", "Terminate (delete) instance?", "On an EBS-backed instance, the default action is for the root EBS volume to be deleted when the instance is terminated. Storage on any local drives will be lost. Terminated instances can't be recovered.", "Terminate (delete)"],
                ["terminate-dialog", "インスタンスを終了（削除）しますか？", "EBS-backed インスタンスでは、インスタンスの終了時にルート EBS ボリュームが削除されるのがデフォルトです。ローカルドライブ上のストレージも失われます。終了したインスタンスは復元できません。", "終了（削除）"],
            ),
        };
        match lang {
            Lang::En => en,
            Lang::Ja => ja,
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct ConfirmProps {
    pub lang: Lang,
    pub what: Confirm,
    /// (name, id) of each instance.
    pub instances: Vec<(String, String)>,
    /// Confirmed; `true`: skip the OS shutdown (Stop and Terminate offer it).
    pub on_confirm: Callback<bool>,
    pub on_close: Callback<()>,
}

/// "Stop instance?", "Reboot instance?", "Force stop instance?", "Terminate (delete)
/// instance?": the instance ids and Cancel / the action.
#[component]
pub fn ConfirmDialog(props: &ConfirmProps) -> Html {
    let lang = props.lang;
    let [id, title, question, yes] = props.what.words(lang);
    let close = props.on_close.clone();
    let skip = use_state(|| false);
    let confirm = {
        let skip = skip.clone();
        props.on_confirm.reform(move |_| *skip)
    };
    let on_skip = {
        let skip = skip.clone();
        Callback::from(move |e: Event| skip.set(target_checked(&e)))
    };
    // Since 2025 Stop and Terminate can skip the OS shutdown.
    let offers_skip = matches!(props.what, Confirm::Stop | Confirm::Terminate);
    let danger = matches!(
        props.what,
        Confirm::Terminate | Confirm::ForceStop | Confirm::ForceTerminate
    );
    let footer = confirm_footer(
        lang,
        "btn btn-link",
        close.reform(|_| ()),
        if danger {
            "btn btn-danger"
        } else {
            "btn btn-primary"
        },
        yes,
        confirm.reform(|_| ()),
    );
    html! {
        <Dialog {id} {title} {lang} on_close={close} {footer} alert=true>
            <div class={if danger { "alert alert-warning" } else { "confirm-text" }} role="note">{ question }</div>
            <ul class="plain-list">
                { for props.instances.iter().map(|(name, id)| html! { <li><span class="mono">{ id.clone() }</span>{ format!(" ({name})") }</li> }) }
            </ul>
            if offers_skip {
                <label class="checkbox-line">
                    <input id="confirm-skip-os" type="checkbox" checked={*skip} onchange={on_skip} />
                    <span>{ tr(lang, "Skip OS shutdown", "OS のシャットダウンをスキップ") }</span>
                </label>
            }
        </Dialog>
    }
}

#[derive(Properties, PartialEq)]
pub struct ModifyVolumeProps {
    pub lang: Lang,
    pub instance_name: AttrValue,
    /// The volume's current size.
    pub current_gib: u64,
    pub on_submit: Callback<u64>,
    pub on_close: Callback<()>,
}

/// EBS ModifyVolume: a larger size for the instance's volume (once every 6 hours).
#[component]
pub fn ModifyVolumeDialog(props: &ModifyVolumeProps) -> Html {
    let lang = props.lang;
    let size = use_state(|| (props.current_gib * 2).to_string());
    let error = use_state(|| None::<&'static str>);
    let cooldown_h = MODIFY_VOLUME_COOLDOWN_MS / 3_600_000;
    let submit = {
        let (size, error, on_submit, current) = (
            size.clone(),
            error.clone(),
            props.on_submit.clone(),
            props.current_gib,
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match size.trim().parse::<u64>() {
                Ok(gib) if gib > current => on_submit.emit(gib),
                _ => error.set(Some(tr(
                    lang,
                    "Enter a whole number of GiB larger than the current size.",
                    "現在のサイズより大きい GiB を整数で入力してください。",
                ))),
            }
        })
    };
    let on_size = {
        let size = size.clone();
        Callback::from(move |e: InputEvent| size.set(target_value(&e)))
    };
    let close = props.on_close.clone();
    let footer = form_footer(
        lang,
        &close,
        "modify-volume-form",
        tr(lang, "Modify", "変更"),
    );
    html! {
        <Dialog id="modify-volume-dialog" title={tr(lang, "Modify volume", "ボリュームを変更")} {lang} on_close={close} {footer}>
            <p class="dialog-intro">
                { match lang {
                    Lang::En => format!("The EBS volume of {} is {} GiB. A volume can be modified once every {cooldown_h} hours; the runbook's script grows the file system when the modification completes.", props.instance_name, props.current_gib),
                    Lang::Ja => format!("{} の EBS ボリュームは {} GiB です。ボリュームの変更は{cooldown_h}時間に1回までです。変更が完了するとランブックのスクリプトがファイルシステムを拡張します。", props.instance_name, props.current_gib),
                } }
            </p>
            <form id="modify-volume-form" class="form" onsubmit={submit} novalidate=true>
                <div class="field">
                    <label class="field-label" for="mv-size">{ tr(lang, "Size (GiB)", "サイズ (GiB)") }</label>
                    <input id="mv-size" type="number" class="input mono" min={(props.current_gib + 1).to_string()} max={MAX_VOLUME_GIB.to_string()}
                        value={(*size).clone()} oninput={on_size} data-autofocus="true" />
                    if let Some(message) = *error {
                        <div class="field-error" role="alert">{ message }</div>
                    }
                </div>
            </form>
        </Dialog>
    }
}
