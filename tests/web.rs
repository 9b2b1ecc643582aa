#![cfg(target_arch = "wasm32")]
//! Browser tests: mount the app into a fresh element and inspect the DOM.

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn app_renders_heading() {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();

    yew::Renderer::<quorum_drill::App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;

    let h1 = root
        .query_selector("h1")
        .unwrap()
        .expect("the app renders an <h1>");
    assert_eq!(h1.text_content().as_deref(), Some("Quorum Drill"));
}
