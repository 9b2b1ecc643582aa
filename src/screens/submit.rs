//! The debrief's "Submit to leaderboard" card: player name, optional team and competition
//! code (validated here with the server's rules), then the server's verdict — its own score
//! and rank, or its error message verbatim.

use std::rc::Rc;

use crate::panels::util::target_value;
use yew::prelude::*;

use crate::i18n::{tr, Lang};
use crate::leaderboard::{validate_name, NameKind, SubmitResponse};
use crate::net::Failure;
use crate::state::play_mode_label;

/// Where a submission stands.
#[derive(Clone, Debug, PartialEq)]
pub enum SubmitState {
    Idle,
    Sending,
    Done(Rc<SubmitResponse>),
    Failed(Failure),
}

/// Whether this run can be submitted, and if not, why.
#[derive(Clone, Debug, PartialEq)]
pub enum Availability {
    /// Already on the leaderboard (the run's id there).
    Submitted(i64),
    /// The start-up check of `/api/version` has not answered yet.
    Checking,
    /// No leaderboard server (static hosting, or it did not answer).
    Offline,
    /// The server runs another simulator or scenario version (the reason, for people).
    Incompatible(AttrValue),
    /// A what-if run (rewound with hindsight): never submitted.
    WhatIf,
    /// A replay being watched: someone's recorded run.
    Replay,
    Ready,
}

/// What the form sends up (names already validated and trimmed).
#[derive(Clone, Debug, PartialEq)]
pub struct SubmitForm {
    pub player: String,
    pub team: Option<String>,
    pub competition: Option<String>,
}

#[derive(Properties, PartialEq)]
pub struct SubmitPanelProps {
    pub lang: Lang,
    pub availability: Availability,
    pub state: SubmitState,
    /// The score this browser computed (sent as `claimed_score`).
    pub local_score: i64,
    /// Defaults: the remembered names, and the competition code that fits this run.
    #[prop_or_default]
    pub player: AttrValue,
    #[prop_or_default]
    pub team: AttrValue,
    #[prop_or_default]
    pub competition: AttrValue,
    /// (code, reason): the joined competition requires Exam and this run is not one, so
    /// submitting with that code is greyed out.
    #[prop_or_default]
    pub exam_refusal: Option<(AttrValue, AttrValue)>,
    pub on_submit: Callback<SubmitForm>,
    pub on_leaderboard: Callback<()>,
    /// The player key the server just issued to this browser: shown once, with the run.
    #[prop_or_default]
    pub new_key: Option<AttrValue>,
}

fn focus(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|el| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el).ok())
    {
        let _ = el.focus();
    }
}

/// Why this run is not submitted, above the leaderboard button. `data-offline` or
/// `data-not-submittable` marks which case it is.
fn note(
    class: &'static str,
    offline: Option<&'static str>,
    not_submittable: Option<&'static str>,
    text: AttrValue,
    board_button: Html,
) -> Html {
    html! {
        <div class="submit-note">
            <div {class} role="status" data-offline={offline} data-not-submittable={not_submittable}>
                <span>{ text }</span>
            </div>
            { board_button }
        </div>
    }
}

#[component]
pub fn SubmitPanel(props: &SubmitPanelProps) -> Html {
    let lang = props.lang;
    let player = use_state(|| props.player.to_string());
    let team = use_state(|| props.team.to_string());
    let code = use_state(|| props.competition.to_string());
    // Errors show once the player tried to submit, or as soon as a field is edited.
    let attempted = use_state(|| false);
    let edited = use_state(|| (false, false));

    let player_check = validate_name(NameKind::Player, &player, lang);
    let team_check = if team.trim().is_empty() {
        Ok(None)
    } else {
        validate_name(NameKind::Team, &team, lang).map(Some)
    };
    let player_error = (*attempted || edited.0)
        .then(|| player_check.clone().err())
        .flatten();
    let team_error = (*attempted || edited.1)
        .then(|| team_check.clone().err())
        .flatten();

    let leaderboard = crate::screens::on_click(&props.on_leaderboard);
    let board_button = |primary: bool| {
        html! {
            <button type="button" class={if primary { "btn btn-primary" } else { "btn btn-normal" }} onclick={leaderboard.clone()}>
                { tr(lang, "View leaderboard", "リーダーボードを見る") }
            </button>
        }
    };

    let body = match &props.availability {
        Availability::Checking => html! {
            <p class="muted" role="status">{ tr(lang, "Checking for a leaderboard server…", "リーダーボードサーバーを確認しています…") }</p>
        },
        Availability::Offline => note("alert alert-info", Some(""), None, tr(lang,
            "No leaderboard server: your run was added to your local leaderboard (this browser only).",
            "リーダーボードサーバーがありません: この記録はローカルのリーダーボード（このブラウザーのみ）に追加されました。").into(),
            board_button(false)),
        Availability::Incompatible(reason) => {
            note("alert alert-warning", None, None, reason.clone(), board_button(false))
        }
        Availability::WhatIf => note("alert alert-info", None, Some("what-if"), tr(lang,
            "What-if runs are not submitted: you rewound them knowing how the seed unfolds. Use “Retry same seed” to play it straight through, then submit that run.",
            "もしもの実行は登録できません: このシードの展開を知ったうえで巻き戻した実行だからです。「同じシードで再挑戦」で最初から通しでプレイし、その記録を登録してください。").into(),
            board_button(false)),
        Availability::Submitted(id) => note("alert alert-success", None, Some("submitted"), match lang {
            Lang::En => format!("Submitted: this run is on the leaderboard (run {id})."),
            Lang::Ja => format!("登録済み: この記録はリーダーボードにあります（記録 {id}）。"),
        }.into(), board_button(true)),
        Availability::Replay => note("alert alert-info", None, Some("replay"), tr(lang,
            "This was a replay of a recorded run: replays are watched, not submitted.",
            "これは記録された実行のリプレイです。リプレイは閲覧専用で、登録はできません。").into(),
            board_button(false)),
        Availability::Ready => {
            let sending = matches!(props.state, SubmitState::Sending);
            let refused = props.exam_refusal.as_ref().filter(|(c, _)| {
                **c == *crate::leaderboard::normalize_code(&code)
            });
            let done = matches!(props.state, SubmitState::Done(_));
            let on_player = {
                let (player, edited) = (player.clone(), edited.clone());
                Callback::from(move |e: InputEvent| {
                    player.set(target_value(&e));
                    edited.set((true, edited.1));
                })
            };
            let on_team = {
                let (team, edited) = (team.clone(), edited.clone());
                Callback::from(move |e: InputEvent| {
                    team.set(target_value(&e));
                    edited.set((edited.0, true));
                })
            };
            let on_code = crate::panels::util::store_value::<InputEvent>(&code);
            let onsubmit = {
                let (attempted, cb, code) =
                    (attempted.clone(), props.on_submit.clone(), code.clone());
                let (player_check, team_check) = (player_check.clone(), team_check.clone());
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    attempted.set(true);
                    match (&player_check, &team_check) {
                        (Ok(player), Ok(team)) => {
                            let c = crate::leaderboard::normalize_code(&code);
                            cb.emit(SubmitForm {
                                player: player.clone(),
                                team: team.clone(),
                                competition: (!c.is_empty()).then_some(c),
                            });
                        }
                        (Err(_), _) => focus("submit-player"),
                        (_, Err(_)) => focus("submit-team"),
                    }
                })
            };
            let result = match &props.state {
                SubmitState::Idle | SubmitState::Sending => html! {},
                SubmitState::Done(r) => {
                    let lead = if r.created {
                        tr(lang, "Submitted.", "登録しました。")
                    } else {
                        tr(
                            lang,
                            "This run was already on the leaderboard.",
                            "この記録はすでに登録済みです。",
                        )
                    };
                    let verdict = match lang {
                        Lang::En => format!("The server re-ran your replay: score {} (grade {}), rank #{} on this scenario's {} board.", r.score, r.grade, r.rank, play_mode_label(r.mode, lang)),
                        Lang::Ja => format!("サーバーがリプレイを再実行しました: スコア {}（評価 {}）、このシナリオの{}ボードで {} 位。", r.score, r.grade, play_mode_label(r.mode, lang), r.rank),
                    };
                    let comp = match (&r.competition, r.competition_rank) {
                        (Some(c), Some(n)) => match lang {
                            Lang::En => format!(" #{n} in competition {c}."),
                            Lang::Ja => format!(" 競技 {c} では {n} 位。"),
                        },
                        _ => String::new(),
                    };
                    let differs = (r.score != props.local_score).then(|| match lang {
                        Lang::En => format!("The server's score ({}) differs from the one your browser computed ({}); the server's score is the one that counts.", r.score, props.local_score),
                        Lang::Ja => format!("サーバーのスコア（{}）がブラウザーで計算したスコア（{}）と異なります。サーバーのスコアが正式な記録です。", r.score, props.local_score),
                    });
                    html! {
                        <div class="submit-result" data-run-id={r.id.to_string()} data-server-score={r.score.to_string()} data-rank={r.rank.to_string()}>
                            <div class="alert alert-success" role="status">
                                <span><strong>{ lead }</strong>{ " " }{ verdict }{ comp }</span>
                            </div>
                            if let Some(d) = differs {
                                <div class="alert alert-warning" role="alert" data-score-differs=""><span>{ d }</span></div>
                            }
                            if let Some(key) = &props.new_key {
                                <div class="alert alert-info" role="status">
                                    <span>{ tr(lang, "Your player key", "プレイヤーキー") }{ ": " }
                                        <code id="identity-new">{ key.clone() }</code></span>
                                </div>
                            }
                            { board_button(true) }
                        </div>
                    }
                }
                SubmitState::Failed(f) => {
                    let lead = if f.is_network() {
                        String::new()
                    } else {
                        tr(
                            lang,
                            "The server rejected the run: ",
                            "サーバーがこの記録を受け付けませんでした: ",
                        )
                        .to_string()
                    };
                    let extra = match f.code.as_str() {
                        "claimed_score_mismatch" => Some(tr(lang,
                            "Your browser and the server's re-simulation computed different scores, so the run was not stored.",
                            "ブラウザーとサーバーの再シミュレーションでスコアが異なったため、記録は保存されませんでした。")),
                        "rate_limited" => Some(tr(lang, "Wait a minute, then submit again.", "少し待ってから、もう一度登録してください。")),
                        "busy" => Some(tr(lang, "The server is busy verifying other runs. Submit again in a few seconds.", "サーバーは他の記録の検証で混み合っています。数秒後にもう一度登録してください。")),
                        // The identity and board rules of `drill serve` (crates/drill/README.md,
                        // Rejections): the server words them in English; say what they mean here.
                        "run_taken" => Some(tr(lang, "This run is already on the board under another player: a run counts once, whoever submits it.", "この記録は別のプレイヤーの名前ですでに登録されています。同じ記録は、誰が登録しても1回しか数えません。")),
                        "team_mismatch" => Some(tr(lang, "You already submitted this run with another team (or none); it stays as it was.", "この記録はすでに別のチーム（またはチームなし）で登録済みです。登録内容は変わりません。")),
                        "name_taken" | "team_name_taken" => Some(tr(lang, "That name, or one that looks like it, belongs to someone else on this board. Choose another.", "その名前（またはよく似た名前）は、この掲示板で別の人が使っています。別の名前にしてください。")),
                        "other_team" => Some(tr(lang, "You already play for another team in this competition.", "この競技では、すでに別のチームに所属しています。")),
                        "team_full" => Some(tr(lang, "That team is full: the organiser set a cap on its members.", "そのチームは満員です（主催者が人数の上限を設定しています）。")),
                        "identity_blocked" | "run_removed" => Some(tr(lang, "The organiser removed this run or blocked your player key here.", "主催者がこの記録を削除したか、この競技でのあなたのプレイヤーキーをブロックしました。")),
                        "identity_required" | "unknown_identity" => Some(tr(lang, "The server does not know your player key: import yours on the leaderboard, or submit again to get a new one.", "サーバーがあなたのプレイヤーキーを認識できません。リーダーボードでキーを読み込むか、もう一度登録して新しいキーを受け取ってください。")),
                        "string_too_long" => Some(tr(lang, "A name or description in this run is longer than EC2 allows (names 128 characters, descriptions 255).", "この記録の名前か説明が EC2 の上限（名前128文字、説明255文字）を超えています。")),
                        _ => None,
                    };
                    html! {
                        <div class="alert alert-error" role="alert" id="submit-error" data-error-code={f.code.clone()}>
                            <strong>{ lead }</strong><span class="server-message">{ f.text(lang) }</span>
                            if !f.is_network() { <span class="mono muted">{ format!(" ({} {})", f.status, f.code) }</span> }
                            if let Some(x) = extra { <div>{ x }</div> }
                        </div>
                    }
                }
            };
            let code_hint = if code.trim().is_empty() {
                tr(
                    lang,
                    "Leave empty to submit to the open leaderboard only.",
                    "空欄なら通常のリーダーボードにだけ登録します。",
                )
            } else {
                tr(lang, "The run also counts in this competition (its scenario and seed must be one of the competition's).", "この競技にも記録されます（競技のシナリオとシードである必要があります）。")
            };
            html! {
                <form class="submit-form" onsubmit={onsubmit} novalidate=true aria-describedby="submit-intro">
                    <p id="submit-intro" class="muted submit-intro">{ tr(lang,
                        "The server re-runs your replay with the same simulator and ranks the score it computes.",
                        "サーバーが同じシミュレーターでリプレイを再実行し、その結果のスコアで順位を付けます。") }</p>
                    <div class="submit-grid">
                        <div class="field">
                            <label class="field-label" for="submit-player">{ tr(lang, "Player name", "プレイヤー名") }</label>
                            <input id="submit-player" type="text" class={if player_error.is_some() { "input invalid" } else { "input" }} value={(*player).clone()}
                                oninput={on_player} autocomplete="nickname" aria-required="true"
                                aria-invalid={player_error.is_some().then_some("true")} aria-describedby="submit-player-hint" />
                            <div id="submit-player-hint" class={if player_error.is_some() { "field-hint error" } else { "field-hint" }}>
                                { player_error.clone().unwrap_or_else(|| tr(lang, "Up to 32 letters or digits (any script), spaces, _ - .", "32 文字まで。文字・数字（どの言語でも可）、スペース、_ - .").to_string()) }
                            </div>
                        </div>
                        <div class="field">
                            <label class="field-label" for="submit-team">{ tr(lang, "Team", "チーム") }<span class="optional">{ tr(lang, " – optional", "（任意）") }</span></label>
                            <input id="submit-team" type="text" class={if team_error.is_some() { "input invalid" } else { "input" }} value={(*team).clone()}
                                oninput={on_team} autocomplete="organization"
                                aria-invalid={team_error.is_some().then_some("true")} aria-describedby="submit-team-hint" />
                            <div id="submit-team-hint" class={if team_error.is_some() { "field-hint error" } else { "field-hint" }}>
                                { team_error.clone().unwrap_or_else(|| tr(lang, "Team scores add up their members' best runs.", "チームのスコアはメンバーのベスト記録の合計です。").to_string()) }
                            </div>
                        </div>
                        <div class="field">
                            <label class="field-label" for="submit-code">{ tr(lang, "Competition code", "競技コード") }<span class="optional">{ tr(lang, " – optional", "（任意）") }</span></label>
                            <input id="submit-code" type="text" class="input mono code-input" value={(*code).clone()} oninput={on_code}
                                autocomplete="off" spellcheck="false" aria-describedby="submit-code-hint" />
                            <div id="submit-code-hint" class="field-hint">{ code_hint }</div>
                            if let Some((_, why)) = refused {
                                <div class="alert alert-warning" role="status" data-exam-required=""><span>{ why.clone() }</span></div>
                            }
                        </div>
                        <div class="submit-go">
                            <button type="submit" class="btn btn-primary" disabled={sending || done || refused.is_some()} aria-busy={sending.then_some("true")}>
                                { if sending {
                                    tr(lang, "Submitting…", "登録中…")
                                } else if done {
                                    tr(lang, "Submitted", "登録済み")
                                } else {
                                    tr(lang, "Submit to leaderboard", "リーダーボードに登録")
                                } }
                            </button>
                        </div>
                    </div>
                    <div aria-live="polite">{ result }</div>
                </form>
            }
        }
    };
    html! {
        <section class="card submit-card" aria-labelledby="submit-title" data-availability={match props.availability {
            Availability::Checking => "checking", Availability::Offline => "offline", Availability::Incompatible(_) => "incompatible",
            Availability::WhatIf => "what-if", Availability::Replay => "replay", Availability::Ready => "ready", Availability::Submitted(_) => "submitted" }}>
            <div class="card-header"><h2 id="submit-title">{ tr(lang, "Submit to leaderboard", "リーダーボードに登録") }</h2></div>
            <div class="card-body">{ body }</div>
        </section>
    }
}
