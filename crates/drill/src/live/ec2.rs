//! The EC2 Query API (as the aws CLI speaks it with `--endpoint-url`: a form-encoded POST,
//! `Action=…&Version=2016-11-15`, XML answers in the EC2 namespace) and SSM `SendCommand`
//! (JSON 1.1, `X-Amz-Target: AmazonSSM.SendCommand`), at one endpoint. Any credentials are
//! accepted: the signature is not checked.
//!
//! Each call becomes the sim's action (describe calls `Action::Describe`, recorded like the
//! Elasticsearch reads; the others on the instance by its Name tag when that names the same
//! instance, else by its id); a refusal becomes EC2's error with the code the sim's
//! reason starts with (`IncorrectInstanceState: …`). The XML is written with small
//! templates and one escaping function: the answers are a few fixed shapes, and no crate in
//! the tree writes XML (a serializer would be a new dependency for ~10 elements).
//!
//! SSM's `AWS-RunShellScript` runs the runbook's scripts (*chosen* names, see the README):
//! `/opt/runbook/setup.sh [--initial-master-nodes a,b]` is Setup, `/opt/runbook/clean-logs.sh`
//! is CleanLogs, and `growpart …` / `resize2fs …` is GrowFilesystem. Other commands are
//! refused with `InvalidParameters` (the drill has no shell to run them in).

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use quorum_sim::model::{Checks, Image, ImageState, Instance};
use quorum_sim::{Action, Applied, InstanceState, Sim};
use serde_json::{json, Value};

use super::{Core, Shared};

const NS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";
/// The drill account's id in answers (*chosen*).
const OWNER_ID: &str = "123456789012";
/// The drill's 00:00 as a date (*chosen*, as `_cat/health`'s epoch).
const DRILL_DATE: &str = "2026-01-01";

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
        let shared = shared.clone();
        async move { handle(&shared, &headers, &body) }
    })
}

fn handle(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Response {
    if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        return ssm(shared, target, body);
    }
    let params: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let p = Params(params);
    let mut core = shared.lock();
    let rid = core.request_id();
    let Some(action) = p.get("Action") else {
        return error(
            &rid,
            "MissingAction",
            "The request must contain the parameter Action",
        );
    };
    let action = action.to_string();
    // Reads are recorded at the time they arrive, within the replay's budget for reads.
    if quorum_sim::action::DESCRIBE_CALLS.contains(&action.as_str()) {
        core.record_read(Action::Describe {
            call: action.clone(),
        });
    }
    let result = match action.as_str() {
        "DescribeInstances" => describe_instances(&core.sim, &p, &rid),
        "DescribeInstanceStatus" => describe_instance_status(&core.sim, &p, &rid),
        "DescribeImages" => Ok(describe_images(&core.sim, &p, &rid)),
        "RebootInstances" => reboot(&mut core, &p, &rid),
        "StopInstances" => change_state(&mut core, &p, &rid, Change::Stop),
        "StartInstances" => change_state(&mut core, &p, &rid, Change::Start),
        "TerminateInstances" => change_state(&mut core, &p, &rid, Change::Terminate),
        "CreateImage" => create_image(&mut core, &p, &rid),
        "RunInstances" => run_instances(&mut core, &p, &rid),
        "ModifyVolume" => modify_volume(&mut core, &p, &rid),
        other => Err(Ec2Error::new(
            "InvalidAction",
            format!("The action {other} is not valid for this web service."),
        )),
    };
    match result {
        Ok(xml) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/xml;charset=UTF-8")],
            xml,
        )
            .into_response(),
        Err(e) => error(&rid, &e.code, &e.message),
    }
}

/// The form's parameters.
struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    fn require(&self, key: &str) -> Result<&str, Ec2Error> {
        self.get(key).ok_or_else(|| {
            Ec2Error::new(
                "MissingParameter",
                format!("The request must contain the parameter {key}"),
            )
        })
    }
    fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
    /// `Prefix.1`, `Prefix.2`, … in index order.
    fn list(&self, prefix: &str) -> Vec<String> {
        let mut items: Vec<(u32, String)> = self
            .0
            .iter()
            .filter_map(|(k, v)| {
                let n = k.strip_prefix(prefix)?.strip_prefix('.')?.parse().ok()?;
                Some((n, v.clone()))
            })
            .collect();
        items.sort();
        items.into_iter().map(|(_, v)| v).collect()
    }
    /// `Filter.N.Name` / `Filter.N.Value.M`.
    fn filters(&self) -> Vec<(String, Vec<String>)> {
        (1..)
            .map_while(|n| {
                let name = self.get(&format!("Filter.{n}.Name"))?;
                Some((name.to_string(), self.list(&format!("Filter.{n}.Value"))))
            })
            .collect()
    }
}

struct Ec2Error {
    code: String,
    message: String,
}

impl Ec2Error {
    fn new(code: &str, message: String) -> Ec2Error {
        Ec2Error {
            code: code.to_string(),
            message,
        }
    }

    /// The sim's refusal as EC2's error: the reason's `Code:` prefix, else
    /// `IncorrectInstanceState` (a console-only refusal such as "already stopping").
    fn refusal(reason: &str) -> Ec2Error {
        let code = reason.split_once(": ").map(|(c, _)| c).filter(|c| {
            c.chars().next().is_some_and(|ch| ch.is_ascii_uppercase())
                && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '.')
        });
        match code {
            Some(code) => Ec2Error::new(code, reason[code.len() + 2..].to_string()),
            None => Ec2Error::new("IncorrectInstanceState", reason.to_string()),
        }
    }
}

/// XML text with `&`, `<`, `>`, `"` and `'` escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn el(name: &str, text: &str) -> String {
    format!("<{name}>{}</{name}>", escape(text))
}

fn document(action: &str, rid: &str, inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"{NS}\">\n    <requestId>{rid}</requestId>\n{inner}</{action}Response>\n"
    )
}

fn error(rid: &str, code: &str, message: &str) -> Response {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code><Message>{}</Message></Error></Errors><RequestID>{rid}</RequestID></Response>\n",
        escape(code),
        escape(message)
    );
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/xml;charset=UTF-8")],
        xml,
    )
        .into_response()
}

fn state_code(state: InstanceState) -> u16 {
    match state {
        InstanceState::Pending => 0,
        InstanceState::Running => 16,
        InstanceState::ShuttingDown => 32,
        InstanceState::Terminated => 48,
        InstanceState::Stopping => 64,
        InstanceState::Stopped => 80,
    }
}

fn state_xml(tag: &str, state: InstanceState) -> String {
    format!(
        "<{tag}><code>{}</code><name>{}</name></{tag}>",
        state_code(state),
        state.as_str()
    )
}

/// `2026-01-01T00:12:34.000Z` for a sim time.
fn timestamp(ms: u64) -> String {
    let s = ms / 1000;
    format!(
        "{DRILL_DATE}T{:02}:{:02}:{:02}.000Z",
        s / 3600 % 24,
        s / 60 % 60,
        s % 60
    )
}

/// The EBS volume's id, derived from the instance's (*chosen*: the sim has one volume per
/// instance and no volume ids).
pub fn volume_id(inst: &Instance) -> String {
    format!("vol-{}", inst.id.trim_start_matches("i-"))
}

/// `i-` and 8 or 17 hex digits, as EC2 checks before looking an id up.
fn well_formed_instance_id(id: &str) -> bool {
    id.strip_prefix("i-").is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17) && hex.chars().all(|c| c.is_ascii_hexdigit())
    })
}

/// The instances `InstanceId.N` names, as positions in `Sim::instances()`.
fn instances(sim: &Sim, ids: &[String]) -> Result<Vec<usize>, Ec2Error> {
    if let Some(bad) = ids.iter().find(|id| !well_formed_instance_id(id)) {
        return Err(Ec2Error::new(
            "InvalidInstanceID.Malformed",
            format!("Invalid id: \"{bad}\""),
        ));
    }
    let missing: Vec<&str> = ids
        .iter()
        .filter(|id| !sim.instances().iter().any(|i| i.id == **id))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        let quoted: Vec<String> = missing.iter().map(|m| format!("'{m}'")).collect();
        let message = if missing.len() == 1 {
            format!("The instance ID {} does not exist", quoted[0])
        } else {
            format!("The instance IDs {} do not exist", quoted.join(", "))
        };
        return Err(Ec2Error::new("InvalidInstanceID.NotFound", message));
    }
    Ok(ids
        .iter()
        .filter_map(|id| sim.instances().iter().position(|i| i.id == *id))
        .collect())
}

fn required_instances(sim: &Sim, p: &Params) -> Result<Vec<usize>, Ec2Error> {
    let ids = p.list("InstanceId");
    if ids.is_empty() {
        return Err(Ec2Error::new(
            "MissingParameter",
            "The request must contain the parameter InstanceId".into(),
        ));
    }
    instances(sim, &ids)
}

/// How an action names the instance at `idx`: its Name tag when that names this very
/// instance (the replay reads like the console's), else its id.
fn target(sim: &Sim, idx: usize) -> String {
    let inst = &sim.instances()[idx];
    if sim.instance_by_name(&inst.name) == Some(idx) {
        inst.name.clone()
    } else {
        inst.id.clone()
    }
}

fn apply(core: &mut Core, action: Action) -> Result<(), Ec2Error> {
    match core.apply(action) {
        None => Err(Ec2Error::new(
            "RequestLimitExceeded",
            "drill live: the drill is over, or its replay is full (1,500 actions or 256 KiB)"
                .into(),
        )),
        Some((_, Applied::Accepted)) => Ok(()),
        Some((_, Applied::Refused { reason })) => Err(Ec2Error::refusal(&reason)),
    }
}

fn instance_xml(sim: &Sim, inst: &Instance, indent: &str) -> String {
    let ip = &inst.private_ip;
    let dns = format!(
        "ip-{}.{}.compute.internal",
        ip.replace('.', "-"),
        region(sim)
    );
    let mut x = String::new();
    let mut line = |s: String| {
        x.push_str(indent);
        x.push_str(&s);
        x.push('\n');
    };
    line(el("instanceId", &inst.id));
    line(el("imageId", &inst.image_id));
    line(state_xml("instanceState", inst.state));
    line(el("privateDnsName", &dns));
    line("<dnsName/>".into());
    line(el("amiLaunchIndex", "0"));
    line(el("instanceType", &inst.instance_type));
    line(el("launchTime", &timestamp(inst.launched_at_ms)));
    line(format!(
        "<placement>{}<tenancy>default</tenancy></placement>",
        el("availabilityZone", &inst.az)
    ));
    line("<monitoring><state>disabled</state></monitoring>".into());
    line(el("privateIpAddress", ip));
    line(el("architecture", "x86_64"));
    line(el("rootDeviceType", "ebs"));
    line(el("rootDeviceName", "/dev/xvda"));
    if inst.state != InstanceState::Terminated {
        line(format!(
            "<blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs>{}<status>attached</status><deleteOnTermination>true</deleteOnTermination></ebs></item></blockDeviceMapping>",
            el("volumeId", &volume_id(inst))
        ));
    }
    line(format!(
        "<tagSet><item><key>Name</key>{}</item></tagSet>",
        el("value", &inst.name)
    ));
    x
}

fn region(sim: &Sim) -> String {
    let az = sim
        .scenario()
        .topology
        .azs
        .first()
        .cloned()
        .unwrap_or_default();
    az.trim_end_matches(|c: char| c.is_ascii_lowercase())
        .to_string()
}

fn matches_filters(inst: &Instance, filters: &[(String, Vec<String>)]) -> Result<bool, Ec2Error> {
    for (name, values) in filters {
        let value = match name.as_str() {
            "instance-state-name" => inst.state.as_str().to_string(),
            "tag:Name" => inst.name.clone(),
            "instance-id" => inst.id.clone(),
            "availability-zone" => inst.az.clone(),
            "image-id" => inst.image_id.clone(),
            other => {
                return Err(Ec2Error::new(
                    "InvalidParameterValue",
                    format!("The filter '{other}' is invalid (this drill supports instance-state-name, tag:Name, instance-id, availability-zone, image-id)"),
                ))
            }
        };
        if !values.iter().any(|v| glob(v, &value)) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// EC2 filter values: `*` matches any run of characters. Greedy with one backtrack point
/// (the last `*`), so a pattern of many stars costs O(pattern × text), never exponential:
/// the filter runs under the drill's lock. On bytes: a literal of the pattern is whole UTF-8
/// characters, so it only ever matches at a character boundary.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    // After the last `*` seen: where the pattern resumes, and where the star's run ends.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if p.get(pi) == Some(&b'*') {
            pi += 1;
            star = Some((pi, ti));
        } else if p.get(pi) == Some(&t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((resume, run_end)) = star {
            // The star takes one more byte; the rest of the pattern tries again after it.
            pi = resume;
            ti = run_end + 1;
            star = Some((resume, ti));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

fn describe_instances(sim: &Sim, p: &Params, rid: &str) -> Result<String, Ec2Error> {
    let ids = p.list("InstanceId");
    let chosen = if ids.is_empty() {
        (0..sim.instances().len()).collect()
    } else {
        instances(sim, &ids)?
    };
    let filters = p.filters();
    let mut inner = String::from("    <reservationSet>\n");
    for idx in chosen {
        let inst = &sim.instances()[idx];
        if !matches_filters(inst, &filters)? {
            continue;
        }
        inner.push_str(&format!(
            "        <item>\n            <reservationId>r-{}</reservationId>\n            <ownerId>{OWNER_ID}</ownerId>\n            <groupSet/>\n            <instancesSet>\n                <item>\n{}                </item>\n            </instancesSet>\n        </item>\n",
            &inst.id[2..],
            instance_xml(sim, inst, "                    ")
        ));
    }
    inner.push_str("    </reservationSet>\n");
    Ok(document("DescribeInstances", rid, &inner))
}

/// One status check's XML: `ok`/`impaired`/`initializing` with its reachability detail.
fn check_xml(tag: &str, checks: Checks, pick: fn(Checks) -> Option<bool>) -> String {
    let (status, detail) = match checks {
        Checks::None => ("not-applicable", "not-applicable"),
        Checks::Initializing => ("initializing", "initializing"),
        c => match pick(c) {
            Some(true) => ("ok", "passed"),
            Some(false) => ("impaired", "failed"),
            None => ("ok", "passed"),
        },
    };
    format!(
        "<{tag}><status>{status}</status><details><item><name>reachability</name><status>{detail}</status></item></details></{tag}>"
    )
}

fn describe_instance_status(sim: &Sim, p: &Params, rid: &str) -> Result<String, Ec2Error> {
    let ids = p.list("InstanceId");
    let all = p.flag("IncludeAllInstances");
    let chosen = if ids.is_empty() {
        (0..sim.instances().len()).collect()
    } else {
        instances(sim, &ids)?
    };
    let filters = p.filters();
    let mut inner = String::from("    <instanceStatusSet>\n");
    for idx in chosen {
        let inst = &sim.instances()[idx];
        if !all && inst.state != InstanceState::Running {
            continue;
        }
        let mut keep = true;
        for (name, values) in &filters {
            let value = match name.as_str() {
                "instance-state-name" => inst.state.as_str().to_string(),
                "instance-status.status" | "system-status.status" => {
                    let pick: fn(Checks) -> Option<bool> = if name.starts_with("system") {
                        system_ok
                    } else {
                        instance_ok
                    };
                    let xml = check_xml("x", inst.checks, pick);
                    xml.split("<status>").nth(1).and_then(|s| s.split('<').next()).unwrap_or("").to_string()
                }
                other => {
                    return Err(Ec2Error::new(
                        "InvalidParameterValue",
                        format!("The filter '{other}' is invalid (this drill supports instance-state-name, instance-status.status, system-status.status)"),
                    ))
                }
            };
            keep &= values.iter().any(|v| glob(v, &value));
        }
        if !keep {
            continue;
        }
        let ebs = match inst.checks {
            Checks::Ok { of: 3 } | Checks::Failed { of: 3, .. } => {
                check_xml("attachedEbsStatus", inst.checks, |_| Some(true))
            }
            Checks::Initializing if Checks::count_for(&inst.instance_type) == 3 => {
                check_xml("attachedEbsStatus", inst.checks, |_| None)
            }
            _ => String::new(),
        };
        inner.push_str(&format!(
            "        <item>\n            {}\n            {}\n            {}\n            {}\n            {}\n            {ebs}\n        </item>\n",
            el("instanceId", &inst.id),
            el("availabilityZone", &inst.az),
            state_xml("instanceState", inst.state),
            check_xml("systemStatus", inst.checks, system_ok),
            check_xml("instanceStatus", inst.checks, instance_ok),
        ));
    }
    inner.push_str("    </instanceStatusSet>\n");
    Ok(document("DescribeInstanceStatus", rid, &inner))
}

fn system_ok(c: Checks) -> Option<bool> {
    match c {
        Checks::Ok { .. } => Some(true),
        Checks::Failed { system_ok, .. } => Some(system_ok),
        _ => None,
    }
}

fn instance_ok(c: Checks) -> Option<bool> {
    match c {
        Checks::Ok { .. } => Some(true),
        Checks::Failed { instance_ok, .. } => Some(instance_ok),
        _ => None,
    }
}

fn image_xml(image: &Image) -> String {
    format!(
        "        <item>\n            {}\n            {}\n            {}\n            <imageOwnerId>{OWNER_ID}</imageOwnerId>\n            {}\n            <isPublic>false</isPublic>\n            <architecture>x86_64</architecture>\n            <imageType>machine</imageType>\n            {}\n            {}\n            <rootDeviceType>ebs</rootDeviceType>\n            <rootDeviceName>/dev/xvda</rootDeviceName>\n        </item>\n",
        el("imageId", &image.id),
        el("imageLocation", &format!("{OWNER_ID}/{}", image.name)),
        el("imageState", image.state.as_str()),
        el("creationDate", &timestamp(image.created_at_ms)),
        el("name", &image.name),
        el("description", &image.description),
    )
}

fn describe_images(sim: &Sim, p: &Params, rid: &str) -> String {
    let ids = p.list("ImageId");
    let base = Image {
        id: "ami-0base".into(),
        name: "base".into(),
        source_instance: String::new(),
        state: ImageState::Available,
        no_reboot: true,
        description: "The base OS image the runbook launches replacements from".into(),
        created_at_ms: 0,
        volume: quorum_sim::model::Volume::base_os(sim.scenario().topology.disk_bytes),
    };
    let mut inner = String::from("    <imagesSet>\n");
    for image in std::iter::once(&base).chain(sim.images()) {
        if ids.is_empty() || ids.contains(&image.id) {
            inner.push_str(&image_xml(image));
        }
    }
    inner.push_str("    </imagesSet>\n");
    document("DescribeImages", rid, &inner)
}

fn reboot(core: &mut Core, p: &Params, rid: &str) -> Result<String, Ec2Error> {
    let chosen = required_instances(&core.sim, p)?;
    for idx in chosen {
        let instance = target(&core.sim, idx);
        apply(core, Action::Reboot { instance })?;
    }
    Ok(document(
        "RebootInstances",
        rid,
        "    <return>true</return>\n",
    ))
}

#[derive(Clone, Copy)]
enum Change {
    Stop,
    Start,
    Terminate,
}

fn change_state(
    core: &mut Core,
    p: &Params,
    rid: &str,
    change: Change,
) -> Result<String, Ec2Error> {
    let chosen = required_instances(&core.sim, p)?;
    let force = p.flag("Force");
    let skip = p.flag("SkipOsShutdown");
    let mut items = String::new();
    for idx in chosen {
        let previous = core.sim.instances()[idx].state;
        let instance = target(&core.sim, idx);
        let action = match change {
            // `--force` while stopping is the console's Force stop; on a running instance it
            // powers off without the OS shutdown (the sim's skip-OS-shutdown stop).
            Change::Stop if force && previous == InstanceState::Stopping => {
                Action::ForceStop { instance }
            }
            Change::Stop => Action::Stop {
                instance,
                skip_os_shutdown: skip || force,
            },
            Change::Start => Action::Start { instance },
            Change::Terminate if force && previous == InstanceState::ShuttingDown => {
                Action::ForceTerminate { instance }
            }
            Change::Terminate => Action::Terminate {
                instance,
                skip_os_shutdown: skip || force,
            },
        };
        apply(core, action)?;
        let inst = &core.sim.instances()[idx];
        items.push_str(&format!(
            "        <item>\n            {}\n            {}\n            {}\n        </item>\n",
            el("instanceId", &inst.id),
            state_xml("currentState", inst.state),
            state_xml("previousState", previous),
        ));
    }
    // The CLI's StoppingInstances / StartingInstances / TerminatingInstances are all
    // `instancesSet` on the wire.
    let (action, set) = match change {
        Change::Stop => ("StopInstances", "instancesSet"),
        Change::Start => ("StartInstances", "instancesSet"),
        Change::Terminate => ("TerminateInstances", "instancesSet"),
    };
    Ok(document(
        action,
        rid,
        &format!("    <{set}>\n{items}    </{set}>\n"),
    ))
}

fn create_image(core: &mut Core, p: &Params, rid: &str) -> Result<String, Ec2Error> {
    let id = p.require("InstanceId")?.to_string();
    let name = p.require("Name")?.to_string();
    let idx = instances(&core.sim, &[id])?[0];
    let images_before = core.sim.images().len();
    let instance = target(&core.sim, idx);
    apply(
        core,
        Action::CreateImage {
            instance,
            name: Some(name),
            description: p.get("Description").map(str::to_string),
            // EC2's default, as the console's: the instance is rebooted.
            no_reboot: p.flag("NoReboot"),
        },
    )?;
    let image = core
        .sim
        .images()
        .get(images_before)
        .map(|i| i.id.clone())
        .unwrap_or_default();
    Ok(document(
        "CreateImage",
        rid,
        &format!("    {}\n", el("imageId", &image)),
    ))
}

fn run_instances(core: &mut Core, p: &Params, rid: &str) -> Result<String, Ec2Error> {
    let image = p.require("ImageId")?.to_string();
    let min: u32 = p.require("MinCount")?.parse().unwrap_or(0);
    let max: u32 = p.require("MaxCount")?.parse().unwrap_or(0);
    if min != 1 || max != 1 {
        return Err(Ec2Error::new(
            "InvalidParameterValue",
            "this drill launches one instance per request (--count 1)".into(),
        ));
    }
    if !image.starts_with("ami-") {
        return Err(Ec2Error::new(
            "InvalidAMIID.Malformed",
            format!("Invalid id: \"{image}\" (expecting \"ami-...\")"),
        ));
    }
    // The Name tag of `--tag-specifications ResourceType=instance,Tags=[{Key=Name,…}]`.
    let name = (1..)
        .map_while(|n| {
            let kind = p.get(&format!("TagSpecification.{n}.ResourceType"))?;
            Some((n, kind))
        })
        .filter(|(_, kind)| *kind == "instance")
        .find_map(|(n, _)| {
            (1..)
                .map_while(|t| {
                    let key = p.get(&format!("TagSpecification.{n}.Tag.{t}.Key"))?;
                    Some((key, p.get(&format!("TagSpecification.{n}.Tag.{t}.Value"))))
                })
                .find(|(k, _)| *k == "Name")
                .and_then(|(_, v)| v.map(str::to_string))
        })
        .unwrap_or_else(|| core.sim.suggested_instance_name());
    // The base image by the name the console and the runbooks use for it.
    let image = if image == "ami-0base" {
        "base".to_string()
    } else {
        image
    };
    let before = core.sim.instances().len();
    apply(core, Action::Launch { name, image })?;
    let inst = &core.sim.instances()[before.min(core.sim.instances().len() - 1)];
    let inner = format!(
        "    <reservationId>r-{}</reservationId>\n    <ownerId>{OWNER_ID}</ownerId>\n    <groupSet/>\n    <instancesSet>\n        <item>\n{}        </item>\n    </instancesSet>\n",
        &inst.id[2..],
        instance_xml(&core.sim, inst, "            ")
    );
    Ok(document("RunInstances", rid, &inner))
}

fn modify_volume(core: &mut Core, p: &Params, rid: &str) -> Result<String, Ec2Error> {
    let vol = p.require("VolumeId")?.to_string();
    let size = p.require("Size")?;
    let gib: u64 = size.parse().map_err(|_| {
        Ec2Error::new(
            "InvalidParameterValue",
            format!("Value ({size}) for parameter size is invalid."),
        )
    })?;
    let found = core
        .sim
        .instances()
        .iter()
        .position(|i| volume_id(i) == vol && i.state != InstanceState::Terminated);
    let Some(idx) = found else {
        let code = if vol.starts_with("vol-") {
            "InvalidVolume.NotFound"
        } else {
            "InvalidParameterValue"
        };
        return Err(Ec2Error::new(
            code,
            format!("The volume '{vol}' does not exist."),
        ));
    };
    let original = core.sim.instances()[idx]
        .volume
        .as_ref()
        .map_or(0, |v| v.volume_bytes / (1024 * 1024 * 1024));
    let instance = target(&core.sim, idx);
    apply(core, Action::ResizeVolume { instance, gib })?;
    let inner = format!(
        "    <volumeModification>\n        {}\n        <modificationState>modifying</modificationState>\n        <targetSize>{gib}</targetSize>\n        <originalSize>{original}</originalSize>\n        <targetVolumeType>gp3</targetVolumeType>\n        <originalVolumeType>gp3</originalVolumeType>\n        <progress>0</progress>\n        {}\n    </volumeModification>\n",
        el("volumeId", &vol),
        el("startTime", &timestamp(core.sim.now_ms())),
    );
    Ok(document("ModifyVolume", rid, &inner))
}

fn ssm_error(status: u16, kind: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        [(header::CONTENT_TYPE, "application/x-amz-json-1.1")],
        json!({"__type": kind, "message": message}).to_string(),
    )
        .into_response()
}

/// A runbook script an SSM command line runs.
#[derive(Debug, PartialEq, Eq)]
pub enum Script {
    Setup { initial_master_nodes: Vec<String> },
    CleanLogs,
    GrowFilesystem,
}

/// What `AWS-RunShellScript`'s `commands` run, or the first line this drill cannot run.
pub fn scripts(commands: &[String]) -> Result<Vec<Script>, String> {
    let mut out = Vec::new();
    for line in commands {
        let words: Vec<&str> = line.split_whitespace().filter(|w| *w != "sudo").collect();
        let Some(first) = words.first() else { continue };
        if first.ends_with("/setup.sh") || *first == "setup.sh" {
            let mut imn = Vec::new();
            let mut i = 1;
            while i < words.len() {
                if let Some(v) = words[i].strip_prefix("--initial-master-nodes=") {
                    imn = v.split(',').map(str::to_string).collect();
                } else if words[i] == "--initial-master-nodes" {
                    imn = words
                        .get(i + 1)
                        .map(|v| v.split(',').map(str::to_string).collect())
                        .unwrap_or_default();
                    i += 1;
                }
                i += 1;
            }
            out.push(Script::Setup {
                initial_master_nodes: imn,
            });
        } else if first.ends_with("/clean-logs.sh") || *first == "clean-logs.sh" {
            out.push(Script::CleanLogs);
        } else if *first == "growpart" || *first == "resize2fs" {
            // growpart then resize2fs is one step: the file system takes the volume's space.
            if !out.contains(&Script::GrowFilesystem) {
                out.push(Script::GrowFilesystem);
            }
        } else {
            return Err(line.clone());
        }
    }
    Ok(out)
}

fn ssm(shared: &Shared, amz_target: &str, body: &[u8]) -> Response {
    if amz_target != "AmazonSSM.SendCommand" {
        let op = amz_target.strip_prefix("AmazonSSM.").unwrap_or(amz_target);
        return ssm_error(
            400,
            "UnknownOperationException",
            &format!("this drill's SSM supports SendCommand only, not {op}"),
        );
    }
    let Ok(req) = serde_json::from_slice::<Value>(body) else {
        return ssm_error(
            400,
            "SerializationException",
            "the request body is not JSON",
        );
    };
    let ids: Vec<String> = req["InstanceIds"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let document_name = req["DocumentName"].as_str().unwrap_or("");
    if document_name.is_empty() {
        return ssm_error(
            400,
            "ValidationException",
            "1 validation error detected: Value null at 'documentName' failed to satisfy constraint: Member must not be null",
        );
    }
    if document_name != "AWS-RunShellScript" {
        return ssm_error(
            400,
            "InvalidDocument",
            &format!("Document {document_name} does not exist in your account (this drill runs AWS-RunShellScript)"),
        );
    }
    if ids.is_empty() {
        return ssm_error(
            400,
            "ValidationException",
            "this drill targets instances by InstanceIds (Targets are not supported)",
        );
    }
    let commands: Vec<String> = req["Parameters"]["commands"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if commands.is_empty() {
        return ssm_error(
            400,
            "InvalidParameters",
            "the parameter commands is required by AWS-RunShellScript",
        );
    }
    let scripts = match scripts(&commands) {
        Ok(s) => s,
        Err(line) => {
            return ssm_error(
                400,
                "InvalidParameters",
                &format!("this drill runs the runbook's scripts only (/opt/runbook/setup.sh, /opt/runbook/clean-logs.sh, growpart/resize2fs), not: {line}"),
            )
        }
    };
    let mut core = shared.lock();
    let chosen = match instances(&core.sim, &ids) {
        Ok(c) => c,
        Err(e) => {
            return ssm_error(400, "InvalidInstanceId", &e.message);
        }
    };
    for &idx in &chosen {
        for script in &scripts {
            let instance = target(&core.sim, idx);
            let action = match script {
                Script::Setup {
                    initial_master_nodes,
                } => Action::Setup {
                    instance,
                    initial_master_nodes: initial_master_nodes.clone(),
                },
                Script::CleanLogs => Action::CleanLogs { instance },
                Script::GrowFilesystem => Action::GrowFilesystem { instance },
            };
            if let Err(e) = apply(&mut core, action) {
                // SSM reports an instance it cannot run on as InvalidInstanceId.
                return ssm_error(
                    400,
                    "InvalidInstanceId",
                    &format!("{}: {}", e.code, e.message),
                );
            }
        }
    }
    let command_id = core.request_id();
    let now_s = 1_767_225_600.0 + core.sim.now_ms() as f64 / 1000.0;
    let body = json!({
        "Command": {
            "CommandId": command_id,
            "DocumentName": document_name,
            "DocumentVersion": "$DEFAULT",
            "Comment": req["Comment"].as_str().unwrap_or(""),
            "Parameters": {"commands": commands},
            "InstanceIds": ids,
            "Targets": [],
            "RequestedDateTime": now_s,
            "Status": "Pending",
            "StatusDetails": "Pending",
            "TargetCount": ids.len(),
            "CompletedCount": 0,
            "ErrorCount": 0,
            "DeliveryTimedOutCount": 0,
            "TimeoutSeconds": 3600,
        }
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/x-amz-json-1.1")],
        body.to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
    }

    #[test]
    fn runbook_scripts_map_to_actions() {
        let lines = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            scripts(&lines(&[
                "sudo /opt/runbook/setup.sh --initial-master-nodes node-1,node-4"
            ])),
            Ok(vec![Script::Setup {
                initial_master_nodes: vec!["node-1".into(), "node-4".into()]
            }])
        );
        assert_eq!(
            scripts(&lines(&[
                "sudo growpart /dev/nvme0n1 1",
                "sudo resize2fs /dev/nvme0n1p1"
            ])),
            Ok(vec![Script::GrowFilesystem])
        );
        assert_eq!(scripts(&lines(&["rm -rf /"])), Err("rm -rf /".to_string()));
    }

    #[test]
    fn filter_globs() {
        // Many stars and no match: answered at once (the recursive matcher took exponential
        // time here, under the drill's lock).
        assert!(!glob(&format!("{}z", "*".repeat(40)), &"i".repeat(19)));
        assert!(glob("*n*o*d*e*", "node"));
        assert!(glob("i-*", "i-05e98a5dd3949c636"));
        assert!(!glob("i-*7", "i-05e98a5dd3949c636"));
        assert!(glob("ノード*", "ノード1"));
        assert!(glob("node-*", "node-12"));
        assert!(glob("*", ""));
        assert!(!glob("node-*", "web-1"));
        assert!(glob("*-2", "node-2"));
    }

    #[test]
    fn refusals_keep_the_sims_code() {
        let e = Ec2Error::refusal("IncorrectInstanceState: node-2 (i-0ab) is stopped; start it");
        assert_eq!(e.code, "IncorrectInstanceState");
        assert_eq!(e.message, "node-2 (i-0ab) is stopped; start it");
        let e = Ec2Error::refusal("node-2 is already stopping");
        assert_eq!(e.code, "IncorrectInstanceState");
    }
}
