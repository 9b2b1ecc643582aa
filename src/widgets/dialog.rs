//! A modal dialog: `role="dialog"`, `aria-modal`, labelled by its title. On open it focuses
//! the element marked `data-autofocus` (else the first field or button); Tab and Shift+Tab
//! cycle inside it; Escape closes it; on close focus returns where it was.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent};
use yew::prelude::*;

use crate::i18n::{tr, Lang};

const FOCUSABLE: &str = "button:not([disabled]), input:not([disabled]), select:not([disabled]), \
                         textarea:not([disabled]), a[href], [tabindex='0']";

#[derive(Properties, PartialEq)]
pub struct DialogProps {
    /// Used for the title's element id (must be unique on the page).
    pub id: AttrValue,
    pub title: AttrValue,
    pub lang: Lang,
    pub on_close: Callback<()>,
    #[prop_or_default]
    pub children: Html,
    #[prop_or_default]
    pub footer: Html,
    #[prop_or_default]
    pub class: Classes,
    /// `alertdialog` for confirmations.
    #[prop_or_default]
    pub alert: bool,
}

fn focusables(root: &Element) -> Vec<HtmlElement> {
    let mut out = Vec::new();
    if let Ok(list) = root.query_selector_all(FOCUSABLE) {
        for i in 0..list.length() {
            if let Some(el) = list.item(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()) {
                out.push(el);
            }
        }
    }
    out
}

#[component]
pub fn Dialog(props: &DialogProps) -> Html {
    let node = use_node_ref();
    {
        let node = node.clone();
        let on_close = props.on_close.clone();
        use_effect_with((), move |_| {
            let document = web_sys::window().and_then(|w| w.document());
            let previous = document
                .as_ref()
                .and_then(|d| d.active_element())
                .and_then(|e| e.dyn_into::<HtmlElement>().ok());
            let mounted = node.cast::<Element>();
            if let Some(root) = &mounted {
                let target = root
                    .query_selector("[data-autofocus]")
                    .ok()
                    .flatten()
                    .and_then(|e| e.dyn_into::<HtmlElement>().ok())
                    .or_else(|| {
                        let all = focusables(root);
                        // Prefer the first field or body button over the title bar's close.
                        all.iter()
                            .find(|e| !e.class_list().contains("modal-close"))
                            .cloned()
                            .or_else(|| all.first().cloned())
                    });
                if let Some(t) = target {
                    let _ = t.focus();
                }
            }
            // Escape closes the topmost modal wherever focus is (e.g. after a click on the
            // backdrop moved it to the body).
            let listener = {
                let node = node.clone();
                Closure::<dyn Fn(KeyboardEvent)>::new(move |e: KeyboardEvent| {
                    if e.key() != "Escape" || e.default_prevented() {
                        return;
                    }
                    let Some(me) = node.cast::<Element>() else {
                        return;
                    };
                    let topmost = web_sys::window()
                        .and_then(|w| w.document())
                        .and_then(|d| d.query_selector_all("[aria-modal='true']").ok())
                        .and_then(|l| l.item(l.length().saturating_sub(1)))
                        .is_some_and(|n| n.is_same_node(Some(&me)));
                    if topmost {
                        e.prevent_default();
                        on_close.emit(());
                    }
                })
            };
            if let Some(d) = &document {
                let _ = d
                    .add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(d) = &document {
                    let _ = d.remove_event_listener_with_callback(
                        "keydown",
                        listener.as_ref().unchecked_ref(),
                    );
                    // Give focus back only if it was lost with the dialog: another dialog
                    // that opened in its place keeps it.
                    let lost = d.active_element().is_none_or(|a| {
                        d.body().is_some_and(|b| a.is_same_node(Some(&b)))
                            || !a.is_connected()
                            || mounted.as_ref().is_some_and(|m| m.contains(Some(&a)))
                    });
                    if lost {
                        if let Some(prev) = previous.filter(|p| p.is_connected()) {
                            let _ = prev.focus();
                        }
                    }
                }
                drop(listener);
            }
        });
    }

    let onkeydown = {
        let node = node.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() != "Tab" {
                return;
            }
            let Some(root) = node.cast::<Element>() else {
                return;
            };
            let all = focusables(&root);
            let (Some(first), Some(last)) = (all.first(), all.last()) else {
                return;
            };
            let active = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element());
            let is = |el: &HtmlElement| {
                active
                    .as_ref()
                    .is_some_and(|a| a == el.unchecked_ref::<Element>())
            };
            let inside = active.as_ref().is_some_and(|a| root.contains(Some(a)));
            if e.shift_key() && (is(first) || !inside) {
                e.prevent_default();
                let _ = last.focus();
            } else if !e.shift_key() && (is(last) || !inside) {
                e.prevent_default();
                let _ = first.focus();
            }
        })
    };

    let title_id = format!("{}-title", props.id);
    let close = crate::screens::on_click(&props.on_close);
    html! {
        <div class="modal-backdrop">
            <div
                ref={node}
                id={props.id.clone()}
                class={classes!("modal", props.class.clone())}
                role={if props.alert { "alertdialog" } else { "dialog" }}
                aria-modal="true"
                aria-labelledby={title_id.clone()}
                {onkeydown}
            >
                <div class="modal-header">
                    <h2 id={title_id}>{ props.title.clone() }</h2>
                    <button type="button" class="icon-btn modal-close" aria-label={tr(props.lang, "Close", "閉じる")} onclick={close}>{ "✕" }</button>
                </div>
                <div class="modal-body">{ props.children.clone() }</div>
                <div class="modal-footer">{ props.footer.clone() }</div>
            </div>
        </div>
    }
}
