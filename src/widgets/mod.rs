//! Reusable accessible controls: the dropdown menu button and the modal dialog.

pub mod dialog;
pub mod menu;

pub use dialog::Dialog;
pub use menu::{MenuButton, MenuItem};
