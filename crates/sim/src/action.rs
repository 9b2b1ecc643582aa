//! Actions: every console and datastore-API operation a trainee can perform.
//!
//! An action is applied at a sim time ([`TimedAction::at_ms`]). Actions name instances by
//! their `Name` tag (`node-2`), the way a trainee reads the console. The simulator checks an
//! action against the current state and either accepts it (and the world reacts over the
//! following minutes) or refuses it with a reason, as the real console greys out or rejects
//! an operation.

use serde::{Deserialize, Serialize};

/// One console or API operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
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

/// The datastore REST calls the API console offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "kebab-case")]
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
