//! Running external commands: each one prints itself before it runs, and a failure names
//! the command and how it ended. Also the parsing of test runners' closing lines.

use std::io::{self, BufRead, BufReader, Write};
use std::process::{Command, ExitStatus, Stdio};

use crate::{Error, Result};

/// A command that prints itself before it runs and reports failure with its own text.
pub struct Cmd {
    pub command: Command,
    pub display: String,
}

impl Cmd {
    pub fn new(program: &str, args: &[&str]) -> Cmd {
        let mut command = Command::new(program);
        command.args(args);
        Cmd {
            command,
            display: display_command(program, args),
        }
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.command.env(key, value);
        self
    }

    pub fn announce(&self) {
        println!("$ {}", self.display);
        let _ = io::stdout().flush();
    }

    pub fn check(&self, status: ExitStatus) -> Result {
        if status.success() {
            Ok(())
        } else {
            bail!("`{}` exited with {}", self.display, describe_status(status))
        }
    }

    pub fn spawn_error(&self, e: io::Error) -> Error {
        Error(format!("cannot run `{}`: {e}", self.display))
    }

    /// Runs with inherited stdio.
    pub fn run(mut self) -> Result {
        self.announce();
        let status = self.command.status().map_err(|e| self.spawn_error(e))?;
        self.check(status)
    }

    /// Runs with stdout echoed line by line and returned, stderr inherited.
    pub fn run_capturing(mut self) -> Result<String> {
        let mut out = String::new();
        let status = self.run_echoing(|line| {
            out.push_str(line);
            out.push('\n');
        })?;
        self.check(status)?;
        Ok(out)
    }

    /// Runs with stdout echoed line by line, handing each line to `each`; stderr inherited.
    /// Returns the exit status unchecked, for the caller to judge.
    fn run_echoing(&mut self, mut each: impl FnMut(&str)) -> Result<ExitStatus> {
        self.announce();
        let mut child = self
            .command
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| self.spawn_error(e))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| Error(format!("`{}` has no stdout pipe", self.display)))?;
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap_or_default();
            // println!, not a write to io::stdout(): libtest captures it in xtask's own
            // tests, so a runner line they fake is not read as a real one.
            println!("{line}");
            let _ = io::stdout().flush();
            each(&line);
        }
        child.wait().map_err(|e| self.spawn_error(e))
    }

    /// Runs with stdout captured but not echoed (cargo's JSON messages), stderr inherited.
    pub fn run_quiet_stdout(mut self) -> Result<String> {
        self.announce();
        let out = self
            .command
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| self.spawn_error(e))?;
        self.check(out.status)?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Like `run_capturing`, returning the test counts of the runner's closing lines. The
    /// counts are added to `total` even when the command fails, so the summary is complete.
    pub fn run_counting(mut self, total: &mut Counts) -> Result<Counts> {
        let mut counts = Counts::default();
        let status = self.run_echoing(|line| count_line(line, &mut counts));
        total.add(counts);
        self.check(status?)?;
        Ok(counts)
    }
}

/// Test counts parsed from the runners' closing lines (libtest, wasm-bindgen-test, node).
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    /// libtest's "ignored", node's "skipped" and "todo": a green `xtask test` has none.
    pub skipped: u64,
}

impl Counts {
    pub fn add(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

/// Adds the counts of one closing line of libtest / wasm-bindgen-test
/// ("test result: ok. 3 passed; 0 failed; 1 ignored; ...") or node's test runner
/// (TAP "# pass 3", spec "ℹ pass 3", and the same for fail / skipped / todo).
pub fn count_line(line: &str, counts: &mut Counts) {
    let t = line.trim();
    if let Some(rest) = t.strip_prefix("test result:") {
        for part in rest.split(';') {
            let mut words = part.split_whitespace().rev();
            let (Some(kind), Some(n)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(n) = n.parse::<u64>() else { continue };
            match kind {
                "passed" => counts.passed += n,
                "failed" => counts.failed += n,
                "ignored" => counts.skipped += n,
                _ => {}
            }
        }
        return;
    }
    let rest = t.strip_prefix("# ").or_else(|| t.strip_prefix("ℹ "));
    if let Some(rest) = rest {
        let mut words = rest.split_whitespace();
        if let (Some(kind), Some(n), None) = (words.next(), words.next(), words.next()) {
            if let Ok(n) = n.parse::<u64>() {
                match kind {
                    "pass" => counts.passed += n,
                    "fail" => counts.failed += n,
                    "skipped" | "todo" => counts.skipped += n,
                    _ => {}
                }
            }
        }
    }
}

/// Runs a command quietly and returns its stdout, or None if it cannot run or fails.
pub fn capture(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn describe(found: &Option<String>) -> String {
    match found {
        Some(v) => format!("`{}`", v.trim()),
        None => "missing".to_string(),
    }
}

pub fn describe_status(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit code {code}"),
        None => {
            #[cfg(unix)]
            {
                use std::os::unix::process::ExitStatusExt;
                if let Some(sig) = status.signal() {
                    return format!("signal {sig}");
                }
            }
            "an unknown status".to_string()
        }
    }
}

pub fn display_command(program: &str, args: &[&str]) -> String {
    let quote = |s: &str| {
        if !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+".contains(c))
        {
            s.to_string()
        } else {
            format!("'{}'", s.replace('\'', r"'\''"))
        }
    };
    std::iter::once(program)
        .chain(args.iter().copied())
        .map(quote)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_libtest_and_node_closing_lines() {
        let mut c = Counts::default();
        count_line("test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s", &mut c);
        count_line(
            "test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out",
            &mut c,
        );
        count_line("# pass 4", &mut c);
        count_line("# fail 0", &mut c);
        count_line("ℹ skipped 2", &mut c);
        count_line("# Subtest: pass 5 things", &mut c);
        assert_eq!((c.passed, c.failed, c.skipped), (8, 2, 3));
    }

    #[test]
    fn a_failing_runner_still_adds_its_counts() {
        let mut total = Counts::default();
        let cmd = Cmd::new(
            "sh",
            &[
                "-c",
                "echo 'test result: FAILED. 2 passed; 1 failed; 0 ignored'; exit 3",
            ],
        );
        let err = cmd.run_counting(&mut total).unwrap_err();
        assert!(err.0.contains("exit code 3"), "{err}");
        assert_eq!((total.passed, total.failed), (2, 1));
    }

    #[test]
    fn quotes_commands_for_display() {
        assert_eq!(
            display_command("cargo", &["test", "--workspace"]),
            "cargo test --workspace"
        );
        assert_eq!(display_command("sh", &["-c", "a b"]), "sh -c 'a b'");
    }
}
