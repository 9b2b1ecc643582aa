//! A dropdown menu button with one level of submenus, keyboard-operable as the WAI-ARIA
//! menu button pattern describes: Enter, Space or ArrowDown open it and focus the first item;
//! ArrowUp/ArrowDown/Home/End move; ArrowRight or Enter opens a submenu, ArrowLeft closes it;
//! Escape closes (focus returns to the button); Tab closes.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent};
use yew::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub struct MenuItem {
    pub id: &'static str,
    pub label: AttrValue,
    pub enabled: bool,
    /// A submenu (the item itself is then not selectable).
    pub children: Vec<MenuItem>,
    /// Starts a new group (a separator above it).
    pub separator: bool,
    /// Why a disabled item is not offered (its tooltip).
    pub why_not: Option<AttrValue>,
}

impl MenuItem {
    pub fn new(id: &'static str, label: impl Into<AttrValue>, enabled: bool) -> MenuItem {
        MenuItem {
            id,
            label: label.into(),
            enabled,
            children: Vec::new(),
            separator: false,
            why_not: None,
        }
    }

    /// Says why a disabled item is not offered (shown as its tooltip).
    pub fn with_why_not(mut self, why_not: Option<String>) -> MenuItem {
        self.why_not = why_not.map(AttrValue::from);
        self
    }

    pub fn submenu(
        id: &'static str,
        label: impl Into<AttrValue>,
        children: Vec<MenuItem>,
    ) -> MenuItem {
        let enabled = children.iter().any(|c| c.enabled);
        MenuItem {
            id,
            label: label.into(),
            enabled,
            children,
            separator: false,
            why_not: None,
        }
    }

    pub fn with_separator(mut self) -> MenuItem {
        self.separator = true;
        self
    }
}

#[derive(Properties, PartialEq)]
pub struct MenuProps {
    pub label: AttrValue,
    pub items: Vec<MenuItem>,
    pub on_select: Callback<&'static str>,
    #[prop_or_default]
    pub disabled: bool,
    /// Used for element ids (must be unique on the page).
    pub id: AttrValue,
    #[prop_or_default]
    pub align_right: bool,
}

fn path_key(path: &[usize]) -> String {
    path.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join("-")
}

fn focus_in(root: &NodeRef, selector: &str) {
    if let Some(root) = root.cast::<Element>() {
        if let Ok(Some(el)) = root.query_selector(selector) {
            if let Ok(el) = el.dyn_into::<HtmlElement>() {
                let _ = el.focus();
            }
        }
    }
}

#[component]
pub fn MenuButton(props: &MenuProps) -> Html {
    let open = use_state_eq(|| false);
    // The focused item: [top] or [top, child].
    let path = use_state_eq(Vec::<usize>::new);
    // The top-level item whose submenu is showing.
    let sub = use_state_eq(|| None::<usize>);
    let root = use_node_ref();
    let button = use_node_ref();

    {
        let root = root.clone();
        use_effect_with((*open, (*path).clone()), move |(open, path)| {
            if *open && !path.is_empty() {
                focus_in(&root, &format!("[data-path='{}']", path_key(path)));
            }
        });
    }

    let close = {
        let (open, sub, path, button) = (open.clone(), sub.clone(), path.clone(), button.clone());
        Callback::from(move |refocus: bool| {
            open.set(false);
            sub.set(None);
            path.set(Vec::new());
            if refocus {
                if let Some(b) = button.cast::<HtmlElement>() {
                    let _ = b.focus();
                }
            }
        })
    };

    let open_menu = {
        let (open, path, sub) = (open.clone(), path.clone(), sub.clone());
        let first = props.items.iter().position(|i| i.enabled).unwrap_or(0);
        Callback::from(move |last: bool| {
            open.set(true);
            sub.set(None);
            path.set(vec![if last { usize::MAX } else { first }]);
        })
    };

    let items = props.items.clone();
    // Resolves usize::MAX ("the last one") lazily, where the item count is known.
    let resolve = {
        let items = items.clone();
        move |p: &[usize]| -> Vec<usize> {
            let mut out = p.to_vec();
            if let Some(top) = out.first_mut() {
                if *top == usize::MAX {
                    *top = items.len().saturating_sub(1);
                }
            }
            out
        }
    };

    let activate = {
        let (items, sub, path, close, on_select) = (
            items.clone(),
            sub.clone(),
            path.clone(),
            close.clone(),
            props.on_select.clone(),
        );
        Callback::from(move |p: Vec<usize>| {
            let item = match p.as_slice() {
                [t] => items.get(*t),
                [t, c] => items.get(*t).and_then(|i| i.children.get(*c)),
                _ => None,
            };
            let Some(item) = item else { return };
            if !item.children.is_empty() {
                if item.enabled {
                    sub.set(Some(p[0]));
                    let first = item.children.iter().position(|c| c.enabled).unwrap_or(0);
                    path.set(vec![p[0], first]);
                }
                return;
            }
            if item.enabled {
                close.emit(true);
                on_select.emit(item.id);
            }
        })
    };

    let on_button_click = {
        let (open, close, open_menu) = (open.clone(), close.clone(), open_menu.clone());
        Callback::from(move |_: MouseEvent| {
            if *open {
                close.emit(false);
            } else {
                open_menu.emit(false);
            }
        })
    };
    let on_button_key = {
        let open_menu = open_menu.clone();
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "ArrowDown" => {
                e.prevent_default();
                open_menu.emit(false);
            }
            "ArrowUp" => {
                e.prevent_default();
                open_menu.emit(true);
            }
            _ => {}
        })
    };

    let on_menu_key = {
        let (items, path, sub, close, activate) = (
            items.clone(),
            path.clone(),
            sub.clone(),
            close.clone(),
            activate.clone(),
        );
        let resolve = resolve.clone();
        Callback::from(move |e: KeyboardEvent| {
            let p = resolve(&path);
            let level_len = match p.as_slice() {
                [_] => items.len(),
                [t, _] => items.get(*t).map(|i| i.children.len()).unwrap_or(0),
                _ => 0,
            };
            if level_len == 0 {
                return;
            }
            let cur = *p.last().unwrap_or(&0);
            let set_last = |v: usize| {
                let mut q = p.clone();
                if let Some(l) = q.last_mut() {
                    *l = v;
                }
                q
            };
            match e.key().as_str() {
                "ArrowDown" => {
                    e.prevent_default();
                    path.set(set_last((cur + 1) % level_len));
                }
                "ArrowUp" => {
                    e.prevent_default();
                    path.set(set_last((cur + level_len - 1) % level_len));
                }
                "Home" => {
                    e.prevent_default();
                    path.set(set_last(0));
                }
                "End" => {
                    e.prevent_default();
                    path.set(set_last(level_len - 1));
                }
                "ArrowRight"
                    if p.len() == 1 && items.get(cur).is_some_and(|i| !i.children.is_empty()) =>
                {
                    e.prevent_default();
                    activate.emit(p.clone());
                }
                "ArrowLeft" if p.len() == 2 => {
                    e.prevent_default();
                    sub.set(None);
                    path.set(vec![p[0]]);
                }
                "Escape" => {
                    e.prevent_default();
                    e.stop_propagation();
                    if p.len() == 2 {
                        sub.set(None);
                        path.set(vec![p[0]]);
                    } else {
                        close.emit(true);
                    }
                }
                "Enter" | " " => {
                    e.prevent_default();
                    activate.emit(p.clone());
                }
                "Tab" => close.emit(false),
                _ => {}
            }
        })
    };

    let menu_id = format!("{}-menu", props.id);
    let button_id = format!("{}-button", props.id);

    let render_item = |item: &MenuItem, p: Vec<usize>, submenu: Html| -> Html {
        let key = path_key(&p);
        let has_children = !item.children.is_empty();
        let onclick = {
            let (activate, p) = (activate.clone(), p.clone());
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                activate.emit(p.clone());
            })
        };
        let onmouseenter = {
            let (path, sub, p) = (path.clone(), sub.clone(), p.clone());
            let enabled = item.enabled;
            Callback::from(move |_: MouseEvent| {
                if p.len() == 1 {
                    sub.set(if has_children && enabled {
                        Some(p[0])
                    } else {
                        None
                    });
                }
                path.set(p.clone());
            })
        };
        let sub_id = format!("{}-sub-{}", props.id, key);
        html! {
            <li
                role="menuitem"
                tabindex="-1"
                class={classes!("menu-item", (!item.enabled).then_some("disabled"), item.separator.then_some("sep"), has_children.then_some("has-sub"))}
                aria-disabled={(!item.enabled).then_some("true")}
                aria-haspopup={has_children.then_some("menu")}
                aria-expanded={has_children.then(|| if *sub == Some(p[0]) && p.len() == 1 { "true" } else { "false" })}
                aria-controls={has_children.then(|| sub_id.clone())}
                aria-label={item.label.clone()}
                title={item.why_not.clone()}
                data-path={key.clone()}
                data-id={item.id}
                {onclick}
                {onmouseenter}
            >
                <span class="menu-label">{ item.label.clone() }</span>
                if has_children { <span class="menu-chevron" aria-hidden="true">{ "▸" }</span> }
                { submenu }
            </li>
        }
    };

    let list = if *open {
        let p = resolve(&path);
        html! {
            <>
                <div class="menu-backdrop" onclick={crate::screens::click_emits(&close, false)}></div>
                <ul id={menu_id.clone()} class={if props.align_right { "menu right" } else { "menu" }} role="menu" aria-labelledby={button_id.clone()} onkeydown={on_menu_key}>
                    { for props.items.iter().enumerate().map(|(i, item)| {
                        let sub_open = *sub == Some(i) || (p.len() == 2 && p[0] == i);
                        let submenu = if sub_open && !item.children.is_empty() {
                            html! {
                                <ul role="menu" class="menu submenu" id={format!("{}-sub-{}", props.id, i)} aria-label={item.label.clone()}>
                                    { for item.children.iter().enumerate().map(|(j, c)| render_item(c, vec![i, j], html! {})) }
                                </ul>
                            }
                        } else {
                            html! {}
                        };
                        render_item(item, vec![i], submenu)
                    }) }
                </ul>
            </>
        }
    } else {
        html! {}
    };

    html! {
        <div class="menu-wrap" ref={root}>
            <button
                ref={button}
                id={button_id}
                type="button"
                class="btn btn-normal menu-button"
                aria-haspopup="menu"
                aria-expanded={if *open { "true" } else { "false" }}
                aria-controls={menu_id}
                disabled={props.disabled}
                onclick={on_button_click}
                onkeydown={on_button_key}
            >
                { props.label.clone() }<span class="caret" aria-hidden="true">{ "▾" }</span>
            </button>
            { list }
        </div>
    }
}
