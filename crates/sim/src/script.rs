//! Action scripts for the headless CLI: one action a line, `#` comments, times from the
//! scenario start.
//!
//! ```text
//! at 02:00 create-image node-2              # No reboot unchecked (the default)
//! at 02:00 create-image node-2 --no-reboot --name node-2-backup
//! at 03:00 reboot node-2
//! at 04:00 stop node-1
//! at 04:30 force-stop node-1
//! at 05:00 start node-1
//! at 05:30 stop node-1 --skip-os-shutdown   # power off without the guest's shutdown (2025)
//! at 06:00 terminate node-3                 # also --skip-os-shutdown
//! at 06:10 force-terminate node-3           # only while shutting-down
//! at 07:00 launch node-4 --image base       # or the name / ami- id of an image you created
//! at 07:30 setup node-4                     # --initial-master-nodes node-4 is the trap
//! at 07:40 clean-logs node-2                # the runbook's log cleanup over SSH
//! at 07:45 resize-volume node-2 --gib 200   # EBS ModifyVolume (once per 6 hours): the volume, not the file system
//! at 07:50 grow-filesystem node-2           # growpart + resize2fs over SSH: the file system takes the new space
//! at 08:00 cat-allocation                   # GET _cat/allocation?v (disk use per node)
//! at 08:00 health                           # GET _cluster/health   (all API verbs take --via NODE)
//! at 08:00 cat-nodes                        # GET _cat/nodes?v
//! at 08:00 cat-shards                       # GET _cat/shards?v
//! at 08:00 get-settings                     # GET _cluster/settings
//! at 08:00 allocation primaries             # PUT _cluster/settings allocation.enable (all|primaries|new_primaries|none)
//! at 08:00 voting-exclude node-1            # POST _cluster/voting_config_exclusions?node_names=node-1
//! at 08:00 voting-clear                     # DELETE _cluster/voting_config_exclusions
//! at 08:00 flush                            # POST _flush
//! at 09:00 wait
//! ```

use crate::action::{Action, AllocationEnable, ApiRequest, TimedAction};
use crate::time::{fmt_clock, parse_clock};

/// A script line that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ScriptError {}

/// Instance and image names: what the console accepts for a Name tag here.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// Parses a whole script. Times must not go backwards.
pub fn parse(text: &str) -> Result<Vec<TimedAction>, ScriptError> {
    let mut actions = Vec::new();
    let mut last_ms = 0;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let err = |message: String| ScriptError { line, message };
        let words: Vec<&str> = content.split_whitespace().collect();
        if words.len() < 3 || words[0] != "at" {
            return Err(err(format!(
                "expected `at mm:ss <action> …`, found `{content}`"
            )));
        }
        let at_ms = parse_clock(words[1])
            .ok_or_else(|| err(format!("expected a time like 02:30, found `{}`", words[1])))?;
        if at_ms < last_ms {
            return Err(err(format!(
                "time {} is earlier than the previous line's {}",
                fmt_clock(at_ms),
                fmt_clock(last_ms)
            )));
        }
        last_ms = at_ms;
        let action = parse_action(&words[2..]).map_err(err)?;
        actions.push(TimedAction { at_ms, action });
    }
    Ok(actions)
}

/// Renders actions as a script that [`parse`] reads back.
pub fn render(actions: &[TimedAction]) -> String {
    let mut out = String::new();
    for timed in actions {
        let ms = timed.at_ms % 1000;
        let clock = if ms == 0 {
            fmt_clock(timed.at_ms)
        } else {
            format!("{}.{ms:03}", fmt_clock(timed.at_ms))
        };
        out.push_str(&format!("at {clock} {}\n", timed.action.to_script()));
    }
    out
}

/// Parses one action from its words (`create-image node-2 --no-reboot`).
pub fn parse_action(words: &[&str]) -> Result<Action, String> {
    let (verb, rest) = words.split_first().ok_or("expected an action")?;
    let mut args = Args::new(verb, rest)?;
    let action = match *verb {
        "reboot" => Action::Reboot { instance: args.instance()? },
        "stop" => Action::Stop {
            instance: args.instance()?,
            skip_os_shutdown: args.flag("--skip-os-shutdown"),
        },
        "force-stop" => Action::ForceStop { instance: args.instance()? },
        "start" => Action::Start { instance: args.instance()? },
        "terminate" => Action::Terminate {
            instance: args.instance()?,
            skip_os_shutdown: args.flag("--skip-os-shutdown"),
        },
        "force-terminate" => Action::ForceTerminate { instance: args.instance()? },
        "create-image" => {
            let instance = args.instance()?;
            let name = args.option("--name")?;
            if let Some(name) = &name {
                check_name(name)?;
            }
            let no_reboot = args.flag("--no-reboot");
            Action::CreateImage { instance, name, description: None, no_reboot }
        }
        "launch" => {
            let name = args.instance()?;
            let image = args.option("--image")?.ok_or("launch needs `--image base` or `--image <image name>`")?;
            Action::Launch { name, image }
        }
        "setup" => {
            let instance = args.instance()?;
            let initial_master_nodes = match args.option("--initial-master-nodes")? {
                Some(list) => split_names(&list)?,
                None => Vec::new(),
            };
            Action::Setup { instance, initial_master_nodes }
        }
        "clean-logs" => Action::CleanLogs { instance: args.instance()? },
        "grow-filesystem" => Action::GrowFilesystem { instance: args.instance()? },
        "resize-volume" => {
            let instance = args.instance()?;
            let gib = args.option("--gib")?.ok_or("resize-volume needs `--gib <new size in GiB>`")?;
            let gib = gib.parse::<u64>().map_err(|_| format!("`--gib` expects a whole number of GiB, found `{gib}`"))?;
            Action::ResizeVolume { instance, gib }
        }
        "health" | "cat-nodes" | "cat-shards" | "cat-allocation" | "get-settings" | "flush" | "voting-clear"
        | "allocation" | "voting-exclude" => {
            let request = match *verb {
                "health" => ApiRequest::ClusterHealth,
                "cat-nodes" => ApiRequest::CatNodes,
                "cat-shards" => ApiRequest::CatShards,
                "cat-allocation" => ApiRequest::CatAllocation,
                "get-settings" => ApiRequest::GetSettings,
                "flush" => ApiRequest::Flush,
                "voting-clear" => ApiRequest::ClearVotingExclusions,
                "allocation" => {
                    let value = args.positional("all|primaries|new_primaries|none")?;
                    let enable = AllocationEnable::parse(&value).ok_or_else(|| {
                        format!("expected all, primaries, new_primaries or none, found `{value}`")
                    })?;
                    ApiRequest::SetAllocation { enable }
                }
                _ => {
                    let list = args.positional("node names, comma-separated")?;
                    ApiRequest::AddVotingExclusions { node_names: split_names(&list)? }
                }
            };
            let via = args.option("--via")?;
            if let Some(via) = &via {
                check_name(via)?;
            }
            Action::Api { via, request }
        }
        "wait" => Action::Wait,
        "describe" => Action::Describe {
            call: crate::action::describe_call(Some(args.positional("DescribeInstances|DescribeInstanceStatus|DescribeImages")?))?,
        },
        "app-requests" => {
            let via = args.instance()?;
            let count = |v: Option<String>, flag: &str| -> Result<u32, String> {
                v.map_or(Ok(0), |n| n.parse::<u32>().map_err(|_| format!("`{flag}` expects a whole number, found `{n}`")))
            };
            let searches = count(args.option("--searches")?, "--searches")?;
            let indexes = count(args.option("--indexes")?, "--indexes")?;
            Action::AppRequests { via, searches, indexes }
        }
        "inject" => {
            let id = args.positional("a fault kind, e.g. host-failure")?;
            let fault = crate::scenario::FaultKind::from_id(&id)
                .ok_or_else(|| format!("`{id}` is not a fault kind"))?;
            Action::Inject { fault, instance: args.instance()? }
        }
        other => {
            return Err(format!(
                "unknown action `{other}` (expected reboot, stop, force-stop, start, terminate, force-terminate, \
                 create-image, launch, setup, clean-logs, resize-volume, grow-filesystem, health, cat-nodes, cat-shards, cat-allocation, \
                 get-settings, allocation, voting-exclude, voting-clear, flush, describe, app-requests, wait or inject)"
            ))
        }
    };
    args.finish()?;
    Ok(action)
}

fn check_name(name: &str) -> Result<(), String> {
    if valid_name(name) {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a valid name (1–64 of A–Z a–z 0–9 . _ -)"
        ))
    }
}

fn split_names(list: &str) -> Result<Vec<String>, String> {
    let names: Vec<String> = list.split(',').map(|s| s.trim().to_string()).collect();
    for name in &names {
        check_name(name)?;
    }
    Ok(names)
}

/// The words after the verb: positionals first, then `--options`.
struct Args<'a> {
    verb: &'a str,
    words: Vec<&'a str>,
}

impl<'a> Args<'a> {
    fn new(verb: &'a str, rest: &[&'a str]) -> Result<Args<'a>, String> {
        Ok(Args {
            verb,
            words: rest.to_vec(),
        })
    }

    fn positional(&mut self, what: &str) -> Result<String, String> {
        match self.words.first() {
            Some(word) if !word.starts_with("--") => Ok(self.words.remove(0).to_string()),
            _ => Err(format!("`{}` expects {what}", self.verb)),
        }
    }

    fn instance(&mut self) -> Result<String, String> {
        let name = self.positional("an instance name")?;
        check_name(&name)?;
        Ok(name)
    }

    fn option(&mut self, flag: &str) -> Result<Option<String>, String> {
        let Some(pos) = self.words.iter().position(|w| *w == flag) else {
            return Ok(None);
        };
        if pos + 1 >= self.words.len() || self.words[pos + 1].starts_with("--") {
            return Err(format!("`{flag}` needs a value"));
        }
        let value = self.words[pos + 1].to_string();
        self.words.drain(pos..pos + 2);
        Ok(Some(value))
    }

    fn flag(&mut self, flag: &str) -> bool {
        match self.words.iter().position(|w| *w == flag) {
            Some(pos) => {
                self.words.remove(pos);
                true
            }
            None => false,
        }
    }

    fn finish(self) -> Result<(), String> {
        match self.words.first() {
            None => Ok(()),
            Some(word) => Err(format!("unexpected `{word}` after `{}`", self.verb)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_examples_and_round_trips() {
        let text = "# the trap\n\
            at 02:00 create-image node-2              # No reboot unchecked (the default)\n\
            at 02:00 create-image node-2 --no-reboot --name n2\n\
            at 03:00 reboot node-2\n\
            at 04:00 stop node-1\n\
            at 04:30 force-stop node-1\n\
            at 05:00 start node-1\n\
            at 06:00 terminate node-3\n\
            at 07:00 launch node-4 --image base\n\
            at 07:30 setup node-4\n\
            at 07:31 setup node-5 --initial-master-nodes node-5\n\
            at 08:00 health --via node-2\n\
            at 08:00 allocation primaries\n\
            at 08:00 voting-exclude node-1,node-3\n\
            at 08:00.250 voting-clear\n\
            at 08:30 clean-logs node-2\n\
            at 08:31 resize-volume node-2 --gib 200\n\
            at 08:32 cat-allocation --via node-1\n\
            at 09:00 wait\n";
        let actions = parse(text).unwrap();
        assert_eq!(actions.len(), 18);
        assert_eq!(
            actions[0],
            TimedAction {
                at_ms: 120_000,
                action: Action::CreateImage {
                    instance: "node-2".into(),
                    name: None,
                    description: None,
                    no_reboot: false
                }
            }
        );
        assert_eq!(parse(&render(&actions)).unwrap(), actions);
    }

    #[test]
    fn bad_lines_name_the_line_and_what_was_expected() {
        let cases = [
            (
                "at 02:00 reboot",
                "line 1: `reboot` expects an instance name",
            ),
            (
                "\n\nreboot node-1",
                "line 3: expected `at mm:ss <action> …`, found `reboot node-1`",
            ),
            (
                "at 2h reboot node-1",
                "line 1: expected a time like 02:30, found `2h`",
            ),
            (
                "at 01:00 explode node-1",
                "line 1: unknown action `explode`",
            ),
            (
                "at 01:00 launch node-4",
                "line 1: launch needs `--image base`",
            ),
            (
                "at 01:00 reboot node-1 now",
                "line 1: unexpected `now` after `reboot`",
            ),
            (
                "at 02:00 wait\nat 01:00 wait",
                "line 2: time 01:00 is earlier than the previous line's 02:00",
            ),
            (
                "at 01:00 reboot no<de>",
                "line 1: `no<de>` is not a valid name",
            ),
            (
                "at 01:00 allocation some",
                "line 1: expected all, primaries, new_primaries or none",
            ),
        ];
        for (text, expected) in cases {
            let error = parse(text).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{text:?} gave {error:?}");
        }
    }
}
