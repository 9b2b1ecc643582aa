#![cfg(target_arch = "wasm32")]
//! Browser tests of the trainer pages that need no server (boards bundle): the address opens
//! them at start, a stored value that is not a trainer token is removed with a notice, a
//! typed one is kept under its versioned key, and a browser without an identity is asked to
//! join a cohort on the assignments page. The flows with a server are e2e/trainer.test.mjs.

use quorum_drill::storage::{KEY_IDENTITY, KEY_TRAINER};
use quorum_drill::App;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;

mod common;

use common::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn wait_for(root: &Element, selector: &str) -> Element {
    for _ in 0..100 {
        if let Some(el) = find(root, selector) {
            return el;
        }
        gloo_timers::future::TimeoutFuture::new(50).await;
        yew::scheduler::flush().await;
    }
    panic!("`{selector}` did not appear within 5 s");
}

fn set_hash(hash: &str) {
    web_sys::window()
        .unwrap()
        .location()
        .set_hash(hash)
        .unwrap();
}

fn hash() -> String {
    web_sys::window().unwrap().location().hash().unwrap()
}

#[wasm_bindgen_test]
async fn a_stored_value_that_is_not_a_trainer_token_is_removed_with_a_notice() {
    let s = storage();
    s.clear().unwrap();
    s.set_item(KEY_TRAINER, "qd1_a-player-key-not-a-trainer-one")
        .unwrap();
    let root = root();
    set_hash("#trainer");
    let handle = yew::Renderer::<App>::with_root(root.clone()).render();
    wait_for(&root, ".app[data-screen='trainer']").await;
    let notice = wait_for(&root, "[data-notice='trainer-token']").await;
    assert!(text(&notice).contains("was not valid"), "{}", text(&notice));
    assert_eq!(
        s.get_item(KEY_TRAINER).unwrap(),
        None,
        "the bad value is gone"
    );

    // A trainer token typed in is kept under the versioned key, and the cohorts page asks
    // the server for the trainer's cohorts (none here: it says it could not reach it).
    let token = format!("qdt1_{}", "x".repeat(43));
    let input = one(&root, "input[name='trainer-token']");
    type_into(&input, &token).await;
    click(&with_text(&root, "button", "Sign in")).await;
    wait_for(&root, "[data-card='cohorts']").await;
    assert_eq!(s.get_item(KEY_TRAINER).unwrap(), Some(token));
    assert_eq!(hash(), "#trainer");
    handle.destroy();
    root.remove();
    s.clear().unwrap();
    set_hash("");
}

#[wasm_bindgen_test]
async fn without_an_identity_the_assignments_page_asks_to_join_a_cohort() {
    let s = storage();
    s.clear().unwrap();
    assert_eq!(s.get_item(KEY_IDENTITY).unwrap(), None);
    let root = root();
    set_hash("#assignments");
    let handle = yew::Renderer::<App>::with_root(root.clone()).render();
    wait_for(&root, ".app[data-screen='assignments']").await;
    let page = one(&root, "[data-page='assignments']");
    assert!(text(&page).contains("Join a cohort to see its assignments."));
    let join = one(&root, "[data-card='join-cohort'] button[type='submit']");
    assert!(join.has_attribute("disabled"), "nothing typed: Join is off");
    handle.destroy();
    root.remove();
    s.clear().unwrap();
    set_hash("");
}
