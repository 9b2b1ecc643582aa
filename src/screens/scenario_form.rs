//! The scenario editor's form (issue 13, boards bundle only): the fields a trainer edits
//! most — id, title and briefing in English and Japanese, duration, topology, traffic,
//! faults with their kinds and times, messages — over the scenario file. The server reads
//! the form from the file and writes it back into it (`POST /api/trainer/scenarios/form`,
//! `toml_edit` keeping the rest), so the file stays the one thing linted and exported: an
//! edit in the form becomes an edit of the text, which the editor checks as you type.

use quorum_proto::trainer::{FormAnswer, FormFault, FormMessage, FormRequest, ScenarioForm};
use quorum_sim::scenario::FaultKind;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::i18n::{tr, Lang};
use crate::net;

#[derive(Properties, PartialEq)]
pub struct FormProps {
    pub lang: Lang,
    pub token: AttrValue,
    /// The file on show.
    pub text: AttrValue,
    /// The file with an edit of the form written into it.
    pub on_text: Callback<String>,
}

fn value_of(e: &Event) -> String {
    let t = e.target();
    if let Some(i) = t
        .clone()
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
    {
        return i.value();
    }
    if let Some(a) = t
        .clone()
        .and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok())
    {
        return a.value();
    }
    t.and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
        .map(|s| s.value())
        .unwrap_or_default()
}

/// One edit of the form: a field and its new text.
type Edit = std::rc::Rc<dyn Fn(&mut ScenarioForm, String)>;

#[function_component(ScenarioFormPanel)]
pub fn scenario_form_panel(p: &FormProps) -> Html {
    let lang = p.lang;
    let form = use_state(|| None::<ScenarioForm>);
    let error = use_state(|| None::<String>);
    // Edits since the page read the form: a read that answers after one is dropped, and
    // only the latest edit's write is applied.
    let edits = use_mut_ref(|| 0u32);
    // Reads: only after a pause in typing in the file, and only the latest.
    let reads = use_mut_ref(|| 0u32);
    {
        let (form, error, edits, reads, token) = (
            form.clone(),
            error.clone(),
            edits.clone(),
            reads.clone(),
            p.token.clone(),
        );
        use_effect_with(p.text.clone(), move |text| {
            let (text, mine) = (text.to_string(), *edits.borrow());
            let read = {
                let mut r = reads.borrow_mut();
                *r += 1;
                *r
            };
            if !text.is_empty() {
                wasm_bindgen_futures::spawn_local(async move {
                    gloo_timers::future::TimeoutFuture::new(300).await;
                    if *reads.borrow() != read {
                        return;
                    }
                    let body = serde_json::to_string(&FormRequest {
                        toml: text,
                        form: None,
                    })
                    .unwrap_or_default();
                    let r = net::call::<FormAnswer>(
                        "POST",
                        "/api/trainer/scenarios/form",
                        Some(body),
                        Some(&token),
                    )
                    .await;
                    if *edits.borrow() != mine || *reads.borrow() != read {
                        return;
                    }
                    match r {
                        Ok(FormAnswer { form: Some(f), .. }) => {
                            form.set(Some(f));
                            error.set(None);
                        }
                        // Not TOML (yet): the form waits for the file to read again.
                        Ok(FormAnswer { problem, .. }) => {
                            form.set(None);
                            error.set(Some(problem.unwrap_or_default()));
                        }
                        Err(f) => {
                            form.set(None);
                            error.set(Some(f.text(lang)));
                        }
                    }
                });
            }
        });
    }
    let Some(current) = (*form).clone() else {
        return match &*error {
            Some(e) => {
                html! { <p class="muted" data-form="unreadable">{ tr(lang, "The form shows once the file is TOML: ", "ファイルが TOML として読めるとフォームが表示されます: ") }<code>{ e.clone() }</code></p> }
            }
            None => html! {},
        };
    };
    // Applies an edit: shown at once, written into the file after a pause in typing.
    let apply = {
        let (form, edits, token, text, on_text, error) = (
            form.clone(),
            edits.clone(),
            p.token.clone(),
            p.text.clone(),
            p.on_text.clone(),
            error.clone(),
        );
        std::rc::Rc::new(move |next: ScenarioForm| {
            let mine = {
                let mut e = edits.borrow_mut();
                *e += 1;
                *e
            };
            form.set(Some(next.clone()));
            let (edits, token, text, on_text, error) = (
                edits.clone(),
                token.clone(),
                text.to_string(),
                on_text.clone(),
                error.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(400).await;
                if *edits.borrow() != mine {
                    return;
                }
                let body = serde_json::to_string(&FormRequest {
                    toml: text,
                    form: Some(next),
                })
                .unwrap_or_default();
                let r = net::call::<FormAnswer>(
                    "POST",
                    "/api/trainer/scenarios/form",
                    Some(body),
                    Some(&token),
                )
                .await;
                if *edits.borrow() != mine {
                    return;
                }
                match r {
                    Ok(FormAnswer {
                        form: Some(_),
                        toml,
                        ..
                    }) => on_text.emit(toml),
                    Ok(FormAnswer { problem, .. }) => error.set(Some(problem.unwrap_or_default())),
                    Err(f) => error.set(Some(f.text(lang))),
                }
            });
        })
    };
    let field = |edit: Edit| {
        let (apply, current) = (apply.clone(), current.clone());
        Callback::from(move |e: InputEvent| {
            let mut next = current.clone();
            edit(&mut next, value_of(&e));
            apply(next);
        })
    };
    let changed = |edit: Edit| {
        let (apply, current) = (apply.clone(), current.clone());
        Callback::from(move |e: Event| {
            let mut next = current.clone();
            edit(&mut next, value_of(&e));
            apply(next);
        })
    };
    let click = |edit: std::rc::Rc<dyn Fn(&mut ScenarioForm)>| {
        let (apply, current) = (apply.clone(), current.clone());
        Callback::from(move |_: MouseEvent| {
            let mut next = current.clone();
            edit(&mut next);
            apply(next);
        })
    };
    let num = |t: &str| t.trim().parse::<u32>().unwrap_or(0);
    let kinds: Vec<FaultKind> = FaultKind::ALL
        .into_iter()
        .filter(|k| k.is_timed())
        .collect();
    html! {
        <details class="card card-body scenario-form" open=true data-card="scenario-form">
            <summary><strong>{ tr(lang, "Form: the fields edited most (written into the file below)", "フォーム: よく編集する項目（下のファイルに書き込まれます）") }</strong></summary>
            <div class="form-grid">
                <label>{ tr(lang, "Scenario id", "シナリオ ID") }
                    <input type="text" name="form-id" class="mono" value={current.id.clone()} oninput={field(std::rc::Rc::new(|f, v| f.id = v))} /></label>
                <label>{ tr(lang, "Duration", "演習時間") }
                    <input type="text" name="form-duration" class="mono" value={current.duration.clone()} oninput={field(std::rc::Rc::new(|f, v| f.duration = v))} /></label>
                <label>{ tr(lang, "Title (English)", "タイトル（英語）") }
                    <input type="text" name="form-title-en" value={current.title_en.clone()} oninput={field(std::rc::Rc::new(|f, v| f.title_en = v))} /></label>
                <label>{ tr(lang, "Title (Japanese)", "タイトル（日本語）") }
                    <input type="text" name="form-title-ja" value={current.title_ja.clone()} oninput={field(std::rc::Rc::new(|f, v| f.title_ja = v))} /></label>
                <label>{ tr(lang, "Briefing (English)", "ブリーフィング（英語）") }
                    <textarea name="form-briefing-en" rows="3" value={current.briefing_en.clone()} oninput={field(std::rc::Rc::new(|f, v| f.briefing_en = v))} /></label>
                <label>{ tr(lang, "Briefing (Japanese)", "ブリーフィング（日本語）") }
                    <textarea name="form-briefing-ja" rows="3" value={current.briefing_ja.clone()} oninput={field(std::rc::Rc::new(|f, v| f.briefing_ja = v))} /></label>
                <label>{ tr(lang, "Nodes (comma-separated)", "ノード（カンマ区切り）") }
                    <input type="text" name="form-nodes" class="mono" value={current.nodes.join(", ")}
                        oninput={field(std::rc::Rc::new(|f, v: String| f.nodes = v.split(',').map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect()))} /></label>
                <label>{ tr(lang, "Primary shards", "プライマリシャード数") }
                    <input type="number" min="1" name="form-shards" value={current.shards.to_string()} oninput={field(std::rc::Rc::new(move |f, v| f.shards = num(&v)))} /></label>
                <label>{ tr(lang, "Replicas", "レプリカ数") }
                    <input type="number" min="0" name="form-replicas" value={current.replicas.to_string()} oninput={field(std::rc::Rc::new(move |f, v| f.replicas = num(&v)))} /></label>
                <label>{ tr(lang, "Requests per second", "毎秒のリクエスト数") }
                    <input type="number" min="0" name="form-rps" value={current.requests_per_s.to_string()} oninput={field(std::rc::Rc::new(move |f, v| f.requests_per_s = num(&v)))} /></label>
            </div>
            <fieldset data-form="faults">
                <legend>{ tr(lang, "Faults", "障害") }</legend>
                { for current.faults.iter().enumerate().map(|(i, fault)| html! {
                    <div class="form-row" data-fault={i.to_string()}>
                        <label>{ tr(lang, "At", "時刻") }
                            <input type="text" class="mono" name="fault-at" size="6" value={fault.at.clone()} oninput={field(std::rc::Rc::new(move |f, v| f.faults[i].at = v))} /></label>
                        <label>{ tr(lang, "Kind", "種類") }
                            <select name="fault-kind" onchange={changed(std::rc::Rc::new(move |f, v| f.faults[i].kind = v))}>
                                { for kinds.iter().map(|k| html! { <option value={k.as_str()} selected={fault.kind == k.as_str()}>{ k.label(lang) }</option> }) }
                            </select></label>
                        <label>{ tr(lang, "Target", "対象") }
                            <select name="fault-target" class="mono" onchange={changed(std::rc::Rc::new(move |f, v| f.faults[i].target = v))}>
                                { for current.nodes.iter().map(|n| html! { <option value={n.clone()} selected={fault.target == *n}>{ n.clone() }</option> }) }
                            </select></label>
                        <button type="button" class="btn btn-sm" onclick={click(std::rc::Rc::new(move |f| { f.faults.remove(i); }))}>{ tr(lang, "Remove", "削除") }</button>
                    </div>
                }) }
                <button type="button" class="btn btn-sm" name="add-fault" onclick={click(std::rc::Rc::new(|f: &mut ScenarioForm| {
                    let target = f.nodes.first().cloned().unwrap_or_default();
                    f.faults.push(FormFault { at: "05:00".into(), kind: "host-failure".into(), target });
                }))}>{ tr(lang, "Add a fault", "障害を追加") }</button>
            </fieldset>
            <fieldset data-form="messages">
                <legend>{ tr(lang, "Messages", "メッセージ") }</legend>
                { for current.messages.iter().enumerate().map(|(i, m)| html! {
                    <div class="form-row" data-message={i.to_string()}>
                        <label>{ tr(lang, "At", "時刻") }
                            <input type="text" class="mono" name="message-at" size="6" value={m.at.clone()} oninput={field(std::rc::Rc::new(move |f, v| f.messages[i].at = v))} /></label>
                        <label>{ tr(lang, "From", "送信者") }
                            <input type="text" name="message-from" value={m.from.clone()} oninput={field(std::rc::Rc::new(move |f, v| f.messages[i].from = v))} /></label>
                        <label>{ tr(lang, "English", "英語") }
                            <input type="text" name="message-en" value={m.en.clone()} oninput={field(std::rc::Rc::new(move |f, v| f.messages[i].en = v))} /></label>
                        <label>{ tr(lang, "Japanese", "日本語") }
                            <input type="text" name="message-ja" value={m.ja.clone()} oninput={field(std::rc::Rc::new(move |f, v| f.messages[i].ja = v))} /></label>
                        <button type="button" class="btn btn-sm" onclick={click(std::rc::Rc::new(move |f| { f.messages.remove(i); }))}>{ tr(lang, "Remove", "削除") }</button>
                    </div>
                }) }
                <button type="button" class="btn btn-sm" name="add-message" onclick={click(std::rc::Rc::new(|f: &mut ScenarioForm| {
                    f.messages.push(FormMessage { at: "10:00".into(), from: "Team lead".into(), en: String::new(), ja: String::new() });
                }))}>{ tr(lang, "Add a message", "メッセージを追加") }</button>
            </fieldset>
            { (*error).as_deref().map(|e| html! { <p class="alert alert-error" role="alert">{ e.to_string() }</p> }).unwrap_or_default() }
        </details>
    }
}
