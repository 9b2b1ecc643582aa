//! DOM helpers shared by the browser test files: find, read, click and type the way a
//! trainee would, flushing Yew's scheduler after each interaction.
#![allow(dead_code)]

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement};

/// A fresh `<div>` appended to the page's body, to mount a component into. The page's
/// address loses its fragment first: an app that showed a board wrote it there (route.rs),
/// and the next app mounted would open that board at start.
pub fn root() -> Element {
    let window = web_sys::window().unwrap();
    let path = window.location().pathname().unwrap();
    let search = window.location().search().unwrap();
    window
        .history()
        .unwrap()
        .replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{path}{search}")),
        )
        .unwrap();
    let document = window.document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    root
}

/// Mounts component `C` with `props` into a fresh root and lets it render.
pub async fn mount<C: yew::BaseComponent>(props: C::Properties) -> (Element, yew::AppHandle<C>) {
    let root = root();
    let handle = yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    (root, handle)
}

pub fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

pub fn find(root: &Element, selector: &str) -> Option<Element> {
    root.query_selector(selector).unwrap()
}

pub fn one(root: &Element, selector: &str) -> Element {
    find(root, selector).unwrap_or_else(|| panic!("nothing matches `{selector}`"))
}

pub fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().dyn_into::<Element>().unwrap())
        .collect()
}

pub fn text(el: &Element) -> String {
    el.text_content().unwrap_or_default()
}

/// The first element matching `selector` whose text contains `needle`.
pub fn with_text(root: &Element, selector: &str, needle: &str) -> Element {
    all(root, selector)
        .into_iter()
        .find(|e| text(e).contains(needle))
        .unwrap_or_else(|| panic!("no `{selector}` containing {needle:?}"))
}

pub async fn click(el: &Element) {
    el.clone().dyn_into::<HtmlElement>().unwrap().click();
    yew::scheduler::flush().await;
}

pub async fn type_into(el: &Element, value: &str) {
    let input: HtmlInputElement = el.clone().dyn_into().unwrap();
    input.set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    input.dispatch_event(&event).unwrap();
    yew::scheduler::flush().await;
}
