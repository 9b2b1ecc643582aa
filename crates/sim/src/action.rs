//! Actions: every console and datastore-API operation a trainee can perform.
//!
//! An action is applied at a sim time ([`TimedAction::at_ms`]). Actions name instances by
//! their `Name` tag (`node-2`), the way a trainee reads the console. The simulator checks an
//! action against the current state and either accepts it (and the world reacts over the
//! following minutes) or refuses it with a reason, as the real console greys out or rejects
//! an operation.

use serde::{Deserialize, Serialize};

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
    /// EC2 StopInstances.
    Stop { instance: String },
    /// EC2 StopInstances with Force: offered by the console only while `stopping`.
    ForceStop { instance: String },
    /// EC2 StartInstances: a stopped instance starts on a new host.
    Start { instance: String },
    /// EC2 TerminateInstances: the root volume (and the node's data) is deleted.
    Terminate { instance: String },
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
    /// EBS ModifyVolume to a larger size (the file system is grown when it completes).
    ResizeVolume { instance: String, gib: u64 },
    /// Do nothing: a marker that the trainee chose to wait (shown in the timeline).
    Wait,
}

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
    image: Option<String>,
    initial_master_nodes: Option<Vec<String>>,
    via: Option<String>,
    request: Option<ApiRequest>,
    gib: Option<u64>,
}

impl TryFrom<RawAction> for Action {
    type Error = String;

    fn try_from(raw: RawAction) -> Result<Action, String> {
        let kind = raw.kind.as_str();
        let present = [
            ("instance", raw.instance.is_some()),
            ("name", raw.name.is_some()),
            ("description", raw.description.is_some()),
            ("no_reboot", raw.no_reboot.is_some()),
            ("image", raw.image.is_some()),
            ("initial_master_nodes", raw.initial_master_nodes.is_some()),
            ("via", raw.via.is_some()),
            ("request", raw.request.is_some()),
            ("gib", raw.gib.is_some()),
        ];
        let allowed: &[&str] = match kind {
            "reboot" | "stop" | "force-stop" | "start" | "terminate" | "clean-logs" => {
                &["instance"]
            }
            "create-image" => &["instance", "name", "description", "no_reboot"],
            "launch" => &["name", "image"],
            "setup" => &["instance", "initial_master_nodes"],
            "api" => &["via", "request"],
            "resize-volume" => &["instance", "gib"],
            "wait" => &[],
            other => return Err(format!("unknown action type `{other}`")),
        };
        if let Some((field, _)) = present.iter().find(|(f, set)| *set && !allowed.contains(f)) {
            return Err(format!("unknown field `{field}` for action `{kind}`"));
        }
        let need = |value: Option<String>, field: &str| {
            value.ok_or_else(|| format!("missing field `{field}`"))
        };
        Ok(match kind {
            "reboot" => Action::Reboot {
                instance: need(raw.instance, "instance")?,
            },
            "stop" => Action::Stop {
                instance: need(raw.instance, "instance")?,
            },
            "force-stop" => Action::ForceStop {
                instance: need(raw.instance, "instance")?,
            },
            "start" => Action::Start {
                instance: need(raw.instance, "instance")?,
            },
            "terminate" => Action::Terminate {
                instance: need(raw.instance, "instance")?,
            },
            "clean-logs" => Action::CleanLogs {
                instance: need(raw.instance, "instance")?,
            },
            "create-image" => Action::CreateImage {
                instance: need(raw.instance, "instance")?,
                name: raw.name,
                description: raw.description,
                no_reboot: raw.no_reboot.unwrap_or(false),
            },
            "launch" => Action::Launch {
                name: need(raw.name, "name")?,
                image: need(raw.image, "image")?,
            },
            "setup" => Action::Setup {
                instance: need(raw.instance, "instance")?,
                initial_master_nodes: raw.initial_master_nodes.unwrap_or_default(),
            },
            "api" => Action::Api {
                via: raw.via,
                request: raw.request.ok_or("missing field `request`")?,
            },
            "resize-volume" => Action::ResizeVolume {
                instance: need(raw.instance, "instance")?,
                gib: raw.gib.ok_or("missing field `gib`")?,
            },
            _ => Action::Wait,
        })
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

impl Action {
    /// The instance the action targets, if any (used for causal explanations).
    pub fn target(&self) -> Option<&str> {
        match self {
            Action::Reboot { instance }
            | Action::Stop { instance }
            | Action::ForceStop { instance }
            | Action::Start { instance }
            | Action::Terminate { instance }
            | Action::CreateImage { instance, .. }
            | Action::Setup { instance, .. }
            | Action::CleanLogs { instance }
            | Action::ResizeVolume { instance, .. } => Some(instance),
            Action::Launch { name, .. } => Some(name),
            Action::Api { via, .. } => via.as_deref(),
            Action::Wait => None,
        }
    }

    /// The action as a script line (without the `at` time), e.g. `create-image node-2`.
    /// [`crate::script::parse`] reads it back.
    pub fn to_script(&self) -> String {
        match self {
            Action::Reboot { instance } => format!("reboot {instance}"),
            Action::Stop { instance } => format!("stop {instance}"),
            Action::ForceStop { instance } => format!("force-stop {instance}"),
            Action::Start { instance } => format!("start {instance}"),
            Action::Terminate { instance } => format!("terminate {instance}"),
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
            Action::ResizeVolume { instance, gib } => {
                format!("resize-volume {instance} --gib {gib}")
            }
            Action::Wait => "wait".to_string(),
        }
    }
}

impl ApiRequest {
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
