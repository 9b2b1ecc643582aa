//! Starting a `drill serve` child process and learning its address: what the tests and
//! benches that need a real process (kill -9, file-descriptor limits, RSS, several
//! processes on one database) share. Included by path (`#[path]`) where needed, so that a
//! bench does not pull in the rest of `common`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Spawns `command` (a `drill serve --addr 127.0.0.1:0 …`, its stderr set by the caller)
/// and reads the line it prints when it listens; the child, its `host:port` and that line.
pub fn spawn_serve(mut command: Command) -> (Child, String, String) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn drill serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut line)
        .expect("drill serve's first line");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in drill serve's first line {line:?}"))
        .to_string();
    (child, addr, line)
}
