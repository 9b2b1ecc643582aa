//! Actions: every console and datastore-API operation a trainee can perform.
//!
//! An action is applied at a sim time ([`TimedAction::at_ms`]). Actions name instances by
//! their `Name` tag (`node-2`), the way a trainee reads the console. The simulator checks an
//! action against the current state and either accepts it (and the world reacts over the
//! following minutes) or refuses it with a reason, as the real console greys out or rejects
//! an operation.

use serde::{Deserialize, Serialize};

use crate::scenario::FaultKind;
use crate::timing::{MAX_IMAGE_DESCRIPTION_CHARS, MAX_RESOURCE_NAME_CHARS};

/// One console or API operation.
///
/// JSON: `{"type": "create-image", "instance": "node-2", "no_reboot": false}`. Decoding goes
/// through a flat record ([`RawAction`]) rather than serde's internally tagged enum support:
/// the same format and strictness, a fraction of the code in the browser bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", try_from = "RawAction")]
pub enum Action {
    /// EC2 RebootInstances: a clean OS reboot (forced hard reboot after ~4 min).
    Reboot { instance: String },
    /// EC2 StopInstances. `skip_os_shutdown` (2025): the instance is powered off without a
    /// clean guest shutdown (the datastore's connections are not closed: peers time out).
    Stop {
        instance: String,
        #[serde(default, skip_serializing_if = "is_false")]
        skip_os_shutdown: bool,
    },
    /// EC2 StopInstances with Force: offered by the console only while `stopping`.
    ForceStop { instance: String },
    /// EC2 StartInstances: a stopped instance starts on a new host.
    Start { instance: String },
    /// EC2 TerminateInstances: the root volume (and the node's data) is deleted.
    /// `skip_os_shutdown` as for [`Action::Stop`].
    Terminate {
        instance: String,
        #[serde(default, skip_serializing_if = "is_false")]
        skip_os_shutdown: bool,
    },
    /// EC2 TerminateInstances with Force: offered by the console only while `shutting-down`.
    ForceTerminate { instance: String },
    /// EC2 CreateImage. `no_reboot` is false by default, as in the console: the instance is
    /// shut down, snapshotted, then rebooted.
    CreateImage {
        instance: String,
        #[serde(default)]
        name: Option<String>,
        /// The AMI's description (up to 255 characters); not part of action scripts.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        #[serde(default)]
        no_reboot: bool,
    },
    /// EC2 RunInstances from the base OS image (`base`) or an image the trainee created
    /// (by its name or `ami-…` id).
    Launch { name: String, image: String },
    /// The runbook's setup script: installs and configures the datastore on a fresh instance
    /// launched from the base image, with an empty data path.
    Setup {
        instance: String,
        /// `cluster.initial_master_nodes` written into the config. The runbook says never to
        /// set it on a node joining a formed cluster; the simulator models why.
        #[serde(default)]
        initial_master_nodes: Vec<String>,
    },
    /// A datastore REST call, sent to one node (`via`) or to any live node when `None`.
    Api {
        #[serde(default)]
        via: Option<String>,
        request: ApiRequest,
    },
    /// The runbook's log cleanup over SSH: delete rotated logs, truncate a runaway log and
    /// turn debug logging off.
    CleanLogs { instance: String },
    /// EBS ModifyVolume to a larger size. It grows the volume, not the file system.
    ResizeVolume { instance: String, gib: u64 },
    /// The runbook's file-system extension over SSH (`growpart`, `resize2fs`): the file
    /// system takes the space a ModifyVolume added.
    GrowFilesystem { instance: String },
    /// Do nothing: a marker that the trainee chose to wait (shown in the timeline).
    Wait,
    /// A read-only EC2 call made with the real tools (`drill live`): `DescribeInstances`,
    /// `DescribeInstanceStatus` or `DescribeImages` ([`DESCRIBE_CALLS`]). It changes
    /// nothing; it is recorded so the debrief shows what the trainee looked at, and when.
    Describe { call: String },
    /// A team drill's game master injects a fault now (issue 14). Only the timed fault kinds
    /// the scenario itself declares (in `[[faults]]` or a branch option's timed effect) may be
    /// injected; the sim refuses any other ([`crate::Sim::injectable_faults`]). It acts as the
    /// scheduled fault of that kind would: on a target gone or already in that state it does
    /// nothing, and the sim refuses it with that reason. JSON:
    /// `{"type": "inject", "fault": "host-failure", "instance": "node-2"}`.
    Inject { fault: FaultKind, instance: String },
    /// Searches and documents indexed on the app's index, sent to node `via` with the real
    /// tools (`drill live`) within one sim second: one action per node and second, carrying
    /// counts, so a `while true; curl` loop stays within the replay's cap. The sim decides
    /// each request's outcome by the rule its own app traffic follows
    /// ([`crate::Sim::app_outcome`]) and counts them into the drill's traffic (served and
    /// failed requests) at the end of that second. JSON: `{"type": "app-requests", "via":
    /// "node-1", "searches": 3, "indexes": 1}`.
    AppRequests {
        via: String,
        #[serde(default)]
        searches: u32,
        #[serde(default)]
        indexes: u32,
    },
}

/// The EC2 calls an [`Action::Describe`] records.
pub const DESCRIBE_CALLS: [&str; 3] = [
    "DescribeInstances",
    "DescribeInstanceStatus",
    "DescribeImages",
];

/// The datastore REST calls the API console offers. JSON: `{"call": "cluster-health"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "kebab-case", try_from = "RawApiRequest")]
pub enum ApiRequest {
    /// `GET _cluster/health`
    ClusterHealth,
    /// `GET _cat/nodes?v`
    CatNodes,
    /// `GET _cat/shards?v`
    CatShards,
    /// `GET _cat/allocation?v`: shards and disk use per node.
    CatAllocation,
    /// `GET _cluster/settings`
    GetSettings,
    /// `PUT _cluster/settings {"persistent":{"cluster.routing.allocation.enable": …}}`
    SetAllocation { enable: AllocationEnable },
    /// `POST _cluster/voting_config_exclusions?node_names=…`
    AddVotingExclusions { node_names: Vec<String> },
    /// `DELETE _cluster/voting_config_exclusions`
    ClearVotingExclusions,
    /// `POST _flush`
    Flush,
}

/// `cluster.routing.allocation.enable`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllocationEnable {
    All,
    Primaries,
    NewPrimaries,
    None,
}

impl AllocationEnable {
    pub fn as_str(self) -> &'static str {
        match self {
            AllocationEnable::All => "all",
            AllocationEnable::Primaries => "primaries",
            AllocationEnable::NewPrimaries => "new_primaries",
            AllocationEnable::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<AllocationEnable> {
        match s {
            "all" => Some(AllocationEnable::All),
            "primaries" => Some(AllocationEnable::Primaries),
            "new_primaries" | "new-primaries" => Some(AllocationEnable::NewPrimaries),
            "none" => Some(AllocationEnable::None),
            _ => None,
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Every field any action has; `type` says which apply.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    #[serde(rename = "type")]
    kind: String,
    instance: Option<String>,
    name: Option<String>,
    description: Option<String>,
    no_reboot: Option<bool>,
    skip_os_shutdown: Option<bool>,
    image: Option<String>,
    initial_master_nodes: Option<Vec<String>>,
    via: Option<String>,
    request: Option<ApiRequest>,
    gib: Option<u64>,
    call: Option<String>,
    fault: Option<FaultKind>,
    searches: Option<u32>,
    indexes: Option<u32>,
}

impl TryFrom<RawAction> for Action {
    type Error = String;

    fn try_from(raw: RawAction) -> Result<Action, String> {
        let kind = ActionKind::parse(&raw.kind)
            .ok_or_else(|| format!("unknown action type `{}`", raw.kind))?;
        let present = [
            ("instance", raw.instance.is_some()),
            ("name", raw.name.is_some()),
            ("description", raw.description.is_some()),
            ("no_reboot", raw.no_reboot.is_some()),
            ("skip_os_shutdown", raw.skip_os_shutdown.is_some()),
            ("image", raw.image.is_some()),
            ("initial_master_nodes", raw.initial_master_nodes.is_some()),
            ("via", raw.via.is_some()),
            ("request", raw.request.is_some()),
            ("gib", raw.gib.is_some()),
            ("call", raw.call.is_some()),
            ("fault", raw.fault.is_some()),
            ("searches", raw.searches.is_some()),
            ("indexes", raw.indexes.is_some()),
        ];
        let allowed = kind.fields();
        if let Some((field, _)) = present.iter().find(|(f, set)| *set && !allowed.contains(f)) {
            return Err(format!(
                "unknown field `{field}` for action `{}`",
                kind.as_str()
            ));
        }
        let need = |value: Option<String>, field: &str| {
            value.ok_or_else(|| format!("missing field `{field}`"))
        };
        // Exhaustive: a kind without its constructor does not compile.
        Ok(match kind {
            ActionKind::Reboot => Action::Reboot {
                instance: need(raw.instance, "instance")?,
            },
            ActionKind::Stop => Action::Stop {
                instance: need(raw.instance, "instance")?,
                skip_os_shutdown: raw.skip_os_shutdown.unwrap_or(false),
            },
            ActionKind::ForceStop => Action::ForceStop {
                instance: need(raw.instance, "instance")?,
            },
            ActionKind::Start => Action::Start {
                instance: need(raw.instance, "instance")?,
            },
            ActionKind::Terminate => Action::Terminate {
                instance: need(raw.instance, "instance")?,
                skip_os_shutdown: raw.skip_os_shutdown.unwrap_or(false),
            },
            ActionKind::ForceTerminate => Action::ForceTerminate {
                instance: need(raw.instance, "instance")?,
            },
            ActionKind::CleanLogs => Action::CleanLogs {
                instance: need(raw.instance, "instance")?,
            },
            ActionKind::GrowFilesystem => Action::GrowFilesystem {
                instance: need(raw.instance, "instance")?,
            },
            ActionKind::CreateImage => Action::CreateImage {
                instance: need(raw.instance, "instance")?,
                name: raw.name,
                description: raw.description,
                no_reboot: raw.no_reboot.unwrap_or(false),
            },
            ActionKind::Launch => Action::Launch {
                name: need(raw.name, "name")?,
                image: need(raw.image, "image")?,
            },
            ActionKind::Setup => Action::Setup {
                instance: need(raw.instance, "instance")?,
                initial_master_nodes: raw.initial_master_nodes.unwrap_or_default(),
            },
            ActionKind::Api => Action::Api {
                via: raw.via,
                request: raw.request.ok_or("missing field `request`")?,
            },
            ActionKind::ResizeVolume => Action::ResizeVolume {
                instance: need(raw.instance, "instance")?,
                gib: raw.gib.ok_or("missing field `gib`")?,
            },
            ActionKind::Wait => Action::Wait,
            ActionKind::Describe => Action::Describe {
                call: describe_call(raw.call)?,
            },
            ActionKind::Inject => Action::Inject {
                fault: raw.fault.ok_or("missing field `fault`")?,
                instance: need(raw.instance, "instance")?,
            },
            ActionKind::AppRequests => Action::AppRequests {
                via: need(raw.via, "via")?,
                searches: raw.searches.unwrap_or(0),
                indexes: raw.indexes.unwrap_or(0),
            },
        })
    }
}

/// A `describe` action's `call`, one of [`DESCRIBE_CALLS`].
pub fn describe_call(call: Option<String>) -> Result<String, String> {
    let call = call.ok_or("missing field `call`")?;
    if DESCRIBE_CALLS.contains(&call.as_str()) {
        Ok(call)
    } else {
        Err(format!(
            "unknown EC2 call `{call}` (expected {})",
            DESCRIBE_CALLS.join(", ")
        ))
    }
}

/// The kinds of [`Action`], as the replay format names them (`"type": "create-image"`).
/// [`Action::kind`] and the decoder match on it exhaustively, and [`ActionKind::ALL`] lists
/// every kind in declaration order (a test checks each one round-trips through JSON), so a
/// new action cannot decode as something else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    Reboot,
    Stop,
    ForceStop,
    Start,
    Terminate,
    CreateImage,
    Launch,
    Setup,
    Api,
    CleanLogs,
    ResizeVolume,
    GrowFilesystem,
    ForceTerminate,
    Wait,
    Describe,
    Inject,
    AppRequests,
}

impl ActionKind {
    /// Every kind, in declaration order.
    pub const ALL: [ActionKind; 17] = [
        ActionKind::Reboot,
        ActionKind::Stop,
        ActionKind::ForceStop,
        ActionKind::Start,
        ActionKind::Terminate,
        ActionKind::CreateImage,
        ActionKind::Launch,
        ActionKind::Setup,
        ActionKind::Api,
        ActionKind::CleanLogs,
        ActionKind::ResizeVolume,
        ActionKind::GrowFilesystem,
        ActionKind::ForceTerminate,
        ActionKind::Wait,
        ActionKind::Describe,
        ActionKind::Inject,
        ActionKind::AppRequests,
    ];

    /// The `type` tag in the replay format.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Reboot => "reboot",
            ActionKind::Stop => "stop",
            ActionKind::ForceStop => "force-stop",
            ActionKind::Start => "start",
            ActionKind::Terminate => "terminate",
            ActionKind::CreateImage => "create-image",
            ActionKind::Launch => "launch",
            ActionKind::Setup => "setup",
            ActionKind::Api => "api",
            ActionKind::CleanLogs => "clean-logs",
            ActionKind::ResizeVolume => "resize-volume",
            ActionKind::GrowFilesystem => "grow-filesystem",
            ActionKind::ForceTerminate => "force-terminate",
            ActionKind::Wait => "wait",
            ActionKind::Describe => "describe",
            ActionKind::Inject => "inject",
            ActionKind::AppRequests => "app-requests",
        }
    }

    /// The kind whose tag is `tag`.
    pub fn parse(tag: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|k| k.as_str() == tag)
    }

    /// The fields an action of this kind may carry besides `type`.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            ActionKind::Reboot
            | ActionKind::ForceStop
            | ActionKind::Start
            | ActionKind::ForceTerminate
            | ActionKind::CleanLogs
            | ActionKind::GrowFilesystem => &["instance"],
            ActionKind::Stop | ActionKind::Terminate => &["instance", "skip_os_shutdown"],
            ActionKind::CreateImage => &["instance", "name", "description", "no_reboot"],
            ActionKind::Launch => &["name", "image"],
            ActionKind::Setup => &["instance", "initial_master_nodes"],
            ActionKind::Api => &["via", "request"],
            ActionKind::ResizeVolume => &["instance", "gib"],
            ActionKind::Wait => &[],
            ActionKind::Describe => &["call"],
            ActionKind::Inject => &["fault", "instance"],
            ActionKind::AppRequests => &["via", "searches", "indexes"],
        }
    }
}

// `ALL` is in declaration order with no gaps.
const _: () = {
    let mut i = 0;
    while i < ActionKind::ALL.len() {
        assert!(ActionKind::ALL[i] as usize == i);
        i += 1;
    }
};

/// What [`crate::Sim::apply`] made of an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    Accepted,
    /// Refused, with the reason the `ActionRefused` event carries.
    Refused {
        reason: String,
    },
}

impl Applied {
    pub fn is_accepted(&self) -> bool {
        matches!(self, Applied::Accepted)
    }
    /// The refusal's reason, if refused.
    pub fn refusal(&self) -> Option<&str> {
        match self {
            Applied::Accepted => None,
            Applied::Refused { reason } => Some(reason),
        }
    }
}

/// Every field any API request has; `call` says which apply.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawApiRequest {
    call: String,
    enable: Option<AllocationEnable>,
    node_names: Option<Vec<String>>,
}

impl TryFrom<RawApiRequest> for ApiRequest {
    type Error = String;

    fn try_from(raw: RawApiRequest) -> Result<ApiRequest, String> {
        let call = raw.call.as_str();
        let (wants_enable, wants_names) =
            (call == "set-allocation", call == "add-voting-exclusions");
        if raw.enable.is_some() && !wants_enable {
            return Err(format!("unknown field `enable` for call `{call}`"));
        }
        if raw.node_names.is_some() && !wants_names {
            return Err(format!("unknown field `node_names` for call `{call}`"));
        }
        Ok(match call {
            "cluster-health" => ApiRequest::ClusterHealth,
            "cat-nodes" => ApiRequest::CatNodes,
            "cat-shards" => ApiRequest::CatShards,
            "cat-allocation" => ApiRequest::CatAllocation,
            "get-settings" => ApiRequest::GetSettings,
            "set-allocation" => ApiRequest::SetAllocation {
                enable: raw.enable.ok_or("missing field `enable`")?,
            },
            "add-voting-exclusions" => ApiRequest::AddVotingExclusions {
                node_names: raw.node_names.ok_or("missing field `node_names`")?,
            },
            "clear-voting-exclusions" => ApiRequest::ClearVotingExclusions,
            "flush" => ApiRequest::Flush,
            other => return Err(format!("unknown API call `{other}`")),
        })
    }
}

/// An action and the sim time at which it is applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedAction {
    pub at_ms: u64,
    pub action: Action,
}

/// A string of an action longer than EC2 allows it ([`Action::too_long`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLong {
    /// What the string is, as a sentence names it: "image description", "instance name".
    pub what: &'static str,
    /// Its length in characters (Unicode scalar values, as EC2 counts).
    pub chars: usize,
    pub limit: usize,
}

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the {} is {} characters; EC2 allows {}",
            self.what, self.chars, self.limit
        )
    }
}

impl TooLong {
    /// The engine's refusal, in the API's words.
    pub fn refusal(&self) -> String {
        format!(
            "InvalidParameterValue: the {} is longer than {} characters",
            self.what, self.limit
        )
    }
}

impl Action {
    /// The first string of this action longer than its limit: names
    /// ([`MAX_RESOURCE_NAME_CHARS`]) and the image description
    /// ([`MAX_IMAGE_DESCRIPTION_CHARS`]). The one rule for every door: the engine refuses
    /// such an action, [`crate::Replay::validate`] refuses a replay that carries one, and the
    /// console's dialogs cap their inputs at the same constants.
    pub fn too_long(&self) -> Option<TooLong> {
        let check = |what: &'static str, text: &str, limit: usize| {
            // Bytes bound characters from above: most strings skip the count.
            (text.len() > limit)
                .then(|| text.chars().count())
                .filter(|&chars| chars > limit)
                .map(|chars| TooLong { what, chars, limit })
        };
        let name = |what, text: &str| check(what, text, MAX_RESOURCE_NAME_CHARS);
        let names = |what, list: &[String]| list.iter().find_map(|n| name(what, n));
        match self {
            Action::Reboot { instance }
            | Action::Stop { instance, .. }
            | Action::ForceStop { instance }
            | Action::Start { instance }
            | Action::Terminate { instance, .. }
            | Action::ForceTerminate { instance }
            | Action::CleanLogs { instance }
            | Action::GrowFilesystem { instance }
            | Action::ResizeVolume { instance, .. }
            | Action::Inject { instance, .. }
            | Action::AppRequests { via: instance, .. } => name("instance name", instance),
            Action::CreateImage {
                instance,
                name: image_name,
                description,
                ..
            } => name("instance name", instance)
                .or_else(|| image_name.as_deref().and_then(|n| name("image name", n)))
                .or_else(|| {
                    description
                        .as_deref()
                        .and_then(|d| check("image description", d, MAX_IMAGE_DESCRIPTION_CHARS))
                }),
            Action::Launch {
                name: instance,
                image,
            } => name("instance name", instance).or_else(|| name("image name", image)),
            Action::Setup {
                instance,
                initial_master_nodes,
            } => {
                name("instance name", instance).or_else(|| names("node name", initial_master_nodes))
            }
            Action::Api { via, request } => via
                .as_deref()
                .and_then(|v| name("instance name", v))
                .or_else(|| match request {
                    ApiRequest::AddVotingExclusions { node_names } => {
                        names("node name", node_names)
                    }
                    _ => None,
                }),
            Action::Wait | Action::Describe { .. } => None,
        }
    }

    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Reboot { .. } => ActionKind::Reboot,
            Action::Stop { .. } => ActionKind::Stop,
            Action::ForceStop { .. } => ActionKind::ForceStop,
            Action::Start { .. } => ActionKind::Start,
            Action::Terminate { .. } => ActionKind::Terminate,
            Action::CreateImage { .. } => ActionKind::CreateImage,
            Action::Launch { .. } => ActionKind::Launch,
            Action::Setup { .. } => ActionKind::Setup,
            Action::Api { .. } => ActionKind::Api,
            Action::CleanLogs { .. } => ActionKind::CleanLogs,
            Action::ResizeVolume { .. } => ActionKind::ResizeVolume,
            Action::GrowFilesystem { .. } => ActionKind::GrowFilesystem,
            Action::ForceTerminate { .. } => ActionKind::ForceTerminate,
            Action::Wait => ActionKind::Wait,
            Action::Describe { .. } => ActionKind::Describe,
            Action::Inject { .. } => ActionKind::Inject,
            Action::AppRequests { .. } => ActionKind::AppRequests,
        }
    }

    /// Whether the action, once accepted, can change the drill: everything but waiting,
    /// EC2's describe calls and the datastore's read-only calls (`GET` health, nodes,
    /// shards, allocation, settings).
    /// A replay's [`crate::replay::canonical_hash`] leaves the others out, so a run varied
    /// by one of them is the same run.
    pub fn changes_state(&self) -> bool {
        match self {
            Action::Wait | Action::Describe { .. } => false,
            Action::Api { request, .. } => !matches!(
                request,
                ApiRequest::ClusterHealth
                    | ApiRequest::CatNodes
                    | ApiRequest::CatShards
                    | ApiRequest::CatAllocation
                    | ApiRequest::GetSettings
            ),
            _ => true,
        }
    }

    /// The instance the action targets, if any (used for causal explanations).
    pub fn target(&self) -> Option<&str> {
        match self {
            Action::Reboot { instance }
            | Action::Stop { instance, .. }
            | Action::ForceStop { instance }
            | Action::Start { instance }
            | Action::Terminate { instance, .. }
            | Action::ForceTerminate { instance }
            | Action::CreateImage { instance, .. }
            | Action::Setup { instance, .. }
            | Action::CleanLogs { instance }
            | Action::GrowFilesystem { instance }
            | Action::ResizeVolume { instance, .. }
            | Action::Inject { instance, .. } => Some(instance),
            Action::Launch { name, .. } => Some(name),
            Action::Api { via, .. } => via.as_deref(),
            Action::AppRequests { via, .. } => Some(via),
            Action::Wait | Action::Describe { .. } => None,
        }
    }

    /// The action as a script line (without the `at` time), e.g. `create-image node-2`.
    /// [`crate::script::parse`] reads it back.
    pub fn to_script(&self) -> String {
        match self {
            Action::Reboot { instance } => format!("reboot {instance}"),
            Action::Stop {
                instance,
                skip_os_shutdown,
            } => format!("stop {instance}{}", skip_flag(*skip_os_shutdown)),
            Action::ForceStop { instance } => format!("force-stop {instance}"),
            Action::Start { instance } => format!("start {instance}"),
            Action::Terminate {
                instance,
                skip_os_shutdown,
            } => format!("terminate {instance}{}", skip_flag(*skip_os_shutdown)),
            Action::ForceTerminate { instance } => format!("force-terminate {instance}"),
            Action::CreateImage {
                instance,
                name,
                no_reboot,
                ..
            } => {
                let mut s = format!("create-image {instance}");
                if let Some(name) = name {
                    s.push_str(&format!(" --name {name}"));
                }
                if *no_reboot {
                    s.push_str(" --no-reboot");
                }
                s
            }
            Action::Launch { name, image } => format!("launch {name} --image {image}"),
            Action::Setup {
                instance,
                initial_master_nodes,
            } => {
                if initial_master_nodes.is_empty() {
                    format!("setup {instance}")
                } else {
                    format!(
                        "setup {instance} --initial-master-nodes {}",
                        initial_master_nodes.join(",")
                    )
                }
            }
            Action::Api { via, request } => {
                let mut s = match request {
                    ApiRequest::ClusterHealth => "health".to_string(),
                    ApiRequest::CatNodes => "cat-nodes".to_string(),
                    ApiRequest::CatShards => "cat-shards".to_string(),
                    ApiRequest::CatAllocation => "cat-allocation".to_string(),
                    ApiRequest::GetSettings => "get-settings".to_string(),
                    ApiRequest::SetAllocation { enable } => {
                        format!("allocation {}", enable.as_str())
                    }
                    ApiRequest::AddVotingExclusions { node_names } => {
                        format!("voting-exclude {}", node_names.join(","))
                    }
                    ApiRequest::ClearVotingExclusions => "voting-clear".to_string(),
                    ApiRequest::Flush => "flush".to_string(),
                };
                if let Some(via) = via {
                    s.push_str(&format!(" --via {via}"));
                }
                s
            }
            Action::CleanLogs { instance } => format!("clean-logs {instance}"),
            Action::GrowFilesystem { instance } => format!("grow-filesystem {instance}"),
            Action::ResizeVolume { instance, gib } => {
                format!("resize-volume {instance} --gib {gib}")
            }
            Action::Wait => "wait".to_string(),
            Action::Describe { call } => format!("describe {call}"),
            Action::Inject { fault, instance } => format!("inject {} {instance}", fault.as_str()),
            Action::AppRequests {
                via,
                searches,
                indexes,
            } => format!("app-requests {via} --searches {searches} --indexes {indexes}"),
        }
    }
}

impl ApiRequest {
    /// Whether the call needs an elected master that answers (else 503
    /// `master_not_discovered_exception` after `master_timeout`): all but `_flush`, which
    /// each node runs on its own shard copies.
    pub fn needs_master(&self) -> bool {
        !matches!(self, ApiRequest::Flush)
    }

    /// The HTTP request line as the API console shows it.
    pub fn http_line(&self) -> String {
        match self {
            ApiRequest::ClusterHealth => "GET /_cluster/health".into(),
            ApiRequest::CatNodes => "GET /_cat/nodes?v".into(),
            ApiRequest::CatShards => "GET /_cat/shards?v".into(),
            ApiRequest::CatAllocation => "GET /_cat/allocation?v".into(),
            ApiRequest::GetSettings => "GET /_cluster/settings".into(),
            ApiRequest::SetAllocation { enable } => format!(
                "PUT /_cluster/settings {{\"persistent\":{{\"cluster.routing.allocation.enable\":\"{}\"}}}}",
                enable.as_str()
            ),
            ApiRequest::AddVotingExclusions { node_names } => {
                format!("POST /_cluster/voting_config_exclusions?node_names={}", node_names.join(","))
            }
            ApiRequest::ClearVotingExclusions => "DELETE /_cluster/voting_config_exclusions".into(),
            ApiRequest::Flush => "POST /_flush".into(),
        }
    }
}

/// The script's `--skip-os-shutdown` flag, if set.
fn skip_flag(skip: bool) -> &'static str {
    if skip {
        " --skip-os-shutdown"
    } else {
        ""
    }
}
